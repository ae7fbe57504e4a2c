// fig4: posterior of the predicted class for misclassified test samples under FGSM at
// increasing ε (Wang & Loog 2022, §4.1.2, Fig. 4; there on MNIST, up to ε = 100).
//
//   swift run -c release fig4 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E]
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments

struct Fig4Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig4",
        abstract: "Regenerate Fig. 4 of Wang & Loog (2022): predicted-class posteriors of misclassified samples under FGSM, softmax vs softRmax.")

    // Parameters.
    @Option(help: "Output folder.") var out = "Output/fig4"
    @Option(help: "Seed of the split and of the training.") var seed: UInt64 = 1
    @OptionGroup var experiment: ExperimentOptions
    @Option(help: "Task: all (10 classes) or 3v7.") var task = "all"
    @Option(help: "FGSM budgets ε, comma separated (0 = clean).") var epsilons = "0,0.01,0.03,0.1,0.3,1,3,10,100"
    @Option(help: "Histogram bins on [0, 1].") var bins = 20
    @Option(help: "Also repeat for seeds seed…seed+N−1 and write mean ± sd (fig4_seeds.md).") var repeats = 1

    var epsilonList: [Double] { epsilons.split(separator: ",").compactMap { Double($0) } }

    func validate() throws {
        guard !epsilonList.isEmpty, epsilonList.count == epsilons.split(separator: ",", omittingEmptySubsequences: false).count,
              epsilonList.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw ValidationError("--epsilons must be non-negative numbers") }
        guard bins >= 2, bins <= 10_000 else { throw ValidationError("--bins must be in [2, 10000]") }
        guard repeats >= 1, repeats <= 1_000 else { throw ValidationError("--repeats must be in [1, 1000]") }
        guard ["all", "3v7"].contains(task) else { throw ValidationError("--task must be all or 3v7") }
    }

    func run() throws {
        let folder = try outputFolder(out)

        // Step 1. The data and the twins: softmax and softRmax networks trained from the same
        // seed (same initial weights, same batch order).
        let source = try experiment.source(seed: seed)
        let network = experiment.settings(mnist: source.isMNIST)
        let job = try source.tasks([task])[0]  // read (and checked) before anything is printed
        progress("fig4: \(source.description); \(network)")
        progress("task \(job.name): \(job.train.count) training, \(job.test.count) test images")
        let models = try fitTwins(job, settings: network, seed: seed)

        // Step 2. FGSM (Eq. 1), x′ = x + ε sign ∇ₓJ(x, y), at every ε, with the paper's NLL and
        // the adaptive losses, clipped to [0, 1] and not. The paper's ε = 100 cannot have been
        // clipped (the official code does not clip), so the figure shows the unclipped attack.
        let cells = try Fig4.compute(models: models, task: job, epsilons: epsilonList.sorted())

        // Step 3. For every misclassified sample, the posterior of its predicted class. The
        // paper: with softmax, "under large scale attacks with ε = 100, all samples are
        // misclassified with a posterior of 1"; softRmax "leads to posteriors around
        // random-guess level" (1/k).
        let md = try Fig4.write(cells, models: models, task: job, epsilons: epsilonList.sorted(), bins: bins,
                                dataName: source.isMNIST ? "MNIST" : "UCI digits",
                                header: "Data: \(source.description). Model: \(network). Seed \(seed).", to: folder)
        print(md, terminator: "")

        // Step 4. Optionally, the whole experiment again for further seeds: mean ± sd.
        if repeats > 1 {
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            var runs = [cells]
            for s in seeds.dropFirst() {
                progress("repeat with seed \(s) …")
                let again = try experiment.source(seed: s).tasks([task])[0]
                runs.append(try Fig4.compute(models: try fitTwins(again, settings: network, seed: s), task: again, epsilons: epsilonList.sorted()))
            }
            print("\n" + (try Fig4.writeSeeds(runs, seeds: seeds, epsilons: epsilonList.sorted(), title: "\(job.name), \(source.name)",
                                               settingsText: "\(network)", to: folder)), terminator: "")
        }
        progress("wrote \(folder.path): fig4_histograms.svg, fig4_mean_posterior.svg, misclassified_posteriors.csv, summary.csv, fig4.md")
    }
}

Fig4Script.runAsScript()
