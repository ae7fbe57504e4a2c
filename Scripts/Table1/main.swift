// table1: Table 1 of Wang & Loog (2022), §4.2.1 — clean, FGSM and BIM (T = 10) accuracy at
// ε ∈ {0.1, 0.3} for softmax vs softRmax, on the binary 3-vs-7 task and on all 10 classes,
// inputs in [0, 1].
//
// Every attack runs with the paper's loss (the NLL of the model's own posterior, −log ζ_y(z))
// and with two adaptive losses that do not flatten in softRmax's conservative tail: softmax
// cross-entropy on the raw outputs z, and the margin loss max_{i≠y} zᵢ − z_y. The "worst" row
// of each model is the lowest accuracy over the three losses, column by column.
//
//   swift run -c release table1 [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]]
import ArgumentParser
import Foundation
import Polytail
import PolytailPlot

typealias RE = RobustnessExperiment

/// Table 1 of the paper: MNIST 3&7 and MNIST rows (a CNN with four convolutional layers).
let paperTable1: [String: [String: [Double]]] = [
    "3 vs 7": ["softmax": [99.75, 77.18, 18.69, 71.64, 0.24], "softRmax": [99.95, 95.88, 88.71, 94.90, 66.24]],
    "10 classes": ["softmax": [96.8, 48.3, 0.41, 53.49, 0.02], "softRmax": [97.78, 75.55, 49.30, 69.73, 33.94]],
]

/// One attack column: FGSM or BIM at one ε.
struct AttackColumn {
    var name: String
    var iterative: Bool
    var epsilon: Double
}

/// The accuracies of one (task, model, loss) row.
struct Row {
    var task: String, model: String, loss: String
    var clean: Double
    var attacks: [Double]
    /// Fraction of samples that survive every attack (all losses, FGSM and BIM) at each ε;
    /// only on the "worst" rows.
    var perSampleWorst: [Double]? = nil
    /// Quartiles (25 %, 50 %, 75 %) of the magnitude-margin ratio R = ‖∇ₓ(z_y − z_j)‖ / (z_y − z_j)
    /// (Eq. 17) over the correctly classified clean test samples; only on the "worst" rows.
    var ratioQuartiles: [Double]? = nil
}

struct Table1: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table1",
        abstract: "Regenerate Table 1 of Wang & Loog (2022): FGSM and BIM accuracy of softmax vs softRmax networks, with the paper's NLL loss and adaptive losses.")

    @Option(help: "Output folder.") var out = "Output/table1"
    @Option(help: "Seed of the 80/20 split, the network initialisation and batch order.") var seed: UInt64 = 1
    @Option(help: "Folder with MNIST IDX files (train-images-idx3-ubyte, …, gzipped or not); default: the shipped 8×8 digits.")
    var data: String?
    @Option(help: "With --data: read only the first N images of each MNIST file.") var limit: Int?
    @Option(help: "Training epochs (default 50 on the digits, 10 on MNIST).") var epochs: Int?
    @Option(help: "Hidden-layer widths, comma-separated.") var hidden = "128"
    @Option(help: "BIM iterations T.") var steps = 10
    @Option(help: "Also repeat the whole experiment for seeds seed…seed+N−1 and write mean ± sd (table1_seeds.md).") var repeats = 1

    func validate() throws {
        if limit != nil && data == nil { throw ValidationError("--limit needs --data") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        if hiddenWidths == nil { throw ValidationError("--hidden must be positive integers separated by commas, e.g. 128 or 256,128") }
    }

    var hiddenWidths: [Int]? {
        let parts = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return parts.map { $0! }
    }

    var epsilons: [Double] { [0.1, 0.3] }

    var columns: [AttackColumn] {
        epsilons.map { AttackColumn(name: "FGSM ε=\(SVGPlot.label($0))", iterative: false, epsilon: $0) }
            + epsilons.map { AttackColumn(name: "BIM(T=\(steps)) ε=\(SVGPlot.label($0))", iterative: true, epsilon: $0) }
    }

    /// Trains the softmax/softRmax twins on both tasks and attacks them with every loss.
    func compute(_ full: RE.Dataset, settings: RE.NetworkSettings, seed: UInt64) throws -> [Row] {
        let columns = self.columns
        let tasks: [(String, RE.Dataset)] = [("3 vs 7", try full.restricted(to: [3, 7])), ("10 classes", full)]
        var rows: [Row] = []
        for (taskName, task) in tasks {
            RE.log("task \(taskName): training softmax and softRmax …")
            let x = task.test.images, y = task.test.labels
            for trained in try RE.trainPair(task, settings: settings, seed: seed) {
                let clean = try trained.model.accuracy(x, labels: y)
                var survived = epsilons.map { _ in [Bool](repeating: true, count: y.count) }
                var lossRows: [Row] = []
                for loss in AttackLoss.allCases {
                    var accuracies: [Double] = []
                    for column in columns {
                        let adversarial = column.iterative
                            ? try Adversarial.bim(trained.model, inputs: x, labels: y, epsilon: column.epsilon, steps: steps, loss: loss)
                            : try Adversarial.fgsm(trained.model, inputs: x, labels: y, epsilon: column.epsilon, loss: loss)
                        let predicted = try trained.model.predict(adversarial)
                        var correct = 0
                        let e = epsilons.firstIndex(of: column.epsilon)!
                        for r in 0..<y.count {
                            if predicted[r] == y[r] { correct += 1 } else { survived[e][r] = false }
                        }
                        accuracies.append(Double(correct) / Double(y.count))
                    }
                    RE.log("  \(taskName) \(trained.name) \(lossName(loss)): " + accuracies.map(RE.percent).joined(separator: " "))
                    lossRows.append(Row(task: taskName, model: trained.name, loss: lossName(loss), clean: clean, attacks: accuracies))
                }
                var worst = Row(task: taskName, model: trained.name, loss: "worst", clean: clean,
                                attacks: columns.indices.map { c in lossRows.map { $0.attacks[c] }.min()! })
                worst.perSampleWorst = survived.map { Double($0.filter { $0 }.count) / Double(y.count) }
                let margins = try MarginAnalysis.analyse(trained.model, inputs: x, labels: y)
                let ratios = zip(margins.ratios, margins.margins).filter { $0.1 > 0 }.map(\.0).sorted()
                worst.ratioQuartiles = ratios.isEmpty ? nil : [0.25, 0.5, 0.75].map { ratios[Int($0 * Double(ratios.count - 1))] }
                rows += lossRows + [worst]
            }
        }

        return rows
    }

    /// Mean ± sd over seeds of every (task, model, loss) row: table1_seeds.{md,csv}.
    func summarise(_ runs: [[Row]], seeds: [UInt64], name: String, settings: RE.NetworkSettings, to outURL: URL) throws {
        func stats(_ v: [Double]) -> (Double, Double) {
            let m = v.reduce(0, +) / Double(v.count)
            let sd = v.count > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
            return (100 * m, 100 * sd)
        }
        let header = ["task", "model", "loss", "clean"] + columns.map(\.name) + epsilons.map { "every attack ε=\(SVGPlot.label($0)) (per sample)" }
        var md: [[String]] = [], csv: [[String]] = []
        for (i, r) in runs[0].enumerated() {
            let series: [[Double]] = [runs.map { $0[i].clean }] + columns.indices.map { c in runs.map { $0[i].attacks[c] } }
                + epsilons.indices.map { e in runs.compactMap { $0[i].perSampleWorst?[e] } }
            var mdRow = [r.task, r.model, r.loss], csvRow = [r.task, r.model, r.loss]
            for v in series {
                if v.isEmpty { mdRow.append("–"); csvRow.append("–"); continue }
                let (m, sd) = stats(v)
                mdRow.append(String(format: "%.1f ± %.1f", m, sd))
                csvRow.append(String(format: "%.2f ± %.2f", m, sd))
            }
            md.append(mdRow); csv.append(csvRow)
        }
        try RE.writeCSV(header: header, rows: csv, to: outURL.appendingPathComponent("table1_seeds.csv"))
        let text = "# Table 1 — \(name): mean ± sd over \(seeds.count) seeds (\(seeds.first!)…\(seeds.last!)), accuracy (%)\n\n"
            + "Each seed draws its own 80/20 split (on the shipped digits), initial weights and batch order; \(settings).\n\n"
            + RE.markdownTable(header: header, rows: md, leftColumns: 3)
        try text.write(to: outURL.appendingPathComponent("table1_seeds.md"), atomically: true, encoding: .utf8)
        print("\n" + text, terminator: "")
    }

    func run() throws {
        let started = Date()
        let outURL = try RE.outputFolder(out)
        let full = try RE.load(folder: data, limit: limit, seed: seed)
        var settings = RE.NetworkSettings.defaults(mnist: full.isMNIST)
        settings.hidden = hiddenWidths!
        if let epochs { settings.epochs = epochs }
        RE.log("table1: \(full.name), \(full.train.count) training / \(full.test.count) test images; \(settings)")

        let tasks: [(String, RE.Dataset)] = [("3 vs 7", try full.restricted(to: [3, 7])), ("10 classes", full)]
        let rows = try compute(full, settings: settings, seed: seed)

        // Files: the full table as CSV, the Markdown table, the picture.
        let header = ["task", "model", "loss", "clean"] + columns.map(\.name)
            + epsilons.map { "worst attack ε=\(SVGPlot.label($0))" } + epsilons.map { "every attack ε=\(SVGPlot.label($0)) (per sample)" }
        func cells(_ r: Row) -> [String] {
            let worstPerEpsilon = epsilons.map { e in
                RE.percent(zip(columns, r.attacks).filter { $0.0.epsilon == e }.map(\.1).min()!)
            }
            return [r.task, r.model, r.loss, RE.percent(r.clean)] + r.attacks.map(RE.percent) + worstPerEpsilon
                + (r.perSampleWorst?.map(RE.percent) ?? epsilons.map { _ in "–" })
        }
        var mdRows = rows.map(cells)
        var csvRows = mdRows
        for (task, models) in paperTable1.sorted(by: { $0.key < $1.key }) {
            for model in ["softmax", "softRmax"] {
                let v = models[model]!
                let paper = [task, model, "paper (MNIST, CNN, NLL)", String(format: "%.2f", v[0])] + v.dropFirst().map { String(format: "%.2f", $0) }
                    + [String(format: "%.2f", min(v[1], v[3])), String(format: "%.2f", min(v[2], v[4])), "–", "–"]
                csvRows.append(paper)
                let at = mdRows.lastIndex { $0[0] == task && $0[1] == model }!
                mdRows.insert(paper, at: at + 1)
            }
        }
        try RE.writeCSV(header: header, rows: csvRows, to: outURL.appendingPathComponent("table1.csv"))
        var md = "# Table 1 — \(full.name): accuracy (%) under FGSM and BIM\n\n"
        md += "\(full.train.count) training / \(full.test.count) test images, seed \(seed); \(settings).\n"
        md += "Losses: nll = −log ζ_y(z) (the paper's), ce(z) = softmax cross-entropy on the raw outputs, margin = max_{i≠y} zᵢ − z_y. "
        md += "\"worst\" = lowest over the three losses per column; \"every attack (per sample)\" = share of test samples that survive all six attacks at that ε.\n\n"
        md += RE.markdownTable(header: header, rows: mdRows, leftColumns: 3)
        try md.write(to: outURL.appendingPathComponent("table1.md"), atomically: true, encoding: .utf8)
        print(md, terminator: "")

        var chart = GroupedBarChart(title: "Table 1 — \(full.name): accuracy under attack (bars: ours; black ticks: paper, MNIST CNN)",
                                    yLabel: "test accuracy (%)",
                                    groups: tasks.flatMap { t in columns.map { "\($0.name)\n\(t.0)" } })
        chart.width = 1200
        let colours = ["softmax": SVGPlot.palette[0], "softRmax": SVGPlot.palette[1]]
        for model in ["softmax", "softRmax"] {
            for loss in ["nll", "worst"] {
                let values = tasks.flatMap { t in rows.first { $0.task == t.0 && $0.model == model && $0.loss == loss }!.attacks.map { 100 * $0 } }
                let refs = loss == "nll" ? tasks.flatMap { t in Array(paperTable1[t.0]![model]!.dropFirst()) } : nil
                chart.series.append(.init(name: loss == "nll" ? "\(model), paper's NLL attack" : "\(model), worst of NLL / ce(z) / margin",
                                          color: colours[model]!, values: values, references: refs, hatched: loss == "worst"))
            }
        }
        chart.note = "black ticks: the paper's Table 1 (MNIST, 4-conv CNN)"
        try chart.write(to: outURL.appendingPathComponent("table1.svg"))
        // The magnitude-margin ratios (§4.2.4, Fig. 6) of the same models, in brief.
        var ratioText = "\n## Magnitude-margin ratio R (Eq. 17) on correctly classified clean test images\n\n"
        var ratioRows: [[String]] = []
        for r in rows where r.loss == "worst" {
            guard let q = r.ratioQuartiles else { continue }
            ratioRows.append([r.task, r.model] + q.map { String(format: "%.4g", $0) })
        }
        ratioText += RE.markdownTable(header: ["task", "model", "R 25 %", "R median", "R 75 %"], rows: ratioRows, leftColumns: 2)
        try RE.writeCSV(header: ["task", "model", "ratio_q25", "ratio_median", "ratio_q75"], rows: ratioRows,
                        to: outURL.appendingPathComponent("table1_ratios.csv"))
        print(ratioText, terminator: "")
        try (md + ratioText).write(to: outURL.appendingPathComponent("table1.md"), atomically: true, encoding: .utf8)

        if repeats > 1 {
            var runs = [rows]
            let seeds = (0..<UInt64(repeats)).map { seed &+ $0 }
            for s in seeds.dropFirst() {
                RE.log("repeat with seed \(s) …")
                runs.append(try compute(try RE.load(folder: data, limit: limit, seed: s), settings: settings, seed: s))
            }
            try summarise(runs, seeds: seeds, name: full.name, settings: settings, to: outURL)
        }
        RE.log(String(format: "table1: wrote %@/table1.{csv,md,svg}%@ in %.1f s", outURL.path, repeats > 1 ? " and table1_seeds.{csv,md}" : "",
                      Date().timeIntervalSince(started)))
    }

    func lossName(_ loss: AttackLoss) -> String {
        switch loss {
        case .nll: return "nll"
        case .crossEntropyOnLogits: return "ce(z)"
        case .margin: return "margin"
        }
    }
}

Table1.main()
