import Foundation

/// How the substitute network of a black-box attack is built and trained.
public struct SubstituteSettings: Sendable, Equatable {
    /// Hidden-layer widths of the substitute MLP.
    public var hidden: [Int]
    /// Its output layer: a softmax substitute against a softRmax target is the transfer
    /// setting that does not inherit the target's conservative tail.
    public var output: OutputLayer
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var weightDecay: Double

    public init(hidden: [Int] = [128], output: OutputLayer = .softmax, epochs: Int = 30, batchSize: Int = 64,
                learningRate: Double = 1e-3, weightDecay: Double = 0) {
        self.hidden = hidden
        self.output = output
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// The outcome of a black-box substitute attack.
public struct BlackBoxAttack: Sendable {
    /// The adversarial inputs, crafted on the substitute, to be fed to the target.
    public let adversarial: Matrix
    /// The trained substitute.
    public let substitute: Network
    /// Its training record (on the target's predicted labels): the ``FitResult`` of
    /// ``Network/fit(_:labels:classCount:hidden:output:epochs:batchSize:learningRate:weightDecay:tolerance:using:progress:)``.
    public let result: FitResult
    /// The fraction of pool rows on which substitute and target predict the same class.
    public let agreement: Double
}

/// Papernot et al.'s Jacobian-based dataset augmentation (Papernot, McDaniel, Goodfellow,
/// Jha, Celik & Swami 2017, "Practical black-box attacks against machine learning",
/// Algorithm 1): the attacker starts from a small seed set, labels it with the attacked
/// model, and after every substitute training round adds, for each sample x with oracle
/// label ŷ, the point
///
///     x_new = clip(x + λ_ρ · sign(∇ₓ z_ŷ(x; F_ρ))),     λ_ρ = λ · (−1)^{⌊ρ/τ⌋},
///
/// z the substitute F_ρ's logits (cleverhans' variant; the paper differentiates F's output),
/// then queries the attacked model for the new points' labels. The set doubles every round.
public struct JacobianAugmentation: Sendable, Equatable, Codable {
    /// The size of the seed set S₀, drawn without replacement from the attacker's pool.
    public var initialCount: Int
    /// The number of augmentation rounds ρ; the substitute is trained ρ + 1 times, the last
    /// time on |S₀| · 2^ρ samples (all of them labelled by the attacked model).
    public var augmentations: Int
    /// The step λ > 0 (0.1 in the paper's MNIST experiments).
    public var lambda: Double
    /// τ: λ changes sign every τ rounds (Papernot et al.'s periodic step size); nil: never.
    public var signPeriod: Int?

    /// Augmentation settings (defaults: 150 seed samples as in the paper, 4 rounds, λ = 0.1).
    public init(initialCount: Int = 150, augmentations: Int = 4, lambda: Double = 0.1, signPeriod: Int? = nil) {
        self.initialCount = initialCount
        self.augmentations = augmentations
        self.lambda = lambda
        self.signPeriod = signPeriod
    }

    /// Checks the settings: 1 ≤ |S₀| (≤ the pool's rows when given), ρ in 0…20, λ finite and
    /// positive, τ ≥ 1.
    /// - Parameter poolRows: the rows of the attacker's pool, when known.
    /// - Throws: `.invalidParameter` naming the setting.
    func check(poolRows: Int? = nil) throws(PolytailError) {
        guard initialCount >= 1, initialCount <= poolRows ?? Int.max else {
            throw .invalidParameter(name: "initialCount", value: Double(initialCount),
                                    requirement: poolRows.map { "between 1 and the pool's \($0) rows" } ?? "at least 1")
        }
        guard augmentations >= 0, augmentations <= 20 else {
            throw .invalidParameter(name: "augmentations", value: Double(augmentations), requirement: "in 0…20")
        }
        guard lambda.isFinite, lambda > 0 else {
            throw .invalidParameter(name: "lambda", value: lambda, requirement: "finite and positive")
        }
        if let tau = signPeriod, tau < 1 {
            throw .invalidParameter(name: "signPeriod", value: Double(tau), requirement: "at least 1")
        }
    }

    enum CodingKeys: String, CodingKey { case initialCount, augmentations, lambda, signPeriod }

    /// Decodes settings through ``init(initialCount:augmentations:lambda:signPeriod:)`` and
    /// their checks (the pool is not known yet: |S₀| ≥ 1 only).
    /// - Throws: `DecodingError.dataCorrupted` for settings no attack accepts.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(initialCount: try c.decode(Int.self, forKey: .initialCount), augmentations: try c.decode(Int.self, forKey: .augmentations),
                  lambda: try c.decode(Double.self, forKey: .lambda), signPeriod: try c.decodeIfPresent(Int.self, forKey: .signPeriod))
        try validatedDecoding(decoder) { () throws(PolytailError) in try check() }
    }

    /// |S₀| · 2^ρ: the number of queries to the attacked model (every sample of the final set
    /// is labelled once).
    public var queryCount: Int { initialCount << augmentations }
}

/// How the attacker builds the substitute's training set.
public enum SubstituteMethod: Sendable, Equatable, Codable {
    /// Every image of the attacker's pool is labelled by the attacked model (as many queries
    /// as the pool has rows) and the substitute is trained once on them.
    case full
    /// Jacobian-based augmentation from a small seed set (``JacobianAugmentation``).
    case papernot(JacobianAugmentation)
}

/// A substitute network trained on the attacked model's predicted labels.
public struct Substitute<Model: DifferentiableClassifier>: Sendable {
    /// The trained substitute.
    public let model: Model
    /// The number of inputs the attacked model was asked to label.
    public let queryCount: Int
    /// The fraction of the attacker's pool on which substitute and attacked model predict
    /// the same class (an evaluation: these predictions are not counted as queries for
    /// ``SubstituteMethod/papernot(_:)``).
    public let agreement: Double
}

extension Adversarial {
    /// Trains a substitute of `target` from its predicted labels (the black-box threat model
    /// of Papernot et al. 2017): on every row of `pool` (``SubstituteMethod/full``), or by
    /// Jacobian-based augmentation from a seed subset of `pool`
    /// (``SubstituteMethod/papernot(_:)``, see ``JacobianAugmentation``).
    /// - Parameters:
    ///   - target: the attacked model, used only through its predictions.
    ///   - pool: the attacker's unlabelled images (n × d, inside `clip`).
    ///   - method: full pool or Jacobian augmentation.
    ///   - clip: the valid input range; augmented points are clipped to it.
    ///   - generator: draws the seed subset (Papernot) and is handed to `fit`.
    ///   - fit: trains a substitute of the caller's architecture on (observations, labels);
    ///     it is called once (full) or ρ + 1 times (Papernot, each time on the grown set).
    /// - Returns: the substitute, the number of queries and its agreement on `pool`.
    /// - Throws: `PolytailError` (`.emptyData`, `.dimensionMismatch`, `.nonFiniteValue`,
    ///   `.invalidParameter` for a pool value outside `clip` or bad augmentation settings) and
    ///   whatever `fit` throws.
    /// - Complexity: full: n predictions and one fit. Papernot: |S₀|·2^ρ predictions, ρ + 1
    ///   fits and one input-gradient pass over each intermediate set.
    public static func substitute<Model: DifferentiableClassifier>(
        of target: some DifferentiableClassifier, pool: Matrix, method: SubstituteMethod = .full,
        clip: ClosedRange<Double> = 0...1, using generator: inout PolytailRandom,
        fit: (_ observations: Matrix, _ labels: [Int], _ generator: inout PolytailRandom) throws -> Model
    ) throws -> Substitute<Model> {
        let d = target.inputDimension
        guard pool.rows > 0 else { throw PolytailError.emptyData }
        guard pool.columns == d else { throw PolytailError.dimensionMismatch(what: "pool columns", expected: d, got: pool.columns) }
        for i in 0..<pool.elements.count {
            let v = pool.elements[i]
            guard v.isFinite else { throw PolytailError.nonFiniteValue(row: i / d, column: i % d) }
            guard clip.contains(v) else {
                throw PolytailError.invalidParameter(name: "pool[\(i / d), \(i % d)]", value: v,
                                                     requirement: "must lie in the clip range [\(clip.lowerBound), \(clip.upperBound)]")
            }
        }
        let model: Model
        let queries: Int
        switch method {
        case .full:
            let oracle = try target.predict(pool)
            model = try fit(pool, oracle, &generator)
            queries = pool.rows
        case let .papernot(settings):
            try settings.check(poolRows: pool.rows)
            var order = Array(0..<pool.rows)
            order.shuffle(using: &generator)
            var elements: [Double] = []
            elements.reserveCapacity(settings.queryCount * d)
            for r in order.prefix(settings.initialCount) { elements += pool.elements[(r * d)..<((r + 1) * d)] }
            var set = Matrix(uncheckedRows: settings.initialCount, columns: d, elements: elements)
            var labels = try target.predict(set)
            var trained = try fit(set, labels, &generator)
            for round in 0..<settings.augmentations {
                let flips = settings.signPeriod.map { round / $0 } ?? 0
                let lambda = flips % 2 == 0 ? settings.lambda : -settings.lambda
                // ∇ₓ z_ŷ(x) row by row: one input-gradient pass per oracle class.
                var gradient = [Double](repeating: 0, count: set.rows * d)
                for c in 0..<target.classCount {
                    let members = labels.indices.filter { labels[$0] == c }
                    guard !members.isEmpty else { continue }
                    var rows: [Double] = []
                    rows.reserveCapacity(members.count * d)
                    for r in members { rows += set.elements[(r * d)..<((r + 1) * d)] }
                    let g = try trained.inputGradients(of: .output(c), at: Matrix(uncheckedRows: members.count, columns: d, elements: rows))
                    for (i, r) in members.enumerated() {
                        for j in 0..<d { gradient[r * d + j] = g.elements[i * d + j] }
                    }
                }
                let grown = signStep(set, gradient: Matrix(uncheckedRows: set.rows, columns: d, elements: gradient),
                                     step: abs(lambda), direction: lambda > 0 ? 1 : -1, origin: nil, epsilon: 0, clip: clip)
                labels += try target.predict(grown)
                set = Matrix(uncheckedRows: set.rows * 2, columns: d, elements: set.elements + grown.elements)
                trained = try fit(set, labels, &generator)
            }
            model = trained
            queries = set.rows
        }
        let agreement = zip(try model.predict(pool), try target.predict(pool)).filter { $0 == $1 }.count
        return Substitute(model: model, queryCount: queries, agreement: Double(agreement) / Double(pool.rows))
    }

    /// The transfer step of a black-box attack: the white-box attack — FGSM (Eq. 1), or the
    /// targeted attack (Eq. 2) when `targets` is given, for `steps` = 1; BIM (Eq. 3) with
    /// projection otherwise — run on the substitute, its output to be fed to the attacked
    /// model.
    /// - Parameters:
    ///   - substitute: from ``substitute(of:pool:method:clip:using:fit:)``.
    ///   - observations: the n clean inputs, inside `clip`.
    ///   - labels: their true labels.
    ///   - targets: target classes for a targeted attack, or nil.
    ///   - epsilon: ε.
    ///   - steps: T.
    ///   - loss: the attack loss on the substitute.
    ///   - clip: the valid pixel range [lo, hi].
    /// - Returns: the n × d adversarial inputs.
    /// - Throws: as ``fgsm(_:observations:labels:epsilon:loss:clip:)``.
    public static func blackBox<Model: DifferentiableClassifier>(
        substitute: Substitute<Model>, observations: Matrix, labels: [Int], targets: [Int]? = nil, epsilon: Double,
        steps: Int = 1, loss: AttackLoss = .nll, clip: ClosedRange<Double> = 0...1
    ) throws(PolytailError) -> Matrix {
        let model = substitute.model
        if steps == 1 {
            if let targets {
                try validate(observations, dimension: model.inputDimension, labels: labels, classes: model.classCount, epsilon: epsilon, clip: clip)
                return try Adversarial.targeted(model, observations: observations, targets: targets, epsilon: epsilon, loss: loss, clip: clip)
            }
            return try fgsm(model, observations: observations, labels: labels, epsilon: epsilon, loss: loss, clip: clip)
        }
        return try bim(model, observations: observations, labels: labels, targets: targets, epsilon: epsilon, steps: steps, loss: loss, clip: clip)
    }

    /// A black-box transfer attack (Papernot et al. 2017; Wang & Loog 2022, §4.2.3) with an MLP
    /// substitute trained on the target's predicted labels of every row of `pool`:
    /// ``substitute(of:pool:method:clip:using:fit:)`` with ``SubstituteMethod/full`` and
    /// ``Network/fit(_:labels:classCount:hidden:output:epochs:batchSize:learningRate:weightDecay:tolerance:using:progress:)``,
    /// then ``blackBox(substitute:observations:labels:targets:epsilon:steps:loss:clip:)``.
    /// - Parameters:
    ///   - target: the attacked model (used only through ``DifferentiableClassifier/predict(_:)``).
    ///   - pool: the attacker's unlabelled inputs, which it labels with the target (e.g. a
    ///     held-out split).
    ///   - observations: the n clean inputs to attack, inside `clip`.
    ///   - labels: their true labels.
    ///   - targets: target classes for a targeted attack, or nil.
    ///   - epsilon: ε.
    ///   - steps: T.
    ///   - loss: the attack loss on the substitute.
    ///   - clip: the valid pixel range [lo, hi].
    ///   - settings: the `substitute:` argument, architecture and training of the substitute.
    ///   - generator: draws the substitute's initial weights and batch order (a generator
    ///     seeded alike gives the same substitute and the same adversarial inputs).
    /// - Returns: the adversarial inputs, the substitute, its training record and its agreement
    ///   with the target on `pool`.
    /// - Throws: the errors of training and of the attacks; `.emptyData` for an empty pool,
    ///   `.dimensionMismatch` when the pool's columns differ from the target's input dimension.
    /// - Complexity: substitute training plus T forward/backward passes of it.
    public static func blackBox(
        target: some DifferentiableClassifier, pool: Matrix, observations: Matrix, labels: [Int],
        targets: [Int]? = nil, epsilon: Double, steps: Int = 1, loss: AttackLoss = .nll,
        clip: ClosedRange<Double> = 0...1, substitute settings: SubstituteSettings = SubstituteSettings(),
        using generator: inout PolytailRandom
    ) throws(PolytailError) -> BlackBoxAttack {
        try validate(observations, dimension: target.inputDimension, labels: labels, classes: target.classCount,
                     epsilon: epsilon, clip: clip)
        guard pool.columns == target.inputDimension else {
            throw .dimensionMismatch(what: "pool columns", expected: target.inputDimension, got: pool.columns)
        }
        guard pool.rows > 0 else { throw .emptyData }
        if let targets { try validateLabels(targets, rows: observations.rows, classes: target.classCount) }
        var result: FitResult?
        let trained: Substitute<Network>
        do {
            // The full pool draws nothing before the fit: the generator goes to the substitute's training.
            trained = try substitute(of: target, pool: pool, method: .full, clip: -Double.infinity...Double.infinity,
                                     using: &generator) { x, y, random in
                let fitted = try Network.fit(
                    x, labels: y, classCount: target.classCount, hidden: settings.hidden,
                    output: settings.output, epochs: settings.epochs, batchSize: settings.batchSize,
                    learningRate: settings.learningRate, weightDecay: settings.weightDecay, using: &random)
                result = fitted.result
                return fitted.model
            }
        } catch let error as PolytailError {
            throw error
        } catch {
            throw .numericalFailure(String(describing: error))
        }
        let adversarial = try blackBox(substitute: trained, observations: observations, labels: labels, targets: targets,
                                       epsilon: epsilon, steps: steps, loss: loss, clip: clip)
        return BlackBoxAttack(adversarial: adversarial, substitute: trained.model, result: result!,
                              agreement: trained.agreement)
    }
}
