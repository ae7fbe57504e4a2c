import Foundation

/// The d-variate normal N(μ, Σ):
/// log f(x) = −½ d log 2π − ½ log det Σ − ½ (x − μ)ᵀ Σ⁻¹ (x − μ).
///
/// Σ is factorised once, Σ = L Lᵀ (LAPACKE `dpotrf`); densities then solve with L.
public struct MultivariateNormal: MultivariateDistribution, Equatable, Codable {
    /// μ.
    public let mean: [Double]
    /// Σ, symmetric positive definite.
    public let covariance: Matrix
    /// The lower Cholesky factor of Σ.
    let lower: Matrix
    /// log det Σ = 2 Σ log Lᵢᵢ.
    let logDeterminant: Double

    public var dimension: Int { mean.count }

    /// - Throws: ``PolytailError`` when μ has non-finite entries, the sizes disagree, Σ is
    ///   not symmetric (relative 1e-10) or not positive definite.
    public init(mean: [Double], covariance: Matrix) throws(PolytailError) {
        (lower, logDeterminant) = try MultivariateNormal.factor(location: mean, matrix: covariance, what: "covariance")
        self.mean = mean
        self.covariance = covariance
    }

    static func factor(location: [Double], matrix: Matrix, what: String) throws(PolytailError) -> (Matrix, Double) {
        let d = location.count
        guard d > 0 else { throw .emptyData }
        for (j, v) in location.enumerated() where !v.isFinite {
            throw .invalidParameter(name: "location[\(j)]", value: v, requirement: "must be finite")
        }
        guard matrix.rows == d, matrix.columns == d else {
            throw .dimensionMismatch(what: what, expected: d, got: matrix.rows == d ? matrix.columns : matrix.rows)
        }
        for i in 0..<d {
            for j in 0..<d {
                let a = matrix[i, j], b = matrix[j, i]
                guard a.isFinite else { throw .invalidParameter(name: "\(what)[\(i),\(j)]", value: a, requirement: "must be finite") }
                guard abs(a - b) <= 1e-10 * max(abs(a), abs(b), Double.leastNormalMagnitude) else {
                    throw .invalidParameter(name: "\(what)[\(i),\(j)]", value: a, requirement: "must equal \(what)[\(j),\(i)] = \(b) (symmetric)")
                }
            }
        }
        let lower = try Lapack.choleskyLower(matrix, what: what)
        var logDet = 0.0
        for i in 0..<d { logDet += 2 * log(lower[i, i]) }
        return (lower, logDet)
    }

    /// log f of every row of `observations` (NaN for every row when the column count is
    /// wrong), from the squared Mahalanobis distances of one triangular solve (see
    /// the whitened component the importance weights share).
    /// - Parameter observations: n × d.
    /// - Returns: n log-densities.
    public func logDensities(_ observations: Matrix) -> [Double] {
        WhitenedComponent(self).logDensities(observations)
    }

    /// One draw μ + L z, z ~ N(0, I).
    public func sample(using generator: inout PolytailRandom) -> [Double] {
        let z = (0..<dimension).map { _ in generator.standardNormal() }
        return (0..<dimension).map { i in
            var s = mean[i]
            for j in 0...i { s += lower[i, j] * z[j] }
            return s
        }
    }

    /// Decodes through the throwing initialiser, so a decoded value is always valid.
    /// - Throws: `DecodingError.dataCorrupted` for parameters the initialiser rejects.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let mean = try c.decode([Double].self, forKey: .mean)
        let covariance = try c.decode(Matrix.self, forKey: .covariance)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try MultivariateNormal(mean: mean, covariance: covariance)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(covariance, forKey: .covariance)
    }

    enum CodingKeys: String, CodingKey { case mean, covariance }

    public static func == (a: MultivariateNormal, b: MultivariateNormal) -> Bool {
        a.mean == b.mean && a.covariance == b.covariance
    }
}
