import Foundation

extension MultivariateNormal {
    /// The maximum-likelihood multivariate normal: the weighted mean and the weighted
    /// covariance dividing by W = Σwᵢ (CBLAS `dsyrk` on √wᵢ-scaled centred rows).
    /// - Parameters:
    ///   - observations: n × d observations, finite.
    ///   - weights: optional non-negative frequency weights.
    /// - Returns: the fit and its ``FitResult``: ℓ = −W/2 (d log 2π + log det Σ̂ + d); parameters
    ///   ``FitParameter/meanComponent(_:)`` and ``FitParameter/covariance(_:_:)`` (j ≤ k) with
    ///   the inverse observed information Cov(μ̂) = Σ̂/W, Cov(σ̂ⱼₖ, σ̂ₗₘ) = (σ̂ⱼₗσ̂ₖₘ + σ̂ⱼₘσ̂ₖₗ)/W
    ///   (`nil` above `MultivariateFitting.maximumCovarianceParameters` = 527 parameters, i.e.
    ///   dimension above 30, with ``FitResult/covarianceOmission`` ``CovarianceOmission/tooManyParameters``).
    /// - Throws: ``PolytailError`` for empty or non-finite data, invalid weights, at most d
    ///   rows of positive weight, a constant column, or a singular covariance (collinear columns).
    public static func fit(_ observations: Matrix, weights: [Double]? = nil) throws(PolytailError) -> Fitted<MultivariateNormal> {
        let d = observations.columns
        let w = try DataValidation.checkMatrix(observations, weights: weights, minimumRows: d + 1)
        let total = w.reduce(0, +)
        let mean = Lapack.transposedTimes(observations.elements, rows: observations.rows, columns: d, w).map { $0 / total }
        let covariance = try MultivariateFitting.scatter(observations, center: mean, weights: w, divisor: total)
        return try fitted(mean: mean, covariance: covariance, totalWeight: total,
                          observationCount: DataValidation.positiveCount(w), weights: weights)
    }

    /// The fit and its ``FitResult`` from the weighted mean and covariance (shared by the
    /// in-memory fit and ``MultivariateNormalStatistics/fit()``); `weights` restates a fit
    /// made with normalised weights for the weights as given.
    static func fitted(
        mean: [Double], covariance: Matrix, totalWeight total: Double, observationCount: Int, weights: [Double]?
    ) throws(PolytailError) -> Fitted<MultivariateNormal> {
        let d = mean.count
        let fitted: MultivariateNormal
        do {
            fitted = try MultivariateNormal(mean: mean, covariance: covariance)
        } catch {
            throw .singularMatrix(what: "sample covariance (collinear columns)")
        }
        let ll = -0.5 * total * (Double(d) * 2 * Normal.logRootTwoPi + fitted.logDeterminant + Double(d))
        let (parameters, estimates) = MultivariateFitting.parameters(mean: mean, covariance: covariance, location: false)
        let k = parameters.count
        let information = MultivariateFitting.normalCovariance(covariance, total: total, withMatrix: true)
        return Fitted(model: fitted, result: DataValidation.frequencyScaled(FitResult(
            unchecked: parameters, estimates: estimates, covariance: information,
            observationCount: observationCount, sampleSize: total, logLikelihood: ll,
            parameterCount: k, iterations: 0, converged: true,
            omission: .tooManyParameters), weights: weights))
    }
}

extension MultivariateT {
    /// Maximum-likelihood fit of the multivariate t by ECME (Liu & Rubin 1995, §4): for the
    /// current ν, weights uᵢ = (ν + d)/(ν + δᵢ²); μ = Σwuᵢxᵢ / Σwuᵢ; Σ = Σ wuᵢ (xᵢ−μ)(xᵢ−μ)ᵀ / Σwuᵢ
    /// (the parameter-expanded step of Kent, Tyler & Vardi 1994 and Liu, Rubin & Wu 1998,
    /// which converges faster than dividing by Σw); then ν maximises the observed
    /// log-likelihood given μ and Σ, a root of
    /// ψ((ν+d)/2) − ψ(ν/2) − d/ν + Σw[−log(1+aᵢ) + aᵢ/(1+aᵢ) + d aᵢ/(ν(1+aᵢ))]/W = 0,
    /// aᵢ = δᵢ²/ν, found by Brent's method (GSL) on log ν within the rule's bounds.
    ///
    /// Light-tailed data stop ν at the upper bound (``StudentT/largestSearchedDF`` without a
    /// finite maximum) and set ``FitResult/dfAtBound``.
    ///
    /// The ``FitResult`` lists ``FitParameter/locationComponent(_:)``,
    /// ``FitParameter/scatter(_:_:)`` (j ≤ k) and, when estimated and not at a bound,
    /// ``FitParameter/degreesOfFreedom``; their covariance is the inverse observed information,
    /// the Hessian taken by central differences of the analytic score at the optimum (see
    /// the internal `MultivariateFitting.tCovariance`). Without a covariance
    /// ``FitResult/covarianceOmission`` says why: ``CovarianceOmission/tooManyParameters`` above
    /// 527 parameters (dimension above 30), ``CovarianceOmission/notConverged`` when ECME
    /// stopped at `maxIterations`, ``CovarianceOmission/singularInformation`` when the
    /// information is not positive definite. With ν estimated,
    /// ``FitResult/tailTest`` tests the t against the multivariate normal (ν = ∞).
    /// - Parameters:
    ///   - observations: n × d observations, one per row, finite.
    ///   - weights: optional non-negative frequency weights, one per row.
    ///   - rule: the `degreesOfFreedom:` argument, ν fixed or estimated within bounds.
    ///   - tolerance: convergence when the relative change of ℓ is below `tolerance` and
    ///     that of every parameter below √tolerance.
    ///   - maxIterations: a cap on ECME iterations; non-convergence is reported, not thrown.
    /// - Complexity: O(n d²) per iteration (one `dtrsm`, one `dsyrk`).
    public static func fit(
        _ observations: Matrix, weights: [Double]? = nil,
        degreesOfFreedom rule: DegreesOfFreedomRule = .estimated,
        tolerance: Double = 1e-15, maxIterations: Int = 5000
    ) throws(PolytailError) -> Fitted<MultivariateT> {
        let d = observations.columns, n = observations.rows
        let w = try DataValidation.checkMatrix(observations, weights: weights, minimumRows: d + 2)
        let bounds = try rule.validatedBounds()
        let total = w.reduce(0, +)
        let dd = Double(d)

        // Start from the normal fit, ν from the rule (or 10 when estimated).
        let normal = try MultivariateNormal.fit(observations, weights: w)
        var mu = normal.model.mean
        var sigma = normal.model.covariance
        var nu = bounds.fixed ?? min(max(10, bounds.lower), bounds.upper)
        let lower = normal.model.lower
        var logDet = normal.model.logDeterminant
        var delta2 = WhitenedComponent.squaredDistances(observations, location: mu, lower: lower)

        func logLikelihood(_ nu: Double, _ logDet: Double, _ delta2: [Double]) -> Double {
            let c = WhitenedComponent.tLogNormalizer(nu: nu, dimension: d, logDeterminant: logDet)
            var s = 0.0
            for i in 0..<n where w[i] > 0 { s += w[i] * (c - 0.5 * (nu + dd) * StudentT.logOnePlusSquare(delta2[i].squareRoot(), nu)) }
            return s
        }

        var ll = logLikelihood(nu, logDet, delta2)
        var iterations = 0
        var converged = false
        var atBound = false
        while iterations < maxIterations {
            iterations += 1
            // E-step weights and the location/scatter CM-step.
            var wu = [Double](repeating: 0, count: n)
            for i in 0..<n { wu[i] = w[i] * (nu + dd) / (nu + delta2[i]) }
            let sumWU = wu.reduce(0, +)
            let newMu = Lapack.transposedTimes(observations.elements, rows: n, columns: d, wu).map { $0 / sumWU }
            let newSigma = try MultivariateFitting.scatter(observations, center: newMu, weights: wu, divisor: sumWU)
            guard let newLower = try? Lapack.choleskyLower(newSigma, what: "scatter") else {
                throw .singularMatrix(what: "scatter matrix (collinear columns)")
            }
            var newLogDet = 0.0
            for j in 0..<d { newLogDet += 2 * log(newLower[j, j]) }
            let newDelta2 = WhitenedComponent.squaredDistances(observations, location: newMu, lower: newLower)
            // The ν CM-step on the observed likelihood.
            var newNu = nu
            if bounds.fixed == nil {
                (newNu, atBound) = try MultivariateFitting.maximizeDF(delta2: newDelta2, weights: w, total: total, d: d, bounds: bounds)
            }
            let newLL = logLikelihood(newNu, newLogDet, newDelta2)
            var change = abs(log(newNu) - log(nu))
            for j in 0..<d { change = max(change, abs(newMu[j] - mu[j]) / sigma[j, j].squareRoot()) }
            for k in 0..<(d * d) {
                let scale = (sigma.elements[(k / d) * d + k / d] * sigma.elements[(k % d) * d + k % d]).squareRoot()
                change = max(change, abs(newSigma.elements[k] - sigma.elements[k]) / scale)
            }
            let gain = newLL - ll
            mu = newMu; sigma = newSigma; nu = newNu; logDet = newLogDet; delta2 = newDelta2
            ll = newLL
            if abs(gain) <= tolerance * max(1, abs(ll)) && change <= tolerance.squareRoot() {
                converged = true
                break
            }
        }
        let fitted = try MultivariateT(location: mu, scatter: sigma, degreesOfFreedom: nu)
        var (parameters, estimates) = MultivariateFitting.parameters(mean: mu, covariance: sigma, location: true)
        let freeNu = bounds.fixed == nil && !atBound
        if freeNu { parameters.append(.degreesOfFreedom); estimates.append(nu) }
        let tailTest = bounds.fixed == nil
            ? TailTest(tLogLikelihood: ll, normalLogLikelihood: normal.result.logLikelihood) : nil
        var information: Matrix? = nil
        if parameters.count <= MultivariateFitting.maximumCovarianceParameters {
            information = MultivariateFitting.tCovariance(observations, weights: w, location: mu, scatter: sigma, nu: nu, freeNu: freeNu)
        }
        return Fitted(model: fitted, result: DataValidation.frequencyScaled(FitResult(
            unchecked: parameters, estimates: estimates, covariance: information,
            observationCount: DataValidation.positiveCount(w), sampleSize: total, logLikelihood: ll,
            parameterCount: parameters.count + (bounds.fixed == nil && atBound ? 1 : 0),
            iterations: iterations, converged: converged, dfAtBound: atBound, tailTest: tailTest,
            omission: parameters.count > MultivariateFitting.maximumCovarianceParameters ? .tooManyParameters : .singularInformation),
            weights: weights))
    }
}

enum MultivariateFitting {
    /// Above this many parameters (d + d(d+1)/2, i.e. d > 30) the fits leave
    /// ``FitResult/covariance`` `nil`: the k × k matrix (k ≥ 527) would cost more than the fit.
    static let maximumCovarianceParameters = 527

    /// The score of the multivariate-t log-likelihood ℓ = Σᵢ wᵢ log f(xᵢ) in
    /// θ = (μ, Σⱼₖ for j ≤ k, [ν]), analytic: with rᵢ = xᵢ − μ, δᵢ² = rᵢᵀΣ⁻¹rᵢ,
    /// uᵢ = (ν + d)/(ν + δᵢ²), S = Σ wᵢuᵢrᵢrᵢᵀ,
    /// ∂ℓ/∂μ = Σ⁻¹ Σ wᵢuᵢrᵢ; G = ½(Σ⁻¹SΣ⁻¹ − WΣ⁻¹), ∂ℓ/∂σⱼⱼ = Gⱼⱼ, ∂ℓ/∂σⱼₖ = 2Gⱼₖ (j < k);
    /// ∂ℓ/∂ν = ½ Σ wᵢ [ψ((ν+d)/2) − ψ(ν/2) − d/ν − (log(1+aᵢ) − aᵢ/(1+aᵢ)) + d aᵢ/(ν(1+aᵢ))],
    /// aᵢ = δᵢ²/ν. `nil` where Σ is not positive definite.
    static func tScore(_ data: Matrix, weights w: [Double], total: Double, location mu: [Double],
                       scatter sigma: Matrix, nu: Double, freeNu: Bool) -> [Double]? {
        let d = data.columns, n = data.rows
        guard let lower = try? Lapack.choleskyLower(sigma, what: "scatter"),
              let inverse = try? Lapack.solvePositiveDefinite(sigma.elements, n: d, Matrix.identity(d).elements, columns: d, what: "scatter")
        else { return nil }
        let delta2 = WhitenedComponent.squaredDistances(data, location: mu, lower: lower)
        let dd = Double(d)
        var wu = [Double](repeating: 0, count: n)
        for i in 0..<n { wu[i] = w[i] * (nu + dd) / (nu + delta2[i]) }
        let sumWU = wu.reduce(0, +)
        let weightedSum = Lapack.transposedTimes(data.elements, rows: n, columns: d, wu)
        let r = (0..<d).map { weightedSum[$0] - sumWU * mu[$0] }
        var score: [Double] = (0..<d).map { j in (0..<d).reduce(0.0) { $0 + inverse[j * d + $1] * r[$1] } }
        guard let s = try? scatter(data, center: mu, weights: wu, divisor: 1) else { return nil }
        // Σ⁻¹ S Σ⁻¹.
        var left = [Double](repeating: 0, count: d * d)
        for a in 0..<d { for b in 0..<d { var v = 0.0; for c in 0..<d { v += inverse[a * d + c] * s.elements[c * d + b] }; left[a * d + b] = v } }
        for (j, k) in upperTriangle(d) {
            var v = 0.0
            for c in 0..<d { v += left[j * d + c] * inverse[c * d + k] }
            let g = 0.5 * (v - total * inverse[j * d + k])
            score.append(j == k ? g : 2 * g)
        }
        if freeNu { score.append(0.5 * total * dfScore(nu, delta2: delta2, weights: w, total: total, d: d)) }
        return score
    }

    /// The inverse observed information of the multivariate t at (μ̂, Σ̂, ν̂), in the order of
    /// ``tScore(_:weights:total:location:scatter:nu:freeNu:)``: the Hessian −∇²ℓ by central
    /// differences of the analytic score (steps 10⁻⁵ of each parameter's scale: √σⱼⱼ for μⱼ,
    /// √(σⱼⱼσₖₖ) for σⱼₖ, ν for ν; truncation and rounding both near 10⁻¹⁰ relative),
    /// symmetrised and inverted by LAPACK (Cholesky). 2k score evaluations, O(n d²) each.
    /// `nil` when the information is not positive definite.
    static func tCovariance(_ data: Matrix, weights w: [Double], location mu: [Double], scatter sigma: Matrix,
                            nu: Double, freeNu: Bool) -> Matrix? {
        guard let negH = tInformation(data, weights: w, location: mu, scatter: sigma, nu: nu, freeNu: freeNu) else { return nil }
        let k = negH.rows
        guard let inverse = try? Lapack.solvePositiveDefinite(negH.elements, n: k, Matrix.identity(k).elements, columns: k, what: "information"),
              inverse.allSatisfy(\.isFinite) else { return nil }
        return Matrix(uncheckedRows: k, columns: k, elements: inverse)
    }

    /// The observed information −∇²ℓ of the multivariate t behind
    /// ``tCovariance(_:weights:location:scatter:nu:freeNu:)`` (same order, same differences),
    /// symmetrised; `nil` when a shifted point has no score.
    static func tInformation(_ data: Matrix, weights w: [Double], location mu: [Double], scatter sigma: Matrix,
                             nu: Double, freeNu: Bool) -> Matrix? {
        let d = data.columns
        let pairs = upperTriangle(d)
        let k = d + pairs.count + (freeNu ? 1 : 0)
        let total = w.reduce(0, +)
        var steps: [Double] = (0..<d).map { 1e-5 * sigma[$0, $0].squareRoot() }
        for (j, l) in pairs { steps.append(1e-5 * (sigma[j, j] * sigma[l, l]).squareRoot()) }
        if freeNu { steps.append(1e-5 * nu) }
        func shifted(_ p: Int, _ h: Double) -> [Double]? {
            var m = mu, s = sigma, v = nu
            if p < d {
                m[p] += h
            } else if p < d + pairs.count {
                let (j, l) = pairs[p - d]
                s[j, l] += h
                if j != l { s[l, j] += h }
            } else {
                v += h
            }
            return tScore(data, weights: w, total: total, location: m, scatter: s, nu: v, freeNu: freeNu)
        }
        var negH = [Double](repeating: 0, count: k * k)
        for p in 0..<k {
            guard let plus = shifted(p, steps[p]), let minus = shifted(p, -steps[p]) else { return nil }
            for q in 0..<k { negH[q * k + p] = -(plus[q] - minus[q]) / (2 * steps[p]) }
        }
        for p in 0..<k { for q in 0..<p { let v = 0.5 * (negH[p * k + q] + negH[q * k + p]); negH[p * k + q] = v; negH[q * k + p] = v } }
        return Matrix(uncheckedRows: k, columns: k, elements: negH)
    }

    /// The inverse observed information of the multivariate normal at (μ̂, Σ̂), in closed form:
    /// Cov(μ̂) = Σ̂/W, Cov(σ̂ⱼₖ, σ̂ₗₘ) = (σ̂ⱼₗσ̂ₖₘ + σ̂ⱼₘσ̂ₖₗ)/W (j ≤ k, l ≤ m), μ̂ and Σ̂
    /// uncorrelated; only the μ block when `withMatrix` is false (Σ shared with other groups).
    /// `nil` above ``maximumCovarianceParameters`` parameters.
    static func normalCovariance(_ covariance: Matrix, total: Double, withMatrix: Bool) -> Matrix? {
        let d = covariance.rows
        let pairs = withMatrix ? upperTriangle(d) : []
        let k = d + pairs.count
        guard k <= maximumCovarianceParameters else { return nil }
        var e = [Double](repeating: 0, count: k * k)
        for a in 0..<d { for b in 0..<d { e[a * k + b] = covariance[a, b] / total } }
        for (r, (j, l)) in pairs.enumerated() {
            for (c, (m, q)) in pairs.enumerated() {
                e[(d + r) * k + d + c] = (covariance[j, m] * covariance[l, q] + covariance[j, q] * covariance[l, m]) / total
            }
        }
        return Matrix(uncheckedRows: k, columns: k, elements: e)
    }

    /// (j, k) for j ≤ k, row by row: the order of the Σ entries among the parameters.
    static func upperTriangle(_ d: Int) -> [(Int, Int)] {
        var pairs: [(Int, Int)] = []
        for j in 0..<d { for k in j..<d { pairs.append((j, k)) } }
        return pairs
    }

    /// The parameter keys and estimates of a location vector and a symmetric matrix.
    static func parameters(mean: [Double], covariance: Matrix, location: Bool) -> ([FitParameter], [Double]) {
        let d = mean.count
        var keys: [FitParameter] = (0..<d).map { location ? .locationComponent($0) : .meanComponent($0) }
        var values = mean
        for (j, k) in upperTriangle(d) {
            keys.append(location ? .scatter(j, k) : .covariance(j, k))
            values.append(covariance[j, k])
        }
        return (keys, values)
    }

    /// Σᵢ wᵢ (xᵢ − c)(xᵢ − c)ᵀ / divisor, symmetric, via `dsyrk` on √wᵢ-scaled centred rows.
    static func scatter(_ data: Matrix, center: [Double], weights: [Double], divisor: Double) throws(PolytailError) -> Matrix {
        let n = data.rows, d = data.columns
        var y = data.elements
        for i in 0..<n {
            let s = weights[i].squareRoot()
            for j in 0..<d { y[i * d + j] = s * (y[i * d + j] - center[j]) }
        }
        var g = Lapack.gram(y, rows: n, columns: d)
        for k in 0..<(d * d) { g[k] /= divisor }
        return Matrix(uncheckedRows: d, columns: d, elements: g)
    }

    /// ∂ℓ/∂ν divided by W/2 for fixed μ, Σ.
    static func dfScore(_ nu: Double, delta2: [Double], weights: [Double], total: Double, d: Int) -> Double {
        var s = 0.0
        let dd = Double(d)
        for (q, wi) in zip(delta2, weights) where wi > 0 {
            let a = q / nu
            s += wi * (dd * a / (nu * (1 + a)) - TDegreesOfFreedom.logOnePlusMinusRatio(a))
        }
        return TDegreesOfFreedom.digammaGap(nu, dimension: d) + s / total
    }

    /// The ν in [lower, upper] that maximises ℓ for fixed μ, Σ; flags the upper bound.
    static func maximizeDF(delta2: [Double], weights: [Double], total: Double, d: Int,
                           bounds: DegreesOfFreedomRule.Bounds) throws(PolytailError) -> (Double, Bool) {
        // ±∞ (a point at distance 0 when ν → 0, or an overflowing distance) keeps its sign
        // but becomes finite, which is all Brent's method needs; NaN is a failure.
        let score = { (tau: Double) -> Double in
            let v = dfScore(exp(tau), delta2: delta2, weights: weights, total: total, d: d)
            return v.isInfinite ? (v > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude) : v
        }
        let lo = log(bounds.lower), hi = log(bounds.upper)
        let atHigh = score(hi), atLow = score(lo)
        guard !atHigh.isNaN, !atLow.isNaN else {
            throw .numericalFailure("the multivariate-t fit degenerated: the scatter matrix collapses (too few or tied rows for a bounded likelihood)")
        }
        if atHigh >= 0 { return (bounds.upper, true) }
        if atLow <= 0 { return (bounds.lower, false) }
        let tau = try Solvers.brentRoot(lower: lo, upper: hi, relativeTolerance: 1e-14, score)
        return (exp(tau), false)
    }
}
