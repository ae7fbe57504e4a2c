import Foundation

/// A source density p_s and a target density p_t of the same family and dimension, from
/// which importance weights are computed.
public enum ImportanceDensities: Equatable, Sendable {
    case normal(source: Normal, target: Normal)
    case studentT(source: StudentT, target: StudentT)
    case multivariateNormal(source: MultivariateNormal, target: MultivariateNormal)
    case multivariateT(source: MultivariateT, target: MultivariateT)

    /// The dimension d of the points the densities live on (1 for the univariate cases).
    public var dimension: Int {
        switch self {
        case .normal, .studentT: return 1
        case let .multivariateNormal(source, _): return source.dimension
        case let .multivariateT(source, _): return source.dimension
        }
    }
}

/// Importance weights for covariate shift (Wang & Loog 2022, §4.1.1, Eq. 15; Shimodaira
/// 2000; Sugiyama, Krauledat & Müller 2007):
///
///     w(x) = (p_t(x) / p_s(x))^λ,   log w(x) = λ (log p_t(x) − log p_s(x)),   λ ∈ [0, 1],
///
/// with p_s and p_t normal or Student-t densities estimated by maximum likelihood. λ = 0
/// gives unit weights (no adaptation), λ = 1 the full density ratio.
///
/// **Log domain.** The ratio is never formed from two densities: both tend to 0 in the
/// tails (0/0) and overflow-prone exponentials would be needed. Instead the log-ratio is
/// computed from the two Mahalanobis distances δ_t, δ_s of x, after scaling x − μ by a
/// power of two (exact) so that no square overflows:
///
/// - normal: log w/λ = ½ (log|Σ_s| − log|Σ_t|) − ½ (δ_t − δ_s)(δ_t + δ_s), a quadratic in x
///   whose magnitude exceeds the double range when |x| ≳ 10¹⁵⁴ σ (or exceeds 709 — so that
///   w = e^{log w} overflows — already for moderate x when σ_t > σ_s);
/// - Student t: log w/λ = c_t − c_s − ((ν_t+d)/2) log(1 + δ_t²/ν_t) + ((ν_s+d)/2) log(1 + δ_s²/ν_s),
///   which is finite for every finite x. With ν_t = ν_s = ν it is bounded: along a
///   direction v it tends to ½ log(|Σ_s|/|Σ_t|) − (ν+d) log(δ_t(v)/δ_s(v)), in one
///   dimension to ν log(σ_t/σ_s); with ν_t ≠ ν_s it grows like (ν_s − ν_t) log‖x‖.
///
/// **What is returned when the exact value is out of range.** `logWeights(_:lambda:)`
/// is the primary output: it is exact (to rounding) whenever |log(p_t/p_s)| ≤ 1.797…·10³⁰⁸
/// and otherwise clamped to ±`Double.greatestFiniteMagnitude` before the multiplication by λ,
/// so it is finite for every finite x (and λ = 0 gives exactly 0). `weights(_:lambda:)`
/// returns e^{log w}, clamped to `Double.greatestFiniteMagnitude` where log w exceeds
/// log(`Double.greatestFiniteMagnitude`) ≈ 709.78; small weights underflow gracefully to 0.
/// `normalizedWeights(_:lambda:)` rescales the weights of a set of points to mean 1
/// by log-sum-exp, which is exact even where the raw weights overflow or underflow.
///
/// A point with an infinite (and no NaN) coordinate gets the limit along its direction
/// (``limitLogWeight(direction:lambda:)``); a NaN coordinate gives NaN.
///
/// Fit once and evaluate later: the paper fits p_s on the clean source sample and then
/// weighs a source sample to which outliers were added; `fit` and then `logWeights(_:lambda:)`
/// on any points does exactly that.
public struct ImportanceWeights: Equatable, Sendable {
    /// The density family used for both p_s and p_t.
    public enum Family: Equatable, Sendable, Codable {
        case normal
        /// Student t with the degrees of freedom chosen by the rule over the two groups
        /// (source, target): `.fixed(ν)` for both; `.fixedPerGroup([ν_s, ν_t])`;
        /// `.estimated` — one ν for both, maximising the profile log-likelihood
        /// ℓ_s(ν) + ℓ_t(ν) (each maximised over location and scale at that ν), which keeps the
        /// log-weight bounded (see the type's documentation); `.estimatedPerGroup` — ν_s and
        /// ν_t estimated separately, each from its own sample.
        case studentT(DegreesOfFreedomRule)
    }

    /// p_s and p_t.
    public let densities: ImportanceDensities

    let source: WhitenedComponent
    let target: WhitenedComponent

    /// The dimension of the points.
    public var dimension: Int { densities.dimension }

    /// Weights from given densities (for instance the true ones in a simulation).
    /// - Parameter densities: p_s and p_t, of one family and one dimension.
    /// - Throws: `.dimensionMismatch` when the two multivariate densities differ in dimension.
    public init(_ densities: ImportanceDensities) throws(PolytailError) {
        switch densities {
        case let .normal(s, t):
            (source, target) = (WhitenedComponent(s), WhitenedComponent(t))
        case let .studentT(s, t):
            (source, target) = (WhitenedComponent(s), WhitenedComponent(t))
        case let .multivariateNormal(s, t):
            guard s.dimension == t.dimension else {
                throw .dimensionMismatch(what: "target density dimension", expected: s.dimension, got: t.dimension)
            }
            (source, target) = (WhitenedComponent(s), WhitenedComponent(t))
        case let .multivariateT(s, t):
            guard s.dimension == t.dimension else {
                throw .dimensionMismatch(what: "target density dimension", expected: s.dimension, got: t.dimension)
            }
            (source, target) = (WhitenedComponent(s), WhitenedComponent(t))
        }
        self.densities = densities
    }

    public static func == (a: ImportanceWeights, b: ImportanceWeights) -> Bool {
        a.densities == b.densities
    }

    // MARK: Fitting

    /// Fits p_s to the source sample and p_t to the target sample by maximum likelihood
    /// (``Normal/fit(_:weights:)`` or ``StudentT/fit(_:weights:degreesOfFreedom:tolerance:maxIterations:)``).
    /// - Parameters:
    ///   - source: the source sample (at least 2 values; 3 for an estimated ν).
    ///   - target: the target sample.
    ///   - family: `.normal` or `.studentT(rule)`, the rule over the groups (source, target).
    /// - Returns: the weights and one ``FitResult`` for the pair, shaped like a discriminant
    ///   analysis's (one group per domain): ℓ = ℓ_s + ℓ_t (the samples are independent),
    ///   `observationCount` n_s + n_t, `parameterCount` the sum of both fits' (a tied ν counted
    ///   once), hence AIC and BIC of the pair; iterations summed, converged when both converged,
    ///   `dfAtBound` when either ν stopped at its bound. ``FitResult/groupResults`` holds the
    ///   source's and then the target's own result (estimates, covariance, standard errors, Wald
    ///   intervals), also reachable as `sourceResult` and `targetResult` on the returned value.
    ///   The pair's result lists no parameter of its own except a tied estimated ν (not at its
    ///   bound), which couples the domains: then the covariances come from the joint observed
    ///   information of both samples (see `tiedCovariance`): the pair's result gives Var(ν̂),
    ///   each domain's result the covariance of its location and scale with ν's uncertainty
    ///   accounted for (larger than a fixed-ν fit's). A result without a covariance says why in
    ///   ``FitResult/covarianceOmission`` (as the domain's own fit, or, for a tied ν,
    ///   ``CovarianceOmission/singularInformation`` when the joint information is not positive
    ///   definite and ``CovarianceOmission/tooManyParameters`` when one domain's information
    ///   would exceed 527 parameters).
    /// - Throws: whatever the fits throw: `.emptyData`, `.nonFiniteValue`, `.tooFewObservations`,
    ///   `.constantData`, `.invalidParameter` (a bad ν rule), `.dimensionMismatch` (a
    ///   `.fixedPerGroup` rule without two values), `.numericalFailure`.
    /// - Complexity: two fits; with a tied estimated ν about 50 pairs of fixed-ν fits.
    public static func fit(
        source: [Double], target: [Double], family: Family = .normal
    ) throws(PolytailError) -> Fitted<ImportanceWeights> {
        switch family {
        case .normal:
            let s = try Normal.fit(source), t = try Normal.fit(target)
            return Fitted(model: try ImportanceWeights(.normal(source: s.model, target: t.model)),
                          result: joint(s.result, t.result, tiedDegreesOfFreedom: nil, variance: nil))
        case let .studentT(rule):
            let s: Fitted<StudentT>, t: Fitted<StudentT>
            var tied: Double? = nil, tiedNuVariance: Double? = nil
            switch try rule.plan(groupCount: 2, groupName: groupName) {
            case let .fixed(nu):
                s = try StudentT.fit(source, degreesOfFreedom: .fixed(nu[0]))
                t = try StudentT.fit(target, degreesOfFreedom: .fixed(nu[1]))
            case let .perGroup(bounds):
                s = try StudentT.fit(source, degreesOfFreedom: .estimated(minimum: bounds.lower, maximum: bounds.unbounded ? .infinity : bounds.upper))
                t = try StudentT.fit(target, degreesOfFreedom: .estimated(minimum: bounds.lower, maximum: bounds.unbounded ? .infinity : bounds.upper))
            case let .tied(bounds):
                // Check both samples before the profile search so that input errors surface as such.
                _ = try DataValidation.checkUnivariate(source, weights: nil, parameters: 3)
                _ = try DataValidation.checkUnivariate(target, weights: nil, parameters: 3)
                let (nu, atBound) = try profileDegreesOfFreedom(bounds: bounds) { (nu: Double) throws(PolytailError) -> Double in
                    let s = try StudentT.fit(source, degreesOfFreedom: .fixed(nu))
                    let t = try StudentT.fit(target, degreesOfFreedom: .fixed(nu))
                    return s.result.logLikelihood + t.result.logLikelihood
                }
                var sTied = try StudentT.fit(source, degreesOfFreedom: .fixed(nu))
                var tTied = try StudentT.fit(target, degreesOfFreedom: .fixed(nu))
                sTied.result.dfAtBound = atBound; tTied.result.dfAtBound = atBound
                if !atBound {
                    tiedNuVariance = tiedCovariance(
                        &sTied.result, Self.tInformation(source, sTied.model), &tTied.result, Self.tInformation(target, tTied.model))
                }
                (s, t, tied) = (sTied, tTied, nu)
            }
            return Fitted(model: try ImportanceWeights(.studentT(source: s.model, target: t.model)),
                          result: joint(s.result, t.result, tiedDegreesOfFreedom: tied, variance: tiedNuVariance,
                                        otherwise: .singularInformation))
        }
    }

    /// The result of the pair (see `fit`'s Returns): `tiedNu` is the ν estimated from both
    /// samples, nil when ν was fixed or estimated per domain; `variance` its variance from the
    /// joint information (the domains' covariances then already hold their marginal blocks);
    /// `reason` why it is nil (a tied ν's ``FitResult/covarianceOmission``).
    static func joint(_ source: FitResult, _ target: FitResult, tiedDegreesOfFreedom tiedNu: Double?, variance: Double?,
                      otherwise reason: CovarianceOmission = .singularInformation) -> FitResult {
        let (s, t) = (source, target)
        let tied = tiedNu != nil
        var result = FitResult.summary(
            observationCount: s.observationCount + t.observationCount, logLikelihood: s.logLikelihood + t.logLikelihood,
            parameterCount: s.parameterCount + t.parameterCount + (tied ? 1 : 0),
            iterations: s.iterations + t.iterations, converged: s.converged && t.converged,
            dfAtBound: s.dfAtBound || t.dfAtBound)
        result.sampleSize = s.sampleSize + t.sampleSize
        result.groupResults = [s, t]
        if let tiedNu, !result.dfAtBound {
            SharedParameters.list([.degreesOfFreedom], estimates: [tiedNu],
                                  covariance: variance.map { Matrix(uncheckedRows: 1, columns: 1, elements: [$0]) },
                                  on: &result, otherwise: reason)
        }
        return result
    }

    /// With one ν estimated from both samples, the covariance of every estimate from the joint
    /// observed information of both (``SharedParameters/covariances(_:informations:shared:otherwise:)``):
    /// each domain's result gets the marginal covariance of its θ̂, and Var(ν̂) is returned.
    /// - Returns: Var(ν̂), or nil (the domains' covariances then removed, with the reason).
    static func tiedCovariance(_ source: inout FitResult, _ sourceInformation: Matrix?,
                               _ target: inout FitResult, _ targetInformation: Matrix?) -> Double? {
        var groups = [source, target]
        let variance = SharedParameters.covariances(&groups, informations: [sourceInformation, targetInformation])
        (source, target) = (groups[0], groups[1])
        return variance?[0, 0]
    }

    /// The observed information −∇²ℓ of a univariate t over (μ, σ, ν) at its parameters: the
    /// fit's analytic Hessian in (μ, log σ, log ν), mapped to (μ, σ, ν) through the diagonal
    /// Jacobian J = diag(1, σ, ν): I_nat = J⁻¹ I J⁻¹ (exact at a stationary point in μ and σ,
    /// where the gradient term of the change of variables vanishes for them; ν's row is taken at
    /// the common ν, which maximises the *summed* likelihood, so its own gradient term —
    /// −g_τ/ν² on the ν diagonal — is kept).
    static func tInformation(_ x: [Double], _ t: StudentT) -> Matrix {
        let nu = t.degreesOfFreedom
        let fitter = TFitter(x: x, w: nil, bounds: DegreesOfFreedomRule.Bounds(fixed: nil, lower: nu, upper: nu))
        let (_, g, negH) = fitter.derivatives(TFitter.State(mu: t.location, eta: log(t.scale), tau: log(nu)))
        let j = [1, t.scale, nu]
        var natural = [Double](repeating: 0, count: 9)
        for r in 0..<3 { for c in 0..<3 { natural[r * 3 + c] = negH[r * 3 + c] / (j[r] * j[c]) } }
        // ∂²ℓ/∂ν² = (∂²ℓ/∂τ² − ∂ℓ/∂τ)/ν², so −∂²ℓ/∂ν² = (negH_ττ + g_τ)/ν².
        natural[8] = (negH[8] + g[2]) / (nu * nu)
        return Matrix(uncheckedRows: 3, columns: 3, elements: natural)
    }

    /// How errors name the two groups of a ν rule.
    static func groupName(_ j: Int) -> String { j == 0 ? "the source sample" : "the target sample" }

    /// Fits multivariate p_s and p_t (``MultivariateNormal/fit(_:weights:)`` or
    /// ``MultivariateT/fit(_:weights:degreesOfFreedom:tolerance:maxIterations:)``) to samples
    /// whose rows are observations.
    /// - Parameters:
    ///   - source: the source sample, n_s × d.
    ///   - target: the target sample, n_t × d.
    ///   - family: `.normal` or `.studentT(rule)`, the rule over the groups (source, target).
    /// - Returns: the weights and one ``FitResult`` for the pair, as the univariate
    ///   ``fit(source:target:family:)-([Double],_,_)`` describes.
    /// - Throws: as the fits, and `.dimensionMismatch` when the samples differ in columns.
    public static func fit(
        source: Matrix, target: Matrix, family: Family = .normal
    ) throws(PolytailError) -> Fitted<ImportanceWeights> {
        guard source.columns == target.columns else {
            throw .dimensionMismatch(what: "target columns", expected: source.columns, got: target.columns)
        }
        switch family {
        case .normal:
            let s = try MultivariateNormal.fit(source), t = try MultivariateNormal.fit(target)
            return Fitted(model: try ImportanceWeights(.multivariateNormal(source: s.model, target: t.model)),
                          result: joint(s.result, t.result, tiedDegreesOfFreedom: nil, variance: nil))
        case let .studentT(rule):
            let s: Fitted<MultivariateT>, t: Fitted<MultivariateT>
            var tied: Double? = nil, tiedNuVariance: Double? = nil, tooMany = false
            switch try rule.plan(groupCount: 2, groupName: groupName) {
            case let .fixed(nu):
                s = try MultivariateT.fit(source, degreesOfFreedom: .fixed(nu[0]))
                t = try MultivariateT.fit(target, degreesOfFreedom: .fixed(nu[1]))
            case let .perGroup(bounds):
                s = try MultivariateT.fit(source, degreesOfFreedom: .estimated(minimum: bounds.lower, maximum: bounds.upper))
                t = try MultivariateT.fit(target, degreesOfFreedom: .estimated(minimum: bounds.lower, maximum: bounds.upper))
            case let .tied(bounds):
                let d = source.columns
                _ = try DataValidation.checkMatrix(source, weights: nil, minimumRows: d + 2)
                _ = try DataValidation.checkMatrix(target, weights: nil, minimumRows: d + 2)
                let (nu, atBound) = try profileDegreesOfFreedom(bounds: bounds) { (nu: Double) throws(PolytailError) -> Double in
                    let s = try MultivariateT.fit(source, degreesOfFreedom: .fixed(nu), tolerance: 1e-12)
                    let t = try MultivariateT.fit(target, degreesOfFreedom: .fixed(nu), tolerance: 1e-12)
                    return s.result.logLikelihood + t.result.logLikelihood
                }
                var sTied = try MultivariateT.fit(source, degreesOfFreedom: .fixed(nu))
                var tTied = try MultivariateT.fit(target, degreesOfFreedom: .fixed(nu))
                sTied.result.dfAtBound = atBound; tTied.result.dfAtBound = atBound
                if !atBound {
                    var groups = [sTied.result, tTied.result]
                    tiedNuVariance = SharedParameters.multivariateT(
                        &groups, samples: [source, target], locations: [sTied.model.location, tTied.model.location],
                        scatters: [sTied.model.scatter, tTied.model.scatter], nu: [nu, nu], estimatedNu: true, sharedScatter: false)?[0, 0]
                    (sTied.result, tTied.result) = (groups[0], groups[1])
                    tooMany = groups[0].covarianceOmission == .tooManyParameters
                }
                (s, t, tied) = (sTied, tTied, nu)
            }
            return Fitted(model: try ImportanceWeights(.multivariateT(source: s.model, target: t.model)),
                          result: joint(s.result, t.result, tiedDegreesOfFreedom: tied, variance: tiedNuVariance,
                                        otherwise: tooMany ? .tooManyParameters : .singularInformation))
        }
    }

    /// The ν in [lower, upper] maximising a profile log-likelihood ℓ(ν): a grid of 15 points
    /// in τ = log ν, then GSL's Brent minimiser (``Solvers/brentMinimize(lower:guess:upper:relativeTolerance:absoluteTolerance:maxIterations:_:)``)
    /// on −ℓ from a bracket around the best grid point, to 10⁻⁸ in τ (a relative 10⁻⁸ in ν).
    /// Reports whether the maximum sits at the upper bound.
    ///
    /// The bracket is the best grid point between its two neighbours when both are lower. When
    /// the best is an end of the grid (or ties a neighbour), the maximum lies at that point or
    /// between it and its neighbour: points closing in on the best by the golden ratio are
    /// probed until one is higher (the bracket) or within 10⁻⁸ of it (the maximum is the best
    /// point itself — at the upper bound, the normal-like end, as for light-tailed samples).
    ///
    /// A ν at which a fixed-ν fit fails (for tiny ν the likelihood of a sample with ties is
    /// unbounded as the scale → 0) counts as −∞; the samples were validated before.
    static func profileDegreesOfFreedom(
        bounds: DegreesOfFreedomRule.Bounds, _ fixedFit: (Double) throws(PolytailError) -> Double
    ) throws(PolytailError) -> (Double, Bool) {
        try withoutActuallyEscaping(fixedFit) { (fixedFit) throws(PolytailError) -> (Double, Bool) in
            /// ℓ at ν = e^τ, or −∞ where the fixed-ν fit fails.
            func profile(_ tau: Double) -> Double {
                guard let v = try? fixedFit(exp(tau)), v.isFinite else { return -.infinity }
                return v
            }
            let lo = log(bounds.lower), hi = log(bounds.upper)
            let count = 15
            let grid = (0..<count).map { lo + (hi - lo) * Double($0) / Double(count - 1) }
            let values = grid.map(profile)
            var best = 0
            for i in 1..<count where values[i] > values[best] { best = i }
            guard values[best] > -.infinity else {
                throw .numericalFailure("no common degrees of freedom gives a bounded likelihood for both samples")
            }
            // values[best] is above every earlier grid value (the first maximum).
            var bracket: (lower: Double, guess: Double, upper: Double)?
            if best > 0, best < count - 1, values[best] > values[best + 1] {
                bracket = (grid[best - 1], grid[best], grid[best + 1])
            } else {
                let end = grid[best], other = grid[best == count - 1 ? best - 1 : best + 1]
                let ratio = (5.0.squareRoot() - 1) / 2
                var offset = (other - end) * ratio
                while abs(offset) > 1e-8 {
                    if profile(end + offset) > values[best] {
                        bracket = (min(end, other), end + offset, max(end, other))
                        break
                    }
                    offset *= ratio
                }
            }
            var tau = grid[best]
            if let bracket {
                tau = try Solvers.brentMinimize(lower: bracket.lower, guess: bracket.guess, upper: bracket.upper,
                                                absoluteTolerance: 1e-8) { -profile($0) }.x
            }
            let atUpper = hi - tau <= 1e-6
            return (atUpper ? bounds.upper : (tau == lo ? bounds.lower : exp(tau)), atUpper)
        }
    }

    // MARK: Evaluation

    /// λ (log p_t(x) − log p_s(x)) for every observation (row), clamped as the type's
    /// documentation says: finite for every finite observation, exact when in range.
    /// - Parameters:
    ///   - observations: the rows to weigh, n × d.
    ///   - lambda: the flattening power λ ∈ [0, 1] (Eq. 15).
    /// - Returns: one log-weight per row; NaN for a row holding a NaN.
    /// - Throws: `.invalidParameter` for λ outside [0, 1] or NaN; `.dimensionMismatch` for a
    ///   wrong column count.
    /// - Complexity: O(n d²) (two triangular solves).
    public func logWeights(_ observations: Matrix, lambda: Double = 1) throws(PolytailError) -> [Double] {
        try ImportanceWeights.check(lambda: lambda)
        guard observations.columns == dimension else {
            throw .dimensionMismatch(what: "point dimension", expected: dimension, got: observations.columns)
        }
        return logRatios(observations).map { ImportanceWeights.scaled($0, lambda) }
    }

    /// λ (log p_t(x) − log p_s(x)) at each univariate observation (see
    /// ``logWeights(_:lambda:)-(Matrix,_)``).
    /// - Parameters:
    ///   - observations: the values to weigh.
    ///   - lambda: the flattening power λ ∈ [0, 1].
    /// - Returns: one log-weight per observation.
    /// - Throws: as the `Matrix` version, and `.dimensionMismatch` when the densities are
    ///   multivariate.
    public func logWeights(_ observations: [Double], lambda: Double = 1) throws(PolytailError) -> [Double] {
        try logWeights(column(observations), lambda: lambda)
    }

    /// w(x) = e^{log w(x)} for every observation (row), clamped to
    /// `Double.greatestFiniteMagnitude` (see the type's documentation). Finite and ≥ 0 for
    /// every finite observation.
    /// - Parameters:
    ///   - observations: n × d.
    ///   - lambda: the flattening power λ ∈ [0, 1].
    /// - Returns: one weight per row.
    /// - Throws: as ``logWeights(_:lambda:)-(Matrix,_)``.
    public func weights(_ observations: Matrix, lambda: Double = 1) throws(PolytailError) -> [Double] {
        try logWeights(observations, lambda: lambda).map(ImportanceWeights.exponential)
    }

    /// w(x) at each univariate observation.
    /// - Throws: as ``logWeights(_:lambda:)-([Double],_)``.
    public func weights(_ observations: [Double], lambda: Double = 1) throws(PolytailError) -> [Double] {
        try weights(column(observations), lambda: lambda)
    }

    /// The weights of the observations (rows) rescaled to mean 1:
    /// w̃ᵢ = n · exp(log wᵢ − LSE(log w)), LSE(ℓ) = m + log Σⱼ exp(ℓⱼ − m), m = maxⱼ ℓⱼ.
    /// Exact where the raw weights overflow or underflow; finite, non-negative, summing to n.
    /// - Parameters:
    ///   - observations: n × d.
    ///   - lambda: the flattening power λ ∈ [0, 1].
    /// - Returns: n weights with mean 1.
    /// - Throws: as ``logWeights(_:lambda:)-(Matrix,_)``, plus `.emptyData` for no observations
    ///   and `.nonFiniteValue` for an observation holding a NaN.
    public func normalizedWeights(_ observations: Matrix, lambda: Double = 1) throws(PolytailError) -> [Double] {
        guard observations.rows > 0 else { throw .emptyData }
        let l = try logWeights(observations, lambda: lambda)
        let d = observations.columns
        for (i, v) in l.enumerated() where v.isNaN {
            let j = (0..<d).first { observations.elements[i * d + $0].isNaN }
            throw .nonFiniteValue(row: i, column: dimension == 1 ? nil : j)
        }
        let m = l.max()!
        // ℓᵢ − m ≤ 0; it can only overflow to −∞ (then the weight is truly 0 beside the largest).
        var sum = 0.0
        for v in l { sum += exp(v - m) }
        let n = Double(l.count)
        return l.map { n * exp($0 - m) / sum }
    }

    /// Normalised weights at univariate observations.
    /// - Throws: as ``normalizedWeights(_:lambda:)-(Matrix,_)``.
    public func normalizedWeights(_ observations: [Double], lambda: Double = 1) throws(PolytailError) -> [Double] {
        try normalizedWeights(column(observations), lambda: lambda)
    }

    /// lim_{r→∞} λ log w(r v): the log-weight far out along the direction v (any non-zero
    /// finite vector; only its direction matters).
    ///
    /// - normal: ±∞ by the sign of vᵀ(Σ_s⁻¹ − Σ_t⁻¹)v; when that is 0, by the sign of the
    ///   linear term vᵀ(Σ_t⁻¹μ_t − Σ_s⁻¹μ_s); when both vanish, log w(0).
    /// - t with ν_s ≠ ν_t: ±∞ by the sign of ν_s − ν_t.
    /// - t with ν_s = ν_t = ν: λ [½ log(|Σ_s|/|Σ_t|) − (ν+d) log(δ_t(v)/δ_s(v))], the bound
    ///   of the weights; in one dimension λ ν log(σ_t/σ_s).
    /// - Returns: the limit, which may be ±∞ (0 when λ = 0).
    /// - Throws: `.invalidParameter` (λ, or a zero or non-finite direction), `.dimensionMismatch`.
    public func limitLogWeight(direction: [Double], lambda: Double = 1) throws(PolytailError) -> Double {
        try ImportanceWeights.check(lambda: lambda)
        guard direction.count == dimension else {
            throw .dimensionMismatch(what: "direction", expected: dimension, got: direction.count)
        }
        let m = direction.reduce(0.0) { max($0, abs($1)) }
        guard m > 0, m.isFinite, !direction.contains(where: \.isNaN) else {
            throw .invalidParameter(name: "direction", value: m.isFinite ? m : .nan, requirement: "must be non-zero and finite")
        }
        if lambda == 0 { return 0 }
        return lambda * limitLogRatio(direction.map { $0 / m })
    }

    // MARK: Internals

    static func check(lambda: Double) throws(PolytailError) {
        guard lambda >= 0, lambda <= 1 else {
            throw .invalidParameter(name: "lambda", value: lambda, requirement: "must be in [0, 1]")
        }
    }

    /// λ · clamp(ℓ): λ = 0 gives 0 even for an infinite ℓ; NaN stays NaN.
    static func scaled(_ logRatio: Double, _ lambda: Double) -> Double {
        if logRatio.isNaN { return .nan }
        if lambda == 0 { return 0 }
        let g = Double.greatestFiniteMagnitude
        return lambda * min(max(logRatio, -g), g)
    }

    /// log(greatestFiniteMagnitude) ≈ 709.78.
    static let logGreatest = log(Double.greatestFiniteMagnitude)

    static func exponential(_ l: Double) -> Double {
        if l.isNaN { return .nan }
        return l >= logGreatest ? Double.greatestFiniteMagnitude : exp(l)
    }

    func column(_ points: [Double]) throws(PolytailError) -> Matrix {
        guard dimension == 1 else {
            throw .dimensionMismatch(what: "point dimension (use a Matrix of points)", expected: dimension, got: 1)
        }
        return Matrix(uncheckedRows: points.count, columns: 1, elements: points)
    }

    /// log p_t − log p_s for every row, unclamped (±∞ possible for the normal), NaN for rows
    /// with a NaN; rows with infinite coordinates get the limit along their direction.
    func logRatios(_ points: Matrix) -> [Double] {
        let n = points.rows, d = points.columns
        guard n > 0 else { return [] }
        // Per row, a power of two 2ᵏ ≥ max_j |xⱼ − μⱼ|/2 over both locations; the centred rows
        // ((xⱼ/2 − μⱼ/2)/2ᵏ) are exact scalings of x − μ and cannot overflow.
        let scales = WhitenedComponent.rowScales(points, locations: [source.location, target.location])
        let exponents = scales.map(\.exponent)
        var special = [Double?](repeating: nil, count: n)
        for i in 0..<n {
            if scales[i].hasNaN {
                special[i] = .nan
            } else if scales[i].hasInfinity {
                let v = (0..<d).map { j -> Double in
                    let x = points.elements[i * d + j]
                    return x.isInfinite ? (x > 0 ? 1 : -1) : 0
                }
                special[i] = limitLogRatio(v)
            }
        }
        let deltaS = source.scaledDistances(points, exponents: exponents)
        let deltaT = target.scaledDistances(points, exponents: exponents)
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            if let s = special[i] { out[i] = s; continue }
            // δ = 2^(k+1) · δ̃ exactly.
            let k = exponents[i] + 1
            out[i] = logRatio(deltaS[i], deltaT[i], exponent: k)
        }
        return out
    }

    /// log p_t − log p_s from the scaled distances δ̃ (δ = 2ᵏ δ̃).
    func logRatio(_ ds: Double, _ dt: Double, exponent k: Int) -> Double {
        switch (source.nu, target.nu) {
        case (nil, nil):
            // −½ (δ_t² − δ_s²) = −½ 2²ᵏ (δ̃_t − δ̃_s)(δ̃_t + δ̃_s): no cancellation of two squares,
            // and the factors are finite, so the product is finite or ±∞ (never NaN).
            let p = (dt - ds) * (dt + ds)
            return (target.logNormalizer - source.logNormalizer) - 0.5 * Double(sign: .plus, exponent: 2 * k, significand: p)
        case let (nuS?, nuT?):
            return (target.logNormalizer - target.halfPower * WhitenedComponent.logOnePlusSquare(dt, exponent: k, nu: nuT))
                - (source.logNormalizer - source.halfPower * WhitenedComponent.logOnePlusSquare(ds, exponent: k, nu: nuS))
        default:
            // A t fit at ν = ∞ (the normal limit) against a t with finite ν: each side on its
            // own; the normal side may be −∞ far out, the t side is finite, so never NaN.
            func side(_ c: WhitenedComponent, _ delta: Double) -> Double {
                if let nu = c.nu { return c.logNormalizer - c.halfPower * WhitenedComponent.logOnePlusSquare(delta, exponent: k, nu: nu) }
                return c.logNormalizer - 0.5 * Double(sign: .plus, exponent: 2 * k, significand: delta * delta)
            }
            return side(target, dt) - side(source, ds)
        }
    }

    /// The limit of log p_t − log p_s along the direction v (max|vⱼ| = 1), unclamped.
    func limitLogRatio(_ v: [Double]) -> Double {
        let d = v.count
        let row = Matrix(uncheckedRows: 1, columns: d, elements: v)
        let zero = [Double](repeating: 0, count: d)
        let ds = WhitenedComponent.distances(row, location: zero, lower: source.lower)[0]
        let dt = WhitenedComponent.distances(row, location: zero, lower: target.lower)[0]
        switch (source.nu, target.nu) {
        case (nil, nil):
            let quadratic = (ds - dt) * (ds + dt)  // vᵀ(Σ_s⁻¹ − Σ_t⁻¹)v
            if quadratic != 0 { return quadratic > 0 ? .infinity : -.infinity }
            let linear = target.whitenedDot(v) - source.whitenedDot(v)
            if linear != 0 { return linear > 0 ? .infinity : -.infinity }
            return logRatios(Matrix(uncheckedRows: 1, columns: d, elements: zero))[0]
        case let (nuS?, nuT?):
            if nuS != nuT { return nuS > nuT ? .infinity : -.infinity }
            // log(1 + δ²/ν) = 2 log δ − log ν + o(1) in both terms; −log ν cancels with the
            // equal powers (ν + d)/2.
            return (target.logNormalizer - source.logNormalizer) - (nuT + Double(d)) * (log(dt) - log(ds))
        case (nil, _?):
            return .infinity  // the normal source's tail falls faster than the t target's
        case (_?, nil):
            return -.infinity
        }
    }
}

extension Fitted where Model == ImportanceWeights {
    /// The source density's own result (estimates, covariance, standard errors, Wald
    /// intervals, its log-likelihood): the first of ``FitResult/groupResults``.
    public var sourceResult: FitResult? { result.groupResults?.first }
    /// The target density's own result: the second of ``FitResult/groupResults``.
    public var targetResult: FitResult? { (result.groupResults?.count ?? 0) > 1 ? result.groupResults?[1] : nil }
}
