// fig5: BIM accuracy against the number of iterations — the gradient-obfuscation check of
// Wang & Loog (2022), §4.2.2, Fig. 5 (there on CIFAR10, ε ∈ {0.1, 0.3}).
//
// BIM (Eq. 3): x′_{t+1} = Π(x′_t + α sign ∇ₓJ(x′_t, y)), Π the projection onto the ε-ball ∩ [0, 1]ᵈ.
// Two schedules:
//   (a) α = ε/T, one attack per T in the grid (the paper's BIM with T iterations);
//   (b) a fixed step α = ε/10, the accuracy recorded after every step t = 1 … T_max of one run
//       (more steps can only help the attacker here: the iterate may walk along the ball's faces).
// Each with the paper's loss (the model's NLL) and the two adaptive losses (softmax
// cross-entropy on the logits z, and the margin z_j − z_y). If softRmax's robustness came from
// masked gradients, its accuracy would keep falling as T grows, or an adaptive loss would
// break it where the NLL does not.
//
//   swift run -c release fig5 [--out DIR] [--seed N] [--data MNIST_FOLDER [--limit N]] [--epochs E]
import ArgumentParser
import Foundation
import Polytail
import PolytailPlot

struct Curve {
    var model: String, epsilon: Double, loss: AttackLoss, schedule: String
    var steps: [Int], accuracy: [Double]
}

extension AttackLoss {
    var label: String {
        switch self {
        case .nll: return "NLL"
        case .crossEntropyOnLogits: return "CE on z"
        case .margin: return "margin"
        }
    }
}

struct Fig5: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig5",
        abstract: "Regenerate Fig. 5 of Wang & Loog (2022): BIM accuracy against the number of iterations, softmax vs softRmax.")

    @Option(help: "Output folder.") var out = "Output/fig5"
    @Option(help: "Seed of the split and of the training.") var seed: UInt64 = 1
    @OptionGroup var digits: DigitsOptions
    @Option(help: "Task: all (10 classes) or 3v7.") var task = "all"
    @Option(help: "Attack budgets ε, comma separated.") var epsilons = "0.1,0.3"
    @Option(help: "Iteration counts T for schedule α = ε/T, comma separated (default 1 … 200 on the digits, 1 … 100 on MNIST).")
    var steps: String?
    @Option(help: "Steps of the fixed-step run, α = ε/10 (default 200 on the digits, 100 on MNIST).") var fixedSteps: Int?
    @Option(help: "Attack losses, comma separated: nll, crossEntropyOnLogits, margin.") var losses = "nll,crossEntropyOnLogits,margin"

    var epsilonList: [Double] { epsilons.split(separator: ",").compactMap { Double($0) } }
    var stepText: String { steps ?? (!digits.isMNIST ? "1,2,3,5,7,10,15,20,30,50,70,100,150,200" : "1,2,3,5,10,20,50,100") }
    var stepList: [Int] { stepText.split(separator: ",").compactMap { Int($0) } }
    var fixedStepCount: Int { fixedSteps ?? (!digits.isMNIST ? 200 : 100) }
    var lossList: [AttackLoss] { losses.split(separator: ",").compactMap { AttackLoss(rawValue: String($0)) } }

    func validate() throws {
        guard !epsilonList.isEmpty, epsilonList.count == epsilons.split(separator: ",").count,
              epsilonList.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw ValidationError("--epsilons must be positive numbers") }
        guard !stepList.isEmpty, stepList.count == stepText.split(separator: ",").count, stepList.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--steps must be positive integers")
        }
        guard fixedStepCount >= 1 else { throw ValidationError("--fixed-steps must be at least 1") }
        guard !lossList.isEmpty, lossList.count == losses.split(separator: ",").count else {
            throw ValidationError("--losses must be among nll, crossEntropyOnLogits, margin")
        }
        guard ["all", "3v7"].contains(task) else { throw ValidationError("--task must be all or 3v7") }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        func file(_ name: String) -> URL { outURL.appendingPathComponent(name) }
        let source = digits.source(seed: seed, defaultTestLimit: 1000)
        let settings = digits.settings()
        progress("fig5: \(source.description); \(settings.description)")
        let job = try source.tasks([task])[0]
        let x = job.test.images, y = job.test.labels
        progress("task \(job.name): \(job.train.count) training, \(job.test.count) test images")
        let models = try trainPair(job, settings: settings, seed: seed)
        let grid = stepList.sorted()
        var curves: [Curve] = []
        let start = Date()
        for m in models {
            for eps in epsilonList {
                for loss in lossList {
                    var acc: [Double] = []
                    for t in grid {
                        let adv = try Adversarial.bim(m.model, inputs: x, labels: y, epsilon: eps, steps: t, loss: loss)
                        acc.append(try m.model.accuracy(adv, labels: y))
                    }
                    curves.append(Curve(model: m.name, epsilon: eps, loss: loss, schedule: "eps/T", steps: grid, accuracy: acc))
                    var fixed: [Double] = []
                    _ = try Adversarial.bim(m.model, inputs: x, labels: y, epsilon: eps, steps: fixedStepCount, stepSize: eps / 10,
                                            loss: loss) { _, adv in fixed.append((try? m.model.accuracy(adv, labels: y)) ?? .nan) }
                    curves.append(Curve(model: m.name, epsilon: eps, loss: loss, schedule: "eps/10", steps: Array(1...fixedStepCount), accuracy: fixed))
                    progress(String(format: "  %@ ε = %g %@: α = ε/T: T=1 %.1f %%, T=%d %.1f %%; α = ε/10 after %d steps %.1f %% (%.0f s)",
                                    m.name, eps, loss.label, 100 * acc[0], grid.last!, 100 * acc.last!, fixedStepCount,
                                    100 * (fixed.last ?? .nan), Date().timeIntervalSince(start)))
                }
            }
        }

        // CSV, long format.
        var csv = "model,epsilon,loss,schedule,steps,accuracy\n"
        for c in curves { for (t, a) in zip(c.steps, c.accuracy) { csv += "\(c.model),\(c.epsilon),\(c.loss.rawValue),\(c.schedule),\(t),\(a)\n" } }
        try csv.write(to: file("bim_iterations.csv"), atomically: true, encoding: .utf8)

        // One panel per (ε, schedule): two models × losses.
        let colours = ["softmax": ["#1f77b4", "#6baed6", "#08306b"], "softRmax": ["#d62728", "#fc9272", "#67000d"]]
        var panels: [String] = []
        for schedule in ["eps/T", "eps/10"] {
            for eps in epsilonList {
                let title = schedule == "eps/T" ? "BIM, ε = \(SVGPlot.label(eps)), α = ε/T" : "BIM, ε = \(SVGPlot.label(eps)), α = ε/10, after t steps"
                var plot = SVGPlot(title: title, xLabel: schedule == "eps/T" ? "iterations T (log scale)" : "step t (log scale)",
                                   yLabel: "test accuracy (%)")
                plot.logX = true
                plot.yRange = 0...100
                plot.legendColumns = 2
                plot.height = 460
                for c in curves where c.epsilon == eps && c.schedule == schedule {
                    let li = lossList.firstIndex(of: c.loss) ?? 0
                    plot.series.append(SVGPlot.Series(name: "\(c.model), \(c.loss.label)", x: c.steps.map(Double.init), y: c.accuracy.map { 100 * $0 },
                                                      color: colours[c.model]![li % 3], dashed: c.loss != .nll))
                }
                panels.append(plot.render())
            }
        }
        try SVGGrid(title: "Fig. 5: BIM accuracy vs iterations (\(job.name), \(!digits.isMNIST ? "UCI digits" : "MNIST"))",
                    panels: panels, columns: epsilonList.count, panelWidth: 640, panelHeight: 460).write(to: file("fig5.svg"))

        // Markdown: accuracy at a few T, and the change over the last part of the grid.
        var md = "# Fig. 5: BIM accuracy (%) against the number of iterations, \(job.name)\n\n"
        md += "Data: \(source.description). Model: \(settings.description). Seed \(seed). Clean test accuracy: "
        md += models.map { "\($0.name) \(percent($0.testAccuracy)) %" }.joined(separator: ", ") + ".\n\n"
        let shown = [1, 10, 100, grid.last!].filter { grid.contains($0) }.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        var rows: [[String]] = []
        for c in curves where c.schedule == "eps/T" {
            let fixed = curves.first { $0.schedule == "eps/10" && $0.model == c.model && $0.epsilon == c.epsilon && $0.loss == c.loss }!
            var row = [c.model, SVGPlot.label(c.epsilon), c.loss.label]
            for t in shown { row.append(percent(c.accuracy[grid.firstIndex(of: t)!])) }
            row.append(percent(c.accuracy.min()!))
            let tenth = fixed.accuracy[min(9, fixed.accuracy.count - 1)]
            row += [percent(tenth), percent(fixed.accuracy.last!)]
            rows.append(row)
        }
        md += markdownTable(["model", "ε", "loss"] + shown.map { "α=ε/T, T=\($0)" } + ["min over T", "α=ε/10, t=10", "α=ε/10, t=\(fixedStepCount)"],
                            rows, alignRightFrom: 1)
        // The worst loss per model and ε at the largest T.
        md += "\nWorst loss per model and ε (α = ε/T, T = \(grid.last!)):\n\n"
        var worst: [[String]] = []
        for m in models {
            for eps in epsilonList {
                let cs = curves.filter { $0.schedule == "eps/T" && $0.model == m.name && $0.epsilon == eps }
                let nll = cs.first { $0.loss == .nll }?.accuracy.last ?? .nan
                let w = cs.min { $0.accuracy.last! < $1.accuracy.last! }!
                worst.append([m.name, SVGPlot.label(eps), percent(nll), "\(w.loss.label): \(percent(w.accuracy.last!))"])
            }
        }
        md += markdownTable(["model", "ε", "NLL (paper's attack)", "worst loss"], worst)
        try md.write(to: file("fig5.md"), atomically: true, encoding: .utf8)
        print(md, terminator: "")
        progress("wrote \(outURL.path): fig5.svg, bim_iterations.csv, fig5.md (\(String(format: "%.0f", Date().timeIntervalSince(start))) s of attacks)")
    }
}

Fig5.main()
