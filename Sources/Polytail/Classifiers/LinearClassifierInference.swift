import Foundation

// Inference for a linear classifier z = x W + b, p(y | x) = ζ_y(z): the observed information
// of the log-likelihood ℓ(θ) = Σᵣ log ζ_{yᵣ}(xᵣ W + b), a Newton polish of the L-BFGS
// estimate, and the covariance of the identified parameters.
//
// Because z is linear in θ, with x̃ = (1, x) (intercept first, as statsmodels' add_constant),
//
//     −∇²_θ ℓ = Σᵣ Aᵣ ⊗ x̃ᵣ x̃ᵣᵀ,   Aᵣ = −∇²_z log ζ_{yᵣ}(zᵣ)  (k × k),
//
// so block (a, b) of the information (classes a and b) is X̃ᵀ diag(Aᵣ[a, b]) X̃; every pair's
// block comes from one dgemm per block of rows.
//
// softmax: A = diag(p) − p pᵀ for every label (the canonical link: observed = expected
// information). Adding one vector to every column of (b; W) leaves ζ unchanged, so the full
// information is singular; class 0 is the reference (statsmodels MNLogit): the identified
// parameters are the log-odds coefficients (bᵢ − b₀, W·ᵢ − W·₀) of classes 1 ..< k, and their
// information is the (k − 1)(d + 1) square block of classes 1 ..< k (ℓ depends on θ only
// through those differences, so fixing class 0's column is a reparametrisation).
//
// softRmax (Eq. 12–13): log ζ_y = −s_y − log Σₖ e^{−sₖ} with sₖ = log dₖ², dₖ² = ‖z − eₖ‖².
// With gₖ = ∇sₖ = 2(z − eₖ)/dₖ², ∇²sₖ = 2I/dₖ² − gₖgₖᵀ and ḡ = Σₖ pₖgₖ,
//
//     A = −∇² log ζ_y = 2 (1/d_y² − Σₖ pₖ/dₖ²) I − g_y g_yᵀ + 2 Σₖ pₖ gₖgₖᵀ − ḡḡᵀ.
//
// softRmax is not shift-invariant (‖z + c𝟙 − eᵢ‖² adds the same c(2Σzⱼ − 2 + kc) to every dₖ²,
// which changes their ratios), so all (d + 1)k parameters are listed; the likelihood is not
// concave and a saddle shows as an information that is not positive definite.

extension LinearClassifier {
    /// Above this many identified parameters ((d + 1)(k − 1) for softmax, (d + 1)k for
    /// softRmax) ``fit(_:labels:classCount:output:weightDecay:optimizer:using:)`` lists the
    /// parameters but computes no covariance (``CovarianceOmission/tooManyParameters``): the
    /// information costs O(n d² k²) and its inverse O(d³ k³), far more than the fit.
    public static let maximumCovarianceParameters = 2_000
}

extension TrainingProblem {
    /// The first class with free parameters: softmax's class 0 is the reference.
    var firstFreeClass: Int { output == .softmax ? 1 : 0 }
    /// The number of identified parameters ψ listed in the result.
    var identifiedParameterCount: Int { (d + 1) * (k - firstFreeClass) }

    /// θ index of slot u (0 the bias, j + 1 the weight of variable j) of class a.
    @inline(__always)
    func thetaIndex(class a: Int, slot u: Int) -> Int { u == 0 ? d * k + a : (u - 1) * k + a }

    /// The keys and estimates of the identified parameters, class by class (bias first):
    /// softmax's log odds against class 0, softRmax's own weights and biases.
    func identifiedParameters(_ theta: [Double]) -> (parameters: [FitParameter], estimates: [Double]) {
        var parameters: [FitParameter] = []
        var estimates: [Double] = []
        parameters.reserveCapacity(identifiedParameterCount)
        estimates.reserveCapacity(identifiedParameterCount)
        for a in firstFreeClass..<k {
            for u in 0...d {
                if output == .softmax {
                    parameters.append(u == 0 ? .logOddsIntercept(a) : .logOddsCoefficient(u - 1, a))
                    estimates.append(theta[thetaIndex(class: a, slot: u)] - theta[thetaIndex(class: 0, slot: u)])
                } else {
                    parameters.append(u == 0 ? .bias(a) : .weight(u - 1, a))
                    estimates.append(theta[thetaIndex(class: a, slot: u)])
                }
            }
        }
        return (parameters, estimates)
    }

    /// The logits Z = X W + 1 bᵀ at θ (n × k).
    func logits(_ theta: [Double]) -> [Double] {
        let dk = d * k
        var z = [Double](repeating: 0, count: n * k)
        for r in 0..<n { for i in 0..<k { z[r * k + i] = theta[dk + i] } }
        Blas.gemm(x, rows: n, columns: d, Array(theta[0..<dk]), rows: d, columns: k, into: &z, beta: 1)
        return z
    }

    /// Whether the classifier at θ puts every training observation's own class strictly above
    /// every other (complete separation: for softmax, scaling (W, b) up then raises every
    /// posterior of the true class towards one, so the likelihood has no finite maximum).
    func separates(logits z: [Double]) -> Bool {
        for r in 0..<n {
            let y = labels[r]
            for i in 0..<k where i != y && z[r * k + i] >= z[r * k + y] { return false }
        }
        return true
    }

    /// The observed information −∇²ψ ℓ of the identified parameters ψ (see the file comment),
    /// p × p row-major with p = ``identifiedParameterCount``, ℓ the log-likelihood (not the
    /// mean). `nil` when a term is not finite (a softRmax logit row exactly at a centre eₖ).
    ///
    /// The rows are taken in blocks of a few hundred: for each block one dgemm
    /// X̃ᵀ [c⁽ᵃᵇ⁾ ⊙ X̃]_{a ≤ b} forms every pair of classes' block at once (X̃ is packed once per
    /// row block, not once per pair), accumulated over the blocks; memory stays O(d² k²).
    /// softmax's diagonal curvature pₐ(1 − pₐ) takes 1 − pₐ as Σ_{c≠a} p_c, without cancellation
    /// where pₐ is near one.
    /// - Parameter rowsPerBlock: the block size (by default 2²⁰ / ((d + 1)·pairs of classes) rows, at least 64: a block's scaled copy of X̃ stays near 8 MB).
    /// - Complexity: O(n d² k²) in dgemm, plus O(n k³) for softRmax's per-row curvature.
    func information(_ theta: [Double], rowsPerBlock: Int? = nil) -> [Double]? {
        let z = logits(theta)
        let first = firstFreeClass, free = k - first, m = d + 1, p = identifiedParameterCount
        let posteriors = output == .softmax
            ? OutputLayer.softmax.apply(Matrix(uncheckedRows: n, columns: k, elements: z), logarithm: false).elements : []
        var pairs: [(Int, Int)] = []
        for a in 0..<free { for b in a..<free { pairs.append((a, b)) } }
        let width = m * pairs.count
        let chunk = max(1, min(n, rowsPerBlock ?? max(64, (1 << 20) / width)))
        var design = [Double](repeating: 0, count: chunk * m)
        var scaled = [Double](repeating: 0, count: chunk * width)
        var blocks = [Double](repeating: 0, count: m * width)
        var curvature = [Double](repeating: 0, count: k * k)
        var start = 0
        while start < n {
            let rows = min(chunk, n - start)
            for i in 0..<rows {
                let r = start + i
                design[i * m] = 1
                for j in 0..<d { design[i * m + 1 + j] = x[r * d + j] }
                // Aᵣ on the free classes, free × free into `curvature`.
                switch output {
                case .softmax:
                    for a in 0..<free {
                        let pa = posteriors[r * k + first + a]
                        var rest = 0.0
                        for c in 0..<k where c != first + a { rest += posteriors[r * k + c] }
                        curvature[a * free + a] = pa * rest
                        for b in (a + 1)..<max(a + 1, free) {
                            let value = -pa * posteriors[r * k + first + b]
                            curvature[a * free + b] = value
                            curvature[b * free + a] = value
                        }
                    }
                case .softRmax:
                    guard softRmaxCurvature(Array(z[(r * k)..<(r * k + k)]), label: labels[r], into: &curvature) else { return nil }
                }
                for (q, (a, b)) in pairs.enumerated() {
                    let c = curvature[a * free + b]
                    for v in 0..<m { scaled[i * width + q * m + v] = c * design[i * m + v] }
                }
            }
            Blas.gemm(design, rows: rows, columns: m, transposeA: true, scaled, rows: rows, columns: width,
                      into: &blocks, beta: start == 0 ? 0 : 1)
            start += rows
        }
        var info = [Double](repeating: 0, count: p * p)
        for (q, (a, b)) in pairs.enumerated() {
            for u in 0..<m {
                for v in 0..<m {
                    // Symmetrise within a diagonal block: dgemm may sum xᵤcxᵥ and xᵥcxᵤ in different orders.
                    let value = a == b ? 0.5 * (blocks[u * width + q * m + v] + blocks[v * width + q * m + u])
                                       : blocks[u * width + q * m + v]
                    info[(a * m + u) * p + b * m + v] = value
                    info[(b * m + v) * p + a * m + u] = value
                }
            }
        }
        return info.allSatisfy(\.isFinite) ? info : nil
    }

    /// A = −∇²_z log ζ_y(z) of softRmax at one logit row, k × k into `out` (see the file
    /// comment). The squared distances are direct sums of squares (no ‖z‖² − 2zₖ + 1
    /// cancellation) and the posteriors are ratios to the nearest centre. `false` when some
    /// dₖ² is 0 or a term is not finite (there log ζ_y is −∞ or flat to first order).
    func softRmaxCurvature(_ z: [Double], label y: Int, into out: inout [Double]) -> Bool {
        var d2 = [Double](repeating: 0, count: k)
        for c in 0..<k {
            var s = 0.0
            for j in 0..<k { let t = j == c ? z[j] - 1 : z[j]; s += t * t }
            guard s > 0, s.isFinite else { return false }
            d2[c] = s
        }
        let nearest = d2.min()!
        var p = d2.map { nearest / $0 }
        let total = p.reduce(0, +)
        for c in 0..<k { p[c] /= total }
        // gₖ = 2(z − eₖ)/dₖ², row-major k × k (row c is g_c).
        var g = [Double](repeating: 0, count: k * k)
        var mean = [Double](repeating: 0, count: k)
        var diagonal = 1 / d2[y]
        for c in 0..<k {
            diagonal -= p[c] / d2[c]
            for j in 0..<k {
                let v = 2 * (j == c ? z[j] - 1 : z[j]) / d2[c]
                g[c * k + j] = v
                mean[j] += p[c] * v
            }
        }
        for i in 0..<k {
            for j in 0..<k {
                var s = (i == j ? 2 * diagonal : 0) - g[y * k + i] * g[y * k + j] - mean[i] * mean[j]
                for c in 0..<k { s += 2 * p[c] * g[c * k + i] * g[c * k + j] }
                out[i * k + j] = s
            }
        }
        return out.allSatisfy(\.isFinite)
    }

    /// U = ∇ψ ℓ from the gradient of the mean objective (λ = 0): U = −n ∇θL on the free entries.
    func score(fromObjectiveGradient gradient: [Double]) -> [Double] {
        var u = [Double]()
        u.reserveCapacity(identifiedParameterCount)
        for a in firstFreeClass..<k { for s in 0...d { u.append(-Double(n) * gradient[thetaIndex(class: a, slot: s)]) } }
        return u
    }

    /// Newton's method on ℓ in the identified parameters from a converged L-BFGS estimate
    /// (λ = 0): θ ← θ + t·I⁻¹U (Cholesky, LAPACKE `dposv`) with t halved until the objective
    /// does not increase. It stops when the Newton decrement UᵀI⁻¹U, the squared length of the
    /// step in standard-error units, is at most 10⁻¹⁶ (the step is below 10⁻⁸ standard errors),
    /// when no step lowers the objective (rounding level), when the information is not positive
    /// definite, or after 20 steps. The information at the returned point comes back with it,
    /// so it is computed once per step and never after the last one.
    /// - Returns: the polished θ, the objective there and its gradient, the information at θ
    ///   (`nil` when it is not finite), the objective after each accepted step, and the
    ///   objective evaluations made.
    func newtonPolish(_ start: [Double], value startValue: Double) -> (theta: [Double], value: Double, gradient: [Double],
                                                                      information: [Double]?, history: [Double], evaluations: Int) {
        var theta = start
        var gradient = [Double](repeating: 0, count: theta.count)
        var value = objective(theta, gradient: &gradient)
        if !value.isFinite { value = startValue }
        var history: [Double] = []
        var evaluations = 1
        let p = identifiedParameterCount
        for _ in 0..<20 {
            guard let info = information(theta) else { return (theta, value, gradient, nil, history, evaluations) }
            let u = score(fromObjectiveGradient: gradient)
            guard let step = try? Lapack.solvePositiveDefinite(info, n: p, u, what: "classifier information") else {
                return (theta, value, gradient, info, history, evaluations)
            }
            var decrement = 0.0
            for i in 0..<p { decrement += u[i] * step[i] }
            if !(decrement > 1e-16) { return (theta, value, gradient, info, history, evaluations) }
            var t = 1.0
            var accepted = false
            var candidateGradient = gradient
            for _ in 0..<30 {
                var candidate = theta
                var i = 0
                for a in firstFreeClass..<k { for s in 0...d { candidate[thetaIndex(class: a, slot: s)] += t * step[i]; i += 1 } }
                let candidateValue = objective(candidate, gradient: &candidateGradient)
                evaluations += 1
                if candidateValue.isFinite && candidateValue <= value {
                    theta = candidate
                    value = candidateValue
                    gradient = candidateGradient
                    accepted = true
                    break
                }
                t *= 0.5
            }
            if !accepted { return (theta, value, gradient, info, history, evaluations) }
            history.append(value)
        }
        return (theta, value, gradient, information(theta), history, evaluations)
    }

    /// The covariance of ψ from the information: its inverse by LAPACK (`dpotrf`, `dpocon`,
    /// `dpotri`), or the reason there is none (not positive definite, or a reciprocal
    /// condition number below 10⁻¹²: the inverse would carry fewer than four correct digits).
    /// - Returns: the covariance, or `nil` (``CovarianceOmission/singularInformation``).
    func covariance(fromInformation info: [Double]) -> Matrix? {
        let p = identifiedParameterCount
        guard let (inverse, rcond) = try? Lapack.invertPositiveDefinite(info, n: p, what: "classifier information"),
              rcond >= 1e-12, inverse.allSatisfy(\.isFinite)
        else { return nil }
        for i in 0..<p where !(inverse[i * p + i] > 0) { return nil }
        return Matrix(uncheckedRows: p, columns: p, elements: inverse)
    }
}

extension FitResultCheck {
    /// The check ``Fitted/init(checking:result:)`` makes for a linear classifier: each listed
    /// parameter is one of the model's head (softmax: ``FitParameter/logOddsIntercept(_:)`` and
    /// ``FitParameter/logOddsCoefficient(_:_:)`` of classes 1 ..< k; softRmax:
    /// ``FitParameter/bias(_:)`` and ``FitParameter/weight(_:_:)`` of classes 0 ..< k), indexes a
    /// variable 0 ..< d, and its estimate is the model's value (bᵢ − b₀, Wⱼᵢ − Wⱼ₀, or bᵢ, Wⱼᵢ) to
    /// 10⁻¹² relative.
    /// - Throws: `.invalidParameter` naming the parameter or estimate that does not belong.
    static func classifier(_ result: FitResult, model: LinearClassifier) throws(PolytailError) {
        let d = model.dimension, k = model.classCount
        let w = model.weights, b = model.bias
        let softmax = model.output == .softmax
        for (parameter, estimate) in zip(result.parameters, result.estimates) {
            let value: Double?
            switch parameter {
            case let .logOddsIntercept(i) where softmax && (1..<k).contains(i):
                value = b[i] - b[0]
            case let .logOddsCoefficient(j, i) where softmax && (0..<d).contains(j) && (1..<k).contains(i):
                value = w[j, i] - w[j, 0]
            case let .bias(i) where !softmax && (0..<k).contains(i):
                value = b[i]
            case let .weight(j, i) where !softmax && (0..<d).contains(j) && (0..<k).contains(i):
                value = w[j, i]
            default:
                value = nil
            }
            guard let value else {
                throw .invalidParameter(name: "parameter \(parameter)", value: .nan,
                                        requirement: "must be one of a \(model.output.rawValue) linear classifier's with d = \(d), k = \(k)")
            }
            guard abs(estimate - value) <= 1e-12 * max(1, abs(value)) else {
                throw .invalidParameter(name: "estimate of \(parameter)", value: estimate, requirement: "must be the model's \(value)")
            }
        }
    }
}
