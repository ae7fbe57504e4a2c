import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// The layers compute in Float32 (unit roundoff u = 6e-8). Central differences with step
    /// h = `networkFiniteDifferenceStep` on O(1) parameters: the O(1) loss carries a rounding
    /// error of a few u·√(fan-in) ≈ 1e-6, divided by 2h that is ≈ 1e-3 at worst; the
    /// truncation O(h²) is ≈ 1e-6. Analytic and numerical derivatives agree to this absolute
    /// error relative to max(1, |g|); measured worst 2e-3 (a convolution weight), typically
    /// 1e-5–3e-4. The binary64 networks this library had before agreed to 1e-6 with h = 1e-5:
    /// Float32 layers cost about three digits of gradient-check accuracy — but against JAX's
    /// exact float64 gradients they agree to 8e-7 (`Tolerance.networkJAX`).
    static let networkFiniteDifference = 5e-3
    static let networkFiniteDifferenceStep = 1e-3
}

/// Small seeded inputs in [0, 1] and labels for gradient checks.
enum NetworkFixtures {
    /// A He-initialised multilayer perceptron from a generator seeded with `seed`.
    static func mlp(_ sizes: [Int], output: OutputLayer, seed: UInt64) throws(PolytailError) -> Network {
        var random = PolytailRandom(seed: seed)
        return try Network.multilayerPerceptron(layerSizes: sizes, output: output, using: &random)
    }

    /// ``Network/fit(_:labels:classCount:hidden:output:epochs:batchSize:learningRate:weightDecay:tolerance:using:progress:)``
    /// with a generator seeded with `seed`.
    static func fitMLP(_ x: Matrix, labels: [Int], classCount: Int, hidden: [Int], output: OutputLayer, epochs: Int,
                       batchSize: Int, learningRate: Double, weightDecay: Double = 0, seed: UInt64,
                       progress: ((Int, Double) -> Void)? = nil) throws(PolytailError) -> Fitted<Network> {
        var random = PolytailRandom(seed: seed)
        return try Network.fit(x, labels: labels, classCount: classCount, hidden: hidden, output: output, epochs: epochs,
                               batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, using: &random,
                               progress: progress)
    }

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
        #expect(error <= Tolerance.networkFiniteDifference, "\(what): analytic \(analytic), numeric \(numeric)",
                sourceLocation: sourceLocation)
    }
}

@Suite("Networks")
struct NetworkTests {
    @Test("Adam lowers the loss and fits a separable toy set", arguments: OutputLayer.allCases)
    func adamFits(output: OutputLayer) throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 40, classes: 3, dimension: 6, seed: 41)
        var seen: [Double] = []
        let fitted = try NetworkFixtures.fitMLP(x, labels: y, classCount: 3, hidden: [16], output: output, epochs: 30, batchSize: 16,
            learningRate: 0.01, weightDecay: 1e-4, seed: 42, progress: { seen.append($1) })
        let model = fitted.model, result = fitted.result
        let history = try #require(result.objectiveHistory), training = try #require(result.training)
        #expect(history.count == 30 && seen == history && result.iterations == 30)
        #expect(history.last! < 0.5 * history.first!)
        #expect(training.trainingAccuracy == 1)
        #expect(training.steps == 30 * 8)
        #expect(try model.accuracy(x, labels: y) == 1)
        // The record is the model's: Σ log ζ_y over the training set, the objective with its
        // penalty, and a gradient norm that decides `converged`.
        let nll = try model.objective(.loss(labels: y), at: x).reduce(0, +)
        #expect(abs(result.logLikelihood + nll) <= 1e-6 * max(1, nll))  // Float32 layers, other chunking
        let penalty = model.weights.reduce(0.0) { $0 + $1.elements.reduce(0) { $0 + $1 * $1 } }
        #expect(abs(training.loss - (nll / 120 + 0.5e-4 * penalty)) <= 1e-6)
        #expect(result.observationCount == 120 && result.parameterCount == model.parameterCount)
        #expect(result.parameters.isEmpty && result.covariance == nil && result.covarianceOmission == nil)
        #expect(training.gradientNorm > 0 && result.converged == (training.gradientNorm <= 1e-4))
        let p = try model.posteriors(x)
        for r in 0..<p.rows { #expect(abs(p.rowArrays[r].reduce(0, +) - 1) < 1e-12) }
    }

    @Test("seeded training is bit-for-bit reproducible; other seeds differ")
    func reproducible() throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 20, classes: 3, dimension: 5, seed: 51)
        func run(_ seed: UInt64) throws -> Fitted<Network> {
            try NetworkFixtures.fitMLP(x, labels: y, classCount: 3, hidden: [8, 8], output: .softRmax,
                                           epochs: 5, batchSize: 7, learningRate: 0.01, seed: seed)
        }
        let a = try run(1), b = try run(1), c = try run(2)
        #expect(a == b)
        #expect(a.model != c.model)
    }

    @Test("a linear softRmax model with hidden: [] trains too")
    func linearTraining() throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 30, classes: 2, dimension: 3, seed: 61)
        let fitted = try NetworkFixtures.fitMLP(x, labels: y, classCount: 2, hidden: [], output: .softRmax,
                                                epochs: 40, batchSize: 10, learningRate: 0.05, seed: 3)
        #expect(fitted.model.layerSizes == [3, 2])
        #expect(fitted.result.training?.trainingAccuracy == 1)
    }

    @Test("bad training input is an error")
    func trainingErrors() throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 5, classes: 2, dimension: 3, seed: 71)
        func train(_ x: Matrix = x, _ y: [Int] = y, classes: Int = 2, hidden: [Int] = [4], epochs: Int = 1, batch: Int = 4,
                   rate: Double = 0.01, decay: Double = 0) throws(PolytailError) {
            _ = try NetworkFixtures.fitMLP(x, labels: y, classCount: classes, hidden: hidden, output: .softmax,
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
        let model = try NetworkFixtures.mlp([3, 4, 2], output: .softRmax, seed: 1)
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
        expectError(PolytailError.invalidParameter(name: "weights.count", value: 0, requirement: "at least one weight matrix")) {
            try Network(weights: [], biases: [], output: .softmax)
        }
        expectError(PolytailError.dimensionMismatch(what: "bias vectors", expected: 2, got: 1)) {
            try Network(weights: w, biases: [b[0]], output: .softmax)
        }
        expectError(PolytailError.dimensionMismatch(what: "weight matrix 1 rows (fan-in)", expected: 4, got: 3)) {
            try Network(weights: [w[0], try Matrix(rows: 3, columns: 2, elements: [Double](repeating: 0, count: 6))],
                                     biases: b, output: .softmax)
        }
        expectError(PolytailError.dimensionMismatch(what: "bias vector 0", expected: 4, got: 2)) {
            try Network(weights: w, biases: [b[1], b[1]], output: .softmax)
        }
        var nanWeights = w
        nanWeights[1].elements[3] = .nan
        expectError(PolytailError.nonFiniteValue(row: 1, column: 3)) { try Network(weights: nanWeights, biases: b, output: .softmax) }
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) {
            try Network(weights: [try Matrix(rows: 3, columns: 1, elements: [1, 2, 3])], biases: [[0]], output: .softmax)
        }
        expectError(PolytailError.invalidParameter(name: "channels", value: 0, requirement: "must be in 1...16777216")) {
            try Network(weights: [try Matrix(rows: 0, columns: 2, elements: [])], biases: [[0, 0]], output: .softmax)
        }
        expectError(PolytailError.invalidParameter(name: "layerSizes.count", value: 1, requirement: "at least input and output widths")) {
            try NetworkFixtures.mlp([3], output: .softmax, seed: 1)
        }
    }

    @Test("NaN inputs propagate to their own row only")
    func nanPropagates() throws {
        let model = try NetworkFixtures.mlp([2, 3, 2], output: .softmax, seed: 2)
        let z = try model.logits(try Matrix(rowArrays: [[.nan, 0.5], [0.1, 0.2]]))
        #expect(z[0, 0].isNaN && z[0, 1].isNaN)
        #expect(z[1, 0].isFinite && z[1, 1].isFinite)
    }

    @Test("NaN pixels propagate through convolutions and max pooling to their own row only")
    func nanPropagatesThroughPooling() throws {
        var generator = PolytailRandom(seed: 3)
        // 8 and 12 channels: the pooling's eight-channel SIMD path and its scalar tail.
        let model = try Network(inputShape: try ImageShape(height: 6, width: 6, channels: 1),
                                layers: [.conv2D(outputChannels: 12, kernelSize: 3, padding: .same), .maxPool2D(size: 2),
                                         .conv2D(outputChannels: 8, kernelSize: 3, padding: .same), .maxPool2D(size: 3),
                                         .flatten, .dense(outputs: 2)],
                                output: .softmax, using: &generator)
        var pixels = (0..<72).map { Double($0 % 7) / 7 }
        pixels[14] = .nan
        let z = try model.logits(try Matrix(rows: 2, columns: 36, elements: pixels))
        #expect(z[0, 0].isNaN && z[0, 1].isNaN)
        #expect(z[1, 0].isFinite && z[1, 1].isFinite)
    }

    @Test("one-channel convolutions (their own patch copy) equal two-channel ones with a zero-weight channel",
          arguments: [(2, Padding.same), (3, .same), (4, .same), (5, .same), (2, .valid), (3, .valid)])
    func oneChannelPatches(kernel: Int, padding: Padding) throws {
        var random = PolytailRandom(seed: UInt64(10 * kernel + (padding == .same ? 1 : 0)))
        let layers: [Layer] = [.conv2D(outputChannels: 3, kernelSize: kernel, padding: padding), .flatten, .dense(outputs: 2)]
        let one = try Network(inputShape: try ImageShape(height: 5, width: 6, channels: 1), layers: layers, output: .softmax,
                              using: &random)
        // The same convolution on two channels: channel 0 carries the image and the weights,
        // channel 1 noise and zero weights, so the generic patch copy must give the same outputs.
        let w = one.weights[0]
        var wide = [Double](repeating: 0, count: 2 * w.rows * w.columns)
        for r in 0..<w.rows { for o in 0..<w.columns { wide[(2 * r) * w.columns + o] = w[r, o] } }
        let two = try Network(inputShape: try ImageShape(height: 5, width: 6, channels: 2), layers: layers,
                              weights: [try Matrix(rows: 2 * w.rows, columns: w.columns, elements: wide), one.weights[1]],
                              biases: one.biases, output: .softmax)
        let pixels = (0..<90).map { _ in random.uniformPositive() }
        var interleaved: [Double] = []
        for v in pixels { interleaved += [v, random.uniformPositive()] }
        let z1 = try one.logits(try Matrix(rows: 3, columns: 30, elements: pixels))
        let z2 = try two.logits(try Matrix(rows: 3, columns: 60, elements: interleaved))
        for i in 0..<z1.elements.count {
            #expect(Tolerance.isClose(z1.elements[i], z2.elements[i], relative: 1e-6, absolute: 1e-6), "\(kernel) \(padding) \(i)")
        }
    }
}
