import Foundation

extension Normal {
    /// The maximum-likelihood normal: the weighted mean and the weighted standard deviation
    /// dividing by Σwᵢ (not by n − 1).
    ///
    /// Weights act as frequencies: integer weights give the fit of the sample with each row
    /// repeated wᵢ times. Two passes (mean, then squared deviations) keep the variance
    /// accurate when the mean is large relative to the spread.
    /// - Parameters:
    ///   - observations: the sample; finite values.
    ///   - weights: optional non-negative frequency weights (integer weights equal repeated rows).
    /// - Returns: the fit and its ``FitResult``: parameters ``FitParameter/mean`` and
    ///   ``FitParameter/standardDeviation``, the log-likelihood Σ wᵢ log φ(xᵢ; μ̂, σ̂), and the
    ///   inverse observed information diag(σ̂²/W, σ̂²/(2W)), W = Σwᵢ (MASS `fitdistr`'s values).
    /// - Throws: ``PolytailError`` for empty data, non-finite values or weights, fewer than
    ///   two rows of positive weight, and constant data.
    /// - Complexity: O(n).
    public static func fit(_ observations: [Double], weights: [Double]? = nil) throws(PolytailError) -> Fitted<Normal> {
        let w = try DataValidation.checkUnivariate(observations, weights: weights, parameters: 2)
        // The same two passes as the mergeable statistics of one block (one code path), on
        // the normalised weights, restated for the weights as given.
        var statistics = NormalStatistics()
        try statistics.add(observations, weights: w)
        let fit = try statistics.fit()
        return Fitted(model: fit.model, result: DataValidation.frequencyScaled(fit.result, weights: weights))
    }
}
