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
    /// Its training record (on the target's predicted labels).
    public let report: TrainingReport
    /// The fraction of query rows on which substitute and target predict the same class.
    public let agreement: Double
}

extension Adversarial {
    /// A black-box transfer attack (Papernot et al. 2017; Wang & Loog 2022, §4.2.3): the
    /// target is only queried for its predicted labels ŷ = argmax f(q) on `queries`; a
    /// substitute MLP is trained on (q, ŷ) by seeded Adam; the white-box attack — FGSM
    /// (Eq. 1) or targeted (Eq. 2) when `steps` = 1, else BIM (Eq. 3) with projection — is
    /// run on the substitute and its output transferred.
    /// - Parameters:
    ///   - target: the attacked model (used only through ``DifferentiableClassifier/predict(_:)``).
    ///   - queries: inputs the attacker may label with the target (e.g. a held-out split).
    ///   - inputs: the n clean inputs to attack, inside `clip`.
    ///   - labels: their true labels.
    ///   - targets: target classes for a targeted attack, or nil.
    ///   - epsilon: ε; steps: T; loss: the attack loss on the substitute.
    ///   - substitute: architecture and training of the substitute.
    ///   - seed: seeds the substitute's initialisation and shuffling.
    /// - Throws: the errors of training and of the attacks; `.dimensionMismatch` when the
    ///   queries' columns differ from the target's input dimension.
    /// - Complexity: substitute training plus T forward/backward passes of it.
    public static func blackBox(
        target: some DifferentiableClassifier, queries: Matrix, inputs: Matrix, labels: [Int],
        targets: [Int]? = nil, epsilon: Double, steps: Int = 1, loss: AttackLoss = .nll,
        clip: ClosedRange<Double> = 0...1, substitute settings: SubstituteSettings = SubstituteSettings(),
        seed: UInt64
    ) throws(PolytailError) -> BlackBoxAttack {
        try validate(inputs, dimension: target.inputDimension, labels: labels, classes: target.classCount,
                     epsilon: epsilon, clip: clip)
        guard queries.columns == target.inputDimension else {
            throw .dimensionMismatch(what: "query columns", expected: target.inputDimension, got: queries.columns)
        }
        guard queries.rows > 0 else { throw .emptyData }
        let oracle = try target.predict(queries)
        var random = PolytailRandom(seed: seed)
        let (substitute, report) = try Network.fit(
            queries, labels: oracle, classCount: target.classCount, hidden: settings.hidden,
            output: settings.output, epochs: settings.epochs, batchSize: settings.batchSize,
            learningRate: settings.learningRate, weightDecay: settings.weightDecay, using: &random)
        let mimic = try substitute.predict(queries)
        var same = 0
        for (a, b) in zip(mimic, oracle) where a == b { same += 1 }
        let adversarial: Matrix
        if steps == 1 {
            if let targets {
                try validateLabels(targets, rows: inputs.rows, classes: target.classCount)
                adversarial = try Adversarial.targeted(substitute, inputs: inputs, targets: targets, epsilon: epsilon,
                                                       loss: loss, clip: clip)
            } else {
                adversarial = try fgsm(substitute, inputs: inputs, labels: labels, epsilon: epsilon, loss: loss, clip: clip)
            }
        } else {
            adversarial = try bim(substitute, inputs: inputs, labels: labels, targets: targets, epsilon: epsilon,
                                  steps: steps, loss: loss, clip: clip)
        }
        return BlackBoxAttack(adversarial: adversarial, substitute: substitute, report: report,
                              agreement: Double(same) / Double(queries.rows))
    }
}
