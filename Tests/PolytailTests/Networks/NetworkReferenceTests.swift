import Foundation
import Testing
@testable import Polytail

/// JAX (float64) forward passes and gradients of small convolutional networks, made by
/// Tests/Fixtures/make_cnn.py.
struct CNNFixtures: Decodable {
    struct Head: Decodable {
        var logits: [[Double]]
        var nll: [Double]
        var parameterGradient: [Double]
        var inputGradient: [[Double]]
    }
    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var inputShape: [Int]
        var layers: [[StringOrInt]]
        var weights: [[Double]]
        var biases: [[Double]]
        var x: [[Double]]
        var labels: [Int]
        var softmax: Head
        var softRmax: Head
        var testDescription: String { name }

        func network(_ output: OutputLayer) throws -> Network {
            let parsed: [Layer] = layers.map { l in
                switch l[0].string {
                case "conv2D": return .conv2D(outputChannels: l[1].int!, kernelSize: l[2].int!, padding: Padding(rawValue: l[3].string!)!)
                case "maxPool2D": return .maxPool2D(size: l[1].int!)
                case "flatten": return .flatten
                default: return .dense(outputs: l[1].int!)
                }
            }
            return try Network(inputShape: try ImageShape(height: inputShape[0], width: inputShape[1], channels: inputShape[2]),
                               layers: parsed, weights: weights.map { $0.map(Float.init) }, biases: biases.map { $0.map(Float.init) },
                               output: output)
        }
    }
    enum StringOrInt: Decodable {
        case string(String), int(Int)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
        var string: String? { if case let .string(s) = self { return s } else { return nil } }
        var int: Int? { if case let .int(i) = self { return i } else { return nil } }
    }
    var cases: [Case]

    static let all: [Case] = (try? Fixtures.load("cnn.json", as: CNNFixtures.self).cases) ?? []
}

extension Tolerance {
    /// Float32 layers against JAX in float64, from the same float32-representable weights and
    /// inputs: a few Float32 roundings (u = 6e-8) in sums of ≤ 576 products, relative to
    /// max(1, |reference|) — measured worst 2e-6 over the fixtures.
    static let networkJAX = 2e-5
}

@Suite("Convolutional networks against JAX")
struct NetworkReferenceTests {
    @Test("the fixture file loads")
    func loads() { #expect(CNNFixtures.all.count == 3) }

    @Test("logits, NLL, parameter and input gradients", arguments: CNNFixtures.all)
    func reference(c: CNNFixtures.Case) throws {
        let x = try Matrix(rowArrays: c.x)
        var worst = 0.0
        func check(_ a: Double, _ b: Double, _ what: String) {
            let error = abs(a - b) / max(1, abs(b))
            worst = max(worst, error)
            #expect(error <= Tolerance.networkJAX, "\(c.name) \(what): \(a) vs JAX \(b)")
        }
        for output in OutputLayer.allCases {
            let model = try c.network(output)
            let reference = output == .softmax ? c.softmax : c.softRmax
            let z = try model.logits(x)
            for r in 0..<x.rows { for i in 0..<z.columns { check(z[r, i], reference.logits[r][i], "\(output) z[\(r), \(i)]") } }
            let nll = try model.objective(.loss(labels: c.labels), at: x)
            for r in 0..<x.rows { check(nll[r], reference.nll[r], "\(output) NLL[\(r)]") }
            let (loss, gradient) = model.lossAndGradient(x, labels: c.labels, weightDecay: 0)
            check(loss, reference.nll.reduce(0, +) / Double(x.rows), "\(output) mean NLL")
            #expect(gradient.count == reference.parameterGradient.count)
            for (i, (a, b)) in zip(gradient, reference.parameterGradient).enumerated() { check(Double(a), b, "\(output) ∂θ[\(i)]") }
            let g = try model.inputGradients(of: .loss(labels: c.labels), at: x)
            for r in 0..<x.rows { for j in 0..<x.columns { check(g[r, j], reference.inputGradient[r][j], "\(output) ∇x[\(r), \(j)]") } }
        }
        print("\(c.name): worst error against JAX \(worst)")
    }
}
