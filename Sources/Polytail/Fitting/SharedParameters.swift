import Foundation

/// Inference for fits over independent groups that share parameters: the classes of a t
/// discriminant analysis with a tied ν or a shared scatter, the source and target of importance
/// weights with one ν.
enum SharedParameters {
    /// The covariance of every estimate of a fit over independent groups that share some
    /// parameters φ (a tied ν; a shared scatter matrix and ν), from the joint observed
    /// information. Each group's information over its own parameters θⱼ and then φ (−∇²ℓⱼ at
    /// the common φ) adds up on φ alone, a block-arrowhead matrix
    ///
    ///     I = [[A₁, 0, …, B₁], [0, A₂, …, B₂], …, [B₁ᵀ, B₂ᵀ, …, Σⱼ Cⱼ]],
    ///     Aⱼ = I_θθ⁽ʲ⁾, Bⱼ = I_θφ⁽ʲ⁾, Cⱼ = I_φφ⁽ʲ⁾.
    ///
    /// Its inverse by blocks (the Schur complement of the Aⱼ): with Zⱼ = Aⱼ⁻¹Bⱼ (LAPACK
    /// Cholesky, one factorisation per group) and S = Σⱼ Cⱼ − Σⱼ BⱼᵀZⱼ,
    ///
    ///     Cov(φ̂) = S⁻¹,   Cov(θ̂ⱼ) = Aⱼ⁻¹ + Zⱼ S⁻¹ Zⱼᵀ,   Cov(θ̂ⱼ, φ̂) = −Zⱼ S⁻¹,
    ///
    /// O(Σⱼ (pⱼ + q)³) instead of O((Σⱼ pⱼ + q)³) for the whole matrix. I is positive definite
    /// exactly when every Aⱼ and S are. Each group's result gets its marginal block Cov(θ̂ⱼ) —
    /// the covariance of its θ̂ with the shared parameters' uncertainty accounted for (larger
    /// than a fit holding them fixed), not conditional on them; covariances across groups (all
    /// through φ) are not kept. When an information is missing or I is not positive definite,
    /// every group's covariance is removed (conditional on φ it would understate the errors;
    /// `reason` for a missing information, else ``CovarianceOmission/singularInformation``) and
    /// nil is returned. Each group's covariance goes through `FitResult.setCovariance`, so a
    /// group that did not converge reports ``CovarianceOmission/notConverged`` instead.
    /// - Parameters:
    ///   - groups: each group's result, whose parameters are θⱼ (covariance replaced).
    ///   - informations: each group's information over (θⱼ, φ), (pⱼ + q)², in the same order.
    ///   - shared: q, the number of shared parameters (the last q rows of each information).
    ///   - reason: why the covariances are missing when an information is `nil` (not computed).
    /// - Returns: Cov(φ̂), q × q, or nil.
    static func covariances(_ groups: inout [FitResult], informations: [Matrix?], shared q: Int = 1,
                            otherwise reason: CovarianceOmission = .singularInformation) -> Matrix? {
        precondition(groups.count == informations.count && q >= 1)
        func fail(_ why: CovarianceOmission = .singularInformation) -> Matrix? {
            for j in groups.indices { groups[j].setCovariance(nil, otherwise: why) }
            return nil
        }
        if informations.contains(where: { $0 == nil }) { return fail(reason) }
        var schur = [Double](repeating: 0, count: q * q)
        var blocks: [(inverse: [Double], z: [Double])] = []
        for (group, information) in zip(groups, informations) {
            let p = group.parameters.count
            guard let m = information, m.rows == p + q, m.columns == p + q else { return fail() }
            for r in 0..<q { for c in 0..<q { schur[r * q + c] += m[p + r, p + c] } }
            guard p > 0 else { blocks.append(([], [])); continue }
            // Aⱼ X = [I | Bⱼ]: the first p columns give Aⱼ⁻¹, the last q give Zⱼ.
            let w = p + q
            let a = (0..<p).flatMap { r in (0..<p).map { c in m[r, c] } }
            var rhs = [Double](repeating: 0, count: p * w)
            for r in 0..<p {
                rhs[r * w + r] = 1
                for c in 0..<q { rhs[r * w + p + c] = m[r, p + c] }
            }
            guard let x = try? Lapack.solvePositiveDefinite(a, n: p, rhs, columns: w, what: "information"),
                  x.allSatisfy(\.isFinite) else { return fail() }
            let z = (0..<p).flatMap { r in (0..<q).map { c in x[r * w + p + c] } }
            for r in 0..<q { for c in 0..<q { for l in 0..<p { schur[r * q + c] -= m[l, p + r] * z[l * q + c] } } }
            blocks.append(((0..<p).flatMap { r in (0..<p).map { c in x[r * w + c] } }, z))
        }
        for r in 0..<q { for c in 0..<r { let v = 0.5 * (schur[r * q + c] + schur[c * q + r]); schur[r * q + c] = v; schur[c * q + r] = v } }
        guard let sInverse = try? Lapack.solvePositiveDefinite(schur, n: q, Matrix.identity(q).elements, columns: q, what: "information"),
              sInverse.allSatisfy(\.isFinite) else { return fail() }
        for j in groups.indices {
            let p = groups[j].parameters.count
            let (inverse, z) = blocks[j]
            var e = inverse
            // Aⱼ⁻¹ + Zⱼ S⁻¹ Zⱼᵀ.
            var zs = [Double](repeating: 0, count: p * q)
            for r in 0..<p { for c in 0..<q { for l in 0..<q { zs[r * q + c] += z[r * q + l] * sInverse[l * q + c] } } }
            for r in 0..<p { for c in 0..<p { for l in 0..<q { e[r * p + c] += zs[r * q + l] * z[c * q + l] } } }
            for r in 0..<p { for c in 0..<r { let v = 0.5 * (e[r * p + c] + e[c * p + r]); e[r * p + c] = v; e[c * p + r] = v } }
            groups[j].setCovariance(Matrix(uncheckedRows: p, columns: p, elements: e), otherwise: .singularInformation)
        }
        return Matrix(uncheckedRows: q, columns: q, elements: sInverse)
    }

    /// The covariances of multivariate-t groups sharing an estimated ν, a scatter matrix, or
    /// both: each group's information is the multivariate t's (`MultivariateFitting.tInformation`,
    /// over μⱼ, Σ, ν) on its own rows, then ``covariances(_:informations:shared:otherwise:)``. A
    /// group that estimates its own νⱼ beside a shared scatter keeps νⱼ among its own parameters
    /// θⱼ = (μⱼ, νⱼ): its information's rows are reordered to (μⱼ, νⱼ, Σ), so that the shared Σ
    /// comes last, and the joint information couples the classes through Σ alone. Above
    /// `MultivariateFitting.maximumCovarianceParameters` parameters in one group's information
    /// every covariance is omitted (``CovarianceOmission/tooManyParameters``), as a single
    /// fit's would be.
    /// - Parameters:
    ///   - groups: each group's result listing its own parameters (μⱼ, Σⱼ when not shared, then
    ///     its own νⱼ when `ownNu`).
    ///   - samples: each group's rows.
    ///   - locations: each group's μⱼ.
    ///   - scatters: each group's Σⱼ (all equal when shared).
    ///   - nu: each group's ν (one common value when estimated).
    ///   - estimatedNu: whether one common ν was estimated (a shared parameter).
    ///   - ownNu: per group, whether it estimated its own ν (inside its bounds); all false by default.
    ///   - sharedScatter: whether Σ is one matrix shared by the groups.
    /// - Returns: the covariance of the shared parameters (Σ's upper triangle when shared, then
    ///   ν when estimated), or nil.
    static func multivariateT(_ groups: inout [FitResult], samples: [Matrix], locations: [[Double]], scatters: [Matrix],
                              nu: [Double], estimatedNu: Bool, ownNu: [Bool]? = nil, sharedScatter: Bool) -> Matrix? {
        let d = locations[0].count
        let own = ownNu ?? [Bool](repeating: false, count: groups.count)
        precondition(own.count == groups.count && !(estimatedNu && own.contains(true)))
        let matrixCount = d * (d + 1) / 2
        let q = (estimatedNu ? 1 : 0) + (sharedScatter ? matrixCount : 0)
        guard groups.allSatisfy({ $0.parameters.count + q <= MultivariateFitting.maximumCovarianceParameters }) else {
            for j in groups.indices { groups[j].setCovariance(nil, otherwise: .tooManyParameters) }
            return nil
        }
        let informations = samples.indices.map { j -> Matrix? in
            guard let m = MultivariateFitting.tInformation(samples[j], weights: [Double](repeating: 1, count: samples[j].rows),
                                                           location: locations[j], scatter: scatters[j], nu: nu[j],
                                                           freeNu: estimatedNu || own[j]) else { return nil }
            guard own[j], sharedScatter else { return m }
            // (μ, Σ, ν) → (μ, ν, Σ): the group's own νⱼ before the shared scatter.
            return m.permuted(Array(0..<d) + [d + matrixCount] + Array(d..<(d + matrixCount)))
        }
        return covariances(&groups, informations: informations, shared: q)
    }

    /// Lists the shared parameters on the whole's result with their covariance from
    /// ``covariances(_:informations:shared:otherwise:)`` (nil, with `reason`, when there is none).
    static func list(_ parameters: [FitParameter], estimates: [Double], covariance: Matrix?, on result: inout FitResult,
                     otherwise reason: CovarianceOmission) {
        result.parameters = parameters
        result.estimates = estimates
        result.setCovariance(covariance, otherwise: reason)
    }
}

extension Matrix {
    /// The symmetric reordering P M Pᵀ of a square matrix: entry (r, c) is
    /// `self[order[r], order[c]]`.
    func permuted(_ order: [Int]) -> Matrix {
        precondition(rows == columns && order.count == rows)
        let n = rows
        var e = [Double](repeating: 0, count: n * n)
        for r in 0..<n { for c in 0..<n { e[r * n + c] = elements[order[r] * n + order[c]] } }
        return Matrix(uncheckedRows: n, columns: n, elements: e)
    }
}
