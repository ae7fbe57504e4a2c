import Dispatch
import Foundation

// Hot loop (documented raw-pointer use): the pass over the observations that every Newton
// step of the t fit takes (the sums behind ℓ, its gradient and Hessian: one division and one
// log1p per row, on both cores) reads x and w through buffer pointers and keeps a block's
// logarithms in one heap buffer — the Student-t benchmark of Docs/performance.md.

extension StudentT {
    /// Maximum-likelihood fit of the location-scale Student t by Newton's method on the
    /// exact (weighted) log-likelihood ℓ(μ, log σ, log ν) = Σᵢ wᵢ log f(xᵢ).
    ///
    /// The gradient and Hessian are analytic (the ν-derivatives through GSL's digamma and
    /// trigamma, with the asymptotic series ψ((ν+1)/2) − ψ(ν/2) − 1/ν = 1/(2ν²) − 1/(4ν⁴) +
    /// 1/(2ν⁶) + O(ν⁻⁸) for ν ≥ 100, where the digamma difference cancels). Each Newton step
    /// is safeguarded: a Levenberg shift when the Hessian is not negative definite and a
    /// backtracking line search that only accepts increases of ℓ; a few EM steps
    /// (Liu & Rubin 1995) start it, and on large samples a fit of a strided subsample does.
    /// This reaches the same maximum as ECME but converges quadratically.
    ///
    /// Light-tailed data (kurtosis at or below the normal's) drive the ML ν to infinity. With
    /// the default rule (no finite maximum) ν = ∞ belongs to the parameter space: Newton
    /// searches ν ≤ ``StudentT/largestSearchedDF`` (10⁶), and when the normal fit's
    /// log-likelihood ℓ_N is at least the best t's, the profile likelihood is maximised at
    /// ν = ∞ and the fit returns the exact normal limit — ν = +∞, the normal's μ̂ and σ̂, its
    /// log-likelihood and covariance — with ``FitResult/dfAtBound`` set. With a finite
    /// `maximum` ν stops there instead (``FitResult/dfAtBound`` set, ℓ within about
    /// n(κ − 3)/(4ν) of ℓ_N).
    ///
    /// - Parameters:
    ///   - observations: the sample; finite values.
    ///   - weights: optional non-negative frequency weights (integer weights equal repeated rows).
    ///   - rule: the `degreesOfFreedom:` argument, ``DegreesOfFreedomRule/fixed(_:)`` or estimated within bounds.
    ///   - tolerance: stop when the Newton decrement gᵀ(−H)⁻¹g falls below
    ///     `tolerance · max(1, |ℓ|)`.
    ///   - maxIterations: a cap on Newton iterations; non-convergence is reported, not thrown.
    /// - Returns: the fit and its ``FitResult``: ``FitParameter/location``, ``FitParameter/scale``
    ///   and (when estimated and not at a bound) ``FitParameter/degreesOfFreedom``, with the
    ///   covariance from the inverse observed information (the analytic Hessian at the
    ///   optimum, mapped from (μ, log σ, log ν) by the delta method); with ν estimated, also
    ///   ``FitResult/tailTest``, the likelihood-ratio test against the normal limit.
    /// - Complexity: O(n) per iteration; typically 5–15 iterations.
    public static func fit(
        _ observations: [Double], weights: [Double]? = nil,
        degreesOfFreedom rule: DegreesOfFreedomRule = .estimated,
        tolerance: Double = 1e-13, maxIterations: Int = 200
    ) throws(PolytailError) -> Fitted<StudentT> {
        // Tiny (subnormal) or huge data are fitted multiplied by a power of two (exact).
        try UnitScale.fit(observations) { (observations) throws(PolytailError) in
            try fitOnUnitScale(observations, weights: weights, degreesOfFreedom: rule, tolerance: tolerance, maxIterations: maxIterations)
        }
    }

    static func fitOnUnitScale(
        _ observations: [Double], weights: [Double]?, degreesOfFreedom rule: DegreesOfFreedomRule,
        tolerance: Double, maxIterations: Int
    ) throws(PolytailError) -> Fitted<StudentT> {
        let w = try DataValidation.checkUnivariate(observations, weights: weights, parameters: rule.isFixed ? 2 : 3)
        let bounds = try rule.validatedBounds()
        // `w` is all ones without weights: the fitter uses it rather than a second copy.
        var fitter = TFitter(x: observations, w: w, bounds: bounds)

        // Start: weighted median and MAD, ν from the kurtosis, a few EM steps; on large
        // samples all of it, and a first Newton fit, on a strided subsample of ~20,000 rows.
        var start: TFitter.State
        if observations.count > 50_000 {
            let stride = observations.count / 20_000
            let rows = Array(Swift.stride(from: 0, to: observations.count, by: stride))
            var sub = TFitter(x: rows.map { observations[$0] }, w: weights == nil ? nil : rows.map { w[$0] }, bounds: bounds)
            start = sub.robustStart(fixedNu: bounds.fixed)
            let quick = sub.newton(from: start, tolerance: 1e-10, maxIterations: 100)
            if quick.state.isFinite { start = quick.state }
        } else {
            start = fitter.robustStart(fixedNu: bounds.fixed)
        }
        let outcome = fitter.newton(from: start, tolerance: tolerance, maxIterations: maxIterations)
        return try fitted(
            outcome, start: start, bounds: bounds, totalWeight: fitter.totalWeight,
            observationCount: DataValidation.positiveCount(w),
            weights: weights,
            normal: { () throws(PolytailError) -> Fitted<Normal> in
                // The weights as normalised (max 1), like the t fit's own: the result (and both
                // log-likelihoods of the tail test) are restated for the weights as given by
                // DataValidation.frequencyScaled. (Normal.fit's own path, through the
                // mergeable statistics, without another n-sized copy of the weights.)
                var statistics = NormalStatistics()
                try statistics.add(observations, weights: weights == nil ? nil : w)
                return try statistics.fit()
            })
    }

    /// The fitted t and its ``FitResult`` from the Newton outcome (shared by the in-memory
    /// fit and the fit by passes over data held elsewhere).
    static func fitted(
        _ outcome: TFitter.Outcome, start: TFitter.State, bounds: DegreesOfFreedomRule.Bounds,
        totalWeight: Double, observationCount: Int, weights: [Double]?,
        normal normalFit: () throws(PolytailError) -> Fitted<Normal>
    ) throws(PolytailError) -> Fitted<StudentT> {
        let s = outcome.state
        guard s.isFinite else { throw .numericalFailure("Student-t fit diverged") }
        // With many tied values the likelihood is unbounded as σ → 0 (k ties among n rows
        // outweigh the rest when k > (n − k)(ν + 1)); say so instead of returning σ ≈ 0.
        if exp(s.eta) < 1e-9 * exp(start.eta) {
            throw .numericalFailure("the Student-t likelihood is unbounded (scale → 0): too many tied values")
        }
        // The normal limit ν = ∞ is part of the parameter space when the rule has no finite
        // maximum: it is the estimate when the profile likelihood is maximised there, i.e.
        // when no ν in the searched range beats the normal's supremum ℓ_N (light tails).
        let normal: Fitted<Normal>? = bounds.fixed == nil ? try normalFit() : nil
        if let normal, bounds.unbounded, normal.result.logLikelihood >= outcome.logLikelihood {
            let result = normal.result.asTNormalLimit(iterations: outcome.iterations)
            let limit = try StudentT(degreesOfFreedom: .infinity, location: normal.model.mean, scale: normal.model.standardDeviation)
            return Fitted(model: limit, result: DataValidation.frequencyScaled(result, weights: weights))
        }
        // At a bound, report the bound itself rather than exp(log(bound)) ± 1 ulp.
        let nu = outcome.atUpperBound ? bounds.upper : (bounds.fixed ?? exp(s.tau))
        let fitted = try StudentT(degreesOfFreedom: nu, location: s.mu, scale: exp(s.eta))
        let (parameters, estimates, covariance) = outcome.naturalCovariance(location: s.mu, scale: exp(s.eta), nu: nu)
        let tailTest = normal.map { TailTest(tLogLikelihood: outcome.logLikelihood, normalLogLikelihood: $0.result.logLikelihood) }
        return Fitted(
            model: fitted,
            result: DataValidation.frequencyScaled(FitResult(
                unchecked: parameters, estimates: estimates, covariance: covariance,
                observationCount: observationCount, sampleSize: totalWeight,
                logLikelihood: outcome.logLikelihood, parameterCount: bounds.fixed == nil ? 3 : 2,
                iterations: outcome.iterations, converged: outcome.converged,
                dfAtBound: outcome.atUpperBound, tailTest: tailTest), weights: weights))
    }
}

extension FitResult {
    /// A normal fit's result restated as the t fit's estimate at its normal limit ν = ∞: the
    /// parameters under the t's keys (mean → location, standard deviation → scale, mean and
    /// covariance components → location and scatter components), ν counted in
    /// ``parameterCount`` (it was estimated), ``dfAtBound`` set, and the tail test's statistic 0.
    func asTNormalLimit(iterations: Int) -> FitResult {
        var result = self
        result.parameters = parameters.map { key in
            switch key {
            case .mean: return .location
            case .standardDeviation: return .scale
            case let .meanComponent(j): return .locationComponent(j)
            case let .covariance(j, k): return .scatter(j, k)
            default: return key
            }
        }
        result.parameterCount += 1
        result.iterations = iterations
        result.dfAtBound = true
        result.tailTest = TailTest(tLogLikelihood: logLikelihood, normalLogLikelihood: logLikelihood)
        return result
    }
}

/// The ν-part of the t log-likelihood that needs care at large ν.
enum TDegreesOfFreedom {
    /// D(ν) = D₁(ν), the univariate case of ``digammaGap(_:dimension:)``.
    static func d(_ nu: Double) -> Double { digammaGap(nu, dimension: 1) }

    /// D_d(ν) = ψ((ν+d)/2) − ψ(ν/2) − d/ν, the ν-part of the t score in d dimensions (the one
    /// ν score of the library: univariate, multivariate and discriminant fits). Direct from
    /// GSL's digamma below ν = 100, where it cancels little; above, from the asymptotic
    /// expansion ψ(x) = log x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + 1/(240x⁸) − …
    /// with x = ν/2, h = d/2, written so that nothing cancels:
    /// log1p(h/x) − h/x + h/(2x(x+h)) + h(2x+h)/(12x²(x+h)²) − (x⁻⁴ − (x+h)⁻⁴)/120
    /// + (x⁻⁶ − (x+h)⁻⁶)/252 − (x⁻⁸ − (x+h)⁻⁸)/240. Against 60-digit mpmath
    /// (`Tests/Fixtures/make_digamma_gap.py`) for d ∈ {1, 3, 5, 10, 50, 200} and ν from 10⁻³
    /// to 10⁶ the relative error is below 3·10⁻¹³ above ν = 100 (D₂ ≡ 0; the expansion gives
    /// it to 2·10⁻¹⁸ absolute). It replaces two copies that switched at ν = 100 (d = 1, a
    /// three-term series, 4·10⁻¹²) and ν = 2000 (any d, direct digamma up to 10⁻⁸ relative
    /// error just below the switch).
    static func digammaGap(_ nu: Double, dimension d: Int) -> Double {
        let dd = Double(d)
        if nu < 100 { return GSL.digamma(0.5 * (nu + dd)) - GSL.digamma(0.5 * nu) - dd / nu }
        let x = 0.5 * nu, h = 0.5 * dd, y = h / x
        let logTerm: Double
        if y < 1e-3 {
            logTerm = y * y * (-0.5 + y * (1.0 / 3 + y * (-0.25 + y * (0.2 + y * (-1.0 / 6)))))
        } else {
            logTerm = log1p(y) - y
        }
        let xh = x + h
        let x2 = 1 / (x * x), xh2 = 1 / (xh * xh)
        let quartic = (x2 * x2 - xh2 * xh2) / 120
        let sextic = (x2 * x2 * x2 - xh2 * xh2 * xh2) / 252
        let octic = (x2 * x2 * x2 * x2 - xh2 * xh2 * xh2 * xh2) / 240
        return logTerm + h / (2 * x * xh) + h * (2 * x + h) / (12 * x * x * xh * xh) - quartic + sextic - octic
    }

    /// D′(ν) = ½ψ′((ν+1)/2) − ½ψ′(ν/2) + 1/ν², with the series −1/ν³ + 1/ν⁵ − 3/ν⁷ above 100.
    static func dPrime(_ nu: Double) -> Double {
        if nu < 100 { return 0.5 * (GSL.trigamma(0.5 * (nu + 1)) - GSL.trigamma(0.5 * nu)) + 1 / (nu * nu) }
        let r = 1 / (nu * nu)
        return -r / nu * (1 + r * (-1 + r * 3))
    }

    /// log(1 + a) − a/(1 + a) without cancellation for small a (series Σₖ₌₂ (−1)ᵏ (k−1)/k aᵏ).
    @inline(__always)
    static func logOnePlusMinusRatio(_ a: Double) -> Double {
        if a < 1e-3 {
            // Terms to a⁸ leave a relative error below 1e-18 for a < 1e-3.
            return a * a * (0.5 + a * (-2.0 / 3 + a * (0.75 + a * (-0.8 + a * (5.0 / 6 + a * (-6.0 / 7 + a * 0.875))))))
        }
        if a.isInfinite { return a }
        return log1p(a) - a / (1 + a)
    }
}

/// Newton iterations for the univariate t, on unconstrained (μ, η = log σ, τ = log ν).
struct TFitter {
    struct State: Equatable, Sendable {
        var mu: Double, eta: Double, tau: Double
        var isFinite: Bool { mu.isFinite && eta.isFinite && tau.isFinite }
    }

    /// Weighted sums over the data at one parameter point (see `accumulate`); `su` = Σ w u
    /// (with `gMu` = Σ w u z and `gEta` = Σ w u z² it gives an EM step, see `emStep`).
    struct Sums: Equatable, Sendable, Codable {
        var logR = 0.0, gMu = 0.0, gEta = 0.0, gNu = 0.0
        var hMuMu = 0.0, hMuEta = 0.0, hEtaEta = 0.0, hMuNu = 0.0, hEtaNu = 0.0, hNuNu = 0.0
        var su = 0.0
        static func + (a: Sums, b: Sums) -> Sums {
            Sums(logR: a.logR + b.logR, gMu: a.gMu + b.gMu, gEta: a.gEta + b.gEta, gNu: a.gNu + b.gNu,
                 hMuMu: a.hMuMu + b.hMuMu, hMuEta: a.hMuEta + b.hMuEta, hEtaEta: a.hEtaEta + b.hEtaEta,
                 hMuNu: a.hMuNu + b.hMuNu, hEtaNu: a.hEtaNu + b.hEtaNu, hNuNu: a.hNuNu + b.hNuNu,
                 su: a.su + b.su)
        }
    }

    /// Passes over data that are not in memory (a file read again, shards on other machines):
    /// the sums at a parameter point. When set, `x` and `w` are empty and every pass goes here.
    var externalPass: ((State) -> Sums)? = nil

    struct Outcome {
        var state: State
        var logLikelihood: Double
        var iterations: Int
        var converged: Bool
        var atUpperBound: Bool
        /// Inverse of the negative Hessian in (μ, η, τ) for the free parameters (row-major).
        var covariance: [Double]?
        var freeNu: Bool

        /// The estimated parameters, their values and covariance in the natural parameters
        /// (μ, σ, ν) by the delta method from (μ, η = log σ, τ = log ν): J = diag(1, σ, ν),
        /// Cov = J C Jᵀ. ν is listed only when it was free (estimated and not at a bound).
        func naturalCovariance(location: Double, scale: Double, nu: Double) -> ([FitParameter], [Double], Matrix?) {
            let k = freeNu ? 3 : 2
            let parameters: [FitParameter] = freeNu ? [.location, .scale, .degreesOfFreedom] : [.location, .scale]
            let estimates = freeNu ? [location, scale, nu] : [location, scale]
            guard let c = covariance else { return (parameters, estimates, nil) }
            let jacobian = [1, scale, nu]
            var e = [Double](repeating: 0, count: k * k)
            for i in 0..<k { for j in 0..<k { e[i * k + j] = jacobian[i] * c[i * k + j] * jacobian[j] } }
            return (parameters, estimates, Matrix(uncheckedRows: k, columns: k, elements: e))
        }
    }

    let x: [Double]
    /// The weights, all ones when none were given.
    let w: [Double]
    let bounds: DegreesOfFreedomRule.Bounds
    let totalWeight: Double

    /// A fitter whose passes go to `externalPass` (no observations in memory).
    init(totalWeight: Double, bounds: DegreesOfFreedomRule.Bounds, externalPass: @escaping (State) -> Sums) {
        x = []
        w = []
        self.bounds = bounds
        self.totalWeight = totalWeight
        self.externalPass = externalPass
    }

    init(x: [Double], w: [Double]?, bounds: DegreesOfFreedomRule.Bounds) {
        self.x = x
        self.w = w ?? [Double](repeating: 1, count: x.count)
        self.bounds = bounds
        self.totalWeight = self.w.reduce(0, +)
    }

    // MARK: Start

    /// Weighted median and 1.4826·MAD (the sd when the MAD is zero), a few EM steps, and ν
    /// from the excess kurtosis κ − 3 = 6/(ν − 4) (the upper bound when κ ≤ 3).
    mutating func robustStart(fixedNu: Double?) -> State {
        let step = 1
        var pairs: [(Double, Double)] = []
        pairs.reserveCapacity(x.count / step + 1)
        for i in Swift.stride(from: 0, to: x.count, by: step) where w[i] > 0 { pairs.append((x[i], w[i])) }
        let median = TFitter.weightedMedian(pairs)
        let mad = TFitter.weightedMedian(pairs.map { (abs($0.0 - median), $0.1) })
        var total = 0.0, mean = 0.0
        for (v, wi) in pairs { total += wi; mean += wi * v }
        mean /= total
        var m2 = 0.0, m4 = 0.0
        for (v, wi) in pairs { let d = (v - mean) * (v - mean); m2 += wi * d; m4 += wi * d * d }
        m2 /= total; m4 /= total
        let sd = m2.squareRoot()
        let scale = mad > 0 ? 1.4826 * mad : sd
        let nu: Double
        if let fixedNu {
            nu = fixedNu
        } else {
            let excess = m4 / (m2 * m2) - 3
            nu = excess > 0.01 ? min(max(4 + 6 / excess, 1.0), bounds.upper) : bounds.upper
        }
        var state = State(mu: median, eta: log(scale), tau: log(min(max(nu, bounds.lower), bounds.upper)))
        for _ in 0..<3 { emStep(&state) }
        return state
    }

    static func weightedMedian(_ pairs: [(Double, Double)]) -> Double {
        let sorted = pairs.sorted { $0.0 < $1.0 }
        let half = sorted.reduce(0) { $0 + $1.1 } / 2
        var running = 0.0
        for (v, wi) in sorted {
            running += wi
            if running >= half { return v }
        }
        return sorted.last?.0 ?? .nan
    }

    /// One EM step for (μ, σ) at fixed ν: uᵢ = (ν+1)/(ν+zᵢ²), μ = Σwuᵢxᵢ/Σwuᵢ,
    /// σ² = Σwuᵢ(xᵢ−μ)²/Σw (Liu & Rubin 1995). It never decreases ℓ.
    func emStep(_ s: inout State) {
        let nu = exp(s.tau), sigma = exp(s.eta)
        if let externalPass {
            // One pass: Σwux = μΣwu + σΣwuz and Σwu(x − μ′)² = σ²(Σwuz² − (Σwuz)²/Σwu).
            let t = externalPass(s)
            let mu = s.mu + sigma * t.gMu / t.su
            let newSigma = (sigma * sigma * max(t.gEta - t.gMu * t.gMu / t.su, 0) / totalWeight).squareRoot()
            if mu.isFinite, newSigma.isFinite, newSigma > 0 { s.mu = mu; s.eta = log(newSigma) }
            return
        }
        var su = 0.0, sux = 0.0
        for i in 0..<x.count {
            let wi = w[i]
            let z = (x[i] - s.mu) / sigma
            let u = wi * (nu + 1) / (nu + z * z)
            su += u; sux += u * x[i]
        }
        let mu = sux / su
        var ss = 0.0
        for i in 0..<x.count {
            let wi = w[i]
            let z = (x[i] - s.mu) / sigma
            let u = wi * (nu + 1) / (nu + z * z)
            ss += u * (x[i] - mu) * (x[i] - mu)
        }
        let newSigma = (ss / totalWeight).squareRoot()
        if mu.isFinite, newSigma.isFinite, newSigma > 0 { s.mu = mu; s.eta = log(newSigma) }
    }

    // MARK: Sums

    /// Runs `body` over contiguous chunks, on all cores for large samples, and adds the parts.
    func reduceChunks(_ body: (Range<Int>) -> Sums) -> Sums {
        TFitter.reduceChunks(x.count, body)
    }

    /// `n` rows in contiguous chunks, on all cores for large blocks, the parts added.
    static func reduceChunks(_ n: Int, _ body: (Range<Int>) -> Sums) -> Sums {
        Parallel.reduceChunks(n, zero: Sums(), +, body)
    }

    /// Σ w log(1 + z²/ν), all the data-dependent part of ℓ.
    func sumLogR(_ s: State) -> Double {
        if let externalPass { return externalPass(s).logR }
        let nu = exp(s.tau), invSigma = exp(-s.eta), mu = s.mu, invNu = 1 / nu
        return x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                reduceChunks { range in
                    var acc = 0.0
                    for i in range {
                        let z = (xp[i] - mu) * invSigma
                        let a = z * z * invNu
                        acc += wp[i] * TFitter.logOnePlusSquare(z, a: a, reciprocal: 1 / (1 + a), nu: nu)
                    }
                    return Sums(logR: acc)
                }.logR
            }
        }
    }

    /// log(1 + z²/ν) given a = z²/ν as computed and r ≈ 1/(1 + a) (the pass has it as
    /// ν/(ν + z²)): u = 1 ⊕ a and its rounding error e = (1 + a) − u, exact by TwoSum (Knuth,
    /// TAOCP vol. 2, §4.2.2), give log(1 + a) = log u + log(1 + e/u) = log u + e·r to within
    /// half an ulp of log u (glibc's `log` is within 0.52 ulp; e/u < 2⁻⁵³, so the dropped
    /// e²/(2u²) and r's rounding are below 2⁻¹⁰⁶): one `log`, no division — about twice as
    /// fast as `log1p`, which was most of a pass over the data. Where z² overflows
    /// (a ≥ 10³⁰⁰ or infinite), ``StudentT/logOnePlusSquare(_:_:)`` takes over.
    @inline(__always)
    static func logOnePlusSquare(_ z: Double, a: Double, reciprocal r: Double, nu: Double) -> Double {
        guard a < 1e300 else { return StudentT.logOnePlusSquare(z, nu) }
        return logOnePlus(a, reciprocal: r)
    }

    /// log(1 + a) for 0 ≤ a < 10³⁰⁰ given r ≈ 1/(1 + a), by the TwoSum step of
    /// ``logOnePlusSquare(_:a:reciprocal:nu:)`` (one `log`, within an ulp of `log1p`).
    @inline(__always)
    static func logOnePlus(_ a: Double, reciprocal r: Double) -> Double {
        let u = 1 + a
        let b = u - 1
        let e = (1 - (u - b)) + (a - b)
        return log(u) + e * r
    }

    func logLikelihood(_ s: State) -> Double {
        let nu = exp(s.tau)
        return totalWeight * (StudentT.logNormalizer(nu) - s.eta) - 0.5 * (nu + 1) * sumLogR(s)
    }

    /// The weighted sums behind ℓ, its gradient and its Hessian in (μ, η, ν), with
    /// z = (x−μ)/σ, q = z², a = q/ν, u = (ν+1)/(ν+q):
    /// ℓ_μ = Σ u z/σ, ℓ_η = Σ (u q − 1), ℓ_ν = ½ Σ [D(ν) − (log(1+a) − a/(1+a)) + a/(ν(1+a))],
    /// and the second derivatives written out in the body. One division and one log1p per
    /// observation: everything else is a product with 1/(ν+q).
    func accumulate(_ s: State) -> Sums {
        if let externalPass { return externalPass(s) }
        return TFitter.accumulate(s, x: x, w: w)
    }

    /// The sums of `accumulate` over observations `x` and their weights `w` (as many).
    static func accumulate(_ s: State, x: [Double], w: [Double]) -> Sums {
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in accumulate(s, x: xp, w: wp) } }
    }

    /// The sums of `accumulate` over one block of observations and their weights (as many),
    /// on all cores for large blocks.
    static func accumulate(_ s: State, x xp: UnsafeBufferPointer<Double>, w wp: UnsafeBufferPointer<Double>) -> Sums {
        let nu = exp(s.tau), sigma = exp(s.eta), mu = s.mu
        let nuPlusOne = nu + 1, invSigma = 1 / sigma, invNu = 1 / nu
        let twoOverNuPlusOne = 2 / nuPlusOne
        // Blocks of 256 rows: the logarithms first (a call, which would clobber every
        // register), then the eleven sums in a loop without calls, their accumulators kept in
        // registers.
        let blockSize = 256
        return reduceChunks(xp.count) { range in
            var t = Sums()
            // (A heap buffer rather than a closure's: the sums stay local to this loop.)
            let logs = UnsafeMutablePointer<Double>.allocate(capacity: 2 * blockSize)
            defer { logs.deallocate() }
            let logsMinusRatio = logs + blockSize
            do {
                var start = range.lowerBound
                while start < range.upperBound {
                    let end = Swift.min(start + blockSize, range.upperBound)
                    for i in start..<end {
                        let z = (xp[i] - mu) * invSigma
                        let q = z * z
                        let a = q * invNu
                        let inq = 1 / (nu + q)
                        let ratio = q * inq  // a/(1+a)
                        if a < 1e-3 {
                            let logMinusRatio = TDegreesOfFreedom.logOnePlusMinusRatio(a)
                            logsMinusRatio[i - start] = logMinusRatio
                            logs[i - start] = logMinusRatio + ratio
                        } else {
                            let logR = TFitter.logOnePlusSquare(z, a: a, reciprocal: nu * inq, nu: nu)
                            logs[i - start] = logR
                            logsMinusRatio[i - start] = logR - ratio
                        }
                    }
                    for i in start..<end {
                        let wi = wp[i]
                        let z = (xp[i] - mu) * invSigma
                        let q = z * z
                        let nq = nu + q
                        let inq = 1 / nq
                        let u = nuPlusOne * inq
                        t.su += wi * u
                        let ratio = q * inq  // a/(1+a)
                        t.logR += wi * logs[i - start]
                        t.gMu += wi * u * z
                        let uq = u * q
                        t.gEta += wi * uq
                        t.gNu += wi * (ratio * invNu - logsMinusRatio[i - start])
                        let c = twoOverNuPlusOne * uq
                        t.hMuMu += wi * u * (c - 1)
                        t.hMuEta += wi * z * u * (c - 2)
                        t.hEtaEta += wi * uq * (c - 2)
                        let r = (q - 1) * inq * inq
                        t.hMuNu += wi * z * r
                        t.hEtaNu += wi * q * r
                        t.hNuNu += wi * q * (nu * q - 2 * nu - q) * inq * inq * invNu * invNu
                    }
                    start = end
                }
            }
            return t
        }
    }

    // MARK: Newton

    /// Gradient and negative Hessian in (μ, η, τ).
    func derivatives(_ s: State) -> (ll: Double, g: [Double], negH: [Double]) {
        let nu = exp(s.tau), sigma = exp(s.eta)
        let t = accumulate(s)
        let W = totalWeight
        let ll = W * (StudentT.logNormalizer(nu) - s.eta) - 0.5 * (nu + 1) * t.logR
        let gMu = t.gMu / sigma
        let gEta = t.gEta - W
        let gNu = 0.5 * (W * TDegreesOfFreedom.d(nu) + t.gNu)
        let hMuMu = t.hMuMu / (sigma * sigma)
        let hMuEta = t.hMuEta / sigma
        let hEtaEta = t.hEtaEta
        let hMuNu = t.hMuNu / sigma
        let hEtaNu = t.hEtaNu
        let hNuNu = 0.5 * (W * TDegreesOfFreedom.dPrime(nu) + t.hNuNu)
        // Chain rule to τ = log ν: ℓ_τ = ν ℓ_ν, ℓ_ττ = ν² ℓ_νν + ν ℓ_ν (ν² ℓ_νν as ν(ν ℓ_νν):
        // ν² overflows past 10¹⁵⁴ where ν ℓ_νν does not).
        let g = [gMu, gEta, nu * gNu]
        let h = [hMuMu, hMuEta, nu * hMuNu,
                 hMuEta, hEtaEta, nu * hEtaNu,
                 nu * hMuNu, nu * hEtaNu, nu * (nu * hNuNu) + nu * gNu]
        return (ll, g, h.map { -$0 })
    }

    /// Solves (−H + λ·diag) p = g over the free coordinates, raising λ until −H + λ·diag is
    /// positive definite (Levenberg). Returns the step and whether no shift was needed.
    static func newtonStep(negH: [Double], g: [Double], free: [Int]) -> (step: [Double], pure: Bool)? {
        let k = free.count
        // Only the free coordinates: with ν held fixed near the top of the double range
        // (10³⁰⁸) its own row overflows and does not matter.
        guard free.allSatisfy({ i in g[i].isFinite && free.allSatisfy { negH[i * 3 + $0].isFinite } }) else { return nil }
        var a = [Double](repeating: 0, count: k * k)
        var b = [Double](repeating: 0, count: k)
        for (r, i) in free.enumerated() {
            b[r] = g[i]
            for (c, j) in free.enumerated() { a[r * k + c] = negH[i * 3 + j] }
        }
        var lambda = 0.0
        for attempt in 0..<60 {
            var shifted = a
            for r in 0..<k { shifted[r * k + r] += lambda * max(abs(a[r * k + r]), 1e-12) }
            if let p = try? Lapack.solvePositiveDefinite(shifted, n: k, b, what: "negative Hessian"),
               p.allSatisfy(\.isFinite) {
                var step = [0.0, 0.0, 0.0]
                for (r, i) in free.enumerated() { step[i] = p[r] }
                return (step, attempt == 0)
            }
            lambda = lambda == 0 ? 1e-6 : lambda * 10
        }
        return nil
    }

    func newton(from start: State, tolerance: Double, maxIterations: Int) -> Outcome {
        let fixedNu = bounds.fixed != nil
        let lowerTau = log(bounds.lower), upperTau = log(bounds.upper)
        var s = start
        if fixedNu { s.tau = log(bounds.fixed!) }
        s.tau = min(max(s.tau, lowerTau), upperTau)
        var iterations = 0
        var converged = false
        var (ll, g, negH) = derivatives(s)
        var free = fixedNu ? [0, 1] : [0, 1, 2]
        while iterations < maxIterations {
            iterations += 1
            // Active set for ν: hold it at a bound the gradient pushes against.
            free = [0, 1]
            if !fixedNu {
                // (A gradient that underflowed to 0 at a huge bound holds ν there too.)
                let atUpper = s.tau >= upperTau && g[2] >= 0
                let atLower = s.tau <= lowerTau && g[2] < 0
                if !atUpper && !atLower { free.append(2) }
            }
            guard let (step, _) = TFitter.newtonStep(negH: negH, g: g, free: free) else { break }
            let decrement = zip(step, g).reduce(0) { $0 + $1.0 * $1.1 }
            // Backtracking: accept the first step length that increases ℓ.
            // The full step is tried with all derivatives in one pass over the data (near the
            // optimum it is accepted, and the next iteration needs them); shorter steps are
            // tried on ℓ alone.
            var alpha = 1.0
            var accepted = false
            var next = s
            var nextDerivatives: (ll: Double, g: [Double], negH: [Double])? = nil
            let small = decrement <= tolerance * max(1, abs(ll))
            // Within the tolerance the change of ℓ is at the level of its rounding: one full
            // step is tried and kept if ℓ does not fall by more than that; no backtracking.
            for _ in 0..<(small ? 1 : 40) {
                next = State(mu: s.mu + alpha * step[0], eta: s.eta + alpha * step[1],
                             tau: min(max(s.tau + alpha * step[2], lowerTau), upperTau))
                let nextLL: Double
                if alpha == 1 {
                    nextDerivatives = derivatives(next)
                    nextLL = nextDerivatives!.ll
                } else {
                    nextDerivatives = nil
                    nextLL = logLikelihood(next)
                }
                if nextLL.isFinite, nextLL >= ll + 1e-4 * alpha * decrement || (nextLL > ll && alpha < 1)
                    || (small && nextLL >= ll - 4 * ll.ulp) {
                    accepted = true
                    break
                }
                alpha *= 0.5
            }
            if small { converged = true }
            if accepted {
                s = next
                (ll, g, negH) = nextDerivatives ?? derivatives(s)
            }
            if small || !accepted {
                if !small {
                    // No increase found: EM steps always increase ℓ; converged only if ℓ is flat.
                    var em = s
                    emStep(&em)
                    let emLL = logLikelihood(em)
                    if emLL > ll { s = em; (ll, g, negH) = derivatives(s); continue }
                    converged = abs(emLL - ll) <= 1e-14 * max(1, abs(ll))
                }
                break
            }
        }
        // ν so large (above 10¹⁰⁰) that ℓ's τ-gradient is at its rounding (|ℓ_τ| ≤ 10⁻¹²|ℓ|; the
        // O(1/ν²) terms underflow): ℓ is flat in ν there, and only light tails, whose profile
        // rises all the way, lead there — so the estimate is the bound, held, as for any
        // light-tailed sample.
        if !fixedNu, abs(g[2]) <= 1e-12 * max(1, abs(ll)), s.tau < upperTau, exp(s.tau) > 1e100 {
            var held = s
            held.tau = upperTau
            let d = derivatives(held)
            if d.ll.isFinite, d.ll >= ll - 1e-12 * max(1, abs(ll)) {
                s = held; (ll, g, negH) = d
                g[2] = max(g[2], 0)  // held at the bound: its rounding-level sign does not matter
                free = [0, 1]
            }
        }
        let atUpper = !fixedNu && s.tau >= upperTau - 1e-12 && g[2] >= 0
        // Covariance of the free parameters from the observed information.
        var covariance: [Double]? = nil
        let freeNu = free.count == 3
        let k = free.count
        var a = [Double](repeating: 0, count: k * k)
        for (r, i) in free.enumerated() { for (c, j) in free.enumerated() { a[r * k + c] = negH[i * 3 + j] } }
        var identity = [Double](repeating: 0, count: k * k)
        for r in 0..<k { identity[r * k + r] = 1 }
        if let inv = try? Lapack.solvePositiveDefinite(a, n: k, identity, columns: k, what: "information") {
            covariance = inv
        }
        return Outcome(state: s, logLikelihood: ll, iterations: iterations, converged: converged,
                       atUpperBound: atUpper, covariance: covariance, freeNu: freeNu)
    }
}
