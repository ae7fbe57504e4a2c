// fig5 — a notebook: BIM accuracy against the number of iterations — the gradient-obfuscation
// check of Wang & Loog (2022), §4.2.2, Fig. 5 (there on CIFAR10, ε ∈ {0.1, 0.3}).
//
//   swift run -c release fig5 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E] [--no-clip]
//                             [--check | --record]
//
// It prints each step's numbers and tables and writes Output/fig5/README.md (the notebook),
// fig5.svg, bim_iterations.csv and numbers.json. `--check` compares the numbers of the default
// run with Docs/numbers/fig5.json, which the docs quote; `--record` rewrites that file.
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot

struct Fig5Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig5",
        abstract: "Regenerate Fig. 5 of Wang & Loog (2022): BIM accuracy against the number of iterations, softmax vs softRmax.")

    // MARK: Parameters

    @Option(help: "Output folder.") var out = "Output/fig5"
    @Option(help: "Seed of the split and of the training.") var seed: UInt64 = 1
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var clipping: ClipOptions
    @Option(help: "Task: all (10 classes) or 3v7.") var task = "all"
    @Option(help: "Attack budgets ε, comma separated.") var epsilons = "0.1,0.3"
    @Option(help: "Iteration counts T for schedule α = ε/T, comma separated (default 1 … 200 on the digits, 1 … 100 on MNIST).")
    var steps: String?
    @Option(help: "Steps of the fixed-step run, α = ε/10 (default 200 on the digits, 100 on MNIST).") var fixedSteps: Int?
    @Option(help: "Attack losses, comma separated: nll, crossEntropyOnLogits, margin.") var losses = "nll,crossEntropyOnLogits,margin"
    @OptionGroup var numbers: NumbersOptions

    var mnist: Bool { experiment.data != nil || experiment.architecture == .cnn }
    var epsilonList: [Double] { epsilons.split(separator: ",").compactMap { Double($0) } }
    var stepText: String { steps ?? (!mnist ? "1,2,3,5,7,10,15,20,30,50,70,100,150,200" : "1,2,3,5,10,20,50,100") }
    var stepList: [Int] { stepText.split(separator: ",").compactMap { Int($0) } }
    var fixedStepCount: Int { fixedSteps ?? (!mnist ? 200 : 100) }
    var lossList: [AttackLoss] { losses.split(separator: ",").compactMap { AttackLoss(rawValue: String($0)) } }

    func validate() throws {
        guard !epsilonList.isEmpty, epsilonList.count == epsilons.split(separator: ",", omittingEmptySubsequences: false).count,
              epsilonList.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw ValidationError("--epsilons must be positive numbers") }
        guard !stepList.isEmpty, stepList.count == stepText.split(separator: ",", omittingEmptySubsequences: false).count, stepList.allSatisfy({ $0 >= 1 && $0 <= 100_000 }) else {
            throw ValidationError("--steps must be integers in [1, 100000]")
        }
        guard fixedStepCount >= 1, fixedStepCount <= 100_000 else { throw ValidationError("--fixed-steps must be in [1, 100000]") }
        guard !lossList.isEmpty, lossList.count == losses.split(separator: ",", omittingEmptySubsequences: false).count else {
            throw ValidationError("--losses must be among nll, crossEntropyOnLogits, margin")
        }
        guard ["all", "3v7"].contains(task) else { throw ValidationError("--task must be all or 3v7") }
        if numbers.comparing && (seed != 1 || task != "all" || epsilons != "0.1,0.3" || steps != nil || fixedSteps != nil
                                 || losses != "nll,crossEntropyOnLogits,margin" || clipping.noClip
                                 || experiment.architecture != .mlp || experiment.data != nil || experiment.epochs != nil || experiment.hidden != nil) {
            throw ValidationError("--check and --record compare the documented run: fig5 with every option at its default")
        }
    }

    func run() throws {
        let folder = try outputFolder(out)
        var book = Notebook(script: "fig5", title: "Fig. 5 — BIM accuracy against the number of iterations: masked gradients?",
                            command: "swift run -c release fig5" + (seed == 1 ? "" : " --seed \(seed)") + (task == "all" ? "" : " --task \(task)")
                                + (experiment.architecture == .mlp ? "" : " --architecture \(experiment.architecture.rawValue)")
                                + (experiment.data.map { " --data \($0)" } ?? "") + (clipping.noClip ? " --no-clip" : ""))
        book.introduce("""
            Wang & Loog (2022), §4.2.2, Fig. 5: if softRmax's robustness came from obfuscated \
            gradients, BIM's accuracy would keep falling as the number of iterations grows; the \
            paper finds that "the accuracy of softRmax stabilizes" with increased iterations. This \
            notebook runs BIM for T = \(stepText) with the paper's loss and two adaptive losses.
            """)
        book.parameter("--seed", "\(seed)", "seed of the split, the initial weights and the batch order")
        book.parameter("--task", task, "all (10 classes) or 3v7")
        book.parameter("--epsilons", epsilons, "attack budgets ε")
        book.parameter("--steps", stepText, "iteration counts T of the schedule α = ε/T")
        book.parameter("--fixed-steps", "\(fixedStepCount)", "steps of the fixed-step run, α = ε/10")
        book.parameter("--losses", losses, "attack losses")
        book.parameter("--architecture", experiment.architecture.rawValue, "network family (mlp: d → 128 → k)")
        book.parameter("--no-clip", clipping.noClip ? "yes" : "no", "attack without clipping to [0, 1] (the official code)")

        // MARK: 1. The twins
        book.step("Data and the softmax/softRmax twins", """
            On MNIST the first 1,000 test images unless told otherwise; both networks trained from \
            the same seed.
            """)
        let source = try experiment.source(seed: seed, defaultTestLimit: 1000)
        let network = experiment.settings(mnist: source.isMNIST)
        let job = try source.tasks([task])[0]  // read (and checked) before anything is printed
        progress("fig5: \(source.description); \(network)")
        progress("task \(job.name): \(job.train.count) training, \(job.test.count) test images")
        let models = try fitTwins(job, settings: network, seed: seed)
        book.note("Data: \(source.description); task \(job.name), \(job.train.count) training and \(job.test.count) test images. Network: \(network).")
        for m in models {
            book.number("\(m.name).clean", m.testAccuracy, label: "\(m.name): clean test accuracy", tolerance: .networkAccuracy, format: "%.4f")
        }

        // MARK: 2. BIM, two schedules
        book.step("BIM with α = ε/T and with a fixed step", """
            BIM (Eq. 3) projects every step onto the ε-ball. Two schedules: (a) α = ε/T, one attack \
            per T (the paper's BIM with T iterations); (b) a fixed step α = ε/10, the accuracy \
            recorded after every step of one run — more steps can only help the attacker, the \
            iterate walking along the ball's faces. Each with the paper's NLL and the two adaptive \
            losses.
            """)
        let grid = stepList.sorted()
        let curves = try Fig5.compute(models: models, task: job, epsilons: epsilonList, losses: lossList, grid: grid,
                                      fixedSteps: fixedStepCount, clip: clipping.clip)
        Fig5.keepNumbers(curves, grid: grid, in: &book)
        for m in models {
            for eps in epsilonList {
                if let w = Fig5.worstCurve(curves, model: m.name, epsilon: eps) {
                    book.number("headline.\(m.name).eps\(SVGPlot.label(eps)).worst", w.accuracy.last!,
                                label: "\(m.name), ε = \(SVGPlot.label(eps)): accuracy under the worst loss and schedule (\(w.loss.figureName), \(w.schedule == "eps/T" ? "α = ε/T" : "α = ε/10"))",
                                tolerance: .networkAccuracy, format: "%.4f")
                }
            }
        }

        // MARK: 3. Curves and table
        book.step("Accuracy against iterations (Fig. 5)", """
            Masked gradients would show as accuracy still falling with T, or as an adaptive loss \
            breaking the model where the NLL does not. The table lists a few T and, per model and \
            ε, the worst attack over every loss and both schedules.
            """)
        let md = try Fig5.write(curves, models: models, task: job, epsilons: epsilonList, losses: lossList, grid: grid,
                                fixedSteps: fixedStepCount, dataName: source.isMNIST ? "MNIST" : "UCI digits",
                                header: "Data: \(source.description). Model: \(network). Seed \(seed). Attacks \(clipping.phrase).", to: folder)
        book.include(md)
        book.figure("fig5.svg", caption: "Fig. 5: BIM accuracy against T (α = ε/T, top) and against the step t (α = ε/10, bottom); solid the paper's NLL, dashed the adaptive losses")

        book.file("bim_iterations.csv", "every curve; `numbers.json` every number kept")
        try book.finish(folder: folder, numbersFile: Notebook.numbersFile("fig5"), mode: numbers.mode)
        progress("fig5: wrote \(folder.path)/README.md and the figure")
    }
}

Fig5Script.runAsScript()
