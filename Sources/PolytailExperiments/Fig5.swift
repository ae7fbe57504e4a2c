import Foundation
import Polytail
import PolytailPlot

/// Fig. 5 of Wang & Loog (2022), §4.2.2: BIM accuracy against the number of iterations, the
/// gradient-obfuscation check (there on CIFAR10, ε ∈ {0.1, 0.3}).
///
/// BIM (Eq. 3): x′_{t+1} = Π(x′_t + α sign ∇ₓJ(x′_t, y)), Π the projection onto the ε-ball ∩
/// the clip range. Two schedules: (a) α = ε/T, one attack per T of the grid (the paper's BIM
/// with T iterations); (b) a fixed step α = ε/10, the accuracy recorded after every step of
/// one run. If softRmax's robustness came from masked gradients, its accuracy would keep
/// falling as T grows, or an adaptive loss would break it where the NLL does not.
public enum Fig5 {
    /// One accuracy curve.
    public struct Curve: Sendable {
        public var model: String, epsilon: Double, loss: AttackLoss
        /// "eps/T" or "eps/10".
        public var schedule: String
        public var steps: [Int], accuracy: [Double]
    }

    /// Both schedules for every model, ε and loss.
    /// - Parameters:
    ///   - grid: the iteration counts T of schedule (a), ascending.
    ///   - fixedSteps: the steps of the fixed-step run (b).
    ///   - clip: the attacks' clip range.
    /// - Throws: attack errors.
    public static func compute(models: [TrainedModel], task: DigitsTask, epsilons: [Double], losses: [AttackLoss],
                               grid: [Int], fixedSteps: Int, clip: ClosedRange<Double> = 0...1) throws -> [Curve] {
        let x = task.test.images, y = task.test.labels
        var curves: [Curve] = []
        let start = Date()
        for m in models {
            for eps in epsilons {
                for loss in losses {
                    var acc: [Double] = []
                    for t in grid {
                        let adv = try Adversarial.bim(m.network, observations: x, labels: y, epsilon: eps, steps: t, loss: loss, clip: clip)
                        acc.append(try m.network.accuracy(adv, labels: y))
                    }
                    curves.append(Curve(model: m.name, epsilon: eps, loss: loss, schedule: "eps/T", steps: grid, accuracy: acc))
                    // The observer cannot throw: an accuracy that fails is kept and thrown after the run.
                    var fixed: [Double] = [], failure: PolytailError?
                    _ = try Adversarial.bim(m.network, observations: x, labels: y, epsilon: eps, steps: fixedSteps, stepSize: eps / 10,
                                            loss: loss, clip: clip) { _, adv in
                        do throws(PolytailError) { fixed.append(try m.network.accuracy(adv, labels: y)) } catch { failure = failure ?? error }
                    }
                    if let failure { throw failure }
                    guard let lastFixed = fixed.last else { throw ScriptDataError("the fixed-step BIM run took no steps") }
                    curves.append(Curve(model: m.name, epsilon: eps, loss: loss, schedule: "eps/10", steps: Array(1...fixedSteps), accuracy: fixed))
                    progress(String(format: "  %@ ε = %g %@: α = ε/T: T=1 %.1f %%, T=%d %.1f %%; α = ε/10 after %d steps %.1f %% (%.0f s)",
                                    m.name, eps, loss.figureName, 100 * acc[0], grid.last!, 100 * acc.last!, fixedSteps,
                                    100 * lastFixed, Date().timeIntervalSince(start)))
                }
            }
        }
        return curves
    }

    /// The curve with the lowest final accuracy for one model and ε, over every loss and
    /// both schedules (the fixed-step run included); nil when there is none.
    public static func worstCurve(_ curves: [Curve], model: String, epsilon: Double) -> Curve? {
        curves.filter { $0.model == model && $0.epsilon == epsilon && !$0.accuracy.isEmpty }
            .min { $0.accuracy.last! < $1.accuracy.last! }
    }

    /// Writes bim_iterations.csv, fig5.svg and fig5.md; returns the Markdown. The "worst"
    /// summary takes, per model and ε, the lowest accuracy over every loss and both
    /// schedules (α = ε/T at the largest T, and the fixed-step run after its last step).
    /// - Throws: the file system's errors.
    public static func write(_ curves: [Curve], models: [TrainedModel], task: DigitsTask, epsilons: [Double], losses: [AttackLoss],
                             grid: [Int], fixedSteps: Int, dataName: String, header: String, to folder: URL) throws -> String {
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        var csv = "model,epsilon,loss,schedule,steps,accuracy\n"
        for c in curves { for (t, a) in zip(c.steps, c.accuracy) { csv += "\(c.model),\(c.epsilon),\(c.loss.rawValue),\(c.schedule),\(t),\(a)\n" } }
        try csv.write(to: file("bim_iterations.csv"), atomically: true, encoding: .utf8)

        // One panel per (ε, schedule): two models × losses.
        let colours = ["softmax": ["#1f77b4", "#6baed6", "#08306b"], "softRmax": ["#d62728", "#fc9272", "#67000d"]]
        var panels: [String] = []
        for schedule in ["eps/T", "eps/10"] {
            for eps in epsilons {
                let title = schedule == "eps/T" ? "BIM, ε = \(SVGPlot.label(eps)), α = ε/T" : "BIM, ε = \(SVGPlot.label(eps)), α = ε/10, after t steps"
                var plot = SVGPlot(title: title, xLabel: schedule == "eps/T" ? "iterations T (log scale)" : "step t (log scale)",
                                   yLabel: "test accuracy (%)")
                plot.logX = true
                plot.yRange = 0...100
                plot.legendColumns = 2
                plot.height = 460
                for c in curves where c.epsilon == eps && c.schedule == schedule {
                    let li = losses.firstIndex(of: c.loss) ?? 0
                    plot.series.append(SVGPlot.Series(name: "\(c.model), \(c.loss.figureName)", x: c.steps.map(Double.init), y: c.accuracy.map { 100 * $0 },
                                                      color: colours[c.model]![li % 3], dashed: c.loss != .nll))
                }
                panels.append(plot.render())
            }
        }
        try SVGGrid(title: "Fig. 5: BIM accuracy vs iterations (\(task.name), \(dataName))",
                    panels: panels, columns: epsilons.count, panelWidth: 640, panelHeight: 460).write(to: file("fig5.svg"))

        var md = "# Fig. 5: BIM accuracy (%) against the number of iterations, \(task.name)\n\n"
        md += header + " Clean test accuracy: " + models.map { "\($0.name) \(percent($0.testAccuracy)) %" }.joined(separator: ", ") + ".\n\n"
        let shown = [1, 10, 100, grid.last!].filter { grid.contains($0) }.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        var rows: [[String]] = []
        for c in curves where c.schedule == "eps/T" {
            let fixed = curves.first { $0.schedule == "eps/10" && $0.model == c.model && $0.epsilon == c.epsilon && $0.loss == c.loss }!
            var row = [c.model, SVGPlot.label(c.epsilon), c.loss.figureName]
            for t in shown { row.append(percent(c.accuracy[grid.firstIndex(of: t)!])) }
            row.append(percent(c.accuracy.min()!))
            let tenth = fixed.accuracy[min(9, fixed.accuracy.count - 1)]
            row += [percent(tenth), percent(fixed.accuracy.last!)]
            rows.append(row)
        }
        md += markdownTable(["model", "ε", "loss"] + shown.map { "α=ε/T, T=\($0)" } + ["min over T", "α=ε/10, t=10", "α=ε/10, t=\(fixedSteps)"],
                            rows, alignRightFrom: 1)
        // The worst attack per model and ε over every loss and both schedules.
        md += "\nWorst attack per model and ε, over every loss and both schedules (α = ε/T at T = \(grid.last!); α = ε/10 after t = \(fixedSteps) steps):\n\n"
        var worst: [[String]] = []
        for m in models {
            for eps in epsilons {
                // "–" when the NLL attack was not among the losses run.
                let nll = curves.first { $0.model == m.name && $0.epsilon == eps && $0.schedule == "eps/T" && $0.loss == .nll }?
                    .accuracy.last.map(percent) ?? "–"
                guard let w = worstCurve(curves, model: m.name, epsilon: eps) else { continue }
                let schedule = w.schedule == "eps/T" ? "α=ε/T" : "α=ε/10"
                worst.append([m.name, SVGPlot.label(eps), nll, "\(w.loss.figureName), \(schedule): \(percent(w.accuracy.last!))"])
            }
        }
        md += markdownTable(["model", "ε", "NLL (paper's attack)", "worst attack"], worst)
        try md.write(to: file("fig5.md"), atomically: true, encoding: .utf8)
        return md
    }
}
