// fig5: BIM accuracy against the number of iterations — the gradient-obfuscation check of
// Wang & Loog (2022), §4.2.2, Fig. 5 (there on CIFAR10, ε ∈ {0.1, 0.3}).
//
//   swift run -c release fig5 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E] [--no-clip]
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments

struct Fig5Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig5",
        abstract: "Regenerate Fig. 5 of Wang & Loog (2022): BIM accuracy against the number of iterations, softmax vs softRmax.")

    // Parameters.
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
    }

    func run() throws {
        let folder = try outputFolder(out)

        // Step 1. The data (on MNIST the first 1,000 test images unless told otherwise) and the
        // softmax/softRmax twins, trained from the same seed.
        let source = try experiment.source(seed: seed, defaultTestLimit: 1000)
        let network = experiment.settings(mnist: source.isMNIST)
        let job = try source.tasks([task])[0]  // read (and checked) before anything is printed
        progress("fig5: \(source.description); \(network)")
        progress("task \(job.name): \(job.train.count) training, \(job.test.count) test images")
        let models = try fitTwins(job, settings: network, seed: seed)

        // Step 2. BIM (Eq. 3) with projection onto the ε-ball, two schedules: (a) α = ε/T, one
        // attack per T in the grid (the paper's BIM with T iterations); (b) a fixed step α = ε/10,
        // the accuracy recorded after every step of one run (more steps can only help the
        // attacker: the iterate may walk along the ball's faces). Each with the paper's loss
        // and the two adaptive losses.
        let grid = stepList.sorted()
        let curves = try Fig5.compute(models: models, task: job, epsilons: epsilonList, losses: lossList, grid: grid,
                                      fixedSteps: fixedStepCount, clip: clipping.clip)

        // Step 3. Curves, the table at a few T, and the worst attack per model and ε over every
        // loss and both schedules. Masked gradients would show as accuracy still falling with T.
        let md = try Fig5.write(curves, models: models, task: job, epsilons: epsilonList, losses: lossList, grid: grid,
                                fixedSteps: fixedStepCount, dataName: source.isMNIST ? "MNIST" : "UCI digits",
                                header: "Data: \(source.description). Model: \(network). Seed \(seed). Attacks \(clipping.phrase).", to: folder)
        print(md, terminator: "")
        progress("wrote \(folder.path): fig5.svg, bim_iterations.csv, fig5.md")
    }
}

Fig5Script.runAsScript()
