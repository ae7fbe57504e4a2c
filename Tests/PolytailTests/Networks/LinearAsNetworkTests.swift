import Testing
@testable import Polytail

/// The linear classifier is the zero-hidden-layer network: the same weights give the same
/// logits, objectives and input gradients through both types, for every attack target.
@Suite("Linear classifier as a zero-hidden-layer network") struct LinearAsNetworkTests {
    @Test(arguments: OutputLayer.allCases)
    func sameAsMLP(_ output: OutputLayer) throws {
        var g = PolytailRandom(seed: 12)
        let d = 5, k = 3, n = 7
        let w = try Matrix(rows: d, columns: k, elements: (0..<(k * d)).map { _ in g.standardNormal() })
        let b = (0..<k).map { _ in 0.3 * g.standardNormal() }
        let linear = try LinearClassifier(weights: w, bias: b, output: output)
        // Both store the weights fan-in × fan-out: the same matrix.
        let mlp = try Network(weights: [w], biases: [b], output: output)
        let x = try Matrix(rows: n, columns: d, elements: (0..<(n * d)).map { _ in g.uniformPositive() })
        let labels = (0..<n).map { $0 % k }
        let zl = try linear.logits(x), zm = try mlp.logits(x)
        for i in 0..<(n * k) { #expect(Tolerance.isClose(zl.elements[i], zm.elements[i], relative: Tolerance.networkFloat32, absolute: 1e-6)) }
        for target in [GradientTarget.loss(labels: labels), .crossEntropyOnLogits(labels: labels), .margin(labels: labels), .output(1)] {
            let ol = try linear.objective(target, at: x), om = try mlp.objective(target, at: x)
            for r in 0..<n { #expect(Tolerance.isClose(ol[r], om[r], relative: Tolerance.networkFloat32, absolute: 1e-6)) }
            let gl = try linear.inputGradients(of: target, at: x), gm = try mlp.inputGradients(of: target, at: x)
            for i in 0..<(n * d) { #expect(Tolerance.isClose(gl.elements[i], gm.elements[i], relative: Tolerance.networkFloat32, absolute: 1e-6)) }
        }
        // Attacks run on it: FGSM moves every pixel by at most ε and stays within [0, 1].
        let attacked = try Adversarial.fgsm(linear, observations: x, labels: labels, epsilon: 0.05)
        for i in 0..<(n * d) {
            #expect(abs(attacked.elements[i] - x.elements[i]) <= 0.05 + 1e-15)
            #expect((0...1).contains(attacked.elements[i]))
        }
        expectError(PolytailError.unknownLabel("7 (classes are 0..<3)")) {
            try linear.objective(.loss(labels: [7] + labels.dropFirst()), at: x)
        }
    }
}
