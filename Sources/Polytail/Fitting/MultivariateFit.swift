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
    /// Light-tailed data drive the ML ν to infinity. With the default rule (no finite maximum)
    /// ν = ∞ belongs to the parameter space: ECME searches ν ≤ ``StudentT/largestSearchedDF``
    /// (10⁶), and when it stops there with the multivariate normal's log-likelihood at least
    /// the t's, the fit returns the exact normal limit — ν = +∞, the normal's μ̂ and Σ̂ (as
    /// location and scatter), its log-likelihood and covariance — with
    /// ``FitResult/dfAtBound`` set, as ``StudentT/fit(_:weights:degreesOfFreedom:tolerance:maxIterations:)``
    /// does. With a finite maximum ν stops there instead (``FitResult/dfAtBound`` set).
    ///
    /// The ``FitResult`` lists ``FitParameter/locationComponent(_:)``,
    /// ``FitParameter/scatter(_:_:)`` (j ≤ k) and, when estimated and not at a bound,
    /// ``FitParameter/degreesOfFreedom``; their covariance is the inverse observed information,
    /// analytic in (μ, Σ) (one `dsyrk` over the rows) and by central differences of the analytic
    /// score in ν (see the internal `MultivariateFitting.tInformation`). Without a covariance
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
            return total * c - 0.5 * (nu + dd) * MultivariateFitting.sumLogOnePlus(delta2, weights: w, nu: nu)
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
                (newNu, atBound) = try MultivariateFitting.maximizeDF(delta2: newDelta2, weights: w, total: total, d: d, bounds: bounds,
                                                                     near: iterations > 1 ? nu : nil)
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
        // The normal limit ν = ∞ belongs to the parameter space when the rule has no finite
        // maximum: it is the estimate when no searched ν beats the normal's supremum ℓ_N
        // (light tails), as for the univariate t — the exact N(μ̂, Σ̂) with its log-likelihood
        // and covariance, ν = +∞, dfAtBound set.
        if bounds.fixed == nil, bounds.unbounded, atBound, normal.result.logLikelihood >= ll {
            let result = normal.result.asTNormalLimit(iterations: iterations)
            let limit = try MultivariateT(location: normal.model.mean, scatter: normal.model.covariance, degreesOfFreedom: .infinity)
            return Fitted(model: limit, result: DataValidation.frequencyScaled(result, weights: weights))
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
    /// ``tCovariance(_:weights:location:scatter:nu:freeNu:)``, in the order of
    /// ``tScore(_:weights:total:location:scatter:nu:freeNu:)``: the (μ, Σ) block analytic
    /// (`tLocationScatterInformation`); ν's row and column, when ν is free, by central differences
    /// of the analytic score in ν alone (step 10⁻⁵ ν; truncation and rounding near 10⁻¹⁰
    /// relative). `nil` when Σ is not positive definite or a shifted ν has no score.
    static func tInformation(_ data: Matrix, weights w: [Double], location mu: [Double], scatter sigma: Matrix,
                             nu: Double, freeNu: Bool) -> Matrix? {
        guard let block = tLocationScatterInformation(data, weights: w, location: mu, scatter: sigma, nu: nu) else { return nil }
        let p = mu.count + mu.count * (mu.count + 1) / 2
        guard freeNu else { return Matrix(uncheckedRows: p, columns: p, elements: block) }
        let k = p + 1
        let total = w.reduce(0, +)
        let h = 1e-5 * nu
        guard let plus = tScore(data, weights: w, total: total, location: mu, scatter: sigma, nu: nu + h, freeNu: true),
              let minus = tScore(data, weights: w, total: total, location: mu, scatter: sigma, nu: nu - h, freeNu: true)
        else { return nil }
        var negH = [Double](repeating: 0, count: k * k)
        for r in 0..<p { for c in 0..<p { negH[r * k + c] = block[r * p + c] } }
        for q in 0..<k {
            let v = -(plus[q] - minus[q]) / (2 * h)
            negH[q * k + p] = v
            negH[p * k + q] = v
        }
        return Matrix(uncheckedRows: k, columns: k, elements: negH)
    }

    /// −∇²ℓ of the multivariate t over θ = (μ, Σⱼₖ for j ≤ k) at fixed ν, analytic. Per row,
    /// with rᵢ = xᵢ − μ, P = Σ⁻¹, aᵢ = P rᵢ, qᵢ = rᵢᵀaᵢ and g(q) = −((ν+d)/2) log(1 + q/ν)
    /// (g′ = −uᵢ/2, g″ = uᵢ²/(2(ν+d)), uᵢ = (ν+d)/(ν+qᵢ)), ℓ = Σ wᵢ [c − ½ log|Σ| + g(qᵢ)] and
    ///
    ///     ∇²ℓ = Σ wᵢ g″ᵢ ∇qᵢ∇qᵢᵀ + Σ wᵢ g′ᵢ ∇²qᵢ + ½ W tr(P F P E) on the Σ block,
    ///     ∂q/∂μ = −2a,  ∂q/∂E = −aᵀEa,  ∂²q/∂μ∂μᵀ = 2P,  ∂²q/∂μ∂E = 2PEa,
    ///     ∂²q/∂E∂F = aᵀ(EPF + FPE)a,
    ///
    /// E, F the symmetric unit directions of Σⱼₖ (eⱼeₖᵀ + eₖeⱼᵀ, or eⱼeⱼᵀ). The first sum is one
    /// `dsyrk` of the rows √(wᵢg″ᵢ)∇qᵢ (in blocks of 2048 rows), the second needs only
    /// Σwᵢg′ᵢ, b = Σwᵢg′ᵢaᵢ and M = Σwᵢg′ᵢaᵢaᵢᵀ: O(n p² + p²) for p = d + d(d+1)/2 parameters,
    /// where central differences of the score cost O(n d² p). `nil` when Σ is not positive
    /// definite.
    static func tLocationScatterInformation(_ data: Matrix, weights w: [Double], location mu: [Double], scatter sigma: Matrix,
                                            nu: Double) -> [Double]? {
        let d = data.columns, n = data.rows, dd = Double(d)
        guard let inverse = try? Lapack.solvePositiveDefinite(sigma.elements, n: d, Matrix.identity(d).elements, columns: d, what: "scatter"),
              inverse.allSatisfy(\.isFinite) else { return nil }
        let pairs = upperTriangle(d)
        let p = d + pairs.count
        var hessian = [Double](repeating: 0, count: p * p)
        var sumG1 = 0.0, total = 0.0
        var b = [Double](repeating: 0, count: d)
        var m = [Double](repeating: 0, count: d * d)  // Σ wᵢg′ᵢ aᵢaᵢᵀ, accumulated as −Gram(√(−wᵢg′ᵢ) aᵢ)
        let blockRows = 2048
        var start = 0
        while start < n {
            let rows = min(blockRows, n - start)
            var r = [Double](repeating: 0, count: rows * d)
            for i in 0..<rows { for j in 0..<d { r[i * d + j] = data.elements[(start + i) * d + j] - mu[j] } }
            var a = [Double](repeating: 0, count: rows * d)
            Blas.gemm(r, rows: rows, columns: d, inverse, rows: d, columns: d, into: &a)
            var v = [Double](repeating: 0, count: rows * p)
            var scaledA = [Double](repeating: 0, count: rows * d)
            for i in 0..<rows {
                let wi = w[start + i]
                guard wi > 0 else { continue }
                var q = 0.0
                for j in 0..<d { q += r[i * d + j] * a[i * d + j] }
                let g1 = -0.5 * (nu + dd) / (nu + q)
                let g2 = 0.5 * (nu + dd) / ((nu + q) * (nu + q))
                total += wi
                sumG1 += wi * g1
                let root1 = (-wi * g1).squareRoot(), root2 = (wi * g2).squareRoot()
                for j in 0..<d {
                    b[j] += wi * g1 * a[i * d + j]
                    scaledA[i * d + j] = root1 * a[i * d + j]
                    v[i * p + j] = -2 * root2 * a[i * d + j]
                }
                for (c, (j, l)) in pairs.enumerated() {
                    let aj = a[i * d + j], al = a[i * d + l]
                    v[i * p + d + c] = -root2 * (j == l ? aj * aj : 2 * aj * al)
                }
            }
            let gram = Lapack.gram(v, rows: rows, columns: p)
            for e in 0..<(p * p) { hessian[e] += gram[e] }
            let gramA = Lapack.gram(scaledA, rows: rows, columns: d)
            for e in 0..<(d * d) { m[e] -= gramA[e] }
            start += rows
        }
        // Σ wᵢg′ᵢ ∇²qᵢ: the μμ block 2(Σwᵢg′ᵢ)P, the μ–Σ block 2PEb.
        for j in 0..<d { for l in 0..<d { hessian[j * p + l] += 2 * sumG1 * inverse[j * d + l] } }
        func entries(_ pair: (Int, Int)) -> [(Int, Int)] { pair.0 == pair.1 ? [pair] : [pair, (pair.1, pair.0)] }
        for (c, pair) in pairs.enumerated() {
            for alpha in 0..<d {
                var value = 0.0
                for (j, l) in entries(pair) { value += 2 * inverse[alpha * d + j] * b[l] }
                hessian[alpha * p + d + c] += value
                hessian[(d + c) * p + alpha] += value
            }
        }
        // The Σ–Σ block: tr(FPEM) + tr(EPFM) + ½W tr(PFPE), E = Σ e_α e_βᵀ, F = Σ e_γ e_δᵀ.
        for (ce, e) in pairs.enumerated() {
            for (cf, f) in pairs.enumerated() where cf >= ce {
                var value = 0.0
                for (alpha, beta) in entries(e) {
                    for (gamma, delta) in entries(f) {
                        value += inverse[delta * d + alpha] * m[beta * d + gamma] + inverse[beta * d + gamma] * m[delta * d + alpha]
                            + 0.5 * total * inverse[delta * d + alpha] * inverse[beta * d + gamma]
                    }
                }
                hessian[(d + ce) * p + d + cf] += value
                if cf != ce { hessian[(d + cf) * p + d + ce] += value }
            }
        }
        let information = hessian.map { -$0 }
        return information.allSatisfy(\.isFinite) ? information : nil
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

    /// The class means x̄ₖ, one per group (the normal fit's μ̂ₖ and the t's ECME start).
    static func classMeans(_ groups: [Matrix]) -> [[Double]] {
        groups.map { g in
            Lapack.transposedTimes(g.elements, rows: g.rows, columns: g.columns, [Double](repeating: 1, count: g.rows))
                .map { $0 / Double(g.rows) }
        }
    }

    /// The pooled within-class scatter Σₖ Σ_{i∈k} (xᵢ − x̄ₖ)(xᵢ − x̄ₖ)ᵀ / `divisor`.
    static func pooledScatter(_ groups: [Matrix], means: [[Double]], divisor: Double) throws(PolytailError) -> Matrix {
        let d = groups[0].columns
        var pooled = [Double](repeating: 0, count: d * d)
        for (g, m) in zip(groups, means) {
            let s = try scatter(g, center: m, weights: [Double](repeating: 1, count: g.rows), divisor: 1)
            for l in 0..<(d * d) { pooled[l] += s.elements[l] }
        }
        return Matrix(uncheckedRows: d, columns: d, elements: pooled.map { $0 / divisor })
    }

    /// Σᵢ wᵢ (xᵢ − c)(xᵢ − c)ᵀ / divisor, symmetric, via `dsyrk` on √wᵢ-scaled centred rows,
    /// in blocks of rows (≤ 512 KB each) whose Gram matrices are summed: no n × d copy of the
    /// data, so a fit's peak memory is the data plus a few n-vectors.
    static func scatter(_ data: Matrix, center: [Double], weights: [Double], divisor: Double) throws(PolytailError) -> Matrix {
        let d = data.columns
        var g = [Double](repeating: 0, count: d * d)
        data.forEachCentredBlock(center: center, blockRows: max(1, 65_536 / max(d, 1)),
                                 rowScale: { weights[$0].squareRoot() }) { _, rows, block in
            let part = Lapack.gram(block, rows: rows, columns: d)
            for k in 0..<(d * d) { g[k] += part[k] }
        }
        for k in 0..<(d * d) { g[k] /= divisor }
        return Matrix(uncheckedRows: d, columns: d, elements: g)
    }

    /// ∂ℓ/∂ν divided by W/2 for fixed μ, Σ: D_d(ν) + (1/W) Σ wᵢ [d aᵢ/(ν(1 + aᵢ)) −
    /// (log(1 + aᵢ) − aᵢ/(1 + aᵢ))], aᵢ = δᵢ²/ν. Over both cores in fixed chunks (the sum does
    /// not depend on timing), log(1 + a) by ``TFitter/logOnePlus(_:reciprocal:)``'s
    /// one `log` with the exact rounding error of 1 ⊕ a instead of `log1p` — this sum is most
    /// of an ECME iteration's time.
    static func dfScore(_ nu: Double, delta2: [Double], weights: [Double], total: Double, d: Int) -> Double {
        let dd = Double(d), invNu = 1 / nu
        let sum = Parallel.reduceChunks(delta2.count, zero: 0.0, +) { range in
            var s = 0.0
            for i in range {
                let wi = weights[i]
                guard wi > 0 else { continue }
                let a = delta2[i] * invNu
                let term: Double
                if a < 1e-3 || !(a < 1e300) {
                    term = TDegreesOfFreedom.logOnePlusMinusRatio(a)
                } else {
                    let r = 1 / (1 + a)
                    term = TFitter.logOnePlus(a, reciprocal: r) - a * r
                }
                s += wi * (dd * a * invNu / (1 + a) - term)
            }
            return s
        }
        return TDegreesOfFreedom.digammaGap(nu, dimension: d) + sum / total
    }

    /// Σᵢ wᵢ log(1 + δᵢ²/ν) over the rows of positive weight, over both cores in fixed chunks,
    /// each logarithm as in ``dfScore(_:delta2:weights:total:d:)``.
    static func sumLogOnePlus(_ delta2: [Double], weights: [Double], nu: Double) -> Double {
        let invNu = 1 / nu
        return Parallel.reduceChunks(delta2.count, zero: 0.0, +) { range in
            var s = 0.0
            for i in range {
                let wi = weights[i]
                guard wi > 0 else { continue }
                let a = delta2[i] * invNu
                s += wi * (a < 1e300 ? TFitter.logOnePlus(a, reciprocal: 1 / (1 + a))
                                     : StudentT.logOnePlusSquare(delta2[i].squareRoot(), nu))
            }
            return s
        }
    }

    /// The ν in [lower, upper] that maximises ℓ for fixed μ, Σ; flags the upper bound. With
    /// `near` (the previous iterate's ν) the root is first bracketed in [near/1.25, 1.25·near]
    /// — two evaluations of the score, after which Brent's method starts from a bracket 30
    /// times narrower than the whole range — and in the whole range only when the score has
    /// no sign change there.
    static func maximizeDF(delta2: [Double], weights: [Double], total: Double, d: Int,
                           bounds: DegreesOfFreedomRule.Bounds, near: Double? = nil) throws(PolytailError) -> (Double, Bool) {
        // ±∞ (a point at distance 0 when ν → 0, or an overflowing distance) keeps its sign
        // but becomes finite, which is all Brent's method needs; NaN is a failure.
        let score = { (tau: Double) -> Double in
            let v = dfScore(exp(tau), delta2: delta2, weights: weights, total: total, d: d)
            return v.isInfinite ? (v > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude) : v
        }
        if let near, near > bounds.lower, near < bounds.upper {
            let lo = max(log(bounds.lower), log(near) - log(1.25)), hi = min(log(bounds.upper), log(near) + log(1.25))
            let atLow = score(lo), atHigh = score(hi)
            if atLow > 0, atHigh < 0 {
                return (exp(try Solvers.brentRoot(lower: lo, upper: hi, relativeTolerance: 1e-14, score)), false)
            }
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
