import Foundation
import Polytail
import PolytailPlot

/// Table 1 of Wang & Loog (2022), §4.2.1: clean, FGSM and BIM accuracy of the softmax and
/// softRmax twins at ε ∈ {0.1, 0.3}, on the 3-vs-7 task and on all 10 classes, with the
/// paper's NLL loss and the two adaptive losses of ``AttackLoss``.
public enum Table1 {
    /// The paper's Table 1 (MNIST, CNN, NLL attack): clean, FGSM 0.1, FGSM 0.3, BIM 0.1, BIM 0.3.
    public static let paper: [String: [String: [Double]]] = [
        "3 vs 7": ["softmax": [99.75, 77.18, 18.69, 71.64, 0.24], "softRmax": [99.95, 95.88, 88.71, 94.90, 66.24]],
        "10 classes": ["softmax": [96.8, 48.3, 0.41, 53.49, 0.02], "softRmax": [97.78, 75.55, 49.30, 69.73, 33.94]],
    ]

    /// One attack column: FGSM or BIM at one ε.
    public struct Column: Sendable {
        public var name: String
        public var iterative: Bool
        public var epsilon: Double
    }

    /// The accuracies of one (task, model, loss) row; the "worst" row of a model holds the
    /// lowest accuracy over the three losses, column by column.
    public struct Row: Sendable {
        public var task: String, model: String, loss: String
        public var clean: Double
        public var attacks: [Double]
        /// Fraction of samples that survive every attack (all losses, FGSM and BIM) at each ε;
        /// only on the "worst" rows.
        public var perSampleWorst: [Double]?
        /// Quartiles (25 %, 50 %, 75 %, lower order statistics) of the magnitude-margin ratio
        /// R (Eq. 17) over the correctly classified clean test samples; only on "worst" rows.
        public var ratioQuartiles: [Double]?
    }

    /// The attack settings of one table.
    public struct Settings: Sendable {
        public var epsilons: [Double] = [0.1, 0.3]
        /// BIM iterations T (α = ε/T).
        public var steps: Int = 10
        /// The attacks' clip range ([0, 1], or unbounded for the official code's attacks).
        public var clip: ClosedRange<Double> = 0...1
        public init(steps: Int = 10, clip: ClosedRange<Double> = 0...1) { self.steps = steps; self.clip = clip }

        /// FGSM at every ε, then BIM at every ε.
        public var columns: [Column] {
            epsilons.map { Column(name: "FGSM ε=\(SVGPlot.label($0))", iterative: false, epsilon: $0) }
                + epsilons.map { Column(name: "BIM(T=\(steps)) ε=\(SVGPlot.label($0))", iterative: true, epsilon: $0) }
        }
    }

    /// Trains the twins on both tasks of `source` and attacks them with every loss; the
    /// accuracies come from ``RobustnessSummary/evaluate(_:observations:labels:attacks:)`` (per ε:
    /// every loss × FGSM/BIM, whose `allAttacks` is the per-sample worst case).
    /// - Returns: per task (3 vs 7, then 10 classes) and model: one row per loss, then "worst".
    /// - Throws: data, training and attack errors.
    public static func compute(source: DataSource, network: NetworkSettings, attacks: Settings, seed: UInt64) throws -> [Row] {
        let columns = attacks.columns
        var rows: [Row] = []
        for task in try source.tasks(["3v7", "all"]) {
            progress("task \(task.name): training softmax and softRmax …")
            let x = task.test.images, y = task.test.labels
            for trained in try fitTwins(task, settings: network, seed: seed) {
                let model = trained.network
                var accuracy = [[Double]](repeating: [Double](repeating: .nan, count: columns.count), count: AttackLoss.allCases.count)
                var perSample: [Double] = []
                var clean = Double.nan
                for eps in attacks.epsilons {
                    var named: [(name: String, adversarial: Matrix)] = []
                    var slots: [(loss: Int, column: Int)] = []
                    for (l, loss) in AttackLoss.allCases.enumerated() {
                        for (c, column) in columns.enumerated() where column.epsilon == eps {
                            let adversarial = column.iterative
                                ? try Adversarial.bim(model, observations: x, labels: y, epsilon: eps, steps: attacks.steps, loss: loss, clip: attacks.clip)
                                : try Adversarial.fgsm(model, observations: x, labels: y, epsilon: eps, loss: loss, clip: attacks.clip)
                            named.append(("\(column.name) \(loss.tableName)", adversarial))
                            slots.append((l, c))
                        }
                    }
                    let summary = try RobustnessSummary.evaluate(model, observations: x, labels: y, attacks: named)
                    clean = summary.clean
                    for (slot, result) in zip(slots, summary.attacks) { accuracy[slot.loss][slot.column] = result.accuracy }
                    perSample.append(summary.allAttacks)
                }
                let lossRows = AttackLoss.allCases.enumerated().map { l, loss in
                    progress("  \(task.name) \(trained.name) \(loss.tableName): " + accuracy[l].map(percent).joined(separator: " "))
                    return Row(task: task.name, model: trained.name, loss: loss.tableName, clean: clean, attacks: accuracy[l])
                }
                var worst = Row(task: task.name, model: trained.name, loss: "worst", clean: clean,
                                attacks: columns.indices.map { c in lossRows.map { $0.attacks[c] }.min()! })
                worst.perSampleWorst = perSample
                let margins = try MarginAnalysis.evaluate(model, observations: x, labels: y)
                let ratios = zip(margins.ratios, margins.margins).filter { $0.1 > 0 }.map(\.0).sorted()
                worst.ratioQuartiles = ratios.isEmpty ? nil : [0.25, 0.5, 0.75].map { ratios[Int($0 * Double(ratios.count - 1))] }
                rows += lossRows + [worst]
            }
        }
        return rows
    }

    /// Writes table1.{csv,md,svg} and table1_ratios.csv into `folder` and returns the
    /// Markdown (the table and the ratio quartiles) for standard output.
    /// - Parameters:
    ///   - rows: the rows of ``compute(source:network:attacks:seed:)``.
    ///   - title: the data's name for the headings.
    ///   - header: one line under the title (sizes, seed, settings).
    /// - Throws: the file system's errors.
    public static func write(_ rows: [Row], attacks: Settings, title: String, header: String, to folder: URL) throws -> String {
        let columns = attacks.columns, epsilons = attacks.epsilons
        let tableHeader = ["task", "model", "loss", "clean"] + columns.map(\.name)
            + epsilons.map { "worst attack ε=\(SVGPlot.label($0))" } + epsilons.map { "every attack ε=\(SVGPlot.label($0)) (per sample)" }
        func cells(_ r: Row) -> [String] {
            let worstPerEpsilon = epsilons.map { e in percent(zip(columns, r.attacks).filter { $0.0.epsilon == e }.map(\.1).min()!) }
            return [r.task, r.model, r.loss, percent(r.clean)] + r.attacks.map(percent) + worstPerEpsilon
                + (r.perSampleWorst?.map(percent) ?? epsilons.map { _ in "–" })
        }
        var mdRows = rows.map(cells)
        var csvRows = mdRows
        for (task, models) in paper.sorted(by: { $0.key < $1.key }) {
            for model in ["softmax", "softRmax"] {
                let v = models[model]!
                let row = [task, model, "paper (MNIST, CNN, NLL)", String(format: "%.2f", v[0])] + v.dropFirst().map { String(format: "%.2f", $0) }
                    + [String(format: "%.2f", min(v[1], v[3])), String(format: "%.2f", min(v[2], v[4])), "–", "–"]
                csvRows.append(row)
                if let at = mdRows.lastIndex(where: { $0[0] == task && $0[1] == model }) { mdRows.insert(row, at: at + 1) }
            }
        }
        try writeCSV(header: tableHeader, rows: csvRows, to: folder.appendingPathComponent("table1.csv"))
        var md = "# Table 1 — \(title): accuracy (%) under FGSM and BIM\n\n"
        md += header + "\n"
        md += "Losses: nll = −log ζ_y(z) (the paper's), ce(z) = softmax cross-entropy on the raw outputs, margin = max_{i≠y} zᵢ − z_y. "
        md += "\"worst\" = lowest over the three losses per column; \"every attack (per sample)\" = share of test samples that survive all six attacks at that ε.\n\n"
        md += markdownTable(tableHeader, mdRows, alignRightFrom: 3)

        let tasks = ["3 vs 7", "10 classes"]
        var chart = GroupedBarChart(title: "Table 1 — \(title): accuracy under attack (bars: ours; black ticks: paper, MNIST CNN)",
                                    yLabel: "test accuracy (%)", groups: tasks.flatMap { t in columns.map { "\($0.name)\n\(t)" } })
        chart.width = 1200
        let colours = ["softmax": SVGPlot.palette[0], "softRmax": SVGPlot.palette[1]]
        for model in ["softmax", "softRmax"] {
            for loss in ["nll", "worst"] {
                let values = tasks.flatMap { t in rows.first { $0.task == t && $0.model == model && $0.loss == loss }!.attacks.map { 100 * $0 } }
                let refs = loss == "nll" ? tasks.flatMap { t in Array(paper[t]![model]!.dropFirst()) } : nil
                chart.series.append(.init(name: loss == "nll" ? "\(model), paper's NLL attack" : "\(model), worst of NLL / ce(z) / margin",
                                          color: colours[model]!, values: values, references: refs, hatched: loss == "worst"))
            }
        }
        chart.note = "black ticks: the paper's Table 1 (MNIST, 4-conv CNN)"
        try chart.write(to: folder.appendingPathComponent("table1.svg"))

        // The magnitude-margin ratios (§4.2.4, Fig. 6) of the same models, in brief.
        var ratioText = "\n## Magnitude-margin ratio R (Eq. 17) on correctly classified clean test images\n\n"
        var ratioRows: [[String]] = []
        for r in rows where r.loss == "worst" {
            guard let q = r.ratioQuartiles else { continue }
            ratioRows.append([r.task, r.model] + q.map { String(format: "%.4g", $0) })
        }
        ratioText += markdownTable(["task", "model", "R 25 %", "R median", "R 75 %"], ratioRows, alignRightFrom: 2)
        try writeCSV(header: ["task", "model", "ratio_q25", "ratio_median", "ratio_q75"], rows: ratioRows,
                     to: folder.appendingPathComponent("table1_ratios.csv"))
        try (md + ratioText).write(to: folder.appendingPathComponent("table1.md"), atomically: true, encoding: .utf8)
        return md + ratioText
    }

    /// Mean ± sd over seeds of every (task, model, loss) row, and of the median ratio R:
    /// writes table1_seeds.{md,csv} and returns the Markdown.
    /// - Parameter runs: one ``compute(source:network:attacks:seed:)`` result per seed, same layout.
    /// - Throws: the file system's errors.
    public static func writeSeeds(_ runs: [[Row]], seeds: [UInt64], attacks: Settings, title: String, settingsText: String,
                                  to folder: URL) throws -> String {
        let columns = attacks.columns, epsilons = attacks.epsilons
        let header = ["task", "model", "loss", "clean"] + columns.map(\.name) + epsilons.map { "every attack ε=\(SVGPlot.label($0)) (per sample)" }
        var md: [[String]] = [], csv: [[String]] = []
        for (i, r) in runs[0].enumerated() {
            let series: [[Double]] = [runs.map { $0[i].clean }] + columns.indices.map { c in runs.map { $0[i].attacks[c] } }
                + epsilons.indices.map { e in runs.compactMap { $0[i].perSampleWorst?[e] } }
            md.append([r.task, r.model, r.loss] + series.map { percentMeanSD($0, decimals: 1) })
            csv.append([r.task, r.model, r.loss] + series.map { percentMeanSD($0, decimals: 2) })
        }
        return try writeSeedsReport(
            "table1_seeds", heading: "Table 1 — \(title): \(meanSDOverSeeds(seeds)), accuracy (%)",
            note: "Each seed draws its own 80/20 split (on the shipped digits), initial weights and batch order; \(settingsText).",
            header: header, rows: md, csvRows: csv, alignRightFrom: 3, in: folder)
    }
}
