import Foundation

// softRmax (Wang & Loog, CVPR 2022, §3.1.2, Eq. 12–13):
//
//     ζᵢᶜ(z) = ‖z − eᵢ‖⁻² / Σₖ ‖z − eₖ‖⁻²,
//
// the softmax of Eq. 11 with the Gaussian class conditional N(z | eᵢ, I) replaced by the
// Cauchy-like term ‖z − eᵢ‖⁻². Along any ray z = t·v the squared distances grow like t²
// with ratios → 1, so every posterior tends to 1/k: the classifier is conservative in the
// tails, where softmax saturates to a one-hot vector.
//
// Hot loop (documented raw-pointer use): like SoftmaxEvaluation, the evaluation reads one
// row of a batch logit buffer and writes gradients into one row of a batch buffer through
// buffer pointers, so the n rows of a batch are never copied into per-row arrays.
//
// Numerics (the formula as written fails in three places):
// 1. At z = eᵢ the term ‖z − eᵢ‖⁻² is 1/0. We write dₖ² = ‖z − eₖ‖², let m be the index of
//    the smallest distance and use the ratios ρₖ = dₘ²/dₖ² ∈ (0, 1]:
//        pₖ = ρₖ / (1 + Σ_{j≠m} ρⱼ),
//    which is exact (one-hot) when dₘ = 0 and has no 0·∞ anywhere.
// 2. dₖ² = ‖z‖² − 2zₖ + 1 cancels catastrophically near eₖ. Each dₖ² is instead the direct
//    sum Σ_{j≠k} zⱼ² + (zₖ − 1)² of positive terms, all k at once by prefix and suffix sums
//    (O(k)); zₖ − 1 is exact near zₖ = 1 (Sterbenz).
// 3. Squares overflow for |z| ≳ 1e154 and underflow near eₘ. z is scaled by an exact power
//    of two 2⁻ᴱ (E the binary exponent of max |zⱼ| when that exceeds 2⁴⁸⁰, else 0), and the
//    one distance that can be small (at most one dₖ is below 1/√2, since ‖eᵢ − eⱼ‖ = √2)
//    is recomputed with its own power-of-two scale. So dₖ² = qₖ·4^{eₖ} with qₖ of order 1,
//    and ratios are formed as (qₘ/qₖ)·4^{eₘ−eₖ} by an exact exponent shift.

/// Multiplies by 2ᵖ exactly (barring overflow and subnormal results), for any p.
@inline(__always)
func timesPowerOfTwo(_ x: Double, _ p: Int) -> Double {
    Double(sign: .plus, exponent: p, significand: x)
}

/// The state of one softRmax evaluation: scaled squared distances, the nearest centre and
/// the ratio sums from which posteriors, log-posteriors and derivatives are read.
///
/// Invariants after ``evaluate(_:)`` in the `.regular` state: dₖ² = q[k]·4^{e(k)} where
/// e(k) = `scale` for k ≠ m and e(m) = `nearestScale`; ũ = z·2^{−scale}; `nearest` holds
/// (z − eₘ)·2^{−nearestScale}.
struct SoftRmaxEvaluation {
    enum State {
        /// Finite z with dₖ > 0 for all k.
        case regular
        /// z = eₘ exactly: the posterior is one-hot at m.
        case exactHit
        /// Some |zⱼ| = ∞ (and no NaN): the tail limit, every posterior 1/k.
        case tailLimit
        /// Some zⱼ is NaN.
        case undefined
    }

    let k: Int
    var state = State.regular
    var m = 0
    var scale = 0
    var nearestScale = 0
    var q: [Double]
    var u: [Double]
    var nearest: [Double]
    /// ρₖ = dₘ²/dₖ².
    var rho: [Double]
    /// Σ_{k≠m} ρₖ, so that the normaliser is S = 1 + tail.
    var tail = 0.0
    /// T̂ = Σ_{k≠m} 1/qₖ.
    var inverseSum = 0.0

    init(classes k: Int) {
        self.k = k
        q = [Double](repeating: 0, count: k)
        u = q
        nearest = q
        rho = q
    }

    /// 2^{−scale}: the scaled image of the 1 in eₖ.
    var shift: Double { timesPowerOfTwo(1, -scale) }
    var normaliser: Double { 1 + tail }

    mutating func evaluate(_ z: UnsafeBufferPointer<Double>) {
        precondition(z.count == k)
        guard k > 0 else { state = .regular; return }
        var maxAbs = 0.0
        var sawInfinity = false
        for v in z {
            if v.isNaN { state = .undefined; return }
            if v.isInfinite { sawInfinity = true } else { maxAbs = max(maxAbs, abs(v)) }
        }
        if sawInfinity { state = .tailLimit; return }
        state = .regular
        // Below 2⁴⁸⁰ no scaling is needed: (|z|+1)² ≤ 2⁹⁶² and k such terms cannot overflow.
        scale = maxAbs > 0x1p480 ? Int(maxAbs.exponent) : 0
        let s = shift
        let down = timesPowerOfTwo(1, -scale)
        // q[j] ← Σ_{i<j} ũᵢ² (prefix), then add the suffix and the shifted own term.
        var acc = 0.0
        for j in 0..<k {
            let uj = z[j] * down
            u[j] = uj
            q[j] = acc
            acc += uj * uj
        }
        acc = 0
        for j in stride(from: k - 1, through: 0, by: -1) {
            let uj = u[j]
            let t = uj - s
            q[j] += acc + t * t
            acc += uj * uj
        }
        m = 0
        for j in 1..<max(1, k) where q[j] < q[m] { m = j }
        nearestScale = scale
        if scale == 0 && q[m] < 0.5 {
            // Recompute dₘ² with its own scale, so that it neither underflows nor loses the
            // tiny off-centre components to the absorbing +1.
            var a = 0.0
            for j in 0..<k { a = max(a, abs(j == m ? z[j] - 1 : z[j])) }
            if a == 0 { state = .exactHit; return }
            nearestScale = Int(a.exponent)
            var sum = 0.0
            for j in 0..<k {
                let r = timesPowerOfTwo(j == m ? z[j] - 1 : z[j], -nearestScale)
                nearest[j] = r
                sum += r * r
            }
            q[m] = sum
        } else {
            for j in 0..<k { nearest[j] = j == m ? u[j] - s : u[j] }
        }
        tail = 0
        inverseSum = 0
        let exponentGap = 2 * (nearestScale - scale)
        for j in 0..<k {
            if j == m { rho[j] = 1; continue }
            let r = timesPowerOfTwo(q[m] / q[j], exponentGap)
            rho[j] = r
            tail += r
            inverseSum += 1 / q[j]
        }
    }

    /// pᵢ.
    func posterior(_ i: Int) -> Double {
        switch state {
        case .regular: return rho[i] / normaliser
        case .exactHit: return i == m ? 1 : 0
        case .tailLimit: return 1 / Double(k)
        case .undefined: return .nan
        }
    }

    /// log pᵢ = log ρᵢ − log1p(Σ_{j≠m} ρⱼ), with log ρᵢ = log(qₘ/qᵢ) + 2(eₘ − eᵢ)·ln 2 so
    /// that it stays finite where ρᵢ underflows.
    func logPosterior(_ i: Int) -> Double {
        switch state {
        case .regular:
            let logS = log1p(tail)
            if i == m { return -logS }
            return log(q[m] / q[i]) + Double(2 * (nearestScale - scale)) * M_LN2 - logS
        case .exactHit: return i == m ? 0 : -.infinity
        case .tailLimit: return -log(Double(k))
        case .undefined: return .nan
        }
    }

    /// r̃ₖⱼ = (zⱼ − δₖⱼ)·2^{−e(k)}.
    @inline(__always)
    func scaledResidual(_ kk: Int, _ j: Int) -> Double {
        kk == m ? nearest[j] : (j == kk ? u[j] - shift : u[j])
    }

    /// cₖ = ρₖ/(S qₖ) for k ≠ m, so that pₖ vₖ = cₖ r̃ₖ 2^{−E} with vₖ = (z − eₖ)/dₖ².
    @inline(__always)
    func coefficient(_ kk: Int) -> Double { rho[kk] / (normaliser * q[kk]) }

    /// Aⱼ⁽ⁱ⁾ = Σ_{k∉{i,m}} cₖ r̃ₖⱼ, for all j, with the k = j term kept apart so that
    /// zⱼ − 1 is never formed as a difference of large products.
    private func partialSums(excluding i: Int, total: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let ci = i == m ? 0 : coefficient(i)
        for j in 0..<k {
            if j == i || j == m {
                out[j] = u[j] * (total - ci)
            } else {
                let cj = coefficient(j)
                out[j] = u[j] * max(0, total - ci - cj) + cj * (u[j] - shift)
            }
        }
    }

    private var coefficientTotal: Double {
        var c = 0.0
        for j in 0..<k where j != m { c += coefficient(j) }
        return c
    }

    /// ∇_z log p_y, written into `out` (k entries).
    ///
    /// ∇ log p_y = 2 Σ_{k≠y} pₖ (vₖ − v_y) with vₖ = (z − eₖ)/‖z − eₖ‖²; each product is
    /// formed from the scaled pieces so that nothing overflows near e_m or for huge z.
    /// - Complexity: O(k).
    func logPosteriorGradient(_ y: Int, into out: UnsafeMutableBufferPointer<Double>) {
        switch state {
        case .regular: break
        case .exactHit:
            // At z = eₘ, pₘ = 1 − O(dₘ²) has a stationary point; log p_y for y ≠ m is −∞ there
            // and its gradient (of size 2/dₘ nearby) is undefined.
            for j in 0..<k { out[j] = y == m ? 0 : .nan }
            return
        case .tailLimit:
            // The gradient decays like 1/‖z‖.
            for j in 0..<k { out[j] = 0 }
            return
        case .undefined:
            for j in 0..<k { out[j] = .nan }
            return
        }
        let total = coefficientTotal
        partialSums(excluding: y, total: total, into: out)
        let down = timesPowerOfTwo(1, -scale)
        let S = normaliser
        if y == m {
            // −(1 − pₘ) vₘ = −(T̂/S) r̃ₘ 2^{eₘ − 2E}
            let factor = inverseSum / S
            for j in 0..<k {
                out[j] = 2 * (out[j] * down - timesPowerOfTwo(factor * nearest[j], nearestScale - 2 * scale))
            }
        } else {
            let py = posterior(y)
            let oneMinus = 1 - py  // p_y ≤ 1/2 for y ≠ m: no cancellation
            for j in 0..<k {
                let nearTerm = timesPowerOfTwo(nearest[j] / (S * q[m]), -nearestScale)
                let own = oneMinus * scaledResidual(y, j) / q[y]
                out[j] = 2 * ((out[j] - own) * down + nearTerm)
            }
        }
    }

    /// The Jacobian ∂pᵢ/∂zⱼ, row-major into `out` (k × k entries).
    ///
    /// Row i is pᵢ ∇ log pᵢ; the product pᵢ·pₘvₘ (large vₘ, tiny pᵢ near eₘ) is formed as
    /// r̃ₘ/(S² qᵢ)·2^{eₘ−2E} so that it cannot overflow.
    /// - Complexity: O(k²).
    func jacobian(into out: UnsafeMutableBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>) {
        switch state {
        case .regular: break
        case .exactHit, .tailLimit:
            for j in 0..<(k * k) { out[j] = 0 }
            return
        case .undefined:
            for j in 0..<(k * k) { out[j] = .nan }
            return
        }
        let total = coefficientTotal
        let down = timesPowerOfTwo(1, -scale)
        let S = normaliser
        for i in 0..<k {
            partialSums(excluding: i, total: total, into: scratch)
            let pi = posterior(i)
            if i == m {
                let factor = inverseSum / (S * S)
                for j in 0..<k {
                    out[i * k + j] = 2 * (pi * scratch[j] * down
                        - timesPowerOfTwo(factor * nearest[j], nearestScale - 2 * scale))
                }
            } else {
                let own = pi * (1 - pi) / q[i]
                for j in 0..<k {
                    let nearTerm = timesPowerOfTwo(nearest[j] / (S * S * q[i]), nearestScale - 2 * scale)
                    out[i * k + j] = 2 * ((pi * scratch[j] - own * scaledResidual(i, j)) * down + nearTerm)
                }
            }
        }
    }
}

// MARK: - Public API

/// The softRmax activation (Wang & Loog 2022, Eq. 12): pᵢ = ‖z − eᵢ‖⁻² / Σₖ ‖z − eₖ‖⁻²,
/// with eᵢ the i-th standard basis vector of ℝᵏ.
///
/// Computed as pᵢ = ρᵢ / Σₖ ρₖ with ρₖ = dₘ²/dₖ² (dₘ the smallest distance), so it is exact
/// at z = eᵢ (one-hot), returns 1/k at z = 0 and does not overflow for |zⱼ| up to the
/// largest finite double. An infinite component gives the tail limit 1/k for every class;
/// a NaN gives NaN.
/// - Parameter z: the logits (k ≥ 1 entries).
/// - Returns: the k posteriors, summing to one.
/// - Complexity: O(k).
public func softRmax(_ z: [Double]) -> [Double] {
    var evaluation = SoftRmaxEvaluation(classes: z.count)
    z.withUnsafeBufferPointer { evaluation.evaluate($0) }
    return (0..<z.count).map(evaluation.posterior)
}

/// log ζᵢᶜ(z), the logarithm of softRmax (Eq. 12), finite wherever pᵢ > 0 mathematically
/// (it does not underflow with pᵢ): log pᵢ = log(dₘ²/dᵢ²) − log(1 + Σ_{k≠m} dₘ²/dₖ²).
/// - Parameter z: the logits.
/// - Returns: the k log-posteriors (−∞ off the hit class when z = eᵢ exactly).
/// - Complexity: O(k).
public func logSoftRmax(_ z: [Double]) -> [Double] {
    var evaluation = SoftRmaxEvaluation(classes: z.count)
    z.withUnsafeBufferPointer { evaluation.evaluate($0) }
    return (0..<z.count).map(evaluation.logPosterior)
}

/// The Jacobian J = ∂ζᶜ/∂z of softRmax (Eq. 12), a k × k matrix with Jᵢⱼ = ∂pᵢ/∂zⱼ:
///
///     Jᵢ· = 2 pᵢ Σₖ pₖ (vₖ − vᵢ),   vₖ = (z − eₖ) / ‖z − eₖ‖².
///
/// Zero at z = eᵢ (pᵢ has a maximum there) and in the tail limit.
/// - Complexity: O(k²).
public func softRmaxJacobian(_ z: [Double]) -> Matrix {
    let k = z.count
    var evaluation = SoftRmaxEvaluation(classes: k)
    z.withUnsafeBufferPointer { evaluation.evaluate($0) }
    var out = [Double](repeating: 0, count: k * k)
    var scratch = [Double](repeating: 0, count: k)
    out.withUnsafeMutableBufferPointer { o in
        scratch.withUnsafeMutableBufferPointer { evaluation.jacobian(into: o, scratch: $0) }
    }
    return Matrix(uncheckedRows: k, columns: k, elements: out)
}

/// The vector–Jacobian product gᵀJ of softRmax (Eq. 12): (gᵀJ)ⱼ = Σᵢ gᵢ ∂pᵢ/∂zⱼ.
/// - Parameters:
///   - z: the logits (k entries).
///   - upstream: g, the gradient of a scalar with respect to the posteriors (k entries).
/// - Returns: the gradient of that scalar with respect to z.
/// - Throws: `.dimensionMismatch` when the lengths differ.
/// - Complexity: O(k²).
public func softRmaxVJP(_ z: [Double], _ upstream: [Double]) throws(PolytailError) -> [Double] {
    guard upstream.count == z.count else {
        throw .dimensionMismatch(what: "softRmax upstream gradient", expected: z.count, got: upstream.count)
    }
    let jacobian = softRmaxJacobian(z)
    let k = z.count
    var out = [Double](repeating: 0, count: k)
    for i in 0..<k where upstream[i] != 0 {
        for j in 0..<k { out[j] += upstream[i] * jacobian.elements[i * k + j] }
    }
    return out
}

/// ∇_z log ζ_yᶜ(z), the gradient of the log-posterior of class `label` under softRmax
/// (Eq. 12): 2 Σ_{k≠y} pₖ (vₖ − v_y) with vₖ = (z − eₖ)/‖z − eₖ‖². The negative of this
/// is the gradient of the negative log-likelihood with respect to the logits. At z = eₘ
/// exactly it is 0 for y = m and NaN (undefined: log p_y = −∞) for y ≠ m; with an infinite
/// logit it is 0 (the tail limit).
/// - Throws: `.unknownLabel` when `label` is not in 0..<k.
/// - Complexity: O(k).
public func logSoftRmaxGradient(_ z: [Double], label: Int) throws(PolytailError) -> [Double] {
    guard (0..<z.count).contains(label) else {
        throw .unknownLabel("\(label) (classes are 0..<\(z.count))")
    }
    var evaluation = SoftRmaxEvaluation(classes: z.count)
    z.withUnsafeBufferPointer { evaluation.evaluate($0) }
    var out = [Double](repeating: 0, count: z.count)
    out.withUnsafeMutableBufferPointer { evaluation.logPosteriorGradient(label, into: $0) }
    return out
}

/// softRmax (Eq. 12) of every row of an n × k matrix of logits.
/// - Returns: the n × k posteriors; each row sums to one.
/// - Complexity: O(n k), split over cores for large n.
public func softRmax(_ z: Matrix) -> Matrix {
    OutputLayer.softRmax.apply(z, logarithm: false)
}

/// log softRmax (Eq. 12) of every row of an n × k matrix of logits.
/// - Complexity: O(n k).
public func logSoftRmax(_ z: Matrix) -> Matrix {
    OutputLayer.softRmax.apply(z, logarithm: true)
}
