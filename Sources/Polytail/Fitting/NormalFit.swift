import Foundation

extension Normal {
    /// The maximum-likelihood normal: the weighted mean and the weighted standard deviation
    /// dividing by Σwᵢ (not by n − 1).
    ///
    /// Weights act as frequencies: integer weights give the fit of the sample with each row
    /// repeated wᵢ times. Two passes (mean, then squared deviations) keep the variance
    /// accurate when the mean is large relative to the spread.
    /// - Parameters:
    ///   - data: the sample; finite values.
    ///   - weights: optional non-negative frequency weights (integer weights equal repeated rows).
    /// - Returns: the fit and its ``FitResult``: parameters ``FitParameter/mean`` and
    ///   ``FitParameter/standardDeviation``, the log-likelihood Σ wᵢ log φ(xᵢ; μ̂, σ̂), and the
    ///   inverse observed information diag(σ̂²/W, σ̂²/(2W)), W = Σwᵢ (MASS `fitdistr`'s values).
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
        // The inverse observed information at (μ̂, σ̂): diag(σ̂²/W, σ̂²/(2W)) (−∂²ℓ/∂μ² = W/σ̂²,
        // −∂²ℓ/∂σ² = 2W/σ̂², −∂²ℓ/∂μ∂σ = 0 at the optimum).
        let variance = sd * sd
        let covariance = Matrix(uncheckedRows: 2, columns: 2, elements: [variance / total, 0, 0, variance / (2 * total)])
        return Fitted(
            model: normal,
            result: DataValidation.frequencyScaled(FitResult(
                unchecked: [.mean, .standardDeviation], estimates: [mean, sd], covariance: covariance,
                observationCount: DataValidation.positiveCount(w), totalWeight: total,
                logLikelihood: logLikelihood, parameterCount: 2, iterations: 0, converged: true), weights: weights))
    }
}
