// table1 — a notebook: Table 1 of Wang & Loog (2022), §4.2.1 — clean, FGSM and BIM (T = 10)
// accuracy at ε ∈ {0.1, 0.3} for softmax vs softRmax, on the binary 3-vs-7 task and on all 10
// classes, inputs in [0, 1].
//
//   swift run -c release table1 [--architecture mlp|mlp2|cnn] [--out DIR] [--seed N] [--repeats N]
//                               [--data MNIST_FOLDER [--limit N]] [--epochs E] [--no-clip]
//   swift run -c release table1 --repeats 10 [--check | --record]
//
// It prints each step's numbers and tables and writes Output/table1/README.md (the notebook),
// table1.{csv,md,svg}, table1_ratios.csv (and table1_seeds.{csv,md} with --repeats) and
// numbers.json. `--check` compares the numbers of the documented run (`--repeats 10`) with
// Docs/numbers/table1.json, which the docs quote; `--record` rewrites that file.
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments

struct Table1Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table1",
        abstract: "Regenerate Table 1 of Wang & Loog (2022) as a notebook: FGSM and BIM accuracy of softmax vs softRmax networks, with the paper's NLL loss and adaptive losses.")

    // MARK: Parameters

    @Option(help: "Output folder.") var out = "Output/table1"
    @Option(help: "Seed of the 80/20 split, the network initialisation and batch order.") var seed: UInt64 = 1
    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var clipping: ClipOptions
    @Option(help: "BIM iterations T.") var steps = 10
    @Option(help: "Also repeat the whole experiment for seeds seed…seed+N−1 and write mean ± sd (table1_seeds.md).") var repeats = 1
    @OptionGroup var numbers: NumbersOptions

    func validate() throws {
        if steps < 1 || steps > 100_000 { throw ValidationError("--steps must be in [1, 100000]") }
        if repeats < 1 || repeats > 1_000 { throw ValidationError("--repeats must be in [1, 1000]") }
        if numbers.comparing && (repeats != 10 || seed != 1 || steps != 10 || clipping.noClip || experiment.architecture != .mlp
                                 || experiment.data != nil || experiment.epochs != nil || experiment.hidden != nil) {
            throw ValidationError("--check and --record compare the documented run: table1 --repeats 10, other options at their defaults")
        }
    }

    func run() throws {
        let started = Date()
        let folder = try outputFolder(out)
        var book = Notebook(script: "table1", title: "Table 1 — accuracy under FGSM and BIM, softmax against softRmax",
                            command: "swift run -c release table1" + (repeats == 1 ? "" : " --repeats \(repeats)") + (seed == 1 ? "" : " --seed \(seed)")
                                + (experiment.architecture == .mlp ? "" : " --architecture \(experiment.architecture.rawValue)")
                                + (experiment.data.map { " --data \($0)" } ?? "") + (clipping.noClip ? " --no-clip" : ""))
        book.introduce("""
            Wang & Loog (2022), §4.2.1: networks with a softRmax output keep more accuracy than \
            softmax networks under gradient attacks — Table 1 reports clean, FGSM (Eq. 1) and BIM \
            (Eq. 3) accuracy at ε = 0.1 and 0.3 on MNIST, 3 vs 7 and all ten digits. This notebook \
            repeats the experiment with the paper's attack loss and with two adaptive losses, which \
            the paper does not try.
            """)
        book.parameter("--seed", "\(seed)", "seed of the split, the initial weights and the batch order")
        book.parameter("--repeats", "\(repeats)", "seeds seed … seed + repeats − 1, summarised by mean ± sd")
        book.parameter("--architecture", experiment.architecture.rawValue, "network family (mlp: d → 128 → k)")
        book.parameter("--data", experiment.data ?? "(bundled UCI 8×8 digits)", "MNIST IDX folder replacing the bundled digits")
        book.parameter("--steps", "\(steps)", "BIM iterations T (step α = ε/T)")
        book.parameter("--no-clip", clipping.noClip ? "yes" : "no", "attack without clipping to [0, 1] (the official code)")

        // MARK: 1. The data
        book.step("Two tasks on the digits", """
            The paper uses MNIST; by default we use the 1,797 UCI 8×8 digits shipped with the \
            library, split 80/20 (stratified, seeded), pixels scaled to [0, 1]. Two tasks: 3 vs 7 \
            relabelled 0/1, and all ten digits.
            """)
        let source = try experiment.source(seed: seed)
        let network = experiment.settings(mnist: source.isMNIST)
        let attacks = Table1.Settings(steps: steps, clip: clipping.clip)
        let (train, test) = try source.load()
        progress("table1: \(source.name), \(train.count) training / \(test.count) test images; \(network)")
        book.number("data.train", Double(train.count), label: "training images (10 classes)", tolerance: .absolute(0), format: "%.0f")
        book.number("data.test", Double(test.count), label: "test images (10 classes)", tolerance: .absolute(0), format: "%.0f")
        book.note("Network: \(network).")

        // MARK: 2. Train and attack
        book.step("Train the twins and attack them (seed \(seed))", """
            The softmax and the softRmax network are trained from the same seed — same initial \
            weights, same batch order — so the output layer is the only difference. Each is \
            attacked by FGSM x′ = clip(x + ε sign ∇ₓJ) and by BIM (T steps of size ε/T, projected \
            onto the ε-ball), at ε = 0.1 and 0.3, with three losses J: the paper's NLL of the \
            posterior, −log ζ_y(z); softmax cross-entropy on the raw outputs z, "ce(z)"; and the \
            margin max_{i≠y} zᵢ − z_y. The last two do not flatten in softRmax's conservative tail. \
            "worst" is the lowest accuracy over the three losses, column by column; "every attack" \
            the share of test images that survive all six attacks at that ε.
            """)
        let rows = try Table1.compute(source: source, network: network, attacks: attacks, seed: seed)
        Table1.keepNumbers(rows, attacks: attacks, in: &book, prefix: "seed\(seed)")
        let header = "\(train.count) training / \(test.count) test images, seed \(seed); \(network); attacks \(clipping.phrase)."
        book.include(try Table1.write(rows, attacks: attacks, title: source.name, header: header, to: folder))
        book.figure("table1.svg", caption: "Table 1, seed \(seed): accuracy under attack; dark bars the paper's NLL attack, light bars the worst of three losses, black ticks the paper's MNIST numbers")
        for task in ["10 classes", "3 vs 7"] {
            for model in ["softmax", "softRmax"] {
                if let r = rows.first(where: { $0.task == task && $0.model == model && $0.loss == "worst" }),
                   let nll = rows.first(where: { $0.task == task && $0.model == model && $0.loss == "nll" }) {
                    book.number("headline.\(task == "3 vs 7" ? "3v7" : "10_classes").\(model).fgsm_0.3_nll", nll.attacks[1],
                                label: "\(task), \(model): FGSM ε = 0.3, paper's NLL attack", tolerance: .networkAccuracy, format: "%.4f")
                    book.number("headline.\(task == "3 vs 7" ? "3v7" : "10_classes").\(model).fgsm_0.3_worst", r.attacks[1],
                                label: "\(task), \(model): FGSM ε = 0.3, worst of three losses", tolerance: .networkAccuracy, format: "%.4f")
                }
            }
        }

        // MARK: 3. Over seeds
        if repeats > 1 {
            book.step("The same over \(repeats) seeds", """
                A test set of a few hundred images has a binomial standard error of about 2.5 points \
                at 50 % accuracy, and the split, weights and batch order all change with the seed: the \
                means ± sd over seeds are the numbers to compare with the paper.
                """)
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            var runs = [rows]
            for s in seeds.dropFirst() {
                progress("table1: repeat with seed \(s) …")
                runs.append(try Table1.compute(source: try experiment.source(seed: s), network: network, attacks: attacks, seed: s))
            }
            Table1.keepSeedNumbers(runs, attacks: attacks, in: &book)
            book.include(try Table1.writeSeeds(runs, seeds: seeds, attacks: attacks, title: source.name,
                                               settingsText: "\(network); attacks \(clipping.phrase)", to: folder))
            book.file("table1_seeds.csv", "the same table as CSV")
        }

        book.file("table1.csv", "the single-seed table with the paper's rows; `table1_ratios.csv` the quartiles of R; `numbers.json` every number kept")
        try book.finish(folder: folder, numbersFile: Notebook.numbersFile("table1"), mode: numbers.mode)
        progress(String(format: "table1: wrote %@/README.md and the tables in %.1f s", folder.path, Date().timeIntervalSince(started)))
    }
}

Table1Script.runAsScript()
