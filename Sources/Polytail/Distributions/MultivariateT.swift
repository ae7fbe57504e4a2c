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

    /// log f of every row of `observations` (NaN for every row when the column count is
    /// wrong). Far observations stay finite, up to x = ±`Double.greatestFiniteMagnitude`
    /// (see the internal `WhitenedComponent.logDensities(_:)`); a row with a NaN gives NaN, a row with
    /// an infinite coordinate (and no NaN) −∞.
    /// - Parameter observations: n × d.
    /// - Returns: n log-densities.
    public func logDensities(_ observations: Matrix) -> [Double] {
        WhitenedComponent(self).logDensities(observations)
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
