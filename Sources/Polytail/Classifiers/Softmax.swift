import Foundation

// The standard softmax (Wang & Loog 2022, Eq. 8 and 11): ζᵢˢ(z) = e^{zᵢ} / Σₖ e^{zₖ}, the
// posterior of LDA with Gaussian class conditionals N(z | eᵢ, I) (Eq. 9–11). It is
// evaluated max-shifted, ζᵢˢ(z) = e^{zᵢ−M} / Σₖ e^{zₖ−M} with M = maxₖ zₖ, so that no
// exponential overflows; the log form uses log1p of the sum without its largest term.
//
// Hot loop (documented raw-pointer use): the evaluation takes one row of an n × k logit
// buffer as an `UnsafeBufferPointer`, so a batch of n rows is evaluated without copying
// each row into an array (OutputLayer calls it n times per objective evaluation).

/// One softmax evaluation: the shifted exponentials and their sum.
struct SoftmaxEvaluation {
    let k: Int
    /// e^{zₖ − M} (1 at the arg-max).
    var shifted: [Double]
    var top = 0
    var maximum = 0.0
    /// Σ_{k≠top} e^{zₖ − M}.
    var rest = 0.0
    var undefined = false
    /// When M = +∞: the posterior is spread evenly over the +∞ entries.
    var infiniteCount = 0

    init(classes k: Int) {
        self.k = k
        shifted = [Double](repeating: 0, count: k)
    }

    mutating func evaluate(_ z: UnsafeBufferPointer<Double>) {
        precondition(z.count == k)
        undefined = false
        infiniteCount = 0
        guard k > 0 else { return }
        top = 0
        for j in 0..<k {
            if z[j].isNaN { undefined = true; return }
            if z[j] > z[top] { top = j }
        }
        maximum = z[top]
        if maximum == .infinity {
            for j in 0..<k where z[j] == .infinity { infiniteCount += 1 }
            return
        }
        // All −∞: no class has any mass; the posterior is undefined.
        if maximum == -.infinity { undefined = true; return }
        rest = 0
        for j in 0..<k {
            let s = j == top ? 1 : exp(z[j] - maximum)
            shifted[j] = s
            if j != top { rest += s }
        }
    }

    func posterior(_ i: Int, _ z: UnsafeBufferPointer<Double>) -> Double {
        if undefined { return .nan }
        if infiniteCount > 0 { return z[i] == .infinity ? 1 / Double(infiniteCount) : 0 }
        return shifted[i] / (1 + rest)
    }

    func logPosterior(_ i: Int, _ z: UnsafeBufferPointer<Double>) -> Double {
        if undefined { return .nan }
        if infiniteCount > 0 { return z[i] == .infinity ? -log(Double(infiniteCount)) : -.infinity }
        return (z[i] - maximum) - log1p(rest)
    }

    /// 1 − pᵢ without cancellation: Σ_{k≠top} e^{zₖ−M}/(1 + Σ) for the arg-max class (the
    /// others have pᵢ ≤ 1/2).
    func complement(_ i: Int, _ z: UnsafeBufferPointer<Double>) -> Double {
        if !undefined && infiniteCount == 0 && i == top { return rest / (1 + rest) }
        return 1 - posterior(i, z)
    }

    /// ∇_z log p_y = e_y − p.
    func logPosteriorGradient(_ y: Int, _ z: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        if undefined { for j in 0..<k { out[j] = .nan }; return }
        if infiniteCount > 0 { for j in 0..<k { out[j] = 0 }; return }
        for j in 0..<k { out[j] = (j == y ? 1 : 0) - posterior(j, z) }
        // For the arg-max class 1 − p_y = rest/(1 + rest) without cancellation.
        if y == top { out[y] = rest / (1 + rest) }
    }
}

/// The standard softmax (Wang & Loog 2022, Eq. 8/11): pᵢ = e^{zᵢ} / Σₖ e^{zₖ}, evaluated
/// with the maximum subtracted so that nothing overflows. Entries equal to +∞ share the
/// posterior evenly; all −∞ or any NaN gives NaN.
/// - Returns: the k posteriors, summing to one.
/// - Complexity: O(k).
public func softmax(_ z: [Double]) -> [Double] {
    var evaluation = SoftmaxEvaluation(classes: z.count)
    return z.withUnsafeBufferPointer { zp in
        evaluation.evaluate(zp)
        return (0..<z.count).map { evaluation.posterior($0, zp) }
    }
}

/// log softmax: log pᵢ = (zᵢ − M) − log1p(Σ_{k≠argmax} e^{zₖ−M}), M = maxₖ zₖ.
/// - Complexity: O(k).
public func logSoftmax(_ z: [Double]) -> [Double] {
    var evaluation = SoftmaxEvaluation(classes: z.count)
    return z.withUnsafeBufferPointer { zp in
        evaluation.evaluate(zp)
        return (0..<z.count).map { evaluation.logPosterior($0, zp) }
    }
}

/// The softmax Jacobian Jᵢⱼ = ∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ), a k × k matrix. For the arg-max
/// class 1 − pᵢ is formed as Σ_{k≠i} pₖ, so the diagonal keeps its accuracy when pᵢ → 1.
/// - Complexity: O(k²).
public func softmaxJacobian(_ z: [Double]) -> Matrix {
    let k = z.count
    var evaluation = SoftmaxEvaluation(classes: k)
    var out = [Double](repeating: 0, count: k * k)
    z.withUnsafeBufferPointer { zp in
        evaluation.evaluate(zp)
        let p = (0..<k).map { evaluation.posterior($0, zp) }
        let complement = (0..<k).map { evaluation.complement($0, zp) }
        for i in 0..<k { for j in 0..<k { out[i * k + j] = i == j ? p[i] * complement[i] : -p[i] * p[j] } }
    }
    return Matrix(uncheckedRows: k, columns: k, elements: out)
}

/// The softmax vector–Jacobian product (gᵀJ)ⱼ = pⱼ (gⱼ − ḡ), ḡ = Σᵢ gᵢ pᵢ, with ḡ formed
/// around the arg-max class t as g_t + Σ_{i≠t} pᵢ (gᵢ − g_t) so that gₜ − ḡ does not cancel.
/// - Throws: `.dimensionMismatch` when the lengths differ.
/// - Complexity: O(k).
public func softmaxVJP(_ z: [Double], _ upstream: [Double]) throws(PolytailError) -> [Double] {
    guard upstream.count == z.count else {
        throw .dimensionMismatch(what: "softmax upstream gradient", expected: z.count, got: upstream.count)
    }
    let k = z.count
    var evaluation = SoftmaxEvaluation(classes: k)
    return z.withUnsafeBufferPointer { zp in
        evaluation.evaluate(zp)
        let p = (0..<k).map { evaluation.posterior($0, zp) }
        guard k > 0, !evaluation.undefined, evaluation.infiniteCount == 0 else {
            return p.map { $0.isNaN ? .nan : 0 }
        }
        let t = evaluation.top
        var offset = 0.0  // ḡ − g_t
        for i in 0..<k where i != t { offset += p[i] * (upstream[i] - upstream[t]) }
        return (0..<k).map { j in p[j] * ((upstream[j] - upstream[t]) - offset) }
    }
}

/// ∇_z log softmax_y(z) = e_y − p.
/// - Throws: `.unknownLabel` when `label` is not in 0..<k.
/// - Complexity: O(k).
public func logSoftmaxGradient(_ z: [Double], label: Int) throws(PolytailError) -> [Double] {
    guard (0..<z.count).contains(label) else {
        throw .unknownLabel("\(label) (classes are 0..<\(z.count))")
    }
    var evaluation = SoftmaxEvaluation(classes: z.count)
    var out = [Double](repeating: 0, count: z.count)
    z.withUnsafeBufferPointer { zp in
        evaluation.evaluate(zp)
        out.withUnsafeMutableBufferPointer { evaluation.logPosteriorGradient(label, zp, into: $0) }
    }
    return out
}

/// softmax of every row of an n × k matrix of logits.
/// - Complexity: O(n k).
public func softmax(_ z: Matrix) -> Matrix { OutputLayer.softmax.apply(z, logarithm: false) }

/// log softmax of every row of an n × k matrix of logits.
/// - Complexity: O(n k).
public func logSoftmax(_ z: Matrix) -> Matrix { OutputLayer.softmax.apply(z, logarithm: true) }
