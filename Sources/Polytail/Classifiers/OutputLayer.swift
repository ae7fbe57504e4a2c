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
