import Foundation
import Testing
@testable import Polytail

/// The one ν rule: single-sample fits refuse per-group rules; multi-group fits resolve each case.
@Suite("DegreesOfFreedomRule")
struct DegreesOfFreedomRuleTests {
    static let sample: [Double] = [-2.1, 0.3, 1.7, -0.4, 5.9, 0.8, -1.2, 0.05, 2.4, -7.5, 0.6, 1.1]
    static let other: [Double] = [1.2, 3.4, 0.9, 2.2, 8.1, 1.7, -0.3, 2.6, 1.9, 2.05, -3.1, 2.8, 1.4]

    @Test(arguments: [DegreesOfFreedomRule.fixedPerGroup([3, 4]), .estimatedPerGroup])
    func singleSampleFitsRefusePerGroupRules(_ rule: DegreesOfFreedomRule) throws {
        #expect(throws: PolytailError.self) { try StudentT.fit(Self.sample, degreesOfFreedom: rule) }
        #expect(throws: PolytailError.self) { try NoncentralT.fit(Self.sample, degreesOfFreedom: rule) }
        let m = try Matrix(rowArrays: zip(Self.sample, Self.other.prefix(12)).map { [$0, $1] })
        #expect(throws: PolytailError.self) { try MultivariateT.fit(m, degreesOfFreedom: rule) }
        let error = #expect(throws: PolytailError.self) { try StudentT.fit(Self.sample, degreesOfFreedom: rule) }
        if case let .invalidParameter(name, _, _)? = error { #expect(name == "degreesOfFreedom") } else { Issue.record("\(String(describing: error))") }
    }

    @Test func importanceWeightsFixedPerGroupIsTwoFixedFits() throws {
        let iw = try ImportanceWeights.fit(source: Self.sample, target: Self.other, family: .studentT(.fixedPerGroup([3, 7])))
        let s = try StudentT.fit(Self.sample, degreesOfFreedom: .fixed(3))
        let t = try StudentT.fit(Self.other, degreesOfFreedom: .fixed(7))
        #expect(iw.model.densities == .studentT(source: s.model, target: t.model))
        #expect(iw.sourceResult == s.result && iw.targetResult == t.result && iw.result.parameterCount == 4)
    }

    @Test func importanceWeightsEstimatedPerGroupIsTwoSeparateFits() throws {
        let iw = try ImportanceWeights.fit(source: Self.sample, target: Self.other, family: .studentT(.estimatedPerGroup(minimum: 0.5, maximum: 1e4)))
        let s = try StudentT.fit(Self.sample, degreesOfFreedom: .estimated(minimum: 0.5, maximum: 1e4))
        let t = try StudentT.fit(Self.other, degreesOfFreedom: .estimated(minimum: 0.5, maximum: 1e4))
        #expect(iw.model.densities == .studentT(source: s.model, target: t.model))
        #expect(iw.result.groupResults == [s.result, t.result] && iw.result.parameterCount == 6)
    }

    @Test func importanceWeightsEstimatedTiesOneNu() throws {
        let iw = try ImportanceWeights.fit(source: Self.sample, target: Self.other, family: .studentT(.estimated))
        guard case let .studentT(s, t) = iw.model.densities else { Issue.record("wrong family"); return }
        #expect(s.degreesOfFreedom == t.degreesOfFreedom)
    }

    @Test func importanceWeightsFixedPerGroupNeedsTwoValues() {
        expectError(PolytailError.dimensionMismatch(what: "degrees of freedom per group (one per group, in group order)", expected: 2, got: 3)) {
            try ImportanceWeights.fit(source: Self.sample, target: Self.other, family: .studentT(.fixedPerGroup([1, 2, 3])))
        }
        expectError(PolytailError.invalidParameter(name: "degrees of freedom of the target sample", value: 0, requirement: "must be finite and > 0")) {
            try ImportanceWeights.fit(source: Self.sample, target: Self.other, family: .studentT(.fixedPerGroup([1, 0])))
        }
    }

    @Test func discriminantFixedPerGroupFollowsClassLabelOrder() throws {
        // Labels given out of order: per-group values belong to the sorted labels.
        var g = PolytailRandom(seed: 11)
        let x = try Matrix(rowArrays: (0..<60).map { i in [Double(i % 3) * 2 + g.standardNormal(), g.standardNormal()] })
        let labels = (0..<60).map { ["c", "a", "b"][$0 % 3] }
        let model = try DiscriminantAnalysis.fit(x, labels: labels, family: .studentT(.fixedPerGroup([2, 5, 9]))).model
        #expect(model.conditionals.map(\.degreesOfFreedom) == [2, 5, 9])
    }

    @Test func rulesRoundTripThroughJSON() throws {
        for rule in [DegreesOfFreedomRule.fixed(3), .fixedPerGroup([1, 2]), .estimated, .estimatedPerGroup(minimum: 2, maximum: 50)] {
            let data = try JSONEncoder().encode(rule)
            #expect(try JSONDecoder().decode(DegreesOfFreedomRule.self, from: data) == rule)
        }
    }

    @Test("a maximum ν anywhere up to the double range: light tails stop there, converged, with μ and σ's covariance")
    func hugeMaximum() throws {
        let x = [1.0, 2, 3, 4, 5]
        let normal = try Normal.fit(x)
        for maximum in [1e10, 1e100, 1e160, 1e200, 1e300, 1e308, Double.greatestFiniteMagnitude] {
            let fit = try StudentT.fit(x, degreesOfFreedom: .estimated(maximum: maximum))
            #expect(fit.model.degreesOfFreedom == maximum && fit.result.dfAtBound, "maximum \(maximum)")
            #expect(fit.result.converged, "maximum \(maximum)")
            #expect(fit.result.logLikelihood.isFinite && abs(fit.result.logLikelihood - normal.result.logLikelihood) < 1e-6)
            #expect(fit.result.parameters == [.location, .scale], "maximum \(maximum)")
            let se = try #require(fit.result.standardError(.location), "maximum \(maximum)")
            #expect(abs(se - normal.result.standardError(.mean)!) < 1e-6 * se)
        }
    }
}
