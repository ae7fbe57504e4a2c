// table1: Table 1 of Wang & Loog (2022), §4.2.1 — clean, FGSM and BIM (T = 10) accuracy at
// ε ∈ {0.1, 0.3} for softmax vs softRmax, on the binary 3-vs-7 task and on all 10 classes,
// inputs in [0, 1].
//
//   swift run -c release table1 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--repeats N]
//                               [--data MNIST_FOLDER [--limit N]] [--epochs E] [--no-clip]
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments

struct Table1Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table1",
        abstract: "Regenerate Table 1 of Wang & Loog (2022): FGSM and BIM accuracy of softmax vs softRmax networks, with the paper's NLL loss and adaptive losses.")

    // Parameters.
    @Option(help: "Output folder.") var out = "Output/table1"
    @Option(help: "Seed of the 80/20 split, the network initialisation and batch order.") var seed: UInt64 = 1
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var clipping: ClipOptions
    @Option(help: "BIM iterations T.") var steps = 10
    @Option(help: "Also repeat the whole experiment for seeds seed…seed+N−1 and write mean ± sd (table1_seeds.md).") var repeats = 1

    func validate() throws {
        if steps < 1 || steps > 100_000 { throw ValidationError("--steps must be in [1, 100000]") }
        if repeats < 1 || repeats > 1_000 { throw ValidationError("--repeats must be in [1, 1000]") }
    }

    func run() throws {
        let started = Date()
        let folder = try outputFolder(out)

        // Step 1. The data: the shipped 8×8 digits split 80/20 (or MNIST IDX files), as two
        // tasks — 3 vs 7 relabelled 0/1, and all ten digits. The paper uses MNIST.
        let source = try experiment.source(seed: seed)
        let network = experiment.settings(mnist: source.isMNIST)
        let attacks = Table1.Settings(steps: steps, clip: clipping.clip)
        let (train, test) = try source.load()
        progress("table1: \(source.name), \(train.count) training / \(test.count) test images; \(network)")

        // Step 2. Train the softmax and softRmax twins (same initial weights and batch order) and
        // attack each with FGSM (Eq. 1) and BIM (Eq. 3, α = ε/T), at ε = 0.1 and 0.3. Every
        // attack runs with the paper's loss (the NLL of the model's own posterior, −log ζ_y(z))
        // and with two adaptive losses that do not flatten in softRmax's conservative tail:
        // softmax cross-entropy on the raw outputs z, and the margin max_{i≠y} zᵢ − z_y. The
        // "worst" row of each model is the lowest accuracy over the three losses, column by
        // column; "every attack (per sample)" the share of images that survive all six.
        let rows = try Table1.compute(source: source, network: network, attacks: attacks, seed: seed)

        // Step 3. The table beside the paper's numbers, its picture, and the magnitude-margin
        // ratios R (Eq. 17) of the same networks.
        let header = "\(train.count) training / \(test.count) test images, seed \(seed); \(network); attacks \(clipping.phrase)."
        print(try Table1.write(rows, attacks: attacks, title: source.name, header: header, to: folder), terminator: "")

        // Step 4. Optionally, the whole experiment again for further seeds: mean ± sd.
        if repeats > 1 {
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            var runs = [rows]
            for s in seeds.dropFirst() {
                progress("repeat with seed \(s) …")
                runs.append(try Table1.compute(source: try experiment.source(seed: s), network: network, attacks: attacks, seed: s))
            }
            print("\n" + (try Table1.writeSeeds(runs, seeds: seeds, attacks: attacks, title: source.name,
                                                settingsText: "\(network); attacks \(clipping.phrase)", to: folder)), terminator: "")
        }
        progress(String(format: "table1: wrote %@/table1.{csv,md,svg}%@ in %.1f s", folder.path, repeats > 1 ? " and table1_seeds.{csv,md}" : "",
                        Date().timeIntervalSince(started)))
    }
}

Table1Script.runAsScript()
