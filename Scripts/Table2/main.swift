// table2: Table 2 of Wang & Loog (2022), §4.2.3 — per-class accuracy of softmax vs softRmax
// networks on the 10 digit classes, clean and under three targeted attacks, each sample pushed
// toward a seeded random target class t ≠ y:
//
//   White  x′ = clip(x − ε sign ∇ₓJ(x, t))               (Eq. 2, the model's own gradient)
//   Black  the same on a substitute MLP trained on the model's predicted labels of the
//          training images, transferred (Papernot et al. 2017); a softmax and a softRmax
//          substitute
//   Avg    x′ = clip(x + ε sign(Avg_t − Avg_y))           (Eq. 16, class means of the training set)
//
// The white-box attack runs with the paper's loss J = −log ζ_t(z) and with the adaptive losses
// (softmax cross-entropy on z, and the margin max_{i≠t} zᵢ − z_t). The paper does not state ε
// for Table 2; the default runs ε = 0.3 (the larger of Table 1's levels, the only one at which
// its softmax white-box figures of ~10 % are plausible) and ε = 0.1.
//
//   swift run -c release table2 [--out DIR] [--seed N] [--epsilon 0.3,0.1] [--data MNIST_FOLDER [--limit N]]
import ArgumentParser
import Foundation
import Polytail
import PolytailPlot

typealias RE = RobustnessExperiment

/// Table 2 of the paper (MNIST, CNN), per class 0–9: clean, white, black, avg; softmax then ours.
let paperTable2: [(clean: (Double, Double), white: (Double, Double), black: (Double, Double), avg: (Double, Double))] = [
    ((98.88, 99.18), (11.14, 53.2), (33.55, 74.3), (30.69, 58.13)),
    ((98.50, 99.21), (15.05, 46.73), (53.41, 60.73), (48.77, 63.44)),
    ((98.26, 98.16), (10.50, 54.00), (25.93, 50.42), (16.53, 42.26)),
    ((96.34, 98.12), (10.31, 51.73), (27.16, 58.99), (15.54, 37.77)),
    ((96.84, 97.35), (13.28, 51.84), (37.21, 63.03), (26.97, 47.94)),
    ((97.87, 98.09), (9.33, 52.24), (32.84, 64.52), (16.68, 46.76)),
    ((97.91, 98.64), (12.00, 51.52), (35.46, 52.14), (24.43, 44.56)),
    ((96.60, 96.69), (12.11, 52.88), (32.46, 60.10), (22.03, 45.50)),
    ((92.61, 96.61), (9.36, 54.38), (24.96, 73.04), (18.90, 41.93)),
    ((94.05, 95.64), (6.33, 51.72), (30.65, 68.58), (29.31, 49.67)),
]

/// One attack's per-class and overall accuracy.
struct AttackResult {
    var name: String
    /// True for the attacks of the paper's layout (White with NLL, Black with a softmax
    /// substitute, Avg).
    var inPaper: Bool
    var perClass: [Double]
    var overall: Double
    var correct: [Bool]
}

struct ModelResult {
    var model: String
    var clean: AttackResult
    var attacks: [AttackResult]
    /// Per class and overall: share of samples that survive every attack.
    var everyAttack: (perClass: [Double], overall: Double)
    var substituteAgreement: [String: Double]
}

struct Table2: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table2",
        abstract: "Regenerate Table 2 of Wang & Loog (2022): per-class accuracy of softmax vs softRmax networks under white-box, black-box and average-sample targeted attacks.")

    @Option(help: "Output folder.") var out = "Output/table2"
    @Option(help: "Seed of the split, the networks, the substitutes and the random targets.") var seed: UInt64 = 1
    @Option(help: "Folder with MNIST IDX files (train-images-idx3-ubyte, …, gzipped or not); default: the shipped 8×8 digits.")
    var data: String?
    @Option(help: "With --data: read only the first N images of each MNIST file.") var limit: Int?
    @Option(help: "Training epochs of the models and the substitutes (default 50 on the digits, 10 on MNIST).") var epochs: Int?
    @Option(help: "Hidden-layer widths, comma-separated (models and substitutes).") var hidden = "128"
    @Option(help: "Attack levels ε, comma-separated (one picture each).") var epsilon = "0.3,0.1"
    @Option(help: "Also repeat the whole experiment for seeds seed…seed+N−1 and write mean ± sd of the overall accuracies (table2_seeds.md).")
    var repeats = 1

    var hiddenWidths: [Int]? {
        let parts = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return parts.map { $0! }
    }

    var epsilons: [Double]? {
        let parts = epsilon.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else { return nil }
        return parts.map { $0! }
    }

    func validate() throws {
        if limit != nil && data == nil { throw ValidationError("--limit needs --data") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if hiddenWidths == nil { throw ValidationError("--hidden must be positive integers separated by commas, e.g. 128 or 256,128") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        if epsilons == nil { throw ValidationError("--epsilon must be non-negative numbers separated by commas, e.g. 0.3,0.1") }
    }

    func run() throws {
        let started = Date()
        let outURL = try RE.outputFolder(out)
        let task = try RE.load(folder: data, limit: limit, seed: seed)
        var settings = RE.NetworkSettings.defaults(mnist: task.isMNIST)
        settings.hidden = hiddenWidths!
        if let epochs { settings.epochs = epochs }
        RE.log("table2: \(task.name), \(task.train.count) training / \(task.test.count) test images; \(settings)")
        guard task.test.classes == Array(0..<10) else {
            throw ValidationError("table2 needs test images of all ten digits; got classes \(task.test.classes)")
        }
        let k = task.classes
        let computed = try compute(task, settings: settings, seed: seed)
        var csvRows: [[String]] = []
        var markdown = "# Table 2 — \(task.name): per-class accuracy (%) under targeted attacks\n\n"
        markdown += "\(task.train.count) training / \(task.test.count) test images, seed \(seed); \(settings). "
        markdown += "Targets: one random class t ≠ y per test image (seed \(seed)). Black box: a substitute (same architecture) trained on the attacked model's predicted labels of the \(task.train.count) training images, attacked white-box with its own NLL, adversarials transferred. Avg: class means of the training images.\n"
        for (eps, results) in computed {
            // CSV: one row per (ε, model, attack) with the ten classes and the overall accuracy.
            for m in results {
                for a in [m.clean] + m.attacks {
                    csvRows.append([SVGPlot.label(eps), m.model, a.name] + a.perClass.map(RE.percent) + [RE.percent(a.overall)])
                }
                csvRows.append([SVGPlot.label(eps), m.model, "every attack (per sample)"] + m.everyAttack.perClass.map(RE.percent)
                               + [RE.percent(m.everyAttack.overall)])
            }
            markdown += "\n## ε = \(SVGPlot.label(eps))\n\n" + paperLayout(results, k: k) + "\n" + fullTables(results, k: k)
            let picture = "table2_eps\(SVGPlot.label(eps)).svg"
            try GroupedBarChart.stacked(charts(results, epsilon: eps, name: task.name, k: k))
                .write(to: outURL.appendingPathComponent(picture), atomically: true, encoding: .utf8)
        }
        let header = ["epsilon", "model", "attack"] + (0..<k).map { "class \(task.digits[$0])" } + ["all"]
        try RE.writeCSV(header: header, rows: csvRows, to: outURL.appendingPathComponent("table2.csv"))
        try markdown.write(to: outURL.appendingPathComponent("table2.md"), atomically: true, encoding: .utf8)
        print(markdown, terminator: "")
        if repeats > 1 {
            var runs = [computed]
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            for s in seeds.dropFirst() {
                RE.log("repeat with seed \(s) …")
                runs.append(try compute(try RE.load(folder: data, limit: limit, seed: s), settings: settings, seed: s))
            }
            try summarise(runs, seeds: seeds, name: task.name, settings: settings, to: outURL)
        }
        RE.log(String(format: "table2: wrote %@/table2.{csv,md}, table2_eps*.svg%@ in %.1f s", outURL.path,
                      repeats > 1 ? " and table2_seeds.{csv,md}" : "", Date().timeIntervalSince(started)))
    }

    /// Trains the twins (and their substitutes) and runs every attack at every ε.
    func compute(_ task: RE.Dataset, settings: RE.NetworkSettings, seed: UInt64) throws -> [(Double, [ModelResult])] {
        let x = task.test.images, y = task.test.labels, k = task.classes
        let targets = try Adversarial.randomTargets(labels: y, classes: k, seed: seed)
        let means = try Adversarial.classMeans(features: task.train.images, labels: task.train.labels, classes: k)
        let models = try RE.trainPair(task, settings: settings, seed: seed)

        func result(_ name: String, paper: Bool, model: Network, inputs: Matrix) throws -> AttackResult {
            let predicted = try model.predict(inputs)
            let correct = zip(predicted, y).map { $0 == $1 }
            var hits = [Int](repeating: 0, count: k), totals = hits
            for (c, ok) in zip(y, correct) { totals[c] += 1; if ok { hits[c] += 1 } }
            return AttackResult(name: name, inPaper: paper, perClass: zip(hits, totals).map { $1 > 0 ? Double($0) / Double($1) : .nan },
                                overall: Double(correct.filter { $0 }.count) / Double(y.count), correct: correct)
        }

        // The black-box substitutes: trained once per (model, substitute output layer) on the
        // model's predicted labels of the training images, then attacked at every ε. This is
        // Adversarial.blackBox with steps = 1, without retraining the substitute for each ε.
        var substitutes: [[(name: String, model: Network, agreement: Double)]] = []
        for trained in models {
            let oracle = try trained.model.predict(task.train.images)
            substitutes.append(try [OutputLayer.softmax, .softRmax].map { output in
                var random = PolytailRandom(seed: seed &+ 1)
                let (substitute, _) = try Network.fit(task.train.images, labels: oracle, classCount: k, hidden: settings.hidden, output: output,
                    epochs: settings.epochs, batchSize: settings.batchSize, learningRate: settings.learningRate,
                    weightDecay: settings.weightDecay, using: &random)
                let mimic = try substitute.predict(task.train.images)
                let agreement = Double(zip(mimic, oracle).filter { $0 == $1 }.count) / Double(oracle.count)
                return ("Black (\(output.rawValue) substitute)", substitute, agreement)
            })
        }
        var computed: [(Double, [ModelResult])] = []
        for eps in epsilons! {
            RE.log("ε = \(SVGPlot.label(eps)):")
            var results: [ModelResult] = []
            for (m, trained) in models.enumerated() {
                let model = trained.model
                var attacks: [AttackResult] = []
                for loss in AttackLoss.allCases {
                    let adv = try Adversarial.targeted(model, inputs: x, targets: targets, epsilon: eps, loss: loss)
                    attacks.append(try result("White " + lossName(loss), paper: loss == .nll, model: model, inputs: adv))
                }
                var agreement: [String: Double] = [:]
                for (s, substitute) in substitutes[m].enumerated() {
                    let adv = try Adversarial.targeted(substitute.model, inputs: x, targets: targets, epsilon: eps, loss: .nll)
                    agreement[substitute.name] = substitute.agreement
                    attacks.append(try result(substitute.name, paper: s == 0, model: model, inputs: adv))
                }
                let avg = try Adversarial.averageSample(inputs: x, labels: y, targets: targets, classMeans: means, epsilon: eps)
                attacks.append(try result("Avg", paper: true, model: model, inputs: avg))
                let clean = try result("Clean", paper: true, model: model, inputs: x)

                var survive = [Int](repeating: 0, count: k), totals = survive
                for r in 0..<y.count {
                    totals[y[r]] += 1
                    if attacks.allSatisfy({ $0.correct[r] }) { survive[y[r]] += 1 }
                }
                let every = (zip(survive, totals).map { $1 > 0 ? Double($0) / Double($1) : .nan },
                             Double(survive.reduce(0, +)) / Double(y.count))
                RE.log("  \(trained.name): clean \(RE.percent(clean.overall)); " + attacks.map { "\($0.name) \(RE.percent($0.overall))" }.joined(separator: ", ")
                       + "; every attack \(RE.percent(every.1)); substitute agreement " + agreement.sorted { $0.key < $1.key }.map { String(format: "%.1f%%", 100 * $0.value) }.joined(separator: "/"))
                results.append(ModelResult(model: trained.name, clean: clean, attacks: attacks, everyAttack: every,
                                           substituteAgreement: agreement))
            }

            computed.append((eps, results))
        }
        return computed
    }

    /// Mean ± sd over seeds of the overall accuracy of every (ε, model, attack): table2_seeds.{md,csv}.
    func summarise(_ runs: [[(Double, [ModelResult])]], seeds: [UInt64], name: String, settings: RE.NetworkSettings,
                   to outURL: URL) throws {
        func cell(_ v: [Double]) -> String {
            let m = v.reduce(0, +) / Double(v.count)
            let sd = v.count > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
            return String(format: "%.1f ± %.1f", 100 * m, 100 * sd)
        }
        let first = runs[0]
        let attackNames = ["Clean"] + first[0].1[0].attacks.map(\.name) + ["every attack (per sample)"]
        var header = ["ε", "attack"]
        for m in first[0].1 { header.append(m.model) }
        var rows: [[String]] = []
        for (e, (eps, models)) in first.enumerated() {
            for (a, attack) in attackNames.enumerated() {
                var row = [SVGPlot.label(eps), attack]
                for mi in models.indices {
                    let values = runs.map { run -> Double in
                        let m = run[e].1[mi]
                        if a == 0 { return m.clean.overall }
                        if a == attackNames.count - 1 { return m.everyAttack.overall }
                        return m.attacks[a - 1].overall
                    }
                    row.append(cell(values))
                }
                rows.append(row)
            }
            var worst = [SVGPlot.label(eps), "worst single attack"]
            for mi in models.indices { worst.append(cell(runs.map { $0[e].1[mi].attacks.map(\.overall).min()! })) }
            rows.append(worst)
        }
        try RE.writeCSV(header: header, rows: rows, to: outURL.appendingPathComponent("table2_seeds.csv"))
        let text = "# Table 2 — \(name): overall accuracy (%) under targeted attacks, mean ± sd over \(seeds.count) seeds (\(seeds.first!)…\(seeds.last!))\n\n"
            + "Each seed draws its own split, networks, substitutes and targets; \(settings).\n\n"
            + RE.markdownTable(header: header, rows: rows, leftColumns: 2)
        try text.write(to: outURL.appendingPathComponent("table2_seeds.md"), atomically: true, encoding: .utf8)
        print("\n" + text, terminator: "")
    }

    /// The paper's layout (Clean, White, Black, Avg × softmax/softRmax) with the paper's
    /// numbers beside ours; the worst of White/Black/Avg per model and class in bold.
    func paperLayout(_ results: [ModelResult], k: Int) -> String {
        let names = ["White nll", "Black (softmax substitute)", "Avg"]
        var header = ["class"]
        for block in ["Clean", "White", "Black", "Avg"] {
            header += ["\(block) softmax", "\(block) softRmax", "paper softmax", "paper softRmax"]
        }
        var rows: [[String]] = []
        for c in 0...k {
            let isAll = c == k
            var row = [isAll ? "all" : String(c)]
            let paper = isAll ? nil : paperTable2[c]
            let paperBlocks = paper.map { [$0.clean, $0.white, $0.black, $0.avg] }
            for (b, block) in (["Clean"] + names).enumerated() {
                for m in results {
                    let attack = block == "Clean" ? m.clean : m.attacks.first { $0.name == block }!
                    let v = isAll ? attack.overall : attack.perClass[c]
                    let candidates = names.map { n in m.attacks.first { $0.name == n }! }.map { isAll ? $0.overall : $0.perClass[c] }
                    let bold = block != "Clean" && v == candidates.min()
                    row.append(bold ? "**\(RE.percent(v))**" : RE.percent(v))
                }
                if let pb = paperBlocks?[b] {
                    let worstSoftmax = [paper!.white.0, paper!.black.0, paper!.avg.0].min()!
                    let worstOurs = [paper!.white.1, paper!.black.1, paper!.avg.1].min()!
                    row.append(b > 0 && pb.0 == worstSoftmax ? String(format: "**%.2f**", pb.0) : String(format: "%.2f", pb.0))
                    row.append(b > 0 && pb.1 == worstOurs ? String(format: "**%.2f**", pb.1) : String(format: "%.2f", pb.1))
                } else {
                    row += ["–", "–"]
                }
            }
            rows.append(row)
        }
        return "### The paper's layout (White = NLL loss, Black = softmax substitute; worst of the three attacks in bold; paper: MNIST, CNN)\n\n"
            + RE.markdownTable(header: header, rows: rows)
    }

    /// Per model: every attack (including the adaptive losses and the softRmax substitute),
    /// the worst in bold, and the per-sample "every attack" column.
    func fullTables(_ results: [ModelResult], k: Int) -> String {
        var out = ""
        for m in results {
            let header = ["class", "Clean"] + m.attacks.map(\.name) + ["worst attack", "every attack (per sample)"]
            var rows: [[String]] = []
            for c in 0...k {
                let isAll = c == k
                let values = m.attacks.map { isAll ? $0.overall : $0.perClass[c] }
                let worst = values.min()!
                let worstName = m.attacks[values.firstIndex(of: worst)!].name
                rows.append([isAll ? "all" : String(c), RE.percent(isAll ? m.clean.overall : m.clean.perClass[c])]
                            + values.map { $0 == worst ? "**\(RE.percent($0))**" : RE.percent($0) }
                            + [worstName, RE.percent(isAll ? m.everyAttack.overall : m.everyAttack.perClass[c])])
            }
            let agreement = m.substituteAgreement.sorted { $0.key < $1.key }
                .map { "\($0.key): \(String(format: "%.1f", 100 * $0.value)) %" }.joined(separator: "; ")
            out += "\n### \(m.model): every attack (worst per class in bold)\n\n" + RE.markdownTable(header: header, rows: rows)
                + "\nSubstitute agreement with the \(m.model) model on the query images — \(agreement).\n"
        }
        return out
    }

    /// Grouped bars per class for each model: clean, the paper's three attacks and the worst
    /// of all attacks, the paper's numbers as black ticks.
    func charts(_ results: [ModelResult], epsilon eps: Double, name: String, k: Int) -> [GroupedBarChart] {
        results.map { m in
            var chart = GroupedBarChart(title: "Table 2 — \(name), \(m.model), targeted attacks at ε = \(SVGPlot.label(eps)) (black ticks: paper, MNIST CNN)",
                                        yLabel: "accuracy (%)", groups: (0..<k).map { "class \($0)" } + ["all"])
            chart.width = 1100
            let ours = m.model == "softRmax"
            func paperValues(_ pick: (Int) -> (Double, Double)) -> [Double] {
                (0..<k).map { ours ? pick($0).1 : pick($0).0 } + [.nan]
            }
            func values(_ a: AttackResult) -> [Double] { a.perClass.map { 100 * $0 } + [100 * a.overall] }
            chart.series.append(.init(name: "Clean", color: "#7f7f7f", values: values(m.clean), references: paperValues { paperTable2[$0].clean }))
            chart.series.append(.init(name: "White (paper's NLL)", color: SVGPlot.palette[0],
                                      values: values(m.attacks.first { $0.name == "White nll" }!), references: paperValues { paperTable2[$0].white }))
            chart.series.append(.init(name: "Black (softmax substitute)", color: SVGPlot.palette[2],
                                      values: values(m.attacks.first { $0.name == "Black (softmax substitute)" }!), references: paperValues { paperTable2[$0].black }))
            chart.series.append(.init(name: "Avg (Eq. 16)", color: SVGPlot.palette[3],
                                      values: values(m.attacks.first { $0.name == "Avg" }!), references: paperValues { paperTable2[$0].avg }))
            let worst = (0...k).map { c in m.attacks.map { c == k ? $0.overall : $0.perClass[c] }.min()! * 100 }
            chart.series.append(.init(name: "worst of all six attacks (incl. adaptive losses)", color: SVGPlot.palette[1], values: worst, hatched: true))
            return chart
        }
    }

    func lossName(_ loss: AttackLoss) -> String {
        switch loss {
        case .nll: return "nll"
        case .crossEntropyOnLogits: return "ce(z)"
        case .margin: return "margin"
        }
    }
}

Table2.main()
