import Foundation
import Polytail
import PolytailPlot

// The numbers the robustness notebooks (table1, table2, fig2, fig4, fig5, fig6) keep for
// `Docs/numbers/<script>.json`, and the tolerances `--check` allows them.

extension Notebook.Tolerance {
    // Training is seeded and bit-reproducible run to run on one machine: two runs of every
    // script gave identical files. Another CPU runs other BLAS kernels, whose rounding sends
    // 50 epochs of Adam elsewhere. Measured on the reference machine by forcing OpenBLAS's
    // Sandybridge and Prescott kernels (`OPENBLAS_CORETYPE`) and comparing every number with
    // the default kernels' run: each bound below is about twice the largest move seen.

    /// An accuracy (a fraction) of one seeded network on a test set of 73–359 images (largest
    /// move measured: 0.0195, 7 of 359 images).
    public static let networkAccuracy = Notebook.Tolerance.absolute(0.03)
    /// An accuracy on the ≈ 36 test images of one class (largest move: 0.056, 2 images).
    public static let networkClassAccuracy = Notebook.Tolerance.absolute(0.12)
    /// A mean or standard deviation over 10 seeds of accuracies (largest move: 0.0032).
    public static let networkAccuracyOverSeeds = Notebook.Tolerance.absolute(0.006)
    /// A statistic of a trained network: a quantile of R, a median margin or gradient norm
    /// (largest relative move: 0.0098).
    public static let networkStatistic = Notebook.Tolerance.relative(0.05)
    /// A count that depends on training, such as misclassified samples (largest move: 2).
    public static let networkCount = Notebook.Tolerance.absolute(5)
    /// A posterior of a trained network, such as the mean predicted-class posterior of the
    /// misclassified (largest move: 0.015).
    public static let networkPosterior = Notebook.Tolerance.absolute(0.03)
    /// Only the order of magnitude: a training loss or weight scale of an MLP trained to a
    /// near-zero loss (Fig. 2's moons after 1,000 epochs moved by a factor of up to 3).
    public static let orderOfMagnitude = Notebook.Tolerance.relative(3)
}

/// A key fragment: lower case, spaces and symbols to `_` ("10 classes" → "10_classes").
func numberKey(_ text: String) -> String {
    String(text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "_" })
        .replacingOccurrences(of: "__", with: "_").trimmingCharacters(in: CharacterSet(charactersIn: "_"))
}

extension Table1.Column {
    /// "fgsm_0.1", "bim_0.3".
    var key: String { (iterative ? "bim_" : "fgsm_") + SVGPlot.label(epsilon) }
}

extension Table1 {
    /// Keeps every accuracy of `rows` (one seed) under `prefix`: per task, model and loss,
    /// each attack column; per model the clean accuracy, the per-sample "every attack" share and
    /// the median ratio R.
    /// - Parameters:
    ///   - rows: the result of ``compute(source:network:attacks:seed:)``.
    ///   - attacks: the settings they were computed with.
    ///   - book: the notebook.
    ///   - prefix: "seed1", for example.
    public static func keepNumbers(_ rows: [Row], attacks: Settings, in book: inout Notebook, prefix: String) {
        for (key, label, value, tolerance) in numbers(rows, attacks: attacks) {
            book.keep("\(prefix).\(key)", value, label: "\(label), \(prefix)", tolerance: tolerance)
        }
    }

    /// Keeps the mean and the standard deviation over seeds of every number of
    /// ``keepNumbers(_:attacks:in:prefix:)``.
    /// - Parameter runs: one ``compute(source:network:attacks:seed:)`` result per seed.
    public static func keepSeedNumbers(_ runs: [[Row]], attacks: Settings, in book: inout Notebook) {
        let perRun = runs.map { numbers($0, attacks: attacks) }
        for (i, entry) in perRun[0].enumerated() {
            let values = perRun.map { $0[i].value }
            let (m, sd) = meanAndStandardDeviation(values)
            let overSeeds: Notebook.Tolerance = entry.tolerance == .networkAccuracy ? .networkAccuracyOverSeeds : entry.tolerance
            book.keep("seeds.mean.\(entry.key)", m, label: "\(entry.label), mean over \(runs.count) seeds", tolerance: overSeeds)
            book.keep("seeds.sd.\(entry.key)", sd, label: "\(entry.label), sd over \(runs.count) seeds", tolerance: overSeeds)
        }
    }

    static func numbers(_ rows: [Row], attacks: Settings) -> [(key: String, label: String, value: Double, tolerance: Notebook.Tolerance)] {
        var out: [(String, String, Double, Notebook.Tolerance)] = []
        for r in rows {
            let base = "\(numberKey(r.task)).\(r.model)"
            if r.loss == "worst" {
                out.append(("\(base).clean", "\(r.task), \(r.model): clean accuracy", r.clean, .networkAccuracy))
                for (e, v) in zip(attacks.epsilons, r.perSampleWorst ?? []) {
                    out.append(("\(base).every_attack_\(SVGPlot.label(e))", "\(r.task), \(r.model): share surviving every attack at ε = \(SVGPlot.label(e))", v, .networkAccuracy))
                }
                if let q = r.ratioQuartiles, q.count == 3 {
                    out.append(("\(base).ratio_median", "\(r.task), \(r.model): median magnitude-margin ratio R", q[1], .networkStatistic))
                }
            }
            for (c, v) in zip(attacks.columns, r.attacks) {
                out.append(("\(base).\(numberKey(r.loss)).\(c.key)", "\(r.task), \(r.model), \(r.loss): \(c.name) accuracy", v, .networkAccuracy))
            }
        }
        return out
    }
}

extension Table2 {
    /// Keeps, per ε and model, the overall accuracy clean and under every attack, the worst
    /// lines, and the per-class accuracies of the paper's layout (clean, White, Black, Avg).
    /// - Parameters:
    ///   - computed: the result of ``compute(task:network:attacks:seed:)`` (one seed).
    ///   - perClass: also keep the per-class accuracies.
    ///   - book: the notebook.
    ///   - prefix: "seed1", for example.
    public static func keepNumbers(_ computed: [(epsilon: Double, models: [ModelResult])], perClass: Bool,
                                   in book: inout Notebook, prefix: String) {
        for (key, label, value) in numbers(computed, perClass: perClass) {
            book.keep("\(prefix).\(key)", value, label: "\(label), \(prefix)", tolerance: key.hasSuffix(".all") ? .networkAccuracy : .networkClassAccuracy)
        }
    }

    /// Keeps the mean and standard deviation over seeds of the overall accuracies.
    /// - Parameter runs: one ``compute(task:network:attacks:seed:)`` result per seed.
    public static func keepSeedNumbers(_ runs: [[(epsilon: Double, models: [ModelResult])]], in book: inout Notebook) {
        let perRun = runs.map { numbers($0, perClass: false) }
        for (i, entry) in perRun[0].enumerated() {
            let (m, sd) = meanAndStandardDeviation(perRun.map { $0[i].value })
            book.keep("seeds.mean.\(entry.key)", m, label: "\(entry.label), mean over \(runs.count) seeds", tolerance: .networkAccuracyOverSeeds)
            book.keep("seeds.sd.\(entry.key)", sd, label: "\(entry.label), sd over \(runs.count) seeds", tolerance: .networkAccuracyOverSeeds)
        }
    }

    static func numbers(_ computed: [(epsilon: Double, models: [ModelResult])], perClass: Bool) -> [(key: String, label: String, value: Double)] {
        var out: [(String, String, Double)] = []
        for (eps, models) in computed {
            let e = "eps\(SVGPlot.label(eps))"
            for m in models {
                let base = "\(e).\(m.model)"
                let lines: [(String, String, Double)] = [("clean", "Clean", m.clean.overall)]
                    + m.attacks.map { (numberKey($0.name), $0.name, $0.overall) }
                    + [("worst", "worst attack", m.worst.overall), ("worst_over_every", "worst over every attack", m.worstOverEvery.overall),
                       ("every_attack", "survives every attack", m.everyAttack.overall)]
                for (key, name, v) in lines {
                    out.append(("\(base).\(key).all", "ε = \(SVGPlot.label(eps)), \(m.model), \(name): accuracy", v))
                }
                guard perClass else { continue }
                for attack in [m.clean] + paperAttacks.compactMap({ m.attack($0) }) {
                    for (c, v) in attack.perClass.enumerated() {
                        out.append(("\(base).\(numberKey(attack.name)).class\(c)", "ε = \(SVGPlot.label(eps)), \(m.model), \(attack.name): accuracy on class \(c)", v))
                    }
                }
            }
        }
        return out
    }
}

extension Fig4 {
    /// Keeps, per ε and model (the paper's attack: NLL, not clipped), the number of
    /// misclassified test samples and the mean and quartiles of their predicted-class posterior;
    /// per (model, loss, clipping) and ε > 0 the mean posterior.
    /// - Parameters:
    ///   - cells: the result of ``compute(models:task:epsilons:)``.
    ///   - book: the notebook.
    public static func keepNumbers(_ cells: [Cell], in book: inout Notebook) {
        for c in cells {
            let e = SVGPlot.label(c.epsilon)
            let base = "\(c.model).\(c.loss.rawValue).\(c.clipped ? "clipped" : "unclipped").eps\(e)"
            let what = "\(c.model), FGSM ε = \(e), \(c.loss.figureName)\(c.clipped ? ", clipped" : "")"
            if c.loss == .nll && !c.clipped {
                book.keep("\(base).misclassified", Double(c.posteriors.count), label: "\(what): misclassified test samples", tolerance: .networkCount)
                if !c.posteriors.isEmpty {
                    book.keep("\(base).posterior_q25", quantile(c.posteriors, 0.25), label: "\(what): 25 % quantile of the posterior", tolerance: .networkPosterior)
                    book.keep("\(base).posterior_q75", quantile(c.posteriors, 0.75), label: "\(what): 75 % quantile of the posterior", tolerance: .networkPosterior)
                }
            }
            if !c.posteriors.isEmpty {
                book.keep("\(base).posterior_mean", mean(c.posteriors), label: "\(what): mean predicted-class posterior of the misclassified", tolerance: .networkPosterior)
            }
        }
    }
}

extension Fig5 {
    /// Keeps, per model, ε and loss, the accuracy of schedule α = ε/T at every T shown in the
    /// table and its minimum, and of the fixed-step run after 10 steps and after the last.
    /// - Parameters:
    ///   - curves: the result of ``compute(models:task:epsilons:losses:grid:fixedSteps:clip:)``.
    ///   - grid: its iteration counts.
    ///   - book: the notebook.
    public static func keepNumbers(_ curves: [Curve], grid: [Int], in book: inout Notebook) {
        let shown = [1, 10, 100, grid.last!].filter { grid.contains($0) }
        for c in curves {
            let base = "\(c.model).eps\(SVGPlot.label(c.epsilon)).\(c.loss.rawValue)"
            let what = "\(c.model), ε = \(SVGPlot.label(c.epsilon)), \(c.loss.figureName)"
            if c.schedule == "eps/T" {
                for t in Set(shown).sorted() {
                    book.keep("\(base).T\(t)", c.accuracy[grid.firstIndex(of: t)!], label: "\(what): BIM accuracy, α = ε/T, T = \(t)", tolerance: .networkAccuracy)
                }
                book.keep("\(base).min_over_T", c.accuracy.min()!, label: "\(what): lowest BIM accuracy over T, α = ε/T", tolerance: .networkAccuracy)
            } else {
                book.keep("\(base).fixed_t10", c.accuracy[min(9, c.accuracy.count - 1)], label: "\(what): BIM accuracy, α = ε/10, after 10 steps", tolerance: .networkAccuracy)
                book.keep("\(base).fixed_last", c.accuracy.last!, label: "\(what): BIM accuracy, α = ε/10, after \(c.accuracy.count) steps", tolerance: .networkAccuracy)
            }
        }
    }
}

extension Fig6 {
    /// Keeps, per task and model, the clean accuracy, the number of correctly classified test
    /// samples, the quartiles of R, the medians of M_z, ‖∇M_z‖₂ and ε₁, the FGSM ε = 0.1
    /// accuracies, and per task the paired shares.
    /// - Parameters:
    ///   - results: the results of ``compute(task:models:clip:)``.
    ///   - book: the notebook.
    public static func keepNumbers(_ results: [TaskResult], in book: inout Notebook) {
        for r in results {
            for m in r.models {
                let s = r.samples[m.name]!, f = r.fgsm[m.name]!
                let base = "\(r.task.tag).\(m.name)", what = "\(r.task.name), \(m.name)"
                book.keep("\(base).clean", m.testAccuracy, label: "\(what): clean accuracy", tolerance: .networkAccuracy)
                book.keep("\(base).correct", Double(s.ratio.count), label: "\(what): correctly classified test samples", tolerance: .networkCount)
                book.keep("\(base).ratio_q25", quantile(s.ratio, 0.25), label: "\(what): 25 % quantile of R", tolerance: .networkStatistic)
                book.keep("\(base).ratio_median", quantile(s.ratio, 0.5), label: "\(what): median R", tolerance: .networkStatistic)
                book.keep("\(base).ratio_q75", quantile(s.ratio, 0.75), label: "\(what): 75 % quantile of R", tolerance: .networkStatistic)
                book.keep("\(base).margin_median", quantile(s.margin, 0.5), label: "\(what): median M_z", tolerance: .networkStatistic)
                book.keep("\(base).gradient_norm_median", quantile(s.gradientNorm, 0.5), label: "\(what): median ‖∇M_z‖₂", tolerance: .networkStatistic)
                book.keep("\(base).first_order_epsilon_median", quantile(s.firstOrderEpsilon, 0.5), label: "\(what): median ε₁", tolerance: .networkStatistic)
                book.keep("\(base).fgsm_0.1_nll", f.nll, label: "\(what): FGSM ε = 0.1 accuracy, NLL", tolerance: .networkAccuracy)
                book.keep("\(base).fgsm_0.1_margin", f.margin, label: "\(what): FGSM ε = 0.1 accuracy, margin loss", tolerance: .networkAccuracy)
            }
            let paired = pairedComparison(softmax: r.samples["softmax"]!, softRmax: r.samples["softRmax"]!)
            book.keep("\(r.task.tag).paired.lower_ratio", paired.lowerRatio, label: "\(r.task.name): share of common samples with R(softRmax) < R(softmax)", tolerance: .networkAccuracy)
            book.keep("\(r.task.tag).paired.larger_epsilon", paired.largerEpsilon, label: "\(r.task.name): share of common samples with ε₁(softRmax) > ε₁(softmax)", tolerance: .networkAccuracy)
        }
    }
}
