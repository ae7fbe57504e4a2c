import Foundation
import Testing
@testable import Polytail

/// A fixture number: a JSON number, or one of the strings "inf", "-inf", "nan".
struct FixtureDouble: Decodable {
    let value: Double
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let v = try? container.decode(Double.self) { value = v; return }
        switch try container.decode(String.self) {
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        default: value = .nan
        }
    }
}

struct SoftRmaxFixtures: Decodable {
    struct Output: Decodable {
        var p: [FixtureDouble]
        var logp: [FixtureDouble]
        var jacobian: [[FixtureDouble]]
        var logGradients: [[FixtureDouble]?]
    }
    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var z: [Double]
        var softRmax: Output
        var softmax: Output
        var testDescription: String { "k = \(z.count): \(name)" }
    }
    var description: String
    var cases: [Case]

    static let all: [Case] = (try? Fixtures.load("softrmax.json", as: SoftRmaxFixtures.self).cases) ?? []
}

extension Tolerance {
    /// Posteriors and log-posteriors: relative error against the 50-digit reference
    /// (a handful of roundings per entry, k ≤ 10).
    static let posterior = 1e-14
    /// Jacobian and log-gradient entries: relative to the entry, with an absolute floor of
    /// this times the largest entry of the matrix (tiny entries are differences of
    /// larger terms and carry their rounding).
    static let derivative = 1e-13
}

/// Checks `actual` against `expected` entrywise: NaN/±∞ must match exactly, finite
/// entries within `relative` of the entry or of `floor`.
private func expectClose(_ actual: [Double], _ expected: [FixtureDouble], relative: Double, floor: Double = 0,
                         _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected.map(\.value)) {
        if !e.isFinite {
            #expect(a == e || (a.isNaN && e.isNaN), "\(what): got \(a), expected \(e)", sourceLocation: sourceLocation)
        } else {
            let ok = Tolerance.isClose(a, e, relative: relative, absolute: floor * relative)
            #expect(ok, "\(what): got \(a), expected \(e), relative error \(Tolerance.relativeError(a, e))",
                    sourceLocation: sourceLocation)
        }
    }
}

@Suite("softRmax and softmax against mpmath") struct SoftRmaxReferenceTests {
    @Test("the fixture loads") func fixtureLoads() {
        #expect(SoftRmaxFixtures.all.count > 50)
    }

    @Test("posteriors and log-posteriors", arguments: SoftRmaxFixtures.all)
    func posteriors(_ c: SoftRmaxFixtures.Case) {
        expectClose(softRmax(c.z), c.softRmax.p, relative: Tolerance.posterior, "softRmax p")
        expectClose(logSoftRmax(c.z), c.softRmax.logp, relative: Tolerance.posterior, "softRmax log p")
        expectClose(softmax(c.z), c.softmax.p, relative: Tolerance.posterior, "softmax p")
        expectClose(logSoftmax(c.z), c.softmax.logp, relative: Tolerance.posterior, "softmax log p")
    }

    /// ‖z − eₖ‖ for every k, without overflow.
    static func distances(_ z: [Double]) -> [Double] {
        (0..<z.count).map { k in
            let r = z.indices.map { z[$0] - ($0 == k ? 1 : 0) }
            let a = r.map(abs).max() ?? 0
            return a == 0 ? 0 : a * r.map { ($0 / a) * ($0 / a) }.reduce(0, +).squareRoot()
        }
    }

    /// The size of the terms the softRmax derivatives are sums of: Jᵢⱼ = 2 Σₖ pᵢ pₖ (vₖ − vᵢ)ⱼ
    /// with |vₖ| ≤ 1/dₖ, so terms are at most 4 maxₖ pₖ/dₖ (and 2/d_y for ∇ log p_y).
    static func softRmaxTermScale(_ z: [Double], _ p: [FixtureDouble], label: Int? = nil) -> Double {
        let d = distances(z)
        var s = 0.0
        for (pk, dk) in zip(p.map(\.value), d) where dk > 0 { s = max(s, 4 * pk / dk) }
        if let label, d[label] > 0 { s += 2 / d[label] }
        return s
    }

    @Test("Jacobians", arguments: SoftRmaxFixtures.all)
    func jacobians(_ c: SoftRmaxFixtures.Case) {
        let j = softRmaxJacobian(c.z)
        expectClose(j.elements, c.softRmax.jacobian.flatMap { $0 }, relative: Tolerance.derivative,
                    floor: Self.softRmaxTermScale(c.z, c.softRmax.p), "softRmax J")
        let expected = c.softmax.jacobian.flatMap { $0 }
        expectClose(softmaxJacobian(c.z).elements, expected, relative: Tolerance.derivative, "softmax J")
    }

    @Test("log-posterior gradients", arguments: SoftRmaxFixtures.all)
    func logGradients(_ c: SoftRmaxFixtures.Case) throws {
        for (layer, reference) in [(OutputLayer.softRmax, c.softRmax), (.softmax, c.softmax)] {
            for (y, row) in reference.logGradients.enumerated() {
                let g = layer == .softRmax ? try logSoftRmaxGradient(c.z, label: y) : try logSoftmaxGradient(c.z, label: y)
                guard let row else {
                    #expect(g.allSatisfy { $0.isNaN }, "undefined gradient should be NaN, got \(g)")
                    continue
                }
                let scale = layer == .softRmax ? Self.softRmaxTermScale(c.z, c.softRmax.p, label: y) : 0
                expectClose(g, row, relative: Tolerance.derivative, floor: scale, "\(layer) ∇log p_\(y)")
            }
        }
    }

    @Test("vector-Jacobian products equal gᵀJ", arguments: SoftRmaxFixtures.all.filter { $0.z.count == 3 })
    func vjp(_ c: SoftRmaxFixtures.Case) throws {
        let g = [0.5, -2.0, 1.25]
        for (layer, reference) in [(OutputLayer.softRmax, c.softRmax), (.softmax, c.softmax)] {
            let v = layer == .softRmax ? try softRmaxVJP(c.z, g) : try softmaxVJP(c.z, g)
            let j = reference.jacobian.map { $0.map(\.value) }
            let expected = (0..<3).map { col in (0..<3).reduce(0.0) { $0 + g[$1] * j[$1][col] } }
            let scale = layer == .softRmax ? Self.softRmaxTermScale(c.z, c.softRmax.p) : (j.flatMap { $0 }.map(abs).max() ?? 0)
            for (a, e) in zip(v, expected) {
                #expect(Tolerance.isClose(a, e, relative: Tolerance.derivative, absolute: 4 * scale * Tolerance.derivative),
                        "\(layer) VJP: \(a) vs \(e)")
            }
        }
    }
}

@Suite("softRmax exactness and properties") struct SoftRmaxPropertyTests {
    @Test("exactly one-hot at z = eᵢ", arguments: [2, 3, 10])
    func exactAtBasisVectors(k: Int) {
        for i in 0..<k {
            var z = [Double](repeating: 0, count: k)
            z[i] = 1
            let p = softRmax(z)
            #expect(p == (0..<k).map { $0 == i ? 1.0 : 0.0 })
            let lp = logSoftRmax(z)
            #expect(lp[i] == 0 && (0..<k).allSatisfy { $0 == i || lp[$0] == -.infinity })
            #expect(softRmaxJacobian(z).elements.allSatisfy { $0 == 0 })
        }
    }

    @Test("exactly 1/k at z = 0", arguments: [1, 2, 3, 7, 10, 100])
    func uniformAtZero(k: Int) {
        let p = softRmax([Double](repeating: 0, count: k))
        #expect(p.allSatisfy { $0 == 1 / Double(k) })
    }

    @Test("no overflow at the extremes of the double range")
    func extremes() {
        let cases: [[Double]] = [[Double.greatestFiniteMagnitude, 0, 0], [-Double.greatestFiniteMagnitude, 1e308, 1],
                                 [1e308, 1e308, 1e308], [Double.leastNonzeroMagnitude, 1, 0]]
        for z in cases {
            let p = softRmax(z)
            #expect(p.allSatisfy { $0.isFinite && $0 >= 0 }, "\(z) → \(p)")
            #expect(abs(p.reduce(0, +) - 1) < 1e-15)
            #expect(logSoftRmax(z).allSatisfy { !$0.isNaN })
            #expect(softRmaxJacobian(z).elements.allSatisfy { $0.isFinite })
        }
    }

    @Test("an infinite logit is the tail limit 1/k; NaN propagates")
    func nonFinite() {
        let third = 1.0 / 3
        let infinite: [Double] = [.infinity, 0, 2]
        let notANumber: [Double] = [.nan, 0, 2]
        let twoInfinite: [Double] = [.infinity, 0, .infinity]
        let allNegative: [Double] = [-.infinity, -.infinity]
        let oneNegative: [Double] = [-.infinity, 0]
        #expect(softRmax(infinite) == [third, third, third])
        #expect(softRmax(notANumber).allSatisfy { $0.isNaN })
        #expect(softmax(twoInfinite) == [0.5, 0, 0.5])
        #expect(softmax(notANumber).allSatisfy { $0.isNaN })
        #expect(softmax(allNegative).allSatisfy { $0.isNaN })
        #expect(softmax(oneNegative) == [0, 1])
    }

    @Test("posteriors sum to one and are non-negative on random logits", arguments: [2, 3, 10, 50])
    func sumToOne(k: Int) {
        var rng = PolytailRandom(seed: 11)
        for trial in 0..<200 {
            let scale = pow(10, Double(trial % 9) - 3)
            let z = (0..<k).map { _ in scale * rng.standardNormal() }
            for p in [softRmax(z), softmax(z)] {
                #expect(p.allSatisfy { $0 >= 0 && $0 <= 1 })
                #expect(abs(p.reduce(0, +) - 1) <= 4 * Double(k) * Double.ulpOfOne)
            }
        }
    }

    @Test("the tail limit is 1/k along random directions; softmax saturates", arguments: [2, 3, 10])
    func tailLimit(k: Int) {
        var rng = PolytailRandom(seed: 5)
        for _ in 0..<50 {
            let v = (0..<k).map { _ in rng.standardNormal() }
            var previousGap = Double.infinity
            for t in [1e2, 1e4, 1e6, 1e12, 1e100, 1e300] {
                let p = softRmax(v.map { t * $0 })
                let gap = p.map { abs($0 - 1 / Double(k)) }.max()!
                // ‖z − eᵢ‖² = t²‖v‖² − 2t vᵢ + 1, so the gap from 1/k decays like 1/t.
                #expect(gap <= 4 / t * (1 + v.map(abs).max()! / v.map { $0 * $0 }.reduce(0, +)) + 1e-15)
                #expect(gap <= previousGap + 1e-15)
                previousGap = gap
            }
            let q = softmax(v.map { 1e6 * $0 })
            #expect(q.max()! == 1, "softmax at t = 1e6 should be one-hot, got \(q)")
        }
    }

    @Test("batch forms agree with the vector forms")
    func batch() throws {
        var rng = PolytailRandom(seed: 9)
        let rows = (0..<40).map { _ in (0..<4).map { _ in 3 * rng.standardNormal() } }
        let z = try Matrix(rowArrays: rows)
        let checks: [(Matrix, ([Double]) -> [Double])] = [
            (softRmax(z), { softRmax($0) }), (logSoftRmax(z), { logSoftRmax($0) }),
            (softmax(z), { softmax($0) }), (logSoftmax(z), { logSoftmax($0) }),
        ]
        for (m, f) in checks {
            #expect(m.rows == 40 && m.columns == 4)
            for (r, row) in rows.enumerated() { #expect(m.rowArrays[r] == f(row)) }
        }
    }

    @Test("the multi-threaded batch path (n·k ≥ 2·10⁵) agrees with the vector forms")
    func largeBatch() throws {
        var rng = PolytailRandom(seed: 10)
        let n = 25_000, k = 10
        let z = try Matrix(rows: n, columns: k, elements: (0..<(n * k)).map { _ in 2 * rng.standardNormal() })
        let p = softRmax(z), q = logSoftmax(z)
        for r in stride(from: 0, to: n, by: 997) {
            let row = Array(z.elements[(r * k)..<(r * k + k)])
            #expect(Array(p.elements[(r * k)..<(r * k + k)]) == softRmax(row))
            #expect(Array(q.elements[(r * k)..<(r * k + k)]) == logSoftmax(row))
        }
    }

    @Test("the Jacobian matches central finite differences", arguments: [2, 3, 10])
    func finiteDifferences(k: Int) {
        var rng = PolytailRandom(seed: 3)
        for _ in 0..<20 {
            let z = (0..<k).map { _ in rng.standardNormal() }
            for layer in OutputLayer.allCases {
                let j = layer.jacobian(z)
                let f: ([Double]) -> [Double] = { layer == .softRmax ? softRmax($0) : softmax($0) }
                for col in 0..<k {
                    let h = 1e-6
                    var plus = z, minus = z
                    plus[col] += h; minus[col] -= h
                    let fp = f(plus), fm = f(minus)
                    for row in 0..<k {
                        let numeric = (fp[row] - fm[row]) / (2 * h)
                        #expect(abs(numeric - j[row, col]) < 1e-7, "\(layer) J[\(row),\(col)]")
                    }
                }
            }
        }
    }

    @Test("VJP and gradient errors are thrown")
    func errors() {
        expectError(PolytailError.dimensionMismatch(what: "softRmax upstream gradient", expected: 2, got: 3)) {
            try softRmaxVJP([0, 1], [1, 2, 3])
        }
        expectError(PolytailError.dimensionMismatch(what: "softmax upstream gradient", expected: 2, got: 1)) {
            try softmaxVJP([0, 1], [1])
        }
        expectError(PolytailError.unknownLabel("2 (classes are 0..<2)")) { try logSoftRmaxGradient([0, 1], label: 2) }
        expectError(PolytailError.unknownLabel("-1 (classes are 0..<2)")) { try logSoftmaxGradient([0, 1], label: -1) }
    }
}
