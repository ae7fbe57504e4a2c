import Foundation

/// The d-variate location-scale Student t with location μ, scatter matrix Σ and ν degrees
/// of freedom (Kotz & Nadarajah 2004, Eq. 1.1): with δ² = (x − μ)ᵀ Σ⁻¹ (x − μ),
///
///     f(x) = Γ((ν+d)/2) / (Γ(ν/2) (νπ)^{d/2} |Σ|^{1/2}) · (1 + δ²/ν)^{−(ν+d)/2}.
///
/// Its covariance is Σ ν/(ν−2) for ν > 2. Like ``StudentT`` it has polynomial tails
/// (f ∝ δ^{−(ν+d)}): the class conditional that makes LDA conservative.
public struct MultivariateT: MultivariateDistribution, Equatable, Codable {
    /// μ.
    public let location: [Double]
    /// Σ, symmetric positive definite.
    public let scatter: Matrix
    /// ν > 0.
    public let degreesOfFreedom: Double
    let lower: Matrix
    let logDeterminant: Double

    public var dimension: Int { location.count }

    /// - Throws: ``PolytailError`` for non-finite or non-positive ν, non-finite μ,
    ///   mismatched sizes, or a scatter matrix that is not symmetric positive definite.
    public init(location: [Double], scatter: Matrix, degreesOfFreedom: Double) throws(PolytailError) {
        guard degreesOfFreedom.isFinite, degreesOfFreedom >= StudentT.minimumDegreesOfFreedom else {
            throw .invalidParameter(name: "degreesOfFreedom", value: degreesOfFreedom,
                                    requirement: "must be finite and ≥ \(StudentT.minimumDegreesOfFreedom)")
        }
        (lower, logDeterminant) = try MultivariateNormal.factor(location: location, matrix: scatter, what: "scatter")
        self.location = location
        self.scatter = scatter
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// log Γ((ν+d)/2) − log Γ(ν/2) − (d/2) log(νπ) − ½ log|Σ|, the gamma ratio from
    /// ``GammaRatio`` (no lgamma cancellation at large ν).
    static func logNormalizer(nu: Double, d: Int, logDeterminant: Double) -> Double {
        GammaRatio.log(0.5 * nu, 0.5 * Double(d)) - 0.5 * Double(d) * log(nu * Double.pi) - 0.5 * logDeterminant
    }

    /// log f of every row of `x`. Far points stay finite: each row is centred and scaled by a
    /// power of two as (xⱼ/2 − μⱼ/2)/2ᵏ (exact, and no difference or square can overflow,
    /// even for x = ±`Double.greatestFiniteMagnitude`), and log(1 + δ²/ν) is taken from the
    /// scaled distance and k without forming δ when δ itself would overflow. A row with a
    /// NaN gives NaN; a row with an infinite coordinate (and no NaN) gives −∞.
    public func logDensities(_ x: Matrix) -> [Double] {
        guard x.columns == dimension else { return [Double](repeating: .nan, count: x.rows) }
        let nu = degreesOfFreedom, n = x.rows, d = dimension
        let c = MultivariateT.logNormalizer(nu: nu, d: d, logDeterminant: logDeterminant)
        let half = 0.5 * (nu + Double(d))
        var exponents = [Int](repeating: 0, count: n)
        var special = [Double?](repeating: nil, count: n)
        for i in 0..<n {
            var e = 0.0
            for j in 0..<d {
                let v = x.elements[i * d + j]
                if v.isNaN { special[i] = .nan; break }
                if v.isInfinite { special[i] = -.infinity }
                e = max(e, abs(0.5 * v - 0.5 * location[j]))
            }
            if special[i] == nil, e > 0 { exponents[i] = e.exponent }
        }
        // δ = 2^(k+1) δ̃ exactly.
        let scaled = Component(self).scaledDistances(x, exponents: exponents)
        return (0..<n).map { i in
            special[i] ?? c - half * Component.logOnePlusSquare(scaled[i], exponent: exponents[i] + 1, nu: nu)
        }
    }

    /// Mahalanobis distances δᵢ (not squared), overflow-safe through scaling.
    static func distances(_ x: Matrix, location: [Double], lower: Matrix) -> [Double] {
        let n = x.rows, d = x.columns
        var y = x.elements
        for i in 0..<n { for j in 0..<d { y[i * d + j] -= location[j] } }
        Lapack.solveLowerTransposedRight(lower, &y, rows: n)
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

    /// One draw μ + L z / √(χ²_ν/ν).
    public func sample(using generator: inout PolytailRandom) -> [Double] {
        let z = (0..<dimension).map { _ in generator.standardNormal() }
        let s = (generator.chiSquared(degreesOfFreedom) / degreesOfFreedom).squareRoot()
        return (0..<dimension).map { i in
            var v = 0.0
            for j in 0...i { v += lower[i, j] * z[j] }
            return location[i] + v / s
        }
    }

    /// Decodes through the validating initialiser.
    /// - Throws: `DecodingError.dataCorrupted` for parameters the initialiser rejects.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let location = try c.decode([Double].self, forKey: .location)
        let scatter = try c.decode(Matrix.self, forKey: .scatter)
        let nu = try c.decode(Double.self, forKey: .degreesOfFreedom)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try MultivariateT(location: location, scatter: scatter, degreesOfFreedom: nu)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(location, forKey: .location)
        try c.encode(scatter, forKey: .scatter)
        try c.encode(degreesOfFreedom, forKey: .degreesOfFreedom)
    }

    enum CodingKeys: String, CodingKey { case location, scatter, degreesOfFreedom }

    public static func == (a: MultivariateT, b: MultivariateT) -> Bool {
        a.location == b.location && a.scatter == b.scatter && a.degreesOfFreedom == b.degreesOfFreedom
    }
}
