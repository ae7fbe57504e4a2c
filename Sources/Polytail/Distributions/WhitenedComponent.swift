import Foundation

/// A normal or Student-t density in whitened form, the one representation behind
/// ``MultivariateNormal/logDensities(_:)``, ``MultivariateT/logDensities(_:)``, discriminant
/// analysis (its class conditionals) and ``ImportanceWeights`` (p_s and p_t):
///
///     log f(x) = c − ½ δ²                        (normal)
///     log f(x) = c − ((ν + d)/2) log(1 + δ²/ν)   (Student t),
///
/// with δ² = ‖L⁻¹(x − μ)‖², Σ = L Lᵀ (Cholesky), and the log-normaliser
/// c = −½ (d log 2π + log|Σ|) for the normal and
/// c = log Γ((ν+d)/2) − log Γ(ν/2) − (d/2) log(νπ) − ½ log|Σ| for the t (Kotz & Nadarajah
/// 2004, Eq. 1.1; the gamma ratio from ``GammaRatio``, free of lgamma cancellation at large ν).
struct WhitenedComponent: Sendable {
    /// μ.
    let location: [Double]
    /// L, the lower Cholesky factor of the covariance (normal) or scatter (t).
    let lower: Matrix
    /// log|Σ| = 2 Σ log Lⱼⱼ.
    let logDeterminant: Double
    /// ν for the t, nil for the normal.
    let nu: Double?
    /// c, the part of log f free of x.
    let logNormalizer: Double

    /// d.
    var dimension: Int { location.count }
    /// (ν + d)/2 for the t, 0 for the normal.
    var halfPower: Double { nu.map { 0.5 * ($0 + Double(dimension)) } ?? 0 }

    /// c = −½ (d log 2π + log|Σ|).
    static func normalLogNormalizer(dimension d: Int, logDeterminant: Double) -> Double {
        -0.5 * (Double(d) * 2 * Normal.logRootTwoPi + logDeterminant)
    }

    /// c = log Γ((ν+d)/2) − log Γ(ν/2) − (d/2) log(νπ) − ½ log|Σ|.
    static func tLogNormalizer(nu: Double, dimension d: Int, logDeterminant: Double) -> Double {
        GammaRatio.log(0.5 * nu, 0.5 * Double(d)) - 0.5 * Double(d) * StudentT.logNuPi(nu) - 0.5 * logDeterminant
    }

    init(_ n: MultivariateNormal) {
        location = n.mean
        lower = n.lower
        logDeterminant = n.logDeterminant
        nu = nil
        logNormalizer = Self.normalLogNormalizer(dimension: n.dimension, logDeterminant: n.logDeterminant)
    }

    /// At ν = ∞ (the normal limit) it is the normal component of N(μ, Σ).
    init(_ t: MultivariateT) {
        location = t.location
        lower = t.lower
        logDeterminant = t.logDeterminant
        nu = t.isNormalLimit ? nil : t.degreesOfFreedom
        logNormalizer = t.isNormalLimit
            ? Self.normalLogNormalizer(dimension: t.dimension, logDeterminant: t.logDeterminant)
            : Self.tLogNormalizer(nu: t.degreesOfFreedom, dimension: t.dimension, logDeterminant: t.logDeterminant)
    }

    /// The univariate normal as a 1 × 1 component (L = σ); c = −log √(2π) − log σ.
    init(_ n: Normal) {
        location = [n.mean]
        lower = Matrix(uncheckedRows: 1, columns: 1, elements: [n.standardDeviation])
        logDeterminant = 2 * log(n.standardDeviation)
        nu = nil
        logNormalizer = -Normal.logRootTwoPi - log(n.standardDeviation)
    }

    /// The univariate location-scale t as a 1 × 1 component (L = σ); c = c_ν − log σ. At
    /// ν = ∞ (the normal limit) it is the normal's component.
    init(_ t: StudentT) {
        location = [t.location]
        lower = Matrix(uncheckedRows: 1, columns: 1, elements: [t.scale])
        logDeterminant = 2 * log(t.scale)
        nu = t.isNormalLimit ? nil : t.degreesOfFreedom
        logNormalizer = StudentT.logNormalizer(t.degreesOfFreedom) - log(t.scale)
    }

    /// log f at Mahalanobis distance δ (not squared): c − ½δ², or c − ((ν+d)/2) log(1 + δ²/ν)
    /// taken from δ/√ν without squaring where δ² would overflow.
    @inline(__always)
    func logDensity(distance delta: Double) -> Double {
        guard let nu else { return logNormalizer - 0.5 * delta * delta }
        return logNormalizer - halfPower * StudentT.logOnePlusSquare(delta, nu)
    }

    /// log f of every row of `observations` (NaN for every row when the column count is
    /// wrong). The normal uses squared distances from one triangular solve. The t stays finite
    /// for far rows: each row is centred and scaled by a power of two as (xⱼ/2 − μⱼ/2)/2ᵏ
    /// (exact, and no difference or square can overflow, even for x =
    /// ±`Double.greatestFiniteMagnitude`), and log(1 + δ²/ν) is taken from the scaled distance
    /// and k without forming δ when δ itself would overflow; a t row with a NaN gives NaN, one
    /// with an infinite coordinate (and no NaN) −∞.
    func logDensities(_ observations: Matrix) -> [Double] {
        guard observations.columns == dimension else { return [Double](repeating: .nan, count: observations.rows) }
        guard let nu else {
            return Self.squaredDistances(observations, location: location, lower: lower).map { logNormalizer - 0.5 * $0 }
        }
        let scales = Self.rowScales(observations, locations: [location])
        let exponents = scales.map(\.exponent)
        // δ = 2^(k+1) δ̃ exactly.
        let scaled = scaledDistances(observations, exponents: exponents)
        let half = halfPower
        return (0..<observations.rows).map { i in
            if scales[i].hasNaN { return .nan }
            if scales[i].hasInfinity { return -.infinity }
            return logNormalizer - half * Self.logOnePlusSquare(scaled[i], exponent: exponents[i] + 1, nu: nu)
        }
    }

    /// How a row is scaled before its distance is taken: the exponent k of the largest
    /// |xⱼ/2 − μⱼ/2| over the coordinates j and the given locations μ (0 when that is 0, or
    /// when the row holds a NaN or an infinity), so that the centred row divided by 2ᵏ is an
    /// exact scaling of x − μ that cannot overflow (``scaledDistances(_:exponents:)``).
    struct RowScale {
        var exponent = 0
        var hasNaN = false
        var hasInfinity = false
    }

    /// The ``RowScale`` of every row of `points` against `locations` (one for a density, the
    /// two of a density ratio).
    static func rowScales(_ points: Matrix, locations: [[Double]]) -> [RowScale] {
        let n = points.rows, d = points.columns
        var scales = [RowScale](repeating: RowScale(), count: n)
        for i in 0..<n {
            var e = 0.0
            for j in 0..<d {
                let x = points.elements[i * d + j]
                if x.isNaN { scales[i].hasNaN = true } else if x.isInfinite { scales[i].hasInfinity = true }
                for mu in locations { e = max(e, abs(0.5 * x - 0.5 * mu[j])) }
            }
            if !scales[i].hasNaN, !scales[i].hasInfinity, e > 0 { scales[i].exponent = e.exponent }
        }
        return scales
    }

    /// The rows of `observations` minus `location`, whitened: Y L⁻ᵀ (one `dtrsm`).
    static func whitened(_ observations: Matrix, location: [Double], lower: Matrix) -> [Double] {
        let n = observations.rows, d = observations.columns
        var y = observations.elements
        for i in 0..<n { for j in 0..<d { y[i * d + j] -= location[j] } }
        Lapack.solveLowerTransposedRight(lower, &y, rows: n)
        return y
    }

    /// Squared Mahalanobis distances (xᵢ − μ)ᵀ Σ⁻¹ (xᵢ − μ) of the rows, one triangular solve
    /// for all rows (CBLAS `dtrsm`).
    static func squaredDistances(_ observations: Matrix, location: [Double], lower: Matrix) -> [Double] {
        let n = observations.rows, d = observations.columns
        var out = [Double](repeating: 0, count: n)
        // In blocks of rows, so that the whitened copy is one block (≤ 256 KB), not n × d: a
        // fit's peak memory is then the data plus a few n-vectors.
        observations.forEachCentredBlock(center: location, blockRows: max(1, 32_768 / max(d, 1))) { first, rows, block in
            Lapack.solveLowerTransposedRight(lower, &block, rows: rows)
            for r in 0..<rows {
                var s = 0.0
                for j in 0..<d { let v = block[r * d + j]; s += v * v }
                out[first + r] = s
            }
        }
        return out
    }

    /// Mahalanobis distances δᵢ (not squared), overflow-safe: each whitened row is scaled by
    /// its largest entry before squaring. NaN for a row holding a NaN.
    static func distances(_ observations: Matrix, location: [Double], lower: Matrix) -> [Double] {
        let n = observations.rows, d = observations.columns
        let y = whitened(observations, location: location, lower: lower)
        return (0..<n).map { i in
            var m = 0.0
            for j in 0..<d {
                let v = abs(y[i * d + j])
                if v.isNaN { return .nan }  // max(·, NaN) would silently drop it
                m = max(m, v)
            }
            if m == 0 || !m.isFinite { return m }
            var s = 0.0
            for j in 0..<d { let v = y[i * d + j] / m; s += v * v }
            return m * s.squareRoot()
        }
    }

    /// δ̃ᵢ = δ(xᵢ)/2^(kᵢ+1): Mahalanobis distances of the rows centred and scaled as
    /// ((xⱼ/2 − μⱼ/2)/2^kᵢ) — exact scalings that cannot overflow — one triangular solve for
    /// all rows.
    func scaledDistances(_ observations: Matrix, exponents: [Int]) -> [Double] {
        let n = observations.rows, d = observations.columns
        var y = observations.elements
        for i in 0..<n {
            for j in 0..<d {
                let c = 0.5 * y[i * d + j] - 0.5 * location[j]
                y[i * d + j] = c.isFinite ? Double(sign: .plus, exponent: -exponents[i], significand: c) : 0
            }
        }
        return Self.distances(Matrix(uncheckedRows: n, columns: d, elements: y),
                              location: [Double](repeating: 0, count: d), lower: lower)
    }

    /// log(1 + δ²/ν) for δ = 2ᵏ δ̃, finite for every finite δ̃ even where 2ᵏ δ̃ overflows.
    static func logOnePlusSquare(_ scaled: Double, exponent k: Int, nu: Double) -> Double {
        let delta = Double(sign: .plus, exponent: k, significand: scaled)
        if delta.isFinite { return StudentT.logOnePlusSquare(delta, nu) }
        // δ > 1.7·10³⁰⁸, so δ²/ν ≫ 1 unless ν is astronomically large: log(1 + a²) = 2 log a
        // + log1p(a⁻²) with a = δ/√ν, and log δ = log δ̃ + k log 2.
        let logA = log(scaled) + Double(k) * M_LN2 - 0.5 * log(nu)
        return 2 * logA + log1p(exp(-2 * logA))
    }

    /// vᵀ Σ⁻¹ μ = (L⁻¹v)ᵀ(L⁻¹μ).
    func whitenedDot(_ v: [Double]) -> Double {
        var a = v, b = location
        Lapack.solveLower(lower, &a)
        Lapack.solveLower(lower, &b)
        return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
