import Foundation

/// A continuous distribution on the real line.
///
/// Conforming types provide the log-density and both tails; the rest is derived.
/// Evaluation never throws: NaN in gives NaN out, and a point outside the support has
/// log-density −∞.
public protocol UnivariateDistribution: Sendable {
    /// log f(x).
    func logDensity(_ x: Double) -> Double
    /// P(X ≤ x).
    func cdf(_ x: Double) -> Double
    /// P(X > x), computed directly (never as 1 − cdf) so that upper tails keep their digits.
    func survival(_ x: Double) -> Double
    /// The x with cdf(x) = p, for p in [0, 1]; NaN outside.
    func quantile(_ p: Double) -> Double
    /// One draw.
    func sample(using generator: inout PolytailRandom) -> Double
}

extension UnivariateDistribution {
    /// f(x) = exp(log f(x)).
    public func density(_ x: Double) -> Double { exp(logDensity(x)) }

    /// `count` independent draws.
    public func sample(_ count: Int, using generator: inout PolytailRandom) -> [Double] {
        (0..<max(count, 0)).map { _ in sample(using: &generator) }
    }

    /// Σᵢ wᵢ log f(xᵢ) (wᵢ = 1 without weights). Lengths are not checked here:
    /// fitting functions validate their input first.
    public func logLikelihood(_ observations: [Double], weights: [Double]? = nil) -> Double {
        var total = 0.0
        if let weights {
            for (x, w) in zip(observations, weights) where w != 0 { total += w * logDensity(x) }
        } else {
            for x in observations { total += logDensity(x) }
        }
        return total
    }
}

/// The parameter rule every location-scale family shares (``Normal``, ``StudentT``,
/// ``NoncentralT``, the x-scaling of a ``Polynomial``): a finite location and a finite,
/// positive scale.
enum LocationScale {
    /// - Parameters:
    ///   - location: μ (or the mean, the centre).
    ///   - scale: σ (or the standard deviation, the half-range).
    ///   - names: how errors name the two parameters.
    /// - Throws: `.invalidParameter` naming the first that breaks the rule.
    static func check(location: Double, scale: Double, names: (location: String, scale: String) = ("location", "scale")) throws(PolytailError) {
        guard location.isFinite else {
            throw .invalidParameter(name: names.location, value: location, requirement: "must be finite")
        }
        guard scale.isFinite, scale > 0 else {
            throw .invalidParameter(name: names.scale, value: scale, requirement: "must be finite and > 0")
        }
    }
}
