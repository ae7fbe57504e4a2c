/// What a maximum-likelihood fit reports beside the fitted value.
public struct FitResult: Equatable, Sendable, Codable {
    /// The maximised (weighted) log-likelihood Σᵢ wᵢ log f(xᵢ).
    public var logLikelihood: Double
    /// Iterations of the fitting algorithm (0 for closed forms).
    public var iterations: Int
    /// Whether the convergence criterion was met. Non-convergence is reported here,
    /// never thrown.
    public var converged: Bool
    /// For Student-t fits with estimated degrees of freedom: the estimate reached the
    /// upper bound (the data are not heavier-tailed than a normal).
    public var dfAtBound: Bool
    /// Asymptotic standard errors of the parameters, by name, where they are cheap
    /// (from the observed information). Empty when not computed.
    public var standardErrors: [String: Double]

    public init(logLikelihood: Double, iterations: Int, converged: Bool, dfAtBound: Bool = false,
                standardErrors: [String: Double] = [:]) {
        self.logLikelihood = logLikelihood
        self.iterations = iterations
        self.converged = converged
        self.dfAtBound = dfAtBound
        self.standardErrors = standardErrors
    }
}

/// A fitted distribution and its fit report.
public struct Fitted<Distribution: Sendable>: Sendable {
    public var distribution: Distribution
    public var result: FitResult
}

extension Fitted: Equatable where Distribution: Equatable {}
