// fig6: histograms of the magnitude-margin ratio R (Wang & Loog 2022, §4.2.4, Eq. 17, Fig. 6).
//
// For every correctly classified test sample, with y its label and j = argmax_{i≠y} zᵢ:
//
//     M_z = z_y − z_j,   R = ‖∇ₓz_y − ∇ₓz_j‖₂ / M_z.
//
// R is invariant to a rescaling of z, so it compares softmax (unbounded logits) and softRmax
// (logits near the basis vectors e_k). The paper: "the model with softRmax has ratios R lower
// than softmax". Beside R this script reports the first-order L∞ distance to the boundary,
// ε₁ = M_z / ‖∇ₓ(z_y − z_j)‖₁ (the FGSM budget that flips the sample if z were linear), and
// the FGSM accuracy at ε = 0.1 (NLL and margin loss), so that R can be checked against what
// the attacks actually do.
//
//   swift run -c release fig6 [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E]
import ArgumentParser
import Foundation
import Polytail
import PolytailPlot

struct RatioSample {
    var label: [Double] = [], margin: [Double] = [], gradientNorm: [Double] = [], ratio: [Double] = [], firstOrderEpsilon: [Double] = []
    var index: [Int] = []
}

struct Fig6: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig6",
        abstract: "Regenerate Fig. 6 of Wang & Loog (2022): histograms of the magnitude-margin ratio R, softmax vs softRmax.")

    @Option(help: "Output folder.") var out = "Output/fig6"
    @Option(help: "Seed of the split and of the training.") var seed: UInt64 = 1
    @OptionGroup var digits: DigitsOptions
    @Option(help: "Tasks, comma separated: all (10 classes), 3v7.") var tasks = "all,3v7"
    @Option(help: "Histogram bins.") var bins = 40

    func validate() throws {
        guard bins >= 2 else { throw ValidationError("--bins must be at least 2") }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        func file(_ name: String) -> URL { outURL.appendingPathComponent(name) }
        let source = digits.source(seed: seed)
        let settings = digits.settings()
        progress("fig6: \(source.description); \(settings.description)")

        var md = "# Fig. 6: magnitude-margin ratio R = ‖∇ₓz_y − ∇ₓz_j‖₂ / (z_y − z_j) on correctly classified test samples\n\n"
        md += "Data: \(source.description). Model: \(settings.description). Seed \(seed).\n\n"
        var summaryRows: [[String]] = []
        var pairedRows: [[String]] = []
        var panels: [String] = []

        for task in try source.tasks(tasks.split(separator: ",").map(String.init)) {
            progress("task \(task.name): \(task.train.count) training, \(task.test.count) test images")
            let models = try trainPair(task, settings: settings, seed: seed)
            var samples: [String: RatioSample] = [:]
            for m in models {
                let x = task.test.images, y = task.test.labels
                let analysis = try MarginAnalysis.analyse(m.model, inputs: x, labels: y)
                let g = try m.model.inputGradients(of: .margin(labels: y), at: x)
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
                try writeCSV([("test_index", s.index.map(Double.init)), ("label", s.label), ("margin", s.margin),
                              ("gradient_norm", s.gradientNorm), ("ratio", s.ratio), ("first_order_linf_distance", s.firstOrderEpsilon)],
                             to: file("ratios_\(task.tag)_\(m.name).csv"))
                let fgsmNLL = try m.model.accuracy(Adversarial.fgsm(m.model, inputs: x, labels: y, epsilon: 0.1, loss: .nll), labels: y)
                let fgsmMargin = try m.model.accuracy(Adversarial.fgsm(m.model, inputs: x, labels: y, epsilon: 0.1, loss: .margin), labels: y)
                summaryRows.append([task.name, m.name, percent(m.testAccuracy), "\(s.ratio.count)",
                                    String(format: "%.3g", quantile(s.ratio, 0.5)),
                                    String(format: "%.3g – %.3g", quantile(s.ratio, 0.25), quantile(s.ratio, 0.75)),
                                    String(format: "%.3g", quantile(s.margin, 0.5)),
                                    String(format: "%.3g", quantile(s.gradientNorm, 0.5)),
                                    String(format: "%.3g", quantile(s.firstOrderEpsilon, 0.5)),
                                    percent(fgsmNLL), percent(fgsmMargin)])
            }

            // Paired comparison on the samples both models classify correctly.
            let soft = samples["softmax"]!, poly = samples["softRmax"]!
            let softBy = Dictionary(uniqueKeysWithValues: zip(soft.index, soft.ratio))
            let softEps = Dictionary(uniqueKeysWithValues: zip(soft.index, soft.firstOrderEpsilon))
            var lower = 0, common = 0, epsLarger = 0
            for (i, r) in poly.index.enumerated() {
                guard let other = softBy[r], let otherEps = softEps[r] else { continue }
                common += 1
                if poly.ratio[i] < other { lower += 1 }
                if poly.firstOrderEpsilon[i] > otherEps { epsLarger += 1 }
            }
            pairedRows.append([task.name, "\(common)", percent(Double(lower) / Double(max(common, 1))),
                               percent(Double(epsLarger) / Double(max(common, 1)))])

            // Histogram of log₁₀ R on common bins, as fractions of each model's correct samples.
            let logs = models.map { m in samples[m.name]!.ratio.map { log10($0) } }
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
                let median = quantile(samples[m.name]!.ratio, 0.5)
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
        print(md, terminator: "")
        progress("wrote \(outURL.path): fig6.svg, fig6_<task>.svg, histogram_<task>.csv, ratios_<task>_<model>.csv, fig6.md")
    }
}

Fig6.main()
