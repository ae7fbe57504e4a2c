import Foundation
import Testing
@testable import Polytail

/// Every public entry point that takes user data, fed NaN, ±Inf, empty input and constant
/// columns: each must throw a `PolytailError` (or, for evaluations, return NaN), never trap.
@Suite("Bad input never traps") struct BadInputSweepTests {
    static let empty = Matrix(uncheckedRows: 0, columns: 2, elements: [])
    static func matrix(_ rows: [[Double]]) -> Matrix { try! Matrix(rowArrays: rows) }
    static let withNaN = matrix([[1, 2], [3, .nan], [0, 1], [2, 2], [4, 1], [1, 0]])
    static let withInf = matrix([[1, 2], [3, 4], [0, .infinity], [2, 2], [4, 1], [1, 0]])
    static let constantColumn = matrix([[1, 5], [2, 5], [3, 5], [4, 5], [0, 5], [2, 5]])
    static let labels = [0, 1, 0, 1, 0, 1]

    /// Runs `body` and requires that it throws a PolytailError.
    func throwsPolytailError<R>(_ what: String, _ body: () throws -> R, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try body()
            Issue.record("\(what): no error thrown", sourceLocation: sourceLocation)
        } catch is PolytailError {
        } catch {
            Issue.record("\(what): unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func univariateFits() {
        for bad: [Double] in [[], [1, .nan, 3, 4], [1, 2, -.infinity, 4], [2, 2, 2, 2]] {
            throwsPolytailError("Normal.fit \(bad)") { try Normal.fit(bad) }
            throwsPolytailError("StudentT.fit \(bad)") { try StudentT.fit(bad) }
            throwsPolytailError("NoncentralT.fit \(bad)") { try NoncentralT.fit(bad) }
        }
    }

    @Test func multivariateFits() {
        for bad in [Self.empty, Self.withNaN, Self.withInf, Self.constantColumn] {
            throwsPolytailError("MultivariateNormal.fit") { try MultivariateNormal.fit(bad) }
            throwsPolytailError("MultivariateT.fit") { try MultivariateT.fit(bad) }
        }
    }

    @Test func classifiers() {
        for bad in [Self.empty, Self.withNaN, Self.withInf] {
            let labels = Array(Self.labels.prefix(bad.rows))
            throwsPolytailError("DiscriminantAnalysis.fit") { try DiscriminantAnalysis<Int>.fit(bad, labels: labels) }
            throwsPolytailError("LinearClassifier.fit") {
                try LinearClassifier.fit(bad, labels: labels, classCount: 2, output: .softRmax)
            }
            throwsPolytailError("Network.train") {
                try NetworkFixtures.fitMLP(bad, labels: labels, classCount: 2, hidden: [4], output: .softRmax,
                                               epochs: 1, batchSize: 2, learningRate: 1e-3, seed: 1)
            }
        }
        throwsPolytailError("DiscriminantAnalysis.fit, constant column") {
            try DiscriminantAnalysis<Int>.fit(Self.constantColumn, labels: Self.labels)
        }
        throwsPolytailError("LinearClassifier.fit, labels out of range") {
            try LinearClassifier.fit(Self.constantColumn, labels: [0, 1, 2, 0, 1, 5], classCount: 2, output: .softmax)
        }
        throwsPolytailError("DiscriminantAnalysis.fit, mismatched labels") {
            try DiscriminantAnalysis<Int>.fit(Self.withNaN, labels: [0, 1])
        }
    }

    @Test func covariateShift() {
        for bad: [Double] in [[], [1, .nan, 3, 4], [1, 2, .infinity, 4], [3, 3, 3, 3]] {
            throwsPolytailError("ImportanceWeights.fit normal") { try ImportanceWeights.fit(source: bad, target: [1, 2, 3, 5]) }
            throwsPolytailError("ImportanceWeights.fit t") {
                try ImportanceWeights.fit(source: [1, 2, 3, 5], target: bad, family: .studentT(.fixed(3)))
            }
            throwsPolytailError("WeightedLeastSquares.fit") { try WeightedLeastSquares.fit(bad, response: [1, 2, 3, 4]) }
        }
        throwsPolytailError("WeightedLeastSquares.fit, mismatched") { try WeightedLeastSquares.fit([1, 2, 3], response: [1, 2]) }
        throwsPolytailError("WeightedLeastSquares.fit NaN design") {
            try WeightedLeastSquares.fit(Self.withNaN, response: [1, 2, 3, 4, 5, 6])
        }
    }

    @Test func evaluationsGiveNaNNotTraps() throws {
        let t = try StudentT(degreesOfFreedom: 3)
        #expect(t.logDensity(.nan).isNaN && t.cdf(.nan).isNaN && t.quantile(.nan).isNaN)
        let nct = try NoncentralT(degreesOfFreedom: 3, noncentrality: 1)
        #expect(nct.logDensity(.nan).isNaN && nct.cdf(.nan).isNaN)
        let mvt = try MultivariateT(location: [0, 0], scatter: .identity(2), degreesOfFreedom: 2)
        #expect(mvt.logDensity([.nan, 0]).isNaN)
        #expect(mvt.logDensity([1, 2, 3]).isNaN)  // wrong length
        #expect(mvt.logDensity([1e300, -1e300]).isFinite)
        let withNaN: [Double] = softRmax([.nan, 0])
        #expect(withNaN.contains { $0.isNaN })
        let huge: [Double] = softRmax([1e308, -1e308, 0])
        #expect(huge.allSatisfy { $0.isFinite })
    }
}
