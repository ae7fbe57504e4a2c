import Foundation

extension FitResult {
    /// The result as a text table, for reading at a terminal — what statsmodels' `summary()`
    /// and R's `print(fitdistr(...))` show: one line per parameter with its estimate,
    /// standard error and Wald interval, then the number of observations, the
    /// log-likelihood, AIC, BIC and how the fit went, the tail test of a t fit, least
    /// squares' R² and σ̂², a classifier's training summary and each group's own table.
    ///
    /// ```
    /// parameter          estimate  std. error  95% interval
    /// location           0.986264   0.0755891  [0.838111, 1.13442]
    /// ...
    /// ```
    ///
    /// Numbers are printed with six significant digits (`%.6g`); read the values themselves
    /// (``estimates``, ``standardErrors``, ``confidenceIntervals(level:)``) for computing.
    /// Without a covariance the line after the parameters says why (``covarianceOmission``).
    ///
    /// - Parameters:
    ///   - level: the confidence level of the intervals, in (0, 1); 0.95 by default.
    /// - Returns: the table, lines separated by `\n`, ending with a line end.
    /// - Throws: `PolytailError.invalidParameter` unless 0 < level < 1.
    public func summary(level: Double = 0.95) throws(PolytailError) -> String {
        let intervals = try confidenceIntervals(level: level)
        return summaryLines(level: level, intervals: intervals, indent: "").joined(separator: "\n") + "\n"
    }

    private func summaryLines(level: Double, intervals: [ClosedRange<Double>]?, indent: String) -> [String] {
        func g(_ x: Double) -> String { String(format: "%.6g", x) }
        func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
        func padLeft(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines: [String] = []
        if !parameters.isEmpty {
            let names = parameters.map(\.description)
            let nameWidth = max(9, names.map(\.count).max() ?? 0) + 2
            let percent = g(100 * level) + "% interval"
            lines.append(pad("parameter", nameWidth) + padLeft("estimate", 12) + padLeft("std. error", 12) + "  " + percent)
            let se = standardErrors
            for (i, name) in names.enumerated() {
                var line = pad(name, nameWidth) + padLeft(g(estimates[i]), 12)
                if let se, let intervals {
                    line += padLeft(g(se[i]), 12) + "  [" + g(intervals[i].lowerBound) + ", " + g(intervals[i].upperBound) + "]"
                }
                lines.append(line)
            }
            if let covarianceOmission {
                lines.append("no standard errors: \(covarianceOmission.rawValue)")
            } else if covarianceEstimator == .sandwich {
                lines.append("standard errors: sandwich (HC0)")
            }
        }
        lines.append("observations \(observationCount), log-likelihood \(g(logLikelihood)), parameters \(parameterCount), AIC \(g(aic)), BIC \(g(bic))")
        var how = converged ? "converged" : "not converged"
        how += converged && iterations == 0 ? " (closed form)" : " after \(iterations) iteration" + (iterations == 1 ? "" : "s")
        if dfAtBound { how += "; ν ended on the bound of its range" }
        lines.append(how)
        if let tailTest {
            lines.append("tail test, t against its normal limit: LR = \(g(tailTest.statistic)), p = \(g(tailTest.pValue)) (½χ²₀ + ½χ²₁)")
        }
        if let leastSquares {
            lines.append("R² \(g(leastSquares.rSquared)), σ̂² \(g(leastSquares.residualVariance)), rank \(leastSquares.rank)")
        }
        if let training {
            lines.append("training: loss \(g(training.loss)), gradient ∞-norm \(g(training.gradientNorm)), training accuracy \(g(training.trainingAccuracy)), \(training.steps) steps")
        }
        for (k, group) in (groupResults ?? []).enumerated() {
            lines.append("group \(k + 1) of \(groupResults!.count):")
            // A group's intervals at the same level; its level was checked above.
            let groupIntervals = try? group.confidenceIntervals(level: level)
            lines += group.summaryLines(level: level, intervals: groupIntervals ?? nil, indent: "  ")
        }
        return lines.map { indent + $0 }
    }
}
