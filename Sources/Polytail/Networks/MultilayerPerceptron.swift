import Foundation

/// A dense ReLU network with a softmax or softRmax output (Wang & Loog 2022, §3.1.2 and
/// §4.2): z = W_Lᵀ relu(… relu(W_1ᵀ x + b_1) …) + b_L ∈ ℝᵏ and p = ζ(z), ζ = ``OutputLayer``.
///
/// With no hidden layer it is the linear classifier z = Wᵀx + b of Eq. 8 (softmax) and
/// Eq. 13 (softRmax). Weights are stored fan-in × fan-out, so a batch X (n × d) maps to
/// X W_1 + 1 b_1ᵀ in one dgemm.
public struct MultilayerPerceptron: DifferentiableClassifier, Equatable, Codable, Sendable {
    /// The output layer ζ.
    public let output: OutputLayer
    /// W_l, s_l × s_{l+1}, for l = 1 … L (the last maps to the k logits).
    public let weights: [Matrix]
    /// b_l, s_{l+1} entries each.
    public let biases: [[Double]]

    /// The widths d, h_1, …, h_{L−1}, k.
    public var layerSizes: [Int] { [weights[0].rows] + weights.map(\.columns) }
    public var inputDimension: Int { weights[0].rows }
    public var classes: Int { weights[weights.count - 1].columns }

    /// A network from its weights and biases.
    /// - Throws: `.invalidParameter` with no layer or a layer of width 0;
    ///   `.dimensionMismatch` when consecutive shapes or bias lengths disagree;
    ///   `.nonFiniteValue` for a NaN or infinite parameter (row = layer index);
    ///   `.tooFewClasses` with fewer than two outputs.
    public init(weights: [Matrix], biases: [[Double]], output: OutputLayer) throws(PolytailError) {
        guard !weights.isEmpty else {
            throw .invalidParameter(name: "layers", value: 0, requirement: "at least one weight matrix")
        }
        guard biases.count == weights.count else {
            throw .dimensionMismatch(what: "bias vectors", expected: weights.count, got: biases.count)
        }
        for l in weights.indices {
            guard weights[l].rows > 0, weights[l].columns > 0 else {
                throw .invalidParameter(name: "layer \(l) width", value: 0, requirement: "must be positive")
            }
            if l > 0, weights[l].rows != weights[l - 1].columns {
                throw .dimensionMismatch(what: "layer \(l) fan-in", expected: weights[l - 1].columns, got: weights[l].rows)
            }
            guard biases[l].count == weights[l].columns else {
                throw .dimensionMismatch(what: "layer \(l) bias", expected: weights[l].columns, got: biases[l].count)
            }
            if let j = weights[l].elements.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteValue(row: l, column: j)
            }
            if let j = biases[l].firstIndex(where: { !$0.isFinite }) { throw .nonFiniteValue(row: l, column: j) }
        }
        guard weights[weights.count - 1].columns >= 2 else {
            throw .tooFewClasses(needed: 2, got: weights[weights.count - 1].columns)
        }
        self.weights = weights
        self.biases = biases
        self.output = output
    }

    init(parameters p: NetworkParameters, output: OutputLayer) {
        weights = (0..<p.layerCount).map {
            Matrix(uncheckedRows: p.sizes[$0], columns: p.sizes[$0 + 1], elements: p.weights[$0])
        }
        biases = p.biases
        self.output = output
    }

    var parameters: NetworkParameters {
        NetworkParameters(sizes: layerSizes, weights: weights.map(\.elements), biases: biases)
    }

    /// He (Kaiming) initialisation: W_l entries N(0, 2/s_l) from a seeded `PolytailRandom`,
    /// biases 0 — the variance that keeps ReLU activations of order one.
    /// - Parameters:
    ///   - layerSizes: d, h_1, …, k (at least two entries, all positive, k ≥ 2).
    ///   - output: the output layer, softmax or softRmax.
    ///   - seed: the generator seed; equal seeds give bit-identical networks.
    /// - Throws: `.invalidParameter` for fewer than two widths or a non-positive width,
    ///   `.tooFewClasses` when k < 2.
    public static func heInitialised(layerSizes: [Int], output: OutputLayer, seed: UInt64) throws(PolytailError) -> MultilayerPerceptron {
        var random = PolytailRandom(seed: seed)
        return try heInitialised(layerSizes: layerSizes, output: output, using: &random)
    }

    static func heInitialised(layerSizes: [Int], output: OutputLayer, using random: inout PolytailRandom) throws(PolytailError) -> MultilayerPerceptron {
        guard layerSizes.count >= 2 else {
            throw .invalidParameter(name: "layerSizes.count", value: Double(layerSizes.count), requirement: "at least input and output widths")
        }
        for (l, s) in layerSizes.enumerated() where s <= 0 {
            throw .invalidParameter(name: "layerSizes[\(l)]", value: Double(s), requirement: "must be positive")
        }
        guard layerSizes[layerSizes.count - 1] >= 2 else {
            throw .tooFewClasses(needed: 2, got: layerSizes[layerSizes.count - 1])
        }
        var p = NetworkParameters(zerosFor: layerSizes)
        for l in 0..<p.layerCount {
            let sd = (2 / Double(layerSizes[l])).squareRoot()
            for i in p.weights[l].indices { p.weights[l][i] = sd * random.standardNormal() }
        }
        return MultilayerPerceptron(parameters: p, output: output)
    }

    func checkInput(_ x: Matrix) throws(PolytailError) {
        guard x.columns == inputDimension else {
            throw .dimensionMismatch(what: "feature columns", expected: inputDimension, got: x.columns)
        }
    }

    /// Runs the forward pass on x into a fresh workspace.
    func forwardPass(_ x: Matrix) -> NetworkWorkspace {
        let workspace = NetworkWorkspace(sizes: layerSizes, capacity: x.rows)
        x.elements.withUnsafeBufferPointer { workspace.input.update(from: $0.baseAddress!, count: $0.count) }
        parameters.forward(workspace, rows: x.rows)
        return workspace
    }

    /// The logits Z = f(X) (n × k). NaN in a row gives NaN in that row.
    /// - Throws: `.dimensionMismatch` when x has other than d columns.
    /// - Complexity: O(n Σ s_l s_{l+1}) in dgemm.
    public func logits(_ x: Matrix) throws(PolytailError) -> Matrix {
        try checkInput(x)
        guard x.rows > 0 else { return Matrix(uncheckedRows: 0, columns: classes, elements: []) }
        let workspace = forwardPass(x)
        let k = classes
        return Matrix(uncheckedRows: x.rows, columns: k,
                      elements: Array(UnsafeBufferPointer(start: workspace.logits, count: x.rows * k)))
    }

    /// The per-row values of `target` (see ``GradientTarget``).
    /// - Throws: `.dimensionMismatch` / `.unknownLabel` for bad shapes or labels.
    public func objective(_ target: GradientTarget, at x: Matrix) throws(PolytailError) -> [Double] {
        try checkInput(x)
        try target.validate(rows: x.rows, classes: classes)
        guard x.rows > 0 else { return [] }
        let workspace = forwardPass(x)
        return target.evaluate(logits: workspace.logits, rows: x.rows, classes: classes, output: output,
                               deltas: workspace.logitDeltas)
    }

    /// ∇ₓ J(xᵣ) for every row r: one forward pass, J's derivative in the logits, and one
    /// backward pass through the transposed weights (dgemm), with the ReLU masks.
    /// - Parameters:
    ///   - target: the scalar J (loss, softmax cross-entropy, margin or one logit).
    ///   - x: n × d inputs.
    /// - Returns: n × d; row r is the gradient of sample r's own J (not of the batch mean).
    /// - Throws: `.dimensionMismatch` / `.unknownLabel` for bad shapes or labels.
    /// - Complexity: O(n Σ s_l s_{l+1}).
    public func inputGradients(of target: GradientTarget, at x: Matrix) throws(PolytailError) -> Matrix {
        try checkInput(x)
        try target.validate(rows: x.rows, classes: classes)
        guard x.rows > 0 else { return Matrix(uncheckedRows: 0, columns: inputDimension, elements: []) }
        let workspace = forwardPass(x)
        _ = target.evaluate(logits: workspace.logits, rows: x.rows, classes: classes, output: output,
                            deltas: workspace.logitDeltas, values: false)
        var none: NetworkParameters? = nil
        parameters.backward(workspace, rows: x.rows, gradients: &none, input: true)
        return Matrix(uncheckedRows: x.rows, columns: inputDimension,
                      elements: Array(UnsafeBufferPointer(start: workspace.deltas[0], count: x.rows * inputDimension)))
    }

    /// The training objective on a batch, mean NLL + (λ/2) Σₗ ‖W_l‖²_F, and its gradient in
    /// every weight and bias (biases are not penalised).
    func lossAndGradients(_ x: Matrix, labels: [Int], weightDecay: Double) -> (loss: Double, gradients: NetworkParameters) {
        let workspace = forwardPass(x)
        let p = parameters
        let (loss, gradients) = p.batchLossAndGradients(workspace, labels: labels, rows: x.rows, output: output,
                                                        weightDecay: weightDecay)
        return (loss, gradients)
    }
}

extension NetworkParameters {
    /// Mean NLL over the first n rows (forward pass already done) plus the weight penalty,
    /// and the full gradient.
    func batchLossAndGradients(_ workspace: NetworkWorkspace, labels: [Int], rows n: Int, output: OutputLayer,
                               weightDecay: Double) -> (Double, NetworkParameters) {
        var gradients: NetworkParameters? = NetworkParameters(zerosFor: sizes)
        let k = sizes[sizes.count - 1]
        var nll = labels.withUnsafeBufferPointer { lb in
            output.negativeLogLikelihood(
                logits: UnsafeBufferPointer(start: workspace.logits, count: n * k), classes: k,
                labels: UnsafeBufferPointer(rebasing: lb[0..<n]),
                gradient: UnsafeMutableBufferPointer(start: workspace.logitDeltas, count: n * k), scale: 1 / Double(n))
        }
        nll /= Double(n)
        backward(workspace, rows: n, gradients: &gradients, input: false)
        var penalty = 0.0
        if weightDecay > 0 {
            for l in 0..<layerCount {
                weights[l].withUnsafeBufferPointer { w in
                    gradients!.weights[l].withUnsafeMutableBufferPointer { g in
                        for i in 0..<w.count { penalty += w[i] * w[i] }
                        Blas.axpy(weightDecay, w.baseAddress!, g.baseAddress!, count: w.count)
                    }
                }
            }
        }
        return (nll + 0.5 * weightDecay * penalty, gradients!)
    }
}
