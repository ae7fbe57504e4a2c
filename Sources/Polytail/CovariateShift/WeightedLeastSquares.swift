import Foundation

/// A weighted least-squares fit of a linear model y ≈ X β.
public struct LeastSquaresFit: Equatable, Sendable, Codable {
    /// β̂, one entry per design column.
    public var coefficients: [Double]
    /// Σᵢ wᵢ (yᵢ − xᵢᵀβ̂)² over the rows the fit saw (wᵢ = 1 without weights).
    public var weightedResidualSumOfSquares: Double
    /// The numerical rank of the (row- and column-scaled) design; equal to the number of
    /// columns for every fit that is returned (rank deficiency is thrown).
    public var rank: Int

    /// X β̂ for the rows of `design`; NaN for every row when the column count differs.
    /// - Complexity: O(n p).
    public func predict(_ design: Matrix) -> [Double] {
        guard design.columns == coefficients.count else { return [Double](repeating: .nan, count: design.rows) }
        let p = design.columns
        return (0..<design.rows).map { i in
            var s = 0.0
            for j in 0..<p { s += design.elements[i * p + j] * coefficients[j] }
            return s
        }
    }
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
public struct PolynomialFit: Equatable, Sendable, Codable {
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
    /// Σᵢ wᵢ (yᵢ − p(xᵢ))².
    public var weightedResidualSumOfSquares: Double
    /// The numerical rank of the scaled Vandermonde matrix (= degree + 1).
    public var rank: Int

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
    ///   - design: X, n × p, finite entries.
    ///   - response: y, n finite values.
    ///   - weights: optional non-negative finite weights, not all zero (default: all one).
    ///     Rows of weight 0 are ignored.
    ///   - rankTolerance: the design is rank deficient when the estimated reciprocal
    ///     condition number of its equilibrated QR factor falls below this
    ///     (default ``defaultRankTolerance(rows:columns:)``).
    /// - Returns: β̂, Σwᵢrᵢ² and the rank.
    /// - Throws: ``PolytailError/emptyData``, `.dimensionMismatch` (response or weights),
    ///   `.nonFiniteValue(row:column:)` (design: with column; response: column nil),
    ///   `.invalidWeight`, `.tooFewObservations` (fewer rows of positive weight than
    ///   columns), `.rankDeficient` (collinear or zero columns), `.invalidParameter`
    ///   (a negative or non-finite tolerance).
    /// - Complexity: O(n p²) (`dgelsy`).
    public static func fit(
        design: Matrix, response: [Double], weights: [Double]? = nil, rankTolerance: Double? = nil
    ) throws(PolytailError) -> LeastSquaresFit {
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
        var fit = try solve(design: design, response: response, weights: w, rankTolerance: rankTolerance, what: "design matrix")
        // The solve saw the weights divided by their maximum; the RSS is stated for the weights as given.
        fit.weightedResidualSumOfSquares *= DataValidation.weightScale(weights)
        return fit
    }

    /// Validated input: scale, solve, unscale.
    static func solve(design: Matrix, response: [Double], weights w: [Double], rankTolerance: Double?,
                      what: String) throws(PolytailError) -> LeastSquaresFit {
        let p = design.columns
        let rows = (0..<design.rows).filter { w[$0] > 0 }
        let n = rows.count
        guard n >= p else { throw .tooFewObservations(needed: p, got: n) }
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
        var rss = 0.0
        for i in rows {
            var fitted = 0.0
            for j in 0..<p { fitted += design.elements[i * p + j] * beta[j] }
            let r = response[i] - fitted
            rss += w[i] * r * r
        }
        return LeastSquaresFit(coefficients: beta, weightedResidualSumOfSquares: rss, rank: rank)
    }

    /// The largest polynomial degree ``polynomial(x:y:degree:weights:rankTolerance:)`` accepts.
    public static let maximumDegree = 30

    /// Fits a polynomial of the given degree by weighted least squares on the scaled
    /// Vandermonde matrix [tᵢᵏ], t = (x − c)/s (see ``PolynomialFit``).
    /// - Parameters:
    ///   - x: the abscissae, finite.
    ///   - y: the responses, finite, as many as x.
    ///   - degree: n in 0 … ``maximumDegree``.
    ///   - weights: optional non-negative weights, not all zero; rows of weight 0 are ignored
    ///     (and do not enter c and s).
    /// - Returns: the fit, its coefficients in t and in x.
    /// - Throws: `.emptyData`, `.dimensionMismatch`, `.nonFiniteValue(row:column: nil)`,
    ///   `.invalidWeight`, `.invalidParameter` (degree), `.tooFewObservations` (fewer than
    ///   n + 1 rows of positive weight), `.rankDeficient` (fewer than n + 1 distinct x).
    /// - Complexity: O(m n²) for m points.
    public static func polynomial(
        x: [Double], y: [Double], degree: Int, weights: [Double]? = nil, rankTolerance: Double? = nil
    ) throws(PolytailError) -> PolynomialFit {
        guard degree >= 0, degree <= maximumDegree else {
            throw .invalidParameter(name: "degree", value: Double(degree), requirement: "must be in 0…\(maximumDegree)")
        }
        guard !x.isEmpty else { throw .emptyData }
        guard y.count == x.count else { throw .dimensionMismatch(what: "y", expected: x.count, got: y.count) }
        for (i, v) in x.enumerated() where !v.isFinite { throw .nonFiniteValue(row: i, column: nil) }
        for (i, v) in y.enumerated() where !v.isFinite { throw .nonFiniteValue(row: i, column: nil) }
        let w = try DataValidation.checkWeights(weights, count: x.count)
        if let rankTolerance, !(rankTolerance.isFinite && rankTolerance >= 0) {
            throw .invalidParameter(name: "rankTolerance", value: rankTolerance, requirement: "must be finite and ≥ 0")
        }
        let p = degree + 1
        var lo = Double.infinity, hi = -Double.infinity, effective = 0
        for (v, wi) in zip(x, w) where wi > 0 { lo = min(lo, v); hi = max(hi, v); effective += 1 }
        guard effective >= p else { throw .tooFewObservations(needed: p, got: effective) }
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
        let fit = try solve(design: design, response: y, weights: w, rankTolerance: rankTolerance,
                            what: "polynomial design (too few distinct x)")
        return PolynomialFit(
            degree: degree, center: center, scale: scale, scaledCoefficients: fit.coefficients,
            coefficients: expandInX(fit.coefficients, center: center, scale: scale),
            weightedResidualSumOfSquares: fit.weightedResidualSumOfSquares * DataValidation.weightScale(weights), rank: fit.rank)
    }

    /// The weighted least-squares line y ≈ a₀ + a₁ x: ``polynomial(x:y:degree:weights:rankTolerance:)``
    /// with degree 1; `coefficients` are [intercept, slope].
    public static func line(x: [Double], y: [Double], weights: [Double]? = nil) throws(PolytailError) -> PolynomialFit {
        try polynomial(x: x, y: y, degree: 1, weights: weights)
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
