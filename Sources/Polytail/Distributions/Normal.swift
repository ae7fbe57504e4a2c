import Foundation

/// The normal distribution N(μ, σ²):
/// f(x) = exp(−(x − μ)² / (2σ²)) / (σ √(2π)).
///
/// Its tails are exponential in x²: the source of the overconfidence the paper
/// (Wang & Loog 2022, §3.1, Eq. 7) describes.
public struct Normal: UnivariateDistribution, Equatable, Codable, Hashable {
    /// μ.
    public let mean: Double
    /// σ > 0.
    public let standardDeviation: Double

    /// - Throws: `PolytailError.invalidParameter` unless μ is finite and σ finite and positive.
    public init(mean: Double = 0, standardDeviation: Double = 1) throws(PolytailError) {
        try LocationScale.check(location: mean, scale: standardDeviation, names: ("mean", "standardDeviation"))
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    enum CodingKeys: String, CodingKey { case mean, standardDeviation }

    /// Decodes through the validating initialiser.
    /// - Throws: `DecodingError.dataCorrupted` for parameters the initialiser rejects.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let mean = try c.decode(Double.self, forKey: .mean)
        let sd = try c.decode(Double.self, forKey: .standardDeviation)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try Normal(mean: mean, standardDeviation: sd)
        }
    }

    static let logRootTwoPi = 0.91893853320467274178

    public func logDensity(_ x: Double) -> Double {
        let z = (x - mean) / standardDeviation
        return -0.5 * z * z - log(standardDeviation) - Normal.logRootTwoPi
    }

    public func cdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return GSL.normalP((x - mean) / standardDeviation)
    }

    public func survival(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return GSL.normalQ((x - mean) / standardDeviation)
    }

    public func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        // Invert the smaller tail, where p carries its digits.
        let z = p <= 0.5 ? GSL.normalPInverse(p) : GSL.normalQInverse(1 - p)
        return mean + standardDeviation * z
    }

    public func sample(using generator: inout PolytailRandom) -> Double {
        mean + standardDeviation * generator.standardNormal()
    }
}
