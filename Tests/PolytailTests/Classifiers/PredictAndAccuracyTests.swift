import Foundation
import Testing
@testable import Polytail

/// `predict` returns labels and `accuracy(_:labels:)` counts them, for every classifier.
@Suite("predict and accuracy")
struct PredictAndAccuracyTests {
    /// Two well separated bivariate clusters with a few rows of each in the other's region.
    static func data(seed: UInt64 = 3) -> (Matrix, [Int]) {
        var g = PolytailRandom(seed: seed)
        var rows: [[Double]] = [], labels: [Int] = []
        for i in 0..<80 {
            let c = i % 2
            rows.append([Double(c) * 3 + g.standardNormal(), -Double(c) + g.standardNormal()])
            labels.append(c)
        }
        return (try! Matrix(rowArrays: rows), labels)
    }

    @Test func discriminantAnalysisPredictsItsClassLabels() throws {
        let (x, y) = Self.data()
        let names = y.map { $0 == 0 ? "zeta" : "alpha" }
        for family in [DiscriminantAnalysis<String>.Family.normal, .studentT(.fixed(3))] {
            let model = try DiscriminantAnalysis.fit(x, labels: names, family: family).model
            #expect(model.classLabels == ["alpha", "zeta"])
            #expect(model.classCount == 2)
            let predicted = try model.predict(x)
            let p = try model.posteriors(x)
            for i in 0..<x.rows { #expect(predicted[i] == (p[i, 0] >= p[i, 1] ? "alpha" : "zeta")) }
            let correct = zip(predicted, names).filter { $0 == $1 }.count
            let accuracy = try model.accuracy(x, labels: names)
            #expect(accuracy == Double(correct) / Double(x.rows))
            #expect(accuracy > 0.8 && accuracy < 1)  // overlapping clusters: some rows are wrong
            // Flipping every label turns each right answer wrong and vice versa.
            let flipped = try model.accuracy(x, labels: names.map { $0 == "zeta" ? "alpha" : "zeta" })
            #expect(flipped == Double(x.rows - correct) / Double(x.rows))
            // A label the model never saw is simply wrong.
            #expect(try model.accuracy(x, labels: [String](repeating: "omega", count: x.rows)) == 0)
        }
    }

    @Test func discriminantAccuracyErrors() throws {
        let (x, y) = Self.data()
        let model = try DiscriminantAnalysis.fit(x, labels: y).model
        expectError(PolytailError.emptyData) { try model.accuracy(Matrix(rows: 0, columns: 2, elements: []), labels: []) }
        expectError(PolytailError.dimensionMismatch(what: "labels", expected: 80, got: 79)) {
            try model.accuracy(x, labels: Array(y.dropLast()))
        }
        expectError(PolytailError.nonFiniteValue(row: 0, column: 1)) {
            try model.accuracy(Matrix(rowArrays: [[0, .nan]]), labels: [0])
        }
    }

    @Test(arguments: OutputLayer.allCases)
    func linearClassifierPredictsLabelsAndCountsThem(_ output: OutputLayer) throws {
        let (x, y) = Self.data()
        let model = try LinearClassifier.fit(x, labels: y, classCount: 2, output: output).model
        #expect(model.classCount == 2 && model.dimension == 2)
        #expect(model.weights.rows == 2 && model.weights.columns == 2)  // d × k
        let predicted = try model.predict(x)
        let p = try model.posteriors(x)
        for i in 0..<x.rows { #expect(predicted[i] == (p[i, 0] >= p[i, 1] ? 0 : 1)) }
        let correct = zip(predicted, y).filter { $0 == $1 }.count
        let accuracy = try model.accuracy(x, labels: y)
        #expect(accuracy == Double(correct) / Double(x.rows))
        #expect(accuracy > 0.8)
        #expect(try model.accuracy(x, labels: y.map { 1 - $0 }) == Double(x.rows - correct) / Double(x.rows))
        expectError(PolytailError.dimensionMismatch(what: "labels", expected: 80, got: 2)) { try model.accuracy(x, labels: [0, 1]) }
        expectError(PolytailError.unknownLabel("2 (classes are 0..<2)")) {
            try model.accuracy(x, labels: [2] + y.dropFirst())
        }
    }

    @Test func networkPredictsLabelsAndCountsThem() throws {
        let (x, y) = Self.data()
        var g = PolytailRandom(seed: 5)
        let w1 = try Matrix(rows: 2, columns: 4, elements: (0..<8).map { _ in g.standardNormal() })
        let w2 = try Matrix(rows: 4, columns: 2, elements: (0..<8).map { _ in g.standardNormal() })
        let model = try Network(weights: [w1, w2], biases: [[0, 0, 0, 0], [0.1, -0.1]], output: .softmax)
        let predicted = try model.predict(x)
        let p = try model.posteriors(x)
        for i in 0..<x.rows { #expect(predicted[i] == (p[i, 0] >= p[i, 1] ? 0 : 1)) }
        let correct = zip(predicted, y).filter { $0 == $1 }.count
        #expect(try model.accuracy(x, labels: y) == Double(correct) / Double(x.rows))
    }
}
