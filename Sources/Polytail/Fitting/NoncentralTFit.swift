import Foundation

extension NoncentralT {
    /// One step of ``fit(_:weights:degreesOfFreedom:maxIterations:progress:)``, passed to its `progress`
    /// callback (the command line prints these on standard error).
    public struct FitProgress: Sendable, Equatable {
        /// What the fit is doing.
        public enum Stage: String, Sendable, Equatable {
            /// Newton iterations on a strided subsample (large data sets only).
            case subsample
            /// Newton iterations on every observation.
            case allObservations
            /// The final pass evaluating the exact log-likelihood at the estimate.
            case exactLogLikelihood
        }
        public var stage: Stage
        /// Newton iterations so far in this stage (0 at its start).
        public var iteration: Int
        /// Observations the stage works on.
        public var observationCount: Int
        /// The current log-likelihood of those observations (NaN before the first evaluation).
        public var logLikelihood: Double
    }

    /// Maximum-likelihood fit of the noncentral t with location and scale.
    ///
    /// **Model.** With t = (x − μ)/σ the log-density is
    ///
    ///     log f = −δ²/2 − ½ log(πν) − ½(ν+1) log(1 + t²/ν) + R(z; ν) − log σ,
    ///     z = √2 δ t/√(ν + t²) ∈ (−√2|δ|, √2|δ|),   R(z; ν) = log Σ_j Γ((ν+j+1)/2)/(Γ(ν/2) j!) zʲ
    ///
    /// (the power series of ``NoncentralT``): every observation enters the hard part R only
    /// through one bounded variable z, and R depends on ν alone.
    ///
    /// **Algorithm.** Per iterate, R(·; ν) is interpolated on [−√2|δ|, √2|δ|] by a Chebyshev
    /// series through exact values of R at Chebyshev–Lobatto points (the degree doubled until the
    /// last coefficients fall below 4·10⁻¹³ of the function's scale, at most 512), and
    /// ∂R/∂log ν, ∂²R/∂(log ν)² by fourth-order central differences of five such series in
    /// log ν (step 2·10⁻³). With these, the log-likelihood, its gradient and its Hessian in
    /// θ = (log ν, δ, μ, log σ) follow analytically, one pass over the data, and θ moves by
    /// damped Newton steps (Levenberg–Marquardt shift of the Hessian where it is not negative
    /// definite, Armijo backtracking; ν projected onto the rule's bounds) from three robust starts
    /// (weighted quartiles; δ from Bowley's quartile skewness). Above 50,000 observations the
    /// starts are run on a strided subsample of 20,000 and only the best is continued on all
    /// the data. Iterations stop when the Newton decrement (the predicted gain of a full step)
    /// is below 10⁻¹⁰ + 10⁻¹⁴ |ℓ|, or after `maxIterations` Newton steps of one run (then
    /// ``FitResult/converged`` is false and the covariance is omitted,
    /// ``CovarianceOmission/notConverged``). The log-likelihood reported is the exact one, summed from
    /// ``logDensity(_:)``, not the interpolated one.
    ///
    /// **Accuracy of the interpolation.** Against the exact R (series, or the defining integral
    /// where the series would cancel) the interpolant is within 3·10⁻¹¹ of max(1, |R|)
    /// (measured: 10⁻¹¹ at worst, mostly below 10⁻¹²) over ν ∈ [10⁻³, 10⁶], |δ| ≤ 20
    /// (`NoncentralTFitTests`); the gradient and Hessian it gives agree with central differences
    /// of the exact log-likelihood to 10⁻⁵ of their largest entry, and the standard errors with
    /// those of a numerical Hessian of the exact ℓ to 10⁻³ (measured: 4·10⁻⁶).
    ///
    /// **Covariance.** ``FitResult/covariance`` is the inverse of the observed information
    /// −∇²ℓ at the optimum (the analytic Hessian above), mapped to (ν, δ, μ, σ) by the delta
    /// method (∂ν/∂log ν = ν, ∂σ/∂log σ = σ); `nil` when the information is not positive
    /// definite. ``FitResult/parameters`` are ``FitParameter/degreesOfFreedom`` (when estimated
    /// and not held at a bound of the rule), ``FitParameter/noncentrality``,
    /// ``FitParameter/location`` and ``FitParameter/scale``; with ν at a bound the covariance of
    /// the other three is conditional on it.
    ///
    /// - Parameters:
    ///   - observations: the observations, finite.
    ///   - weights: optional non-negative finite weights, not all zero.
    ///   - rule: ν fixed, or estimated within [minimum, maximum] (``FitResult/dfAtBound`` when
    ///     the estimate stops at the maximum).
    ///   - maxIterations: a cap on the Newton iterations of each run (each start, and the
    ///     continuation on all observations of a large sample); non-convergence is reported,
    ///     not thrown.
    ///   - progress: called after each Newton iteration and before the final exact pass.
    /// - Returns: the fitted distribution and its ``FitResult`` (the exact log-likelihood, the
    ///   covariance above, AIC/BIC with 4 parameters, or 3 when ν is fixed).
    /// - Throws: `PolytailError` for invalid data or weights (see `DataValidation`), an
    ///   invalid degrees-of-freedom rule, `.invalidParameter` for `maxIterations` below 1, or `.numericalFailure` when the likelihood is not
    ///   finite at any start or is unbounded (σ → 0 on tied values).
    /// - Complexity: O(n) per Newton iteration (a few hundred exact density evaluations per
    ///   iterate, independent of n), plus one exact pass over the data.
    public static func fit(
        _ observations: [Double], weights: [Double]? = nil, degreesOfFreedom rule: DegreesOfFreedomRule = .estimated,
        maxIterations: Int = 200, progress: ((FitProgress) -> Void)? = nil
    ) throws(PolytailError) -> Fitted<NoncentralT> {
        // At least one step, so that the result lists the parameters the fit moved.
        guard maxIterations >= 1 else {
            throw .invalidParameter(name: "maxIterations", value: Double(maxIterations), requirement: "must be at least 1")
        }
        // Tiny (subnormal) or huge data are fitted multiplied by a power of two (exact).
        return try UnitScale.fit(observations) { (observations) throws(PolytailError) in
            try fitOnUnitScale(observations, weights: weights, degreesOfFreedom: rule, maxIterations: maxIterations, progress: progress)
        }
    }

    static func fitOnUnitScale(
        _ observations: [Double], weights: [Double]?, degreesOfFreedom rule: DegreesOfFreedomRule,
        maxIterations: Int, progress: ((FitProgress) -> Void)?
    ) throws(PolytailError) -> Fitted<NoncentralT> {
        var fixedNu: Double? = nil
        var lower = 1.0, upper = 1.0
        let ruleBounds = try rule.validatedBounds()  // throws for a per-group rule: one sample is one group
        if let nu = ruleBounds.fixed {
            guard nu >= minimumDegreesOfFreedom, nu <= maximumDegreesOfFreedom else {
                throw .invalidParameter(name: "degreesOfFreedom", value: nu, requirement: NoncentralT.degreesOfFreedomRequirement)
            }
            fixedNu = nu
        } else {
            // The noncentral t is evaluated for ν in [10⁻³, 10⁶]: narrow the search to that.
            lower = max(ruleBounds.lower, minimumDegreesOfFreedom)
            upper = min(ruleBounds.upper, maximumDegreesOfFreedom)
            guard lower < upper else {
                throw .invalidParameter(name: "maximum degrees of freedom", value: ruleBounds.upper, requirement: NoncentralT.degreesOfFreedomRequirement)
            }
        }
        let allWeights = try DataValidation.checkUnivariate(observations, weights: weights, parameters: fixedNu == nil ? 4 : 3)
        var xs: [Double] = []
        var ws: [Double] = []
        xs.reserveCapacity(observations.count)
        ws.reserveCapacity(observations.count)
        for (x, w) in zip(observations, allWeights) where w > 0 {
            xs.append(x)
            ws.append(w)
        }
        let bounds = NoncentralTFitter.Bounds(fixedLogNu: fixedNu.map { log($0) }, fixedNu: fixedNu, minimum: lower, maximum: upper)

        // Robust starting values from weighted quartiles (of a subsample on large data).
        let subsampled = xs.count > 50_000
        let stride = subsampled ? xs.count / 20_000 : 1
        let subRows = subsampled ? Array(Swift.stride(from: 0, to: xs.count, by: stride)) : []
        let subX = subsampled ? subRows.map { xs[$0] } : xs
        let subW = subsampled ? subRows.map { ws[$0] } : ws
        let starts = startingPoints(subX, subW, bounds: bounds)

        var iterations = 0
        let sub = NoncentralTFitter(xs: subX, ws: subW, bounds: bounds)
        var best: NoncentralTFitter.Outcome? = nil
        for start in starts {
            let outcome = sub.newton(from: start, maxIterations: maxIterations) { k, ll in
                progress?(FitProgress(stage: subsampled ? .subsample : .allObservations, iteration: k,
                                      observationCount: subX.count, logLikelihood: ll))
            }
            iterations += outcome.iterations
            if outcome.value.isFinite, best == nil || outcome.value > best!.value { best = outcome }
        }
        guard var outcome = best else {
            throw .numericalFailure("the noncentral t log-likelihood is not finite at any starting point")
        }
        if subsampled {
            let full = NoncentralTFitter(xs: xs, ws: ws, bounds: bounds)
            let refined = full.newton(from: outcome.theta, maxIterations: maxIterations) { k, ll in
                progress?(FitProgress(stage: .allObservations, iteration: k, observationCount: xs.count, logLikelihood: ll))
            }
            iterations += refined.iterations
            guard refined.value.isFinite else {
                throw .numericalFailure("the noncentral t fit diverged on the full observations")
            }
            outcome = refined
        }
        let theta = outcome.theta
        // Ties can make the likelihood unbounded as σ → 0; say so rather than return σ ≈ 0.
        if theta[3] < starts[0][3] - log(1e9) {
            throw .numericalFailure("the noncentral t likelihood is unbounded (scale → 0): too many tied values")
        }
        let nu = bounds.nu(theta[0])
        let distribution = try NoncentralT(degreesOfFreedom: nu, noncentrality: theta[1], location: theta[2], scale: exp(theta[3]))
        progress?(FitProgress(stage: .exactLogLikelihood, iteration: 0, observationCount: xs.count, logLikelihood: outcome.value))
        let logLikelihood = distribution.exactLogLikelihood(xs, ws)
        guard logLikelihood.isFinite else {
            throw .numericalFailure("the noncentral t log-likelihood is not finite at the estimate")
        }

        // ν is listed only when estimated and free at the optimum (not held at a bound).
        let names: [FitParameter] = [.degreesOfFreedom, .noncentrality, .location, .scale]
        let natural = [nu, theta[1], theta[2], exp(theta[3])]
        let covariance = outcome.covariance(natural: true).map {
            Matrix(uncheckedRows: outcome.free.count, columns: outcome.free.count, elements: $0)
        }
        let result = FitResult(
            unchecked: outcome.free.map { names[$0] }, estimates: outcome.free.map { natural[$0] }, covariance: covariance,
            observationCount: xs.count, sampleSize: ws.reduce(0, +), logLikelihood: logLikelihood,
            parameterCount: fixedNu == nil ? 4 : 3, iterations: iterations, converged: outcome.converged,
            dfAtBound: fixedNu == nil && theta[0] >= bounds.logMax)
        // The weights were divided by their largest value; restate for the weights as given.
        return Fitted(model: distribution, result: DataValidation.frequencyScaled(result, weights: weights))
    }

    /// Three robust starts θ = (log ν, δ, μ, log σ): the weighted median and interquartile range,
    /// δ ∈ {0, 4·Bowley skewness, half of it}, ν ∈ {4, 4, 20} (or the fixed ν), each clamped to
    /// the bounds.
    static func startingPoints(_ xs: [Double], _ ws: [Double], bounds: NoncentralTFitter.Bounds) -> [[Double]] {
        let totalWeight = ws.reduce(0, +)
        let q1 = weightedQuantile(xs, ws, 0.25)
        let median = weightedQuantile(xs, ws, 0.5)
        let q3 = weightedQuantile(xs, ws, 0.75)
        var iqr = q3 - q1
        if !(iqr > 0) {
            // Over half the weight sits on one value: fall back to the weighted spread.
            let mean = zip(xs, ws).reduce(0) { $0 + $1.0 * $1.1 } / totalWeight
            iqr = 1.349 * (zip(xs, ws).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / totalWeight).squareRoot()
        }
        let bowley = (q3 + q1 - 2 * median) / iqr
        let skewDelta = max(-4, min(4, 4 * bowley))
        var starts: [[Double]] = []
        for (nu0, d0) in [(4.0, 0.0), (4.0, skewDelta), (20.0, 0.5 * skewDelta)] {
            let logNu = bounds.fixedLogNu ?? min(max(log(nu0), bounds.logMin), bounds.logMax)
            let nu = bounds.nu(logNu)
            let sigma = iqr / (1.349 * (1 + 0.5 * d0 * d0 / max(nu, 1)).squareRoot())
            starts.append([logNu, d0, median - sigma * d0, log(sigma)])
        }
        return starts
    }

    /// Σ wᵢ log f(xᵢ) by the exact density, split over the cores on large samples.
    func exactLogLikelihood(_ xs: [Double], _ ws: [Double]) -> Double {
        let chunks = Parallel.chunkCount(xs.count, threshold: 20_000)
        let size = (xs.count + chunks - 1) / chunks
        return Parallel.map(chunks, placeholder: 0.0) { c in
            var total = 0.0
            for i in (c * size)..<min(xs.count, (c + 1) * size) { total += ws[i] * logDensity(xs[i]) }
            return total
        }.reduce(0, +)
    }

    /// The smallest x with cumulative weight ≥ p·W (after sorting): equal for weighted rows and
    /// the same rows repeated.
    static func weightedQuantile(_ xs: [Double], _ ws: [Double], _ p: Double) -> Double {
        let order = xs.indices.sorted { xs[$0] < xs[$1] }
        let total = ws.reduce(0, +)
        var cumulative = 0.0
        for i in order {
            cumulative += ws[i]
            if cumulative >= p * total { return xs[i] }
        }
        return xs[order[order.count - 1]]
    }
}

/// A Chebyshev series Σ' cₖ Tₖ(z/Z) on [−Z, Z], built by interpolation at Chebyshev–Lobatto
/// points (Trefethen, *Approximation Theory and Approximation Practice*, ch. 3 and 8).
struct ChebyshevSeries {
    var halfWidth: Double
    var coefficients: [Double]

    /// Interpolates f at N + 1 Lobatto points, N = 16, 32, …, maxDegree, until the last three
    /// coefficients are below `tolerance` × max(1, max|f|); nil when that never happens or f
    /// is not finite at a node. `values` receives the node values at the accepted degree.
    static func interpolate(halfWidth: Double, tolerance: Double, maxDegree: Int = 512,
                            _ f: (Double) -> Double) -> (series: ChebyshevSeries, nodes: [Double])? {
        var n = 16
        while n <= maxDegree {
            let nodes = (0...n).map { halfWidth * cos(Double.pi * Double($0) / Double(n)) }
            let values = nodes.map(f)
            guard values.allSatisfy(\.isFinite) else { return nil }
            let c = coefficients(values)
            let scale = max(1, values.reduce(0) { max($0, abs($1)) })
            if abs(c[n]) <= tolerance * scale && abs(c[n - 1]) <= tolerance * scale && abs(c[n - 2]) <= tolerance * scale {
                return (ChebyshevSeries(halfWidth: halfWidth, coefficients: c).trimmed(below: 1e-17 * scale), nodes)
            }
            n *= 2
        }
        return nil
    }

    /// The series through given values at the N + 1 Lobatto points of `interpolate`.
    init(halfWidth: Double, values: [Double]) {
        self.halfWidth = halfWidth
        self.coefficients = ChebyshevSeries.coefficients(values)
    }

    init(halfWidth: Double, coefficients: [Double]) {
        self.halfWidth = halfWidth
        self.coefficients = coefficients
    }

    /// cⱼ = (2/N) Σ″ₖ fₖ cos(πjk/N) (first and last terms halved, and c₀, c_N halved).
    static func coefficients(_ values: [Double]) -> [Double] {
        let n = values.count - 1
        let table = (0..<(2 * n)).map { cos(Double.pi * Double($0) / Double(n)) }
        var c = [Double](repeating: 0, count: n + 1)
        for j in 0...n {
            var s = 0.5 * (values[0] + (j % 2 == 0 ? values[n] : -values[n]))
            for k in 1..<n { s += values[k] * table[(j * k) % (2 * n)] }
            c[j] = 2 * s / Double(n)
        }
        c[0] *= 0.5
        c[n] *= 0.5
        return c
    }

    func trimmed(below threshold: Double) -> ChebyshevSeries {
        var c = coefficients
        while c.count > 1, abs(c[c.count - 1]) <= threshold { c.removeLast() }
        return ChebyshevSeries(halfWidth: halfWidth, coefficients: c)
    }

    /// The series of d/dz (cₖ′₋₁ = cₖ′₊₁ + 2k cₖ, scaled by 1/Z).
    func derivative() -> ChebyshevSeries {
        let n = coefficients.count - 1
        guard n >= 1 else { return ChebyshevSeries(halfWidth: halfWidth, coefficients: [0]) }
        var d = [Double](repeating: 0, count: n + 1)
        for k in stride(from: n, through: 1, by: -1) {
            d[k - 1] = (k + 1 <= n ? d[k + 1] : 0) + 2 * Double(k) * coefficients[k]
        }
        d[0] *= 0.5
        d.removeLast()
        return ChebyshevSeries(halfWidth: halfWidth, coefficients: d.map { $0 / halfWidth })
    }

    /// Clenshaw's recurrence.
    @inline(__always)
    func callAsFunction(_ z: Double) -> Double {
        let x = z / halfWidth
        let twoX = 2 * x
        var b1 = 0.0, b2 = 0.0
        var k = coefficients.count - 1
        while k >= 1 {
            let b0 = coefficients[k] + twoX * b1 - b2
            b2 = b1
            b1 = b0
            k -= 1
        }
        return coefficients[0] + x * b1 - b2
    }

    /// Adds `factor` × other (same interval).
    func adding(_ other: ChebyshevSeries, times factor: Double) -> ChebyshevSeries {
        var c = coefficients
        if other.coefficients.count > c.count { c += [Double](repeating: 0, count: other.coefficients.count - c.count) }
        for (k, v) in other.coefficients.enumerated() { c[k] += factor * v }
        return ChebyshevSeries(halfWidth: halfWidth, coefficients: c)
    }

    func scaled(_ factor: Double) -> ChebyshevSeries {
        ChebyshevSeries(halfWidth: halfWidth, coefficients: coefficients.map { $0 * factor })
    }
}

/// The noncentral-t log-likelihood and its derivatives in θ = (log ν, δ, μ, log σ) through the
/// interpolated R(z; ν) (see ``NoncentralT/fit(_:weights:degreesOfFreedom:maxIterations:progress:)``).
struct NoncentralTFitter {
    struct Bounds {
        var fixedLogNu: Double?
        var fixedNu: Double?
        var minimum: Double
        var maximum: Double
        var logMin: Double { Foundation.log(minimum) }
        var logMax: Double { Foundation.log(maximum) }
        /// ν for a log ν; the bounds themselves exactly.
        func nu(_ logNu: Double) -> Double {
            if let fixedNu { return fixedNu }
            if logNu >= logMax { return maximum }
            if logNu <= logMin { return minimum }
            return exp(logNu)
        }
    }

    let xs: [Double]
    let ws: [Double]
    let bounds: Bounds
    let totalWeight: Double

    init(xs: [Double], ws: [Double], bounds: Bounds) {
        self.xs = xs
        self.ws = ws
        self.bounds = bounds
        self.totalWeight = ws.reduce(0, +)
    }

    /// Interpolants of R and its derivatives at one (ν, δ).
    struct Interpolants {
        var r: ChebyshevSeries
        var rz: ChebyshevSeries
        var rzz: ChebyshevSeries
        var ra: ChebyshevSeries
        var raz: ChebyshevSeries
        var raa: ChebyshevSeries
    }

    static let interpolationTolerance = 4e-13
    static let logNuStep = 2e-3

    /// Z = √2|δ| (at least ¼: δ = 0 still needs R′(0) and R″(0)).
    static func halfWidth(_ delta: Double) -> Double { max(2.squareRoot() * abs(delta) * (1 + 1e-12), 0.25) }

    /// R alone at (ν, δ), or nil.
    static func valueInterpolant(nu: Double, delta: Double) -> ChebyshevSeries? {
        ChebyshevSeries.interpolate(halfWidth: halfWidth(delta), tolerance: interpolationTolerance) {
            NoncentralT.seriesLog($0, nu)
        }?.series
    }

    /// R, ∂R/∂z, ∂²R/∂z², and (when ν is estimated) ∂R/∂log ν, ∂²R/∂z∂log ν, ∂²R/∂(log ν)².
    static func interpolants(nu: Double, delta: Double, nuDerivatives: Bool) -> Interpolants? {
        let z = halfWidth(delta)
        guard let (center, nodes) = ChebyshevSeries.interpolate(halfWidth: z, tolerance: interpolationTolerance, { NoncentralT.seriesLog($0, nu) })
        else { return nil }
        let n = nodes.count - 1
        let rz = center.derivative()
        let rzz = rz.derivative()
        var ra = ChebyshevSeries(halfWidth: z, coefficients: [0])
        var raa = ra
        if nuDerivatives {
            // Fourth-order central differences in a = log ν at the same nodes.
            let h = logNuStep
            var shifted: [ChebyshevSeries] = []
            for k in [-2.0, -1.0, 1.0, 2.0] {
                let nuK = nu * exp(k * h)
                let values = nodes.map { NoncentralT.seriesLog($0, nuK) }
                guard values.allSatisfy(\.isFinite) else { return nil }
                shifted.append(ChebyshevSeries(halfWidth: z, values: values))
            }
            let full = ChebyshevSeries(halfWidth: z, coefficients: center.coefficients + [Double](repeating: 0, count: n + 1 - center.coefficients.count))
            ra = shifted[0].scaled(1).adding(shifted[1], times: -8).adding(shifted[2], times: 8).adding(shifted[3], times: -1)
                .scaled(1 / (12 * h)).trimmed(below: 1e-17)
            raa = shifted[0].scaled(-1).adding(shifted[1], times: 16).adding(full, times: -30).adding(shifted[2], times: 16)
                .adding(shifted[3], times: -1).scaled(1 / (12 * h * h)).trimmed(below: 1e-17)
        }
        return Interpolants(r: center, rz: rz, rzz: rzz, ra: ra, raz: ra.derivative(), raa: raa)
    }

    /// Indices of θ = (log ν, δ, μ, log σ).
    static let dimension = 4

    /// ℓ(θ) through the interpolant of R (−∞ where it cannot be built).
    func value(_ theta: [Double]) -> Double {
        let nu = bounds.nu(theta[0])
        let delta = theta[1], mu = theta[2], b = theta[3]
        guard nu.isFinite, delta.isFinite, mu.isFinite, b.isFinite, let r = NoncentralTFitter.valueInterpolant(nu: nu, delta: delta)
        else { return -.infinity }
        let invSigma = exp(-b)
        let constant = -0.5 * delta * delta - 0.5 * log(Double.pi * nu) - b
        let halfNuPlusOne = 0.5 * (nu + 1)
        let root2Delta = 2.squareRoot() * delta
        let chunks = Parallel.chunkCount(xs.count, threshold: 20_000)
        let size = (xs.count + chunks - 1) / chunks
        let total = Parallel.map(chunks, placeholder: 0.0) { c in
            var s = 0.0
            for i in (c * size)..<min(xs.count, (c + 1) * size) {
                let p = NoncentralTFitter.point((xs[i] - mu) * invSigma, nu)
                s += ws[i] * (constant - halfNuPlusOne * p.logOnePlus + r(root2Delta * p.tau))
            }
            return s
        }.reduce(0, +)
        return total.isFinite ? total : -.infinity
    }

    /// τ = t/√(ν+t²), ρ = 1/√(ν+t²), w = ν/(ν+t²), u = τ², log(1 + t²/ν), safe for huge |t|.
    struct Point { var tau: Double; var rho: Double; var w: Double; var u: Double; var logOnePlus: Double }

    @inline(__always)
    static func point(_ t: Double, _ nu: Double) -> Point {
        let a = abs(t)
        let rho: Double
        let logOnePlus: Double
        if a < 1e150 {
            rho = 1 / (nu + t * t).squareRoot()
            logOnePlus = log1p(t * t / nu)
        } else {
            let q = a.isFinite ? nu / (a * a) : 0
            rho = a.isFinite ? 1 / (a * (1 + q).squareRoot()) : 0
            logOnePlus = 2 * log(a.isFinite ? a : .greatestFiniteMagnitude) - log(nu) + log1p(q)
        }
        let tau = a.isFinite ? t * rho : (t > 0 ? 1 : -1)
        return Point(tau: tau, rho: rho, w: nu * rho * rho, u: tau * tau, logOnePlus: logOnePlus)
    }

    /// ℓ, ∇ℓ and ∇²ℓ (row-major 4 × 4) at θ, or nil where the interpolants cannot be built.
    func derivatives(_ theta: [Double]) -> (value: Double, gradient: [Double], hessian: [Double])? {
        let nu = bounds.nu(theta[0])
        let delta = theta[1], mu = theta[2], b = theta[3]
        guard let f = NoncentralTFitter.interpolants(nu: nu, delta: delta, nuDerivatives: bounds.fixedNu == nil) else { return nil }
        let sigma = exp(b)
        let invSigma = 1 / sigma
        let constant = -0.5 * delta * delta - 0.5 * log(Double.pi * nu) - b
        let s2 = 2.squareRoot()
        let chunks = Parallel.chunkCount(xs.count, threshold: 20_000)
        let size = (xs.count + chunks - 1) / chunks
        // 0: ℓ; 1–4: gradient (a, δ, μ, b); 5–14: Hessian aa, aδ, aμ, ab, δδ, δμ, δb, μμ, μb, bb.
        let sums = Parallel.map(chunks, placeholder: [Double](repeating: 0, count: 15)) { c in
            var s = [Double](repeating: 0, count: 15)
            for i in (c * size)..<min(xs.count, (c + 1) * size) {
                let wt = ws[i]
                let p = NoncentralTFitter.point((xs[i] - mu) * invSigma, nu)
                let tau = p.tau, rho = p.rho, w = p.w, u = p.u, L = p.logOnePlus
                let z = s2 * delta * tau
                let R = f.r(z), Rz = f.rz(z), Rzz = f.rzz(z), Ra = f.ra(z), Raz = f.raz(z), Raa = f.raa(z)
                // Derivatives of z and of the known part K = −δ²/2 − ½ log πν − ½(ν+1) L
                // (E = t ∂/∂t; see the derivation in Docs/fitting.md).
                let za = -0.5 * s2 * delta * tau * w
                let zd = s2 * tau
                let ez = s2 * delta * w * tau
                let zaa = za * (u - 0.5 * w)
                let zad = -0.5 * s2 * tau * w
                let eza = ez * (u - 0.5 * w)
                let ezd = s2 * w * tau
                let eez = ez * (1 - 3 * u)
                let zt = s2 * delta * w * rho
                let ztt = -3 * s2 * delta * tau * w * rho * rho
                let tztt = -3 * s2 * delta * u * w * rho
                let zta = zt * (u - 0.5 * w)
                let zdt = s2 * w * rho
                let ka = -0.5 - 0.5 * nu * L + 0.5 * (nu + 1) * u
                let kaa = -0.5 * nu * L + nu * u - 0.5 * (nu + 1) * u * w
                let ek = -(nu + 1) * u
                let eka = u * (w - nu * u)
                let eek = -2 * (nu + 1) * u * w
                let kt = -(nu + 1) * tau * rho
                let ktt = -(nu + 1) * rho * rho * (w - u)
                let tktt = -(nu + 1) * tau * rho * (w - u)
                let kat = tau * rho * (w - nu * u)

                let phi = constant - 0.5 * (nu + 1) * L + R
                let phiA = ka + Rz * za + Ra
                let phiD = -delta + Rz * zd
                let ePhi = ek + Rz * ez
                let phiT = kt + Rz * zt
                let phiAA = kaa + Rzz * za * za + Rz * zaa + 2 * Raz * za + Raa
                let phiAD = Rzz * za * zd + Rz * zad + Raz * zd
                let phiDD = -1 + Rzz * zd * zd
                let ePhiA = eka + Rzz * za * ez + Rz * eza + Raz * ez
                let ePhiD = Rzz * zd * ez + Rz * ezd
                let eePhi = eek + Rzz * ez * ez + Rz * eez
                let phiTT = ktt + Rzz * zt * zt + Rz * ztt
                let tPhiTT = tktt + Rzz * zt * ez + Rz * tztt
                let phiAT = kat + Rzz * za * zt + Rz * zta + Raz * zt
                let phiDT = Rzz * zd * zt + Rz * zdt

                s[0] += wt * phi
                s[1] += wt * phiA
                s[2] += wt * phiD
                s[3] += wt * (-phiT * invSigma)
                s[4] += wt * (-ePhi - 1)
                s[5] += wt * phiAA
                s[6] += wt * phiAD
                s[7] += wt * (-phiAT * invSigma)
                s[8] += wt * (-ePhiA)
                s[9] += wt * phiDD
                s[10] += wt * (-phiDT * invSigma)
                s[11] += wt * (-ePhiD)
                s[12] += wt * (phiTT * invSigma * invSigma)
                s[13] += wt * ((phiT + tPhiTT) * invSigma)
                s[14] += wt * eePhi
            }
            return s
        }
        var total = [Double](repeating: 0, count: 15)
        for s in sums { for k in 0..<15 { total[k] += s[k] } }
        let h = total
        let hessian = [
            h[5], h[6], h[7], h[8],
            h[6], h[9], h[10], h[11],
            h[7], h[10], h[12], h[13],
            h[8], h[11], h[13], h[14],
        ]
        let gradient = Array(total[1...4])
        guard total.allSatisfy(\.isFinite) else { return nil }
        return (total[0], gradient, hessian)
    }

    struct Outcome {
        var theta: [Double]
        var value: Double
        var gradient: [Double]
        var hessian: [Double]
        /// Coordinates of θ that were free at the optimum (log ν is not when fixed or at a bound).
        var free: [Int]
        var iterations: Int
        var converged: Bool

        /// (−∇²ℓ)⁻¹ over the free coordinates (row-major), in θ or, with `natural`, in
        /// (ν, δ, μ, σ) by the delta method; nil unless the information is positive definite.
        func covariance(natural: Bool) -> [Double]? {
            let m = free.count
            guard m > 0, !hessian.isEmpty else { return nil }
            var information = [Double](repeating: 0, count: m * m)
            for (k, i) in free.enumerated() { for (l, j) in free.enumerated() { information[k * m + l] = -hessian[i * 4 + j] } }
            var identity = [Double](repeating: 0, count: m * m)
            for k in 0..<m { identity[k * m + k] = 1 }
            guard var c = try? Lapack.solvePositiveDefinite(information, n: m, identity, columns: m, what: "the observed information")
            else { return nil }
            if natural {
                // ∂(ν, δ, μ, σ)/∂(log ν, δ, μ, log σ) is diagonal: (ν, 1, 1, σ).
                let jacobian = free.map { i -> Double in
                    switch i {
                    case 0: return exp(theta[0])
                    case 3: return exp(theta[3])
                    default: return 1
                    }
                }
                for k in 0..<m { for l in 0..<m { c[k * m + l] *= jacobian[k] * jacobian[l] } }
            }
            return c
        }
    }

    /// Damped Newton ascent from θ₀ (see the fit's documentation).
    func newton(from start: [Double], maxIterations: Int, report: (Int, Double) -> Void) -> Outcome {
        var theta = start
        if let fixed = bounds.fixedLogNu { theta[0] = fixed } else { theta[0] = min(max(theta[0], bounds.logMin), bounds.logMax) }
        guard var current = derivatives(theta) else {
            return Outcome(theta: theta, value: -.infinity, gradient: [], hessian: [], free: [], iterations: 0, converged: false)
        }
        report(0, current.value)
        var lambda = 0.0
        var iterations = 0
        var converged = false
        var free: [Int] = []
        while iterations < maxIterations {
            // log ν is held when fixed, or at a bound that the gradient pushes against.
            let g = current.gradient
            let nuFree = bounds.fixedLogNu == nil
                && !(theta[0] >= bounds.logMax && g[0] >= 0) && !(theta[0] <= bounds.logMin && g[0] <= 0)
            free = nuFree ? [0, 1, 2, 3] : [1, 2, 3]
            let m = free.count
            var negativeHessian = [Double](repeating: 0, count: m * m)
            for (k, i) in free.enumerated() { for (l, j) in free.enumerated() { negativeHessian[k * m + l] = -current.hessian[i * 4 + j] } }
            let rhs = free.map { g[$0] }
            // Levenberg–Marquardt: shift the diagonal until −H + λ diag(−H) is positive definite.
            var step: [Double]? = nil
            var shift = lambda
            for _ in 0..<40 {
                var a = negativeHessian
                for k in 0..<m { a[k * m + k] += shift * max(abs(negativeHessian[k * m + k]), 1e-12 * totalWeight) }
                if let s = try? Lapack.solvePositiveDefinite(a, n: m, rhs, what: "the shifted information"), s.allSatisfy(\.isFinite) {
                    step = s
                    break
                }
                shift = shift == 0 ? 1e-4 : shift * 10
            }
            guard let direction = step else { break }
            let decrement = zip(direction, rhs).reduce(0) { $0 + $1.0 * $1.1 }
            if decrement <= 2 * (1e-10 + 1e-14 * abs(current.value)) {
                converged = shift == 0 || shift <= 1e-8
                if converged { break }
            }
            // Armijo backtracking on the interpolated ℓ; log ν projected onto its bounds.
            var factor = 1.0
            var accepted: [Double]? = nil
            for _ in 0..<40 {
                var trial = theta
                for (k, i) in free.enumerated() { trial[i] += factor * direction[k] }
                if bounds.fixedLogNu == nil { trial[0] = min(max(trial[0], bounds.logMin), bounds.logMax) }
                let limit = NoncentralT.maximumNoncentrality
                trial[1] = min(max(trial[1], -limit), limit)
                let v = value(trial)
                if v.isFinite, v >= current.value + 1e-4 * factor * decrement - 1e-12 * abs(current.value) {
                    accepted = trial
                    break
                }
                factor *= 0.5
            }
            iterations += 1
            guard let next = accepted, let evaluated = derivatives(next) else {
                // No ascent along the (damped) Newton direction: more damping, or stop.
                if shift > 1e6 { break }
                lambda = max(shift * 10, 1e-4)
                continue
            }
            theta = next
            current = evaluated
            lambda = factor == 1 ? shift * 0.1 : max(shift, 1e-4)
            if lambda < 1e-10 { lambda = 0 }
            report(iterations, current.value)
        }
        return Outcome(theta: theta, value: current.value, gradient: current.gradient, hessian: current.hessian,
                       free: free, iterations: iterations, converged: converged)
    }
}
