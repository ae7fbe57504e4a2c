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
}
