import Foundation

extension NoncentralT {
    /// Maximum-likelihood fit of the noncentral t with location and scale.
    ///
    /// Maximises the exact weighted log-likelihood Σᵢ wᵢ log f(xᵢ) over the unconstrained
    /// parameters θ = (log ν, δ, m, log σ) with the centre m = μ + σδ in place of μ (μ alone
    /// slides with σδ; m decorrelates them), ν clamped to the rule's [minimum, maximum] (the
    /// bound itself is returned exactly, with ``FitResult/dfAtBound`` set at the maximum) or held
    /// fixed:
    /// 1. Nelder–Mead (GSL `nmsimplex2`) from three robust starts (weighted median and
    ///    interquartile range; δ from Bowley's quartile skewness), to a coarse tolerance;
    /// 2. Nelder–Mead restarts from the best point with a fresh, smaller simplex until the
    ///    simplex is below 10⁻⁶ and a restart no longer improves the objective (at most three:
    ///    along the weakly identified direction the simplex crawls, so the last digits are
    ///    left to step 3);
    /// 3. Newton polishing with a central-difference gradient and Hessian (steps accepted only
    ///    when they increase the likelihood), which resolves the weakly identified direction
    ///    (δ, μ, σ nearly trade off against each other when ν is large) to high precision.
    ///
    /// Standard errors come from the inverse of the finite-difference observed information in θ,
    /// mapped to (ν, δ, μ, σ) by the delta method, when it is positive definite and ν is not at
    /// a bound: ``FitResult/parameters`` are ``FitParameter/degreesOfFreedom`` (when estimated
    /// and interior), ``FitParameter/noncentrality``, ``FitParameter/location`` and
    /// ``FitParameter/scale``.
    ///
    /// - Throws: `PolytailError` for invalid data or weights (see `DataValidation`) or an
    ///   invalid degrees-of-freedom rule.
    public static func fit(
        _ data: [Double], weights: [Double]? = nil, degreesOfFreedom rule: DegreesOfFreedomRule = .estimated
    ) throws(PolytailError) -> Fitted<NoncentralT> {
        var fixedNu: Double? = nil
        var logMin = 0.0, logMax = 0.0
        var minimumNu = 0.0, maximumNu = 0.0
        switch rule {
        case let .fixed(nu):
            guard nu.isFinite, nu > 0 else {
                throw .invalidParameter(name: "degreesOfFreedom", value: nu, requirement: "must be finite and > 0")
            }
            fixedNu = nu
        case let .estimated(minimum, requestedMaximum):
            // No finite maximum (the default): search up to StudentT.largestSearchedDF.
            let maximum = requestedMaximum == .infinity ? max(StudentT.largestSearchedDF, 10 * minimum) : requestedMaximum
            guard minimum.isFinite, minimum > 0 else {
                throw .invalidParameter(name: "minimum degreesOfFreedom", value: minimum, requirement: "must be finite and > 0")
            }
            guard maximum.isFinite, maximum > minimum else {
                throw .invalidParameter(name: "maximum degreesOfFreedom", value: maximum, requirement: "must be finite and > minimum")
            }
            logMin = log(minimum)
            logMax = log(maximum)
            minimumNu = minimum
            maximumNu = maximum
        case .fixedPerGroup, .estimatedPerGroup:
            _ = try rule.validatedBounds()  // throws: one sample has one group
        }
        let allWeights = try DataValidation.checkUnivariate(data, weights: weights, parameters: fixedNu == nil ? 4 : 3)
        var xs: [Double] = []
        var ws: [Double] = []
        for (x, w) in zip(data, allWeights) where w > 0 {
            xs.append(x)
            ws.append(w)
        }
        let totalWeight = ws.reduce(0, +)

        // Robust starting values from weighted quartiles.
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

        let estimateNu = fixedNu == nil
        // θ holds the centre m = μ + σδ instead of μ: it decorrelates the location from δ
        // (μ alone slides along with δ σ), which shortens the simplex's crawl several-fold.
        func unpack(_ theta: [Double]) -> (nu: Double, delta: Double, location: Double, scale: Double) {
            if let fixedNu {
                let sigma = exp(theta[2])
                return (fixedNu, theta[0], theta[1] - sigma * theta[0], sigma)
            }
            let nu = theta[0] >= logMax ? maximumNu : (theta[0] <= logMin ? minimumNu : exp(theta[0]))
            let sigma = exp(theta[3])
            return (nu, theta[1], theta[2] - sigma * theta[1], sigma)
        }
        // Mean negative log-likelihood per unit weight.
        let objective: ([Double]) -> Double = { theta in
            let (nu, delta, mu, sigma) = unpack(theta)
            guard nu.isFinite, delta.isFinite, mu.isFinite, sigma.isFinite, sigma > 0 else { return .infinity }
            let logSigma = log(sigma)
            var total = 0.0
            for i in 0..<xs.count {
                let difference = xs[i] - mu
                let t = difference / sigma
                let point: Standardized
                if t.isFinite && (t != 0 || difference == 0) {
                    point = Standardized(t: t, sign: t > 0 ? 1 : (t < 0 ? -1 : 0), logAbs: log(abs(t)))
                } else {
                    point = Standardized(t: t, sign: difference > 0 ? 1 : -1, logAbs: log(abs(difference)) - logSigma)
                }
                total += ws[i] * (standardLogDensity(point, nu, delta) - logSigma)
            }
            let value = -total / totalWeight
            return value.isNaN ? .infinity : value
        }
        func theta(nu: Double, delta: Double, location: Double, scale: Double) -> [Double] {
            let centre = location + scale * delta
            return estimateNu ? [log(nu), delta, centre, log(scale)] : [delta, centre, log(scale)]
        }

        var starts: [[Double]] = []
        let startNus: [Double] = fixedNu.map { [$0, $0, $0] } ?? [4, 4, 20]
        for (k, d0) in [0.0, skewDelta, 0.5 * skewDelta].enumerated() {
            let nu = min(max(startNus[k], exp(logMin)), estimateNu ? exp(logMax) : .infinity)
            let sigma = iqr / (1.349 * (1 + 0.5 * d0 * d0 / max(nu, 1)).squareRoot())
            starts.append(theta(nu: nu, delta: d0, location: median - sigma * d0, scale: sigma))
        }

        var iterations = 0
        var best: [Double]? = nil
        var bestValue = Double.infinity
        for start in starts {
            let sigma = exp(start[start.count - 1])
            let step = estimateNu ? [0.5, 0.5, 0.3 * sigma, 0.3] : [0.5, 0.3 * sigma, 0.3]
            guard let result = try? Solvers.simplexMinimize(start: start, step: step, sizeTolerance: 1e-2, maxIterations: 400, objective)
            else { continue }
            iterations += result.iterations
            if result.value < bestValue {
                bestValue = result.value
                best = result.minimizer
            }
        }
        guard var current = best, bestValue.isFinite else {
            throw .numericalFailure("the noncentral t log-likelihood is not finite at any starting point")
        }

        // Restarts from the best point with a fresh simplex until nothing improves.
        var converged = false
        var scaleStep = 0.05
        for _ in 0..<3 {
            let sigma = exp(current[current.count - 1])
            let step = estimateNu
                ? [scaleStep, scaleStep, scaleStep * sigma, scaleStep]
                : [scaleStep, scaleStep * sigma, scaleStep]
            guard let result = try? Solvers.simplexMinimize(start: current, step: step, sizeTolerance: 1e-6, maxIterations: 600, objective)
            else { break }
            iterations += result.iterations
            let improvement = bestValue - result.value
            if result.value <= bestValue {
                current = result.minimizer
                bestValue = result.value
            }
            if result.converged && improvement <= 1e-12 * max(1, abs(bestValue)) {
                converged = true
                break
            }
            scaleStep = max(scaleStep * 0.3, 1e-4)
        }

        // Newton polishing on the coordinates that are not at a bound.
        let atBound: Bool
        if estimateNu {
            atBound = current[0] >= logMax - 1e-6 || current[0] <= logMin + 1e-6
            current[0] = min(max(current[0], logMin), logMax)
            bestValue = objective(current)
        } else {
            atBound = false
        }
        let free: [Int] = estimateNu && atBound ? Array(1..<current.count) : Array(0..<current.count)
        var information: [Double]? = nil
        for _ in 0..<12 {
            let sigma = exp(current[current.count - 1])
            let h = free.map { i -> Double in
                let isLocation = estimateNu ? i == 2 : i == 1
                return isLocation ? 1e-4 * sigma : 1e-4
            }
            let (gradient, hessian) = finiteDifferenceDerivatives(objective, at: current, free: free, steps: h)
            guard let stepVector = solveSymmetricPositiveDefinite(hessian, gradient.map { -$0 }) else { break }
            information = hessian
            iterations += 1
            var factor = 1.0
            var accepted = false
            for _ in 0..<20 {
                var trial = current
                for (k, i) in free.enumerated() { trial[i] += factor * stepVector[k] }
                let value = objective(trial)
                if value <= bestValue {
                    current = trial
                    let gain = bestValue - value
                    bestValue = value
                    accepted = true
                    if gain <= 1e-15 * max(1, abs(value)) { factor = 0 }
                    break
                }
                factor *= 0.5
            }
            let stepSize = zip(stepVector, h).reduce(0.0) { max($0, abs($1.0) / $1.1) }
            if !accepted || factor == 0 || stepSize * factor < 1e-6 {
                converged = true
                break
            }
        }

        let (nu, delta, mu, sigma) = unpack(current)
        let distribution = try NoncentralT(degreesOfFreedom: nu, noncentrality: delta, location: mu, scale: sigma)
        let logLikelihood = distribution.logLikelihood(xs, weights: ws)

        // The FitResult shape (estimates by FitParameter, covariance in natural parameters); ν is
        // listed only when estimated and not at a bound.
        var parameters: [FitParameter] = [.noncentrality, .location, .scale]
        var estimates = [delta, mu, sigma]
        if estimateNu && !atBound { parameters.insert(.degreesOfFreedom, at: 0); estimates.insert(nu, at: 0) }
        var naturalCovariance: Matrix? = nil
        if let information, !atBound, let covariance = invertSymmetricPositiveDefinite(information.map { $0 * totalWeight }, free.count) {
            // Natural parameters from θ = ([log ν,] δ, m, log σ) by the delta method:
            // ν = e^{θ₀}, μ = m − σ δ, σ = e^{log σ}; J = ∂(natural)/∂θ, Cov = J C Jᵀ.
            let m = free.count
            let o = estimateNu ? 1 : 0
            var rows: [[Double]] = []
            if estimateNu { var row = [Double](repeating: 0, count: m); row[0] = nu; rows.append(row) }
            var rowDelta = [Double](repeating: 0, count: m); rowDelta[o] = 1
            var rowLocation = [Double](repeating: 0, count: m)
            rowLocation[o] = -sigma; rowLocation[o + 1] = 1; rowLocation[o + 2] = -sigma * delta
            var rowScale = [Double](repeating: 0, count: m); rowScale[o + 2] = sigma
            rows += [rowDelta, rowLocation, rowScale]
            var e = [Double](repeating: 0, count: m * m)
            for r in 0..<m {
                for c in 0..<m {
                    var v = 0.0
                    for a in 0..<m { for b in 0..<m { v += rows[r][a] * covariance[a * m + b] * rows[c][b] } }
                    e[r * m + c] = v
                }
            }
            naturalCovariance = Matrix(uncheckedRows: m, columns: m, elements: e)
        }
        let result = FitResult(
            unchecked: parameters, estimates: estimates, covariance: naturalCovariance,
            observationCount: xs.count, sampleSize: totalWeight, logLikelihood: logLikelihood,
            parameterCount: estimateNu ? 4 : 3, iterations: iterations, converged: converged,
            dfAtBound: estimateNu && current[0] >= logMax - 1e-6)
        return Fitted(model: distribution, result: DataValidation.frequencyScaled(result, weights: weights))
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

    /// Central-difference gradient and Hessian of f at x over the coordinates `free`.
    static func finiteDifferenceDerivatives(
        _ f: ([Double]) -> Double, at x: [Double], free: [Int], steps h: [Double]
    ) -> (gradient: [Double], hessian: [Double]) {
        let m = free.count
        let f0 = f(x)
        var gradient = [Double](repeating: 0, count: m)
        var hessian = [Double](repeating: 0, count: m * m)
        func shifted(_ pairs: [(Int, Double)]) -> Double {
            var y = x
            for (k, d) in pairs { y[free[k]] += d }
            return f(y)
        }
        var plus = [Double](repeating: 0, count: m)
        var minus = [Double](repeating: 0, count: m)
        for k in 0..<m {
            plus[k] = shifted([(k, h[k])])
            minus[k] = shifted([(k, -h[k])])
            gradient[k] = (plus[k] - minus[k]) / (2 * h[k])
            hessian[k * m + k] = (plus[k] - 2 * f0 + minus[k]) / (h[k] * h[k])
        }
        for k in 0..<m {
            for l in (k + 1)..<max(k + 1, m) {
                let pp = shifted([(k, h[k]), (l, h[l])])
                let pm = shifted([(k, h[k]), (l, -h[l])])
                let mp = shifted([(k, -h[k]), (l, h[l])])
                let mm = shifted([(k, -h[k]), (l, -h[l])])
                let value = (pp - pm - mp + mm) / (4 * h[k] * h[l])
                hessian[k * m + l] = value
                hessian[l * m + k] = value
            }
        }
        return (gradient, hessian)
    }

    /// The lower Cholesky factor of a small symmetric matrix, or nil unless positive definite.
    static func cholesky(_ a: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        return l
    }

    /// Solves A x = b for a small symmetric positive-definite A, or nil.
    static func solveSymmetricPositiveDefinite(_ a: [Double], _ b: [Double]) -> [Double]? {
        let n = b.count
        guard let l = cholesky(a, n) else { return nil }
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<max(i + 1, n) { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y.allSatisfy { $0.isFinite } ? y : nil
    }

    /// A⁻¹ for a small symmetric positive-definite A, or nil.
    static func invertSymmetricPositiveDefinite(_ a: [Double], _ n: Int) -> [Double]? {
        var inverse = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            guard let column = solveSymmetricPositiveDefinite(a, e) else { return nil }
            for i in 0..<n { inverse[i * n + j] = column[i] }
        }
        return inverse
    }
}
