import Foundation
import Polytail
import PolytailPlot

/// Fig. 4 of Wang & Loog (2022), §4.1.2: the posterior of the predicted class for the
/// misclassified test samples under FGSM at increasing ε, softmax vs softRmax.
///
/// The paper's ε = 100 is far beyond the pixel range, so its attack cannot have clipped to
/// [0, 1] (a clipped FGSM is the same for every ε ≥ 1); the official code does not clip. The
/// figure is made without clipping; the clipped attack is reported beside it.
public enum Fig4 {
    /// One (model, ε, loss, clipping) cell.
    public struct Cell: Sendable {
        public var model: String, epsilon: Double, loss: AttackLoss, clipped: Bool
        public var accuracy: Double
        /// The predicted-class posterior max_i ζ_i(z(x′)) of every misclassified sample.
        public var posteriors: [Double]
    }

    /// FGSM at every ε, every loss, clipped and not, on both twins.
    /// - Parameters:
    ///   - models: the twins (``fitTwins(_:settings:seed:)``).
    ///   - task: the test images.
    ///   - epsilons: the FGSM budgets (0 = clean), ascending.
    /// - Throws: attack errors.
    public static func compute(models: [TrainedModel], task: DigitsTask, epsilons: [Double]) throws -> [Cell] {
        let x = task.test.images, y = task.test.labels
        var cells: [Cell] = []
        for m in models {
            for clipped in [false, true] {
                for loss in AttackLoss.allCases {
                    for e in epsilons {
                        let adv = try Adversarial.fgsm(m.network, observations: x, labels: y, epsilon: e, loss: loss,
                                                       clip: clipped ? 0...1 : -Double.infinity...Double.infinity)
                        let p = try m.network.posteriors(adv)
                        var wrong: [Double] = []
                        for r in 0..<p.rows {
                            var best = 0
                            for c in 1..<p.columns where p[r, c] > p[r, best] { best = c }
                            if best != y[r] { wrong.append(p[r, best]) }
                        }
                        cells.append(Cell(model: m.name, epsilon: e, loss: loss, clipped: clipped,
                                          accuracy: 1 - Double(wrong.count) / Double(p.rows), posteriors: wrong))
                    }
                }
            }
            progress("  \(m.name): FGSM at \(epsilons.count) budgets × 3 losses × clipped/unclipped done")
        }
        return cells
    }

    /// Writes misclassified_posteriors.csv, summary.csv, fig4_histograms.svg,
    /// fig4_mean_posterior.svg and fig4.md; returns the Markdown.
    /// - Parameters:
    ///   - bins: histogram bins on [0, 1].
    ///   - dataName: "UCI digits" or "MNIST", for the titles.
    ///   - header: the sentence on data, model and seed under the title.
    /// - Throws: the file system's errors.
    public static func write(_ cells: [Cell], models: [TrainedModel], task: DigitsTask, epsilons eps: [Double], bins: Int,
                             dataName: String, header: String, to folder: URL) throws -> String {
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        var long = "model,epsilon,loss,clipped,posterior\n"
        var summary = "model,epsilon,loss,clipped,accuracy,misclassified,mean_posterior,median_posterior,q25,q75\n"
        for c in cells {
            for p in c.posteriors { long += "\(c.model),\(c.epsilon),\(c.loss.rawValue),\(c.clipped),\(p)\n" }
            summary += "\(c.model),\(c.epsilon),\(c.loss.rawValue),\(c.clipped),\(c.accuracy),\(c.posteriors.count),\(mean(c.posteriors)),\(quantile(c.posteriors, 0.5)),\(quantile(c.posteriors, 0.25)),\(quantile(c.posteriors, 0.75))\n"
        }
        try long.write(to: file("misclassified_posteriors.csv"), atomically: true, encoding: .utf8)
        try summary.write(to: file("summary.csv"), atomically: true, encoding: .utf8)

        // (a) Histograms per ε (unclipped, NLL), softmax vs softRmax, as in the paper.
        let edges = binEdges(0, 1, bins: bins)
        var panels: [String] = []
        for e in eps where e > 0 {
            var plot = SVGPlot(title: "FGSM ε = \(SVGPlot.label(e)) (unclipped, NLL)", xLabel: "posterior of the predicted class",
                               yLabel: "misclassified samples")
            plot.xRange = 0...1
            plot.width = 420; plot.height = 320
            for (k, m) in models.enumerated() {
                guard let c = cells.first(where: { $0.model == m.name && $0.epsilon == e && $0.loss == .nll && !$0.clipped }) else { continue }
                plot.bars.append(SVGPlot.Bars(edges: edges, heights: histogram(c.posteriors, edges: edges), color: SVGPlot.palette[k],
                                              name: "\(m.name): \(c.posteriors.count)"))
            }
            plot.referenceLines.append(SVGPlot.ReferenceLine(x: 1 / Double(task.classCount), name: "1/k"))
            panels.append(plot.render())
        }
        try SVGGrid(title: "Fig. 4: predicted-class posterior of misclassified test samples under FGSM — each panel has its own count axis (\(task.name), \(dataName))",
                    panels: panels, columns: 4, panelWidth: 420, panelHeight: 320).write(to: file("fig4_histograms.svg"))

        // (b) Mean posterior of misclassified samples against ε, every loss, clipped and not.
        var plot = SVGPlot(title: "Mean predicted-class posterior of misclassified samples (FGSM)", xLabel: "ε (log scale)",
                           yLabel: "mean posterior")
        plot.logX = true
        plot.yRange = 0...1
        plot.legendColumns = 2
        plot.height = 480
        let shades = ["softmax": ["#1f77b4", "#6baed6", "#08306b"], "softRmax": ["#d62728", "#fc9272", "#67000d"]]
        for m in models {
            for (li, loss) in AttackLoss.allCases.enumerated() {
                for clipped in [false, true] where loss == .nll || !clipped {
                    let cs = cells.filter { $0.model == m.name && $0.loss == loss && $0.clipped == clipped && $0.epsilon > 0 }
                    plot.series.append(SVGPlot.Series(name: "\(m.name), \(loss.figureName)\(clipped ? ", clipped" : "")",
                                                      x: cs.map(\.epsilon), y: cs.map { mean($0.posteriors) },
                                                      color: shades[m.name]![li], dashed: clipped || loss != .nll))
                }
            }
        }
        plot.series.append(SVGPlot.Series(name: "1/k", x: eps.filter { $0 > 0 }, y: eps.filter { $0 > 0 }.map { _ in 1 / Double(task.classCount) },
                                          color: "#777777", dashed: true))
        try plot.write(to: file("fig4_mean_posterior.svg"))

        var md = "# Fig. 4: predicted-class posterior of misclassified test samples under FGSM, \(task.name)\n\n"
        md += "\(header) \(task.test.count) test samples; random guess 1/k = \(SVGPlot.label(1 / Double(task.classCount))).\n\n"
        md += "Paper's attack (NLL loss), not clipped to the pixel range:\n\n"
        var rows: [[String]] = []
        for e in eps {
            var row = [SVGPlot.label(e)]
            for m in models {
                let c = cells.first { $0.model == m.name && $0.epsilon == e && $0.loss == .nll && !$0.clipped }!
                row += ["\(c.posteriors.count)", String(format: "%.3f", mean(c.posteriors)),
                        String(format: "%.3f – %.3f", quantile(c.posteriors, 0.25), quantile(c.posteriors, 0.75))]
            }
            rows.append(row)
        }
        md += markdownTable(["ε"] + models.flatMap { ["\($0.name) misclassified", "mean p", "p quartiles"] }, rows)
        md += "\nMean predicted-class posterior of the misclassified samples (number misclassified), every loss, clipped or not:\n\n"
        var rows2: [[String]] = []
        for m in models {
            for clipped in [false, true] {
                for loss in AttackLoss.allCases {
                    var row = [m.name, loss.figureName, clipped ? "[0, 1]" : "none"]
                    for e in eps where e > 0 {
                        let c = cells.first { $0.model == m.name && $0.epsilon == e && $0.loss == loss && $0.clipped == clipped }!
                        row.append(String(format: "%.2f (%d)", mean(c.posteriors), c.posteriors.count))
                    }
                    rows2.append(row)
                }
            }
        }
        md += markdownTable(["model", "loss", "clip"] + eps.filter { $0 > 0 }.map { "ε=\(SVGPlot.label($0))" }, rows2, alignRightFrom: 3)
        try md.write(to: file("fig4.md"), atomically: true, encoding: .utf8)
        return md
    }

    /// Mean ± sd over seeds of the mean predicted-class posterior of the misclassified
    /// samples and of the accuracy, per (model, loss, clipping) and ε > 0: writes
    /// fig4_seeds.{md,csv} and returns the Markdown.
    /// - Parameter runs: one ``compute(models:task:epsilons:)`` result per seed, same layout.
    /// - Throws: the file system's errors.
    public static func writeSeeds(_ runs: [[Cell]], seeds: [UInt64], epsilons: [Double], title: String, settingsText: String,
                                  to folder: URL) throws -> String {
        let eps = epsilons.filter { $0 > 0 }
        var rows: [[String]] = []
        for model in ["softmax", "softRmax"] {
            for clipped in [false, true] {
                for loss in AttackLoss.allCases {
                    var row = [model, loss.figureName, clipped ? "[0, 1]" : "none"]
                    for e in eps {
                        let cells = runs.compactMap { $0.first { $0.model == model && $0.epsilon == e && $0.loss == loss && $0.clipped == clipped } }
                        let p = meanAndStandardDeviation(cells.map { mean($0.posteriors) })
                        row.append(String(format: "%.2f ± %.2f (%@)", p.mean, p.sd, percentMeanSD(cells.map(\.accuracy), decimals: 1)))
                    }
                    rows.append(row)
                }
            }
        }
        let header = ["model", "loss", "clip"] + eps.map { "ε=\(SVGPlot.label($0))" }
        return try writeSeedsReport(
            "fig4_seeds",
            heading: "Fig. 4 — \(title): mean predicted-class posterior of the misclassified test samples under FGSM, \(meanSDOverSeeds(seeds)); accuracy (%) in brackets",
            note: "Each seed draws its own split (on the shipped digits), initial weights and batch order; \(settingsText).",
            header: header, rows: rows, alignRightFrom: 3, in: folder)
    }
}
