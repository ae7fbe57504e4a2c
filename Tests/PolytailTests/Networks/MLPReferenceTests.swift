import Foundation
import Testing
@testable import Polytail

struct MLPFixtures: Decodable {
    struct Output: Decodable { var nll: Double; var nllGradient: [Double] }
    struct Row: Decodable {
        var logits: [Double]
        var softmax: Output
        var softRmax: Output
        var margin: Double
        var marginGradient: [Double]
    }
    struct Case: Decodable, CustomTestStringConvertible {
        var sizes: [Int]
        var weights: [[[Double]]]
        var biases: [[Double]]
        var x: [[Double]]
        var labels: [Int]
        var sklearnSoftmax: [[Double]]
        var rows: [Row]
        var testDescription: String { sizes.map(String.init).joined(separator: "→") }

        func model(_ output: OutputLayer) throws -> Network {
            try Network(weights: try weights.map { try Matrix(rowArrays: $0) }, biases: biases, output: output)
        }
    }
    var description: String
    var cases: [Case]

    static let all: [Case] = (try? Fixtures.load("mlp.json", as: MLPFixtures.self).cases) ?? []
}

extension Tolerance {
    /// Against 40-digit mpmath values: a forward pass of ≤ 3 small dense layers whose
    /// weights and inputs are rounded to Float32 (relative 6e-8 each) and computed in Float32,
    /// error relative to max(1, |reference|).
    static let network = 2e-6
    /// scikit-learn's float64 predict_proba against ours (Float32 layers, Double softmax).
    static let mlpSklearnPosterior = 2e-6
}

@Suite("Multilayer perceptron against mpmath and scikit-learn")
struct MLPReferenceTests {
    func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    @Test("the fixture file loads")
    func loads() { #expect(MLPFixtures.all.count == 2) }

    @Test("logits, NLL, margins and their input gradients", arguments: MLPFixtures.all)
    func reference(c: MLPFixtures.Case) throws {
        let x = try Matrix(rowArrays: c.x)
        for output in OutputLayer.allCases {
            let model = try c.model(output)
            let z = try model.logits(x)
            let nll = try model.objective(.loss(labels: c.labels), at: x)
            let g = try model.inputGradients(of: .loss(labels: c.labels), at: x)
            let margins = try MarginAnalysis.evaluate(model, observations: x, labels: c.labels)
            let mg = try model.inputGradients(of: .margin(labels: c.labels), at: x)
            for (r, row) in c.rows.enumerated() {
                for i in 0..<row.logits.count { #expect(close(z[r, i], row.logits[i], Tolerance.network)) }
                let reference = output == .softmax ? row.softmax : row.softRmax
                #expect(close(nll[r], reference.nll, Tolerance.network), "\(output) NLL row \(r): \(nll[r]) vs \(reference.nll)")
                for j in 0..<x.columns {
                    #expect(close(g[r, j], reference.nllGradient[j], Tolerance.network),
                            "\(output) ∇NLL[\(r), \(j)]: \(g[r, j]) vs \(reference.nllGradient[j])")
                    #expect(close(mg[r, j], row.marginGradient[j], Tolerance.network))
                }
                #expect(close(-margins.margins[r], row.margin, Tolerance.network))
            }
        }
        // softmax posteriors against scikit-learn's MLPClassifier with the same weights.
        let p = try c.model(.softmax).posteriors(x)
        for r in 0..<x.rows {
            for i in 0..<p.columns { #expect(close(p[r, i], c.sklearnSoftmax[r][i], Tolerance.mlpSklearnPosterior)) }
        }
    }
}
