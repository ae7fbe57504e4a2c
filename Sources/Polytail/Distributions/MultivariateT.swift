import Foundation

/// The d-variate location-scale Student t with location μ, scatter matrix Σ and ν degrees
/// of freedom (Kotz & Nadarajah 2004, Eq. 1.1): with δ² = (x − μ)ᵀ Σ⁻¹ (x − μ),
///
///     f(x) = Γ((ν+d)/2) / (Γ(ν/2) (νπ)^{d/2} |Σ|^{1/2}) · (1 + δ²/ν)^{−(ν+d)/2}.
///
/// Its covariance is Σ ν/(ν−2) for ν > 2. Like ``StudentT`` it has polynomial tails
/// (f ∝ δ^{−(ν+d)}): the class conditional that makes LDA conservative.
///
/// As for ``StudentT``, ν = ∞ is allowed and is the limit ν → ∞, the multivariate normal
/// N(μ, Σ) (``isNormalLimit``, ``normalLimit``): densities, sampling and persistence are the
/// normal's. Fits never return it: ``fit(_:weights:degreesOfFreedom:tolerance:maxIterations:)``
/// keeps an estimated ν inside the rule's finite range (``FitResult/dfAtBound`` when it stops
/// at the maximum, ``FitResult/tailTest`` for the test against the normal), and a fixed ν must
/// be finite there.
public struct MultivariateT: MultivariateDistribution, Equatable, Codable {
    /// μ.
    public let location: [Double]
    /// Σ, symmetric positive definite.
    public let scatter: Matrix
    /// ν ≥ ``StudentT/minimumDegreesOfFreedom``, or +∞ for the normal limit.
    public let degreesOfFreedom: Double
    let lower: Matrix
    let logDeterminant: Double

    public var dimension: Int { location.count }

    /// A multivariate t from its parameters.
    /// - Parameters:
    ///   - location: μ, d finite entries.
    ///   - scatter: Σ, d × d symmetric positive definite.
    ///   - degreesOfFreedom: ν ≥ ``StudentT/minimumDegreesOfFreedom``, or `.infinity` for the
    ///     multivariate normal N(μ, Σ).
    /// - Throws: ``PolytailError`` for NaN, −∞ or too small ν, non-finite μ,
    ///   mismatched sizes, or a scatter matrix that is not symmetric positive definite.
    public init(location: [Double], scatter: Matrix, degreesOfFreedom: Double) throws(PolytailError) {
        guard degreesOfFreedom >= StudentT.minimumDegreesOfFreedom,
              degreesOfFreedom.isFinite || degreesOfFreedom == .infinity else {
            throw .invalidParameter(name: "degreesOfFreedom", value: degreesOfFreedom,
                                    requirement: "must be ≥ \(StudentT.minimumDegreesOfFreedom) (+∞ for the normal limit)")
        }
        (lower, logDeterminant) = try MultivariateNormal.factor(location: location, matrix: scatter, what: "scatter")
        self.location = location
        self.scatter = scatter
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// log f of every row of `observations` (NaN for every row when the column count is
    /// wrong). Far observations stay finite, up to x = ±`Double.greatestFiniteMagnitude`
    /// (see the internal `WhitenedComponent.logDensities(_:)`); a row with a NaN gives NaN, a row with
    /// an infinite coordinate (and no NaN) −∞.
    /// - Parameter observations: n × d.
    /// - Returns: n log-densities.
    public func logDensities(_ observations: Matrix) -> [Double] {
        WhitenedComponent(self).logDensities(observations)
    }

    /// Whether ν = ∞: the distribution is the multivariate normal N(μ, Σ).
    public var isNormalLimit: Bool { degreesOfFreedom == .infinity }

    /// N(μ, Σ), the limit ν → ∞ (the distribution itself when ``isNormalLimit``).
    public var normalLimit: MultivariateNormal { try! MultivariateNormal(mean: location, covariance: scatter) }

    /// One draw μ + L z / √(χ²_ν/ν) (μ + L z at ν = ∞).
    public func sample(using generator: inout PolytailRandom) -> [Double] {
        let z = (0..<dimension).map { _ in generator.standardNormal() }
        let s = isNormalLimit ? 1 : (generator.chiSquared(degreesOfFreedom) / degreesOfFreedom).squareRoot()
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
        let nu = try c.decodeAllowingInfinity(forKey: .degreesOfFreedom)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try MultivariateT(location: location, scatter: scatter, degreesOfFreedom: nu)
        }
    }

    /// Encodes μ, Σ and ν; ν = ∞ as the string `"Infinity"` (as ``StudentT`` does).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(location, forKey: .location)
        try c.encode(scatter, forKey: .scatter)
        try c.encodeAllowingInfinity(degreesOfFreedom, forKey: .degreesOfFreedom)
    }

    enum CodingKeys: String, CodingKey { case location, scatter, degreesOfFreedom }

    public static func == (a: MultivariateT, b: MultivariateT) -> Bool {
        a.location == b.location && a.scatter == b.scatter && a.degreesOfFreedom == b.degreesOfFreedom
    }
}
