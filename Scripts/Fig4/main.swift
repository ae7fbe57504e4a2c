// fig4: posterior of the predicted class for misclassified test samples under FGSM at
// increasing ε (Wang & Loog 2022, §4.1.2, Fig. 4; there on MNIST, up to ε = 100).
//
// FGSM (Eq. 1): x′ = x + ε sign ∇ₓJ(x, y). The paper's ε = 100 is far beyond the pixel range,
// so its attack cannot have clipped to [0, 1] (a clipped FGSM is the same for every ε ≥ 1).
// The figure is therefore made without clipping; the clipped attack is reported beside it in
// the table. The paper: with softmax, "under large scale attacks with ε = 100, all samples are
// misclassified with a posterior of 1"; softRmax "leads to posteriors around random-guess
// level" (1/k).
//
//   swift run -c release fig4 [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E]
import ArgumentParser
import Foundation
import Polytail
import PolytailPlot

extension AttackLoss {
    var label: String {
        switch self {
        case .nll: return "NLL"
        case .crossEntropyOnLogits: return "CE on z"
        case .margin: return "margin"
        }
    }
}

struct Cell {
    var model: String, epsilon: Double, loss: AttackLoss, clipped: Bool
    var accuracy: Double
    /// The predicted-class posterior max_i ζ_i(z(x′)) of every misclassified sample.
    var posteriors: [Double]
}

struct Fig4: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig4",
        abstract: "Regenerate Fig. 4 of Wang & Loog (2022): predicted-class posteriors of misclassified samples under FGSM, softmax vs softRmax.")

    @Option(help: "Output folder.") var out = "Output/fig4"
    @Option(help: "Seed of the split and of the training.") var seed: UInt64 = 1
    @OptionGroup var digits: DigitsOptions
    @Option(help: "Task: all (10 classes) or 3v7.") var task = "all"
    @Option(help: "FGSM budgets ε, comma separated (0 = clean).") var epsilons = "0,0.01,0.03,0.1,0.3,1,3,10,100"
    @Option(help: "Histogram bins on [0, 1].") var bins = 20

    var epsilonList: [Double] { epsilons.split(separator: ",").compactMap { Double($0) } }

    func validate() throws {
        guard !epsilonList.isEmpty, epsilonList.count == epsilons.split(separator: ",").count,
              epsilonList.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw ValidationError("--epsilons must be non-negative numbers") }
        guard bins >= 2 else { throw ValidationError("--bins must be at least 2") }
        guard ["all", "3v7"].contains(task) else { throw ValidationError("--task must be all or 3v7") }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        func file(_ name: String) -> URL { outURL.appendingPathComponent(name) }
        let source = digits.source(seed: seed)
        let settings = digits.settings()
        progress("fig4: \(source.description); \(settings.description)")
        let job = try source.tasks([task])[0]
        let x = job.test.images, y = job.test.labels
        progress("task \(job.name): \(job.train.count) training, \(job.test.count) test images")
        let models = try trainPair(job, settings: settings, seed: seed)
        let eps = epsilonList.sorted()

        var cells: [Cell] = []
        for m in models {
            for clipped in [false, true] {
                for loss in AttackLoss.allCases {
                    for e in eps {
                        let adv = try Adversarial.fgsm(m.model, inputs: x, labels: y, epsilon: e, loss: loss,
                                                       clip: clipped ? 0...1 : -Double.infinity...Double.infinity)
                        let p = try m.model.posteriors(adv)
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
            progress("  \(m.name): FGSM at \(eps.count) budgets × 3 losses × clipped/unclipped done")
        }

        // Per-sample CSV (long format) and a summary CSV.
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
            plot.referenceLines.append(SVGPlot.ReferenceLine(x: 1 / Double(job.classes), name: "1/k"))
            panels.append(plot.render())
        }
        try SVGGrid(title: "Fig. 4: predicted-class posterior of misclassified test samples under FGSM — each panel has its own count axis (\(job.name), \(!digits.isMNIST ? "UCI digits" : "MNIST"))",
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
                    plot.series.append(SVGPlot.Series(name: "\(m.name), \(loss.label)\(clipped ? ", clipped" : "")",
                                                      x: cs.map(\.epsilon), y: cs.map { mean($0.posteriors) },
                                                      color: shades[m.name]![li], dashed: clipped || loss != .nll))
                }
            }
        }
        plot.series.append(SVGPlot.Series(name: "1/k", x: eps.filter { $0 > 0 }, y: eps.filter { $0 > 0 }.map { _ in 1 / Double(job.classes) },
                                          color: "#777777", dashed: true))
        try plot.write(to: file("fig4_mean_posterior.svg"))

        // Markdown.
        var md = "# Fig. 4: predicted-class posterior of misclassified test samples under FGSM, \(job.name)\n\n"
        md += "Data: \(source.description). Model: \(settings.description). Seed \(seed). \(job.test.count) test samples; random guess 1/k = \(SVGPlot.label(1 / Double(job.classes))).\n\n"
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
                    var row = [m.name, loss.label, clipped ? "[0, 1]" : "none"]
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
        print(md, terminator: "")
        progress("wrote \(outURL.path): fig4_histograms.svg, fig4_mean_posterior.svg, misclassified_posteriors.csv, summary.csv, fig4.md")
    }
}

Fig4.main()
