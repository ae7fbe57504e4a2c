import Foundation
import Testing
@testable import Polytail

/// Decoding is user input: a corrupted file — wrong array lengths, NaN or negative scales,
/// matrices that are not covariances, a fit result that belongs to another model — throws
/// `DecodingError.dataCorrupted`, never traps and never yields a value whose later use does.
@Suite("Reliability: corrupt JSON is refused at decoding") struct CorruptDecodingTests {
    /// Decoding `json` as `T` must throw `DecodingError.dataCorrupted`; when `expected` is given,
    /// its underlying error must be that ``PolytailError``, else `reason` must be in the message.
    func expectCorrupt<T: Decodable>(_ type: T.Type, _ json: String, _ expected: PolytailError? = nil, reason: String? = nil,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try JSONDecoder().decode(T.self, from: Data(json.utf8))
            Issue.record("\(T.self): decoded corrupt JSON \(json)", sourceLocation: sourceLocation)
        } catch let DecodingError.dataCorrupted(context) {
            if let expected { #expect(context.underlyingError as? PolytailError == expected, sourceLocation: sourceLocation) }
            if let reason { #expect(context.debugDescription.contains(reason), "\(context.debugDescription)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("\(T.self): expected dataCorrupted, got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// The JSON of `value` with `edit` applied to its top-level object.
    func edited<T: Encodable>(_ value: T, _ edit: (inout [String: Any]) -> Void) throws -> String {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as! [String: Any]
        edit(&object)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static let x = try! Matrix(rowArrays: [[-1.5, 0.2], [-1.2, 0.4], [-1.9, -0.1], [-1.1, 0.0], [-0.7, 0.9],
                                           [1.5, 0.3], [1.1, -0.2], [1.8, 0.1], [1.3, 0.5], [0.6, -0.8]])
    static let labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]

    // MARK: Fits over groups

    @Test func discriminantFitWhoseResultIsNotOnePerClass() throws {
        for family: DiscriminantAnalysis<Int>.Family in [.normal, .studentT(.estimatedPerGroup)] {
            let fit = try DiscriminantAnalysis.fit(Self.x, labels: Self.labels, family: family, scatter: .perClass)
            let back = try JSONDecoder().decode(Fitted<DiscriminantAnalysis<Int>>.self, from: JSONEncoder().encode(fit))
            #expect(back.result == fit.result)
            let groups = fit.result.groupResults!
            // Three group results for two classes.
            var three = fit.result
            three.groupResults = groups + [groups[0]]
            three.observationCount += groups[0].observationCount
            expectCorrupt(Fitted<DiscriminantAnalysis<Int>>.self, try edited(Fitted(model: fit.model, result: three)) { _ in },
                          .dimensionMismatch(what: "group results (one per class)", expected: 2, got: 3))
            // One group result for two classes.
            var one = fit.result
            one.groupResults = [groups[0]]
            expectCorrupt(Fitted<DiscriminantAnalysis<Int>>.self, try edited(Fitted(model: fit.model, result: one)) { _ in },
                          .dimensionMismatch(what: "group results (one per class)", expected: 2, got: 1))
            // Rows that do not add up.
            var rows = fit.result
            rows.observationCount = 11
            expectCorrupt(Fitted<DiscriminantAnalysis<Int>>.self, try edited(Fitted(model: fit.model, result: rows)) { _ in },
                          .dimensionMismatch(what: "observations of the class results (their sum)", expected: 11, got: 10))
            // A class parameter indexing a third variable of a two-variable model.
            var index = fit.result
            index.groupResults![1].parameters[0] = .locationComponent(2)
            expectCorrupt(Fitted<DiscriminantAnalysis<Int>>.self, try edited(Fitted(model: fit.model, result: index)) { _ in },
                          reason: "index of the class parameter location[2]")
        }
    }

    @Test func importanceWeightsFitWhoseResultIsNotOnePerDomain() throws {
        let fit = try ImportanceWeights.fit(source: [0.1, 0.5, -0.3, 1.2, 0.8], target: [1.1, 1.6, 0.7, 2.2, 1.9])
        var one = fit.result
        one.groupResults = [fit.sourceResult!]
        one.observationCount = 5
        expectCorrupt(Fitted<ImportanceWeights>.self, try edited(Fitted(model: fit.model, result: one)) { _ in },
                      .dimensionMismatch(what: "group results (one per domain)", expected: 2, got: 1))
        let m = try Matrix(rowArrays: [[0, 1], [1, 0.5], [2, 2], [3, 1], [0, 3], [1, 1.5], [4, -2]])
        let multivariate = try ImportanceWeights.fit(source: m, target: m)
        var index = multivariate.result
        index.groupResults![0].parameters[1] = .meanComponent(2)
        expectCorrupt(Fitted<ImportanceWeights>.self, try edited(Fitted(model: multivariate.model, result: index)) { _ in },
                      reason: "index of the domain parameter mean[2]")
        // Without group results (a result saved by hand) the pair still decodes.
        var bare = fit.result
        bare.groupResults = nil
        #expect(try JSONDecoder().decode(Fitted<ImportanceWeights>.self, from: JSONEncoder().encode(Fitted(model: fit.model, result: bare))).result == bare)
    }

    @Test func multivariateFitWhoseResultIndexesAnotherDimension() throws {
        let m = try Matrix(rowArrays: [[0, 1], [1, 0.5], [2, 2], [3, 1], [0, 3], [1, 1.5], [4, -2]])
        let fit = try MultivariateNormal.fit(m)
        #expect(try JSONDecoder().decode(Fitted<MultivariateNormal>.self, from: JSONEncoder().encode(fit)) == fit)
        var result = fit.result
        result.parameters[0] = .meanComponent(2)
        expectCorrupt(Fitted<MultivariateNormal>.self, try edited(Fitted(model: fit.model, result: result)) { _ in },
                      .dimensionMismatch(what: "index of the fit parameter mean[2] (dimension 2)", expected: 2, got: 3))
    }

    @Test func ldaModelFileWithAResultOfAnotherModelIsRefusedByTheLibrary() throws {
        // `polytail lda --model` decodes through the library's check (no check of its own).
        let fit = try DiscriminantAnalysis.fit(Self.x, labels: Self.labels)
        var result = fit.result
        result.groupResults = Array(result.groupResults!.prefix(1))
        #expect(throws: PolytailError.dimensionMismatch(what: "group results (one per class)", expected: 2, got: 1)) {
            try Fitted(checking: fit.model, result: result)
        }
        #expect(try Fitted(checking: fit.model, result: fit.result).result == fit.result)
    }

    // MARK: FitResult and what it holds

    @Test func fitResultsThatNoFitCanReport() throws {
        let fit = try StudentT.fit([0.3, -1.2, 2.5, 0.1, 7.5, -0.4, 1.1, 0.9, -3.3, 0.2])
        let good = try edited(fit.result) { _ in }
        #expect(try JSONDecoder().decode(FitResult.self, from: Data(good.utf8)) == fit.result)
        func covariance(_ elements: [Double]) -> [String: Any] { ["rows": 3, "columns": 3, "elements": elements] }
        let c = fit.result.covariance!.elements
        var negative = c; negative[4] = -c[4]
        var asymmetric = c; asymmetric[1] = c[1] + 0.5 * (c[0] * c[4]).squareRoot()
        var beyondOne = c; beyondOne[1] = 2 * (c[0] * c[4]).squareRoot(); beyondOne[3] = beyondOne[1]
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["covariance"] = covariance(negative) },
                      .invalidParameter(name: "fit covariance", value: -c[4], requirement: "variances (the diagonal) must be ≥ 0"))
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["covariance"] = covariance(asymmetric) }, reason: "must be symmetric")
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["covariance"] = covariance(beyondOne) }, reason: "√(ΣⱼⱼΣₗₗ)")
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["covariance"] = ["rows": 2, "columns": 2, "elements": [1, 0, 0, 1]] },
                      .dimensionMismatch(what: "fit covariance", expected: 3, got: 2))
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["estimates"] = [1, 2] },
                      .dimensionMismatch(what: "fit estimates", expected: 3, got: 2))
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["observationCount"] = -10 },
                      .invalidParameter(name: "observationCount", value: -10, requirement: "must be ≥ 0"))
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["sampleSize"] = -1 },
                      .invalidParameter(name: "sampleSize", value: -1, requirement: "must be ≥ 0"))
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["intervalDegreesOfFreedom"] = 0 },
                      .invalidParameter(name: "intervalDegreesOfFreedom", value: 0, requirement: "must be > 0"))
        // A NaN is not JSON: refused by the decoder itself, also as dataCorrupted.
        expectCorrupt(FitResult.self, good.replacingOccurrences(of: #""logLikelihood":"#, with: #""logLikelihood":NaN,"x":"#))
        // The tail test inside: a negative statistic, a p-value outside [0, 1].
        expectCorrupt(FitResult.self, try edited(fit.result) { $0["tailTest"] = ["normalLogLikelihood": -20, "statistic": -1, "pValue": 1] },
                      reason: "statistic must be ≥ 0")
        expectCorrupt(TailTest.self, #"{"normalLogLikelihood": -20, "statistic": 2, "pValue": 1.5}"#, reason: "p-value must be in [0, 1]")
    }

    @Test func leastSquaresSummariesThatNoFitCanReport() throws {
        let fit = try WeightedLeastSquares.fit([0, 1, 2, 3, 4], response: [0.1, 1.2, 1.9, 3.2, 3.9])
        let summary = fit.result.leastSquares!
        #expect(try JSONDecoder().decode(LeastSquaresSummary.self, from: JSONEncoder().encode(summary)) == summary)
        expectCorrupt(LeastSquaresSummary.self, try edited(summary) { $0["rSquared"] = 1.5 }, reason: "R² must be a number ≤ 1")
        expectCorrupt(LeastSquaresSummary.self, try edited(summary) { $0["weightedResidualSumOfSquares"] = -0.1 }, reason: "Σwᵢrᵢ²")
        expectCorrupt(LeastSquaresSummary.self, try edited(summary) { $0["residualVariance"] = -2 }, reason: "σ̂²")
        expectCorrupt(LeastSquaresSummary.self, try edited(summary) { $0["rank"] = -1 }, reason: "rank")
    }

    // MARK: Distributions, rules and settings

    @Test func multivariateTAndNormalWithWrongLengthsOrMatrices() {
        let scatter = #"{"rows": 2, "columns": 2, "elements": [1, 0, 0, 1]}"#
        expectCorrupt(MultivariateT.self, #"{"location": [0, 0, 0], "scatter": \#(scatter), "degreesOfFreedom": 3}"#)
        expectCorrupt(MultivariateT.self, #"{"location": [0, 0], "scatter": {"rows": 2, "columns": 2, "elements": [1, 3, 3, 1]}, "degreesOfFreedom": 3}"#)
        expectCorrupt(MultivariateT.self, #"{"location": [0, 0], "scatter": \#(scatter), "degreesOfFreedom": -3}"#)
        expectCorrupt(MultivariateT.self, #"{"location": [0, 0], "scatter": {"rows": 2, "columns": 2, "elements": [1, 0.5, 0.4, 1]}, "degreesOfFreedom": 3}"#)
        expectCorrupt(MultivariateNormal.self, #"{"mean": [0], "covariance": \#(scatter)}"#)
        expectCorrupt(MultivariateNormal.self, #"{"mean": [0, 0], "covariance": {"rows": 2, "columns": 2, "elements": [-1, 0, 0, 1]}}"#)
        expectCorrupt(StudentT.self, #"{"degreesOfFreedom": 3, "location": 0, "scale": -2}"#)
        expectCorrupt(StudentT.self, #"{"degreesOfFreedom": "Infinite", "location": 0, "scale": 2}"#)
    }

    @Test func rulesAndAttackSettingsNoFitOrAttackAccepts() throws {
        for rule: DegreesOfFreedomRule in [.fixed(3), .fixedPerGroup([3, 7]), .estimated, .estimatedPerGroup(minimum: 0.5, maximum: 40)] {
            #expect(try JSONDecoder().decode(DegreesOfFreedomRule.self, from: JSONEncoder().encode(rule)) == rule)
        }
        expectCorrupt(DegreesOfFreedomRule.self, #"{"fixed": {"_0": -1}}"#,
                      .invalidParameter(name: "degreesOfFreedom", value: -1, requirement: "must be finite and > 0"))
        expectCorrupt(DegreesOfFreedomRule.self, #"{"fixedPerGroup": {"_0": []}}"#, .emptyData)
        expectCorrupt(DegreesOfFreedomRule.self, #"{"estimated": {"minimum": 5, "maximum": 2}}"#,
                      .invalidParameter(name: "maximum degrees of freedom", value: 2, requirement: "must be > the minimum (+∞ for none)"))
        let settings = JacobianAugmentation(initialCount: 20, augmentations: 3, lambda: 0.1, signPeriod: 2)
        #expect(try JSONDecoder().decode(JacobianAugmentation.self, from: JSONEncoder().encode(settings)) == settings)
        expectCorrupt(JacobianAugmentation.self, #"{"initialCount": 20, "augmentations": 3, "lambda": -0.1}"#,
                      .invalidParameter(name: "lambda", value: -0.1, requirement: "finite and positive"))
        expectCorrupt(JacobianAugmentation.self, #"{"initialCount": 20, "augmentations": 63, "lambda": 0.1}"#,
                      .invalidParameter(name: "augmentations", value: 63, requirement: "in 0…20"))
        expectCorrupt(JacobianAugmentation.self, #"{"initialCount": 0, "augmentations": 3, "lambda": 0.1}"#,
                      .invalidParameter(name: "initialCount", value: 0, requirement: "at least 1"))
        expectCorrupt(SubstituteMethod.self, #"{"papernot": {"_0": {"initialCount": 5, "augmentations": 3, "lambda": 0.1, "signPeriod": 0}}}"#,
                      .invalidParameter(name: "signPeriod", value: 0, requirement: "at least 1"))
    }

    // MARK: Network layers

    @Test func layersThatNoNetworkAccepts() throws {
        let layers: [Layer] = [.conv2D(outputChannels: 2, kernelSize: 3, padding: .same), .maxPool2D(size: 2), .flatten, .dense(outputs: 3)]
        let json = String(decoding: try JSONEncoder().encode(layers), as: UTF8.self)
        #expect(try JSONDecoder().decode([Layer].self, from: Data(json.utf8)) == layers)
        // The synthesised form, unchanged: a case name keying its labelled values.
        #expect(json.contains(#"{"dense":{"outputs":3}}"#) && json.contains(#""flatten":{}"#))
        let limit = Double(1 << 24)
        expectCorrupt(Layer.self, #"{"dense": {"outputs": 0}}"#,
                      .invalidParameter(name: "layer.outputs", value: 0, requirement: "must be in 1...16777216"))
        expectCorrupt(Layer.self, #"{"dense": {"outputs": 16777217}}"#,
                      .invalidParameter(name: "layer.outputs", value: limit + 1, requirement: "must be in 1...16777216"))
        expectCorrupt(Layer.self, #"{"conv2D": {"outputChannels": 4, "kernelSize": 0, "padding": "same"}}"#,
                      .invalidParameter(name: "layer.kernelSize", value: 0, requirement: "must be in 1...64"))
        expectCorrupt(Layer.self, #"{"conv2D": {"outputChannels": -4, "kernelSize": 3, "padding": "valid"}}"#,
                      .invalidParameter(name: "layer.outputChannels", value: -4, requirement: "must be in 1...16777216"))
        expectCorrupt(Layer.self, #"{"maxPool2D": {"size": -9223372036854775808}}"#,
                      .invalidParameter(name: "layer.size", value: -9.223372036854775808e18, requirement: "must be in 1...16777216"))
        // Inside an array (a network's layers) the error names the position.
        expectCorrupt([Layer].self, #"[{"flatten": {}}, {"conv2D": {"outputChannels": 4, "kernelSize": 65, "padding": "same"}}]"#,
                      .invalidParameter(name: "layers[1].kernelSize", value: 65, requirement: "must be in 1...64"))
        // Unknown cases, paddings and missing fields stay the decoder's own errors, never a trap.
        for bad in [#"{"dropout": {"rate": 0.5}}"#, #"{"conv2D": {"outputChannels": 4, "kernelSize": 3, "padding": "reflect"}}"#,
                    #"{"dense": {}}"#, #"{"dense": {"outputs": 2.5}}"#, #"{}"#, #"[]"#] {
            #expect(throws: DecodingError.self, "\(bad)") { try JSONDecoder().decode(Layer.self, from: Data(bad.utf8)) }
        }
    }

    @Test func networkWithALayerOutOfRangeIsRefusedAtTheLayer() throws {
        var random = PolytailRandom(seed: 4)
        let network = try Network(inputShape: try ImageShape(height: 4, width: 4, channels: 1),
                                  layers: [.conv2D(outputChannels: 2, kernelSize: 3, padding: .same), .flatten, .dense(outputs: 2)],
                                  output: .softmax, using: &random)
        let bad = try edited(network) { object in
            var layers = object["layers"] as! [[String: Any]]
            layers[2] = ["dense": ["outputs": -1]]
            object["layers"] = layers
        }
        expectCorrupt(Network.self, bad, .invalidParameter(name: "layers[2].outputs", value: -1, requirement: "must be in 1...16777216"))
        // A window larger than its input is a property of the sequence: refused by the network.
        let wide = try edited(network) { object in
            var layers = object["layers"] as! [[String: Any]]
            layers[0] = ["conv2D": ["outputChannels": 2, "kernelSize": 5, "padding": "valid"]]
            object["layers"] = layers
        }
        expectCorrupt(Network.self, wide, reason: "a 'valid' kernel must fit the 4 × 4 input")
    }

    // MARK: Fit settings

    @Test func fitSettingsRoundTripAndRefuseWhatNoFitAccepts() throws {
        typealias DA = DiscriminantAnalysis<String>
        func roundTrip<T: Codable & Equatable>(_ value: T) throws {
            #expect(try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value)) == value, "\(value)")
        }
        for family: DA.Family in [.normal, .studentT(.estimatedPerGroup(minimum: 0.5, maximum: 80)), .studentT(.fixed(3))] {
            try roundTrip(family)
        }
        for scatter: DA.Scatter in [.shared, .perClass] { try roundTrip(scatter) }
        for estimate: DA.CovarianceEstimate in [.maximumLikelihood, .unbiased] { try roundTrip(estimate) }
        for priors: DA.Priors in [.empirical, .equal, .given(["a": 0.25, "b": 0.75])] { try roundTrip(priors) }
        for family: ImportanceWeights.Family in [.normal, .studentT(.estimated)] { try roundTrip(family) }
        for covariance: LeastSquaresCovariance in [.automatic, .classical, .sandwich] { try roundTrip(covariance) }
        for optimizer: ClassifierOptimizer in [.lbfgs(), .adam(epochs: 5, batchSize: 8, learningRate: 0.01, tolerance: 1e-5)] {
            try roundTrip(optimizer)
        }
        // A ν rule inside a family, given priors and optimizer settings go through the fit's checks.
        expectCorrupt(DA.Family.self, #"{"studentT": {"_0": {"fixed": {"_0": 0}}}}"#,
                      .invalidParameter(name: "degreesOfFreedom", value: 0, requirement: "must be finite and > 0"))
        expectCorrupt(DA.Priors.self, #"{"given": {"priors": {"a": 0.5, "b": 0.6}}}"#,
                      .invalidParameter(name: "sum of the priors", value: 1.1, requirement: "must be 1 (within 1e-9)"))
        expectCorrupt(DA.Priors.self, #"{"given": {"priors": {"a": -0.5, "b": 1.5}}}"#,
                      .invalidParameter(name: "prior of class \"a\"", value: -0.5, requirement: "must be finite and ≥ 0"))
        expectCorrupt(DA.Priors.self, #"{"given": {"priors": {}}}"#,
                      .invalidParameter(name: "sum of the priors", value: 0, requirement: "must be 1 (within 1e-9)"))
        expectCorrupt(DA.Priors.self, #"{"equal": {}, "empirical": {}}"#, reason: "exactly one of")
        expectCorrupt(ClassifierOptimizer.self, #"{"lbfgs": {"maxIterations": 0, "tolerance": 1e-6}}"#,
                      .invalidParameter(name: "maxIterations", value: 0, requirement: "must be at least 1"))
        expectCorrupt(ClassifierOptimizer.self, #"{"adam": {"epochs": 3, "batchSize": 0, "learningRate": 0.1, "tolerance": 1e-4}}"#,
                      .invalidParameter(name: "batchSize", value: 0, requirement: "must be at least 1"))
        expectCorrupt(ClassifierOptimizer.self, #"{"adam": {"epochs": 3, "batchSize": 4, "learningRate": -0.1, "tolerance": 1e-4}}"#,
                      .invalidParameter(name: "learningRate", value: -0.1, requirement: "must be positive and finite"))
        for bad in [#""pooled""#, #"{"shared": {}}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(DA.Scatter.self, from: Data(bad.utf8)) }
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LeastSquaresCovariance.self, from: Data(#""HC3""#.utf8)) }
        // The fit and the decoder refuse given priors with the same error.
        let x = try Matrix(rowArrays: [[0], [1], [2], [5], [6], [7]])
        expectError(PolytailError.invalidParameter(name: "sum of the priors", value: 1.1, requirement: "must be 1 (within 1e-9)")) {
            try DA.fit(x, labels: ["a", "a", "a", "b", "b", "b"], priors: .given(["a": 0.5, "b": 0.6]))
        }
    }

    @Test func parameterKeysThatNoFitReports() throws {
        let keys: [FitParameter] = [.mean, .standardDeviation, .location, .scale, .degreesOfFreedom, .noncentrality,
                                    .meanComponent(2), .covariance(0, 1), .locationComponent(0), .scatter(1, 1), .coefficient(3),
                                    .logOddsCoefficient(0, 1), .logOddsIntercept(2), .weight(4, 0), .bias(0)]
        let json = String(decoding: try JSONEncoder().encode(keys), as: UTF8.self)
        #expect(try JSONDecoder().decode([FitParameter].self, from: Data(json.utf8)) == keys)
        // The synthesised form: a case name keying its values `_0`, `_1`.
        #expect(try JSONDecoder().decode(FitParameter.self, from: Data(#"{"scatter": {"_1": 3, "_0": 1}}"#.utf8)) == .scatter(1, 3))
        #expect(json.contains(#"{"mean":{}}"#), "\(json)")
        expectCorrupt(FitParameter.self, #"{"coefficient": {"_0": -1}}"#,
                      .invalidParameter(name: "index of the parameter coefficient[-1]", value: -1, requirement: "must be ≥ 0"))
        expectCorrupt(FitParameter.self, #"{"scatter": {"_0": 2, "_1": 0}}"#,
                      .invalidParameter(name: "parameter scatter[2,0]", value: 2, requirement: "a matrix entry (j, k) must have j ≤ k (upper triangle)"))
        expectCorrupt(FitParameter.self, #"{"logOddsIntercept": {"_0": 0}}"#,
                      .invalidParameter(name: "class of the parameter logOddsIntercept[0]", value: 0, requirement: "must be ≥ 1 (class 0 is the reference)"))
        expectCorrupt(FitParameter.self, #"{"weight": {"_0": 0, "_1": -4}}"#,
                      .invalidParameter(name: "index of the parameter weight[0,-4]", value: -4, requirement: "must be ≥ 0"))
        // Inside a saved result.
        var result = try StudentT.fit([0.3, -1.2, 2.2, 0.8, -0.4, 1.9, -2.5, 0.1]).result
        result.parameters[0] = .covariance(1, 0)
        let bad = try JSONEncoder().encode(result)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FitResult.self, from: bad) }
        for unknown in [#"{"variance": {}}"#, #"{"coefficient": {}}"#, #""mean""#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(FitParameter.self, from: Data(unknown.utf8)) }
        }
    }

    @Test func imageShapesAndDensityPairsThatNoModelAccepts() throws {
        let shape = try ImageShape(height: 28, width: 28, channels: 1)
        #expect(try JSONDecoder().decode(ImageShape.self, from: JSONEncoder().encode(shape)) == shape)
        expectCorrupt(ImageShape.self, #"{"height": 0, "width": 28, "channels": 1}"#,
                      .invalidParameter(name: "height", value: 0, requirement: "must be in 1...16777216"))
        expectCorrupt(ImageShape.self, #"{"height": 4096, "width": 4096, "channels": 2}"#,
                      .invalidParameter(name: "height × width × channels", value: 4096 * 4096 * 2, requirement: "at most 16777216"))
        // Multivariate densities of different dimensions: no weights can be formed.
        let two = try MultivariateNormal(mean: [0, 0], covariance: Matrix.identity(2))
        let three = try MultivariateNormal(mean: [0, 0, 0], covariance: Matrix.identity(3))
        let pair = ImportanceDensities.multivariateNormal(source: two, target: two)
        #expect(try JSONDecoder().decode(ImportanceDensities.self, from: JSONEncoder().encode(pair)) == pair)
        expectCorrupt(ImportanceDensities.self, try edited(pair) { $0["target"] = try! JSONSerialization.jsonObject(with: JSONEncoder().encode(three)) },
                      .dimensionMismatch(what: "target density dimension", expected: 2, got: 3))
    }

    @Test func csvReadOptionsWithADelimiterNoReaderAccepts() throws {
        for options in [CSVReadOptions(), CSVReadOptions(delimiter: "\t", missing: .drop, missingMarkers: ["NA", "", "-"], concurrent: false)] {
            #expect(try JSONDecoder().decode(CSVReadOptions.self, from: JSONEncoder().encode(options)) == options)
        }
        for (bad, text) in [("\"\\\"\"", "\""), ("\"ab\"", "ab"), ("\"\"", ""), ("\"é\"", "é"), ("\"\\n\"", "\n")] {
            let json = #"{"delimiter": "# + bad + #", "missing": "error", "missingMarkers": ["NA"], "concurrent": true}"#
            do {
                _ = try JSONDecoder().decode(CSVReadOptions.self, from: Data(json.utf8))
                Issue.record("decoded the delimiter \(text.debugDescription)")
            } catch let DecodingError.dataCorrupted(context) {
                #expect(context.underlyingError as? CSVError == .invalidDelimiter(text), "\(json)")
            }
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CSVReadOptions.self, from: Data(#"{"delimiter": ";", "missing": "skip", "missingMarkers": [], "concurrent": true}"#.utf8))
        }
    }

    @Test func substituteSettingsNoTrainingAccepts() throws {
        let settings = SubstituteSettings(hidden: [64, 32], output: .softRmax, epochs: 5, batchSize: 16, learningRate: 0.01, weightDecay: 1e-4)
        #expect(try JSONDecoder().decode(SubstituteSettings.self, from: JSONEncoder().encode(settings)) == settings)
        let good: [String: Any] = ["hidden": [8], "output": "softmax", "epochs": 3, "batchSize": 4, "learningRate": 0.1, "weightDecay": 0]
        func with(_ key: String, _ value: Any) -> String {
            var object = good
            object[key] = value
            return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        expectCorrupt(SubstituteSettings.self, with("hidden", [8, 0]),
                      .invalidParameter(name: "hidden[1].outputs", value: 0, requirement: "must be in 1...16777216"))
        expectCorrupt(SubstituteSettings.self, with("epochs", 0), .invalidParameter(name: "epochs", value: 0, requirement: "at least 1"))
        expectCorrupt(SubstituteSettings.self, with("batchSize", -2), .invalidParameter(name: "batchSize", value: -2, requirement: "at least 1"))
        expectCorrupt(SubstituteSettings.self, with("learningRate", 0),
                      .invalidParameter(name: "learningRate", value: 0, requirement: "finite and positive"))
        expectCorrupt(SubstituteSettings.self, with("weightDecay", -1),
                      .invalidParameter(name: "weightDecay", value: -1, requirement: "finite and non-negative"))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SubstituteSettings.self, from: Data(with("output", "sigmoid").utf8)) }
    }

    // MARK: Evaluations

    @Test func evaluationsRoundTripAndRefuseInconsistentFiles() throws {
        let model = try Network(weights: [try Matrix(rowArrays: [[1, 0, 2], [0, 3, -1]])], biases: [[0.5, 0, -0.25]], output: .softRmax)
        // Row 2 lies on a decision boundary, z = (1.25, 0, 1.25): margin 0, ratio +∞ (no JSON number).
        let x = try Matrix(rowArrays: [[1, 0.2], [0.1, 0.9], [0.75, 0]])
        let margins = try MarginAnalysis.evaluate(model, observations: x, labels: [2, 0, 0])
        #expect(margins.margins[2] == 0 && margins.ratios[2] == .infinity)
        #expect(try JSONDecoder().decode(MarginAnalysis.self, from: JSONEncoder().encode(margins)) == margins)
        expectCorrupt(MarginAnalysis.self, #"{"margins": [1, 2], "gradientNorms": [1], "runnerUps": [0, 1]}"#,
                      .dimensionMismatch(what: "gradientNorms", expected: 2, got: 1))
        expectCorrupt(MarginAnalysis.self, #"{"margins": [1], "gradientNorms": [-1], "runnerUps": [0]}"#,
                      .invalidParameter(name: "gradientNorms[0]", value: -1, requirement: "must be finite and ≥ 0"))
        expectCorrupt(MarginAnalysis.self, #"{"margins": [1], "gradientNorms": [1], "runnerUps": [-3]}"#,
                      .invalidParameter(name: "runnerUps[0]", value: -3, requirement: "must be a class index ≥ 0"))
        let summary = try RobustnessSummary.evaluate(model, observations: x, labels: [2, 1, 0],
                                                     attacks: [("a", try Matrix(rowArrays: [[0.1, 0.9], [0.1, 0.9], [0, 0]])), ("b", x)])
        #expect(try JSONDecoder().decode(RobustnessSummary.self, from: JSONEncoder().encode(summary)) == summary)
        expectCorrupt(RobustnessSummary.self, #"{"clean": 1, "attacks": [], "survivedEveryAttack": [true]}"#, .emptyData)
        expectCorrupt(RobustnessSummary.self, #"{"clean": 1.5, "attacks": [{"name": "a", "accuracy": 0.5}], "survivedEveryAttack": [true, false]}"#,
                      .invalidParameter(name: "clean", value: 1.5, requirement: "must be an accuracy in [0, 1]"))
        expectCorrupt(RobustnessSummary.self, #"{"clean": 1, "attacks": [{"name": "a", "accuracy": 0.25}], "survivedEveryAttack": [true, false]}"#,
                      reason: "must be ≤ the worst attack's accuracy 0.25")
    }
}
