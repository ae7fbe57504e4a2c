import Foundation

extension DiscriminantAnalysis {
    /// Fits class priors and class-conditional densities to labelled rows.
    ///
    /// - Normal, shared: μₖ = class means, Σ = Σₖ Σ_{i∈k} (xᵢ − μₖ)(xᵢ − μₖ)ᵀ / n (ML, as
    ///   scikit-learn's `LinearDiscriminantAnalysis`) or / (n − k) (unbiased).
    /// - Normal, per class: Σₖ = Σ_{i∈k} (xᵢ − μₖ)(xᵢ − μₖ)ᵀ / nₖ (ML) or / (nₖ − 1) (unbiased,
    ///   as scikit-learn's `QuadraticDiscriminantAnalysis`).
    /// - Student t: maximum likelihood by ECME (Liu & Rubin 1995). For the current
    ///   parameters, uᵢ = (ν_{yᵢ} + d)/(ν_{yᵢ} + δᵢ²) with δᵢ the Mahalanobis distance to the
    ///   row's own class; μₖ = Σ_{i∈k} uᵢxᵢ / Σ_{i∈k} uᵢ; the scatter is the parameter-expanded
    ///   step (Liu, Rubin & Wu 1998): shared Σ = Σᵢ uᵢ rᵢrᵢᵀ / (n α) with
    ///   α = Σᵢ ν_{yᵢ}uᵢ / Σᵢ ν_{yᵢ} (= mean uᵢ when the ν are equal), per class
    ///   Σₖ = Σ_{i∈k} uᵢ rᵢrᵢᵀ / Σ_{i∈k} uᵢ. Then ν maximises the observed likelihood given
    ///   μ, Σ: one root of the score over all rows (tied), or one per class (per class),
    ///   by Brent's method on log ν. Light-tailed classes stop ν at the upper bound
    ///   (``FitResult/dfAtBound``): their ML ν is infinite.
    ///
    /// - Parameters:
    ///   - observations: n × d, finite, one row per observation.
    ///   - labels: n labels; the distinct values become ``classLabels`` (at least two).
    ///   - family: normal or Student t with its ``DegreesOfFreedomRule`` (per-group rules in
    ///     class-label order).
    ///   - scatter: shared (LDA) or per class (QDA).
    ///   - priors: empirical, equal or given.
    ///   - covariance: the divisor of normal covariances (ignored for t).
    ///   - tolerance: ECME stops when the relative change of ℓ is below `tolerance` and that
    ///     of every parameter below √tolerance.
    ///   - maxIterations: the ECME iteration cap (non-convergence is reported, not thrown).
    /// - Returns: the fitted model and its ``FitResult``: ℓ = Σᵢ log p(xᵢ | yᵢ) (the
    ///   class-conditional part; priors excluded), iterations of ECME (0 for normal fits),
    ///   convergence, `dfAtBound` when any estimated ν stopped at its upper bound, AIC/BIC over
    ///   every estimated parameter, and per class ``FitResult/groupResults`` (in ``classLabels``
    ///   order): the class's rows, its share of ℓ, its parameters (location; its own covariance
    ///   or scatter; its own estimated ν) and their covariance by the observed information, hence
    ///   standard errors and Wald intervals. Parameters shared by the classes — a tied estimated
    ///   ν (not at its bound), a shared t scatter (with fixed, tied or per-class ν) — are listed
    ///   on the whole's result (the scatter's upper triangle, then a tied ν), and every
    ///   covariance then comes from the joint observed information of all classes: each class's
    ///   errors include the shared parameters' uncertainty (`SharedParameters`). The priors are
    ///   not parameters of ℓ and are not listed (see ``Priors``). A result without a
    ///   covariance says why in ``FitResult/covarianceOmission``:
    ///   ``CovarianceOmission/tooManyParameters`` (more than 527 parameters in one class's
    ///   information), ``CovarianceOmission/notConverged`` (ECME stopped at `maxIterations`) or
    ///   ``CovarianceOmission/singularInformation``.
    /// - Throws: ``PolytailError``: `.emptyData`; `.dimensionMismatch` (labels ≠ rows);
    ///   `.nonFiniteValue(row:column:)`; `.tooFewClasses`; `.constantData(column:)`;
    ///   `.tooFewObservations` (shared: n − k < d); `.invalidParameter` naming the class with
    ///   too few rows for its own matrix (d + 1 normal, d + 2 t), a bad prior or ν (a
    ///   per-group ν names its class); `.dimensionMismatch` for a `.fixedPerGroup` rule without
    ///   one ν per class; `.unknownLabel` for a prior given for a label not in the data, or for
    ///   a label that is not equal to itself (a NaN);
    ///   `.singularMatrix` naming the matrix (and the class) that is singular.
    /// - Complexity: normal O(n d² + k d³); t O(n d² + k d³) per ECME iteration.
    public static func fit(
        _ observations: Matrix, labels: [Label], family: Family = .normal, scatter: Scatter = .shared,
        priors: Priors = .empirical, covariance: CovarianceEstimate = .maximumLikelihood,
        tolerance: Double = 1e-15, maxIterations: Int = 5000
    ) throws(PolytailError) -> Fitted<DiscriminantAnalysis> {
        let x = observations
        guard x.rows > 0, x.columns > 0 else { throw .emptyData }
        guard labels.count == x.rows else { throw .dimensionMismatch(what: "labels", expected: x.rows, got: labels.count) }
        guard tolerance.isFinite, tolerance > 0 else {
            throw .invalidParameter(name: "tolerance", value: tolerance, requirement: "must be finite and > 0")
        }
        guard maxIterations >= 1 else {
            throw .invalidParameter(name: "maxIterations", value: Double(maxIterations), requirement: "must be at least 1")
        }
        let n = x.rows, d = x.columns
        for i in 0..<n {
            for j in 0..<d where !x.elements[i * d + j].isFinite { throw .nonFiniteValue(row: i, column: j) }
        }
        // A label unequal to itself (a Double NaN) cannot name a class: it would fall in no
        // class, or in a class of its own on every row.
        if let bad = labels.first(where: { $0 != $0 }) { throw .unknownLabel("\(bad)") }
        let classes = Array(Set(labels)).sorted()
        let k = classes.count
        guard k >= 2 else { throw .tooFewClasses(needed: 2, got: k) }
        var index: [Label: Int] = [:]
        for (j, c) in classes.enumerated() { index[c] = j }
        var rows = [[Int]](repeating: [], count: k)
        for (i, label) in labels.enumerated() {
            guard let j = index[label] else { throw .unknownLabel("\(label)") }
            rows[j].append(i)
        }
        let counts = rows.map(\.count)
        let groups = rows.map { r in
            var e: [Double] = []
            e.reserveCapacity(r.count * d)
            for i in r { e.append(contentsOf: x.elements[(i * d)..<(i * d + d)]) }
            return Matrix(uncheckedRows: r.count, columns: d, elements: e)
        }
        let priorValues = try validatedPriors(priors, classes: classes, counts: counts)
        _ = try DataValidation.checkMatrix(x, weights: nil, minimumRows: 1)  // a column constant over all rows

        let shared = scatter == .shared
        func name(_ j: Int) -> String { "class \"\(classes[j])\"" }
        if shared {
            guard n - k >= d else { throw .tooFewObservations(needed: k + d, got: n) }
        } else {
            let needed = family == .normal ? d + 1 : d + 2
            for j in 0..<k where counts[j] < needed {
                throw .invalidParameter(name: "rows of \(name(j))", value: Double(counts[j]),
                                        requirement: "at least \(needed) rows are needed to estimate the class's own \(d)×\(d) matrix")
            }
            for j in 0..<k {
                if let c = constantColumn(groups[j]) {
                    throw .singularMatrix(what: "covariance of \(name(j)) (column \(c) is constant within the class)")
                }
            }
        }

        switch family {
        case .normal:
            return try fitNormal(groups: groups, classes: classes, priors: priorValues, shared: shared, estimate: covariance)
        case let .studentT(rule):
            let plan = try rule.plan(groupCount: k, groupName: name)
            var engine = try TDiscriminantECME(groups: groups, shared: shared, plan: plan, names: classes.indices.map(name))
            let result = try engine.run(tolerance: tolerance, maxIterations: maxIterations)
            var conditionals: [ClassConditional] = []
            for j in 0..<k {
                let t = try MultivariateT(location: engine.mu[j], scatter: engine.sigma[shared ? 0 : j], degreesOfFreedom: engine.nu[j])
                conditionals.append(.studentT(t))
            }
            return Fitted(model: try DiscriminantAnalysis(classLabels: classes, priors: priorValues,
                                                          conditionals: conditionals, shared: shared),
                          result: result)
        }
    }

    static func validatedPriors(_ priors: Priors, classes: [Label], counts: [Int]) throws(PolytailError) -> [Double] {
        let k = classes.count
        switch priors {
        case .empirical:
            let n = Double(counts.reduce(0, +))
            return counts.map { Double($0) / n }
        case .equal:
            return [Double](repeating: 1 / Double(k), count: k)
        case let .given(table):
            for label in table.keys.sorted() where !classes.contains(label) { throw .unknownLabel("\(label)") }
            var values: [Double] = []
            for c in classes {
                guard let p = table[c] else {
                    throw .invalidParameter(name: "prior of class \"\(c)\"", value: 0, requirement: "missing: give a prior for every class")
                }
                values.append(p)
            }
            // The table's labels are the classes now: its values are checked in class order.
            try Priors.validateValues(table)
            let sum = values.reduce(0, +)
            return values.map { $0 / sum }
        }
    }

    /// The first column that takes one value in every row of `m`, if any.
    static func constantColumn(_ m: Matrix) -> Int? {
        let d = m.columns
        guard m.rows > 0 else { return nil }
        var varies = [Bool](repeating: false, count: d)
        for i in 1..<max(1, m.rows) { for j in 0..<d where m.elements[i * d + j] != m.elements[j] { varies[j] = true } }
        return varies.firstIndex(of: false)
    }

    static func fitNormal(groups: [Matrix], classes: [Label], priors: [Double], shared: Bool,
                          estimate: CovarianceEstimate) throws(PolytailError) -> Fitted<DiscriminantAnalysis> {
        let k = groups.count, d = groups[0].columns
        let n = groups.reduce(0) { $0 + $1.rows }
        let means = MultivariateFitting.classMeans(groups)
        var conditionals: [ClassConditional] = []
        if shared {
            let sigma = try MultivariateFitting.pooledScatter(groups, means: means, divisor: Double(estimate == .maximumLikelihood ? n : n - k))
            for j in 0..<k {
                do {
                    conditionals.append(.normal(try MultivariateNormal(mean: means[j], covariance: sigma)))
                } catch {
                    throw .singularMatrix(what: "pooled within-class covariance (a column constant within every class, or collinear columns)")
                }
            }
        } else {
            for j in 0..<k {
                let m = groups[j].rows
                let divisor = Double(estimate == .maximumLikelihood ? m : m - 1)
                let s = try MultivariateFitting.scatter(groups[j], center: means[j], weights: [Double](repeating: 1, count: m), divisor: divisor)
                do {
                    conditionals.append(.normal(try MultivariateNormal(mean: means[j], covariance: s)))
                } catch {
                    throw .singularMatrix(what: "covariance of class \"\(classes[j])\" (collinear columns)")
                }
            }
        }
        var perClass: [FitResult] = []
        let matrixCount = d * (d + 1) / 2
        for j in 0..<k {
            let ll = conditionals[j].logDensities(groups[j]).reduce(0, +)
            guard case let .normal(m) = conditionals[j] else { continue }
            // μ̂ₖ and (per class) Σ̂ₖ, with the normal's closed-form covariance at the class's nₖ
            // (μ̂ₖ is uncorrelated with a shared Σ̂ too, so its block holds either way).
            let (parameters, estimates) = MultivariateFitting.parameters(mean: m.mean, covariance: m.covariance, location: false)
            let count = shared ? d : parameters.count
            var result = FitResult(
                unchecked: Array(parameters.prefix(count)), estimates: Array(estimates.prefix(count)),
                covariance: MultivariateFitting.normalCovariance(m.covariance, total: Double(groups[j].rows), withMatrix: !shared),
                observationCount: groups[j].rows, sampleSize: Double(groups[j].rows), logLikelihood: ll,
                parameterCount: count, iterations: 0, converged: true, omission: .tooManyParameters)
            result.covarianceEstimator = .observedInformation
            perClass.append(result)
        }
        var overall = FitResult.summary(observationCount: n, logLikelihood: perClass.reduce(0) { $0 + $1.logLikelihood },
                                        parameterCount: k * d + (shared ? 1 : k) * matrixCount, iterations: 0, converged: true)
        overall.groupResults = perClass
        return Fitted(model: try DiscriminantAnalysis(classLabels: classes, priors: priors, conditionals: conditionals, shared: shared),
                      result: overall)
    }
}

/// ECME for t class conditionals with per-class locations and a shared or per-class
/// scatter (see ``DiscriminantAnalysis/fit(_:labels:family:scatter:priors:covariance:tolerance:maxIterations:)``).
struct TDiscriminantECME {
    let groups: [Matrix]
    let shared: Bool
    let plan: DegreesOfFreedomRule.Plan
    let names: [String]
    let d: Int
    var mu: [[Double]]
    var sigma: [Matrix]
    var nu: [Double]
    var atBound: [Bool]

    init(groups: [Matrix], shared: Bool, plan: DegreesOfFreedomRule.Plan, names: [String]) throws(PolytailError) {
        self.groups = groups
        self.shared = shared
        self.plan = plan
        self.names = names
        let k = groups.count, d = groups[0].columns
        self.d = d
        let n = groups.reduce(0) { $0 + $1.rows }
        // Start: class means and the ML normal covariance(s); ν = 10 (clamped) when estimated.
        mu = MultivariateFitting.classMeans(groups)
        var sigma: [Matrix] = []
        if shared {
            sigma = [try MultivariateFitting.pooledScatter(groups, means: mu, divisor: Double(n))]
        } else {
            for j in 0..<k {
                sigma.append(try MultivariateFitting.scatter(groups[j], center: mu[j], weights: [Double](repeating: 1, count: groups[j].rows),
                                                             divisor: Double(groups[j].rows)))
            }
        }
        self.sigma = sigma
        switch plan {
        case let .fixed(values): nu = values
        case let .tied(b), let .perGroup(b): nu = [Double](repeating: min(max(10, b.lower), b.upper), count: k)
        }
        atBound = [Bool](repeating: false, count: k)
    }

    func factor(_ s: Matrix, _ j: Int) throws(PolytailError) -> (Matrix, Double) {
        let what = shared ? "pooled within-class scatter (a column constant within every class, or collinear columns)"
                          : "scatter of \(names[j]) (collinear columns)"
        guard let lower = try? Lapack.choleskyLower(s, what: what) else { throw .singularMatrix(what: what) }
        var logDet = 0.0
        for l in 0..<d { logDet += 2 * log(lower[l, l]) }
        return (lower, logDet)
    }

    func classLogLikelihood(_ j: Int, logDet: Double, delta2: [Double]) -> Double {
        let c = WhitenedComponent.tLogNormalizer(nu: nu[j], dimension: d, logDeterminant: logDet)
        let half = 0.5 * (nu[j] + Double(d))
        var s = 0.0
        for q in delta2 { s += c - half * StudentT.logOnePlusSquare(q.squareRoot(), nu[j]) }
        return s
    }

    /// Mahalanobis distances of each class's rows to its own location.
    func distances(_ mu: [[Double]], _ factors: [(Matrix, Double)]) -> [[Double]] {
        groups.indices.map { j in
            WhitenedComponent.squaredDistances(groups[j], location: mu[j], lower: factors[shared ? 0 : j].0)
        }
    }

    mutating func run(tolerance: Double, maxIterations: Int) throws(PolytailError) -> FitResult {
        let k = groups.count, dd = Double(d)
        var factors: [(Matrix, Double)] = []
        for (j, s) in sigma.enumerated() { factors.append(try factor(s, j)) }
        var delta2 = distances(mu, factors)
        var perClassLL = (0..<k).map { classLogLikelihood($0, logDet: factors[shared ? 0 : $0].1, delta2: delta2[$0]) }
        var ll = perClassLL.reduce(0, +)
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            // E-step weights, then the location and (parameter-expanded) scatter CM-step.
            var newMu: [[Double]] = []
            var newSigma: [Matrix] = []
            var pooled = [Double](repeating: 0, count: d * d)
            var alphaNumerator = 0.0, alphaDenominator = 0.0, rowCount = 0.0
            for j in 0..<k {
                let u = delta2[j].map { (nu[j] + dd) / (nu[j] + $0) }
                let sumU = u.reduce(0, +)
                let m = Lapack.transposedTimes(groups[j].elements, rows: groups[j].rows, columns: d, u).map { $0 / sumU }
                newMu.append(m)
                if shared {
                    let s = try MultivariateFitting.scatter(groups[j], center: m, weights: u, divisor: 1)
                    for l in 0..<(d * d) { pooled[l] += s.elements[l] }
                    alphaNumerator += nu[j] * sumU
                    alphaDenominator += nu[j] * Double(groups[j].rows)
                    rowCount += Double(groups[j].rows)
                } else {
                    newSigma.append(try MultivariateFitting.scatter(groups[j], center: m, weights: u, divisor: sumU))
                }
            }
            if shared {
                let divisor = rowCount * alphaNumerator / alphaDenominator
                newSigma = [Matrix(uncheckedRows: d, columns: d, elements: pooled.map { $0 / divisor })]
            }
            var newFactors: [(Matrix, Double)] = []
            for (j, s) in newSigma.enumerated() { newFactors.append(try factor(s, j)) }
            let newDelta2 = distances(newMu, newFactors)
            // The ν CM-step on the observed likelihood.
            let oldNu = nu
            switch plan {
            case .fixed: break
            case let .tied(bounds):
                let all = newDelta2.flatMap { $0 }
                let (v, b) = try MultivariateFitting.maximizeDF(delta2: all, weights: [Double](repeating: 1, count: all.count),
                                                               total: Double(all.count), d: d, bounds: bounds)
                nu = [Double](repeating: v, count: k)
                atBound = [Bool](repeating: b, count: k)
            case let .perGroup(bounds):
                for j in 0..<k {
                    let q = newDelta2[j]
                    (nu[j], atBound[j]) = try MultivariateFitting.maximizeDF(delta2: q, weights: [Double](repeating: 1, count: q.count),
                                                                            total: Double(q.count), d: d, bounds: bounds)
                }
            }
            let newPerClassLL = (0..<k).map { classLogLikelihood($0, logDet: newFactors[shared ? 0 : $0].1, delta2: newDelta2[$0]) }
            let newLL = newPerClassLL.reduce(0, +)
            // Relative parameter change: locations in units of the scale, scatter entries
            // relative to √(σₗₗσₘₘ), log ν.
            var change = 0.0
            for j in 0..<k {
                change = max(change, abs(log(nu[j]) - log(oldNu[j])))
                let s = sigma[shared ? 0 : j]
                for l in 0..<d { change = max(change, abs(newMu[j][l] - mu[j][l]) / s[l, l].squareRoot()) }
            }
            for (s, t) in zip(sigma, newSigma) {
                for e in 0..<(d * d) {
                    let scale = (s.elements[(e / d) * d + e / d] * s.elements[(e % d) * d + e % d]).squareRoot()
                    change = max(change, abs(t.elements[e] - s.elements[e]) / scale)
                }
            }
            let gain = newLL - ll
            mu = newMu; sigma = newSigma; factors = newFactors; delta2 = newDelta2
            perClassLL = newPerClassLL; ll = newLL
            if abs(gain) <= tolerance * max(1, abs(ll)) && change <= tolerance.squareRoot() {
                converged = true
                break
            }
        }
        let matrixCount = d * (d + 1) / 2
        var nuCount = 0
        switch plan {
        case .fixed: nuCount = 0
        case .tied: nuCount = 1
        case .perGroup: nuCount = k
        }
        // Per class: μₖ, its own Σₖ (per class) and its own ν (per group, not at a bound). The
        // class's parameters separate from the others' when its scatter is its own and its ν is
        // not estimated jointly with the other classes': then its covariance is the multivariate
        // t's observed information. Shared parameters — a tied ν estimated inside its bounds, a
        // shared scatter (with a fixed, tied or per-class ν) — couple the classes: the
        // covariances then come from the joint information of all classes (`SharedParameters`),
        // and the whole's result lists the shared parameters.
        let ownNu = nuCount == k
        let tiedNu = nuCount == 1 && !atBound[0]
        let joint = tiedNu || shared
        var perClass = (0..<k).map { j -> FitResult in
            let s = sigma[shared ? 0 : j]
            var (parameters, estimates) = MultivariateFitting.parameters(mean: mu[j], covariance: s, location: true)
            if shared { parameters = Array(parameters.prefix(d)); estimates = Array(estimates.prefix(d)) }
            let freeNu = ownNu && !atBound[j]
            if freeNu { parameters.append(.degreesOfFreedom); estimates.append(nu[j]) }
            var covariance: Matrix? = nil
            let omission: CovarianceOmission
            if joint {
                omission = .singularInformation  // replaced below by the joint computation
            } else if parameters.count > MultivariateFitting.maximumCovarianceParameters {
                omission = .tooManyParameters
            } else {
                omission = .singularInformation
                covariance = MultivariateFitting.tCovariance(groups[j], weights: [Double](repeating: 1, count: groups[j].rows),
                                                             location: mu[j], scatter: s, nu: nu[j], freeNu: freeNu)
            }
            return FitResult(
                unchecked: parameters, estimates: estimates, covariance: covariance,
                observationCount: groups[j].rows, sampleSize: Double(groups[j].rows), logLikelihood: perClassLL[j],
                parameterCount: d + (shared ? 0 : matrixCount) + (ownNu ? 1 : 0),
                iterations: iterations, converged: converged, dfAtBound: atBound[j], omission: omission)
        }
        var overall = FitResult.summary(observationCount: groups.reduce(0) { $0 + $1.rows }, logLikelihood: ll,
                                        parameterCount: k * d + (shared ? 1 : k) * matrixCount + nuCount,
                                        iterations: iterations, converged: converged, dfAtBound: atBound.contains(true))
        if joint {
            let covariance = SharedParameters.multivariateT(
                &perClass, samples: groups, locations: mu, scatters: groups.indices.map { sigma[shared ? 0 : $0] },
                nu: nu, estimatedNu: tiedNu, ownNu: (0..<k).map { ownNu && !atBound[$0] }, sharedScatter: shared)
            var keys: [FitParameter] = [], values: [Double] = []
            if shared {
                let (p, e) = MultivariateFitting.parameters(mean: mu[0], covariance: sigma[0], location: true)
                keys = Array(p.dropFirst(d)); values = Array(e.dropFirst(d))
            }
            if tiedNu { keys.append(.degreesOfFreedom); values.append(nu[0]) }
            SharedParameters.list(keys, estimates: values, covariance: covariance, on: &overall,
                                  otherwise: perClass.first?.covarianceOmission ?? .singularInformation)
        }
        overall.groupResults = perClass
        return overall
    }
}
