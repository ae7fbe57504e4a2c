import Foundation

// Hot loop (documented raw-pointer use): the batch passes below (posteriors of n rows, the
// negative log-likelihood and its gradient) hand row slices of one n × k buffer to the
// per-row softmax/softRmax evaluations, split over the cores; the array overloads are the
// entry points for everything else.

/// The activation that maps logits z ∈ ℝᵏ to class posteriors.
public enum OutputLayer: String, Sendable, Codable, CaseIterable {
    /// ζˢ(z)ᵢ = e^{zᵢ} / Σₖ e^{zₖ} (Wang & Loog 2022, Eq. 8/11): exponential, saturates to a
    /// one-hot vector far from the data.
    case softmax
    /// ζᶜ(z)ᵢ = ‖z − eᵢ‖⁻² / Σₖ ‖z − eₖ‖⁻² (Eq. 12/13): polynomial, tends to 1/k far from
    /// the data (conservative).
    case softRmax

    /// Posteriors (or log-posteriors) of every row of an n × k matrix of logits.
    /// - Complexity: O(n k), split over cores for large n.
    func apply(_ z: Matrix, logarithm: Bool) -> Matrix {
        let n = z.rows, k = z.columns
        var out = [Double](repeating: 0, count: n * k)
        z.elements.withUnsafeBufferPointer { zp in
            out.withUnsafeMutableBufferPointer { op in
                let shared = UncheckedSendable(value: (zp, op))
                OutputLayer.forEachChunk(rows: n, work: k) { range in
                    let (zp, op) = shared.value
                    switch self {
                    case .softRmax:
                        var evaluation = SoftRmaxEvaluation(classes: k)
                        for r in range {
                            evaluation.evaluate(UnsafeBufferPointer(rebasing: zp[(r * k)..<(r * k + k)]))
                            for i in 0..<k {
                                op[r * k + i] = logarithm ? evaluation.logPosterior(i) : evaluation.posterior(i)
                            }
                        }
                    case .softmax:
                        var evaluation = SoftmaxEvaluation(classes: k)
                        for r in range {
                            let row = UnsafeBufferPointer(rebasing: zp[(r * k)..<(r * k + k)])
                            evaluation.evaluate(row)
                            for i in 0..<k {
                                op[r * k + i] = logarithm ? evaluation.logPosterior(i, row) : evaluation.posterior(i, row)
                            }
                        }
                    }
                }
            }
        }
        return Matrix(uncheckedRows: n, columns: k, elements: out)
    }

    /// Σᵢ −log p_{yᵢ}(zᵢ) over the given rows of an n × k logit buffer and, when `gradient`
    /// is given, G with Gᵢ = scale · ∇_{zᵢ}(−log p_{yᵢ}) written into the same rows.
    /// - Complexity: O(n k).
    func negativeLogLikelihood(
        logits z: UnsafeBufferPointer<Double>, classes k: Int, labels: UnsafeBufferPointer<Int>,
        gradient: UnsafeMutableBufferPointer<Double>?, scale: Double
    ) -> Double {
        let n = labels.count
        let shared = UncheckedSendable(value: (z, labels, gradient))
        let chunks = Parallel.chunkCount(n * k, threshold: 200_000)
        let partial = Parallel.map(chunks, placeholder: 0.0) { c in
            let (z, labels, gradient) = shared.value
            let range = (n * c / chunks)..<(n * (c + 1) / chunks)
            var sum = 0.0
            switch self {
            case .softRmax:
                var evaluation = SoftRmaxEvaluation(classes: k)
                for r in range {
                    evaluation.evaluate(UnsafeBufferPointer(rebasing: z[(r * k)..<(r * k + k)]))
                    let y = labels[r]
                    sum -= evaluation.logPosterior(y)
                    if let gradient {
                        let g = UnsafeMutableBufferPointer(rebasing: gradient[(r * k)..<(r * k + k)])
                        evaluation.logPosteriorGradient(y, into: g)
                        for j in 0..<k { g[j] *= -scale }
                    }
                }
            case .softmax:
                var evaluation = SoftmaxEvaluation(classes: k)
                for r in range {
                    let row = UnsafeBufferPointer(rebasing: z[(r * k)..<(r * k + k)])
                    evaluation.evaluate(row)
                    let y = labels[r]
                    sum -= evaluation.logPosterior(y, row)
                    if let gradient {
                        let g = UnsafeMutableBufferPointer(rebasing: gradient[(r * k)..<(r * k + k)])
                        evaluation.logPosteriorGradient(y, row, into: g)
                        for j in 0..<k { g[j] *= -scale }
                    }
                }
            }
            return sum
        }
        return partial.reduce(0, +)
    }

    /// Σᵢ −log p_{yᵢ}(zᵢ) of an n × k logit array, and G (Gᵢ = scale · ∇_{zᵢ}(−log p_{yᵢ}))
    /// into `gradient` (n × k).
    func negativeLogLikelihood(logits z: [Double], classes k: Int, labels: [Int],
                               gradient: inout [Double], scale: Double) -> Double {
        z.withUnsafeBufferPointer { zp in
            labels.withUnsafeBufferPointer { lp in
                gradient.withUnsafeMutableBufferPointer { gp in
                    negativeLogLikelihood(logits: zp, classes: k, labels: lp, gradient: gp, scale: scale)
                }
            }
        }
    }

    /// Σᵢ −log p_{yᵢ}(zᵢ) of an n × k logit array.
    func negativeLogLikelihood(logits z: [Double], classes k: Int, labels: [Int]) -> Double {
        z.withUnsafeBufferPointer { zp in
            labels.withUnsafeBufferPointer { lp in
                negativeLogLikelihood(logits: zp, classes: k, labels: lp, gradient: nil, scale: 1)
            }
        }
    }

    /// ∂pᵢ/∂z (the Jacobian) at one logit vector.
    func jacobian(_ z: [Double]) -> Matrix {
        switch self {
        case .softmax: return softmaxJacobian(z)
        case .softRmax: return softRmaxJacobian(z)
        }
    }

    /// Runs `body` over contiguous row ranges, concurrently when the work is large.
    static func forEachChunk(rows n: Int, work perRow: Int, _ body: (Range<Int>) -> Void) {
        let chunks = Parallel.chunkCount(n * max(1, perRow), threshold: 200_000)
        _ = Parallel.map(chunks, placeholder: ()) { c in
            body((n * c / chunks)..<(n * (c + 1) / chunks))
        }
    }
}

extension OutputLayer {
    /// Posteriors (or log-posteriors) of a classifier whose logits are computed by `logits`,
    /// finite for every finite input row.
    ///
    /// Far from the data a ReLU network (or a linear model) is linear along each ray, so its
    /// logits grow like ‖x‖; at ‖x‖ ≈ 10³⁰⁸ they, or a hidden layer, overflow and a sum of
    /// +∞ and −∞ turns them into NaN. Such a row is evaluated at x·2⁻ˢ for the smallest
    /// s = 16, 32, … whose logits are all finite: there they are still of order 10²⁸⁰ or more,
    /// where both output layers have reached their limit along the ray to double precision
    /// (softmax one-hot, or shared among tied classes; softRmax 1/k plus terms below 10⁻²⁸⁰),
    /// so the posterior at x·2⁻ˢ is the posterior at x. Rows with a NaN or infinite input keep
    /// whatever the logits give (NaN in, NaN out).
    ///
    /// - Parameters:
    ///   - x: n × d inputs.
    ///   - logarithm: return log-posteriors instead.
    ///   - logits: the classifier's logit map.
    /// - Returns: n × k posteriors; every row of a finite input is finite and sums to one.
    /// - Throws: what `logits` throws (a dimension mismatch).
    func posteriors(
        of x: Matrix, logarithm: Bool, logits: (Matrix) throws(PolytailError) -> Matrix
    ) throws(PolytailError) -> Matrix {
        var z = try logits(x)
        let n = x.rows, d = x.columns, k = z.columns
        func finite(_ m: Matrix, _ r: Int, _ width: Int) -> Bool {
            (0..<width).allSatisfy { m.elements[r * width + $0].isFinite }
        }
        var pending = (0..<n).filter { !finite(z, $0, k) && finite(x, $0, d) }
        var shift = 0
        // 2⁻¹¹⁰⁰ takes every double to zero, where the logits are the (finite) biases.
        while !pending.isEmpty, shift < 1100 {
            shift += 16
            let factor = Double(sign: .plus, exponent: -shift, significand: 1)
            var e = [Double](repeating: 0, count: pending.count * d)
            for (i, r) in pending.enumerated() { for j in 0..<d { e[i * d + j] = x.elements[r * d + j] * factor } }
            let scaled = try logits(Matrix(uncheckedRows: pending.count, columns: d, elements: e))
            var still: [Int] = []
            for (i, r) in pending.enumerated() {
                if finite(scaled, i, k) {
                    for c in 0..<k { z.elements[r * k + c] = scaled.elements[i * k + c] }
                } else {
                    still.append(r)
                }
            }
            pending = still
        }
        return apply(z, logarithm: logarithm)
    }
}
