/// Checks shared by every fit: finiteness of data and weights, enough observations,
/// a non-constant sample. Returns the weights to use (all ones when none were given).
enum DataValidation {
    static func checkUnivariate(_ data: [Double], weights: [Double]?, parameters: Int) throws(PolytailError) -> [Double] {
        guard !data.isEmpty else { throw .emptyData }
        for (i, x) in data.enumerated() where !x.isFinite { throw .nonFiniteValue(row: i, column: nil) }
        let w = try checkWeights(weights, count: data.count)
        let effective = w.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        guard effective >= parameters else { throw .tooFewObservations(needed: parameters, got: effective) }
        var first: Double? = nil
        var constant = true
        for (x, wi) in zip(data, w) where wi > 0 {
            if let f = first { if x != f { constant = false; break } } else { first = x }
        }
        if constant { throw .constantData(column: nil) }
        return w
    }

    /// The number of positive weights: the observations a weighted fit uses.
    static func positiveCount(_ w: [Double]) -> Int { w.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    /// Checks per-row weights and returns them divided by their maximum, the one place
    /// where weights are normalised. Weights are relative (only their ratios matter), so
    /// dividing by the largest makes every fit scale-free: equal weights of any size —
    /// 5·10⁻³²⁴ or 10³⁰⁸ on every row — give exactly the unweighted fit, and no weighted sum
    /// Σ wᵢ·(…) can overflow or underflow because of the weights' scale (each wᵢ ≤ 1).
    ///
    /// - Returns: all ones without weights; otherwise wᵢ / maxⱼ wⱼ ∈ [0, 1], the largest 1.
    /// - Throws: `.dimensionMismatch` for a wrong count, `.invalidWeight(row:)` for a
    ///   negative, NaN or infinite weight, `.invalidWeight(row: nil)` when all are zero,
    ///   `.invalidParameter` ("sum of weights") when their total exceeds the double range.
    static func checkWeights(_ weights: [Double]?, count: Int) throws(PolytailError) -> [Double] {
        guard let weights else { return [Double](repeating: 1, count: count) }
        guard weights.count == count else {
            throw .dimensionMismatch(what: "weights", expected: count, got: weights.count)
        }
        var largest = 0.0
        for (i, w) in weights.enumerated() {
            guard w.isFinite, w >= 0 else { throw .invalidWeight(row: i) }
            largest = max(largest, w)
        }
        guard largest > 0 else { throw .invalidWeight(row: nil) }
        // Division by the largest is exact for equal weights (w/w = 1), subnormal ones included.
        let normalised = weights.map { $0 / largest }
        // Frequencies whose total exceeds the double range cannot give a finite log-likelihood.
        let total = normalised.reduce(0, +) * largest
        guard total.isFinite else {
            throw .invalidParameter(name: "sum of weights", value: total,
                                    requirement: "must be finite: the weights are frequencies; divide them by a common factor")
        }
        return normalised
    }

    /// The factor M = maxᵢ wᵢ that ``checkWeights(_:count:)`` divided the weights by (1 without
    /// weights); call only after the weights were checked.
    static func weightScale(_ weights: [Double]?) -> Double {
        weights?.max() ?? 1
    }

    /// A fit computed with weights divided by M, restated for the weights as given
    /// (frequencies): ℓ = M · ℓ', W = M · W', the covariance · 1/M (the information grows with
    /// M), and the tail test from the restated log-likelihoods. Equal weights of any size
    /// therefore give the unweighted estimates exactly, and integer weights the results of the
    /// sample with rows repeated.
    static func frequencyScaled(_ result: FitResult, weights: [Double]?) -> FitResult {
        frequencyScaled(result, by: weightScale(weights))
    }

    /// A fit computed with weights divided by m, restated for the weights as given (see
    /// ``frequencyScaled(_:weights:)``).
    static func frequencyScaled(_ result: FitResult, by m: Double) -> FitResult {
        guard m != 1 else { return result }
        var scaled = result
        scaled.logLikelihood = result.logLikelihood * m
        scaled.sampleSize = result.sampleSize * m
        if let c = result.covariance {
            // Tiny frequencies (all weights 5·10⁻³²⁴) make the variances overflow: no covariance
            // then (outsideDoubleRange), rather than infinite standard errors.
            let elements = c.elements.map { $0 / m }
            if elements.allSatisfy(\.isFinite) {
                scaled.covariance = Matrix(uncheckedRows: c.rows, columns: c.columns, elements: elements)
            } else {
                scaled.covariance = nil
                scaled.covarianceOmission = .outsideDoubleRange
            }
        }
        if let test = result.tailTest {
            scaled.tailTest = TailTest(tLogLikelihood: result.logLikelihood * m, normalLogLikelihood: test.normalLogLikelihood * m)
        }
        return scaled
    }
}

extension DataValidation {
    /// Matrix data: at least one row and column, finite entries, valid weights, at least
    /// `minimumRows` rows of positive weight, and no constant column.
    static func checkMatrix(_ data: Matrix, weights: [Double]?, minimumRows: Int) throws(PolytailError) -> [Double] {
        guard data.rows > 0, data.columns > 0 else { throw .emptyData }
        let d = data.columns
        for i in 0..<data.rows {
            for j in 0..<d where !data.elements[i * d + j].isFinite { throw .nonFiniteValue(row: i, column: j) }
        }
        let w = try checkWeights(weights, count: data.rows)
        let effective = w.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        guard effective >= minimumRows else { throw .tooFewObservations(needed: minimumRows, got: effective) }
        // One row-major pass: a column is constant while it equals its first weighted row.
        var first: [Double]? = nil
        var varies = [Bool](repeating: false, count: d)
        for i in 0..<data.rows where w[i] > 0 {
            guard let f = first else { first = Array(data.elements[(i * d)..<(i * d + d)]); continue }
            for j in 0..<d where data.elements[i * d + j] != f[j] { varies[j] = true }
        }
        if let j = varies.firstIndex(of: false) { throw .constantData(column: j) }
        try checkSpreads(data, weights: w)
        return w
    }

    /// The smallest and largest column spread (max − min over rows of positive weight) fitted:
    /// 10⁻¹⁵⁰ and 10¹⁵⁰, so that a covariance entry (a square of the spread) and its sum over
    /// up to 10⁸ rows stay normal, finite doubles.
    /// (Univariate fits rescale by a power of two instead, `UnitScale`; a covariance matrix of
    /// 10⁻³¹⁰ data would itself hold 10⁻⁶²⁰ entries, which no double represents.)
    static let spreadRange: ClosedRange<Double> = 1e-150...1e150

    /// Throws `.numericalFailure` naming the first column whose spread lies outside
    /// ``spreadRange``: its covariance would underflow (distinct but tiny values, reported
    /// before as collinear columns) or overflow.
    static func checkSpreads(_ data: Matrix, weights w: [Double]) throws(PolytailError) {
        let d = data.columns
        var low = [Double](repeating: .infinity, count: d), high = [Double](repeating: -.infinity, count: d)
        for i in 0..<data.rows where w[i] > 0 {
            for j in 0..<d {
                let x = data.elements[i * d + j]
                low[j] = min(low[j], x)
                high[j] = max(high[j], x)
            }
        }
        for j in 0..<d {
            let spread = high[j] - low[j]
            guard spreadRange.contains(spread) else {
                throw .numericalFailure("column \(j) spans \(spread): its covariance is outside the double range (spreads from 1e-150 to 1e150 are fitted); rescale the column")
            }
        }
    }
}
