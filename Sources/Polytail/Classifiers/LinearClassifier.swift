import Foundation

/// How ``LinearClassifier/fit(features:labels:classes:output:weightDecay:optimizer:)``
/// minimises the training objective.
public enum ClassifierOptimizer: Equatable, Sendable {
    /// Full-batch, deterministic limited-memory BFGS with a strong-Wolfe line search,
    /// stopping when the ∞-norm of the objective's gradient is at most `tolerance`.
    case lbfgs(maxIterations: Int = 1000, tolerance: Double = 1e-6)
    /// Mini-batch Adam (Kingma & Ba 2015; β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸) for `epochs` passes
    /// over the data, shuffled each epoch by a ``PolytailRandom`` seeded with `seed`.
    /// Adam runs every epoch; the result reports convergence when the full-batch gradient's
    /// ∞-norm at the end is at most `tolerance`.
    case adam(epochs: Int, batchSize: Int = 32, learningRate: Double = 1e-3, seed: UInt64 = 0, tolerance: Double = 1e-4)
}

/// What a classifier fit reports beside the fitted model.
public struct TrainingResult: Equatable, Sendable, Codable {
    /// The final full-batch objective −(1/n) Σᵢ log p_{yᵢ}(xᵢ) + (λ/2)‖W‖².
    public var loss: Double
    /// ‖∇θ objective‖∞ at the returned parameters (θ = W and b).
    public var gradientNorm: Double
    /// L-BFGS iterations, or Adam epochs.
    public var iterations: Int
    /// Full-batch objective evaluations (L-BFGS) or mini-batch steps (Adam).
    public var evaluations: Int
    /// Whether the stopping criterion was met. Non-convergence is reported, never thrown.
    public var converged: Bool
    /// The objective after each iteration (L-BFGS) or epoch (Adam), starting with the
    /// initial value.
    public var lossHistory: [Double]
}

/// A fitted linear classifier and its training report.
public struct FittedClassifier: Equatable, Sendable {
    public var classifier: LinearClassifier
    public var result: TrainingResult
}

/// A multinomial linear classifier z = W x + b followed by softmax or softRmax
/// (Wang & Loog 2022, §3.1.2):
///
///     p(yᵢ | x) = ζᵢ(W x + b),   ζ = softmax (Eq. 8) or softRmax (Eq. 13).
///
/// With softmax this is multinomial logistic regression; with softRmax the posteriors
/// tend to 1/k far from the training data (the paper's conservative regressor, Fig. 1c).
public struct LinearClassifier: Equatable, Sendable, Codable {
    /// W, k × d: row i maps the features to logit zᵢ.
    public let weights: Matrix
    /// b, k entries.
    public let bias: [Double]
    /// The activation applied to the logits.
    public let output: OutputLayer

    /// The number of classes k.
    public var classes: Int { weights.rows }
    /// The number of features d.
    public var featureCount: Int { weights.columns }

    /// A classifier from its parameters.
    /// - Throws: `.tooFewClasses` for k < 2, `.dimensionMismatch` when `bias` does not
    ///   have k entries, `.emptyData` for d = 0, `.nonFiniteValue` for a NaN or infinite
    ///   weight (row and column of W; row k for the bias).
    public init(weights: Matrix, bias: [Double], output: OutputLayer) throws(PolytailError) {
        guard weights.rows >= 2 else { throw .tooFewClasses(needed: 2, got: weights.rows) }
        guard weights.columns > 0 else { throw .emptyData }
        guard bias.count == weights.rows else {
            throw .dimensionMismatch(what: "bias", expected: weights.rows, got: bias.count)
        }
        for i in 0..<weights.rows {
            for j in 0..<weights.columns where !weights[i, j].isFinite { throw .nonFiniteValue(row: i, column: j) }
        }
        for (i, v) in bias.enumerated() where !v.isFinite { throw .nonFiniteValue(row: weights.rows, column: i) }
        self.weights = weights
        self.bias = bias
        self.output = output
    }

    enum CodingKeys: String, CodingKey { case weights, bias, output }

    /// Decodes through the validating initialiser.
    /// - Throws: `DecodingError.dataCorrupted` for parameters the initialiser rejects
    ///   (a bias of the wrong length, a non-finite weight, fewer than two classes).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let weights = try c.decode(Matrix.self, forKey: .weights)
        let bias = try c.decode([Double].self, forKey: .bias)
        let output = try c.decode(OutputLayer.self, forKey: .output)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try LinearClassifier(weights: weights, bias: bias, output: output)
        }
    }

    init(unchecked weights: Matrix, bias: [Double], output: OutputLayer) {
        self.weights = weights
        self.bias = bias
        self.output = output
    }

    // MARK: Prediction

    private func checkColumns(_ x: Matrix) throws(PolytailError) {
        guard x.columns == featureCount else {
            throw .dimensionMismatch(what: "feature columns", expected: featureCount, got: x.columns)
        }
    }

    /// The logits Z = X Wᵀ + 1 bᵀ, n × k (CBLAS dgemm).
    /// - Throws: `.dimensionMismatch` when x does not have d columns.
    /// - Complexity: O(n d k).
    public func logits(_ x: Matrix) throws(PolytailError) -> Matrix {
        try checkColumns(x)
        return Matrix(uncheckedRows: x.rows, columns: classes, elements: Self.logits(x.elements, rows: x.rows, weights: weights, bias: bias))
    }

    /// The class posteriors p(y | xᵣ) of every row, n × k; rows sum to one.
    /// - Throws: `.dimensionMismatch` when x does not have d columns.
    /// - Complexity: O(n d k).
    public func posteriors(_ x: Matrix) throws(PolytailError) -> Matrix {
        try output.posteriors(of: x, logarithm: false) { (x: Matrix) throws(PolytailError) in try logits(x) }
    }

    /// log p(y | xᵣ) of every row, n × k, computed without forming the posteriors (finite
    /// where the posterior underflows).
    /// - Complexity: O(n d k).
    public func logPosteriors(_ x: Matrix) throws(PolytailError) -> Matrix {
        try output.posteriors(of: x, logarithm: true) { (x: Matrix) throws(PolytailError) in try logits(x) }
    }

    /// The most probable class of every row (the first on ties).
    /// - Complexity: O(n d k).
    public func predict(_ x: Matrix) throws(PolytailError) -> [Int] {
        let p = try logPosteriors(x)
        let k = classes
        return (0..<x.rows).map { r in
            var best = 0
            for i in 1..<k where p.elements[r * k + i] > p.elements[r * k + best] { best = i }
            return best
        }
    }

    /// The training objective at these parameters:
    /// −(1/n) Σᵣ log p_{yᵣ}(xᵣ) + (λ/2)‖W‖²_F.
    /// - Throws: the errors of ``fit(features:labels:classes:output:weightDecay:optimizer:)``'s
    ///   validation, and `.dimensionMismatch` for a feature count other than d.
    /// - Complexity: O(n d k).
    public func loss(features x: Matrix, labels: [Int], weightDecay: Double = 0) throws(PolytailError) -> Double {
        try checkColumns(x)
        try Self.validate(features: x, labels: labels, classes: classes, requireTwoPresent: false)
        try Self.checkWeightDecay(weightDecay)
        let problem = TrainingProblem(x: x.elements, labels: labels, n: x.rows, d: x.columns, k: classes,
                                      output: output, weightDecay: weightDecay)
        return problem.objective(parameters, gradient: nil)
    }

    /// What ``inputGradient(of:at:)`` differentiates.
    public enum GradientTarget: Equatable, Sendable {
        /// The negative log-likelihood −log p_y(x) of a label.
        case loss(label: Int)
        /// A logit zᵢ(x) = wᵢᵀx + bᵢ.
        case logit(Int)
        /// A posterior pᵢ(x).
        case posterior(Int)
        /// A log-posterior log pᵢ(x).
        case logPosterior(Int)
    }

    /// ∇ₓ of a logit, posterior, log-posterior or the loss at one input, by the chain rule
    /// through z = W x + b: ∇ₓ f = Wᵀ ∇_z f.
    /// - Throws: `.dimensionMismatch` when x does not have d entries, `.unknownLabel` for a
    ///   class outside 0..<k, `.nonFiniteValue` for a NaN or infinite entry.
    /// - Complexity: O(d k + k²).
    public func inputGradient(of target: GradientTarget, at x: [Double]) throws(PolytailError) -> [Double] {
        guard x.count == featureCount else {
            throw .dimensionMismatch(what: "input", expected: featureCount, got: x.count)
        }
        for (j, v) in x.enumerated() where !v.isFinite { throw .nonFiniteValue(row: 0, column: j) }
        let k = classes
        let index: Int
        switch target {
        case let .loss(i), let .logit(i), let .posterior(i), let .logPosterior(i): index = i
        }
        guard (0..<k).contains(index) else { throw .unknownLabel("\(index) (classes are 0..<\(k))") }
        let z = Self.logits(x, rows: 1, weights: weights, bias: bias)
        var dz: [Double]
        switch target {
        case .logit:
            return Array(weights.elements[(index * featureCount)..<((index + 1) * featureCount)])
        case .loss:
            dz = try logPosteriorGradient(z, index).map { -$0 }
        case .logPosterior:
            dz = try logPosteriorGradient(z, index)
        case .posterior:
            let j = output.jacobian(z)
            dz = Array(j.elements[(index * k)..<((index + 1) * k)])
        }
        var out = [Double](repeating: 0, count: featureCount)
        Blas.gemm(dz, rows: 1, columns: k, weights.elements, rows: k, columns: featureCount, into: &out)
        return out
    }

    /// ∇ₓ(−log p_{yᵣ}(xᵣ)) for every row at once, n × d (the input gradients an FGSM-type
    /// attack uses): G W with Gᵣ = −∇_z log p_{yᵣ}.
    /// - Throws: as ``loss(features:labels:weightDecay:)``.
    /// - Complexity: O(n d k).
    public func inputGradients(ofLossAt x: Matrix, labels: [Int]) throws(PolytailError) -> Matrix {
        try checkColumns(x)
        try Self.validate(features: x, labels: labels, classes: classes, requireTwoPresent: false)
        let n = x.rows, k = classes, d = featureCount
        let z = Self.logits(x.elements, rows: n, weights: weights, bias: bias)
        var g = [Double](repeating: 0, count: n * k)
        z.withUnsafeBufferPointer { zp in
            labels.withUnsafeBufferPointer { lp in
                g.withUnsafeMutableBufferPointer { gp in
                    _ = output.negativeLogLikelihood(logits: zp, classes: k, labels: lp, gradient: gp, scale: 1)
                }
            }
        }
        var out = [Double](repeating: 0, count: n * d)
        Blas.gemm(g, rows: n, columns: k, weights.elements, rows: k, columns: d, into: &out)
        return Matrix(uncheckedRows: n, columns: d, elements: out)
    }

    private func logPosteriorGradient(_ z: [Double], _ label: Int) throws(PolytailError) -> [Double] {
        switch output {
        case .softmax: return try logSoftmaxGradient(z, label: label)
        case .softRmax: return try logSoftRmaxGradient(z, label: label)
        }
    }

    /// θ = (W row-major, b).
    var parameters: [Double] { weights.elements + bias }

    static func logits(_ x: [Double], rows n: Int, weights: Matrix, bias: [Double]) -> [Double] {
        let k = weights.rows, d = weights.columns
        var z = [Double](repeating: 0, count: n * k)
        for r in 0..<n { for i in 0..<k { z[r * k + i] = bias[i] } }
        Blas.gemm(x, rows: n, columns: d, weights.elements, rows: k, columns: d, transposeB: true, into: &z, beta: 1)
        return z
    }

    // MARK: Training

    /// Fits W and b by minimising the mean negative log-likelihood with optional L2 weight
    /// decay on W (not on b):
    ///
    ///     L(W, b) = −(1/n) Σᵣ log ζ_{yᵣ}(W xᵣ + b) + (λ/2) ‖W‖²_F,
    ///
    /// ζ softmax (Eq. 8) or softRmax (Eq. 13). The gradient is analytic:
    /// ∇_W L = Gᵀ X + λ W and ∇_b L = Gᵀ 1, with Gᵣ = −(1/n) ∇_z log ζ_{yᵣ}(zᵣ), both products
    /// by CBLAS dgemm. Training starts from W = 0, b = 0 (every posterior 1/k). With softmax
    /// the objective is convex and matches scikit-learn's multinomial LogisticRegression with
    /// C = 1/(n λ); with softRmax it is not convex and a local minimum is returned.
    ///
    /// - Parameters:
    ///   - features: X, n × d, finite.
    ///   - labels: yᵣ ∈ 0..<`classes`, n entries; at least two distinct classes present.
    ///   - classes: k ≥ 2.
    ///   - output: softmax or softRmax.
    ///   - weightDecay: λ ≥ 0.
    ///   - optimizer: L-BFGS (default) or seeded mini-batch Adam.
    /// - Returns: the fitted classifier and a ``TrainingResult``.
    /// - Throws: `.emptyData` (no rows or no columns), `.dimensionMismatch` (label count ≠
    ///   rows), `.unknownLabel` (a label outside 0..<k), `.nonFiniteValue(row:column:)`,
    ///   `.tooFewClasses` (k < 2 or fewer than two classes present), `.invalidParameter`
    ///   (negative or non-finite λ, bad optimizer settings), `.numericalFailure` when the
    ///   objective is not finite at the start.
    /// - Complexity: O(n d k) per objective evaluation (L-BFGS) or per epoch (Adam).
    public static func fit(
        features: Matrix, labels: [Int], classes: Int, output: OutputLayer,
        weightDecay: Double = 0, optimizer: ClassifierOptimizer = .lbfgs()
    ) throws(PolytailError) -> FittedClassifier {
        try validate(features: features, labels: labels, classes: classes, requireTwoPresent: true)
        try checkWeightDecay(weightDecay)
        let n = features.rows, d = features.columns, k = classes
        let problem = TrainingProblem(x: features.elements, labels: labels, n: n, d: d, k: k,
                                      output: output, weightDecay: weightDecay)
        let start = [Double](repeating: 0, count: k * d + k)
        switch optimizer {
        case let .lbfgs(maxIterations, tolerance):
            guard maxIterations >= 1 else {
                throw .invalidParameter(name: "maxIterations", value: Double(maxIterations), requirement: "must be at least 1")
            }
            guard tolerance.isFinite, tolerance > 0 else {
                throw .invalidParameter(name: "tolerance", value: tolerance, requirement: "must be positive and finite")
            }
            let minimizer = LBFGS(maxIterations: maxIterations, gradientTolerance: tolerance)
            guard let result = minimizer.minimize(start: start, { theta, gradient in
                problem.objective(theta, gradient: &gradient)
            }) else {
                throw .numericalFailure("the training objective is not finite at the starting point")
            }
            let classifier = problem.classifier(result.x)
            return FittedClassifier(
                classifier: classifier,
                result: TrainingResult(loss: result.value, gradientNorm: result.gradientNorm, iterations: result.iterations,
                                       evaluations: result.evaluations, converged: result.converged,
                                       lossHistory: result.history))
        case let .adam(epochs, batchSize, learningRate, seed, tolerance):
            guard epochs >= 1 else {
                throw .invalidParameter(name: "epochs", value: Double(epochs), requirement: "must be at least 1")
            }
            guard batchSize >= 1 else {
                throw .invalidParameter(name: "batchSize", value: Double(batchSize), requirement: "must be at least 1")
            }
            guard learningRate.isFinite, learningRate > 0 else {
                throw .invalidParameter(name: "learningRate", value: learningRate, requirement: "must be positive and finite")
            }
            guard tolerance.isFinite, tolerance > 0 else {
                throw .invalidParameter(name: "tolerance", value: tolerance, requirement: "must be positive and finite")
            }
            return try adam(problem, start: start, epochs: epochs, batchSize: batchSize,
                            learningRate: learningRate, seed: seed, tolerance: tolerance)
        }
    }

    private static func adam(
        _ problem: TrainingProblem, start: [Double], epochs: Int, batchSize: Int,
        learningRate: Double, seed: UInt64, tolerance: Double
    ) throws(PolytailError) -> FittedClassifier {
        let (beta1, beta2, epsilon) = (0.9, 0.999, 1e-8)
        let p = start.count
        var theta = start
        var m1 = [Double](repeating: 0, count: p)
        var m2 = [Double](repeating: 0, count: p)
        var gradient = [Double](repeating: 0, count: p)
        var generator = PolytailRandom(seed: seed)
        var order = Array(0..<problem.n)
        let initial = problem.objective(theta, gradient: nil)
        guard initial.isFinite else { throw .numericalFailure("the training objective is not finite at the starting point") }
        var history = [initial]
        var step = 0
        for _ in 0..<epochs {
            order.shuffle(using: &generator)
            var begin = 0
            while begin < order.count {
                let end = min(order.count, begin + batchSize)
                let batch = problem.subset(Array(order[begin..<end]))
                _ = batch.objective(theta, gradient: &gradient)
                step += 1
                let c1 = 1 - pow(beta1, Double(step))
                let c2 = 1 - pow(beta2, Double(step))
                for i in 0..<p {
                    let g = gradient[i]
                    m1[i] = beta1 * m1[i] + (1 - beta1) * g
                    m2[i] = beta2 * m2[i] + (1 - beta2) * g * g
                    theta[i] -= learningRate * (m1[i] / c1) / ((m2[i] / c2).squareRoot() + epsilon)
                }
                begin = end
            }
            history.append(problem.objective(theta, gradient: nil))
        }
        let final = problem.objective(theta, gradient: &gradient)
        let norm = gradient.reduce(0) { max($0, abs($1)) }
        return FittedClassifier(
            classifier: problem.classifier(theta),
            result: TrainingResult(loss: final, gradientNorm: norm, iterations: epochs, evaluations: step,
                                   converged: final.isFinite && norm <= tolerance, lossHistory: history))
    }

    // MARK: Validation

    static func validate(features: Matrix, labels: [Int], classes: Int, requireTwoPresent: Bool) throws(PolytailError) {
        guard classes >= 2 else { throw .tooFewClasses(needed: 2, got: classes) }
        guard features.rows > 0, features.columns > 0 else { throw .emptyData }
        guard labels.count == features.rows else {
            throw .dimensionMismatch(what: "labels", expected: features.rows, got: labels.count)
        }
        var present = [Bool](repeating: false, count: classes)
        for (r, y) in labels.enumerated() {
            guard (0..<classes).contains(y) else { throw .unknownLabel("\(y) at row \(r) (classes are 0..<\(classes))") }
            present[y] = true
        }
        let d = features.columns
        for r in 0..<features.rows {
            for j in 0..<d where !features.elements[r * d + j].isFinite { throw .nonFiniteValue(row: r, column: j) }
        }
        if requireTwoPresent {
            let count = present.reduce(0) { $0 + ($1 ? 1 : 0) }
            guard count >= 2 else { throw .tooFewClasses(needed: 2, got: count) }
        }
    }

    static func checkWeightDecay(_ lambda: Double) throws(PolytailError) {
        guard lambda.isFinite, lambda >= 0 else {
            throw .invalidParameter(name: "weightDecay", value: lambda, requirement: "must be finite and non-negative")
        }
    }
}

/// The training objective L(θ) = −(1/n) Σ log ζ_{yᵣ}(W xᵣ + b) + (λ/2)‖W‖² and its gradient,
/// on a fixed data set. θ = (W row-major k × d, b).
final class TrainingProblem: @unchecked Sendable {
    let x: [Double]
    let labels: [Int]
    let n: Int, d: Int, k: Int
    let output: OutputLayer
    let weightDecay: Double
    private var logitBuffer: [Double]
    private var gBuffer: [Double]

    init(x: [Double], labels: [Int], n: Int, d: Int, k: Int, output: OutputLayer, weightDecay: Double) {
        self.x = x
        self.labels = labels
        self.n = n; self.d = d; self.k = k
        self.output = output
        self.weightDecay = weightDecay
        logitBuffer = [Double](repeating: 0, count: n * k)
        gBuffer = [Double](repeating: 0, count: n * k)
    }

    func subset(_ rows: [Int]) -> TrainingProblem {
        var xs = [Double]()
        xs.reserveCapacity(rows.count * d)
        for r in rows { xs.append(contentsOf: x[(r * d)..<(r * d + d)]) }
        return TrainingProblem(x: xs, labels: rows.map { labels[$0] }, n: rows.count, d: d, k: k,
                               output: output, weightDecay: weightDecay)
    }

    func classifier(_ theta: [Double]) -> LinearClassifier {
        LinearClassifier(unchecked: Matrix(uncheckedRows: k, columns: d, elements: Array(theta[0..<(k * d)])),
                         bias: Array(theta[(k * d)...]), output: output)
    }

    /// L(θ); writes ∇L(θ) when `gradient` is given.
    func objective(_ theta: [Double], gradient: UnsafeMutablePointer<[Double]>?) -> Double {
        let kd = k * d
        let w = Array(theta[0..<kd])
        for r in 0..<n { for i in 0..<k { logitBuffer[r * k + i] = theta[kd + i] } }
        Blas.gemm(x, rows: n, columns: d, w, rows: k, columns: d, transposeB: true, into: &logitBuffer, beta: 1)
        let scale = 1 / Double(n)
        let wantGradient = gradient != nil
        let nll = logitBuffer.withUnsafeBufferPointer { zp in
            labels.withUnsafeBufferPointer { lp in
                gBuffer.withUnsafeMutableBufferPointer { gp in
                    output.negativeLogLikelihood(logits: zp, classes: k, labels: lp,
                                                 gradient: wantGradient ? gp : nil, scale: scale)
                }
            }
        }
        var penalty = 0.0
        for v in w { penalty += v * v }
        let value = nll * scale + 0.5 * weightDecay * penalty
        if let gradient {
            var gw = w
            // ∇_W = Gᵀ X + λ W (dgemm with β = λ on a copy of W).
            Blas.gemm(gBuffer, rows: n, columns: k, transposeA: true, x, rows: n, columns: d,
                      into: &gw, alpha: 1, beta: weightDecay)
            var gb = [Double](repeating: 0, count: k)
            for r in 0..<n { for i in 0..<k { gb[i] += gBuffer[r * k + i] } }
            gradient.pointee = gw + gb
        }
        return value
    }

    func objective(_ theta: [Double], gradient: inout [Double]) -> Double {
        withUnsafeMutablePointer(to: &gradient) { objective(theta, gradient: $0) }
    }
}
