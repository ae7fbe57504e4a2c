import Foundation

// Hot loop (documented raw-pointer use): logits, input gradients and objectives run the
// kernels of NetworkKernels.swift over chunks of rows, on pointers into the parameters, the
// inputs and the outputs (the attacks call them once per step on every test image).

/// A feed-forward network: a sequence of ``Layer``s (convolutions, max pooling, flatten,
/// dense layers, each layer with weights followed by a ReLU except the last) mapping an
/// observation x to logits z ∈ ℝᵏ, and an output layer p = ζ(z), softmax (Wang & Loog 2022,
/// Eq. 8) or softRmax (Eq. 12) — §3.1.2 and §4.2 of the paper.
///
/// The multilayer perceptron is the all-dense case (``multilayerPerceptron(layerSizes:output:using:)``,
/// ``init(weights:biases:output:)``), the linear classifier the single dense layer, and
/// ``paperMNIST(classCount:output:using:)`` the paper's four-convolution MNIST network.
///
/// Observations enter as the rows of a `Matrix` of Double (one image of ``inputShape``,
/// channels-last, per row); the layers compute in Float32 on CBLAS `sgemm`, and the output
/// layer, losses and everything statistical are Double. Weights are stored fan-in × fan-out.
/// A network conforms to ``DifferentiableClassifier``, so every attack and margin metric
/// applies to it.
public struct Network: DifferentiableClassifier, Equatable, Codable, Sendable {
    /// The shape of one observation (a flat 1 × 1 × d vector for a multilayer perceptron).
    public let inputShape: ImageShape
    /// The layers, input to logits.
    public let layers: [Layer]
    /// The output layer ζ.
    public let output: OutputLayer
    /// Every weight matrix (fan-in × fan-out, row-major) followed by its biases, layer by layer.
    let parameters: [Float]
    let plan: NetworkPlan

    /// The input dimension d = height × width × channels.
    public var inputDimension: Int { inputShape.size }
    /// The number of classes k (the last layer's outputs).
    public var classCount: Int { plan.classCount }
    /// The number of weights and biases.
    public var parameterCount: Int { parameters.count }
    /// The shape of every layer's output, input to logits.
    public var outputShapes: [ImageShape] { plan.layers.map(\.output) }

    /// The weight matrix of every convolution and dense layer, in order, fan-in × fan-out
    /// ((k·k·C_in) × C_out for a convolution, in (row, column, channel) order of the kernel).
    public var weights: [Matrix] {
        plan.layers.filter(\.layer.hasParameters).map { p in
            Matrix(uncheckedRows: p.fanIn, columns: p.fanOut,
                   elements: parameters[p.weightOffset..<p.biasOffset].map(Double.init))
        }
    }

    /// The biases of every convolution and dense layer, in order.
    public var biases: [[Double]] {
        plan.layers.filter(\.layer.hasParameters).map { p in
            parameters[p.biasOffset..<(p.biasOffset + p.fanOut)].map(Double.init)
        }
    }

    /// The widths of an all-dense network, d, h₁, …, k (nil when it has other layers).
    public var layerSizes: [Int]? {
        var sizes = [inputDimension]
        for layer in layers {
            guard case let .dense(outputs) = layer else { return nil }
            sizes.append(outputs)
        }
        return sizes
    }

    // MARK: Construction

    /// A network from its layers and parameters.
    /// - Parameters:
    ///   - inputShape: the shape of one observation.
    ///   - layers: the layers; the last must be dense with k ≥ 2 outputs.
    ///   - weights: one fan-in × fan-out matrix per convolution or dense layer, in order.
    ///   - biases: one vector of fan-out entries per convolution or dense layer.
    ///   - output: softmax or softRmax.
    /// - Throws: `.invalidParameter` for an invalid layer sequence, `.tooFewClasses` when k < 2,
    ///   `.dimensionMismatch` for a wrong number or shape of weights or biases,
    ///   `.nonFiniteValue(row: i, column: j)` for entry j of the i-th weight matrix (or of its
    ///   biases) that is not finite or overflows Float32.
    public init(inputShape: ImageShape, layers: [Layer], weights: [Matrix], biases: [[Double]],
                output: OutputLayer) throws(PolytailError) {
        try self.init(inputShape: inputShape, layers: layers,
                      weights: weights.map { $0.elements.map(Float.init) }, weightShapes: weights.map { ($0.rows, $0.columns) },
                      biases: biases.map { $0.map(Float.init) }, output: output)
    }

    /// A multilayer perceptron (all-dense network) from its weights W_l (s_l × s_{l+1}) and
    /// biases; the input is flat, d = W₁'s rows.
    /// - Throws: as ``init(inputShape:layers:weights:biases:output:)``; `.invalidParameter`
    ///   with no weight matrix.
    public init(weights: [Matrix], biases: [[Double]], output: OutputLayer) throws(PolytailError) {
        guard !weights.isEmpty else {
            throw .invalidParameter(name: "weights.count", value: 0, requirement: "at least one weight matrix")
        }
        try self.init(inputShape: try .flat(weights[0].rows), layers: weights.map { .dense(outputs: $0.columns) },
                      weights: weights, biases: biases, output: output)
    }

    /// The validating initialiser every other one (and decoding) goes through.
    init(inputShape: ImageShape, layers: [Layer], weights: [[Float]], weightShapes: [(Int, Int)]? = nil,
         biases: [[Float]], output: OutputLayer) throws(PolytailError) {
        let plan = try NetworkPlan(inputShape: inputShape, layers: layers)
        let parametrised = plan.layers.filter(\.layer.hasParameters)
        guard weights.count == parametrised.count else {
            throw .dimensionMismatch(what: "weight matrices", expected: parametrised.count, got: weights.count)
        }
        guard biases.count == parametrised.count else {
            throw .dimensionMismatch(what: "bias vectors", expected: parametrised.count, got: biases.count)
        }
        var flat = [Float]()
        flat.reserveCapacity(plan.parameterCount)
        for (i, p) in parametrised.enumerated() {
            if let shapes = weightShapes {
                guard shapes[i].0 == p.fanIn else {
                    throw .dimensionMismatch(what: "weight matrix \(i) rows (fan-in)", expected: p.fanIn, got: shapes[i].0)
                }
                guard shapes[i].1 == p.fanOut else {
                    throw .dimensionMismatch(what: "weight matrix \(i) columns (fan-out)", expected: p.fanOut, got: shapes[i].1)
                }
            }
            guard weights[i].count == p.fanIn * p.fanOut else {
                throw .dimensionMismatch(what: "weight matrix \(i) entries", expected: p.fanIn * p.fanOut, got: weights[i].count)
            }
            guard biases[i].count == p.fanOut else {
                throw .dimensionMismatch(what: "bias vector \(i)", expected: p.fanOut, got: biases[i].count)
            }
            if let j = weights[i].firstIndex(where: { !$0.isFinite }) { throw .nonFiniteValue(row: i, column: j) }
            if let j = biases[i].firstIndex(where: { !$0.isFinite }) { throw .nonFiniteValue(row: i, column: j) }
            flat.append(contentsOf: weights[i])
            flat.append(contentsOf: biases[i])
        }
        self.init(plan: plan, layers: layers, parameters: flat, output: output)
    }

    init(plan: NetworkPlan, layers: [Layer], parameters: [Float], output: OutputLayer) {
        self.inputShape = plan.inputShape
        self.layers = layers
        self.plan = plan
        self.parameters = parameters
        self.output = output
    }

    /// A He-initialised network (He et al. 2015): every weight drawn N(0, 2/fan-in), fan-in =
    /// k·k·C_in for a convolution and the input width for a dense layer, biases 0 — the
    /// variance that keeps ReLU activations of order one. Weights are drawn layer by layer in
    /// storage order, so equal generators give bit-identical networks.
    /// - Parameters:
    ///   - inputShape: the shape of one observation.
    ///   - layers: the layers; the last must be dense with k ≥ 2 outputs.
    ///   - output: softmax or softRmax.
    ///   - generator: the source of randomness.
    /// - Throws: `.invalidParameter` for an invalid layer sequence, `.tooFewClasses` when k < 2.
    public init(inputShape: ImageShape, layers: [Layer], output: OutputLayer,
                using generator: inout PolytailRandom) throws(PolytailError) {
        let plan = try NetworkPlan(inputShape: inputShape, layers: layers)
        var flat = [Float](repeating: 0, count: plan.parameterCount)
        for p in plan.layers where p.layer.hasParameters {
            let sd = (2 / Double(p.fanIn)).squareRoot()
            for i in p.weightOffset..<p.biasOffset { flat[i] = Float(sd * generator.standardNormal()) }
        }
        self.init(plan: plan, layers: layers, parameters: flat, output: output)
    }

    /// A He-initialised multilayer perceptron with the widths d, h₁, …, k: dense layers with
    /// ReLU between them (Wang & Loog 2022, §4.2); `[d, k]` is the linear classifier.
    /// - Throws: `.invalidParameter` for fewer than two widths or a non-positive width,
    ///   `.tooFewClasses` when k < 2.
    public static func multilayerPerceptron(layerSizes: [Int], output: OutputLayer,
                                            using generator: inout PolytailRandom) throws(PolytailError) -> Network {
        guard layerSizes.count >= 2 else {
            throw .invalidParameter(name: "layerSizes.count", value: Double(layerSizes.count), requirement: "at least input and output widths")
        }
        for (l, s) in layerSizes.enumerated() where s <= 0 {
            throw .invalidParameter(name: "layerSizes[\(l)]", value: Double(s), requirement: "must be positive")
        }
        return try Network(inputShape: try .flat(layerSizes[0]), layers: layerSizes.dropFirst().map { .dense(outputs: $0) },
                           output: output, using: &generator)
    }

    /// The same layers and parameters under another output layer: the softmax and softRmax
    /// twins of one initialisation.
    public func withOutput(_ output: OutputLayer) -> Network {
        Network(plan: plan, layers: layers, parameters: parameters, output: output)
    }

    public static func == (a: Network, b: Network) -> Bool {
        a.inputShape == b.inputShape && a.layers == b.layers && a.output == b.output && a.parameters == b.parameters
    }

    // MARK: Evaluation

    func checkInput(_ x: Matrix) throws(PolytailError) {
        guard x.columns == inputDimension else {
            throw .dimensionMismatch(what: "feature columns", expected: inputDimension, got: x.columns)
        }
    }

    /// Runs the forward pass over x in chunks of rows; `body(workspace, first row, rows)`
    /// sees each chunk's activations and Double logits.
    func forEachChunk(_ x: Matrix, _ body: (NetworkWorkspace, Int, Int) -> Void) {
        let n = x.rows
        guard n > 0 else { return }
        let workspace = NetworkWorkspace(plan: plan, capacity: min(n, plan.chunkRows))
        let d = inputDimension
        parameters.withUnsafeBufferPointer { theta in
            x.elements.withUnsafeBufferPointer { xp in
                var start = 0
                while start < n {
                    let m = min(workspace.capacity, n - start)
                    workspace.load(xp.baseAddress! + start * d, rows: m)
                    workspace.forward(theta.baseAddress!, rows: m)
                    body(workspace, start, m)
                    start += m
                }
            }
        }
    }

    /// The logits Z = f(X) (n × k). NaN in a row gives NaN in that row.
    /// - Throws: `.dimensionMismatch` when x has other than d columns.
    /// - Complexity: one forward pass, O(n Σ H′W′k²C C′) in sgemm.
    public func logits(_ x: Matrix) throws(PolytailError) -> Matrix {
        try checkInput(x)
        let k = classCount
        var z = [Double](repeating: 0, count: x.rows * k)
        z.withUnsafeMutableBufferPointer { zp in
            forEachChunk(x) { w, start, m in (zp.baseAddress! + start * k).update(from: w.logits, count: m * k) }
        }
        return Matrix(uncheckedRows: x.rows, columns: k, elements: z)
    }

    /// The per-row values of `target` (see ``GradientTarget``).
    /// - Throws: `.dimensionMismatch` / `.unknownLabel` for bad shapes or labels.
    public func objective(_ target: GradientTarget, at x: Matrix) throws(PolytailError) -> [Double] {
        try checkInput(x)
        try target.validate(rows: x.rows, classes: classCount)
        var values: [Double] = []
        values.reserveCapacity(x.rows)
        forEachChunk(x) { w, start, m in
            values += target.rows(start..<(start + m)).evaluate(logits: w.logits, rows: m, classes: classCount, output: output,
                                                                 deltas: w.logitDeltas)
        }
        return values
    }

    /// ∇ₓ J(xᵣ) for every row r: a forward pass, J's derivative in the logits, and a backward
    /// pass (transposed products, the ReLU masks, the pooling switches, col2im).
    /// - Parameters:
    ///   - target: the scalar J (loss, softmax cross-entropy, margin or one logit).
    ///   - x: n × d inputs.
    /// - Returns: n × d; row r is the gradient of sample r's own J (not of the batch mean).
    /// - Throws: `.dimensionMismatch` / `.unknownLabel` for bad shapes or labels.
    /// - Complexity: about three forward passes.
    public func inputGradients(of target: GradientTarget, at x: Matrix) throws(PolytailError) -> Matrix {
        try checkInput(x)
        try target.validate(rows: x.rows, classes: classCount)
        let d = inputDimension
        var g = [Double](repeating: 0, count: x.rows * d)
        parameters.withUnsafeBufferPointer { theta in
            g.withUnsafeMutableBufferPointer { gp in
                forEachChunk(x) { w, start, m in
                    _ = target.rows(start..<(start + m)).evaluate(logits: w.logits, rows: m, classes: classCount, output: output,
                                                                   deltas: w.logitDeltas, values: false)
                    w.backward(theta.baseAddress!, rows: m, gradients: nil, wantInput: true)
                    w.inputDeltas(rows: m, into: gp.baseAddress! + start * d)
                }
            }
        }
        return Matrix(uncheckedRows: x.rows, columns: d, elements: g)
    }

    // MARK: Codable

    enum CodingKeys: String, CodingKey {
        case inputShape, layers, output, weights, biases
    }

    /// Decodes through the validating initialiser: a corrupt layer sequence, wrong shapes or
    /// non-finite parameters throw `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let shape = try c.decode(ImageShape.self, forKey: .inputShape)
        let layers = try c.decode([Layer].self, forKey: .layers)
        let output = try c.decode(OutputLayer.self, forKey: .output)
        let weights = try c.decode([[Float]].self, forKey: .weights)
        let biases = try c.decode([[Float]].self, forKey: .biases)
        do {
            try self.init(inputShape: shape, layers: layers, weights: weights, biases: biases, output: output)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid network: \(error)",
                                                    underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputShape, forKey: .inputShape)
        try c.encode(layers, forKey: .layers)
        try c.encode(output, forKey: .output)
        let parametrised = plan.layers.filter(\.layer.hasParameters)
        try c.encode(parametrised.map { Array(parameters[$0.weightOffset..<$0.biasOffset]) }, forKey: .weights)
        try c.encode(parametrised.map { Array(parameters[$0.biasOffset..<($0.biasOffset + $0.fanOut)]) }, forKey: .biases)
    }
}
