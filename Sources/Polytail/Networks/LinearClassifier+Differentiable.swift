// Hot loop (documented raw-pointer use): the logits' per-row derivatives go through the
// output layer's pointer kernels (DifferentiableClassifier.swift, OutputLayer.swift) on the
// n × k logits, as a network's do; the attacks call them once per step.

/// The linear classifier z = x W + b is the zero-hidden-layer network: it takes part in every
/// attack and margin metric through ``DifferentiableClassifier``. With the logits'
/// derivative G (n × k) of any ``GradientTarget``, ∇ₓ J = G Wᵀ, one `dgemm`.
extension LinearClassifier: DifferentiableClassifier {
    /// d, the number of features.
    public var inputDimension: Int { dimension }

    /// The per-row values of `target` (see ``GradientTarget``).
    /// - Throws: `.dimensionMismatch` / `.unknownLabel` for bad shapes or labels.
    public func objective(_ target: Polytail.GradientTarget, at x: Matrix) throws(PolytailError) -> [Double] {
        try target.validate(rows: x.rows, classes: classCount)
        let z = try logits(x)
        guard x.rows > 0 else { return [] }
        var deltas = [Double](repeating: 0, count: x.rows * classCount)
        return z.elements.withUnsafeBufferPointer { zp in
            deltas.withUnsafeMutableBufferPointer { dp in
                target.evaluate(logits: zp.baseAddress!, rows: x.rows, classes: classCount, output: output, deltas: dp.baseAddress!)
            }
        }
    }

    /// Row r is ∇ₓ of `target` for sample r alone: G Wᵀ with G the derivative in the logits.
    /// - Throws: `.dimensionMismatch` / `.unknownLabel` for bad shapes or labels.
    /// - Complexity: O(n d k).
    public func inputGradients(of target: Polytail.GradientTarget, at x: Matrix) throws(PolytailError) -> Matrix {
        try target.validate(rows: x.rows, classes: classCount)
        let z = try logits(x)
        let n = x.rows, k = classCount, d = dimension
        guard n > 0 else { return Matrix(uncheckedRows: 0, columns: d, elements: []) }
        var deltas = [Double](repeating: 0, count: n * k)
        z.elements.withUnsafeBufferPointer { zp in
            deltas.withUnsafeMutableBufferPointer { dp in
                _ = target.evaluate(logits: zp.baseAddress!, rows: n, classes: k, output: output, deltas: dp.baseAddress!, values: false)
            }
        }
        var out = [Double](repeating: 0, count: n * d)
        Blas.gemm(deltas, rows: n, columns: k, weights.elements, rows: d, columns: k, transposeB: true, into: &out)
        return Matrix(uncheckedRows: n, columns: d, elements: out)
    }
}
