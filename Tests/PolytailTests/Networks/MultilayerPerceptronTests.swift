import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// Central differences with step `finiteDifferenceStep` on O(1) parameters: truncation
    /// O(h²) ≈ 1e-10 and rounding O(ε/h) ≈ 1e-11 of the O(1) objective, so analytic and
    /// numerical derivatives agree to this absolute error (relative to max(1, |g|)).
    static let mlpFiniteDifference = 1e-6
    static let finiteDifferenceStep = 1e-5
}

/// Small seeded inputs in [0, 1] and labels for gradient checks.
enum NetworkFixtures {
    static func inputs(rows n: Int, columns d: Int, seed: UInt64) -> Matrix {
        var random = PolytailRandom(seed: seed)
        return try! Matrix(rows: n, columns: d, elements: (0..<(n * d)).map { _ in random.uniformPositive() })
    }

    static func labels(rows n: Int, classes k: Int, seed: UInt64) -> [Int] {
        var random = PolytailRandom(seed: seed)
        return (0..<n).map { _ in Int(random.next() % UInt64(k)) }
    }

    /// Two Gaussian blobs per class in d dimensions, well separated: a toy set Adam can fit.
    static func blobs(perClass: Int, classes k: Int, dimension d: Int, seed: UInt64) -> (Matrix, [Int]) {
        var random = PolytailRandom(seed: seed)
        var x: [Double] = []
        var y: [Int] = []
        for c in 0..<k {
            for _ in 0..<perClass {
                for j in 0..<d { x.append((j % k == c ? 0.8 : 0.2) + 0.08 * random.standardNormal()) }
                y.append(c)
            }
        }
        return (try! Matrix(rows: k * perClass, columns: d, elements: x), y)
    }

    static func expectClose(_ analytic: Double, _ numeric: Double, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let error = abs(analytic - numeric) / max(1, abs(numeric))
        #expect(error <= Tolerance.mlpFiniteDifference, "\(what): analytic \(analytic), numeric \(numeric)",
                sourceLocation: sourceLocation)
    }
}

@Suite("Multilayer perceptron")
struct MultilayerPerceptronTests {
    static let architectures: [[Int]] = [[4, 3], [4, 5, 3], [3, 6, 4, 2]]

    /// Rebuilds `model` with parameter `index` of layer `layer` (weights, or the bias when
    /// `bias`) shifted by `delta`.
    func shifted(_ model: MultilayerPerceptron, layer: Int, index: Int, bias: Bool, by delta: Double) -> MultilayerPerceptron {
        var weights = model.weights
        var biases = model.biases
        if bias { biases[layer][index] += delta } else { weights[layer].elements[index] += delta }
        return try! MultilayerPerceptron(weights: weights, biases: biases, output: model.output)
    }

    @Test("parameter gradients match central differences", arguments: OutputLayer.allCases, architectures)
    func parameterGradients(output: OutputLayer, sizes: [Int]) throws {
        let model = try MultilayerPerceptron.heInitialised(layerSizes: sizes, output: output, seed: 11)
        let x = NetworkFixtures.inputs(rows: 7, columns: sizes[0], seed: 3)
        let y = NetworkFixtures.labels(rows: 7, classes: sizes.last!, seed: 4)
        let decay = 0.01
        let (_, gradients) = model.lossAndGradients(x, labels: y, weightDecay: decay)
        let h = Tolerance.finiteDifferenceStep
        for layer in 0..<model.weights.count {
            for bias in [false, true] {
                let count = bias ? model.biases[layer].count : model.weights[layer].elements.count
                for index in 0..<count {
                    let plus = shifted(model, layer: layer, index: index, bias: bias, by: h)
                        .lossAndGradients(x, labels: y, weightDecay: decay).loss
                    let minus = shifted(model, layer: layer, index: index, bias: bias, by: -h)
                        .lossAndGradients(x, labels: y, weightDecay: decay).loss
                    let analytic = bias ? gradients.biases[layer][index] : gradients.weights[layer][index]
                    NetworkFixtures.expectClose(analytic, (plus - minus) / (2 * h), "layer \(layer) \(bias ? "b" : "W")[\(index)]")
                }
            }
        }
    }

    static let targets: [String] = ["loss", "crossEntropyOnLogits", "margin", "output0", "output2"]

    func target(_ name: String, labels: [Int]) -> GradientTarget {
        switch name {
        case "loss": return .loss(labels: labels)
        case "crossEntropyOnLogits": return .crossEntropyOnLogits(labels: labels)
        case "margin": return .margin(labels: labels)
        case "output0": return .output(0)
        default: return .output(2)
        }
    }

    @Test("input gradients match central differences", arguments: OutputLayer.allCases, targets)
    func inputGradients(output: OutputLayer, name: String) throws {
        let model = try MultilayerPerceptron.heInitialised(layerSizes: [5, 8, 3], output: output, seed: 21)
        let x = NetworkFixtures.inputs(rows: 6, columns: 5, seed: 5)
        let y = NetworkFixtures.labels(rows: 6, classes: 3, seed: 6)
        let t = target(name, labels: y)
        let g = try model.inputGradients(of: t, at: x)
        #expect(g.rows == 6 && g.columns == 5)
        let h = Tolerance.finiteDifferenceStep
        for i in 0..<x.elements.count {
            var plus = x, minus = x
            plus.elements[i] += h
            minus.elements[i] -= h
            let r = i / 5
            let numeric = (try model.objective(t, at: plus)[r] - model.objective(t, at: minus)[r]) / (2 * h)
            NetworkFixtures.expectClose(g.elements[i], numeric, "\(name) x[\(r), \(i % 5)]")
        }
    }

    @Test("the zero-hidden-layer network is the linear classifier z = Wᵀx + b", arguments: OutputLayer.allCases)
    func linearCase(output: OutputLayer) throws {
        let (d, k, n) = (4, 3, 9)
        let model = try MultilayerPerceptron.heInitialised(layerSizes: [d, k], output: output, seed: 31)
        let x = NetworkFixtures.inputs(rows: n, columns: d, seed: 7)
        let y = NetworkFixtures.labels(rows: n, classes: k, seed: 8)
        let w = model.weights[0], b = model.biases[0]
        let z = try model.logits(x)
        var expectedLoss = 0.0
        var expectedGradient = [Double](repeating: 0, count: d * k)
        for r in 0..<n {
            let zr = (0..<k).map { i in b[i] + (0..<d).reduce(0.0) { $0 + x[r, $1] * w[$1, i] } }
            for i in 0..<k { #expect(abs(z[r, i] - zr[i]) <= 1e-14 * max(1, abs(zr[i]))) }
            let logp = output == .softRmax ? logSoftRmax(zr) : logSoftmax(zr)
            let dz = output == .softRmax ? try logSoftRmaxGradient(zr, label: y[r]) : try logSoftmaxGradient(zr, label: y[r])
            expectedLoss -= logp[y[r]] / Double(n)
            for j in 0..<d { for i in 0..<k { expectedGradient[j * k + i] -= x[r, j] * dz[i] / Double(n) } }
        }
        let (loss, gradients) = model.lossAndGradients(x, labels: y, weightDecay: 0)
        #expect(abs(loss - expectedLoss) <= 1e-13 * expectedLoss)
        for (a, e) in zip(gradients.weights[0], expectedGradient) { #expect(abs(a - e) <= 1e-13) }
        // The logit gradients of a linear model are the columns of W.
        let g = try model.inputGradients(of: .output(1), at: x)
        for r in 0..<n { for j in 0..<d { #expect(g[r, j] == w[j, 1]) } }
    }

    @Test("Adam lowers the loss and fits a separable toy set", arguments: OutputLayer.allCases)
    func adamFits(output: OutputLayer) throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 40, classes: 3, dimension: 6, seed: 41)
        var seen: [Double] = []
        let (model, report) = try MultilayerPerceptron.train(
            features: x, labels: y, classes: 3, hidden: [16], output: output, epochs: 30, batchSize: 16,
            learningRate: 0.01, weightDecay: 1e-4, seed: 42, progress: { seen.append($1) })
        #expect(report.epochLosses.count == 30 && seen == report.epochLosses)
        #expect(report.epochLosses.last! < 0.5 * report.epochLosses.first!)
        #expect(report.trainingAccuracy == 1)
        #expect(report.steps == 30 * 8)
        #expect(try model.accuracy(x, labels: y) == 1)
        let p = try model.posteriors(x)
        for r in 0..<p.rows { #expect(abs(p.rowArrays[r].reduce(0, +) - 1) < 1e-12) }
    }

    @Test("seeded training is bit-for-bit reproducible; other seeds differ")
    func reproducible() throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 20, classes: 3, dimension: 5, seed: 51)
        func run(_ seed: UInt64) throws -> (MultilayerPerceptron, TrainingReport) {
            try MultilayerPerceptron.train(features: x, labels: y, classes: 3, hidden: [8, 8], output: .softRmax,
                                           epochs: 5, batchSize: 7, learningRate: 0.01, seed: seed)
        }
        let a = try run(1), b = try run(1), c = try run(2)
        #expect(a.0 == b.0 && a.1 == b.1)
        #expect(a.0 != c.0)
    }

    @Test("a linear softRmax model with hidden: [] trains too")
    func linearTraining() throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 30, classes: 2, dimension: 3, seed: 61)
        let (model, report) = try MultilayerPerceptron.train(features: x, labels: y, classes: 2, hidden: [], output: .softRmax,
                                                             epochs: 40, batchSize: 10, learningRate: 0.05, seed: 3)
        #expect(model.layerSizes == [3, 2])
        #expect(report.trainingAccuracy == 1)
    }

    @Test("bad training input is an error")
    func trainingErrors() throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 5, classes: 2, dimension: 3, seed: 71)
        func train(_ x: Matrix = x, _ y: [Int] = y, classes: Int = 2, hidden: [Int] = [4], epochs: Int = 1, batch: Int = 4,
                   rate: Double = 0.01, decay: Double = 0) throws(PolytailError) {
            _ = try MultilayerPerceptron.train(features: x, labels: y, classes: classes, hidden: hidden, output: .softmax,
                                               epochs: epochs, batchSize: batch, learningRate: rate, weightDecay: decay, seed: 1)
        }
        expectError(PolytailError.emptyData) { try train(try Matrix(rows: 0, columns: 3, elements: []), []) }
        var bad = x
        bad[2, 1] = .nan
        expectError(PolytailError.nonFiniteValue(row: 2, column: 1)) { try train(bad) }
        bad[2, 1] = .infinity
        expectError(PolytailError.nonFiniteValue(row: 2, column: 1)) { try train(bad) }
        expectError(PolytailError.dimensionMismatch(what: "labels", expected: 10, got: 9)) { try train(x, Array(y.dropLast())) }
        var badLabels = y
        badLabels[0] = 2
        expectError(PolytailError.unknownLabel("2 (classes are 0..<2)")) { try train(x, badLabels) }
        badLabels[0] = -1
        expectError(PolytailError.unknownLabel("-1 (classes are 0..<2)")) { try train(x, badLabels) }
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) { try train(classes: 1) }
        expectError(PolytailError.invalidParameter(name: "layerSizes[1]", value: 0, requirement: "must be positive")) {
            try train(hidden: [0])
        }
        expectError(PolytailError.invalidParameter(name: "epochs", value: 0, requirement: "at least 1")) { try train(epochs: 0) }
        expectError(PolytailError.invalidParameter(name: "batchSize", value: 0, requirement: "at least 1")) { try train(batch: 0) }
        expectError(PolytailError.invalidParameter(name: "learningRate", value: -1, requirement: "finite and positive")) {
            try train(rate: -1)
        }
        #expect(throws: PolytailError.self) { try train(rate: .nan) }
        expectError(PolytailError.invalidParameter(name: "weightDecay", value: -0.1, requirement: "finite and non-negative")) {
            try train(decay: -0.1)
        }
    }

    @Test("bad shapes, parameters and labels at evaluation are errors")
    func evaluationErrors() throws {
        let model = try MultilayerPerceptron.heInitialised(layerSizes: [3, 4, 2], output: .softRmax, seed: 1)
        let x = NetworkFixtures.inputs(rows: 2, columns: 4, seed: 1)
        expectError(PolytailError.dimensionMismatch(what: "feature columns", expected: 3, got: 4)) { try model.logits(x) }
        expectError(PolytailError.dimensionMismatch(what: "feature columns", expected: 3, got: 4)) {
            try model.inputGradients(of: .output(0), at: x)
        }
        let good = NetworkFixtures.inputs(rows: 2, columns: 3, seed: 1)
        expectError(PolytailError.unknownLabel("output 2 (classes are 0..<2)")) { try model.inputGradients(of: .output(2), at: good) }
        expectError(PolytailError.dimensionMismatch(what: "labels", expected: 2, got: 1)) {
            try model.inputGradients(of: .margin(labels: [0]), at: good)
        }
        expectError(PolytailError.unknownLabel("5 (classes are 0..<2)")) { try model.objective(.loss(labels: [0, 5]), at: good) }
        expectError(PolytailError.emptyData) { try model.accuracy(try Matrix(rows: 0, columns: 3, elements: []), labels: []) }
        // Construction.
        let w = model.weights, b = model.biases
        expectError(PolytailError.invalidParameter(name: "layers", value: 0, requirement: "at least one weight matrix")) {
            try MultilayerPerceptron(weights: [], biases: [], output: .softmax)
        }
        expectError(PolytailError.dimensionMismatch(what: "bias vectors", expected: 2, got: 1)) {
            try MultilayerPerceptron(weights: w, biases: [b[0]], output: .softmax)
        }
        expectError(PolytailError.dimensionMismatch(what: "layer 1 fan-in", expected: 4, got: 3)) {
            try MultilayerPerceptron(weights: [w[0], try Matrix(rows: 3, columns: 2, elements: [Double](repeating: 0, count: 6))],
                                     biases: b, output: .softmax)
        }
        expectError(PolytailError.dimensionMismatch(what: "layer 0 bias", expected: 4, got: 2)) {
            try MultilayerPerceptron(weights: w, biases: [b[1], b[1]], output: .softmax)
        }
        var nanWeights = w
        nanWeights[1].elements[3] = .nan
        expectError(PolytailError.nonFiniteValue(row: 1, column: 3)) { try MultilayerPerceptron(weights: nanWeights, biases: b, output: .softmax) }
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) {
            try MultilayerPerceptron(weights: [try Matrix(rows: 3, columns: 1, elements: [1, 2, 3])], biases: [[0]], output: .softmax)
        }
        expectError(PolytailError.invalidParameter(name: "layer 0 width", value: 0, requirement: "must be positive")) {
            try MultilayerPerceptron(weights: [try Matrix(rows: 0, columns: 2, elements: [])], biases: [[0, 0]], output: .softmax)
        }
        expectError(PolytailError.invalidParameter(name: "layerSizes.count", value: 1, requirement: "at least input and output widths")) {
            try MultilayerPerceptron.heInitialised(layerSizes: [3], output: .softmax, seed: 1)
        }
    }

    @Test("NaN inputs propagate to their own row only")
    func nanPropagates() throws {
        let model = try MultilayerPerceptron.heInitialised(layerSizes: [2, 3, 2], output: .softmax, seed: 2)
        let z = try model.logits(try Matrix(rowArrays: [[.nan, 0.5], [0.1, 0.2]]))
        #expect(z[0, 0].isNaN && z[0, 1].isNaN)
        #expect(z[1, 0].isFinite && z[1, 1].isFinite)
    }
}
