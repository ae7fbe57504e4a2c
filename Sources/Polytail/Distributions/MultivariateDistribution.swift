import Foundation

/// A continuous distribution on ℝᵈ. Conforming types provide the batch log-density and one
/// draw; the single-point forms, repeated sampling and the log-likelihood are derived.
/// Evaluation never throws: a point of the wrong length or holding a NaN gives NaN.
public protocol MultivariateDistribution: Sendable {
    /// d.
    var dimension: Int { get }
    /// log f of every row of `x` (NaN for every row when the column count is not d).
    func logDensities(_ x: Matrix) -> [Double]
    /// One draw.
    func sample(using generator: inout PolytailRandom) -> [Double]
}

extension MultivariateDistribution {
    /// log f(x); NaN when x has the wrong length or holds a NaN.
    public func logDensity(_ x: [Double]) -> Double {
        guard x.count == dimension else { return .nan }
        return logDensities(Matrix(uncheckedRows: 1, columns: dimension, elements: x))[0]
    }

    /// f(x) = exp(log f(x)).
    public func density(_ x: [Double]) -> Double { exp(logDensity(x)) }

    /// `count` draws as the rows of a matrix.
    public func sample(_ count: Int, using generator: inout PolytailRandom) -> Matrix {
        var e: [Double] = []
        e.reserveCapacity(max(count, 0) * dimension)
        for _ in 0..<max(count, 0) { e.append(contentsOf: sample(using: &generator)) }
        return Matrix(uncheckedRows: max(count, 0), columns: dimension, elements: e)
    }

    /// Σᵢ wᵢ log f(xᵢ) over the rows xᵢ of `observations` (wᵢ = 1 without weights; rows of zero
    /// weight are skipped, so they may hold anything).
    public func logLikelihood(_ observations: Matrix, weights: [Double]? = nil) -> Double {
        let l = logDensities(observations)
        guard let weights else { return l.reduce(0, +) }
        return zip(l, weights).reduce(0) { $1.1 == 0 ? $0 : $0 + $1.0 * $1.1 }
    }
}
