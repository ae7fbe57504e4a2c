import Foundation

/// How ``LinearClassifier/fit(_:labels:classCount:output:weightDecay:optimizer:using:)``
/// minimises the training objective.
public enum ClassifierOptimizer: Equatable, Sendable {
    /// Full-batch, deterministic limited-memory BFGS with a strong-Wolfe line search,
    /// stopping when the ∞-norm of the objective's gradient is at most `tolerance`.
    case lbfgs(maxIterations: Int = 1000, tolerance: Double = 1e-6)
    /// Mini-batch Adam (Kingma & Ba 2015; β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸) for `epochs` passes
    /// over the data, shuffled each epoch by the generator passed to `fit(…, using:)`.
    /// Adam runs every epoch; the result reports convergence when the full-batch gradient's
    /// ∞-norm at the end is at most `tolerance`.
    case adam(epochs: Int, batchSize: Int = 32, learningRate: Double = 1e-3, tolerance: Double = 1e-4)

    /// Checks the settings, for the fit and for decoding alike: iterations, epochs and batch
    /// size at least 1, learning rate and tolerance positive and finite.
    /// - Throws: `.invalidParameter` naming the setting.
    func validate() throws(PolytailError) {
        switch self {
        case let .lbfgs(maxIterations, tolerance):
            guard maxIterations >= 1 else {
                throw .invalidParameter(name: "maxIterations", value: Double(maxIterations), requirement: "must be at least 1")
            }
            guard tolerance.isFinite, tolerance > 0 else {
                throw .invalidParameter(name: "tolerance", value: tolerance, requirement: "must be positive and finite")
            }
        case let .adam(epochs, batchSize, learningRate, tolerance):
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
        }
    }
}

/// A multinomial linear classifier z = x W + b followed by softmax or softRmax
/// (Wang & Loog 2022, §3.1.2):
///
///     p(yᵢ | x) = ζᵢ(x W + b),   ζ = softmax (Eq. 8) or softRmax (Eq. 13),
///
/// with x a row (one observation), W d × k (fan-in × fan-out, the orientation of every
/// layer of ``Network``) and b k entries. With softmax this is multinomial logistic
/// regression; with softRmax the posteriors tend to 1/k far from the training data (the
/// paper's conservative regressor, Fig. 1c).
public struct LinearClassifier: Equatable, Sendable, Codable {
    /// W, d × k: column i maps the variables to logit zᵢ.
    public let weights: Matrix
    /// b, k entries.
    public let bias: [Double]
    /// The activation applied to the logits.
    public let output: OutputLayer

    /// The number of classes k.
    public var classCount: Int { weights.columns }
    /// The number of variables d.
    public var dimension: Int { weights.rows }

    /// A classifier from its parameters.
    /// - Parameters:
    ///   - weights: W, d × k (fan-in × fan-out).
    ///   - bias: b, k entries.
    ///   - output: softmax or softRmax.
    /// - Throws: `.tooFewClasses` for k < 2, `.dimensionMismatch` when `bias` does not
    ///   have k entries, `.emptyData` for d = 0, `.nonFiniteValue` for a NaN or infinite
    ///   weight (row and column of W; row d for the bias).
    public init(weights: Matrix, bias: [Double], output: OutputLayer) throws(PolytailError) {
        guard weights.columns >= 2 else { throw .tooFewClasses(needed: 2, got: weights.columns) }
        guard weights.rows > 0 else { throw .emptyData }
        guard bias.count == weights.columns else {
            throw .dimensionMismatch(what: "bias", expected: weights.columns, got: bias.count)
        }
        for i in 0..<weights.rows {
            for j in 0..<weights.columns where !weights[i, j].isFinite { throw .nonFiniteValue(row: i, column: j) }
        }
        for (j, v) in bias.enumerated() where !v.isFinite { throw .nonFiniteValue(row: weights.rows, column: j) }
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

    private func checkColumns(_ observations: Matrix) throws(PolytailError) {
        guard observations.columns == dimension else {
            throw .dimensionMismatch(what: "feature columns", expected: dimension, got: observations.columns)
        }
    }

    /// The logits Z = X W + 1 bᵀ, n × k (CBLAS dgemm).
    /// - Parameter observations: X, n × d.
    /// - Returns: n × k logits.
    /// - Throws: `.dimensionMismatch` when the observations do not have d columns.
    /// - Complexity: O(n d k).
    public func logits(_ observations: Matrix) throws(PolytailError) -> Matrix {
        try checkColumns(observations)
        return Matrix(uncheckedRows: observations.rows, columns: classCount,
                      elements: Self.logits(observations.elements, rows: observations.rows, weights: weights, bias: bias))
    }

    /// The class posteriors p(y | xᵣ) of every observation, n × k; rows sum to one.
    /// - Parameter observations: n × d.
    /// - Returns: n × k posteriors, column i for class i.
    /// - Throws: `.dimensionMismatch` when the observations do not have d columns.
    /// - Complexity: O(n d k).
    public func posteriors(_ observations: Matrix) throws(PolytailError) -> Matrix {
        try output.posteriors(of: observations, logarithm: false) { (x: Matrix) throws(PolytailError) in try logits(x) }
    }

    /// log p(y | xᵣ) of every observation, n × k, computed without forming the posteriors
    /// (finite where the posterior underflows).
    /// - Parameter observations: n × d.
    /// - Returns: n × k log posteriors.
    /// - Throws: `.dimensionMismatch` when the observations do not have d columns.
    /// - Complexity: O(n d k).
    public func logPosteriors(_ observations: Matrix) throws(PolytailError) -> Matrix {
        try output.posteriors(of: observations, logarithm: true) { (x: Matrix) throws(PolytailError) in try logits(x) }
    }

    /// The most probable class label (0 ..< k) of every observation (the first on ties).
    /// ``accuracy(_:labels:)`` compares these with given labels.
    /// - Parameter observations: n × d.
    /// - Returns: n labels.
    /// - Throws: `.dimensionMismatch` when the observations do not have d columns.
    /// - Complexity: O(n d k).
    public func predict(_ observations: Matrix) throws(PolytailError) -> [Int] {
        let p = try logPosteriors(observations)
        let k = classCount
        return (0..<observations.rows).map { r in
            var best = 0
            for i in 1..<k where p.elements[r * k + i] > p.elements[r * k + best] { best = i }
            return best
        }
    }

    /// The training objective at these parameters:
    /// −(1/n) Σᵣ log p_{yᵣ}(xᵣ) + (λ/2)‖W‖²_F.
    /// - Parameters:
    ///   - observations: n × d.
    ///   - labels: n labels in 0 ..< k.
    ///   - weightDecay: λ ≥ 0.
    /// - Returns: the objective.
    /// - Throws: the errors of ``fit(_:labels:classCount:output:weightDecay:optimizer:using:)``'s
    ///   validation, and `.dimensionMismatch` for a column count other than d.
    /// - Complexity: O(n d k).
    public func loss(_ observations: Matrix, labels: [Int], weightDecay: Double = 0) throws(PolytailError) -> Double {
        try checkColumns(observations)
        try Self.validate(observations, labels: labels, classCount: classCount, requireTwoPresent: false)
        try Self.checkWeightDecay(weightDecay)
        let problem = TrainingProblem(x: observations.elements, labels: labels, n: observations.rows, d: observations.columns,
                                      k: classCount, output: output, weightDecay: weightDecay)
        return problem.value(parameters)
    }

    /// θ = (W row-major d × k, b).
    var parameters: [Double] { weights.elements + bias }

    static func logits(_ x: [Double], rows n: Int, weights: Matrix, bias: [Double]) -> [Double] {
        let d = weights.rows, k = weights.columns
        var z = [Double](repeating: 0, count: n * k)
        for r in 0..<n { for i in 0..<k { z[r * k + i] = bias[i] } }
        Blas.gemm(x, rows: n, columns: d, weights.elements, rows: d, columns: k, into: &z, beta: 1)
        return z
    }

    // MARK: Training

    /// Fits W and b by minimising the mean negative log-likelihood with optional L2 weight
    /// decay on W (not on b):
    ///
    ///     L(W, b) = −(1/n) Σᵣ log ζ_{yᵣ}(xᵣ W + b) + (λ/2) ‖W‖²_F,
    ///
    /// ζ softmax (Eq. 8) or softRmax (Eq. 13). The gradient is analytic:
    /// ∇_W L = Xᵀ G + λ W and ∇_b L = Gᵀ 1, with Gᵣ = −(1/n) ∇_z log ζ_{yᵣ}(zᵣ), both products
    /// by CBLAS dgemm. Training starts from W = 0, b = 0 (every posterior 1/k). With softmax
    /// the objective is convex and matches scikit-learn's multinomial LogisticRegression with
    /// C = 1/(n λ); with softRmax it is not convex and a local minimum is returned.
    ///
    /// - Parameters:
    ///   - observations: X, n × d, finite.
    ///   - labels: yᵣ ∈ 0 ..< `classCount`, n entries; at least two distinct classes present.
    ///   - classCount: k ≥ 2.
    ///   - output: softmax or softRmax.
    ///   - weightDecay: λ ≥ 0.
    ///   - optimizer: L-BFGS (default, deterministic) or mini-batch Adam.
    ///   - generator: shuffles the mini-batches of Adam (L-BFGS does not draw from it).
    /// - Returns: the fitted classifier and its ``FitResult``: the log-likelihood
    ///   ℓ = Σᵣ log ζ_{yᵣ}(xᵣ W + b) at the estimate (without the penalty), n observations,
    ///   ``FitResult/parameterCount`` (d + 1)(k − 1) for softmax — adding one vector to every
    ///   column of (W; b) leaves softmax unchanged, so one class's parameters are not identified —
    ///   and (d + 1) k for softRmax, AIC and BIC from them, iterations (L-BFGS iterations and
    ///   Newton polishing steps, or Adam epochs), convergence, ``FitResult/training`` (the minimised penalised mean NLL, its
    ///   gradient's ∞-norm at the estimate, the training accuracy, and the objective evaluations
    ///   of L-BFGS or mini-batch steps of Adam) and ``FitResult/objectiveHistory`` (the objective
    ///   at the start and after every iteration or epoch). ``FitResult/parameters`` are the
    ///   identified parameters, class by class with the intercept first: for softmax the log odds
    ///   against the reference class 0 (``FitParameter/logOddsIntercept(_:)`` bᵢ − b₀ and
    ///   ``FitParameter/logOddsCoefficient(_:_:)`` Wⱼᵢ − Wⱼ₀, i = 1 ..< k, statsmodels `MNLogit`'s
    ///   parametrisation), for softRmax ``FitParameter/bias(_:)`` and ``FitParameter/weight(_:_:)``
    ///   of every class. With λ = 0 and a converged optimiser ``FitResult/covariance`` is their
    ///   inverse observed information, computed once after the fit (an L-BFGS estimate is first
    ///   polished by Newton's method to the maximum likelihood); otherwise it is `nil` and
    ///   ``FitResult/covarianceOmission`` says why: `.penalized` (λ > 0: a penalised estimate,
    ///   for which AIC and BIC are also only nominal), `.notConverged`, `.separation` (softmax on
    ///   linearly separable classes: no finite MLE), `.singularInformation` (collinear variables,
    ///   quasi-separation, a saddle of softRmax) or `.tooManyParameters` (more than
    ///   ``maximumCovarianceParameters``).
    /// - Throws: `.emptyData` (no rows or no columns), `.dimensionMismatch` (label count ≠
    ///   rows), `.unknownLabel` (a label outside 0..<k), `.nonFiniteValue(row:column:)`,
    ///   `.tooFewClasses` (k < 2 or fewer than two classes present), `.invalidParameter`
    ///   (negative or non-finite λ, bad optimizer settings), `.numericalFailure` when the
    ///   objective is not finite at the start.
    /// - Complexity: O(n d k) per objective evaluation (L-BFGS) or per epoch (Adam); with λ = 0,
    ///   O(n d² k² + d³ k³) for the information and its inverse, once per Newton step (usually
    ///   one or two).
    public static func fit(
        _ observations: Matrix, labels: [Int], classCount: Int, output: OutputLayer,
        weightDecay: Double = 0, optimizer: ClassifierOptimizer = .lbfgs(),
        using generator: inout PolytailRandom
    ) throws(PolytailError) -> Fitted<LinearClassifier> {
        try validate(observations, labels: labels, classCount: classCount, requireTwoPresent: true)
        try checkWeightDecay(weightDecay)
        let n = observations.rows, d = observations.columns, k = classCount
        let problem = TrainingProblem(x: observations.elements, labels: labels, n: n, d: d, k: k,
                                      output: output, weightDecay: weightDecay)
        let start = [Double](repeating: 0, count: d * k + k)
        switch optimizer {
        case let .lbfgs(maxIterations, tolerance):
            try optimizer.validate()
            let minimizer = LBFGS(maxIterations: maxIterations, gradientTolerance: tolerance)
            guard let result = minimizer.minimize(start: start, { theta, gradient in
                problem.objective(theta, gradient: &gradient)
            }) else {
                throw .numericalFailure("the training objective is not finite at the starting point")
            }
            return problem.fitted(result.x, objective: result.value, gradientNorm: result.gradientNorm,
                                  iterations: result.iterations, steps: result.evaluations, converged: result.converged,
                                  history: result.history, polish: true)
        case let .adam(epochs, batchSize, learningRate, tolerance):
            try optimizer.validate()
            return try adam(problem, start: start, epochs: epochs, batchSize: batchSize,
                            learningRate: learningRate, tolerance: tolerance, using: &generator)
        }
    }

    /// ``fit(_:labels:classCount:output:weightDecay:optimizer:using:)`` for L-BFGS, which draws
    /// no random numbers (deterministic).
    /// - Throws: as the full form, and `.invalidParameter` for `.adam`, which needs a generator.
    public static func fit(
        _ observations: Matrix, labels: [Int], classCount: Int, output: OutputLayer,
        weightDecay: Double = 0, optimizer: ClassifierOptimizer = .lbfgs()
    ) throws(PolytailError) -> Fitted<LinearClassifier> {
        if case .adam = optimizer {
            throw .invalidParameter(name: "optimizer", value: .nan,
                                    requirement: "Adam shuffles its mini-batches: pass a generator with fit(…, using: &generator)")
        }
        var unused = PolytailRandom(seed: 0)
        return try fit(observations, labels: labels, classCount: classCount, output: output, weightDecay: weightDecay,
                       optimizer: optimizer, using: &unused)
    }

    private static func adam(
        _ problem: TrainingProblem, start: [Double], epochs: Int, batchSize: Int,
        learningRate: Double, tolerance: Double, using generator: inout PolytailRandom
    ) throws(PolytailError) -> Fitted<LinearClassifier> {
        let p = start.count
        var theta = start
        var adam = Adam<Double>(count: p, learningRate: learningRate)
        var gradient = [Double](repeating: 0, count: p)
        var order = Array(0..<problem.n)
        let initial = problem.value(theta)
        guard initial.isFinite else { throw .numericalFailure("the training objective is not finite at the starting point") }
        var history = [initial]
        for _ in 0..<epochs {
            order.shuffle(using: &generator)
            var begin = 0
            while begin < order.count {
                let end = min(order.count, begin + batchSize)
                let batch = problem.subset(Array(order[begin..<end]))
                _ = batch.objective(theta, gradient: &gradient)
                adam.update(&theta, gradient: gradient)
                begin = end
            }
            history.append(problem.value(theta))
        }
        let final = problem.objective(theta, gradient: &gradient)
        let norm = gradient.reduce(0) { max($0, abs($1)) }
        return problem.fitted(theta, objective: final, gradientNorm: norm, iterations: epochs, steps: adam.step,
                              converged: final.isFinite && norm <= tolerance, history: history, polish: false)
    }

    // MARK: Validation

    static func validate(_ observations: Matrix, labels: [Int], classCount: Int, requireTwoPresent: Bool) throws(PolytailError) {
        guard classCount >= 2 else { throw .tooFewClasses(needed: 2, got: classCount) }
        guard observations.rows > 0, observations.columns > 0 else { throw .emptyData }
        guard labels.count == observations.rows else {
            throw .dimensionMismatch(what: "labels", expected: observations.rows, got: labels.count)
        }
        var present = [Bool](repeating: false, count: classCount)
        for (r, y) in labels.enumerated() {
            guard (0..<classCount).contains(y) else { throw .unknownLabel("\(y) at row \(r) (classes are 0..<\(classCount))") }
            present[y] = true
        }
        let d = observations.columns
        for r in 0..<observations.rows {
            for j in 0..<d where !observations.elements[r * d + j].isFinite { throw .nonFiniteValue(row: r, column: j) }
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

/// The training objective L(θ) = −(1/n) Σ log ζ_{yᵣ}(xᵣ W + b) + (λ/2)‖W‖² and its gradient,
/// on a fixed data set. θ = (W row-major d × k, b).
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
        LinearClassifier(unchecked: Matrix(uncheckedRows: d, columns: k, elements: Array(theta[0..<(d * k)])),
                         bias: Array(theta[(d * k)...]), output: output)
    }

    /// The classifier at θ and its ``FitResult`` (see
    /// ``LinearClassifier/fit(_:labels:classCount:output:weightDecay:optimizer:using:)``).
    ///
    /// With λ = 0 and a converged optimiser the result carries the covariance of the
    /// identified parameters (the inverse observed information, computed once here, never per
    /// iteration); `polish` (L-BFGS) first takes Newton steps to the maximum likelihood to
    /// rounding level. Otherwise ``FitResult/covarianceOmission`` says why there is none.
    func fitted(_ theta: [Double], objective: Double, gradientNorm: Double, iterations: Int, steps: Int,
                converged: Bool, history: [Double], polish: Bool) -> Fitted<LinearClassifier> {
        var theta = theta, objective = objective, gradientNorm = gradientNorm
        var iterations = iterations, steps = steps, history = history
        var information: [Double]? = nil
        var omission: CovarianceOmission? = nil
        if weightDecay > 0 {
            omission = .penalized
        } else if !converged {
            omission = .notConverged
        } else if identifiedParameterCount > LinearClassifier.maximumCovarianceParameters {
            omission = .tooManyParameters
        } else if output == .softmax && separates(logits: logits(theta)) {
            omission = .separation
        } else if polish {
            let polished = newtonPolish(theta, value: objective)
            theta = polished.theta
            objective = polished.value
            gradientNorm = polished.gradient.reduce(0) { max($0, abs($1)) }
            iterations += polished.history.count
            steps += polished.evaluations
            history += polished.history
            information = polished.information
        } else {
            information = self.information(theta)
        }
        var covariance: Matrix? = nil
        if omission == nil {
            covariance = information.flatMap { self.covariance(fromInformation: $0) }
            if covariance == nil { omission = .singularInformation }
        }
        let z = logits(theta)
        let logLikelihood = -output.negativeLogLikelihood(logits: z, classes: k, labels: labels)
        let parameterCount = output == .softmax ? (d + 1) * (k - 1) : (d + 1) * k
        let (parameters, estimates) = identifiedParameters(theta)
        var result = FitResult(unchecked: parameters, estimates: estimates, covariance: covariance, observationCount: n,
                               sampleSize: Double(n), logLikelihood: logLikelihood, parameterCount: parameterCount,
                               iterations: iterations, converged: converged)
        result.covarianceOmission = result.covariance == nil ? (omission ?? .singularInformation) : nil
        result.objectiveHistory = history
        // The predicted class is the largest logit for softmax and softRmax alike (the nearest
        // basis vector eᵢ minimises ‖z − eᵢ‖² = ‖z‖² − 2zᵢ + 1).
        var correct = 0
        for r in 0..<n {
            var best = 0
            for i in 1..<k where z[r * k + i] > z[r * k + best] { best = i }
            if best == labels[r] { correct += 1 }
        }
        // A diverged Adam run (non-finite objective) reports no training summary.
        result.training = try? TrainingSummary(loss: objective, gradientNorm: gradientNorm,
                                               trainingAccuracy: Double(correct) / Double(n), steps: steps)
        return Fitted(model: classifier(theta), result: result)
    }

    /// L(θ) without the gradient.
    func value(_ theta: [Double]) -> Double {
        var unused: [Double] = []
        return evaluate(theta, gradient: &unused, wantGradient: false)
    }

    /// L(θ), writing ∇L(θ) into `gradient`.
    func objective(_ theta: [Double], gradient: inout [Double]) -> Double {
        evaluate(theta, gradient: &gradient, wantGradient: true)
    }

    private func evaluate(_ theta: [Double], gradient: inout [Double], wantGradient: Bool) -> Double {
        let dk = d * k
        let w = Array(theta[0..<dk])
        for r in 0..<n { for i in 0..<k { logitBuffer[r * k + i] = theta[dk + i] } }
        Blas.gemm(x, rows: n, columns: d, w, rows: d, columns: k, into: &logitBuffer, beta: 1)
        let scale = 1 / Double(n)
        let nll = wantGradient
            ? output.negativeLogLikelihood(logits: logitBuffer, classes: k, labels: labels, gradient: &gBuffer, scale: scale)
            : output.negativeLogLikelihood(logits: logitBuffer, classes: k, labels: labels)
        var penalty = 0.0
        for v in w { penalty += v * v }
        let value = nll * scale + 0.5 * weightDecay * penalty
        if wantGradient {
            var gw = w
            // ∇_W = Xᵀ G + λ W (dgemm with β = λ on a copy of W).
            Blas.gemm(x, rows: n, columns: d, transposeA: true, gBuffer, rows: n, columns: k,
                      into: &gw, alpha: 1, beta: weightDecay)
            var gb = [Double](repeating: 0, count: k)
            for r in 0..<n { for i in 0..<k { gb[i] += gBuffer[r * k + i] } }
            gradient = gw + gb
        }
        return value
    }
}
