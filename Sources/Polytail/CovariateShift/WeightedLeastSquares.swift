import Foundation

/// A linear model y ≈ X β, as fitted by ``WeightedLeastSquares/fit(_:response:weights:rankTolerance:covariance:)``.
public struct LinearModel: Equatable, Sendable, Codable {
    /// β, one entry per design column.
    public var coefficients: [Double]

    /// A model from its coefficients.
    public init(coefficients: [Double]) { self.coefficients = coefficients }

    /// X β for the rows X of `observations`; NaN for every row when the column count differs.
    /// - Parameter observations: n × p, the columns of the design the model was fitted on.
    /// - Returns: the n predictions.
    /// - Complexity: O(n p).
    public func predict(_ observations: Matrix) -> [Double] {
        guard observations.columns == coefficients.count else { return [Double](repeating: .nan, count: observations.rows) }
        let p = observations.columns
        return (0..<observations.rows).map { i in
            var s = 0.0
            for j in 0..<p { s += observations.elements[i * p + j] * coefficients[j] }
            return s
        }
    }
}

/// Which covariance a least-squares fit reports (see ``CovarianceEstimator``).
public enum LeastSquaresCovariance: String, Sendable, Equatable, Codable {
    /// `.classical` without weights, `.sandwich` with weights (importance weights, the use
    /// this library makes of them, need the sandwich).
    case automatic
    /// σ̂²(XᵀWX)⁻¹: right when Var(εᵢ) = σ²/wᵢ (statsmodels' `nonrobust`); intervals use t(n − p).
    case classical
    /// (XᵀWX)⁻¹ (Σ wᵢ²rᵢ² xᵢxᵢᵀ) (XᵀWX)⁻¹ (HC0; statsmodels' `cov_type="HC0"`); intervals use the normal.
    case sandwich
}

/// A weighted least-squares polynomial y ≈ Σₖ bₖ tᵏ in the scaled variable
/// t = (x − c)/s, where c and s are the midpoint and half-range of the x values of
/// positive weight, so that t ∈ [−1, 1] on the data.
///
/// The Vandermonde matrix in t is well conditioned for degrees up to about 10 (its
/// condition number grows roughly like 3ⁿ instead of (max|x|)ⁿ · 3ⁿ in the raw basis),
/// and `predict` evaluates in t by Horner's rule. ``coefficients`` re-expands the
/// polynomial in powers of x for convenience; that expansion is exact algebra but can lose
/// digits when |c|/s is large, so prefer ``scaledCoefficients`` and `predict`.
public struct Polynomial: Equatable, Sendable, Codable {
    /// The degree n (n + 1 coefficients).
    public var degree: Int
    /// c, the midpoint of the x range.
    public var center: Double
    /// s > 0, the half-width of the x range (1 for a degree-0 fit of a single x value).
    public var scale: Double
    /// b₀ … bₙ in ascending powers of t = (x − c)/s.
    public var scaledCoefficients: [Double]
    /// a₀ … aₙ in ascending powers of x: aⱼ = Σₖ≥ⱼ bₖ s⁻ᵏ C(k, j) (−c)^(k−j).
    public var coefficients: [Double]

    /// p(x) by Horner's rule in t = (x − c)/s.
    public func predict(_ x: Double) -> Double {
        let t = (x - center) / scale
        var v = 0.0
        for b in scaledCoefficients.reversed() { v = v * t + b }
        return v
    }

    /// p at every point of `x`.
    public func predict(_ x: [Double]) -> [Double] { x.map { predict($0) } }
}

/// Weighted least squares by QR, on √w-scaled rows (Sugiyama, Krauledat & Müller 2007;
/// the importance-weighted regression of Wang & Loog 2022, §4.1.1, Fig. 3):
///
///     β̂ = argmin_β Σᵢ wᵢ (yᵢ − xᵢᵀβ)² = argmin_β ‖W^{1/2}(y − Xβ)‖².
///
/// The rows are multiplied by √wᵢ and the columns equilibrated to unit norm, then LAPACKE
/// `dgelsy` (QR with column pivoting) solves the problem without forming XᵀWX, whose
/// condition number is the square of X's. Column equilibration makes the rank decision
/// independent of the units of each column. Weights are scale-free: multiplying all of
/// them by a constant changes only the residual sum of squares.
public enum WeightedLeastSquares {
    /// The default reciprocal-condition threshold for the rank decision, ε · max(n, p)
    /// (the `rcond` default of `numpy.linalg.lstsq`).
    public static func defaultRankTolerance(rows: Int, columns: Int) -> Double {
        Double.ulpOfOne * Double(max(rows, columns))
    }

    /// Fits y ≈ X β by weighted least squares.
    /// - Parameters:
    ///   - observations: the design X, n × p, finite entries (one row per observation; include
    ///     a column of ones for an intercept).
    ///   - response: y, n finite values.
    ///   - weights: optional non-negative finite weights, not all zero (default: all one).
    ///     Rows of weight 0 are ignored.
    ///   - rankTolerance: the design is rank deficient when the estimated reciprocal
    ///     condition number of its equilibrated QR factor falls below this
    ///     (default ``defaultRankTolerance(rows:columns:)``).
    ///   - covariance: the covariance of β̂ to report (default: classical without weights,
    ///     the sandwich with them; see ``LeastSquaresCovariance``).
    /// - Returns: the ``LinearModel`` β̂ and its ``FitResult``: parameters
    ///   ``FitParameter/coefficient(_:)``, their covariance, standard errors and intervals,
    ///   the Gaussian log-likelihood with Var(εᵢ) = σ̂²/wᵢ (statsmodels' `llf`), k = p + 1
    ///   (σ² counts, as in R's `AIC(lm)`), and ``FitResult/leastSquares``: residuals,
    ///   Σwᵢrᵢ², σ̂² = Σwᵢrᵢ²/(n − p) and R². The covariance is `nil` only when XᵀWX cannot
    ///   be inverted (``CovarianceOmission/singularInformation``). Sums of squares are formed
    ///   on exactly rescaled residuals, so responses near the double range fit too.
    /// - Throws: ``PolytailError/emptyData``, `.dimensionMismatch` (response or weights),
    ///   `.nonFiniteValue(row:column:)` (observations: with column; response: column nil),
    ///   `.invalidWeight`, `.tooFewObservations` (fewer than p + 1 rows of positive weight:
    ///   σ² is estimated too, so n = p has no residual degree of freedom), `.rankDeficient`
    ///   (collinear or zero columns), `.invalidParameter` (a negative or non-finite
    ///   tolerance), ``PolytailError/perfectFit`` (every residual 0, or all at the rounding
    ///   error of the fitted values — σ̂² < 10⁻³⁰ Σwᵢŷᵢ²/Σwᵢ, R's test: σ̂² = 0 and the
    ///   likelihood unbounded), `.numericalFailure` (residuals or their sum of squares beyond
    ///   the double range).
    /// - Complexity: O(n p²) (`dgelsy`).
    public static func fit(
        _ observations: Matrix, response: [Double], weights: [Double]? = nil, rankTolerance: Double? = nil,
        covariance: LeastSquaresCovariance = .automatic
    ) throws(PolytailError) -> Fitted<LinearModel> {
        let design = observations
        guard design.rows > 0, design.columns > 0 else { throw .emptyData }
        guard response.count == design.rows else {
            throw .dimensionMismatch(what: "response", expected: design.rows, got: response.count)
        }
        let p = design.columns
        for i in 0..<design.rows {
            for j in 0..<p where !design.elements[i * p + j].isFinite { throw .nonFiniteValue(row: i, column: j) }
        }
        for (i, y) in response.enumerated() where !y.isFinite { throw .nonFiniteValue(row: i, column: nil) }
        let w = try DataValidation.checkWeights(weights, count: design.rows)
        if let rankTolerance, !(rankTolerance.isFinite && rankTolerance >= 0) {
            throw .invalidParameter(name: "rankTolerance", value: rankTolerance, requirement: "must be finite and ≥ 0")
        }
        let kind: CovarianceEstimator
        switch covariance {
        case .automatic: kind = weights == nil ? .classical : .sandwich
        case .classical: kind = .classical
        case .sandwich: kind = .sandwich
        }
        let solution = try solve(design: design, response: response, weights: w, rankTolerance: rankTolerance, what: "design matrix")
        return Fitted(model: LinearModel(coefficients: solution.coefficients),
                      result: try solution.result(design: design, response: response, weights: w, weightScale: DataValidation.weightScale(weights),
                                              covariance: kind))
    }

    /// Validated input: scale, solve, unscale.
    static func solve(design: Matrix, response: [Double], weights w: [Double], rankTolerance: Double?,
                      what: String) throws(PolytailError) -> Solution {
        let p = design.columns
        let rows = (0..<design.rows).filter { w[$0] > 0 }
        let n = rows.count
        // σ² is estimated too: at least one residual degree of freedom.
        guard n > p else { throw .tooFewObservations(needed: p + 1, got: n) }
        // √w on the rows, with the weights first divided by their maximum so that neither
        // √w nor √w·x can overflow (the solution does not depend on a common factor).
        let wMax = rows.reduce(0.0) { max($0, w[$1]) }
        var a = [Double](repeating: 0, count: n * p)
        var b = [Double](repeating: 0, count: n)
        for (k, i) in rows.enumerated() {
            let r = (w[i] / wMax).squareRoot()
            for j in 0..<p { a[k * p + j] = r * design.elements[i * p + j] }
            b[k] = r * response[i]
        }
        // Equilibrate the columns to unit 2-norm (scaled by their largest entry first, so
        // the sum of squares cannot overflow). A zero column keeps scale 1 and is then
        // found rank deficient.
        var norms = [Double](repeating: 1, count: p)
        for j in 0..<p {
            var m = 0.0
            for k in 0..<n { m = max(m, abs(a[k * p + j])) }
            guard m > 0 else { continue }
            var s = 0.0
            for k in 0..<n { let v = a[k * p + j] / m; s += v * v }
            norms[j] = m * s.squareRoot()
            for k in 0..<n { a[k * p + j] /= norms[j] }
        }
        let rcond = rankTolerance ?? defaultRankTolerance(rows: n, columns: p)
        let (z, rank) = Lapack.leastSquares(a, rows: n, columns: p, b, rcond: rcond)
        guard rank == p else { throw .rankDeficient(what: what, rank: rank, columns: p) }
        let beta = (0..<p).map { z[$0] / norms[$0] }
        // (XᵀWX)⁻¹ = D⁻¹ (AᵀA)⁻¹ D⁻¹ / w_max for the equilibrated A = W^{1/2} X D⁻¹ / √w_max,
        // whose Gram matrix is well scaled (unit diagonal).
        let gram = Lapack.gram(a, rows: n, columns: p)
        var inverse = (try? Lapack.solvePositiveDefinite(gram, n: p, Matrix.identity(p).elements, columns: p,
                                                           what: "least-squares information")) ?? []
        if inverse.count == p * p {
            for j in 0..<p { for k in 0..<p { inverse[j * p + k] /= norms[j] * norms[k] * wMax } }
        }
        return Solution(coefficients: beta, rank: rank, inverseInformation: inverse.count == p * p ? inverse : nil)
    }

    /// β̂ and what its covariance needs.
    struct Solution {
        var coefficients: [Double]
        var rank: Int
        /// (XᵀWX)⁻¹, row-major, over the rows of positive weight; nil if not computable.
        var inverseInformation: [Double]?

        /// Residuals, R², the log-likelihood and the chosen covariance of β̂, for weights `w`
        /// that are the caller's divided by `weightScale` (their maximum). Only Σwᵢrᵢ² and σ̂²
        /// depend on the weights' scale and are restated for the weights as given; β̂, R², both
        /// covariances and statsmodels' log-likelihood (which adds ½Σ log wᵢ) do not.
        func result(design: Matrix, response: [Double], weights w: [Double], weightScale: Double,
                    covariance kind: CovarianceEstimator) throws(PolytailError) -> FitResult {
            let p = design.columns
            let rows = (0..<design.rows).filter { w[$0] > 0 }
            let n = rows.count
            var residuals = [Double](repeating: 0, count: design.rows)
            for i in 0..<design.rows {
                var fitted = 0.0
                for j in 0..<p { fitted += design.elements[i * p + j] * coefficients[j] }
                residuals[i] = response[i] - fitted
            }
            // Sums of squares on residuals and responses multiplied by exact powers of two 2ᵏ
            // (``UnitScale``, from the largest |rᵢ| and |yᵢ|), so that neither Σwᵢrᵢ² nor the total sum of squares overflows or
            // underflows on data near the double range; ℓ takes log Σwᵢrᵢ² in pieces.
            var residualScale = 0.0, responseScale = 0.0
            for i in rows {
                guard residuals[i].isFinite else {
                    throw .numericalFailure("the residuals of the least-squares fit leave the double range; rescale the response")
                }
                residualScale = max(residualScale, abs(residuals[i])); responseScale = max(responseScale, abs(response[i]))
            }
            // Every residual 0: σ̂² = 0 and the likelihood is unbounded (ℓ = +∞), as for
            // constant data in a scale fit.
            guard residualScale > 0 else { throw .perfectFit }
            let kr = UnitScale.exponent(largestMagnitude: residualScale), ky = UnitScale.exponent(largestMagnitude: responseScale)
            var scaledRSS = 0.0, totalWeight = 0.0, weightedMean = 0.0, uncentred = 0.0, sumLogWeights = 0.0
            var fittedSquares = 0.0
            for i in rows {
                let r = UnitScale.scaled(residuals[i], kr), y = UnitScale.scaled(response[i], ky)
                let fitted = UnitScale.scaled(response[i] - residuals[i], ky)
                scaledRSS += w[i] * r * r
                fittedSquares += w[i] * fitted * fitted
                totalWeight += w[i]; weightedMean += w[i] * y
                uncentred += w[i] * y * y
                sumLogWeights += log(w[i])
            }
            weightedMean /= totalWeight
            var centred = 0.0
            for i in rows { let d = UnitScale.scaled(response[i], ky) - weightedMean; centred += w[i] * d * d }
            // A constant column: one value, not zero, on every row the fit saw.
            let hasConstant = (0..<p).contains { j in
                let v = design.elements[rows[0] * p + j]
                return v != 0 && rows.allSatisfy { design.elements[$0 * p + j] == v }
            }
            let total = hasConstant ? centred : uncentred
            // R² = 1 − RSS/TSS with both sums in their own scale: RSS/TSS = (RSSₛ/TSSₛ)·2^(2ky − 2kr).
            let rSquared = total > 0 ? 1 - UnitScale.scaled(scaledRSS / total, 2 * (ky - kr)) : 0
            let residualDF = n - p
            // An essentially perfect fit — residuals at the rounding error of the fitted values,
            // σ̂² < 10⁻³⁰ · Σwᵢŷᵢ²/Σwᵢ (R's test in `summary.lm`) — is one too: exact data whose
            // residuals happen to round to 0 and exact data whose residuals do not are the
            // same case, and its log-likelihood would only measure rounding.
            let roundingLevel = UnitScale.scaled(1e-30 * fittedSquares / totalWeight, 2 * (kr - ky))
            guard scaledRSS / Double(residualDF) >= roundingLevel else { throw .perfectFit }
            let rss = UnitScale.scaled(scaledRSS, -2 * kr)
            let sigma2 = rss / Double(residualDF)
            // statsmodels' WLS llf: Gaussian errors with variance σ²/wᵢ, σ² at its ML value rss/n.
            let nn = Double(n)
            let logRSSPerRow = log(scaledRSS / nn) - Double(2 * kr) * M_LN2
            let logLikelihood = -0.5 * nn * (2 * Normal.logRootTwoPi + logRSSPerRow + 1) + 0.5 * sumLogWeights
            guard (rss * weightScale).isFinite, (sigma2 * weightScale).isFinite, sigma2 * weightScale > 0,
                  rSquared.isFinite, logLikelihood.isFinite else {
                throw .numericalFailure("the residual sum of squares of the least-squares fit leaves the double range; rescale the response")
            }
            var covariance: Matrix? = nil
            if let inv = inverseInformation {
                switch kind {
                case .sandwich:
                    // B = Σ wᵢ² rᵢ² xᵢxᵢᵀ, then A⁻¹ B A⁻¹.
                    var b = [Double](repeating: 0, count: p * p)
                    for i in rows {
                        let f = w[i] * w[i] * residuals[i] * residuals[i]
                        for j in 0..<p { for k in 0..<p { b[j * p + k] += f * design.elements[i * p + j] * design.elements[i * p + k] } }
                    }
                    var left = [Double](repeating: 0, count: p * p), c = [Double](repeating: 0, count: p * p)
                    for j in 0..<p { for k in 0..<p { var v = 0.0; for l in 0..<p { v += inv[j * p + l] * b[l * p + k] }; left[j * p + k] = v } }
                    for j in 0..<p { for k in 0..<p { var v = 0.0; for l in 0..<p { v += left[j * p + l] * inv[l * p + k] }; c[j * p + k] = v } }
                    covariance = Matrix(uncheckedRows: p, columns: p, elements: c)
                default:
                    covariance = Matrix(uncheckedRows: p, columns: p, elements: inv.map { $0 * sigma2 })
                }
            }
            var result = FitResult(
                unchecked: (0..<p).map { .coefficient($0) }, estimates: coefficients, covariance: covariance,
                covarianceEstimator: kind == .sandwich ? .sandwich : .classical,
                observationCount: n, sampleSize: nn, logLikelihood: logLikelihood, parameterCount: p + 1,
                iterations: 0, converged: true,
                omission: .singularInformation)
            if kind != .sandwich { result.intervalDegreesOfFreedom = Double(residualDF) }
            result.leastSquares = LeastSquaresSummary(
                residuals: residuals, weightedResidualSumOfSquares: rss * weightScale, residualVariance: sigma2 * weightScale,
                rSquared: rSquared, hasConstant: hasConstant, rank: rank)
            return result
        }
    }

    /// The largest polynomial degree ``fit(_:response:degree:weights:rankTolerance:covariance:)`` accepts.
    public static let maximumDegree = 30

    /// Fits a polynomial of the given degree — a straight line y ≈ a₀ + a₁ x by default — by
    /// weighted least squares on the scaled Vandermonde matrix [tᵢᵏ], t = (x − c)/s (see
    /// ``Polynomial``). The univariate overload of the one fitting verb: a `[Double]` of
    /// abscissae fits a polynomial in x, a design `Matrix` (``fit(_:response:weights:rankTolerance:covariance:)``)
    /// a linear model in its columns.
    /// - Parameters:
    ///   - observations: the abscissae x, finite.
    ///   - response: the responses y, finite, one per observation.
    ///   - degree: n in 0 … ``maximumDegree``; 1 (a line, `coefficients` [intercept, slope]) by
    ///     default.
    ///   - weights: optional non-negative weights, not all zero; rows of weight 0 are ignored
    ///     (and do not enter c and s).
    ///   - rankTolerance: the relative tolerance of the rank decision in the least-squares solve
    ///     (as for ``fit(_:response:weights:rankTolerance:covariance:)``).
    ///   - covariance: the covariance of the coefficients to report (see ``LeastSquaresCovariance``).
    /// - Returns: the ``Polynomial`` (coefficients in t and in x) and its ``FitResult``, whose
    ///   ``FitParameter/coefficient(_:)`` are the coefficients aⱼ in powers of x (their
    ///   covariance mapped from that of the bₖ through the linear re-expansion), with
    ///   residuals and R² as ``fit(_:response:weights:rankTolerance:covariance:)``.
    /// - Throws: `.emptyData`, `.dimensionMismatch`, `.nonFiniteValue(row:column: nil)`,
    ///   `.invalidWeight`, `.invalidParameter` (degree), `.tooFewObservations` (fewer than
    ///   n + 2 rows of positive weight: σ² is estimated too), `.rankDeficient` (fewer than
    ///   n + 1 distinct x), `.perfectFit` (the points lie on the polynomial to rounding error),
    ///   `.numericalFailure` (as for the design-matrix fit).
    /// - Complexity: O(m n²) for m points.
    public static func fit(
        _ observations: [Double], response: [Double], degree: Int = 1, weights: [Double]? = nil, rankTolerance: Double? = nil,
        covariance: LeastSquaresCovariance = .automatic
    ) throws(PolytailError) -> Fitted<Polynomial> {
        let x = observations, y = response
        guard degree >= 0, degree <= maximumDegree else {
            throw .invalidParameter(name: "degree", value: Double(degree), requirement: "must be in 0…\(maximumDegree)")
        }
        guard !x.isEmpty else { throw .emptyData }
        guard y.count == x.count else { throw .dimensionMismatch(what: "response", expected: x.count, got: y.count) }
        for (i, v) in x.enumerated() where !v.isFinite { throw .nonFiniteValue(row: i, column: nil) }
        for (i, v) in y.enumerated() where !v.isFinite { throw .nonFiniteValue(row: i, column: nil) }
        let w = try DataValidation.checkWeights(weights, count: x.count)
        if let rankTolerance, !(rankTolerance.isFinite && rankTolerance >= 0) {
            throw .invalidParameter(name: "rankTolerance", value: rankTolerance, requirement: "must be finite and ≥ 0")
        }
        let p = degree + 1
        var lo = Double.infinity, hi = -Double.infinity, effective = 0
        for (v, wi) in zip(x, w) where wi > 0 { lo = min(lo, v); hi = max(hi, v); effective += 1 }
        guard effective > p else { throw .tooFewObservations(needed: p + 1, got: effective) }
        // Halves first: hi − lo and hi + lo can overflow for |x| near the double range.
        let center = 0.5 * lo + 0.5 * hi
        var scale = 0.5 * hi - 0.5 * lo
        if scale == 0 {
            guard degree == 0 else {
                throw .rankDeficient(what: "polynomial design (x takes a single value)", rank: 1, columns: p)
            }
            scale = 1
        }
        var elements = [Double](repeating: 0, count: x.count * p)
        for (i, v) in x.enumerated() {
            let t = (v - center) / scale
            var power = 1.0
            for k in 0..<p { elements[i * p + k] = power; power *= t }
        }
        let design = Matrix(uncheckedRows: x.count, columns: p, elements: elements)
        let solution = try solve(design: design, response: y, weights: w, rankTolerance: rankTolerance,
                                 what: "polynomial design (too few distinct x)")
        let kind: CovarianceEstimator
        switch covariance {
        case .automatic: kind = weights == nil ? .classical : .sandwich
        case .classical: kind = .classical
        case .sandwich: kind = .sandwich
        }
        var result = try solution.result(design: design, response: y, weights: w, weightScale: DataValidation.weightScale(weights),
                                     covariance: kind)
        // In powers of x: a = M b, M's column k the expansion of tᵏ; Cov(a) = M Cov(b) Mᵀ.
        let a = expandInX(solution.coefficients, center: center, scale: scale)
        result.estimates = a
        if let cb = result.covariance {
            var m = [Double](repeating: 0, count: p * p)
            for k in 0..<p {
                var unit = [Double](repeating: 0, count: p); unit[k] = 1
                let column = expandInX(unit, center: center, scale: scale)
                for j in 0..<p { m[j * p + k] = column[j] }
            }
            var left = [Double](repeating: 0, count: p * p), ca = [Double](repeating: 0, count: p * p)
            for j in 0..<p { for k in 0..<p { var v = 0.0; for l in 0..<p { v += m[j * p + l] * cb[l, k] }; left[j * p + k] = v } }
            for j in 0..<p { for k in 0..<p { var v = 0.0; for l in 0..<p { v += left[j * p + l] * m[k * p + l] }; ca[j * p + k] = v } }
            result.setCovariance(ca.allSatisfy(\.isFinite) ? Matrix(uncheckedRows: p, columns: p, elements: ca) : nil,
                                 otherwise: .outsideDoubleRange)
        }
        return Fitted(model: Polynomial(degree: degree, center: center, scale: scale,
                                        scaledCoefficients: solution.coefficients, coefficients: a),
                      result: result)
    }

    /// aⱼ = Σₖ≥ⱼ bₖ s⁻ᵏ C(k, j) (−c)^(k−j): Σₖ bₖ ((x − c)/s)ᵏ in powers of x, by repeated
    /// synthetic multiplication (Horner's rule on polynomials), which needs no binomials.
    static func expandInX(_ b: [Double], center c: Double, scale s: Double) -> [Double] {
        // q(x) ← q(x) · (x − c)/s + bₖ, from the top coefficient down.
        var q = [Double](repeating: 0, count: b.count)
        var length = 0
        for k in stride(from: b.count - 1, through: 0, by: -1) {
            // Multiply q (degree length − 1) by (x − c)/s.
            if length > 0 {
                var next = [Double](repeating: 0, count: length + 1)
                for j in 0..<length {
                    next[j + 1] += q[j] / s
                    next[j] -= q[j] * c / s
                }
                for j in 0...length { q[j] = next[j] }
            }
            q[0] += b[k]
            length += 1
        }
        return q
    }
}

extension LinearModel {
    /// Decodes through the same checks a fit guarantees: at least one coefficient, all finite.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let coefficients = try container.decode([Double].self, forKey: .coefficients)
        self = try validatedDecoding(decoder) { () throws(PolytailError) -> LinearModel in
            guard !coefficients.isEmpty else { throw .emptyData }
            if let j = coefficients.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteValue(row: j, column: nil) }
            return LinearModel(coefficients: coefficients)
        }
    }
}

extension Polynomial {
    /// Decodes through the checks a fit guarantees: degree ≥ 0, degree + 1 coefficients in
    /// both bases, a finite centre, a finite scale > 0 and finite coefficients.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let degree = try c.decode(Int.self, forKey: .degree)
        let center = try c.decode(Double.self, forKey: .center)
        let scale = try c.decode(Double.self, forKey: .scale)
        let scaled = try c.decode([Double].self, forKey: .scaledCoefficients)
        let plain = try c.decode([Double].self, forKey: .coefficients)
        self = try validatedDecoding(decoder) { () throws(PolytailError) -> Polynomial in
            guard degree >= 0, degree < Int.max else {
                throw .invalidParameter(name: "degree", value: Double(degree), requirement: "must be ≥ 0")
            }
            guard scaled.count == degree + 1 else {
                throw .dimensionMismatch(what: "scaledCoefficients", expected: degree + 1, got: scaled.count)
            }
            guard plain.count == degree + 1 else {
                throw .dimensionMismatch(what: "coefficients", expected: degree + 1, got: plain.count)
            }
            try LocationScale.check(location: center, scale: scale, names: ("center", "scale"))
            if let j = (scaled + plain).firstIndex(where: { !$0.isFinite }) { throw .nonFiniteValue(row: j, column: nil) }
            return Polynomial(degree: degree, center: center, scale: scale, scaledCoefficients: scaled, coefficients: plain)
        }
    }
}
