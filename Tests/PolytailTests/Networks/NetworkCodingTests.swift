import Foundation
import Testing
@testable import Polytail

@Suite("Network layers, persistence and the paper's MNIST network")
struct NetworkCodingTests {
    static func convNetwork(_ output: OutputLayer) -> Network {
        GradientCheckArchitectures.network(GradientCheckArchitectures.all[2], output: output, seed: 5)
    }

    @Test("JSON round trip is exact", arguments: OutputLayer.allCases)
    func roundTrip(output: OutputLayer) throws {
        for model in [Self.convNetwork(output), try NetworkFixtures.mlp([4, 6, 3], output: output, seed: 2)] {
            let data = try JSONEncoder().encode(model)
            let decoded = try JSONDecoder().decode(Network.self, from: data)
            #expect(decoded == model)
            let x = NetworkFixtures.inputs(rows: 3, columns: model.inputDimension, seed: 9)
            #expect(try decoded.logits(x) == model.logits(x))
        }
    }

    /// Corruptions of a valid encoding: each must throw a DecodingError, never trap.
    static let corruptions: [(String, @Sendable (inout [String: Any]) -> Void)] = [
        ("a weight matrix too short", { j in var w = j["weights"] as! [[Double]]; w[0].removeLast(); j["weights"] = w }),
        ("a missing bias vector", { j in var b = j["biases"] as! [[Double]]; b.removeLast(); j["biases"] = b }),
        ("a huge weight (Float32 overflow)", { j in var w = j["weights"] as! [[Double]]; w[1][0] = 1e300; j["weights"] = w }),
        ("a negative kernel size", { j in j["layers"] = [["conv2D": ["outputChannels": 3, "kernelSize": -3, "padding": "same"]],
                                                          ["flatten": [String: Any]()], ["dense": ["outputs": 3]]] }),
        ("a kernel larger than the image", { j in j["layers"] = [["conv2D": ["outputChannels": 3, "kernelSize": 9, "padding": "valid"]],
                                                                  ["flatten": [String: Any]()], ["dense": ["outputs": 3]]] }),
        ("an enormous channel count", { j in j["layers"] = [["conv2D": ["outputChannels": Int.max, "kernelSize": 3, "padding": "same"]],
                                                             ["flatten": [String: Any]()], ["dense": ["outputs": 3]]] }),
        ("a pool window of 0", { j in j["layers"] = [["maxPool2D": ["size": 0]], ["dense": ["outputs": 3]]] }),
        ("a last layer that is not dense", { j in j["layers"] = [["dense": ["outputs": 3]], ["flatten": [String: Any]()]] }),
        ("one class", { j in j["layers"] = [["flatten": [String: Any]()], ["dense": ["outputs": 1]]] }),
        ("no layers", { j in j["layers"] = [Any]() }),
        ("an unknown layer", { j in j["layers"] = [["softmax": [String: Any]()]] }),
        ("an unknown padding", { j in j["layers"] = [["conv2D": ["outputChannels": 3, "kernelSize": 3, "padding": "reflect"]]] }),
        ("a zero height", { j in j["inputShape"] = ["height": 0, "width": 6, "channels": 2] }),
        ("a negative channel count", { j in j["inputShape"] = ["height": 6, "width": 6, "channels": -2] }),
        ("an overflowing input size", { j in j["inputShape"] = ["height": Int.max, "width": Int.max, "channels": 2] }),
        ("an unknown output layer", { j in j["output"] = "sigmoid" }),
        ("weights as a string", { j in j["weights"] = "lots" }),
    ]

    @Test("corrupt JSON throws a DecodingError", arguments: corruptions.indices)
    func corrupted(index: Int) throws {
        let (name, corrupt) = Self.corruptions[index]
        var json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(Self.convNetwork(.softRmax))) as! [String: Any]
        corrupt(&json)
        let data = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: DecodingError.self, "\(name)") { try JSONDecoder().decode(Network.self, from: data) }
    }

    @Test("a fitted network and its FitResult round-trip; a corrupt training summary throws")
    func fittedRoundTrip() throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 6, classes: 2, dimension: 4, seed: 9)
        let fitted = try NetworkFixtures.fitMLP(x, labels: y, classCount: 2, hidden: [3], output: .softRmax, epochs: 2,
                                                batchSize: 5, learningRate: 0.01, seed: 4)
        let data = try JSONEncoder().encode(fitted)
        #expect(try JSONDecoder().decode(Fitted<Network>.self, from: data) == fitted)
        for (key, value) in [("trainingAccuracy", 1.5), ("gradientNorm", -1), ("steps", -3)] as [(String, Double)] {
            var json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            var result = json["result"] as! [String: Any], training = result["training"] as! [String: Any]
            training[key] = value
            result["training"] = training
            json["result"] = result
            let bad = try JSONSerialization.data(withJSONObject: json)
            #expect(throws: DecodingError.self, "\(key)") { try JSONDecoder().decode(Fitted<Network>.self, from: bad) }
        }
    }

    @Test("truncated JSON throws")
    func truncated() throws {
        let data = try JSONEncoder().encode(Self.convNetwork(.softmax))
        for cut in [1, data.count / 3, data.count / 2, data.count - 2] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Network.self, from: data.prefix(cut)) }
        }
    }

    @Test("many rows are evaluated in chunks with the same result as one by one")
    func chunks() throws {
        let model = Self.convNetwork(.softRmax)
        let n = model.plan.chunkRows * 2 + 3
        let x = NetworkFixtures.inputs(rows: n, columns: model.inputDimension, seed: 13)
        let y = NetworkFixtures.labels(rows: n, classes: model.classCount, seed: 14)
        let z = try model.logits(x), g = try model.inputGradients(of: .loss(labels: y), at: x)
        let v = try model.objective(.margin(labels: y), at: x)
        for r in [0, 1, model.plan.chunkRows, n - 1] {
            let row = try Matrix(rows: 1, columns: x.columns, elements: x.rowArrays[r])
            #expect(try model.logits(row).elements == z.rowArrays[r])
            #expect(try model.inputGradients(of: .loss(labels: [y[r]]), at: row).elements == g.rowArrays[r])
            #expect(try model.objective(.margin(labels: [y[r]]), at: row) == [v[r]])
        }
    }

    @Test("the paper's MNIST network: shapes, 30,154 parameters, He variance, twins")
    func paperMNIST() throws {
        var random = PolytailRandom(seed: 3)
        let model = try Network.paperMNIST(classCount: 10, output: .softmax, using: &random)
        #expect(model.inputDimension == 784 && model.classCount == 10)
        #expect(model.parameterCount == 30_154)
        #expect(model.outputShapes.map { [$0.height, $0.width, $0.channels] } ==
                [[28, 28, 8], [14, 14, 8], [14, 14, 16], [7, 7, 16], [5, 5, 32], [3, 3, 64], [1, 1, 576], [1, 1, 10]])
        #expect(model.weights.map { [$0.rows, $0.columns] } == [[9, 8], [72, 16], [144, 32], [288, 64], [576, 10]])
        #expect(model.layerSizes == nil)
        // He: the sample variance of each weight matrix is 2/fan-in within sampling error.
        for w in model.weights where w.elements.count >= 500 {
            let v = w.elements.reduce(0) { $0 + $1 * $1 } / Double(w.elements.count)
            #expect(abs(v / (2 / Double(w.rows)) - 1) < 5 / Double(w.elements.count).squareRoot(), "\(w.rows)×\(w.columns)")
        }
        #expect(model.biases.allSatisfy { $0.allSatisfy { $0 == 0 } })
        let twin = model.withOutput(.softRmax)
        #expect(twin.weights == model.weights && twin.output == .softRmax)
        var again = PolytailRandom(seed: 3)
        #expect(try Network.paperMNIST(classCount: 10, output: .softmax, using: &again) == model)
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) {
            try Network.paperMNIST(classCount: 1, output: .softmax, using: &random)
        }
    }

    @Test("invalid layer sequences are errors")
    func invalidLayers() throws {
        let shape = try ImageShape(height: 5, width: 5, channels: 1)
        var random = PolytailRandom(seed: 1)
        func make(_ layers: [Layer]) throws(PolytailError) -> Network {
            try Network(inputShape: shape, layers: layers, output: .softmax, using: &random)
        }
        expectError(PolytailError.invalidParameter(name: "layers.count", value: 0, requirement: "at least one layer")) { try make([]) }
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) { try make([.dense(outputs: 1)]) }
        expectError(PolytailError.invalidParameter(name: "layers[1]", value: 1, requirement: "the last layer must be dense (its outputs are the logits)")) {
            try make([.dense(outputs: 3), .flatten])
        }
        expectError(PolytailError.invalidParameter(name: "layers[0].kernelSize", value: 7,
                                                   requirement: "a 'valid' kernel must fit the 5 × 5 input")) {
            try make([.conv2D(outputChannels: 2, kernelSize: 7, padding: .valid), .dense(outputs: 2)])
        }
        expectError(PolytailError.invalidParameter(name: "layers[1].size", value: 6, requirement: "must be in 1...min(height, width) = 1...5")) {
            try make([.conv2D(outputChannels: 2, kernelSize: 3, padding: .same), .maxPool2D(size: 6), .dense(outputs: 2)])
        }
        expectError(PolytailError.invalidParameter(name: "layers[0].outputChannels", value: 0, requirement: "must be in 1...16777216")) {
            try make([.conv2D(outputChannels: 0, kernelSize: 3, padding: .same), .dense(outputs: 2)])
        }
        // Weights of the wrong shape for a valid sequence.
        let layers: [Layer] = [.conv2D(outputChannels: 2, kernelSize: 3, padding: .same), .flatten, .dense(outputs: 2)]
        let good = try make(layers)
        expectError(PolytailError.dimensionMismatch(what: "weight matrix 0 rows (fan-in)", expected: 9, got: 50)) {
            try Network(inputShape: shape, layers: layers, weights: [good.weights[1], good.weights[1]], biases: good.biases, output: .softmax)
        }
        var nan = good.weights
        nan[1].elements[4] = .nan
        expectError(PolytailError.nonFiniteValue(row: 1, column: 4)) {
            try Network(inputShape: shape, layers: layers, weights: nan, biases: good.biases, output: .softmax)
        }
        #expect(try Network(inputShape: shape, layers: layers, weights: good.weights, biases: good.biases, output: .softmax) == good)
    }

    @Test("softmax and softRmax twins trained from copies of one generator share batches")
    func twins() throws {
        let (x, y) = NetworkFixtures.blobs(perClass: 10, classes: 3, dimension: 6, seed: 5)
        var random = PolytailRandom(seed: 8)
        let initial = try Network(inputShape: try ImageShape(height: 2, width: 3, channels: 1),
                                  layers: [.conv2D(outputChannels: 4, kernelSize: 2, padding: .same), .flatten, .dense(outputs: 3)],
                                  output: .softmax, using: &random)
        var a = random, b = random
        let soft = try Network.fit(x, labels: y, initial: initial, epochs: 3, batchSize: 4, learningRate: 0.01, using: &a)
        let conservative = try Network.fit(x, labels: y, initial: initial.withOutput(.softRmax), epochs: 3, batchSize: 4,
                                           learningRate: 0.01, using: &b)
        #expect(soft.result.training?.steps == 24 && conservative.result.training?.steps == 24)
        var afterFit = a
        #expect(a.next() == b.next())
        #expect(soft.model.output == .softmax && conservative.model.output == .softRmax)
        #expect(soft.model.weights != conservative.model.weights)
        // The one-call form gives the same two fits and leaves the generator where one fit does.
        var c = random
        var epochs: [OutputLayer: [Int]] = [:]
        let twins = try Network.fitTwins(x, labels: y, initial: initial.withOutput(.softRmax), epochs: 3, batchSize: 4,
                                         learningRate: 0.01, using: &c, progress: { output, epoch, _ in epochs[output, default: []].append(epoch) })
        #expect(twins.softmax == soft && twins.softRmax == conservative)
        #expect(c.next() == afterFit.next())
        #expect(epochs == [.softmax: [0, 1, 2], .softRmax: [0, 1, 2]])
    }
}
