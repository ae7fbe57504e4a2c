// fig4 — a notebook: posterior of the predicted class for misclassified test samples under FGSM
// at increasing ε (Wang & Loog 2022, §4.1.2, Fig. 4; there on MNIST, up to ε = 100).
//
//   swift run -c release fig4 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E]
//                             [--check | --record]
//
// It prints each step's numbers and tables and writes Output/fig4/README.md (the notebook), the
// figures, the posteriors as CSV and numbers.json. `--check` compares the numbers of the default
// run with Docs/numbers/fig4.json, which the docs quote; `--record` rewrites that file.
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot

struct Fig4Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig4",
        abstract: "Regenerate Fig. 4 of Wang & Loog (2022): predicted-class posteriors of misclassified samples under FGSM, softmax vs softRmax.")

    // MARK: Parameters

    @Option(help: "Output folder.") var out = "Output/fig4"
    @Option(help: "Seed of the split and of the training.") var seed: UInt64 = 1
    @OptionGroup var experiment: ExperimentOptions
    @Option(help: "Task: all (10 classes) or 3v7.") var task = "all"
    @Option(help: "FGSM budgets ε, comma separated (0 = clean).") var epsilons = "0,0.01,0.03,0.1,0.3,1,3,10,100"
    @Option(help: "Histogram bins on [0, 1].") var bins = 20
    @Option(help: "Also repeat for seeds seed…seed+N−1 and write mean ± sd (fig4_seeds.md).") var repeats = 1
    @OptionGroup var numbers: NumbersOptions

    var epsilonList: [Double] { epsilons.split(separator: ",").compactMap { Double($0) } }

    func validate() throws {
        guard !epsilonList.isEmpty, epsilonList.count == epsilons.split(separator: ",", omittingEmptySubsequences: false).count,
              epsilonList.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw ValidationError("--epsilons must be non-negative numbers") }
        guard bins >= 2, bins <= 10_000 else { throw ValidationError("--bins must be in [2, 10000]") }
        guard repeats >= 1, repeats <= 1_000 else { throw ValidationError("--repeats must be in [1, 1000]") }
        guard ["all", "3v7"].contains(task) else { throw ValidationError("--task must be all or 3v7") }
        if numbers.comparing && (seed != 1 || task != "all" || epsilons != "0,0.01,0.03,0.1,0.3,1,3,10,100" || bins != 20 || repeats != 1
                                 || experiment.architecture != .mlp || experiment.data != nil || experiment.epochs != nil || experiment.hidden != nil) {
            throw ValidationError("--check and --record compare the documented run: fig4 with every option at its default")
        }
    }

    func run() throws {
        let folder = try outputFolder(out)
        var book = Notebook(script: "fig4", title: "Fig. 4 — how sure is a network of its mistakes under FGSM?",
                            command: "swift run -c release fig4" + (seed == 1 ? "" : " --seed \(seed)") + (task == "all" ? "" : " --task \(task)")
                                + (repeats == 1 ? "" : " --repeats \(repeats)")
                                + (experiment.architecture == .mlp ? "" : " --architecture \(experiment.architecture.rawValue)")
                                + (experiment.data.map { " --data \($0)" } ?? ""))
        book.introduce("""
            Wang & Loog (2022), §4.1.2, Fig. 4: under FGSM with growing ε, a softmax network \
            misclassifies "with a posterior of 1" — it is sure of its mistakes — while softRmax \
            "leads to posteriors around random-guess level" 1/k. This notebook histograms the \
            predicted-class posterior of every misclassified test image at each ε.
            """)
        book.parameter("--seed", "\(seed)", "seed of the split, the initial weights and the batch order")
        book.parameter("--task", task, "all (10 classes) or 3v7")
        book.parameter("--epsilons", epsilons, "FGSM budgets (0 = clean)")
        book.parameter("--bins", "\(bins)", "histogram bins on [0, 1]")
        book.parameter("--architecture", experiment.architecture.rawValue, "network family (mlp: d → 128 → k)")
        book.parameter("--data", experiment.data ?? "(bundled UCI 8×8 digits)", "MNIST IDX folder replacing the bundled digits")

        // MARK: 1. The twins
        book.step("Data and the softmax/softRmax twins", """
            Both networks are trained from the same seed (same initial weights, same batch \
            order); only the output layer differs.
            """)
        let source = try experiment.source(seed: seed)
        let network = experiment.settings(mnist: source.isMNIST)
        let job = try source.tasks([task])[0]  // read (and checked) before anything is printed
        progress("fig4: \(source.description); \(network)")
        progress("task \(job.name): \(job.train.count) training, \(job.test.count) test images")
        let models = try fitTwins(job, settings: network, seed: seed)
        book.note("Data: \(source.description); task \(job.name), \(job.train.count) training and \(job.test.count) test images. Network: \(network).")
        for m in models {
            book.number("\(m.name).clean", m.testAccuracy, label: "\(m.name): clean test accuracy", tolerance: .networkAccuracy, format: "%.4f")
        }

        // MARK: 2. FGSM at every ε
        book.step("FGSM at every ε", """
            FGSM (Eq. 1), x′ = x + ε sign ∇ₓJ(x, y), with the paper's NLL and the adaptive losses, \
            clipped to [0, 1] and not. The paper's ε = 100 cannot have been clipped (a clipped FGSM \
            is the same for every ε ≥ 1; the official code does not clip), so the figure shows the \
            unclipped attack; the clipped one is in the tables.
            """)
        let cells = try Fig4.compute(models: models, task: job, epsilons: epsilonList.sorted())
        Fig4.keepNumbers(cells, in: &book)
        for e in [epsilonList.max()!] {
            for m in models {
                if let c = cells.first(where: { $0.model == m.name && $0.epsilon == e && $0.loss == .nll && !$0.clipped }), !c.posteriors.isEmpty {
                    book.number("headline.\(m.name).eps\(SVGPlot.label(e)).posterior_mean", mean(c.posteriors),
                                label: "\(m.name), ε = \(SVGPlot.label(e)): mean posterior of the \(c.posteriors.count) misclassified",
                                tolerance: .networkPosterior, format: "%.3f")
                }
            }
        }

        // MARK: 3. The posteriors of the misclassified
        book.step("The predicted-class posterior of the misclassified (Fig. 4)", """
            For every misclassified test image, the posterior of the class it is assigned to. Each \
            histogram panel has its own count axis, so the few mistakes at small ε stay visible; \
            the dashed line marks 1/k.
            """)
        let md = try Fig4.write(cells, models: models, task: job, epsilons: epsilonList.sorted(), bins: bins,
                                dataName: source.isMNIST ? "MNIST" : "UCI digits",
                                header: "Data: \(source.description). Model: \(network). Seed \(seed).", to: folder)
        book.include(md)
        book.figure("fig4_histograms.svg", caption: "Fig. 4: histograms of the predicted-class posterior of misclassified test images, one panel per ε (FGSM, NLL, not clipped)")
        book.figure("fig4_mean_posterior.svg", caption: "The mean of that posterior against ε, every loss, clipped and not")

        // MARK: 4. Over seeds
        if repeats > 1 {
            book.step("The same over \(repeats) seeds", "Each seed draws its own split, initial weights and batch order.")
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            var runs = [cells]
            for s in seeds.dropFirst() {
                progress("fig4: repeat with seed \(s) …")
                let again = try experiment.source(seed: s).tasks([task])[0]
                runs.append(try Fig4.compute(models: try fitTwins(again, settings: network, seed: s), task: again, epsilons: epsilonList.sorted()))
            }
            book.include(try Fig4.writeSeeds(runs, seeds: seeds, epsilons: epsilonList.sorted(), title: "\(job.name), \(source.name)",
                                             settingsText: "\(network)", to: folder))
        }

        book.file("misclassified_posteriors.csv", "every misclassified sample's posterior; `summary.csv` the summary per cell; `numbers.json` every number kept")
        try book.finish(folder: folder, numbersFile: Notebook.numbersFile("fig4"), mode: numbers.mode)
        progress("fig4: wrote \(folder.path)/README.md and the figures")
    }
}

Fig4Script.runAsScript()
