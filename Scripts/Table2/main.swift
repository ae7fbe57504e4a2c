// table2: Table 2 of Wang & Loog (2022), §4.2.3 — per-class accuracy of softmax vs softRmax
// networks on the 10 digit classes, clean and under targeted attacks (White, Black, Avg).
//
//   swift run -c release table2 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--repeats N]
//                               [--epsilon 0.3,0.1] [--substitute full|papernot] [--data MNIST_FOLDER [--limit N]] [--no-clip]
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments

enum SubstituteChoice: String, ExpressibleByArgument, CaseIterable { case full, papernot }

struct Table2Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table2",
        abstract: "Regenerate Table 2 of Wang & Loog (2022): per-class accuracy of softmax vs softRmax networks under white-box, black-box and average-sample targeted attacks.")

    // Parameters.
    @Option(help: "Output folder.") var out = "Output/table2"
    @Option(help: "Seed of the split, the networks, the substitutes and the random targets.") var seed: UInt64 = 1
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var clipping: ClipOptions
    @Option(help: "Attack levels ε, comma-separated (one picture each).") var epsilon = "0.3,0.1"
    @Option(help: "Black-box substitute: full (labels of every training image) or papernot (Jacobian-based augmentation from 150 images).")
    var substitute: SubstituteChoice = .full
    @Option(help: "Papernot: augmentation rounds ρ (queries = 150 · 2^ρ).") var rounds = 4
    @Option(help: "Papernot: step λ of the augmentation.") var lambda = 0.1
    @Option(help: "Substitute training epochs (default: the network's; for papernot, per round).") var substituteEpochs: Int?
    @Option(help: "Also repeat the whole experiment for seeds seed…seed+N−1 and write mean ± sd of the overall accuracies (table2_seeds.md).")
    var repeats = 1

    var epsilons: [Double]? {
        let parts = epsilon.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else { return nil }
        return parts.map { $0! }
    }

    func validate() throws {
        if repeats < 1 || repeats > 1_000 { throw ValidationError("--repeats must be in [1, 1000]") }
        if epsilons == nil { throw ValidationError("--epsilon must be non-negative numbers separated by commas, e.g. 0.3,0.1") }
        if rounds < 0 || rounds > 10 { throw ValidationError("--rounds must be between 0 and 10") }
        if !(lambda.isFinite && lambda > 0) { throw ValidationError("--lambda must be a positive number") }
        if let substituteEpochs, substituteEpochs < 1 { throw ValidationError("--substitute-epochs must be at least 1") }
    }

    func run() throws {
        let started = Date()
        let folder = try outputFolder(out)

        // Step 1. The data: all ten digits (the shipped 8×8 digits split 80/20, or MNIST).
        let source = try experiment.source(seed: seed)
        let network = experiment.settings(mnist: source.isMNIST)
        let task = try source.tasks(["all"])[0]
        guard task.test.classLabels == Array(0..<10) else {
            throw ScriptDataError("table2 needs test images of all ten digits; got classes \(task.test.classLabels)")
        }
        progress("table2: \(source.name), \(task.train.count) training / \(task.test.count) test images; \(network)")

        // Step 2. The attacks. Each test image is pushed toward one seeded random target class
        // t ≠ y. White: x′ = clip(x − ε sign ∇ₓJ(x, t)) (Eq. 2) with the paper's loss J = −log ζ_t(z)
        // and the adaptive losses. Black: the same attack on a substitute network with the SAME
        // head as the attacked model, trained on the model's predicted labels (Papernot et al.
        // 2017), transferred; a softmax substitute's transfer is kept as an extra column.
        // Avg: x′ = clip(x + ε sign(Avg_t − Avg_y)) (Eq. 16). The paper does not state ε; 0.3
        // (the larger of Table 1's levels) and 0.1 by default.
        let method: SubstituteMethod = substitute == .full ? .full : .papernot(JacobianAugmentation(augmentations: rounds, lambda: lambda))
        let attacks = Table2.Settings(epsilons: epsilons!, clip: clipping.clip, substitute: method, substituteEpochs: substituteEpochs)
        let computed = try Table2.compute(task: task, network: network, attacks: attacks, seed: seed)

        // Step 3. The table in the paper's layout beside the paper's numbers, every attack per
        // model with the worst cases, and one picture per ε.
        let header = "\(task.train.count) training / \(task.test.count) test images, seed \(seed); \(network); attacks \(clipping.phrase). "
            + "Targets: one random class t ≠ y per test image (seed \(seed)). "
            + attacks.blackBoxText(trainingImages: task.train.count, architecture: "same architecture") + " Avg: class means of the training images."
        print(try Table2.write(computed, task: task, title: source.name, header: header, to: folder), terminator: "")

        // Step 4. Optionally, the whole experiment again for further seeds: mean ± sd.
        if repeats > 1 {
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            var runs = [computed]
            for s in seeds.dropFirst() {
                progress("repeat with seed \(s) …")
                runs.append(try Table2.compute(task: try experiment.source(seed: s).tasks(["all"])[0], network: network, attacks: attacks, seed: s))
            }
            print("\n" + (try Table2.writeSeeds(runs, seeds: seeds, title: source.name, settingsText: "\(network); attacks \(clipping.phrase)",
                                                to: folder)), terminator: "")
        }
        progress(String(format: "table2: wrote %@/table2.{csv,md}, table2_eps*.svg%@ in %.1f s", folder.path,
                        repeats > 1 ? " and table2_seeds.{csv,md}" : "", Date().timeIntervalSince(started)))
    }
}

Table2Script.runAsScript()
