import Foundation
import Polytail
import PolytailPlot

/// Fig. 6 of Wang & Loog (2022), §4.2.4: histograms of the magnitude-margin ratio
///
///     M_z = z_y − z_j,   R = ‖∇ₓz_y − ∇ₓz_j‖₂ / M_z     (Eq. 17, j = argmax_{i≠y} zᵢ)
///
/// over the correctly classified test samples, softmax vs softRmax. R is invariant to a
/// rescaling of z, so it compares softmax (unbounded logits) and softRmax (logits near the
/// basis vectors). Beside R: the first-order L∞ distance to the boundary
/// ε₁ = M_z / ‖∇ₓ(z_y − z_j)‖₁ (the FGSM budget that flips the sample if z were linear), and
/// the FGSM accuracy at ε = 0.1 with the NLL and the margin loss.
public enum Fig6 {
    /// The correctly classified test samples of one model.
    public struct RatioSample: Sendable {
        public var label: [Double] = [], margin: [Double] = [], gradientNorm: [Double] = [], ratio: [Double] = []
        public var firstOrderEpsilon: [Double] = []
        public var index: [Int] = []
    }

    /// What one task contributes to the report.
    public struct TaskResult: Sendable {
        public var task: DigitsTask
        public var models: [TrainedModel]
        public var samples: [String: RatioSample]
        /// FGSM ε = 0.1 accuracy per model: (NLL, margin loss).
        public var fgsm: [String: (nll: Double, margin: Double)]
    }

    /// Margins, ratios and FGSM accuracies of both twins on the test images of `task`.
    /// - Parameter clip: the FGSM clip range.
    /// - Throws: attack and margin errors.
    public static func compute(task: DigitsTask, models: [TrainedModel], clip: ClosedRange<Double> = 0...1) throws -> TaskResult {
        var samples: [String: RatioSample] = [:]
        var fgsm: [String: (nll: Double, margin: Double)] = [:]
        let x = task.test.images, y = task.test.labels
        for m in models {
            let analysis = try MarginAnalysis.evaluate(m.network, observations: x, labels: y)
            let g = try m.network.inputGradients(of: .margin(labels: y), at: x)
            var s = RatioSample()
            for r in 0..<x.rows where analysis.margins[r] > 0 {
                var l1 = 0.0
                for c in 0..<g.columns { l1 += abs(g.elements[r * g.columns + c]) }
                s.index.append(r)
                s.label.append(Double(y[r]))
                s.margin.append(analysis.margins[r])
                s.gradientNorm.append(analysis.gradientNorms[r])
                s.ratio.append(analysis.ratios[r])
                s.firstOrderEpsilon.append(analysis.margins[r] / l1)
            }
            samples[m.name] = s
            fgsm[m.name] = (try m.network.accuracy(Adversarial.fgsm(m.network, observations: x, labels: y, epsilon: 0.1, loss: .nll, clip: clip), labels: y),
                            try m.network.accuracy(Adversarial.fgsm(m.network, observations: x, labels: y, epsilon: 0.1, loss: .margin, clip: clip), labels: y))
        }
        return TaskResult(task: task, models: models, samples: samples, fgsm: fgsm)
    }

    /// Writes ratios_<task>_<model>.csv, histogram_<task>.csv, fig6_<task>.svg, fig6.svg and
    /// fig6.md; returns the Markdown.
    /// - Parameters:
    ///   - bins: histogram bins of log₁₀ R.
    ///   - header: the sentence on data, model and seed under the title.
    /// - Throws: the file system's errors.
    public static func write(_ results: [TaskResult], bins: Int, header: String, to folder: URL) throws -> String {
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        var md = "# Fig. 6: magnitude-margin ratio R = ‖∇ₓz_y − ∇ₓz_j‖₂ / (z_y − z_j) on correctly classified test samples\n\n"
        md += header + "\n\n"
        var summaryRows: [[String]] = [], pairedRows: [[String]] = [], panels: [String] = []
        for result in results {
            let task = result.task, models = result.models
            for m in models {
                let s = result.samples[m.name]!
                try writeCSV([("test_index", s.index.map(Double.init)), ("label", s.label), ("margin", s.margin),
                              ("gradient_norm", s.gradientNorm), ("ratio", s.ratio), ("first_order_linf_distance", s.firstOrderEpsilon)],
                             to: file("ratios_\(task.tag)_\(m.name).csv"))
                let f = result.fgsm[m.name]!
                summaryRows.append([task.name, m.name, percent(m.testAccuracy), "\(s.ratio.count)",
                                    String(format: "%.3g", quantile(s.ratio, 0.5)),
                                    String(format: "%.3g – %.3g", quantile(s.ratio, 0.25), quantile(s.ratio, 0.75)),
                                    String(format: "%.3g", quantile(s.margin, 0.5)),
                                    String(format: "%.3g", quantile(s.gradientNorm, 0.5)),
                                    String(format: "%.3g", quantile(s.firstOrderEpsilon, 0.5)),
                                    percent(f.nll), percent(f.margin)])
            }
            let paired = pairedComparison(softmax: result.samples["softmax"]!, softRmax: result.samples["softRmax"]!)
            pairedRows.append([task.name, "\(paired.common)", percent(paired.lowerRatio), percent(paired.largerEpsilon)])

            // Histogram of log₁₀ R on common bins, as fractions of each model's correct samples.
            let logs = models.map { m in result.samples[m.name]!.ratio.map { log10($0) } }
            let all = logs.flatMap { $0 }.filter(\.isFinite)
            let lo = floor((all.min() ?? -1) * 4) / 4, hi = ceil((all.max() ?? 1) * 4) / 4
            let edges = binEdges(lo, hi, bins: bins)
            var plot = SVGPlot(title: "Fig. 6 (\(task.name)): magnitude-margin ratio R, correct test samples",
                               xLabel: "R (log scale)", yLabel: "fraction of samples")
            plot.logX = true
            var columns: [(String, [Double])] = [("bin_lower", edges.dropLast().map { pow(10, $0) }),
                                                 ("bin_upper", edges.dropFirst().map { pow(10, $0) })]
            var top = 0.0
            for (k, m) in models.enumerated() {
                let h = histogram(logs[k], edges: edges, normalise: true)
                top = max(top, h.max() ?? 0)
                columns.append((m.name, h))
                plot.bars.append(SVGPlot.Bars(edges: edges.map { pow(10, $0) }, heights: h, color: SVGPlot.palette[k],
                                              name: "\(m.name) (n = \(logs[k].count))"))
            }
            for (k, m) in models.enumerated() {
                let median = quantile(result.samples[m.name]!.ratio, 0.5)
                plot.series.append(SVGPlot.Series(name: "median \(m.name) = \(String(format: "%.3g", median))",
                                                  x: [median, median], y: [0, top * 1.05], color: SVGPlot.palette[k], dashed: true))
            }
            try writeCSV(columns, to: file("histogram_\(task.tag).csv"))
            try plot.write(to: file("fig6_\(task.tag).svg"))
            panels.append(plot.render())
        }
        try SVGGrid(panels: panels, columns: panels.count, panelWidth: 640, panelHeight: 420).write(to: file("fig6.svg"))
        md += markdownTable(["task", "model", "clean acc %", "correct n", "median R", "R quartiles", "median M_z",
                             "median ‖∇M_z‖₂", "median ε₁ = M_z/‖∇M_z‖₁", "FGSM ε=0.1 NLL acc %", "FGSM ε=0.1 margin-loss acc %"],
                            summaryRows, alignRightFrom: 2)
        md += "\nPaired, on test samples both models classify correctly:\n\n"
        md += markdownTable(["task", "samples", "R(softRmax) < R(softmax), %", "ε₁(softRmax) > ε₁(softmax), %"], pairedRows)
        try md.write(to: file("fig6.md"), atomically: true, encoding: .utf8)
        return md
    }

    /// On the test samples both models classify correctly: their number, the share where
    /// softRmax's R is lower, and the share where its ε₁ is larger.
    public static func pairedComparison(softmax soft: RatioSample, softRmax poly: RatioSample)
        -> (common: Int, lowerRatio: Double, largerEpsilon: Double) {
        let softBy = Dictionary(uniqueKeysWithValues: zip(soft.index, soft.ratio))
        let softEps = Dictionary(uniqueKeysWithValues: zip(soft.index, soft.firstOrderEpsilon))
        var lower = 0, common = 0, epsLarger = 0
        for (i, r) in poly.index.enumerated() {
            guard let other = softBy[r], let otherEps = softEps[r] else { continue }
            common += 1
            if poly.ratio[i] < other { lower += 1 }
            if poly.firstOrderEpsilon[i] > otherEps { epsLarger += 1 }
        }
        return (common, Double(lower) / Double(max(common, 1)), Double(epsLarger) / Double(max(common, 1)))
    }

    /// Mean ± sd over seeds, per task and model: clean accuracy, median R, median ε₁, FGSM
    /// ε = 0.1 accuracies, and the paired share of samples where softRmax's R is lower:
    /// writes fig6_seeds.{md,csv} and returns the Markdown.
    /// - Parameter runs: per seed, the ``compute(task:models:clip:)`` results of every task.
    /// - Throws: the file system's errors.
    public static func writeSeeds(_ runs: [[TaskResult]], seeds: [UInt64], title: String, settingsText: String,
                                  to folder: URL) throws -> String {
        var rows: [[String]] = []
        for (t, first) in runs[0].enumerated() {
            for m in first.models {
                let results = runs.map { $0[t] }
                let samples = results.map { $0.samples[m.name]! }
                func cell(_ values: [Double], _ format: String = "%.3g ± %.2g") -> String {
                    let (mu, sd) = meanAndStandardDeviation(values)
                    return String(format: format, mu, sd)
                }
                let paired = results.map { pairedComparison(softmax: $0.samples["softmax"]!, softRmax: $0.samples["softRmax"]!) }
                rows.append([first.task.name, m.name,
                             percentMeanSD(results.map { r in r.models.first { $0.name == m.name }!.testAccuracy }),
                             cell(samples.map { median($0.ratio) }), cell(samples.map { median($0.margin) }),
                             cell(samples.map { median($0.firstOrderEpsilon) }),
                             percentMeanSD(results.map { $0.fgsm[m.name]!.nll }), percentMeanSD(results.map { $0.fgsm[m.name]!.margin }),
                             m.name == "softRmax" ? percentMeanSD(paired.map(\.lowerRatio)) : "–",
                             m.name == "softRmax" ? "\(paired.filter { $0.lowerRatio > 0.5 }.count) of \(paired.count)" : "–"])
            }
        }
        let header = ["task", "model", "clean acc %", "median R", "median M_z", "median ε₁", "FGSM ε=0.1 NLL acc %",
                      "FGSM ε=0.1 margin-loss acc %", "R(softRmax) < R(softmax), % of common samples", "seeds with softRmax's R lower on most samples"]
        return try writeSeedsReport(
            "fig6_seeds", heading: "Fig. 6 — \(title): magnitude-margin ratios, \(meanSDOverSeeds(seeds))",
            note: "Each seed draws its own split (on the shipped digits), initial weights and batch order; \(settingsText).",
            header: header, rows: rows, alignRightFrom: 2, in: folder)
    }
}
