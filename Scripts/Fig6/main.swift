// fig6 — a notebook: histograms of the magnitude-margin ratio R (Wang & Loog 2022, §4.2.4,
// Eq. 17, Fig. 6).
//
//   swift run -c release fig6 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E]
//                             [--check | --record]
//
// It prints each step's numbers and tables and writes Output/fig6/README.md (the notebook), the
// figures, the ratios as CSV and numbers.json. `--check` compares the numbers of the default run
// with Docs/numbers/fig6.json, which the docs quote; `--record` rewrites that file.
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments

struct Fig6Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig6",
        abstract: "Regenerate Fig. 6 of Wang & Loog (2022): histograms of the magnitude-margin ratio R, softmax vs softRmax.")

    // MARK: Parameters

    @Option(help: "Output folder.") var out = "Output/fig6"
    @Option(help: "Seed of the split and of the training.") var seed: UInt64 = 1
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var clipping: ClipOptions
    @Option(help: "Tasks, comma separated: all (10 classes), 3v7.") var tasks = "all,3v7"
    @Option(help: "Histogram bins.") var bins = 40
    @Option(help: "Also repeat for seeds seed…seed+N−1 and write mean ± sd (fig6_seeds.md).") var repeats = 1
    @OptionGroup var numbers: NumbersOptions

    func validate() throws {
        guard bins >= 2, bins <= 10_000 else { throw ValidationError("--bins must be in [2, 10000]") }
        guard repeats >= 1, repeats <= 1_000 else { throw ValidationError("--repeats must be in [1, 1000]") }
        guard tasks.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ ["all", "3v7"].contains($0) }) else {
            throw ValidationError("--tasks must be all, 3v7 or all,3v7")
        }
        if numbers.comparing && (seed != 1 || tasks != "all,3v7" || bins != 40 || repeats != 1 || clipping.noClip
                                 || experiment.architecture != .mlp || experiment.data != nil || experiment.epochs != nil || experiment.hidden != nil) {
            throw ValidationError("--check and --record compare the documented run: fig6 with every option at its default")
        }
    }

    func run() throws {
        let folder = try outputFolder(out)
        var book = Notebook(script: "fig6", title: "Fig. 6 — the magnitude-margin ratio R of softmax and softRmax networks",
                            command: "swift run -c release fig6" + (seed == 1 ? "" : " --seed \(seed)") + (tasks == "all,3v7" ? "" : " --tasks \(tasks)")
                                + (repeats == 1 ? "" : " --repeats \(repeats)")
                                + (experiment.architecture == .mlp ? "" : " --architecture \(experiment.architecture.rawValue)")
                                + (experiment.data.map { " --data \($0)" } ?? "") + (clipping.noClip ? " --no-clip" : ""))
        book.introduce("""
            Wang & Loog (2022), §4.2.4, Eq. 17: the ratio R = ‖∇ₓz_y − ∇ₓz_j‖₂ / (z_y − z_j) of the \
            gradient of the output margin to the margin itself (j the runner-up class) bounds how \
            small a perturbation can flip a prediction: the smaller R, the more robust. The paper: \
            "the model with softRmax has ratios R lower than softmax" (Fig. 6). This notebook \
            measures R on every correctly classified test image.
            """)
        book.parameter("--seed", "\(seed)", "seed of the split, the initial weights and the batch order")
        book.parameter("--tasks", tasks, "all (10 classes), 3v7")
        book.parameter("--bins", "\(bins)", "histogram bins of log₁₀ R")
        book.parameter("--architecture", experiment.architecture.rawValue, "network family (mlp: d → 128 → k)")
        book.parameter("--no-clip", clipping.noClip ? "yes" : "no", "FGSM without clipping to [0, 1] (the official code)")

        // MARK: 1. The twins, per task
        book.step("Data and the softmax/softRmax twins of each task", """
            Per task, both networks are trained from the same seed (same initial weights, same \
            batch order).
            """)
        let source = try experiment.source(seed: seed)
        let network = experiment.settings(mnist: source.isMNIST)
        let jobs = try source.tasks(tasks.split(separator: ",").map(String.init))  // read (and checked) before anything is printed
        progress("fig6: \(source.description); \(network)")
        var trained: [(DigitsTask, [TrainedModel])] = []
        for task in jobs {
            progress("task \(task.name): \(task.train.count) training, \(task.test.count) test images")
            trained.append((task, try fitTwins(task, settings: network, seed: seed)))
        }
        book.note("Data: \(source.description). Network: \(network).")

        // MARK: 2. Margins and ratios
        book.step("Margins, gradients and R on the correctly classified", """
            For every correctly classified test image, with j the runner-up class: M_z = z_y − z_j \
            and R = ‖∇ₓz_y − ∇ₓz_j‖₂ / M_z (Eq. 17). R does not change when z is rescaled, so it \
            compares softmax (unbounded outputs) with softRmax (outputs near the basis vectors). \
            Beside it, the first-order L∞ distance to the boundary ε₁ = M_z / ‖∇ₓ(z_y − z_j)‖₁ and \
            FGSM at ε = 0.1, to check R against what the attacks do.
            """)
        let results = try trained.map { task, models in try Fig6.compute(task: task, models: models, clip: clipping.clip) }
        Fig6.keepNumbers(results, in: &book)
        for r in results {
            for m in r.models {
                book.number("headline.\(r.task.tag).\(m.name).ratio_median", quantile(r.samples[m.name]!.ratio, 0.5),
                            label: "\(r.task.name), \(m.name): median R", tolerance: .networkStatistic, format: "%.3g")
            }
        }

        // MARK: 3. Histograms and table
        book.step("Histograms of R (Fig. 6), the summary and the paired comparison", """
            Histograms of R on a log axis as fractions of each model's correct samples (the \
            dashed lines their medians); then, on the images both models classify correctly, the \
            share where softRmax's R is lower and its ε₁ larger.
            """)
        let md = try Fig6.write(results, bins: bins, header: "Data: \(source.description). Model: \(network). Seed \(seed). FGSM \(clipping.phrase).", to: folder)
        book.include(md)
        book.figure("fig6.svg", caption: "Fig. 6: histograms of the magnitude-margin ratio R, softmax against softRmax, one panel per task")

        // MARK: 4. Over seeds
        if repeats > 1 {
            book.step("The same over \(repeats) seeds", "Each seed draws its own split, initial weights and batch order.")
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            var runs = [results]
            for s in seeds.dropFirst() {
                progress("fig6: repeat with seed \(s) …")
                runs.append(try experiment.source(seed: s).tasks(tasks.split(separator: ",").map(String.init)).map { task in
                    try Fig6.compute(task: task, models: try fitTwins(task, settings: network, seed: s), clip: clipping.clip)
                })
            }
            book.include(try Fig6.writeSeeds(runs, seeds: seeds, title: source.name, settingsText: "\(network); FGSM \(clipping.phrase)",
                                             to: folder))
        }

        book.file("ratios_all_softRmax.csv", "per-sample margins, gradient norms and ratios (one file per task and model); `histogram_<task>.csv` the histograms; `numbers.json` every number kept")
        try book.finish(folder: folder, numbersFile: Notebook.numbersFile("fig6"), mode: numbers.mode)
        progress("fig6: wrote \(folder.path)/README.md and the figures")
    }
}

Fig6Script.runAsScript()
