import Foundation
import Testing
@testable import Polytail

@Suite("Black-box substitutes (full pool and Papernot's Jacobian augmentation)")
struct SubstituteTests {
    /// A fixed linear network z = xW + b (no hidden layer), so ∇ₓ z_c = W[:, c] exactly.
    static func linear(_ output: OutputLayer = .softmax) -> Network {
        let w: [[Double]] = [[1, -2, 0.5], [-1, 0, 2], [0, 3, -1], [2, -1, 0], [-0.5, 0.5, 0], [0, 0, -3]]
        return try! Network(weights: [try! Matrix(rowArrays: w)], biases: [[0.1, -0.2, 0]], output: output)
    }

    @Test("full: every pool row is queried once and the substitute is fitted on the oracle's labels")
    func full() throws {
        let target = AttackFixtures.models[.softRmax]!
        let (x, _) = AttackFixtures.data
        var generator = PolytailRandom(seed: 1)
        var calls: [(Matrix, [Int])] = []
        let s = try Adversarial.substitute(of: target, pool: x, using: &generator) { obs, labels, _ in
            calls.append((obs, labels))
            return Self.linear()
        }
        let oracle = try target.predict(x)
        #expect(calls.count == 1 && calls[0].0 == x && calls[0].1 == oracle)
        #expect(s.queryCount == x.rows)
        let agree = zip(try Self.linear().predict(x), try target.predict(x)).filter { $0 == $1 }.count
        #expect(s.agreement == Double(agree) / Double(x.rows))
    }

    @Test("Papernot: S_{ρ+1} = S_ρ ∪ clip(S_ρ + λ_ρ sign ∇ₓz_ŷ), labelled by the oracle; queries |S₀|·2^ρ", arguments: [nil, 1] as [Int?])
    func papernot(signPeriod: Int?) throws {
        let target = AttackFixtures.models[.softmax]!
        let (x, _) = AttackFixtures.data
        let settings = JacobianAugmentation(initialCount: 10, augmentations: 3, lambda: 0.2, signPeriod: signPeriod)
        var generator = PolytailRandom(seed: 4)
        var calls: [(Matrix, [Int])] = []
        let w = Self.linear().weights[0]
        let s = try Adversarial.substitute(of: target, pool: x, method: .papernot(settings), using: &generator) { obs, labels, _ in
            calls.append((obs, labels))
            return Self.linear()
        }
        #expect(settings.queryCount == 80 && s.queryCount == 80)
        #expect(calls.map(\.0.rows) == [10, 20, 40, 80])
        // The seed set: distinct rows of the pool.
        let poolRows = Set(x.rowArrays.map { $0 })
        #expect(Set(calls[0].0.rowArrays).count == 10 && calls[0].0.rowArrays.allSatisfy { poolRows.contains($0) })
        for (round, call) in calls.enumerated() {
            #expect(call.1 == (try target.predict(call.0)), "labels are the oracle's")
            guard round + 1 < calls.count else { continue }
            let next = calls[round + 1].0.rowArrays
            #expect(Array(next.prefix(call.0.rows)) == call.0.rowArrays, "earlier samples are kept")
            let lambda = signPeriod.map { (round / $0) % 2 == 0 ? 0.2 : -0.2 } ?? 0.2
            for (r, row) in call.0.rowArrays.enumerated() {
                let c = call.1[r]
                let expected = row.indices.map { j -> Double in
                    let g = w[j, c]
                    let step = g > 0 ? lambda : (g < 0 ? -lambda : 0)
                    return min(1, max(0, row[j] + step))
                }
                #expect(next[call.0.rows + r] == expected)
            }
        }
    }

    @Test("Papernot on a trained MLP substitute: it mimics the target and its attack transfers")
    func papernotTransfers() throws {
        let target = AttackFixtures.models[.softmax]!
        let (x, y) = AttackFixtures.data
        var generator = PolytailRandom(seed: 8)
        let s = try Adversarial.substitute(of: target, pool: x, method: .papernot(JacobianAugmentation(initialCount: 15, augmentations: 3)),
                                           using: &generator) { obs, labels, _ in
            try NetworkFixtures.fitMLP(obs, labels: labels, classCount: 3, hidden: [12], output: .softmax,
                                       epochs: 40, batchSize: 16, learningRate: 0.01, seed: 2).model
        }
        #expect(s.queryCount == 120)
        #expect(s.agreement > 0.8)
        let adversarial = try Adversarial.blackBox(substitute: s, observations: x, labels: y, epsilon: 0.3)
        #expect(adversarial == (try Adversarial.fgsm(s.model, observations: x, labels: y, epsilon: 0.3)))
        #expect(try target.accuracy(adversarial, labels: y) < target.accuracy(x, labels: y))
        var targetGenerator = PolytailRandom(seed: 2)
        let targets = try Adversarial.randomTargets(labels: y, classCount: 3, using: &targetGenerator)
        #expect(try Adversarial.blackBox(substitute: s, observations: x, labels: y, targets: targets, epsilon: 0.2)
                == Adversarial.targeted(s.model, observations: x, targets: targets, epsilon: 0.2))
        #expect(try Adversarial.blackBox(substitute: s, observations: x, labels: y, epsilon: 0.2, steps: 4, loss: .margin)
                == Adversarial.bim(s.model, observations: x, labels: y, epsilon: 0.2, steps: 4, loss: .margin))
    }

    @Test("bad substitute settings and pools are errors")
    func errors() throws {
        let target = AttackFixtures.models[.softmax]!
        let (x, _) = AttackFixtures.data
        func run(_ method: SubstituteMethod, pool: Matrix = AttackFixtures.data.0) throws -> Substitute<Network> {
            var generator = PolytailRandom(seed: 1)
            return try Adversarial.substitute(of: target, pool: pool, method: method, using: &generator) { _, _, _ in Self.linear() }
        }
        #expect(throws: PolytailError.self) { try run(.papernot(JacobianAugmentation(initialCount: 0))) }
        #expect(throws: PolytailError.self) { try run(.papernot(JacobianAugmentation(initialCount: x.rows + 1))) }
        #expect(throws: PolytailError.self) { try run(.papernot(JacobianAugmentation(lambda: 0))) }
        #expect(throws: PolytailError.self) { try run(.papernot(JacobianAugmentation(lambda: .nan))) }
        #expect(throws: PolytailError.self) { try run(.papernot(JacobianAugmentation(augmentations: -1))) }
        #expect(throws: PolytailError.self) { try run(.papernot(JacobianAugmentation(initialCount: 5, signPeriod: 0))) }
        expectError(PolytailError.emptyData) { try run(.full, pool: try Matrix(rows: 0, columns: 6, elements: [])) }
        expectError(PolytailError.dimensionMismatch(what: "pool columns", expected: 6, got: 2)) {
            try run(.full, pool: try Matrix(rowArrays: [[0.1, 0.2]]))
        }
        #expect(throws: PolytailError.self) { try run(.full, pool: try Matrix(rowArrays: [[0.1, 0.2, 1.5, 0, 0, 0]])) }
        #expect(throws: PolytailError.self) { try run(.full, pool: try Matrix(rowArrays: [[0.1, 0.2, .nan, 0, 0, 0]])) }
    }

    @Test("the robustness summary's per-sample survivors average to allAttacks")
    func survivors() throws {
        let model = AttackFixtures.models[.softRmax]!
        let (x, y) = AttackFixtures.data
        let a = try Adversarial.fgsm(model, observations: x, labels: y, epsilon: 0.2)
        let b = try Adversarial.fgsm(model, observations: x, labels: y, epsilon: 0.2, loss: .margin)
        let s = try RobustnessSummary.evaluate(model, observations: x, labels: y, attacks: [("a", a), ("b", b)])
        #expect(s.survivedEveryAttack.count == x.rows)
        #expect(Double(s.survivedEveryAttack.filter { $0 }.count) / Double(x.rows) == s.allAttacks)
        let pa = try model.predict(a), pb = try model.predict(b)
        let expected: [Bool] = (0..<x.rows).map { r in pa[r] == y[r] && pb[r] == y[r] }
        #expect(s.survivedEveryAttack == expected)
    }
}
