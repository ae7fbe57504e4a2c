import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// Margins and ratios of a hand-made linear model: the inputs 0.2, 0.1, 0.9 are rounded to
    /// Float32 on entry to the network (relative 6e-8), then a few roundings of O(1) numbers.
    static let margin = 1e-6
}

/// A trained toy model and data in [0, 1] shared by the attack tests.
enum AttackFixtures {
    static let data: (Matrix, [Int]) = {
        let (x, y) = NetworkFixtures.blobs(perClass: 40, classes: 3, dimension: 6, seed: 101)
        // Squeeze into [0.05, 0.95] so the tests start inside the pixel range.
        let e = x.elements.map { min(0.95, max(0.05, $0)) }
        return (try! Matrix(rows: x.rows, columns: x.columns, elements: e), y)
    }()

    static func model(_ output: OutputLayer) -> Network {
        try! NetworkFixtures.fitMLP(data.0, labels: data.1, classCount: 3, hidden: [16], output: output,
                                        epochs: 30, batchSize: 16, learningRate: 0.01, seed: 7).model
    }

    static let models: [OutputLayer: Network] = [.softmax: model(.softmax), .softRmax: model(.softRmax)]
}

@Suite("Adversarial attacks")
struct AttackTests {
    static let settings: [(OutputLayer, AttackLoss)] = OutputLayer.allCases.flatMap { o in AttackLoss.allCases.map { (o, $0) } }

    @Test("FGSM moves every pixel by exactly ε before clipping, then stays in range", arguments: settings)
    func fgsmStep(output: OutputLayer, loss: AttackLoss) throws {
        let model = AttackFixtures.models[output]!
        let (x, y) = AttackFixtures.data
        let epsilon = 0.1
        let g = try model.inputGradients(of: loss.target(y), at: x)
        let free = try Adversarial.fgsm(model, observations: x, labels: y, epsilon: epsilon, loss: loss,
                                        clip: -Double.infinity...Double.infinity)
        var moved = 0
        for i in 0..<x.elements.count {
            let s: Double = g.elements[i] > 0 ? 1 : (g.elements[i] < 0 ? -1 : 0)
            #expect(free.elements[i] == x.elements[i] + epsilon * s)
            if s != 0 { moved += 1 }
        }
        #expect(moved > x.elements.count / 2)
        let big = try Adversarial.fgsm(model, observations: x, labels: y, epsilon: 0.3, loss: loss)
        let unclipped = try Adversarial.fgsm(model, observations: x, labels: y, epsilon: 0.3, loss: loss,
                                             clip: -Double.infinity...Double.infinity)
        for i in 0..<x.elements.count {
            #expect((0...1).contains(big.elements[i]))
            #expect(big.elements[i] == min(1, max(0, unclipped.elements[i])))
        }
        // The attack hurts: accuracy drops at ε = 0.3.
        #expect(try model.accuracy(big, labels: y) < model.accuracy(x, labels: y))
    }

    @Test("BIM stays in the ε-ball ∩ [0, 1] after every step and raises the loss", arguments: settings)
    func bimProjection(output: OutputLayer, loss: AttackLoss) throws {
        let model = AttackFixtures.models[output]!
        let (x, y) = AttackFixtures.data
        for (epsilon, steps, stepSize) in [(0.1, 10, nil), (0.3, 7, 2.5 * 0.3 / 7), (0.2, 5, 0.5)] as [(Double, Int, Double?)] {
            var seen = 0
            let last = try Adversarial.bim(model, observations: x, labels: y, epsilon: epsilon, steps: steps, stepSize: stepSize,
                                           loss: loss) { t, xt in
                seen += 1
                #expect(t == seen)
                for i in 0..<xt.elements.count {
                    let v: Double = xt.elements[i], o: Double = x.elements[i]
                    let lower: Double = max(0, o - epsilon), upper: Double = min(1, o + epsilon)
                    let inside = v >= lower && v <= upper
                    #expect(inside, "step \(t), entry \(i): \(v) from \(o)")
                }
            }
            #expect(seen == steps)
            let before = try model.objective(loss.target(y), at: x).reduce(0, +)
            let after = try model.objective(loss.target(y), at: last).reduce(0, +)
            #expect(after > before)
        }
    }

    @Test("the targeted attack lowers the target-class loss of every sample", arguments: settings)
    func targetedLowersLoss(output: OutputLayer, loss: AttackLoss) throws {
        let model = AttackFixtures.models[output]!
        let (x, y) = AttackFixtures.data
        var randomTargetGenerator5 = PolytailRandom(seed: 5)
        let targets = try Adversarial.randomTargets(labels: y, classCount: 3, using: &randomTargetGenerator5)
        // Small ε: the first-order decrease ε‖∇J‖₁ dominates.
        let attacked = try Adversarial.targeted(model, observations: x, targets: targets, epsilon: 1e-4, loss: loss)
        let before = try model.objective(loss.target(targets), at: x)
        let after = try model.objective(loss.target(targets), at: attacked)
        for r in 0..<x.rows { #expect(after[r] < before[r], "row \(r)") }
        // A large targeted BIM pushes many samples into their target class.
        let strong = try Adversarial.bim(model, observations: x, labels: y, targets: targets, epsilon: 0.5, steps: 20, loss: loss)
        let hits = zip(try model.predict(strong), targets).filter { $0 == $1 }.count
        #expect(hits > 0)
    }

    @Test("average-sample attack: x + ε sign(Avg_t − Avg_y) on a hand-made example")
    func averageSample() throws {
        // Class 0: rows (0.2, 0.4, 0.5), (0.4, 0.4, 0.5) → mean (0.3, 0.4, 0.5).
        // Class 1: rows (0.1, 0.9, 0.5)                   → mean (0.1, 0.9, 0.5).
        let train = try Matrix(rowArrays: [[0.2, 0.4, 0.5], [0.1, 0.9, 0.5], [0.4, 0.4, 0.5]])
        let means = try Adversarial.classMeans(train, labels: [0, 1, 0], classCount: 2)
        #expect(abs(means[0, 0] - 0.3) < 1e-15 && means[0, 1] == 0.4 && means[0, 2] == 0.5)
        #expect(means.rowArrays[1] == [0.1, 0.9, 0.5])
        let x = try Matrix(rowArrays: [[0.5, 0.5, 0.5], [0.05, 0.97, 0.5]])
        let attacked = try Adversarial.averageSample(observations: x, labels: [0, 1], targets: [1, 0], classMeans: means, epsilon: 0.1)
        // Row 0 (0 → 1): sign(−0.2, 0.5, 0) = (−1, 1, 0). Row 1 (1 → 0): (1, −1, 0).
        let row0: [Double] = [0.5 - 0.1, 0.5 + 0.1, 0.5], row1: [Double] = [0.05 + 0.1, 0.97 - 0.1, 0.5]
        #expect(attacked.rowArrays[0] == row0)
        #expect(attacked.rowArrays[1] == row1)
        // Clipping at the range.
        let far = try Adversarial.averageSample(observations: x, labels: [0, 1], targets: [1, 0], classMeans: means, epsilon: 0.6)
        let far0: [Double] = [0, 1, 0.5], far1: [Double] = [0.65, 0.97 - 0.6, 0.5]
        #expect(far.rowArrays[0] == far0)
        #expect(far.rowArrays[1] == far1)
    }

    @Test("random targets differ from the labels and are seeded")
    func randomTargets() throws {
        let labels = (0..<300).map { $0 % 4 }
        var first = PolytailRandom(seed: 9), second = PolytailRandom(seed: 9)
        let a = try Adversarial.randomTargets(labels: labels, classCount: 4, using: &first)
        #expect(a == (try Adversarial.randomTargets(labels: labels, classCount: 4, using: &second)))
        #expect(zip(a, labels).allSatisfy { $0 != $1 && (0..<4).contains($0) })
        #expect(Set(a).count == 4)
    }

    @Test("black-box pipeline: a substitute mimics the target and its attack transfers", arguments: OutputLayer.allCases)
    func blackBox(output: OutputLayer) throws {
        let target = AttackFixtures.models[output]!
        let (x, y) = AttackFixtures.data
        let settings = SubstituteSettings(hidden: [12], output: .softmax, epochs: 40, batchSize: 16, learningRate: 0.01)
        var generator = PolytailRandom(seed: 3)
        let attack = try Adversarial.blackBox(target: target, pool: x, observations: x, labels: y, epsilon: 0.3,
                                              substitute: settings, using: &generator)
        #expect(attack.agreement > 0.9)
        #expect(attack.substitute.output == .softmax && attack.substitute.layerSizes == [6, 12, 3])
        #expect(attack.adversarial.elements.allSatisfy { (0...1).contains($0) })
        #expect(try target.accuracy(attack.adversarial, labels: y) < target.accuracy(x, labels: y))
        var sameGenerator = PolytailRandom(seed: 3)
        let again = try Adversarial.blackBox(target: target, pool: x, observations: x, labels: y, epsilon: 0.3,
                                             substitute: settings, using: &sameGenerator)
        #expect(again.adversarial == attack.adversarial)
        var randomTargetGenerator1 = PolytailRandom(seed: 1)
        let targets = try Adversarial.randomTargets(labels: y, classCount: 3, using: &randomTargetGenerator1)
        var iteratedGenerator = PolytailRandom(seed: 3)
        let iterated = try Adversarial.blackBox(target: target, pool: x, observations: x, labels: y, targets: targets,
                                                epsilon: 0.3, steps: 5, loss: .margin, substitute: settings,
                                                using: &iteratedGenerator)
        #expect(iterated.adversarial.elements.allSatisfy { (0...1).contains($0) })
    }

    @Test("bad attack input is an error")
    func errors() throws {
        let model = AttackFixtures.models[.softmax]!
        let (x, y) = AttackFixtures.data
        for e in [Double.nan, -0.1, .infinity] {
            #expect(throws: PolytailError.self) { try Adversarial.fgsm(model, observations: x, labels: y, epsilon: e) }
        }
        expectError(PolytailError.invalidParameter(name: "epsilon", value: -0.1, requirement: "finite and non-negative")) {
            try Adversarial.bim(model, observations: x, labels: y, epsilon: -0.1, steps: 3)
        }
        expectError(PolytailError.emptyData) {
            try Adversarial.fgsm(model, observations: try Matrix(rows: 0, columns: 6, elements: []), labels: [], epsilon: 0.1)
        }
        expectError(PolytailError.dimensionMismatch(what: "feature columns", expected: 6, got: 2)) {
            try Adversarial.fgsm(model, observations: try Matrix(rowArrays: [[0.1, 0.2]]), labels: [0], epsilon: 0.1)
        }
        var bad = x
        bad[3, 2] = .nan
        expectError(PolytailError.nonFiniteValue(row: 3, column: 2)) { try Adversarial.fgsm(model, observations: bad, labels: y, epsilon: 0.1) }
        bad[3, 2] = 1.5
        expectError(PolytailError.invalidParameter(name: "observations[3, 2]", value: 1.5, requirement: "must lie in the clip range [0.0, 1.0]")) {
            try Adversarial.targeted(model, observations: bad, targets: y, epsilon: 0.1)
        }
        expectError(PolytailError.dimensionMismatch(what: "labels", expected: x.rows, got: 2)) {
            try Adversarial.fgsm(model, observations: x, labels: [0, 1], epsilon: 0.1)
        }
        var badLabels = y
        badLabels[0] = 3
        expectError(PolytailError.unknownLabel("3 (classes are 0..<3)")) { try Adversarial.fgsm(model, observations: x, labels: badLabels, epsilon: 0.1) }
        expectError(PolytailError.unknownLabel("3 (classes are 0..<3)")) {
            try Adversarial.bim(model, observations: x, labels: y, targets: badLabels, epsilon: 0.1, steps: 2)
        }
        expectError(PolytailError.invalidParameter(name: "steps", value: 0, requirement: "at least 1")) {
            try Adversarial.bim(model, observations: x, labels: y, epsilon: 0.1, steps: 0)
        }
        expectError(PolytailError.invalidParameter(name: "stepSize", value: -1, requirement: "finite and positive")) {
            try Adversarial.bim(model, observations: x, labels: y, epsilon: 0.1, steps: 2, stepSize: -1)
        }
        // Class means and average-sample.
        expectError(PolytailError.tooFewObservations(needed: 1, got: 0)) {
            try Adversarial.classMeans(x, labels: y, classCount: 4)
        }
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) { try Adversarial.classMeans(x, labels: y, classCount: 1) }
        expectError(PolytailError.emptyData) {
            try Adversarial.classMeans(try Matrix(rows: 0, columns: 2, elements: []), labels: [], classCount: 2)
        }
        expectError(PolytailError.nonFiniteValue(row: 3, column: 2)) {
            var nan = x
            nan[3, 2] = .infinity
            return try Adversarial.classMeans(nan, labels: y, classCount: 3)
        }
        let means = try Adversarial.classMeans(x, labels: y, classCount: 3)
        expectError(PolytailError.unknownLabel("3 (classes are 0..<3)")) {
            try Adversarial.averageSample(observations: x, labels: y, targets: badLabels, classMeans: means, epsilon: 0.1)
        }
        var randomTargetGenerator1 = PolytailRandom(seed: 1)
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) { try Adversarial.randomTargets(labels: [0], classCount: 1, using: &randomTargetGenerator1) }
        expectError(PolytailError.unknownLabel("5 (classes are 0..<3)")) { try Adversarial.randomTargets(labels: [5], classCount: 3, using: &randomTargetGenerator1) }
        // Black box.
        var blackBoxGenerator = PolytailRandom(seed: 1)
        expectError(PolytailError.dimensionMismatch(what: "pool columns", expected: 6, got: 2)) {
            try Adversarial.blackBox(target: model, pool: try Matrix(rowArrays: [[0.1, 0.2]]), observations: x, labels: y,
                                     epsilon: 0.1, using: &blackBoxGenerator)
        }
        expectError(PolytailError.emptyData) {
            try Adversarial.blackBox(target: model, pool: try Matrix(rows: 0, columns: 6, elements: []), observations: x, labels: y,
                                     epsilon: 0.1, using: &blackBoxGenerator)
        }
    }
}

@Suite("Margins and magnitude-margin ratios")
struct MarginTests {
    /// z = Wᵀx + b with W = [[1, 0, 2], [0, 3, −1]] (2 × 3: d = 2, k = 3), b = (0.5, 0, −0.25).
    static let linear = try! Network(
        weights: [try! Matrix(rowArrays: [[1, 0, 2], [0, 3, -1]])], biases: [[0.5, 0, -0.25]], output: .softRmax)

    @Test("M_z and R = ‖w_y − w_j‖/(z_y − z_j) for a linear model", arguments: OutputLayer.allCases)
    func linearMargins(output: OutputLayer) throws {
        let model = try Network(weights: Self.linear.weights, biases: Self.linear.biases, output: output)
        // x = (1, 0.2): z = (1.5, 0.6, 1.55); x = (0.1, 0.9): z = (0.6, 2.7, −0.85).
        let x = try Matrix(rowArrays: [[1, 0.2], [0.1, 0.9]])
        let a = try MarginAnalysis.evaluate(model, observations: x, labels: [2, 0])
        // Row 0, y = 2: j = 0, M = 1.55 − 1.5 = 0.05, w_y − w_j = (2, −1) − (1, 0) = (1, −1).
        // Row 1, y = 0 (misclassified): j = 1, M = 0.6 − 2.7 = −2.1, w_y − w_j = (1, 0) − (0, 3).
        #expect(a.runnerUps == [0, 1])
        let expectedMargins = [1.55 - 1.5, 0.6 - 2.7]
        let expectedNorms: [Double] = [(2.0).squareRoot(), (10.0).squareRoot()]
        for r in 0..<2 {
            #expect(Tolerance.isClose(a.margins[r], expectedMargins[r], relative: Tolerance.margin))
            #expect(Tolerance.isClose(a.gradientNorms[r], expectedNorms[r], relative: Tolerance.margin))
            #expect(Tolerance.isClose(a.ratios[r], expectedNorms[r] / expectedMargins[r], relative: Tolerance.margin))
        }
        // The margin agrees with the logits (computed identically).
        let z = try model.logits(x)
        #expect(a.margins[0] == z[0, 2] - z[0, 0])
    }

    @Test("robustness summary: worst attack and per-sample worst case")
    func summary() throws {
        let model = Self.linear
        let x = try Matrix(rowArrays: [[1, 0.2], [0.1, 0.9], [0.0, 0.0]])  // predicted 2, 1, 0
        let labels = [2, 1, 0]
        let a = try Matrix(rowArrays: [[0.1, 0.9], [0.1, 0.9], [0.0, 0.0]])  // 1, 1, 0: 2/3
        let b = try Matrix(rowArrays: [[1, 0.2], [1, 0.2], [1, 0.2]])          // 2, 2, 2: 1/3
        let s = try RobustnessSummary.evaluate(model, observations: x, labels: labels, attacks: [("a", a), ("b", b)])
        #expect(s.clean == 1)
        #expect(s.attacks.map(\.name) == ["a", "b"])
        let accuracies: [Double] = [2.0 / 3, 1.0 / 3]
        #expect(s.attacks.map(\.accuracy) == accuracies)
        #expect(s.worst.name == "b" && s.worst.accuracy == 1.0 / 3)
        #expect(s.allAttacks == 0)
        #expect(try RobustnessSummary.perClassAccuracy(model, observations: b, labels: labels) == [0, 0, 1])
        expectError(PolytailError.emptyData) { try RobustnessSummary.evaluate(model, observations: x, labels: labels, attacks: []) }
        expectError(PolytailError.dimensionMismatch(what: "a rows", expected: 3, got: 1)) {
            try RobustnessSummary.evaluate(model, observations: x, labels: labels, attacks: [("a", try Matrix(rowArrays: [[0, 0]]))])
        }
        expectError(PolytailError.emptyData) {
            try MarginAnalysis.evaluate(model, observations: try Matrix(rows: 0, columns: 2, elements: []), labels: [])
        }
        expectError(PolytailError.unknownLabel("7 (classes are 0..<3)")) { try MarginAnalysis.evaluate(model, observations: x, labels: [0, 1, 7]) }
        expectError(PolytailError.emptyData) {
            try RobustnessSummary.perClassAccuracy(model, observations: try Matrix(rows: 0, columns: 2, elements: []), labels: [])
        }
    }
}
