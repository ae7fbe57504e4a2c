import Foundation

/// A parameter of a fitted model: the typed key of ``FitResult``'s estimates, standard
/// errors and intervals.
///
/// Scalar parameters are named after the property of the model they estimate
/// (`Normal.mean` is ``mean``, `StudentT.scale` is ``scale``); vector and matrix entries carry
/// zero-based indices (``covariance(_:_:)`` and ``scatter(_:_:)`` list the upper triangle,
/// j ≤ k, because the matrix is symmetric).
public enum FitParameter: Hashable, Sendable, Codable, CustomStringConvertible {
    /// μ of a ``Normal``.
    case mean
    /// σ of a ``Normal``.
    case standardDeviation
    /// μ of a ``StudentT`` or ``NoncentralT``.
    case location
    /// σ of a ``StudentT`` or ``NoncentralT``.
    case scale
    /// ν of a Student-t family.
    case degreesOfFreedom
    /// δ of a ``NoncentralT``.
    case noncentrality
    /// μⱼ of a ``MultivariateNormal``.
    case meanComponent(Int)
    /// Σⱼₖ (j ≤ k) of a ``MultivariateNormal``.
    case covariance(Int, Int)
    /// μⱼ of a ``MultivariateT``.
    case locationComponent(Int)
    /// Σⱼₖ (j ≤ k) of a ``MultivariateT``.
    case scatter(Int, Int)
    /// βⱼ of a linear model (least squares).
    case coefficient(Int)
    /// The coefficient of variable j in the log odds log(pᵢ/p₀) of class i ≥ 1 against the
    /// reference class 0, Wⱼᵢ − Wⱼ₀, of a softmax ``LinearClassifier`` (statsmodels `MNLogit`'s
    /// `params`: softmax's own weights are identified only up to a shared column).
    case logOddsCoefficient(Int, Int)
    /// The intercept of the log odds of class i ≥ 1 against class 0, bᵢ − b₀, of a softmax
    /// ``LinearClassifier``.
    case logOddsIntercept(Int)
    /// Wⱼᵢ, the weight of variable j in logit i of a softRmax ``LinearClassifier``.
    case weight(Int, Int)
    /// bᵢ, the bias of logit i of a softRmax ``LinearClassifier``.
    case bias(Int)

    /// The name as printed: `location`, `covariance[0,1]`, `coefficient[2]`.
    public var description: String {
        switch self {
        case .mean: return "mean"
        case .standardDeviation: return "standardDeviation"
        case .location: return "location"
        case .scale: return "scale"
        case .degreesOfFreedom: return "degreesOfFreedom"
        case .noncentrality: return "noncentrality"
        case let .meanComponent(j): return "mean[\(j)]"
        case let .covariance(j, k): return "covariance[\(j),\(k)]"
        case let .locationComponent(j): return "location[\(j)]"
        case let .scatter(j, k): return "scatter[\(j),\(k)]"
        case let .coefficient(j): return "coefficient[\(j)]"
        case let .logOddsCoefficient(j, i): return "logOddsCoefficient[\(j),\(i)]"
        case let .logOddsIntercept(i): return "logOddsIntercept[\(i)]"
        case let .weight(j, i): return "weight[\(j),\(i)]"
        case let .bias(i): return "bias[\(i)]"
        }
    }
}

extension FitParameter {
    /// The stored form: the same cases, so decoding reads what the synthesised encoding writes
    /// (`{"scatter": {"_0": 0, "_1": 1}}`, `{"location": {}}`).
    private enum Stored: Decodable {
        case mean, standardDeviation, location, scale, degreesOfFreedom, noncentrality
        case meanComponent(Int), covariance(Int, Int), locationComponent(Int), scatter(Int, Int), coefficient(Int)
        case logOddsCoefficient(Int, Int), logOddsIntercept(Int), weight(Int, Int), bias(Int)
    }

    /// Checks what a key can be whatever the model: indices ≥ 0, a matrix entry in the upper
    /// triangle (j ≤ k), a log-odds class i ≥ 1 (class 0 is the reference). Whether an index
    /// lies inside a model's dimension is checked when a result is paired with its model
    /// (`Fitted(checking:result:)`).
    /// - Throws: `.invalidParameter` naming the key.
    func validate() throws(PolytailError) {
        let indices: [Int], ordered: Bool, logOddsClass: Int?
        switch self {
        case .mean, .standardDeviation, .location, .scale, .degreesOfFreedom, .noncentrality:
            return
        case let .meanComponent(j), let .locationComponent(j), let .coefficient(j), let .bias(j):
            (indices, ordered, logOddsClass) = ([j], true, nil)
        case let .covariance(j, k), let .scatter(j, k):
            (indices, ordered, logOddsClass) = ([j, k], j <= k, nil)
        case let .weight(j, i):
            (indices, ordered, logOddsClass) = ([j, i], true, nil)
        case let .logOddsCoefficient(j, i):
            (indices, ordered, logOddsClass) = ([j, i], true, i)
        case let .logOddsIntercept(i):
            (indices, ordered, logOddsClass) = ([i], true, i)
        }
        if let bad = indices.first(where: { $0 < 0 }) {
            throw .invalidParameter(name: "index of the parameter \(self)", value: Double(bad), requirement: "must be ≥ 0")
        }
        guard ordered else {
            throw .invalidParameter(name: "parameter \(self)", value: Double(indices[0]), requirement: "a matrix entry (j, k) must have j ≤ k (upper triangle)")
        }
        if let i = logOddsClass, i < 1 {
            throw .invalidParameter(name: "class of the parameter \(self)", value: Double(i), requirement: "must be ≥ 1 (class 0 is the reference)")
        }
    }

    /// Decodes through `validate()`: a negative index, a lower-triangle matrix entry or a
    /// log-odds parameter of the reference class throws `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let key: FitParameter
        switch try Stored(from: decoder) {
        case .mean: key = .mean
        case .standardDeviation: key = .standardDeviation
        case .location: key = .location
        case .scale: key = .scale
        case .degreesOfFreedom: key = .degreesOfFreedom
        case .noncentrality: key = .noncentrality
        case let .meanComponent(j): key = .meanComponent(j)
        case let .covariance(j, k): key = .covariance(j, k)
        case let .locationComponent(j): key = .locationComponent(j)
        case let .scatter(j, k): key = .scatter(j, k)
        case let .coefficient(j): key = .coefficient(j)
        case let .logOddsCoefficient(j, i): key = .logOddsCoefficient(j, i)
        case let .logOddsIntercept(i): key = .logOddsIntercept(i)
        case let .weight(j, i): key = .weight(j, i)
        case let .bias(i): key = .bias(i)
        }
        try validatedDecoding(decoder) { () throws(PolytailError) in try key.validate() }
        self = key
    }
}

/// How ``FitResult/covariance`` was estimated.
public enum CovarianceEstimator: String, Hashable, Sendable, Codable {
    /// The inverse observed information (−∇²ℓ)⁻¹ at the estimate: the asymptotic covariance
    /// when the model is right and the weights are frequencies (a row of weight k counts as k
    /// rows). Maximum-likelihood fits use it (MASS `fitdistr`, statsmodels' default).
    case observedInformation
    /// The least-squares covariance σ̂²(XᵀWX)⁻¹, σ̂² = Σwᵢrᵢ²/(n − p): right when the errors
    /// have variance σ²/wᵢ (weights as precisions; statsmodels' `nonrobust`).
    case classical
    /// The sandwich (Huber–White, HC0) A⁻¹BA⁻¹ with A = XᵀWX and B = Σ wᵢ² rᵢ² xᵢxᵢᵀ: right
    /// for importance (sampling) weights, which reweight the rows without saying anything
    /// about their error variance, and under heteroscedasticity (statsmodels `HC0`).
    case sandwich
}

/// Why a fit reports no ``FitResult/covariance`` (and hence no standard errors or intervals)
/// although it lists its ``FitResult/parameters``.
public enum CovarianceOmission: String, Hashable, Sendable, Codable {
    /// The estimate maximises a penalised likelihood (weight decay λ > 0), not the likelihood:
    /// the inverse information would describe neither the estimator's sampling variance nor
    /// a posterior the caller asked for.
    case penalized
    /// The optimiser stopped before its convergence criterion was met: the point is not a
    /// maximum and the curvature there says nothing about the estimate's variance.
    case notConverged
    /// The training classes are linearly separable (the fitted softmax classifies every
    /// observation correctly): the likelihood increases without bound along the separating
    /// direction, no finite maximum-likelihood estimate exists, and the information vanishes.
    case separation
    /// The observed information is singular, numerically singular (reciprocal condition
    /// number below 10⁻¹²) or not positive definite: collinear variables, quasi-separation, or
    /// a saddle point of a non-convex likelihood.
    case singularInformation
    /// More parameters than the fit computes a covariance for (the information matrix would
    /// cost far more than the fit): a multivariate normal or t, or a discriminant class, with
    /// more than 527 parameters (dimension above 30); a linear classifier above its own cap.
    case tooManyParameters
    /// The covariance exists but its entries leave the double range: variances of data near
    /// the subnormal or overflow limits once restated from the fit's exact power-of-two
    /// rescaling (data of magnitude 10⁻³⁰⁰ have variances near 10⁻⁶⁰⁰), of tiny frequency
    /// weights, of a polynomial re-expanded in powers of x, or an entry that overflows.
    case outsideDoubleRange
}

/// What every fit reports beside the fitted model: the estimates by parameter, their
/// covariance and standard errors, Wald intervals, the log-likelihood, AIC and BIC, and how
/// the optimisation went — statsmodels' `LikelihoodModelResults` and MASS's `fitdistr` in one
/// value.
///
/// ``parameters`` lists the estimated parameters with an asymptotic covariance, in the order of
/// ``estimates`` and of the rows of ``covariance``. A parameter held fixed by the caller (a
/// `.fixed(ν)` rule) is not listed; neither is one that ended on a bound of its space (ν = ∞ or
/// ν at the rule's maximum, see ``dfAtBound``), where Wald theory does not apply — it is still
/// counted in ``parameterCount``, which enters AIC and BIC.
public struct FitResult: Equatable, Sendable, Codable {
    /// The estimated parameters, in the order of ``estimates`` and of ``covariance``'s rows.
    public var parameters: [FitParameter]
    /// The estimates, one per entry of ``parameters``.
    public var estimates: [Double]
    /// The asymptotic covariance of ``estimates``, k × k for k = `parameters.count`; `nil`
    /// when it cannot be stated, and then ``covarianceOmission`` says why.
    public var covariance: Matrix?
    /// How ``covariance`` was estimated.
    public var covarianceEstimator: CovarianceEstimator
    /// Why ``covariance`` is `nil` although ``parameters`` are listed. Every fit of the library
    /// sets it exactly then: `nil` when there is a covariance, and `nil` when no parameter is
    /// listed (a result whose inference lives in ``groupResults``, a network's, or one whose
    /// every parameter is held fixed or on a bound). A fit that did not converge
    /// (``converged`` false) reports no covariance (``CovarianceOmission/notConverged``).
    public var covarianceOmission: CovarianceOmission?
    /// When set, Wald intervals use Student-t quantiles with this many degrees of freedom
    /// (least squares: n − p, as statsmodels does); otherwise normal quantiles.
    public var intervalDegreesOfFreedom: Double?
    /// The number of observations the fit used (rows of positive weight).
    public var observationCount: Int
    /// The sample size BIC uses: W = Σwᵢ for maximum-likelihood fits, whose weights are
    /// frequencies (= ``observationCount`` without weights); the number of rows for least
    /// squares, whose weights are relative.
    public var sampleSize: Double
    /// The maximised (weighted) log-likelihood Σᵢ wᵢ log f(xᵢ).
    public var logLikelihood: Double
    /// The number of free parameters estimated, including any that ended on a bound (AIC and
    /// BIC count them) and excluding any the caller held fixed.
    public var parameterCount: Int
    /// Iterations of the fitting algorithm (0 for closed forms).
    public var iterations: Int
    /// Whether the convergence criterion was met. Non-convergence is reported here, never
    /// thrown.
    public var converged: Bool
    /// For Student-t families with estimated ν: the estimate ended on the upper bound of its
    /// range — ν = ∞ (the normal limit: the data are no heavier-tailed than a normal) for a
    /// ``StudentT`` fit without a finite maximum, else the rule's maximum.
    public var dfAtBound: Bool
    /// The objective after each iteration (for iterative fits that record it, e.g. training a
    /// network); `nil` when not recorded.
    public var objectiveHistory: [Double]?
    /// For a Student-t fit with ν estimated: the likelihood-ratio test of the t against its
    /// normal limit ν = ∞ (see ``TailTest``); `nil` otherwise.
    public var tailTest: TailTest?
    /// Residuals, R² and the residual variance of a least-squares fit; `nil` otherwise.
    public var leastSquares: LeastSquaresSummary?
    /// What training a classifier adds (final objective, gradient norm, training accuracy,
    /// optimiser steps): networks and linear classifiers; `nil` for other fits.
    public var training: TrainingSummary?
    /// For a fit over several groups (the classes of a ``DiscriminantAnalysis``, in
    /// ``DiscriminantAnalysis/classLabels`` order): each group's own result — its rows, its share of
    /// the log-likelihood, its parameters and their covariance — with the uncertainty of
    /// parameters the groups share (a tied ν, a shared scatter, listed on the whole's result)
    /// accounted for. `nil` for single-sample fits.
    public var groupResults: [FitResult]?

    /// A result, checked as a result read from a file must be: `covariance`, when given, k × k
    /// for k = `parameters.count`, finite, symmetric with a non-negative
    /// diagonal and correlations in [−1, 1] (both to 10⁻⁸ √(ΣⱼⱼΣₗₗ)); no estimate NaN; counts and iterations
    /// non-negative; `sampleSize` non-negative; the log-likelihood finite;
    /// `intervalDegreesOfFreedom` positive.
    /// - Throws: `.dimensionMismatch` when the counts disagree; `.invalidParameter` naming the
    ///   value that no fit can report.
    public init(
        parameters: [FitParameter], estimates: [Double], covariance: Matrix?,
        covarianceEstimator: CovarianceEstimator = .observedInformation,
        intervalDegreesOfFreedom: Double? = nil,
        observationCount: Int, sampleSize: Double, logLikelihood: Double, parameterCount: Int,
        iterations: Int, converged: Bool, dfAtBound: Bool = false,
        objectiveHistory: [Double]? = nil, tailTest: TailTest? = nil,
        leastSquares: LeastSquaresSummary? = nil, training: TrainingSummary? = nil
    ) throws(PolytailError) {
        guard estimates.count == parameters.count else {
            throw .dimensionMismatch(what: "fit estimates", expected: parameters.count, got: estimates.count)
        }
        if let covariance, covariance.rows != parameters.count || covariance.columns != parameters.count {
            throw .dimensionMismatch(what: "fit covariance", expected: parameters.count,
                                     got: covariance.rows == parameters.count ? covariance.columns : covariance.rows)
        }
        if let covariance, let problem = FitResult.covarianceProblem(covariance) {
            throw .invalidParameter(name: "fit covariance", value: problem.value, requirement: problem.requirement)
        }
        if let i = estimates.firstIndex(where: \.isNaN) {
            throw .invalidParameter(name: "estimate of \(parameters[i])", value: .nan, requirement: "must be a number")
        }
        for (name, value) in [("observationCount", observationCount), ("parameterCount", parameterCount), ("iterations", iterations)]
        where value < 0 {
            throw .invalidParameter(name: name, value: Double(value), requirement: "must be ≥ 0")
        }
        guard sampleSize >= 0 else { throw .invalidParameter(name: "sampleSize", value: sampleSize, requirement: "must be ≥ 0") }
        guard logLikelihood.isFinite else {
            throw .invalidParameter(name: "logLikelihood", value: logLikelihood, requirement: "must be finite")
        }
        if let nu = intervalDegreesOfFreedom, !(nu > 0) {
            throw .invalidParameter(name: "intervalDegreesOfFreedom", value: nu, requirement: "must be > 0")
        }
        self.init(unchecked: parameters, estimates: estimates, covariance: covariance, covarianceEstimator: covarianceEstimator,
                  observationCount: observationCount, sampleSize: sampleSize, logLikelihood: logLikelihood,
                  parameterCount: parameterCount, iterations: iterations, converged: converged, dfAtBound: dfAtBound,
                  tailTest: tailTest)
        // The caller's covariance as given (checked above), whether or not the fit converged;
        // the reason for a missing one is the caller's to state (the decoder reads it).
        self.covariance = covariance
        self.covarianceOmission = nil
        self.intervalDegreesOfFreedom = intervalDegreesOfFreedom
        self.objectiveHistory = objectiveHistory
        self.leastSquares = leastSquares
        self.training = training
    }

    /// For the library's own fits, whose counts agree by construction. The one place that
    /// decides whether a fit's covariance is reported and, if not, why
    /// (``covarianceOmission``), in this order: nothing when no parameter is listed; none
    /// when the fit did not converge (``CovarianceOmission/notConverged``: the curvature at a
    /// point that is not the maximum is not the estimate's variance); none when `covariance`
    /// has an infinite entry (``CovarianceOmission/outsideDoubleRange``), a NaN, a negative
    /// variance or a correlation beyond ±1 (an information matrix that was not positive
    /// definite: ``CovarianceOmission/singularInformation``); else `covariance`, and when the
    /// fit computed none, `omission` (``CovarianceOmission/singularInformation`` by default:
    /// the fits compute one unless inverting the information fails).
    init(
        unchecked parameters: [FitParameter], estimates: [Double], covariance: Matrix?,
        covarianceEstimator: CovarianceEstimator = .observedInformation,
        observationCount: Int, sampleSize: Double, logLikelihood: Double, parameterCount: Int,
        iterations: Int, converged: Bool, dfAtBound: Bool = false, tailTest: TailTest? = nil,
        omission: CovarianceOmission? = nil
    ) {
        self.parameters = parameters
        self.estimates = estimates
        self.covarianceEstimator = covarianceEstimator
        self.observationCount = observationCount
        self.sampleSize = sampleSize
        self.logLikelihood = logLikelihood
        self.parameterCount = parameterCount
        self.iterations = iterations
        self.converged = converged
        self.dfAtBound = dfAtBound
        self.tailTest = tailTest
        setCovariance(covariance, otherwise: omission ?? .singularInformation)
    }

    /// Sets ``covariance`` and ``covarianceOmission`` together by the policy of
    /// `init(unchecked:)` (see there), for the current ``parameters`` and ``converged``:
    /// `covariance` when it can be reported, else `nil` and the reason — `reason` when the fit
    /// computed none.
    mutating func setCovariance(_ covariance: Matrix?, otherwise reason: CovarianceOmission) {
        if parameters.isEmpty {
            self.covariance = nil
            covarianceOmission = nil
        } else if !converged {
            self.covariance = nil
            covarianceOmission = .notConverged
        } else if let covariance {
            let problem = FitResult.covarianceProblem(covariance)
            self.covariance = problem == nil ? covariance : nil
            covarianceOmission = problem.map { $0.value.isInfinite ? .outsideDoubleRange : .singularInformation }
        } else {
            self.covariance = nil
            covarianceOmission = reason
        }
    }

    /// Why `c` cannot be a covariance matrix (non-finite, asymmetric, a negative variance, a
    /// correlation beyond ±1 — each to 10⁻⁸ √(ΣⱼⱼΣₗₗ)), or nil when it can.
    static func covarianceProblem(_ c: Matrix) -> (value: Double, requirement: String)? {
        let k = c.rows
        guard c.columns == k else { return (Double(c.columns), "must be square") }
        if let bad = c.elements.first(where: { !$0.isFinite }) { return (bad, "entries must be finite") }
        for j in 0..<k where c[j, j] < 0 { return (c[j, j], "variances (the diagonal) must be ≥ 0") }
        for j in 0..<k {
            for l in (j + 1)..<max(j + 1, k) {
                // Relative to √(ΣⱼⱼΣₗₗ): rounding in a covariance is relative to the variances.
                let a = c[j, l], b = c[l, j], bound = (c[j, j] * c[l, l]).squareRoot()
                let slack = 1e-8 * bound + Double.leastNormalMagnitude
                if abs(a - b) > slack { return (a, "must be symmetric") }
                if abs(a) > bound + slack { return (a, "covariances must satisfy |Σⱼₗ| ≤ √(ΣⱼⱼΣₗₗ)") }
            }
        }
        return nil
    }

    /// A result that lists no parameters (their inference lives elsewhere, e.g. per class).
    static func summary(observationCount: Int, logLikelihood: Double, parameterCount: Int,
                        iterations: Int, converged: Bool, dfAtBound: Bool = false) -> FitResult {
        FitResult(unchecked: [], estimates: [], covariance: nil, observationCount: observationCount,
                  sampleSize: Double(observationCount), logLikelihood: logLikelihood,
                  parameterCount: parameterCount, iterations: iterations, converged: converged, dfAtBound: dfAtBound)
    }

    enum CodingKeys: String, CodingKey {
        case parameters, estimates, covariance, covarianceEstimator, intervalDegreesOfFreedom
        case observationCount, sampleSize, logLikelihood, parameterCount, iterations, converged
        case dfAtBound, objectiveHistory, tailTest, leastSquares, groupResults, training
        case covarianceOmission
    }

    /// Decodes through the validating initialiser (counts must agree), and checks that
    /// ``covarianceOmission`` is present exactly when ``parameters`` are listed without a
    /// ``covariance``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                parameters: c.decode([FitParameter].self, forKey: .parameters),
                estimates: c.decode([Double].self, forKey: .estimates),
                covariance: c.decodeIfPresent(Matrix.self, forKey: .covariance),
                covarianceEstimator: c.decode(CovarianceEstimator.self, forKey: .covarianceEstimator),
                intervalDegreesOfFreedom: c.decodeIfPresent(Double.self, forKey: .intervalDegreesOfFreedom),
                observationCount: c.decode(Int.self, forKey: .observationCount),
                sampleSize: c.decode(Double.self, forKey: .sampleSize),
                logLikelihood: c.decode(Double.self, forKey: .logLikelihood),
                parameterCount: c.decode(Int.self, forKey: .parameterCount),
                iterations: c.decode(Int.self, forKey: .iterations),
                converged: c.decode(Bool.self, forKey: .converged),
                dfAtBound: c.decodeIfPresent(Bool.self, forKey: .dfAtBound) ?? false,
                objectiveHistory: c.decodeIfPresent([Double].self, forKey: .objectiveHistory),
                tailTest: c.decodeIfPresent(TailTest.self, forKey: .tailTest),
                leastSquares: c.decodeIfPresent(LeastSquaresSummary.self, forKey: .leastSquares),
                training: c.decodeIfPresent(TrainingSummary.self, forKey: .training))
            self.groupResults = try c.decodeIfPresent([FitResult].self, forKey: .groupResults)
            self.covarianceOmission = try c.decodeIfPresent(CovarianceOmission.self, forKey: .covarianceOmission)
            // The library's invariant: a reason exactly when parameters are listed without a
            // covariance.
            if covariance != nil, covarianceOmission != nil {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "a covariance and a reason for omitting it"))
            }
            if parameters.isEmpty, let omission = covarianceOmission {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "a reason (\(omission)) for omitting the covariance of no parameters"))
            }
            if covariance == nil, !parameters.isEmpty, covarianceOmission == nil {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "parameters without a covariance and without covarianceOmission saying why (a result saved before fits recorded the reason: fit again)"))
            }
        } catch let error as PolytailError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    // MARK: Derived values

    /// Akaike's information criterion −2ℓ + 2k, k = ``parameterCount``.
    public var aic: Double { -2 * logLikelihood + 2 * Double(parameterCount) }

    /// The Bayesian (Schwarz) information criterion −2ℓ + k log N, k = ``parameterCount``,
    /// N = ``sampleSize`` (the number of observations without weights).
    public var bic: Double { -2 * logLikelihood + Double(parameterCount) * log(sampleSize) }

    /// The square roots of the diagonal of ``covariance``, in the order of ``parameters``;
    /// `nil` without a covariance.
    public var standardErrors: [Double]? {
        guard let covariance else { return nil }
        return (0..<parameters.count).map { covariance[$0, $0].squareRoot() }
    }

    /// The estimate of `parameter`; `nil` when it is not among ``parameters``.
    public func estimate(_ parameter: FitParameter) -> Double? {
        parameters.firstIndex(of: parameter).map { estimates[$0] }
    }

    /// The standard error of `parameter`; `nil` when it is not among ``parameters`` or there
    /// is no covariance.
    public func standardError(_ parameter: FitParameter) -> Double? {
        guard let i = parameters.firstIndex(of: parameter), let covariance else { return nil }
        return covariance[i, i].squareRoot()
    }

    /// The Wald interval θ̂ ± q·se(θ̂) at the given confidence level, q the (1 + level)/2
    /// quantile of the standard normal (GSL `gsl_cdf_ugaussian_Qinv`), or of Student's t with
    /// ``intervalDegreesOfFreedom`` degrees of freedom when that is set (``StudentT/quantile(_:)``:
    /// GSL `gsl_cdf_tdist_Pinv` polished by Newton's method).
    /// - Parameters:
    ///   - parameter: the parameter.
    ///   - level: the confidence level in (0, 1); 0.95 by default.
    /// - Returns: the interval, or `nil` when the parameter is not among ``parameters`` or
    ///   there is no covariance.
    /// - Throws: `.invalidParameter` unless 0 < level < 1.
    public func confidenceInterval(_ parameter: FitParameter, level: Double = 0.95) throws(PolytailError) -> ClosedRange<Double>? {
        let q = try waldQuantile(level)
        guard let estimate = estimate(parameter), let se = standardError(parameter) else { return nil }
        return (estimate - q * se)...(estimate + q * se)
    }

    /// The Wald intervals of all ``parameters`` (see ``confidenceInterval(_:level:)``), in
    /// their order; `nil` without a covariance.
    /// - Throws: `.invalidParameter` unless 0 < level < 1.
    public func confidenceIntervals(level: Double = 0.95) throws(PolytailError) -> [ClosedRange<Double>]? {
        let q = try waldQuantile(level)
        guard let se = standardErrors else { return nil }
        return zip(estimates, se).map { ($0 - q * $1)...($0 + q * $1) }
    }

    func waldQuantile(_ level: Double) throws(PolytailError) -> Double {
        guard level > 0, level < 1 else {
            throw .invalidParameter(name: "level", value: level, requirement: "must be in (0, 1)")
        }
        let tail = 0.5 * (1 - level)
        if let nu = intervalDegreesOfFreedom, let t = try? StudentT(degreesOfFreedom: nu) { return -t.quantile(tail) }
        return GSL.normalQInverse(tail)
    }
}

/// The likelihood-ratio test of a Student t against its normal limit ν = ∞: are the tails
/// heavier than normal?
///
/// H₀: ν = ∞ (normal) against H₁: ν < ∞. The statistic is LR = 2(ℓ̂_t − ℓ̂_N) ≥ 0, the maximised
/// t log-likelihood against the normal's. Because ν = ∞ lies on the boundary of the parameter
/// space, LR is not χ²₁ under H₀ but the mixture ½χ²₀ + ½χ²₁ (Self & Liang 1987, case 5; half
/// of all normal samples have a sample kurtosis at or below 3 and give LR = 0). Hence
/// p = ½ P(χ²₁ > LR) = P(Z > √LR) for LR > 0, and p = 1 for LR = 0. No peer library reports it.
public struct TailTest: Equatable, Sendable, Codable {
    /// ℓ̂_N, the maximised normal log-likelihood on the same data and weights.
    public var normalLogLikelihood: Double
    /// LR = 2(ℓ̂_t − ℓ̂_N), clamped at 0 (a t fit can only match or beat its limit).
    public var statistic: Double
    /// p = ½ P(χ²₁ > LR) (1 when LR = 0).
    public var pValue: Double

    /// The test from the two maximised log-likelihoods.
    /// - Parameters:
    ///   - tLogLikelihood: ℓ̂_t, the Student-t fit's maximised log-likelihood (ν estimated).
    ///   - normalLogLikelihood: ℓ̂_N, the normal fit's on the same data and weights.
    public init(tLogLikelihood: Double, normalLogLikelihood: Double) {
        self.normalLogLikelihood = normalLogLikelihood
        self.statistic = max(0, 2 * (tLogLikelihood - normalLogLikelihood))
        self.pValue = TailTest.pValue(statistic: statistic)
    }

    enum CodingKeys: String, CodingKey { case normalLogLikelihood, statistic, pValue }

    /// Decodes a stored test, checking that it can be one: LR ≥ 0 and p ∈ [0, 1].
    /// - Throws: `DecodingError.dataCorrupted` otherwise.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        normalLogLikelihood = try c.decode(Double.self, forKey: .normalLogLikelihood)
        statistic = try c.decode(Double.self, forKey: .statistic)
        pValue = try c.decode(Double.self, forKey: .pValue)
        guard statistic >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .statistic, in: c, debugDescription: "the likelihood-ratio statistic must be ≥ 0, got \(statistic)")
        }
        guard pValue >= 0, pValue <= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .pValue, in: c, debugDescription: "the p-value must be in [0, 1], got \(pValue)")
        }
    }

    /// p = ½ P(χ²₁ > LR) = P(Z > √LR) under the null ½χ²₀ + ½χ²₁, computed as the upper normal
    /// tail (GSL `gsl_cdf_ugaussian_Q`) so small p keep their digits; 1 at LR ≤ 0, NaN for NaN.
    /// - Parameter statistic: LR ≥ 0.
    /// - Returns: the p-value.
    public static func pValue(statistic: Double) -> Double {
        if statistic.isNaN { return .nan }
        if statistic <= 0 { return 1 }
        return GSL.normalQ(statistic.squareRoot())
    }
}

/// What a least-squares fit adds to ``FitResult`` (statsmodels' `RegressionResults`).
public struct LeastSquaresSummary: Equatable, Sendable, Codable {
    /// rᵢ = yᵢ − xᵢᵀβ̂ for every row passed to the fit (rows of weight 0 included).
    public var residuals: [Double]
    /// Σᵢ wᵢ rᵢ² over the rows of positive weight (wᵢ = 1 without weights).
    public var weightedResidualSumOfSquares: Double
    /// σ̂² = Σwᵢrᵢ²/(n − p), the residual variance: finite and positive (a fit needs n > p
    /// rows and residuals above rounding error, see ``PolytailError/perfectFit``).
    public var residualVariance: Double
    /// R² = 1 − Σwᵢrᵢ² / Σwᵢ(yᵢ − ȳ_w)² when the design has a constant column (as statsmodels
    /// and R), else the uncentred 1 − Σwᵢrᵢ² / Σwᵢyᵢ².
    public var rSquared: Double
    /// Whether the design has a constant column (which decides the R² above).
    public var hasConstant: Bool
    /// The numerical rank of the design (= p for every fit that is returned).
    public var rank: Int
}

extension LeastSquaresSummary {
    enum CodingKeys: String, CodingKey { case residuals, weightedResidualSumOfSquares, residualVariance, rSquared, hasConstant, rank }

    /// Decodes a stored summary, checking that a least-squares fit can have produced it:
    /// finite residuals, Σwᵢrᵢ² finite and ≥ 0, σ̂² finite and > 0, R² ≤ 1 and not NaN,
    /// rank ≥ 0.
    /// - Throws: `DecodingError.dataCorrupted` otherwise.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        residuals = try c.decode([Double].self, forKey: .residuals)
        weightedResidualSumOfSquares = try c.decode(Double.self, forKey: .weightedResidualSumOfSquares)
        residualVariance = try c.decode(Double.self, forKey: .residualVariance)
        rSquared = try c.decode(Double.self, forKey: .rSquared)
        hasConstant = try c.decode(Bool.self, forKey: .hasConstant)
        rank = try c.decode(Int.self, forKey: .rank)
        func corrupt(_ key: CodingKeys, _ why: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "least-squares summary: \(why)")
        }
        guard residuals.allSatisfy(\.isFinite) else { throw corrupt(.residuals, "residuals must be finite") }
        guard weightedResidualSumOfSquares.isFinite, weightedResidualSumOfSquares >= 0 else {
            throw corrupt(.weightedResidualSumOfSquares, "Σwᵢrᵢ² must be finite and ≥ 0")
        }
        guard residualVariance.isFinite, residualVariance > 0 else { throw corrupt(.residualVariance, "σ̂² must be finite and > 0") }
        guard rSquared <= 1 else { throw corrupt(.rSquared, "R² must be a number ≤ 1") }
        guard rank >= 0 else { throw corrupt(.rank, "the rank must be ≥ 0") }
    }
}

/// What training a network by mini-batch steps (``Network/fit(_:labels:initial:epochs:batchSize:learningRate:weightDecay:tolerance:using:progress:)``)
/// or a linear classifier (``LinearClassifier/fit(_:labels:classCount:output:weightDecay:optimizer:using:)``)
/// adds to ``FitResult``, all at the returned parameters and on the whole training set.
public struct TrainingSummary: Equatable, Sendable, Codable {
    /// The training objective −(1/n) Σᵣ log ζ_{yᵣ}(f(xᵣ)) + (λ/2) Σₗ ‖W_l‖²_F.
    public var loss: Double
    /// ‖∇θ loss‖∞, the largest partial derivative of the objective in any weight or bias.
    public var gradientNorm: Double
    /// The fraction of training rows classified correctly.
    public var trainingAccuracy: Double
    /// Optimiser steps taken: one per mini-batch (Adam), or one per full-batch objective
    /// evaluation (a linear classifier's L-BFGS and Newton polish).
    public var steps: Int

    /// A summary of valid values.
    /// - Throws: `.invalidParameter` for a non-finite or negative loss or gradient norm, an
    ///   accuracy outside [0, 1] or a negative step count.
    public init(loss: Double, gradientNorm: Double, trainingAccuracy: Double, steps: Int) throws(PolytailError) {
        guard loss.isFinite, loss >= 0 else { throw .invalidParameter(name: "loss", value: loss, requirement: "finite and non-negative") }
        guard gradientNorm.isFinite, gradientNorm >= 0 else {
            throw .invalidParameter(name: "gradientNorm", value: gradientNorm, requirement: "finite and non-negative")
        }
        guard trainingAccuracy >= 0, trainingAccuracy <= 1 else {
            throw .invalidParameter(name: "trainingAccuracy", value: trainingAccuracy, requirement: "in [0, 1]")
        }
        guard steps >= 0 else { throw .invalidParameter(name: "steps", value: Double(steps), requirement: "non-negative") }
        self.loss = loss
        self.gradientNorm = gradientNorm
        self.trainingAccuracy = trainingAccuracy
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey { case loss, gradientNorm, trainingAccuracy, steps }

    /// Decodes through the validating initialiser.
    /// - Throws: `DecodingError.dataCorrupted` for values the initialiser rejects.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let loss = try c.decode(Double.self, forKey: .loss), gradientNorm = try c.decode(Double.self, forKey: .gradientNorm)
        let accuracy = try c.decode(Double.self, forKey: .trainingAccuracy), steps = try c.decode(Int.self, forKey: .steps)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try TrainingSummary(loss: loss, gradientNorm: gradientNorm, trainingAccuracy: accuracy, steps: steps)
        }
    }
}

/// A fitted model and its ``FitResult``: what every `fit` returns.
public struct Fitted<Model: Sendable>: Sendable {
    /// The fitted model (a distribution, a linear model, a classifier, ...).
    public var model: Model
    /// How the fit went and its inference: estimates, covariance, intervals, AIC/BIC.
    public var result: FitResult

    /// A fitted model and its result.
    public init(model: Model, result: FitResult) {
        self.model = model
        self.result = result
    }
}

extension Fitted: Equatable where Model: Equatable {}

