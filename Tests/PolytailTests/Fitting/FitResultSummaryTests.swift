import Foundation
import Testing
import Polytail

/// `FitResult.summary(level:)`: the text table shows each listed parameter with its own
/// estimate, standard error and Wald interval at the level asked for, and says why a
/// result without a covariance has none.
@Suite struct FitResultSummaryTests {
    static func g(_ x: Double) -> String { String(format: "%.6g", x) }
    static func sample() throws -> [Double] {
        var rng = PolytailRandom(seed: 9)
        return try StudentT(degreesOfFreedom: 4, location: -1, scale: 3).sample(400, using: &rng)
    }

    @Test func eachParameterLineHoldsItsEstimateErrorAndInterval() throws {
        let fit = try StudentT.fit(Self.sample())
        for level in [0.95, 0.8] {
            let lines = try fit.result.summary(level: level).split(separator: "\n").map(String.init)
            #expect(lines[0].hasPrefix("parameter") && lines[0].hasSuffix("\(Self.g(100 * level))% interval"))
            for (i, parameter) in fit.result.parameters.enumerated() {
                let words = lines[i + 1].split(separator: " ").map(String.init)
                let interval = try #require(try fit.result.confidenceInterval(parameter, level: level))
                #expect(words == [parameter.description, Self.g(fit.result.estimates[i]), Self.g(fit.result.standardErrors![i]),
                                  "[" + Self.g(interval.lowerBound) + ",", Self.g(interval.upperBound) + "]"])
            }
            let test = try #require(fit.result.tailTest)
            #expect(lines.contains { $0.contains("LR = \(Self.g(test.statistic)), p = \(Self.g(test.pValue))") })
            #expect(lines.contains("observations 400, log-likelihood \(Self.g(fit.result.logLikelihood)), parameters 3, AIC \(Self.g(fit.result.aic)), BIC \(Self.g(fit.result.bic))"))
        }
    }

    @Test func aResultWithoutCovarianceSaysWhy() throws {
        let x = try Self.sample()
        let features = try Matrix(rows: x.count, columns: 1, elements: x)
        let fit = try LinearClassifier.fit(features, labels: x.map { $0 < -1 ? 0 : 1 }, classCount: 2, output: .softRmax,
                                           weightDecay: 1e-2)
        let text = try fit.result.summary()
        #expect(text.contains("no standard errors: penalized") && !text.contains("  ["))  // no interval
        #expect(text.contains("training: loss \(Self.g(fit.result.training!.loss))"))
    }

    @Test func groupsAreIndentedAndLeastSquaresShowsItsFit() throws {
        let x = try Self.sample()
        let features = try Matrix(rows: x.count, columns: 1, elements: x)
        let lda = try DiscriminantAnalysis.fit(features, labels: x.map { $0 < -1 ? "a" : "b" }, family: .studentT(.fixed(3)))
        let lines = try lda.result.summary().split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("group ") } == ["group 1 of 2:", "group 2 of 2:"])
        #expect(lines.filter { $0.hasPrefix("  location[0]") }.count == 2)
        let normal = try Normal.fit(x)
        #expect(try normal.result.summary().contains("converged (closed form)"))
        let design = try Matrix(rowArrays: x.map { [1, $0] })
        let ls = try WeightedLeastSquares.fit(design, response: x.map { 2 * $0 + sin($0) }, weights: x.map { 1 + abs($0) })
        let text = try ls.result.summary()
        #expect(text.contains("standard errors: sandwich (HC0)") && text.contains("R² \(Self.g(ls.result.leastSquares!.rSquared))"))
    }

    @Test func aLevelOutsideTheUnitIntervalThrows() throws {
        let fit = try Normal.fit(Self.sample())
        for level in [0, 1, 1.5, -0.1, .nan] {
            #expect(throws: PolytailError.self) { try fit.result.summary(level: level) }
        }
    }
}
