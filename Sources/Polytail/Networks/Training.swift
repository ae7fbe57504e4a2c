import Foundation

/// What training did: the loss trajectory and the fit on the training set.
public struct TrainingReport: Equatable, Sendable, Codable {
    /// The mean training objective of each epoch, averaged over its mini-batches
    /// (mean NLL + weight penalty, at the parameters each batch saw).
    public let epochLosses: [Double]
    /// The mean NLL on the whole training set at the final parameters (no penalty).
    public let finalLoss: Double
    /// The fraction of training rows classified correctly at the final parameters.
    public let trainingAccuracy: Double
    /// Adam steps taken.
    public let steps: Int
}

extension Network {
    /// Trains a network by seeded mini-batch Adam (the internal `Adam`: β₁ = 0.9, β₂ = 0.999, ε̂ = 10⁻⁸)
    /// on the mean negative log-likelihood
    ///
    ///     J(θ) = −(1/n) Σᵣ log ζ_{yᵣ}(f(xᵣ; θ)) + (λ/2) Σₗ ‖W_l‖²_F,
    ///
    /// ζ the softmax (Eq. 8) or softRmax (Eq. 12–13) output, as in Wang & Loog 2022 §4.1.2 and
    /// §4.2 (Adam, learning rate 10⁻³, batch 32). Training starts from `initial`'s parameters;
    /// rows are reshuffled every epoch by `generator`; the last batch of an epoch may be
    /// smaller. The penalty is the coupled L2 of PyTorch's `Adam(weight_decay: λ)` on the
    /// weights (biases are not penalised). Equal inputs and generators give bit-identical
    /// models: the softmax and softRmax twins of one initialisation
    /// (``withOutput(_:)``) trained from copies of one generator see the same batches.
    ///
    /// Constant input columns are allowed (image borders are constant pixels).
    /// - Parameters:
    ///   - observations: n × d training inputs (finite), d = `initial.inputDimension`.
    ///   - labels: n class indices in 0..<k.
    ///   - initial: the architecture, output layer and starting parameters.
    ///   - epochs: passes over the data (≥ 1).
    ///   - batchSize: rows per Adam step (≥ 1; capped at n).
    ///   - learningRate: Adam's step size α (> 0).
    ///   - weightDecay: λ ≥ 0.
    ///   - generator: shuffles the rows.
    ///   - progress: called after every epoch with its index and mean loss.
    /// - Returns: the trained model and a ``TrainingReport``.
    /// - Throws: `.emptyData`, `.dimensionMismatch` (columns or labels), `.nonFiniteValue(row:column:)`,
    ///   `.unknownLabel`, `.invalidParameter` (epochs, batch size, learning rate, weight decay),
    ///   `.numericalFailure` when the loss stops being finite.
    /// - Complexity: O(epochs · n · Σ H′W′k²C C′) in sgemm.
    public static func fit(
        _ observations: Matrix, labels: [Int], initial: Network, epochs: Int, batchSize: Int = 32,
        learningRate: Double = 1e-3, weightDecay: Double = 0, using generator: inout PolytailRandom,
        progress: ((_ epoch: Int, _ loss: Double) -> Void)? = nil
    ) throws(PolytailError) -> (model: Network, report: TrainingReport) {
        let n = observations.rows, d = observations.columns
        guard n > 0, d > 0 else { throw .emptyData }
        try initial.checkInput(observations)
        for i in 0..<(n * d) where !observations.elements[i].isFinite { throw .nonFiniteValue(row: i / d, column: i % d) }
        let k = initial.classCount
        try validateLabels(labels, rows: n, classes: k)
        guard epochs >= 1 else { throw .invalidParameter(name: "epochs", value: Double(epochs), requirement: "at least 1") }
        guard batchSize >= 1 else {
            throw .invalidParameter(name: "batchSize", value: Double(batchSize), requirement: "at least 1")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw .invalidParameter(name: "learningRate", value: learningRate, requirement: "finite and positive")
        }
        guard weightDecay.isFinite, weightDecay >= 0 else {
            throw .invalidParameter(name: "weightDecay", value: weightDecay, requirement: "finite and non-negative")
        }
        let plan = initial.plan
        let batch = min(batchSize, n)
        guard batch <= (1 << 31) / max(1, plan.floatsPerObservation) else {
            throw .invalidParameter(name: "batchSize", value: Double(batchSize),
                                    requirement: "at most \((1 << 31) / max(1, plan.floatsPerObservation)) for this network")
        }
        let x = observations.elements.map(Float.init)
        let workspace = NetworkWorkspace(plan: plan, capacity: batch)
        var theta = initial.parameters
        var gradient = [Float](repeating: 0, count: theta.count)
        var adam = Adam<Float>(count: theta.count, learningRate: learningRate)
        var order = Array(0..<n)
        var batchLabels = [Int](repeating: 0, count: batch)
        var epochLosses: [Double] = []
        for epoch in 0..<epochs {
            order.shuffle(using: &generator)
            var total = 0.0
            var start = 0
            while start < n {
                let m = min(batch, n - start)
                x.withUnsafeBufferPointer { xp in
                    for r in 0..<m {
                        let source = order[start + r]
                        (workspace.input + r * d).update(from: xp.baseAddress! + source * d, count: d)
                        batchLabels[r] = labels[source]
                    }
                }
                let loss = lossAndGradient(theta, workspace, labels: batchLabels, rows: m, output: initial.output,
                                           weightDecay: weightDecay, into: &gradient)
                guard loss.isFinite else {
                    throw .numericalFailure("the training loss is not finite at epoch \(epoch + 1), step \(adam.step + 1)")
                }
                total += loss * Double(m)
                adam.update(&theta, gradient: gradient)
                start += m
            }
            let mean = total / Double(n)
            epochLosses.append(mean)
            progress?(epoch, mean)
        }
        let model = Network(plan: plan, layers: initial.layers, parameters: theta, output: initial.output)
        let finalLoss = try model.objective(.loss(labels: labels), at: observations).reduce(0, +) / Double(n)
        let report = TrainingReport(epochLosses: epochLosses, finalLoss: finalLoss,
                                    trainingAccuracy: try model.accuracy(observations, labels: labels), steps: adam.step)
        return (model, report)
    }

    /// Trains a He-initialised multilayer perceptron d → `hidden` → k (drawn from `generator`
    /// first, then the batches): the all-dense case of
    /// ``fit(_:labels:initial:epochs:batchSize:learningRate:weightDecay:using:progress:)``.
    /// `hidden: []` gives the linear classifier (Eq. 8/13).
    /// - Parameters:
    ///   - observations: n × d training inputs, one per row.
    ///   - labels: n class indices in 0 ..< `classCount`.
    ///   - classCount: k ≥ 2.
    ///   - hidden: the hidden-layer widths.
    ///   - output: softmax or softRmax.
    ///   - epochs: passes over the data.
    ///   - batchSize: rows per Adam step.
    ///   - learningRate: Adam's step size.
    ///   - weightDecay: λ ≥ 0.
    ///   - generator: draws the initial weights, then the batches.
    ///   - progress: called after every epoch with its index and mean loss.
    /// - Throws: as that function; `.tooFewClasses` when k < 2, `.invalidParameter` for a
    ///   non-positive width.
    public static func fit(
        _ observations: Matrix, labels: [Int], classCount: Int, hidden: [Int], output: OutputLayer,
        epochs: Int, batchSize: Int = 32, learningRate: Double = 1e-3, weightDecay: Double = 0,
        using generator: inout PolytailRandom, progress: ((_ epoch: Int, _ loss: Double) -> Void)? = nil
    ) throws(PolytailError) -> (model: Network, report: TrainingReport) {
        guard observations.rows > 0, observations.columns > 0 else { throw .emptyData }
        guard classCount >= 2 else { throw .tooFewClasses(needed: 2, got: classCount) }
        let initial = try multilayerPerceptron(layerSizes: [observations.columns] + hidden + [classCount], output: output,
                                               using: &generator)
        return try fit(observations, labels: labels, initial: initial, epochs: epochs, batchSize: batchSize,
                       learningRate: learningRate, weightDecay: weightDecay, using: &generator, progress: progress)
    }

    /// The mean NLL of the first `n` rows loaded in `workspace` plus (λ/2) Σ‖W‖², and its
    /// gradient in every parameter (written into `gradient`).
    static func lossAndGradient(_ theta: [Float], _ workspace: NetworkWorkspace, labels: [Int], rows n: Int,
                                output: OutputLayer, weightDecay: Double, into gradient: inout [Float]) -> Double {
        let k = workspace.plan.classCount
        return theta.withUnsafeBufferPointer { t in
            workspace.forward(t.baseAddress!, rows: n)
            let nll = labels.withUnsafeBufferPointer { lb in
                output.negativeLogLikelihood(
                    logits: UnsafeBufferPointer(start: workspace.logits, count: n * k), classes: k,
                    labels: UnsafeBufferPointer(rebasing: lb[0..<n]),
                    gradient: UnsafeMutableBufferPointer(start: workspace.logitDeltas, count: n * k), scale: 1 / Double(n))
            } / Double(n)
            var penalty = 0.0
            gradient.withUnsafeMutableBufferPointer { g in
                workspace.backward(t.baseAddress!, rows: n, gradients: g.baseAddress!, wantInput: false)
                guard weightDecay > 0 else { return }
                let lambda = Float(weightDecay)
                for range in workspace.plan.weightRanges {
                    var sum: Float = 0
                    for i in range {
                        sum += t[i] * t[i]
                        g[i] += lambda * t[i]
                    }
                    penalty += Double(sum)
                }
            }
            return nll + 0.5 * weightDecay * penalty
        }
    }
}

extension Network {
    /// The training objective on all rows of x (one batch) and its gradient, laid out like the
    /// flat parameter vector (every W, then its b, layer by layer).
    func lossAndGradient(_ x: Matrix, labels: [Int], weightDecay: Double) -> (loss: Double, gradient: [Float]) {
        let workspace = NetworkWorkspace(plan: plan, capacity: x.rows)
        x.elements.withUnsafeBufferPointer { workspace.load($0.baseAddress!, rows: x.rows) }
        var gradient = [Float](repeating: 0, count: parameters.count)
        let loss = Network.lossAndGradient(parameters, workspace, labels: labels, rows: x.rows, output: output,
                                           weightDecay: weightDecay, into: &gradient)
        return (loss, gradient)
    }

    /// A copy with flat parameter `index` set to `value`.
    func replacingParameter(_ index: Int, with value: Float) -> Network {
        var p = parameters
        p[index] = value
        return Network(plan: plan, layers: layers, parameters: p, output: output)
    }

    /// The flat parameter vector (every W, then its b, layer by layer), as Float32.
    var flatParameters: [Float] { parameters }
}
