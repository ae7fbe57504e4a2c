// table2 — a notebook: Table 2 of Wang & Loog (2022), §4.2.3 — per-class accuracy of softmax vs
// softRmax networks on the 10 digit classes, clean and under targeted attacks (White, Black, Avg).
//
//   swift run -c release table2 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--repeats N]
//                               [--epsilon 0.3,0.1] [--substitute full|papernot] [--data MNIST_FOLDER [--limit N]] [--no-clip]
//   swift run -c release table2 --repeats 10 [--check | --record]
//
// It prints each step's numbers and tables and writes Output/table2/README.md (the notebook),
// table2.{csv,md}, table2_eps*.svg (and table2_seeds.{csv,md} with --repeats) and numbers.json.
// `--check` compares the numbers of the documented run (`--repeats 10`) with
// Docs/numbers/table2.json, which the docs quote; `--record` rewrites that file.
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot

enum SubstituteChoice: String, ExpressibleByArgument, CaseIterable { case full, papernot }

struct Table2Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table2",
        abstract: "Regenerate Table 2 of Wang & Loog (2022) as a notebook: per-class accuracy of softmax vs softRmax networks under white-box, black-box and average-sample targeted attacks.")

    // MARK: Parameters

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
    @OptionGroup var numbers: NumbersOptions

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
        if numbers.comparing && (repeats != 10 || seed != 1 || epsilon != "0.3,0.1" || substitute != .full || substituteEpochs != nil
                                 || clipping.noClip || experiment.architecture != .mlp || experiment.data != nil
                                 || experiment.epochs != nil || experiment.hidden != nil) {
            throw ValidationError("--check and --record compare the documented run: table2 --repeats 10, other options at their defaults")
        }
    }

    func run() throws {
        let started = Date()
        let folder = try outputFolder(out)
        var book = Notebook(script: "table2", title: "Table 2 — per-class accuracy under targeted attacks, softmax against softRmax",
                            command: "swift run -c release table2" + (repeats == 1 ? "" : " --repeats \(repeats)") + (seed == 1 ? "" : " --seed \(seed)")
                                + (epsilon == "0.3,0.1" ? "" : " --epsilon \(epsilon)") + (substitute == .full ? "" : " --substitute \(substitute.rawValue)")
                                + (experiment.architecture == .mlp ? "" : " --architecture \(experiment.architecture.rawValue)")
                                + (experiment.data.map { " --data \($0)" } ?? "") + (clipping.noClip ? " --no-clip" : ""))
        book.introduce("""
            Wang & Loog (2022), §4.2.3: under targeted attacks — white box, black box through a \
            substitute, and the average-sample attack of Eq. 16 that never looks at the model — the \
            softRmax network keeps more accuracy in every class, and its worst attack is mostly the \
            average-sample one, which the paper reads as robustness coming from the conservative \
            tail. This notebook repeats Table 2 and adds the adaptive losses.
            """)
        book.parameter("--seed", "\(seed)", "seed of the split, the networks, the substitutes and the targets")
        book.parameter("--repeats", "\(repeats)", "seeds seed … seed + repeats − 1, overall accuracies summarised by mean ± sd")
        book.parameter("--epsilon", epsilon, "attack levels (the paper does not state Table 2's)")
        book.parameter("--substitute", substitute.rawValue, "how the black-box substitute is trained")
        book.parameter("--architecture", experiment.architecture.rawValue, "network family (mlp: d → 128 → k)")
        book.parameter("--data", experiment.data ?? "(bundled UCI 8×8 digits)", "MNIST IDX folder replacing the bundled digits")
        book.parameter("--no-clip", clipping.noClip ? "yes" : "no", "attack without clipping to [0, 1] (the official code)")

        // MARK: 1. The data
        book.step("All ten digits", """
            The paper uses MNIST; by default the library's 1,797 UCI 8×8 digits, split 80/20 \
            (stratified, seeded), pixels in [0, 1].
            """)
        let source = try experiment.source(seed: seed)
        let network = experiment.settings(mnist: source.isMNIST)
        let task = try source.tasks(["all"])[0]
        guard task.test.classLabels == Array(0..<10) else {
            throw ScriptDataError("table2 needs test images of all ten digits; got classes \(task.test.classLabels)")
        }
        progress("table2: \(source.name), \(task.train.count) training / \(task.test.count) test images; \(network)")
        book.number("data.train", Double(task.train.count), label: "training images", tolerance: .absolute(0), format: "%.0f")
        book.number("data.test", Double(task.test.count), label: "test images", tolerance: .absolute(0), format: "%.0f")
        book.note("Network: \(network).")

        // MARK: 2. The attacks
        book.step("Targeted attacks on the twins (seed \(seed))", """
            Each test image is pushed toward one seeded random target class t ≠ y. **White**: \
            x′ = clip(x − ε sign ∇ₓJ(x, t)) (Eq. 2) with the paper's loss J = −log ζ_t(z), and with \
            the adaptive losses. **Black**: the same attack on a substitute network with the same \
            head, trained on the attacked model's predicted labels (Papernot et al. 2017), \
            transferred; a softmax substitute's transfer is an extra column. **Avg**: \
            x′ = clip(x + ε sign(Avg_t − Avg_y)) (Eq. 16), the class means of the training images. \
            The paper does not state ε; 0.3 (the larger of Table 1's levels) and 0.1.
            """)
        let method: SubstituteMethod = substitute == .full ? .full : .papernot(JacobianAugmentation(augmentations: rounds, lambda: lambda))
        let attacks = Table2.Settings(epsilons: epsilons!, clip: clipping.clip, substitute: method, substituteEpochs: substituteEpochs)
        let computed = try Table2.compute(task: task, network: network, attacks: attacks, seed: seed)
        Table2.keepNumbers(computed, perClass: true, in: &book, prefix: "seed\(seed)")
        for (eps, models) in computed {
            for m in models {
                for name in Table2.paperAttacks {
                    if let a = m.attack(name) {
                        book.number("headline.eps\(SVGPlot.label(eps)).\(m.model).\(name == Table2.white ? "white" : name == Table2.average ? "avg" : "black")",
                                    a.overall, label: "ε = \(SVGPlot.label(eps)), \(m.model), \(name): overall accuracy",
                                    tolerance: .networkAccuracy, format: "%.4f")
                    }
                }
            }
        }

        // MARK: 3. The table
        book.step("Table 2 in the paper's layout, and every attack", """
            Per class, our accuracy beside the paper's MNIST numbers; for each model the worst of \
            the paper's three attacks in bold. Then, per model, every attack including the \
            adaptive losses, the worst per class, and the share of images surviving all of them.
            """)
        let header = "\(task.train.count) training / \(task.test.count) test images, seed \(seed); \(network); attacks \(clipping.phrase). "
            + "Targets: one random class t ≠ y per test image (seed \(seed)). "
            + attacks.blackBoxText(trainingImages: task.train.count, architecture: "same architecture") + " Avg: class means of the training images."
        book.include(try Table2.write(computed, task: task, title: source.name, header: header, to: folder))
        for eps in epsilons! {
            book.figure("table2_eps\(SVGPlot.label(eps)).svg", caption: "Table 2 at ε = \(SVGPlot.label(eps)), seed \(seed): per class, clean and the paper's three attacks (black ticks: the paper's MNIST numbers), light red the worst of every attack")
        }

        // MARK: 4. Over seeds
        if repeats > 1 {
            book.step("Overall accuracy over \(repeats) seeds", """
                The per-class numbers rest on about 36 test images each; the overall accuracies, \
                averaged over seeds (each with its own split, networks, substitutes and targets), \
                are the ones to compare.
                """)
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            var runs = [computed]
            for s in seeds.dropFirst() {
                progress("table2: repeat with seed \(s) …")
                runs.append(try Table2.compute(task: try experiment.source(seed: s).tasks(["all"])[0], network: network, attacks: attacks, seed: s))
            }
            Table2.keepSeedNumbers(runs, in: &book)
            book.include(try Table2.writeSeeds(runs, seeds: seeds, title: source.name, settingsText: "\(network); attacks \(clipping.phrase)",
                                               to: folder))
            book.file("table2_seeds.csv", "the same table as CSV")
        }

        book.file("table2.csv", "every attack per class and model; `numbers.json` every number kept")
        try book.finish(folder: folder, numbersFile: Notebook.numbersFile("table2"), mode: numbers.mode)
        progress(String(format: "table2: wrote %@/README.md and the tables in %.1f s", folder.path, Date().timeIntervalSince(started)))
    }
}

Table2Script.runAsScript()
