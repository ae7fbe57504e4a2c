import Foundation

// The forward and backward passes of a dense ReLU network, on CBLAS dgemm.
//
// Layer l maps a_l (n × s_l) to a_{l+1} = relu(a_l W_l + 1 b_lᵀ) (the last layer has no
// ReLU: its output is the logit matrix Z, n × k). W_l is stored s_l × s_{l+1}, row-major,
// so every product below is one dgemm on contiguous row-major buffers:
//
//     forward:   a_{l+1} = a_l W_l                      (n × s_l)·(s_l × s_{l+1})
//     backward:  ∂W_l    = a_lᵀ δ_{l+1}                 (s_l × n)·(n × s_{l+1})
//                ∂b_l    = 1ᵀ δ_{l+1}                  (column sums)
//                δ_l     = (δ_{l+1} W_lᵀ) ⊙ [a_l > 0]   (n × s_{l+1})·(s_{l+1} × s_l)
//
// with δ_L = ∂J/∂Z supplied by the output layer (or by an attack objective). The ReLU
// derivative at 0 is taken as 0, so the mask can be read from the post-activation.
// Only the bias addition, the mask and the column sums are Swift loops: O(n s) work
// beside the O(n s s') of the products.

/// The weights and biases of a dense network as flat row-major arrays.
struct NetworkParameters: Equatable, Sendable {
    /// Layer widths s_0 (input), s_1 … s_{L−1} (hidden), s_L = k (logits).
    let sizes: [Int]
    /// W_l, s_l × s_{l+1} row-major.
    var weights: [[Double]]
    /// b_l, s_{l+1} entries.
    var biases: [[Double]]

    var layerCount: Int { sizes.count - 1 }

    /// All zeros, shaped like a network of the given widths.
    init(zerosFor sizes: [Int]) {
        self.sizes = sizes
        weights = (0..<(sizes.count - 1)).map { [Double](repeating: 0, count: sizes[$0] * sizes[$0 + 1]) }
        biases = (0..<(sizes.count - 1)).map { [Double](repeating: 0, count: sizes[$0 + 1]) }
    }

    init(sizes: [Int], weights: [[Double]], biases: [[Double]]) {
        self.sizes = sizes
        self.weights = weights
        self.biases = biases
    }
}

/// Scratch buffers for one pass over at most `capacity` rows: activations a_0 … a_L and
/// deltas δ_0 … δ_L. Owned by one pass at a time (never shared between threads).
final class NetworkWorkspace {
    let sizes: [Int]
    let capacity: Int
    let activations: [UnsafeMutablePointer<Double>]
    let deltas: [UnsafeMutablePointer<Double>]

    init(sizes: [Int], capacity: Int) {
        self.sizes = sizes
        self.capacity = max(1, capacity)
        func buffer(_ width: Int) -> UnsafeMutablePointer<Double> {
            let count = max(1, width * max(1, capacity))
            let p = UnsafeMutablePointer<Double>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        activations = sizes.map(buffer)
        deltas = sizes.map(buffer)
    }

    deinit {
        for p in activations { p.deallocate() }
        for p in deltas { p.deallocate() }
    }

    /// The input rows a_0.
    var input: UnsafeMutablePointer<Double> { activations[0] }
    /// The logits a_L.
    var logits: UnsafeMutablePointer<Double> { activations[sizes.count - 1] }
    /// ∂J/∂Z, to be filled before ``NetworkParameters/backward(_:rows:gradients:input:)``.
    var logitDeltas: UnsafeMutablePointer<Double> { deltas[sizes.count - 1] }
}

extension NetworkParameters {
    /// Fills a_1 … a_L from the first `n` input rows in `workspace.input`.
    /// - Complexity: O(n Σ s_l s_{l+1}) in dgemm.
    func forward(_ workspace: NetworkWorkspace, rows n: Int) {
        precondition(n <= workspace.capacity && workspace.sizes == sizes)
        guard n > 0 else { return }
        for l in 0..<layerCount {
            let fanIn = sizes[l], fanOut = sizes[l + 1]
            let a = workspace.activations[l], out = workspace.activations[l + 1]
            weights[l].withUnsafeBufferPointer { w in
                Blas.gemm(UnsafePointer(a), w.baseAddress!, into: out, m: n, n: fanOut, k: fanIn)
            }
            let hidden = l + 1 < layerCount
            biases[l].withUnsafeBufferPointer { b in
                for r in 0..<n {
                    let row = out + r * fanOut
                    if hidden {
                        // v < 0 rather than v > 0 so that a NaN passes through.
                        for j in 0..<fanOut { let v = row[j] + b[j]; row[j] = v < 0 ? 0 : v }
                    } else {
                        for j in 0..<fanOut { row[j] += b[j] }
                    }
                }
            }
        }
    }

    /// Back-propagates δ_L = `workspace.logitDeltas` (first `n` rows) after ``forward``.
    /// - Parameters:
    ///   - gradients: receives ∂J/∂W_l and ∂J/∂b_l (overwritten) when not nil.
    ///   - input: when true, δ_0 = ∂J/∂a_0 (the input gradient) is left in `workspace.deltas[0]`.
    /// - Complexity: O(n Σ s_l s_{l+1}) in dgemm.
    func backward(_ workspace: NetworkWorkspace, rows n: Int, gradients: inout NetworkParameters?, input: Bool) {
        precondition(n <= workspace.capacity && workspace.sizes == sizes)
        for l in stride(from: layerCount - 1, through: 0, by: -1) {
            let fanIn = sizes[l], fanOut = sizes[l + 1]
            let a = UnsafePointer(workspace.activations[l])
            let delta = UnsafePointer(workspace.deltas[l + 1])
            if gradients != nil {
                gradients!.weights[l].withUnsafeMutableBufferPointer { g in
                    Blas.gemm(a, transposeA: true, delta, into: g.baseAddress!, m: fanIn, n: fanOut, k: n)
                }
                gradients!.biases[l].withUnsafeMutableBufferPointer { g in
                    for j in 0..<fanOut { g[j] = 0 }
                    for r in 0..<n { Blas.axpy(1, delta + r * fanOut, g.baseAddress!, count: fanOut) }
                }
            }
            guard l > 0 || input else { continue }
            let previous = workspace.deltas[l]
            weights[l].withUnsafeBufferPointer { w in
                Blas.gemm(delta, w.baseAddress!, transposeB: true, into: previous, m: n, n: fanIn, k: fanOut)
            }
            if l > 0 {
                for i in 0..<(n * fanIn) where a[i] <= 0 { previous[i] = 0 }
            }
        }
    }
}
