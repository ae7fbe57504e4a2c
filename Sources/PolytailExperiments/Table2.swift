import Foundation
import Polytail
import PolytailPlot

/// Table 2 of Wang & Loog (2022), §4.2.3: per-class accuracy of the softmax and softRmax
/// twins on the 10 digit classes, clean and under targeted attacks, each test image pushed
/// toward a seeded random target class t ≠ y:
///
/// - White: x′ = clip(x − ε sign ∇ₓJ(x, t)) (Eq. 2) on the model itself, with the paper's
///   NLL and the two adaptive losses;
/// - Black: the same on a **same-head substitute** (a softmax substitute for the softmax
///   model, a softRmax one for the softRmax model) trained on the model's predicted labels,
///   transferred (Papernot et al. 2017) — the paper's black box;
/// - Black (softmax substitute): the transfer from a softmax substitute, an extra column
///   (for the softmax model it is the same attack as Black); it counts only in the
///   "worst over every attack" line;
/// - Avg: x′ = clip(x + ε sign(Avg_t − Avg_y)) (Eq. 16, class means of the training images).
public enum Table2 {
    /// The paper's Table 2 (MNIST, CNN), per class 0–9: clean, white, black, avg; (softmax, softRmax).
    public static let paper: [(clean: (Double, Double), white: (Double, Double), black: (Double, Double), avg: (Double, Double))] = [
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

    /// The attack names of the tables.
    public static let white = "White nll"
    public static let black = "Black (same-head substitute)"
    public static let softmaxTransfer = "Black (softmax substitute)"
    public static let average = "Avg"
    /// The attacks of the paper's layout, in its order.
    public static let paperAttacks = [white, black, average]

    /// One attack's per-class and overall accuracy.
    public struct AttackResult: Sendable {
        public var name: String
        public var perClass: [Double]
        public var overall: Double
    }

    /// Per class and overall accuracy of one summary line (a worst case).
    public struct Line: Sendable {
        public var perClass: [Double]
        public var overall: Double
    }

    /// Everything Table 2 reports for one model at one ε.
    public struct ModelResult: Sendable {
        public var model: String
        public var clean: AttackResult
        /// White nll, White ce(z), White margin, Black (same-head), Black (softmax substitute), Avg.
        public var attacks: [AttackResult]
        /// Per class, the lowest accuracy over every attack except the softmax-substitute
        /// transfer (for the softRmax model); overall, the lowest overall accuracy.
        public var worst: Line
        /// The same over every attack, the softmax-substitute transfer included.
        public var worstOverEvery: Line
        /// Per class and overall: the share of samples that survive every attack.
        public var everyAttack: Line
        /// Substitute name → (agreement with the model on the attacker's pool, queries).
        public var substitutes: [String: (agreement: Double, queries: Int)]

        /// The attack of that name.
        public func attack(_ name: String) -> AttackResult? { attacks.first { $0.name == name } }
    }

    /// The attack settings of one table.
    public struct Settings: Sendable {
        /// ε levels (the paper does not state Table 2's ε; 0.3 is the level at which its
        /// softmax white-box figures of about 10 % are plausible).
        public var epsilons: [Double] = [0.3, 0.1]
        /// The attacks' clip range ([0, 1], or unbounded for the official code's attacks).
        public var clip: ClosedRange<Double> = 0...1
        /// How the substitutes are built (every training image, or Papernot's augmentation).
        public var substitute: SubstituteMethod = .full
        /// Substitute training epochs (default: the network's; per round for Papernot).
        public var substituteEpochs: Int?

        public init(epsilons: [Double] = [0.3, 0.1], clip: ClosedRange<Double> = 0...1,
                    substitute: SubstituteMethod = .full, substituteEpochs: Int? = nil) {
            self.epsilons = epsilons; self.clip = clip; self.substitute = substitute; self.substituteEpochs = substituteEpochs
        }

        /// A sentence for the reports.
        public func blackBoxText(trainingImages: Int, architecture: String) -> String {
            switch substitute {
            case .full:
                return "Black box: a substitute (\(architecture)) trained on the attacked model's predicted labels of the \(trainingImages) training images (\(trainingImages) queries), attacked white-box with its own NLL, adversarials transferred."
            case let .papernot(a):
                return "Black box: a substitute (\(architecture)) trained by Papernot et al.'s Jacobian-based augmentation from \(a.initialCount) training images, λ = \(a.lambda), \(a.augmentations) rounds (\(a.queryCount) queries), attacked white-box with its own NLL, adversarials transferred."
            }
        }
    }

    /// Trains the twins and their substitutes on `task` and runs every attack at every ε.
    /// Accuracies come from ``RobustnessSummary``; the transfers from
    /// ``Adversarial/blackBox(substitute:observations:labels:targets:epsilon:steps:loss:clip:)``.
    /// - Returns: one entry per ε: [softmax, softRmax] results.
    /// - Throws: training and attack errors.
    public static func compute(task: DigitsTask, network: NetworkSettings, attacks settings: Settings,
                               seed: UInt64) throws -> [(epsilon: Double, models: [ModelResult])] {
        let x = task.test.images, y = task.test.labels, k = task.classCount
        var targetGenerator = PolytailRandom(seed: seed)
        let targets = try Adversarial.randomTargets(labels: y, classCount: k, using: &targetGenerator)
        let means = try Adversarial.classMeans(task.train.images, labels: task.train.labels, classCount: k)
        let models = try fitTwins(task, settings: network, seed: seed)
        var substituteNetwork = network
        if let e = settings.substituteEpochs { substituteNetwork.epochs = e }

        // The substitutes: trained once per (model, substitute head), then attacked at every ε.
        func substitute(of model: Network, output: OutputLayer) throws -> Substitute<Network> {
            var generator = PolytailRandom(seed: seed &+ 1)
            return try Adversarial.substitute(of: model, pool: task.train.images, method: settings.substitute, using: &generator) { x, labels, _ in
                try substituteNetwork.fit(x, labels: labels, classCount: k, height: task.train.height, width: task.train.width,
                                          output: output, seed: seed &+ 1).model
            }
        }
        var substitutes: [(sameHead: Substitute<Network>, softmax: Substitute<Network>)] = []
        for trained in models {
            let same = try substitute(of: trained.network, output: trained.output)
            let soft = trained.output == .softmax ? same : try substitute(of: trained.network, output: .softmax)
            progress("  \(trained.name): same-head substitute agreement \(percent(same.agreement)) % (\(same.queryCount) queries), softmax substitute \(percent(soft.agreement)) %")
            substitutes.append((same, soft))
        }

        var computed: [(Double, [ModelResult])] = []
        for eps in settings.epsilons {
            progress("ε = \(SVGPlot.label(eps)):")
            var results: [ModelResult] = []
            for (m, trained) in models.enumerated() {
                let model = trained.network
                var named: [(name: String, adversarial: Matrix)] = []
                for loss in AttackLoss.allCases {
                    named.append(("White " + loss.tableName,
                                  try Adversarial.targeted(model, observations: x, targets: targets, epsilon: eps, loss: loss, clip: settings.clip)))
                }
                let same = try Adversarial.blackBox(substitute: substitutes[m].sameHead, observations: x, labels: y, targets: targets,
                                                    epsilon: eps, clip: settings.clip)
                named.append((black, same))
                named.append((softmaxTransfer, trained.output == .softmax ? same
                              : try Adversarial.blackBox(substitute: substitutes[m].softmax, observations: x, labels: y, targets: targets,
                                                         epsilon: eps, clip: settings.clip)))
                named.append((average, try Adversarial.averageSample(observations: x, labels: y, targets: targets, classMeans: means,
                                                                     epsilon: eps, clip: settings.clip)))
                let summary = try RobustnessSummary.evaluate(model, observations: x, labels: y, attacks: named)
                let attacks = try zip(named, summary.attacks).map { pair, result in
                    AttackResult(name: pair.name, perClass: try RobustnessSummary.perClassAccuracy(model, observations: pair.adversarial, labels: y),
                                 overall: result.accuracy)
                }
                let clean = AttackResult(name: "Clean", perClass: try RobustnessSummary.perClassAccuracy(model, observations: x, labels: y),
                                         overall: summary.clean)
                func worst(_ included: [AttackResult]) -> Line {
                    Line(perClass: (0..<k).map { c in included.map { $0.perClass[c] }.min()! }, overall: included.map(\.overall).min()!)
                }
                var survive = [Int](repeating: 0, count: k), totals = survive
                for (label, ok) in zip(y, summary.survivedEveryAttack) { totals[label] += 1; if ok { survive[label] += 1 } }
                let every = Line(perClass: zip(survive, totals).map { $1 > 0 ? Double($0) / Double($1) : .nan }, overall: summary.allAttacks)
                let result = ModelResult(
                    model: trained.name, clean: clean, attacks: attacks,
                    worst: worst(attacks.filter { $0.name != softmaxTransfer || trained.output == .softmax }),
                    worstOverEvery: worst(attacks), everyAttack: every,
                    substitutes: [black: (substitutes[m].sameHead.agreement, substitutes[m].sameHead.queryCount),
                                  softmaxTransfer: (substitutes[m].softmax.agreement, substitutes[m].softmax.queryCount)])
                progress("  \(trained.name): clean \(percent(clean.overall)); " + attacks.map { "\($0.name) \(percent($0.overall))" }.joined(separator: ", ")
                         + "; every attack \(percent(every.overall))")
                results.append(result)
            }
            computed.append((eps, results))
        }
        return computed
    }

    /// Writes table2.{csv,md} and table2_eps*.svg into `folder` and returns the Markdown.
    /// - Parameters:
    ///   - computed: the result of ``compute(task:network:attacks:seed:)``.
    ///   - task: the task (class digits and sizes).
    ///   - title: the data's name for the headings.
    ///   - header: the paragraph under the title.
    /// - Throws: the file system's errors.
    public static func write(_ computed: [(epsilon: Double, models: [ModelResult])], task: DigitsTask, title: String, header: String,
                             to folder: URL) throws -> String {
        let k = task.classCount
        var csvRows: [[String]] = []
        var markdown = "# Table 2 — \(title): per-class accuracy (%) under targeted attacks\n\n" + header + "\n"
        for (eps, results) in computed {
            for m in results {
                for a in [m.clean] + m.attacks {
                    csvRows.append([SVGPlot.label(eps), m.model, a.name] + a.perClass.map(percent) + [percent(a.overall)])
                }
                for (name, line) in [("worst attack", m.worst), ("worst over every attack", m.worstOverEvery), ("every attack (per sample)", m.everyAttack)] {
                    csvRows.append([SVGPlot.label(eps), m.model, name] + line.perClass.map(percent) + [percent(line.overall)])
                }
            }
            markdown += "\n## ε = \(SVGPlot.label(eps))\n\n" + paperLayout(results, k: k) + "\n" + fullTables(results, k: k)
            try GroupedBarChart.stacked(charts(results, epsilon: eps, name: title, k: k))
                .write(to: folder.appendingPathComponent("table2_eps\(SVGPlot.label(eps)).svg"), atomically: true, encoding: .utf8)
        }
        let csvHeader = ["epsilon", "model", "attack"] + (0..<k).map { "class \(task.digits[$0])" } + ["all"]
        try writeCSV(header: csvHeader, rows: csvRows, to: folder.appendingPathComponent("table2.csv"))
        try markdown.write(to: folder.appendingPathComponent("table2.md"), atomically: true, encoding: .utf8)
        return markdown
    }

    /// The paper's layout (Clean, White, Black, Avg × softmax/softRmax) with the paper's
    /// numbers beside ours; the worst of White/Black/Avg per model and class in bold.
    static func paperLayout(_ results: [ModelResult], k: Int) -> String {
        var header = ["class"]
        for block in ["Clean", "White", "Black", "Avg"] {
            header += ["\(block) softmax", "\(block) softRmax", "paper softmax", "paper softRmax"]
        }
        var rows: [[String]] = []
        for c in 0...k {
            let isAll = c == k
            var row = [isAll ? "all" : String(c)]
            let reference = isAll || c >= paper.count ? nil : paper[c]
            let referenceBlocks = reference.map { [$0.clean, $0.white, $0.black, $0.avg] }
            for (b, block) in (["Clean"] + paperAttacks).enumerated() {
                for m in results {
                    let attack = block == "Clean" ? m.clean : m.attack(block)!
                    let v = isAll ? attack.overall : attack.perClass[c]
                    let candidates = paperAttacks.map { m.attack($0)! }.map { isAll ? $0.overall : $0.perClass[c] }
                    let bold = block != "Clean" && v == candidates.min()
                    row.append(bold ? "**\(percent(v))**" : percent(v))
                }
                if let pb = referenceBlocks?[b], let p = reference {
                    let worstSoftmax = [p.white.0, p.black.0, p.avg.0].min()!
                    let worstOurs = [p.white.1, p.black.1, p.avg.1].min()!
                    row.append(b > 0 && pb.0 == worstSoftmax ? String(format: "**%.2f**", pb.0) : String(format: "%.2f", pb.0))
                    row.append(b > 0 && pb.1 == worstOurs ? String(format: "**%.2f**", pb.1) : String(format: "%.2f", pb.1))
                } else {
                    row += ["–", "–"]
                }
            }
            rows.append(row)
        }
        return "### The paper's layout (White = NLL loss, Black = same-head substitute; worst of the three attacks in bold; paper: MNIST, CNN)\n\n"
            + markdownTable(header, rows)
    }

    /// Per model: every attack, the worst per class in bold (over every attack but the
    /// softmax-substitute transfer), the worst attack's name, the worst over every attack
    /// and the per-sample "every attack" column.
    static func fullTables(_ results: [ModelResult], k: Int) -> String {
        var out = ""
        for m in results {
            let header = ["class", "Clean"] + m.attacks.map(\.name) + ["worst attack", "worst over every attack", "every attack (per sample)"]
            var rows: [[String]] = []
            for c in 0...k {
                let isAll = c == k
                let values = m.attacks.map { isAll ? $0.overall : $0.perClass[c] }
                let worst = isAll ? m.worst.overall : m.worst.perClass[c]
                let worstName = zip(m.attacks, values).first { $0.1 == worst && ($0.0.name != softmaxTransfer || m.model == "softmax") }!.0.name
                rows.append([isAll ? "all" : String(c), percent(isAll ? m.clean.overall : m.clean.perClass[c])]
                            + zip(m.attacks, values).map { attack, v in
                                let counted = attack.name != softmaxTransfer || m.model == "softmax"
                                return counted && v == worst ? "**\(percent(v))**" : percent(v)
                            }
                            + [worstName, percent(isAll ? m.worstOverEvery.overall : m.worstOverEvery.perClass[c]),
                               percent(isAll ? m.everyAttack.overall : m.everyAttack.perClass[c])])
            }
            let agreement = m.substitutes.sorted { $0.key < $1.key }
                .map { "\($0.key): \(String(format: "%.1f", 100 * $0.value.agreement)) % (\($0.value.queries) queries)" }.joined(separator: "; ")
            out += "\n### \(m.model): every attack (worst per class in bold; \"worst over every attack\" includes the softmax-substitute transfer)\n\n"
                + markdownTable(header, rows)
                + "\nSubstitute agreement with the \(m.model) model on the training images — \(agreement).\n"
        }
        return out
    }

    /// Grouped bars per class for each model: clean, the paper's three attacks, the softmax
    /// transfer and the worst over every attack; the paper's numbers as black ticks.
    static func charts(_ results: [ModelResult], epsilon eps: Double, name: String, k: Int) -> [GroupedBarChart] {
        results.map { m in
            var chart = GroupedBarChart(title: "Table 2 — \(name), \(m.model), targeted attacks at ε = \(SVGPlot.label(eps)) (black ticks: paper, MNIST CNN)",
                                        yLabel: "accuracy (%)", groups: (0..<k).map { "class \($0)" } + ["all"])
            chart.width = 1100
            let ours = m.model == "softRmax"
            func paperValues(_ pick: (Int) -> (Double, Double)) -> [Double] {
                (0..<k).map { $0 < paper.count ? (ours ? pick($0).1 : pick($0).0) : .nan } + [.nan]
            }
            func values(_ a: AttackResult) -> [Double] { a.perClass.map { 100 * $0 } + [100 * a.overall] }
            chart.series.append(.init(name: "Clean", color: "#7f7f7f", values: values(m.clean), references: paperValues { paper[$0].clean }))
            chart.series.append(.init(name: "White (paper's NLL)", color: SVGPlot.palette[0],
                                      values: values(m.attack(white)!), references: paperValues { paper[$0].white }))
            chart.series.append(.init(name: black, color: SVGPlot.palette[2],
                                      values: values(m.attack(black)!), references: paperValues { paper[$0].black }))
            chart.series.append(.init(name: "Avg (Eq. 16)", color: SVGPlot.palette[3],
                                      values: values(m.attack(average)!), references: paperValues { paper[$0].avg }))
            if ours {
                chart.series.append(.init(name: softmaxTransfer + ", extra", color: SVGPlot.palette[4], values: values(m.attack(softmaxTransfer)!), hatched: true))
            }
            chart.series.append(.init(name: "worst over every attack (incl. adaptive losses)", color: SVGPlot.palette[1],
                                      values: m.worstOverEvery.perClass.map { 100 * $0 } + [100 * m.worstOverEvery.overall], hatched: true))
            return chart
        }
    }

    /// Mean ± sd over seeds of the overall accuracy of every (ε, model, attack) and of the
    /// worst-case lines: writes table2_seeds.{md,csv} and returns the Markdown.
    /// - Throws: the file system's errors.
    public static func writeSeeds(_ runs: [[(epsilon: Double, models: [ModelResult])]], seeds: [UInt64], title: String,
                                  settingsText: String, to folder: URL) throws -> String {
        let first = runs[0]
        let attackNames = ["Clean"] + first[0].models[0].attacks.map(\.name)
        let lines: [(String, (ModelResult) -> Double)] = [
            ("worst attack (same-head Black)", { $0.worst.overall }),
            ("worst over every attack (incl. softmax-substitute transfer)", { $0.worstOverEvery.overall }),
            ("every attack (per sample)", { $0.everyAttack.overall }),
        ]
        var header = ["ε", "attack"]
        for m in first[0].models { header.append(m.model) }
        var rows: [[String]] = []
        for (e, entry) in first.enumerated() {
            for (a, attack) in attackNames.enumerated() {
                var row = [SVGPlot.label(entry.epsilon), attack]
                for mi in entry.models.indices {
                    row.append(percentMeanSD(runs.map { run in
                        let m = run[e].models[mi]
                        return a == 0 ? m.clean.overall : m.attacks[a - 1].overall
                    }))
                }
                rows.append(row)
            }
            for (name, value) in lines {
                rows.append([SVGPlot.label(entry.epsilon), name] + entry.models.indices.map { mi in percentMeanSD(runs.map { value($0[e].models[mi]) }) })
            }
        }
        return try writeSeedsReport(
            "table2_seeds", heading: "Table 2 — \(title): overall accuracy (%) under targeted attacks, \(meanSDOverSeeds(seeds))",
            note: "Each seed draws its own split, networks, substitutes and targets; \(settingsText).",
            header: header, rows: rows, alignRightFrom: 2, in: folder)
    }
}
