// fig6: histograms of the magnitude-margin ratio R (Wang & Loog 2022, §4.2.4, Eq. 17, Fig. 6).
//
//   swift run -c release fig6 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E]
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments

struct Fig6Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig6",
        abstract: "Regenerate Fig. 6 of Wang & Loog (2022): histograms of the magnitude-margin ratio R, softmax vs softRmax.")

    // Parameters.
    @Option(help: "Output folder.") var out = "Output/fig6"
    @Option(help: "Seed of the split and of the training.") var seed: UInt64 = 1
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var clipping: ClipOptions
    @Option(help: "Tasks, comma separated: all (10 classes), 3v7.") var tasks = "all,3v7"
    @Option(help: "Histogram bins.") var bins = 40
    @Option(help: "Also repeat for seeds seed…seed+N−1 and write mean ± sd (fig6_seeds.md).") var repeats = 1

    func validate() throws {
        guard bins >= 2, bins <= 10_000 else { throw ValidationError("--bins must be in [2, 10000]") }
        guard repeats >= 1, repeats <= 1_000 else { throw ValidationError("--repeats must be in [1, 1000]") }
        guard tasks.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ ["all", "3v7"].contains($0) }) else {
            throw ValidationError("--tasks must be all, 3v7 or all,3v7")
        }
    }

    func run() throws {
        let folder = try outputFolder(out)

        // Step 1. The data and, per task, the softmax/softRmax twins (same seed).
        let source = try experiment.source(seed: seed)
        let network = experiment.settings(mnist: source.isMNIST)
        let jobs = try source.tasks(tasks.split(separator: ",").map(String.init))  // read (and checked) before anything is printed
        progress("fig6: \(source.description); \(network)")
        var results: [Fig6.TaskResult] = []
        for task in jobs {
            progress("task \(task.name): \(task.train.count) training, \(task.test.count) test images")
            let models = try fitTwins(task, settings: network, seed: seed)

            // Step 2. For every correctly classified test sample, with j the runner-up class:
            // M_z = z_y − z_j and R = ‖∇ₓz_y − ∇ₓz_j‖₂ / M_z (Eq. 17). The paper: "the model with
            // softRmax has ratios R lower than softmax". Beside R, the first-order L∞ distance to
            // the boundary ε₁ = M_z / ‖∇ₓ(z_y − z_j)‖₁ and FGSM at ε = 0.1, to check R against
            // what the attacks do.
            results.append(try Fig6.compute(task: task, models: models, clip: clipping.clip))
        }

        // Step 3. Histograms of R, the summary table and the paired comparison.
        let md = try Fig6.write(results, bins: bins, header: "Data: \(source.description). Model: \(network). Seed \(seed). FGSM \(clipping.phrase).", to: folder)
        print(md, terminator: "")

        // Step 4. Optionally, the whole experiment again for further seeds: mean ± sd.
        if repeats > 1 {
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            var runs = [results]
            for s in seeds.dropFirst() {
                progress("repeat with seed \(s) …")
                runs.append(try experiment.source(seed: s).tasks(tasks.split(separator: ",").map(String.init)).map { task in
                    try Fig6.compute(task: task, models: try fitTwins(task, settings: network, seed: s), clip: clipping.clip)
                })
            }
            print("\n" + (try Fig6.writeSeeds(runs, seeds: seeds, title: source.name, settingsText: "\(network); FGSM \(clipping.phrase)",
                                               to: folder)), terminator: "")
        }
        progress("wrote \(folder.path): fig6.svg, fig6_<task>.svg, histogram_<task>.csv, ratios_<task>_<model>.csv, fig6.md")
    }
}

Fig6Script.runAsScript()
