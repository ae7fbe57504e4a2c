import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// log f of t_ν against its normal limit at ν = 10¹²: the gap is O(δ⁴/ν) ≈ 1e-10 at δ ≈ 4.
    static let multivariateNormalLimit = 1e-8
}

/// ν = ∞ for the multivariate t: the multivariate normal, as for the univariate StudentT.
@Suite("Multivariate t at ν = ∞")
struct MultivariateTNormalLimitTests {
    static let location = [1.0, -2.0, 0.5]
    static let scatter = try! Matrix(rowArrays: [[2.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 0.5]])
    static let points = try! Matrix(rowArrays: [[1, -2, 0.5], [0, 0, 0], [3, -1, 2], [-2, -4, 1], [1e200, 0, 0]])

    @Test("densities and draws are the multivariate normal's; large ν approaches them")
    func normalLimit() throws {
        let t = try MultivariateT(location: Self.location, scatter: Self.scatter, degreesOfFreedom: .infinity)
        let normal = try MultivariateNormal(mean: Self.location, covariance: Self.scatter)
        #expect(t.isNormalLimit && t.normalLimit == normal)
        let a = t.logDensities(Self.points), b = normal.logDensities(Self.points)
        for (u, v) in zip(a, b) { #expect(u == v || Tolerance.isClose(u, v, relative: 1e-15)) }
        let large = try MultivariateT(location: Self.location, scatter: Self.scatter, degreesOfFreedom: 1e12)
        for (u, v) in zip(large.logDensities(Self.points).prefix(4), b.prefix(4)) {
            #expect(abs(u - v) <= Tolerance.multivariateNormalLimit, "\(u) vs \(v)")
        }
        var g1 = PolytailRandom(seed: 5), g2 = PolytailRandom(seed: 5)
        // The same normal draws z (no χ² draw at ν = ∞): μ + Lz up to the order of the sums.
        for _ in 0..<10 {
            for (u, v) in zip(t.sample(using: &g1), normal.sample(using: &g2)) {
                #expect(Tolerance.isClose(u, v, relative: 1e-14, absolute: 1e-15))
            }
        }
    }

    @Test("ν = ∞ persists as \"Infinity\"; NaN, −∞ and other strings are rejected")
    func coding() throws {
        let t = try MultivariateT(location: Self.location, scatter: Self.scatter, degreesOfFreedom: .infinity)
        let data = try JSONEncoder().encode(t)
        #expect(String(decoding: data, as: UTF8.self).contains("\"Infinity\""))
        #expect(try JSONDecoder().decode(MultivariateT.self, from: data) == t)
        let bad = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"Infinity\"", with: "\"Infinite\"")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(MultivariateT.self, from: Data(bad.utf8)) }
        for nu: Double in [.nan, -Double.infinity, 0, -1] {
            #expect(throws: PolytailError.self) {
                try MultivariateT(location: Self.location, scatter: Self.scatter, degreesOfFreedom: nu)
            }
        }
    }

    @Test("a discriminant analysis refuses a t class at ν = ∞ beside finite ones, and reads all-∞ as normal")
    func discriminantClasses() throws {
        typealias DA = DiscriminantAnalysis<Int>
        let other = [-1.0, 0, 2]
        let infinite = try MultivariateT(location: Self.location, scatter: Self.scatter, degreesOfFreedom: .infinity)
        let finite = try MultivariateT(location: other, scatter: Self.scatter, degreesOfFreedom: 4)
        #expect(throws: PolytailError.self) {
            try DA(classLabels: [0, 1], priors: [0.5, 0.5], conditionals: [.studentT(infinite), .studentT(finite)], shared: true)
        }
        let limit = try MultivariateT(location: other, scatter: Self.scatter, degreesOfFreedom: .infinity)
        let tModel = try DA(classLabels: [0, 1], priors: [0.5, 0.5], conditionals: [.studentT(infinite), .studentT(limit)], shared: true)
        let normalModel = try DA(classLabels: [0, 1], priors: [0.5, 0.5],
                                 conditionals: [.normal(infinite.normalLimit), .normal(limit.normalLimit)], shared: true)
        let x = try Matrix(rowArrays: Array(Self.points.rowArrays.prefix(4)))
        let p = try tModel.posteriors(x), q = try normalModel.posteriors(x)
        for (u, v) in zip(p.elements, q.elements) { #expect(Tolerance.isClose(u, v, relative: 1e-12, absolute: 1e-15)) }
        // Decoding such a mixed model is corrupt input: an error, never a trap.
        let good = try JSONEncoder().encode(tModel)
        var object = try JSONSerialization.jsonObject(with: good) as! [String: Any]
        var conditionals = object["conditionals"] as! [[String: Any]]
        var second = conditionals[1]["distribution"] as! [String: Any]
        second["degreesOfFreedom"] = 4
        conditionals[1]["distribution"] = second
        object["conditionals"] = conditionals
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DA.self, from: JSONSerialization.data(withJSONObject: object))
        }
    }

    @Test("light-tailed data: the fit is the exact normal limit (ν = ∞, the normal's ℓ), never below it")
    func lightTailedFit() throws {
        var rng = PolytailRandom(seed: 21)
        // Uniform columns (kurtosis 1.8 < 3) and the 5-row sample whose ν used to stop at 10⁶.
        let uniform = try Matrix(rowArrays: (0..<300).map { _ in [rng.uniformPositive(), rng.uniformPositive() + 0.5 * rng.uniformPositive()] })
        let small = try Matrix(rowArrays: [[1, 2], [2, 1], [3, 5], [4, 3], [5, 4]])
        for (x, weights) in [(uniform, nil), (small, nil), (small, [1.0, 2, 1, 3, 1])] as [(Matrix, [Double]?)] {
            let t = try MultivariateT.fit(x, weights: weights)
            let normal = try MultivariateNormal.fit(x, weights: weights)
            #expect(t.model.isNormalLimit && t.result.dfAtBound && t.result.converged)
            #expect(t.model.location == normal.model.mean && t.model.scatter == normal.model.covariance)
            #expect(t.result.logLikelihood == normal.result.logLikelihood)
            #expect(t.result.covariance == normal.result.covariance)
            #expect(t.result.parameters.allSatisfy { if case .degreesOfFreedom = $0 { false } else { true } })
            #expect(t.result.estimate(.locationComponent(1)) == normal.model.mean[1])
            #expect(t.result.estimate(.scatter(0, 1)) == normal.model.covariance[0, 1])
            #expect(t.result.parameterCount == normal.result.parameterCount + 1)
            let test = try #require(t.result.tailTest)
            #expect(test.statistic == 0 && test.pValue == 1)
            // A finite maximum stops ν there instead, within reach of the normal's ℓ.
            let bounded = try MultivariateT.fit(x, weights: weights, degreesOfFreedom: .estimated(maximum: 1e4))
            #expect(bounded.model.degreesOfFreedom == 1e4 && bounded.result.dfAtBound)
            #expect(bounded.result.logLikelihood.isFinite && bounded.result.logLikelihood <= normal.result.logLikelihood + 1e-9)
        }
    }

    @Test("a maximum ν near the double range: finite ℓ, converged, at the bound")
    func hugeMaximum() throws {
        let small = try Matrix(rowArrays: [[1, 2], [2, 1], [3, 5], [4, 3], [5, 4]])
        for maximum in [1e200, 1e307, 1e308, Double.greatestFiniteMagnitude] {
            let fit = try MultivariateT.fit(small, degreesOfFreedom: .estimated(maximum: maximum))
            #expect(fit.result.logLikelihood.isFinite, "maximum \(maximum)")
            #expect(fit.result.converged && fit.result.dfAtBound, "maximum \(maximum)")
            #expect(abs(fit.result.logLikelihood - (try MultivariateNormal.fit(small)).result.logLikelihood) < 1e-6)
        }
    }
}
