import Foundation
import Testing
@testable import Polytail

/// Models persist: every public `Codable` value round-trips through JSON unchanged, and
/// corrupt JSON throws `DecodingError.dataCorrupted` carrying the ``PolytailError`` the
/// validating initialiser threw — never a value that traps or reads out of bounds later.
@Suite("Reliability: persistence") struct PersistenceTests {
    func roundTrip<T: Codable & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let data = try JSONEncoder().encode(value)
        let back = try JSONDecoder().decode(T.self, from: data)
        #expect(back == value, sourceLocation: sourceLocation)
    }

    /// Decoding `json` as `T` must throw `DecodingError.dataCorrupted` whose underlying error is `expected`.
    func expectCorrupt<T: Decodable>(_ type: T.Type, _ json: String, _ expected: PolytailError,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try JSONDecoder().decode(T.self, from: Data(json.utf8))
            Issue.record("\(T.self): decoded corrupt JSON \(json)", sourceLocation: sourceLocation)
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.underlyingError as? PolytailError == expected, sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(T.self): expected dataCorrupted, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func fittedDistributionsRoundTrip() throws {
        let x: [Double] = [0.3, -1.2, 2.5, 0.1, 7.5, -0.4, 1.1, 0.9, -3.3, 0.2]
        try roundTrip(try Normal.fit(x).model)
        try roundTrip(try StudentT.fit(x).model)
        try roundTrip(try NoncentralT(degreesOfFreedom: 3.5, noncentrality: -1.25, location: 2, scale: 0.5))
        let m = try Matrix(rowArrays: [[0, 1], [1, 0.5], [2, 2], [3, 1], [0, 3], [1, 1.5], [4, -2]])
        try roundTrip(try MultivariateNormal.fit(m).model)
        try roundTrip(try MultivariateT.fit(m).model)
        try roundTrip(m)
    }

    @Test func corruptDistributionsThrow() {
        expectCorrupt(Normal.self, #"{"mean": 0, "standardDeviation": -1}"#,
                      .invalidParameter(name: "standardDeviation", value: -1, requirement: "must be finite and > 0"))
        expectCorrupt(StudentT.self, #"{"degreesOfFreedom": 0, "location": 0, "scale": 1}"#,
                      .invalidParameter(name: "degreesOfFreedom", value: 0, requirement: "must be ≥ 1e-300 (+∞ for the normal limit)"))
        expectCorrupt(NoncentralT.self, #"{"degreesOfFreedom": 2, "noncentrality": 1, "location": 0, "scale": 0}"#,
                      .invalidParameter(name: "scale", value: 0, requirement: "must be finite and > 0"))
        expectCorrupt(Matrix.self, #"{"rows": 2, "columns": 2, "elements": [1, 2, 3]}"#,
                      .dimensionMismatch(what: "matrix elements", expected: 4, got: 3))
        expectCorrupt(Matrix.self, #"{"rows": 9223372036854775807, "columns": 2, "elements": []}"#,
                      .invalidParameter(name: "rows × columns", value: Double(Int.max) * 2,
                                        requirement: "must not exceed \(Int.max) entries"))
        expectCorrupt(MultivariateNormal.self,
                      #"{"mean": [0, 0], "covariance": {"rows": 2, "columns": 2, "elements": [1, 2, 2, 1]}}"#,
                      .notPositiveDefinite(what: "covariance"))
    }

    @Test func linearClassifierRoundTripsAndRejectsCorruption() throws {
        let x = try Matrix(rowArrays: [[0, 1], [1, 0], [2, 2], [3, 1], [0, 3], [1, 1]])
        let fitted = try LinearClassifier.fit(x, labels: [0, 1, 1, 1, 0, 0], classCount: 2, output: .softRmax)
        try roundTrip(fitted.model)
        expectCorrupt(LinearClassifier.self,
                      #"{"weights": {"rows": 1, "columns": 2, "elements": [1, 2]}, "bias": [0], "output": "softmax"}"#,
                      .dimensionMismatch(what: "bias", expected: 2, got: 1))
        expectCorrupt(LinearClassifier.self,
                      #"{"weights": {"rows": 2, "columns": 1, "elements": [1]}, "bias": [0, 0], "output": "softmax"}"#,
                      .dimensionMismatch(what: "matrix elements", expected: 2, got: 1))
    }

    @Test func networkWeightArrayTooShortThrows() {
        // A 2 → 2 dense layer whose weight matrix holds 3 entries: sgemm would read past its end.
        expectCorrupt(Network.self,
                      #"{"inputShape": {"height": 1, "width": 1, "channels": 2}, "layers": [{"dense": {"outputs": 2}}], "output": "softmax", "weights": [[1, 2, 3]], "biases": [[0, 0]]}"#,
                      .dimensionMismatch(what: "weight matrix 0 entries", expected: 4, got: 3))
    }

    @Test func importanceWeightsRoundTripAndRejectCorruption() throws {
        let source: [Double] = [0.1, 0.5, -0.3, 1.2, 0.8, -1.1, 0.4, 2.0]
        let target: [Double] = [1.1, 1.6, 0.7, 2.2, 1.9, 0.2, 1.4, 3.1]
        for family: ImportanceWeights.Family in [.normal, .studentT(.fixed(4))] {
            let fit = try ImportanceWeights.fit(source: source, target: target, family: family)
            let weights = fit.model
            let back = try JSONDecoder().decode(ImportanceWeights.self, from: try JSONEncoder().encode(weights))
            #expect(back == weights)
            #expect(try back.logWeights(source, lambda: 1) == weights.logWeights(source, lambda: 1))
            // The fit with its pair result (both domains' results inside) round-trips too.
            let fitBack = try JSONDecoder().decode(Fitted<ImportanceWeights>.self, from: try JSONEncoder().encode(fit))
            #expect(fitBack == fit && fitBack.sourceResult == fit.sourceResult && fitBack.targetResult != nil)
        }
        let m = try Matrix(rowArrays: [[0, 1], [1, 0.5], [2, 2], [3, 1], [0, 3], [1, 1.5], [4, -2]])
        try roundTrip(try ImportanceWeights.fit(source: m, target: m, family: .studentT(.fixed(5))))
        // A file saved with the former layout (fit reports beside the densities) still reads.
        let legacy = #"{"densities": {"family": "normal", "source": {"mean": 0, "standardDeviation": 1}, "target": {"mean": 1, "standardDeviation": 2}}, "sourceFit": null}"#
        #expect(try JSONDecoder().decode(ImportanceWeights.self, from: Data(legacy.utf8)).dimension == 1)
        let two = #"{"mean": [0, 0], "covariance": {"rows": 2, "columns": 2, "elements": [1, 0, 0, 1]}}"#
        let three = #"{"mean": [0, 0, 0], "covariance": {"rows": 3, "columns": 3, "elements": [1, 0, 0, 0, 1, 0, 0, 0, 1]}}"#
        expectCorrupt(ImportanceWeights.self,
                      #"{"densities": {"family": "multivariateNormal", "source": \#(two), "target": \#(three)}}"#,
                      .dimensionMismatch(what: "target density dimension", expected: 2, got: 3))
        expectCorrupt(ImportanceWeights.self,
                      #"{"densities": {"family": "normal", "source": {"mean": 0, "standardDeviation": 1}, "target": {"mean": 1, "standardDeviation": 0}}}"#,
                      .invalidParameter(name: "standardDeviation", value: 0, requirement: "must be finite and > 0"))
    }
    @Test func leastSquaresModelsRoundTripAndRejectCorruption() throws {
        let fit = try WeightedLeastSquares.fit([0, 1, 2, 3, 4], response: [0.1, 1.2, 1.9, 3.2, 3.9])
        try roundTrip(fit.model)
        try roundTrip(LinearModel(coefficients: [0.5, -2]))
        expectCorrupt(LinearModel.self, #"{"coefficients": []}"#, .emptyData)
        expectCorrupt(Polynomial.self,
                      #"{"degree": 1, "center": 2, "scale": 0, "scaledCoefficients": [1, 2], "coefficients": [0, 1]}"#,
                      .invalidParameter(name: "scale", value: 0, requirement: "must be finite and > 0"))
        expectCorrupt(Polynomial.self,
                      #"{"degree": 2, "center": 2, "scale": 1, "scaledCoefficients": [1, 2], "coefficients": [0, 1, 3]}"#,
                      .dimensionMismatch(what: "scaledCoefficients", expected: 3, got: 2))
    }
}
