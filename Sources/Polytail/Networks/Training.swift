import Foundation

// Hot loop (documented raw-pointer use): each mini-batch step gathers its rows and labels and
// runs the forward and backward kernels (NetworkKernels.swift) and Adam on the flat parameter,
// gradient and workspace buffers through pointers — the network training benchmarks of
// Docs/performance.md.

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
    /// (``withOutput(_:)``) trained from copies of one generator see the same batches
    /// (``fitTwins(_:labels:initial:epochs:batchSize:learningRate:weightDecay:tolerance:using:progress:)``
    /// does both in one call).
    ///
    /// The result follows the library's one results shape: ``FitResult/logLikelihood`` is
    /// Σᵣ log ζ_{yᵣ}(f(xᵣ)) on the training set at the returned parameters,
    /// ``FitResult/parameterCount`` the number of weights and biases (so AIC and BIC are
    /// defined, if rarely meaningful for a network), ``FitResult/iterations`` the epochs,
    /// ``FitResult/objectiveHistory`` the mean objective of each epoch (averaged over its
    /// mini-batches, at the parameters each batch saw), and ``FitResult/training`` the final
    /// full-batch objective, gradient norm, training accuracy and Adam steps. Adam always runs
    /// every epoch; ``FitResult/converged`` says whether the full-batch gradient's ∞-norm at
    /// the end is at most `tolerance` (as for ``LinearClassifier``'s `.adam`). No parameter is
    /// listed and there is no covariance: a network's weights are not identifiable (hidden
    /// units permute), so Wald inference on them means nothing (and, listing no parameter, the
    /// result sets no ``FitResult/covarianceOmission`` either).
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
    ///   - tolerance: the full-batch gradient ∞-norm at or below which the fit reports
    ///     convergence (≥ 0).
    ///   - generator: shuffles the rows.
    ///   - progress: called after every epoch with its index and mean loss.
    /// - Returns: the trained network and its ``FitResult``.
    /// - Throws: `.emptyData`, `.dimensionMismatch` (columns or labels), `.nonFiniteValue(row:column:)`,
    ///   `.unknownLabel`, `.invalidParameter` (epochs, batch size, learning rate, weight decay,
    ///   tolerance), `.numericalFailure` when the loss stops being finite.
    /// - Complexity: O((epochs + 1) · n · Σ H′W′k²C C′) in sgemm (the last pass evaluates the
    ///   full-batch objective, gradient and accuracy).
    /// The checks of a training run's settings, for ``fit(_:labels:initial:epochs:batchSize:learningRate:weightDecay:tolerance:using:progress:)``
    /// and for decoding ``SubstituteSettings`` alike: epochs and batch size at least 1, a finite
    /// positive learning rate, a finite non-negative weight decay and tolerance.
    /// - Throws: `.invalidParameter` naming the setting.
    static func checkTrainingSettings(epochs: Int, batchSize: Int, learningRate: Double, weightDecay: Double,
                                      tolerance: Double) throws(PolytailError) {
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
        guard tolerance.isFinite, tolerance >= 0 else {
            throw .invalidParameter(name: "tolerance", value: tolerance, requirement: "finite and non-negative")
        }
    }

    public static func fit(
        _ observations: Matrix, labels: [Int], initial: Network, epochs: Int, batchSize: Int = 32,
        learningRate: Double = 1e-3, weightDecay: Double = 0, tolerance: Double = 1e-4,
        using generator: inout PolytailRandom, progress: ((_ epoch: Int, _ loss: Double) -> Void)? = nil
    ) throws(PolytailError) -> Fitted<Network> {
        let n = observations.rows, d = observations.columns
        guard n > 0, d > 0 else { throw .emptyData }
        try initial.checkInput(observations)
        for i in 0..<(n * d) where !observations.elements[i].isFinite { throw .nonFiniteValue(row: i / d, column: i % d) }
        let k = initial.classCount
        try validateLabels(labels, rows: n, classes: k)
        try checkTrainingSettings(epochs: epochs, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay,
                                  tolerance: tolerance)
        let plan = initial.plan
        let batch = min(batchSize, n)
        guard batch <= (1 << 31) / max(1, plan.floatsPerObservation) else {
            throw .invalidParameter(name: "batchSize", value: Double(batchSize),
                                    requirement: "at most \((1 << 31) / max(1, plan.floatsPerObservation)) for this network")
        }
        let x = observations.elements.map(Float.init)
        let step = TrainingStep(plan: plan, batch: batch)
        var theta = initial.parameters
        var adam = Adam<Float>(count: theta.count, learningRate: learningRate)
        var order = Array(0..<n)
        var epochLosses: [Double] = []
        try Blas.withoutThreads { () throws(PolytailError) in
            for epoch in 0..<epochs {
                order.shuffle(using: &generator)
                var total = 0.0
                var start = 0
                while start < n {
                    let m = min(batch, n - start)
                    x.withUnsafeBufferPointer { xp in
                        order.withUnsafeBufferPointer { op in
                            labels.withUnsafeBufferPointer { lp in
                                step.load(xp.baseAddress!, labels: lp.baseAddress!, rows: UnsafeBufferPointer(rebasing: op[start..<(start + m)]))
                            }
                        }
                    }
                    let loss = theta.withUnsafeBufferPointer { t in
                        step.lossAndGradient(t.baseAddress!, rows: m, output: initial.output, weightDecay: weightDecay)
                    }
                    guard loss.isFinite else {
                        throw .numericalFailure("the training loss is not finite at epoch \(epoch + 1), step \(adam.step + 1)")
                    }
                    total += loss * Double(m)
                    theta.withUnsafeMutableBufferPointer { t in
                        adam.update(t, gradient: UnsafeBufferPointer(start: step.gradient, count: plan.parameterCount))
                    }
                    start += m
                }
                let mean = total / Double(n)
                epochLosses.append(mean)
                progress?(epoch, mean)
            }
        }
        let model = Network(plan: plan, layers: initial.layers, parameters: theta, output: initial.output)
        // The record: one more pass over the training set at the returned parameters.
        let final = x.withUnsafeBufferPointer { xp in
            labels.withUnsafeBufferPointer { lp in
                theta.withUnsafeBufferPointer { t in
                    step.evaluate(t.baseAddress!, x: xp.baseAddress!, labels: lp.baseAddress!, rows: n, output: initial.output,
                                  weightDecay: weightDecay)
                }
            }
        }
        guard final.loss.isFinite, final.gradientNorm.isFinite else {
            throw .numericalFailure("the training objective is not finite at the returned parameters")
        }
        var result = FitResult.summary(observationCount: n, logLikelihood: -final.negativeLogLikelihood,
                                       parameterCount: plan.parameterCount, iterations: epochs,
                                       converged: final.gradientNorm <= tolerance)
        result.objectiveHistory = epochLosses
        result.training = try TrainingSummary(loss: final.loss, gradientNorm: final.gradientNorm,
                                              trainingAccuracy: Double(final.correct) / Double(n), steps: adam.step)
        return Fitted(model: model, result: result)
    }

    /// Trains the softmax and the softRmax twin of one initialisation (Wang & Loog 2022, §4.2:
    /// the output layer is the only difference): ``fit(_:labels:initial:epochs:batchSize:learningRate:weightDecay:tolerance:using:progress:)``
    /// on `initial.withOutput(.softmax)` and `initial.withOutput(.softRmax)`, each from a copy
    /// of `generator`, so both start from the same weights and see the same batches in the same
    /// order. `generator` is left as after one training run.
    /// - Parameters:
    ///   - observations: n × d training inputs (finite), d = `initial.inputDimension`.
    ///   - labels: n class indices in 0..<k.
    ///   - initial: the architecture and starting parameters (its output layer is ignored).
    ///   - epochs: passes over the data (≥ 1).
    ///   - batchSize: rows per Adam step (≥ 1; capped at n).
    ///   - learningRate: Adam's step size α (> 0).
    ///   - weightDecay: λ ≥ 0.
    ///   - tolerance: the full-batch gradient ∞-norm at or below which a fit reports convergence.
    ///   - generator: shuffles the rows (the same shuffles for both twins).
    ///   - progress: called after every epoch of each twin with its output layer, the epoch's
    ///     index and its mean loss.
    /// - Returns: the fitted twins, softmax first.
    /// - Throws: as one fit.
    /// - Complexity: two fits.
    public static func fitTwins(
        _ observations: Matrix, labels: [Int], initial: Network, epochs: Int, batchSize: Int = 32,
        learningRate: Double = 1e-3, weightDecay: Double = 0, tolerance: Double = 1e-4,
        using generator: inout PolytailRandom,
        progress: ((_ output: OutputLayer, _ epoch: Int, _ loss: Double) -> Void)? = nil
    ) throws(PolytailError) -> (softmax: Fitted<Network>, softRmax: Fitted<Network>) {
        var twin = generator
        let softmax = try fit(observations, labels: labels, initial: initial.withOutput(.softmax), epochs: epochs,
                              batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, tolerance: tolerance,
                              using: &generator, progress: progress.map { report in { report(.softmax, $0, $1) } })
        let softRmax = try fit(observations, labels: labels, initial: initial.withOutput(.softRmax), epochs: epochs,
                               batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, tolerance: tolerance,
                               using: &twin, progress: progress.map { report in { report(.softRmax, $0, $1) } })
        return (softmax, softRmax)
    }

    /// Trains a He-initialised multilayer perceptron d → `hidden` → k (drawn from `generator`
    /// first, then the batches): the all-dense case of
    /// ``fit(_:labels:initial:epochs:batchSize:learningRate:weightDecay:tolerance:using:progress:)``.
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
    ///   - tolerance: the full-batch gradient ∞-norm at or below which the fit reports convergence.
    ///   - generator: draws the initial weights, then the batches.
    ///   - progress: called after every epoch with its index and mean loss.
    /// - Returns: the trained network and its ``FitResult`` (see that function).
    /// - Throws: as that function; `.tooFewClasses` when k < 2, `.invalidParameter` for a
    ///   non-positive width.
    public static func fit(
        _ observations: Matrix, labels: [Int], classCount: Int, hidden: [Int], output: OutputLayer,
        epochs: Int, batchSize: Int = 32, learningRate: Double = 1e-3, weightDecay: Double = 0, tolerance: Double = 1e-4,
        using generator: inout PolytailRandom, progress: ((_ epoch: Int, _ loss: Double) -> Void)? = nil
    ) throws(PolytailError) -> Fitted<Network> {
        guard observations.rows > 0, observations.columns > 0 else { throw .emptyData }
        guard classCount >= 2 else { throw .tooFewClasses(needed: 2, got: classCount) }
        let initial = try multilayerPerceptron(layerSizes: [observations.columns] + hidden + [classCount], output: output,
                                               using: &generator)
        return try fit(observations, labels: labels, initial: initial, epochs: epochs, batchSize: batchSize,
                       learningRate: learningRate, weightDecay: weightDecay, tolerance: tolerance, using: &generator,
                       progress: progress)
    }
}

/// The scratch space of one training step: a batch of rows split into ``shards`` contiguous
/// parts, each with its own ``NetworkWorkspace`` and gradient buffer, computed on separate
/// threads with the BLAS single-threaded, then the parts' gradients summed in shard order.
/// On the small products of a batch of 32 this data parallelism uses two cores far better
/// than a threaded BLAS does (see `Docs/performance.md`). The number of shards is fixed, not
/// the number of cores, so the same inputs give the same bits on any machine of one BLAS.
final class TrainingStep {
    /// Parts of every batch (fewer when the batch has fewer rows).
    static let shards = 2

    let plan: NetworkPlan
    /// The most rows a batch may have.
    let batch: Int
    let workspaces: [NetworkWorkspace]
    /// ∂J/∂θ of the last ``lossAndGradient(_:rows:output:weightDecay:)``, laid out like θ.
    let gradient: UnsafeMutablePointer<Float>
    /// One gradient buffer per shard after the first (the first writes into `gradient`).
    private let partials: UnsafeMutablePointer<Float>
    private let labels: UnsafeMutablePointer<Int>

    /// Buffers for batches of at most `batch` rows.
    init(plan: NetworkPlan, batch: Int) {
        self.plan = plan
        self.batch = max(1, batch)
        let parts = max(1, min(Self.shards, batch))
        let capacity = (batch + parts - 1) / parts
        workspaces = (0..<parts).map { _ in NetworkWorkspace(plan: plan, capacity: capacity, parallel: false) }
        let p = max(1, plan.parameterCount)
        gradient = .allocate(capacity: p)
        gradient.initialize(repeating: 0, count: p)
        partials = .allocate(capacity: p * max(1, parts - 1))
        partials.initialize(repeating: 0, count: p * max(1, parts - 1))
        labels = .allocate(capacity: max(1, batch))
        labels.initialize(repeating: 0, count: max(1, batch))
    }

    deinit {
        gradient.deallocate()
        partials.deallocate()
        labels.deallocate()
    }

    /// The rows of shard `s` among `m`.
    private func rows(_ s: Int, of m: Int, parts: Int) -> Range<Int> { (m * s / parts)..<(m * (s + 1) / parts) }

    /// Copies the input rows `rows` (indices into the n × d Float32 matrix `x`) and their
    /// labels into the shards.
    func load(_ x: UnsafePointer<Float>, labels source: UnsafePointer<Int>, rows: UnsafeBufferPointer<Int>) {
        let d = plan.inputShape.size, m = rows.count
        precondition(m <= batch, "a batch of \(m) rows in a step for \(batch)")
        let parts = min(workspaces.count, m)
        for s in 0..<parts {
            let part = self.rows(s, of: m, parts: parts)
            let input = workspaces[s].input
            for (r, i) in part.enumerated() {
                (input + r * d).update(from: x + rows[i] * d, count: d)
            }
        }
        for i in 0..<m { labels[i] = source[rows[i]] }
    }

    /// The mean NLL of the `m` loaded rows plus (λ/2) Σ‖W‖², with its gradient in every
    /// parameter left in ``gradient``.
    func lossAndGradient(_ theta: UnsafePointer<Float>, rows m: Int, output: OutputLayer, weightDecay: Double) -> Double {
        let parts = min(workspaces.count, m), k = plan.classCount, count = plan.parameterCount
        let sums = Parallel.map(parts, placeholder: 0.0) { s in
            let part = rows(s, of: m, parts: parts), w = workspaces[s]
            w.forward(theta, rows: part.count)
            let nll = output.negativeLogLikelihood(
                logits: UnsafeBufferPointer(start: w.logits, count: part.count * k), classes: k,
                labels: UnsafeBufferPointer(start: labels + part.lowerBound, count: part.count),
                gradient: UnsafeMutableBufferPointer(start: w.logitDeltas, count: part.count * k), scale: 1 / Double(m))
            w.backward(theta, rows: part.count, gradients: s == 0 ? gradient : partials + (s - 1) * count, wantInput: false)
            return nll
        }
        let g = gradient
        for s in 1..<max(1, parts) {
            let other = partials + (s - 1) * count
            for i in 0..<count { g[i] += other[i] }
        }
        let nll = sums.reduce(0, +) / Double(m)
        guard weightDecay > 0 else { return nll }
        let lambda = Float(weightDecay)
        var penalty = 0.0
        for range in plan.weightRanges {
            var sum: Float = 0
            for i in range {
                sum += theta[i] * theta[i]
                g[i] += lambda * theta[i]
            }
            penalty += Double(sum)
        }
        return nll + 0.5 * weightDecay * penalty
    }

    /// The full-batch objective (mean NLL + (λ/2) Σ‖W‖²), the ∞-norm of its gradient (summed
    /// in Double over chunks of the step's capacity), Σ NLL and the number of rows whose
    /// largest logit is their label's, over all n rows of x.
    func evaluate(_ theta: UnsafePointer<Float>, x: UnsafePointer<Float>, labels source: UnsafePointer<Int>, rows n: Int,
                  output: OutputLayer, weightDecay: Double)
        -> (loss: Double, negativeLogLikelihood: Double, gradientNorm: Double, correct: Int) {
        let count = plan.parameterCount, k = plan.classCount
        var total = [Double](repeating: 0, count: count)
        var nll = 0.0, correct = 0
        var start = 0
        while start < n {
            let m = min(batch, n - start)
            Array(start..<(start + m)).withUnsafeBufferPointer { load(x, labels: source, rows: $0) }
            nll += lossAndGradient(theta, rows: m, output: output, weightDecay: 0) * Double(m)
            let g = gradient
            total.withUnsafeMutableBufferPointer { t in
                for i in 0..<count { t[i] += Double(m) * Double(g[i]) }
            }
            let parts = min(workspaces.count, m)
            for s in 0..<parts {
                let part = rows(s, of: m, parts: parts), z = workspaces[s].logits
                for (r, row) in part.enumerated() {
                    var best = 0
                    for i in 1..<max(1, k) where z[r * k + i] > z[r * k + best] { best = i }
                    if best == labels[row] { correct += 1 }
                }
            }
            start += m
        }
        for i in 0..<count { total[i] /= Double(n) }
        var penalty = 0.0
        for range in plan.weightRanges {
            for i in range {
                let w = Double(theta[i])
                penalty += w * w
                total[i] += weightDecay * w
            }
        }
        let norm = total.allSatisfy(\.isFinite) ? total.reduce(0) { max($0, abs($1)) } : .nan
        return (nll / Double(n) + 0.5 * weightDecay * penalty, nll, norm, correct)
    }
}

extension Network {
    /// The training objective on all rows of x (one batch) and its gradient, laid out like the
    /// flat parameter vector (every W, then its b, layer by layer).
    func lossAndGradient(_ x: Matrix, labels: [Int], weightDecay: Double) -> (loss: Double, gradient: [Float]) {
        let step = TrainingStep(plan: plan, batch: x.rows)
        let loss = x.elements.map(Float.init).withUnsafeBufferPointer { xp in
            labels.withUnsafeBufferPointer { lp in
                Array(0..<x.rows).withUnsafeBufferPointer { rows in
                    step.load(xp.baseAddress!, labels: lp.baseAddress!, rows: rows)
                }
            }
            return parameters.withUnsafeBufferPointer { t in
                step.lossAndGradient(t.baseAddress!, rows: x.rows, output: output, weightDecay: weightDecay)
            }
        }
        return (loss, Array(UnsafeBufferPointer(start: step.gradient, count: parameters.count)))
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
