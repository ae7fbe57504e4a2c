import Foundation
import Testing
@testable import Polytail

/// Architectures small enough for a finite-difference check of every parameter.
enum GradientCheckArchitectures {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var shape: ImageShape
        var layers: [Layer]
        var testDescription: String { name }
    }

    static let all: [Case] = [
        Case(name: "MLP 5→8→3", shape: try! .flat(5), layers: [.dense(outputs: 8), .dense(outputs: 3)]),
        Case(name: "MLP 3→6→4→2", shape: try! .flat(3), layers: [.dense(outputs: 6), .dense(outputs: 4), .dense(outputs: 2)]),
        Case(name: "conv same → pool → conv valid → dense", shape: try! ImageShape(height: 6, width: 6, channels: 2),
             layers: [.conv2D(outputChannels: 3, kernelSize: 3, padding: .same), .maxPool2D(size: 2),
                      .conv2D(outputChannels: 4, kernelSize: 2, padding: .valid), .flatten, .dense(outputs: 3)]),
        Case(name: "conv valid → conv same (even kernel) → pool 3 → dense → dense", shape: try! ImageShape(height: 7, width: 8, channels: 1),
             layers: [.conv2D(outputChannels: 2, kernelSize: 2, padding: .valid), .conv2D(outputChannels: 3, kernelSize: 4, padding: .same),
                      .maxPool2D(size: 3), .flatten, .dense(outputs: 5), .dense(outputs: 4)]),
    ]

    static func network(_ c: Case, output: OutputLayer, seed: UInt64) -> Network {
        var random = PolytailRandom(seed: seed)
        return try! Network(inputShape: c.shape, layers: c.layers, output: output, using: &random)
    }
}

@Suite("Network gradients against finite differences")
struct NetworkGradientTests {
    /// Every weight and bias: ∂J/∂θ against a central difference of J in θ. The difference is
    /// taken over the Float32-representable neighbours θ ± h actually stored.
    @Test("parameter gradients", arguments: OutputLayer.allCases, GradientCheckArchitectures.all)
    func parameterGradients(output: OutputLayer, c: GradientCheckArchitectures.Case) throws {
        let model = GradientCheckArchitectures.network(c, output: output, seed: 11)
        let n = 5
        let x = NetworkFixtures.inputs(rows: n, columns: model.inputDimension, seed: 3)
        let y = NetworkFixtures.labels(rows: n, classes: model.classCount, seed: 4)
        let decay = 0.01
        let (_, gradient) = model.lossAndGradient(x, labels: y, weightDecay: decay)
        let theta = model.flatParameters
        #expect(gradient.count == theta.count && theta.count == model.parameterCount)
        var check = KinkAwareCheck()
        let base = model.lossAndGradient(x, labels: y, weightDecay: decay).loss
        for i in theta.indices {
            let (up, down) = KinkAwareCheck.neighbours(Double(theta[i]))
            let plus = model.replacingParameter(i, with: Float(up)).lossAndGradient(x, labels: y, weightDecay: decay).loss
            let minus = model.replacingParameter(i, with: Float(down)).lossAndGradient(x, labels: y, weightDecay: decay).loss
            check.compare(Double(gradient[i]), at: Double(theta[i]), up: up, down: down, plus: plus, base: base, minus: minus,
                          "\(c.name) \(output) θ[\(i)]")
        }
        check.finish("\(c.name) \(output) parameters")
    }

    static let targets: [String] = ["loss", "crossEntropyOnLogits", "margin", "output0", "output1"]

    static func target(_ name: String, labels: [Int]) -> GradientTarget {
        switch name {
        case "loss": return .loss(labels: labels)
        case "crossEntropyOnLogits": return .crossEntropyOnLogits(labels: labels)
        case "margin": return .margin(labels: labels)
        case "output0": return .output(0)
        default: return .output(1)
        }
    }

    /// ∇ₓ J(xᵣ) of every target against central differences in each input entry.
    @Test("input gradients", arguments: targets, GradientCheckArchitectures.all)
    func inputGradients(name: String, c: GradientCheckArchitectures.Case) throws {
        for output in OutputLayer.allCases {
            let model = GradientCheckArchitectures.network(c, output: output, seed: 21)
            let n = 3, d = model.inputDimension
            let x = NetworkFixtures.inputs(rows: n, columns: d, seed: 5)
            let y = NetworkFixtures.labels(rows: n, classes: model.classCount, seed: 6)
            let t = Self.target(name, labels: y)
            let g = try model.inputGradients(of: t, at: x)
            #expect(g.rows == n && g.columns == d)
            var check = KinkAwareCheck()
            let base = try model.objective(t, at: x)
            for i in 0..<x.elements.count {
                // Inputs are rounded to Float32 on entry: difference the values the layers see.
                let (up, down) = KinkAwareCheck.neighbours(x.elements[i])
                var plus = x, minus = x
                plus.elements[i] = up
                minus.elements[i] = down
                let r = i / d
                check.compare(g.elements[i], at: Double(Float(x.elements[i])), up: up, down: down,
                              plus: try model.objective(t, at: plus)[r], base: base[r], minus: try model.objective(t, at: minus)[r],
                              "\(c.name) \(output) \(name) x[\(r), \(i % d)]")
            }
            check.finish("\(c.name) \(output) \(name) inputs")
        }
    }

    @Test("the single dense layer is the linear classifier z = xW + b", arguments: OutputLayer.allCases)
    func linearCase(output: OutputLayer) throws {
        let (d, k, n) = (4, 3, 9)
        let model = try NetworkFixtures.mlp([d, k], output: output, seed: 31)
        let x = NetworkFixtures.inputs(rows: n, columns: d, seed: 7)
        let y = NetworkFixtures.labels(rows: n, classes: k, seed: 8)
        let w = model.weights[0], b = model.biases[0]
        let z = try model.logits(x)
        var expectedLoss = 0.0
        var expectedGradient = [Double](repeating: 0, count: d * k)
        for r in 0..<n {
            // The layers see x rounded to Float32.
            let xr = (0..<d).map { Double(Float(x[r, $0])) }
            let zr = (0..<k).map { i in b[i] + (0..<d).reduce(0.0) { $0 + xr[$1] * w[$1, i] } }
            for i in 0..<k { #expect(abs(z[r, i] - zr[i]) <= Tolerance.networkFloat32 * max(1, abs(zr[i]))) }
            let logp = output == .softRmax ? logSoftRmax(zr) : logSoftmax(zr)
            let dz = output == .softRmax ? try logSoftRmaxGradient(zr, label: y[r]) : try logSoftmaxGradient(zr, label: y[r])
            expectedLoss -= logp[y[r]] / Double(n)
            for j in 0..<d { for i in 0..<k { expectedGradient[j * k + i] -= xr[j] * dz[i] / Double(n) } }
        }
        let (loss, gradient) = model.lossAndGradient(x, labels: y, weightDecay: 0)
        #expect(abs(loss - expectedLoss) <= Tolerance.networkFloat32 * expectedLoss)
        for (a, e) in zip(gradient.prefix(d * k), expectedGradient) { #expect(abs(Double(a) - e) <= Tolerance.networkFloat32) }
        // The logit gradients of a linear model are the columns of W, exactly.
        let g = try model.inputGradients(of: .output(1), at: x)
        for r in 0..<n { for j in 0..<d { #expect(g[r, j] == w[j, 1]) } }
    }
}

/// A central-difference check that recognises a ReLU or max-pool kink inside [θ − h, θ + h]
/// (the one-sided quotients disagree there, and the central difference means nothing) and
/// skips it. Skips are counted; at most a fifth of the entries may be skipped.
struct KinkAwareCheck {
    var checked = 0, skipped = 0
    var worst = 0.0

    /// The Float32 neighbours θ ± h (as Double), h = `Tolerance.networkFiniteDifferenceStep`.
    static func neighbours(_ v: Double) -> (Double, Double) {
        let h = Tolerance.networkFiniteDifferenceStep
        return (Double(Float(v + h)), Double(Float(v - h)))
    }

    mutating func compare(_ analytic: Double, at v: Double, up: Double, down: Double, plus: Double, base: Double, minus: Double,
                          _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let right = (plus - base) / (up - v), left = (base - minus) / (v - down)
        let central = (plus - minus) / (up - down)
        if abs(right - left) > 2 * Tolerance.networkFiniteDifference * max(1, abs(central)) {
            skipped += 1
            return
        }
        checked += 1
        worst = max(worst, abs(analytic - central) / max(1, abs(central)))
        NetworkFixtures.expectClose(analytic, central, what, sourceLocation: sourceLocation)
    }

    func finish(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(skipped * 5 <= checked + skipped, "\(what): \(skipped) of \(checked + skipped) entries at a kink",
                sourceLocation: sourceLocation)
        print("gradient check \(what): worst error \(worst) over \(checked) entries, \(skipped) kinks skipped")
    }
}

extension Tolerance {
    /// A Float32 forward or backward pass of a few small layers against the same algebra in
    /// binary64: a few Float32 roundings (u = 6e-8) of O(1) sums, relative to max(1, |ref|).
    static let networkFloat32 = 1e-5
}
