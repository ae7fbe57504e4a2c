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

extension MultilayerPerceptron {
    /// Adam (Kingma & Ba 2015) with the paper's settings: β₁ = 0.9, β₂ = 0.999, ε̂ = 10⁻⁸.
    static let adamBeta1 = 0.9
    static let adamBeta2 = 0.999
    static let adamEpsilon = 1e-8

    /// Trains a network by seeded mini-batch Adam on the mean negative log-likelihood
    ///
    ///     J(θ) = −(1/n) Σᵣ log ζ_{yᵣ}(f(xᵣ; θ)) + (λ/2) Σₗ ‖W_l‖²_F,
    ///
    /// ζ the softmax (Eq. 8) or softRmax (Eq. 12–13) output, as in Wang & Loog 2022 §4.2.
    /// Weights start from He initialisation, biases from 0; rows are reshuffled every epoch;
    /// the last batch of an epoch may be smaller. The penalty is the coupled L2 of PyTorch's
    /// `Adam(weight_decay: λ)` on the weights (biases are not penalised). Everything random
    /// comes from one `PolytailRandom(seed:)`, so equal inputs give bit-identical models.
    ///
    /// Constant feature columns are allowed (image borders are constant pixels); they only
    /// receive zero gradient.
    /// - Parameters:
    ///   - features: n × d training inputs (finite).
    ///   - labels: n class indices in 0..<classes.
    ///   - classes: k ≥ 2.
    ///   - hidden: hidden-layer widths; `[]` gives the linear classifier (Eq. 8/13).
    ///   - output: softmax or softRmax.
    ///   - epochs: passes over the data (≥ 1).
    ///   - batchSize: rows per Adam step (≥ 1; capped at n).
    ///   - learningRate: Adam's step size (> 0).
    ///   - weightDecay: λ ≥ 0.
    ///   - seed: seeds initialisation and shuffling.
    ///   - progress: called after every epoch with its index and mean loss.
    /// - Returns: the trained model and a ``TrainingReport``.
    /// - Throws: `.emptyData`, `.nonFiniteValue(row:column:)`, `.dimensionMismatch` (labels),
    ///   `.unknownLabel`, `.tooFewClasses`, `.invalidParameter` (widths, epochs, batch size,
    ///   learning rate, weight decay).
    /// - Complexity: O(epochs · n · Σ s_l s_{l+1}) in dgemm.
    public static func train(
        features: Matrix, labels: [Int], classes: Int, hidden: [Int], output: OutputLayer,
        epochs: Int, batchSize: Int, learningRate: Double, weightDecay: Double = 0, seed: UInt64,
        progress: ((_ epoch: Int, _ loss: Double) -> Void)? = nil
    ) throws(PolytailError) -> (model: MultilayerPerceptron, report: TrainingReport) {
        let n = features.rows, d = features.columns
        guard n > 0, d > 0 else { throw .emptyData }
        for i in 0..<(n * d) where !features.elements[i].isFinite { throw .nonFiniteValue(row: i / d, column: i % d) }
        guard classes >= 2 else { throw .tooFewClasses(needed: 2, got: classes) }
        try validateLabels(labels, rows: n, classes: classes)
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
        var random = PolytailRandom(seed: seed)
        let initial = try heInitialised(layerSizes: [d] + hidden + [classes], output: output, using: &random)
        var parameters = initial.parameters
        let sizes = parameters.sizes
        let batch = min(batchSize, n)
        let workspace = NetworkWorkspace(sizes: sizes, capacity: batch)
        var firstMoment = NetworkParameters(zerosFor: sizes)
        var secondMoment = NetworkParameters(zerosFor: sizes)
        var order = Array(0..<n)
        var batchLabels = [Int](repeating: 0, count: batch)
        var epochLosses: [Double] = []
        var step = 0
        for epoch in 0..<epochs {
            order.shuffle(using: &random)
            var total = 0.0
            var start = 0
            while start < n {
                let m = min(batch, n - start)
                features.elements.withUnsafeBufferPointer { x in
                    for r in 0..<m {
                        let source = order[start + r]
                        (workspace.input + r * d).update(from: x.baseAddress! + source * d, count: d)
                        batchLabels[r] = labels[source]
                    }
                }
                parameters.forward(workspace, rows: m)
                let (loss, gradients) = parameters.batchLossAndGradients(
                    workspace, labels: batchLabels, rows: m, output: output, weightDecay: weightDecay)
                total += loss * Double(m)
                step += 1
                adamStep(&parameters, gradients, &firstMoment, &secondMoment, step: step, learningRate: learningRate)
                start += m
            }
            let mean = total / Double(n)
            epochLosses.append(mean)
            progress?(epoch, mean)
        }
        let model = MultilayerPerceptron(parameters: parameters, output: output)
        let finalLoss = try model.objective(.loss(labels: labels), at: features).reduce(0, +) / Double(n)
        let report = TrainingReport(epochLosses: epochLosses, finalLoss: finalLoss,
                                    trainingAccuracy: try model.accuracy(features, labels: labels), steps: step)
        return (model, report)
    }

    /// One Adam update of every parameter θ with gradient g:
    /// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − α m̂/(√v̂ + ε̂) with the bias
    /// corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
    static func adamStep(_ p: inout NetworkParameters, _ g: NetworkParameters, _ m: inout NetworkParameters,
                         _ v: inout NetworkParameters, step t: Int, learningRate: Double) {
        let b1 = adamBeta1, b2 = adamBeta2, eps = adamEpsilon
        let c1 = 1 - pow(b1, Double(t)), c2 = 1 - pow(b2, Double(t))
        func update(_ theta: inout [Double], _ grad: [Double], _ first: inout [Double], _ second: inout [Double]) {
            theta.withUnsafeMutableBufferPointer { th in
                grad.withUnsafeBufferPointer { gr in
                    first.withUnsafeMutableBufferPointer { mm in
                        second.withUnsafeMutableBufferPointer { vv in
                            for i in 0..<th.count {
                                let gi = gr[i]
                                mm[i] = b1 * mm[i] + (1 - b1) * gi
                                vv[i] = b2 * vv[i] + (1 - b2) * gi * gi
                                th[i] -= learningRate * (mm[i] / c1) / ((vv[i] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
        for l in 0..<p.layerCount {
            update(&p.weights[l], g.weights[l], &m.weights[l], &v.weights[l])
            update(&p.biases[l], g.biases[l], &m.biases[l], &v.biases[l])
        }
    }
}
