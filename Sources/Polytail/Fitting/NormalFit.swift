import Foundation

extension Normal {
    /// The maximum-likelihood normal: the weighted mean and the weighted standard deviation
    /// dividing by Σwᵢ (not by n − 1).
    ///
    /// Weights act as frequencies: integer weights give the fit of the sample with each row
    /// repeated wᵢ times. Two passes (mean, then squared deviations) keep the variance
    /// accurate when the mean is large relative to the spread.
    /// - Returns: the fit, its log-likelihood Σ wᵢ log φ(xᵢ; μ̂, σ̂) and the standard errors
    ///   σ̂/√W of μ̂ and σ̂/√(2W) of σ̂, W = Σwᵢ.
    /// - Throws: ``PolytailError`` for empty data, non-finite values or weights, fewer than
    ///   two rows of positive weight, and constant data.
    /// - Complexity: O(n).
    public static func fit(_ data: [Double], weights: [Double]? = nil) throws(PolytailError) -> Fitted<Normal> {
        let w = try DataValidation.checkUnivariate(data, weights: weights, parameters: 2)
        var total = 0.0, sum = 0.0
        for (x, wi) in zip(data, w) { total += wi; sum += wi * x }
        let mean = sum / total
        var squares = 0.0
        for (x, wi) in zip(data, w) { let d = x - mean; squares += wi * d * d }
        let sd = (squares / total).squareRoot()
        guard sd > 0, sd.isFinite else { throw .constantData(column: nil) }
        let normal = try Normal(mean: mean, standardDeviation: sd)
        // Σ w log φ at the ML point = −W (log σ̂ + ½ log 2π + ½).
        let logLikelihood = -total * (log(sd) + Normal.logRootTwoPi + 0.5)
        return Fitted(
            distribution: normal,
            result: DataValidation.frequencyScaled(FitResult(
                logLikelihood: logLikelihood, iterations: 0, converged: true,
                standardErrors: ["mean": sd / total.squareRoot(), "standardDeviation": sd / (2 * total).squareRoot()]),
                weights: weights))
    }
}
