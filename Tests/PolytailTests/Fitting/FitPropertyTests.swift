import Foundation
import Testing
@testable import Polytail

/// Properties every maximum-likelihood fit must have, on seeded simulated data.
@Suite("Fit properties") struct FitPropertyTests {
    static func tSample(_ n: Int, nu: Double = 3, seed: UInt64 = 1) -> [Double] {
        var g = PolytailRandom(seed: seed)
        return try! StudentT(degreesOfFreedom: nu, location: 1, scale: 2).sample(n, using: &g)
    }

    @Test("weights of one equal no weights")
    func unitWeights() throws {
        let x = Self.tSample(300)
        let ones = [Double](repeating: 1, count: x.count)
        let a = try StudentT.fit(x), b = try StudentT.fit(x, weights: ones)
        #expect(Tolerance.isClose(a.model.location, b.model.location, relative: 1e-10))
        #expect(Tolerance.isClose(a.model.scale, b.model.scale, relative: 1e-10))
        #expect(Tolerance.isClose(a.model.degreesOfFreedom, b.model.degreesOfFreedom, relative: 1e-9))
        #expect(Tolerance.isClose(a.result.logLikelihood, b.result.logLikelihood, relative: 1e-13))
        let n1 = try Normal.fit(x), n2 = try Normal.fit(x, weights: ones)
        #expect(n1.model == n2.model)
    }

    @Test("integer weights equal repeated rows")
    func integerWeights() throws {
        let x = Self.tSample(200, seed: 2)
        let w = x.indices.map { Double($0 % 3 + 1) }
        var repeated: [Double] = []
        for (v, k) in zip(x, w) { repeated += [Double](repeating: v, count: Int(k)) }
        let a = try StudentT.fit(x, weights: w), b = try StudentT.fit(repeated)
        #expect(Tolerance.isClose(a.model.location, b.model.location, relative: 1e-8))
        #expect(Tolerance.isClose(a.model.scale, b.model.scale, relative: 1e-8))
        #expect(Tolerance.isClose(a.model.degreesOfFreedom, b.model.degreesOfFreedom, relative: 1e-7))
        #expect(Tolerance.isClose(a.result.logLikelihood, b.result.logLikelihood, relative: 1e-12))
        let na = try Normal.fit(x, weights: w), nb = try Normal.fit(repeated)
        #expect(Tolerance.isClose(na.model.standardDeviation, nb.model.standardDeviation, relative: 1e-13))
    }

    @Test("the fit is a maximum: moving any parameter lowers the likelihood")
    func isMaximum() throws {
        let x = Self.tSample(500, seed: 3)
        let f = try StudentT.fit(x)
        let d = f.model
        #expect(f.result.converged && !f.result.dfAtBound)
        #expect(Tolerance.isClose(d.logLikelihood(x), f.result.logLikelihood, relative: 1e-13))
        for (dl, ds, dn) in [(1e-4, 0.0, 0.0), (-1e-4, 0, 0), (0, 1e-4, 0), (0, -1e-4, 0), (0, 0, 1e-3), (0, 0, -1e-3)] {
            let moved = try StudentT(degreesOfFreedom: d.degreesOfFreedom * (1 + dn), location: d.location + dl,
                                     scale: d.scale * (1 + ds))
            #expect(moved.logLikelihood(x) < f.result.logLikelihood)
        }
    }

    @Test("light-tailed data give ν = ∞, exactly the normal fit", arguments: [1 as UInt64, 2, 3])
    func lightTails(_ seed: UInt64) throws {
        var g = PolytailRandom(seed: seed)
        let x = (0..<400).map { _ in 2 * g.uniformPositive() - 1 }
        let t = try StudentT.fit(x)
        let n = try Normal.fit(x)
        #expect(t.result.dfAtBound)
        #expect(t.model.degreesOfFreedom == .infinity)
        #expect(t.result.logLikelihood == n.result.logLikelihood && t.model.location == n.model.mean)
        #expect(t.result.converged)
        // A lower, user-given bound is respected and reported.
        let capped = try StudentT.fit(x, degreesOfFreedom: .estimated(maximum: 50))
        #expect(capped.result.dfAtBound && capped.model.degreesOfFreedom == 50)
    }

    @Test("fixed ν is held")
    func fixedDF() throws {
        let x = Self.tSample(300, seed: 4)
        let f = try StudentT.fit(x, degreesOfFreedom: .fixed(5))
        #expect(f.model.degreesOfFreedom == 5)
        #expect(!f.result.dfAtBound && f.result.converged)
        #expect(f.result.standardError(.degreesOfFreedom) == nil)
        #expect(f.result.standardError(.location)! > 0)
        #expect(f.result.parameters == [.location, .scale] && f.result.parameterCount == 2)
        let free = try StudentT.fit(x)
        #expect(free.result.logLikelihood >= f.result.logLikelihood)
    }

    @Test("a one-dimensional multivariate t fit equals the univariate fit")
    func oneDimensional() throws {
        let x = Self.tSample(400, seed: 5)
        let u = try StudentT.fit(x)
        let m = try MultivariateT.fit(Matrix(rows: x.count, columns: 1, elements: x))
        #expect(Tolerance.isClose(m.model.location[0], u.model.location, relative: 1e-6))
        #expect(Tolerance.isClose(m.model.scatter[0, 0].squareRoot(), u.model.scale, relative: 1e-6))
        #expect(Tolerance.isClose(m.model.degreesOfFreedom, u.model.degreesOfFreedom, relative: 1e-5))
        #expect(Tolerance.isClose(m.result.logLikelihood, u.result.logLikelihood, relative: 1e-11))
    }

    @Test("multivariate fits: unit weights equal none, integer weights equal repeated rows")
    func multivariateWeights() throws {
        var g = PolytailRandom(seed: 6)
        let scatter = try Matrix(rowArrays: [[2, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 0.5]])
        let t = try MultivariateT(location: [1, -1, 0.5], scatter: scatter, degreesOfFreedom: 5)
        let x = t.sample(300, using: &g)
        let a = try MultivariateT.fit(x)
        let b = try MultivariateT.fit(x, weights: [Double](repeating: 1, count: 300))
        #expect(a.model == b.model)
        let w = (0..<300).map { Double($0 % 2 + 1) }
        var rows: [[Double]] = []
        for (r, k) in zip(x.rowArrays, w) { for _ in 0..<Int(k) { rows.append(r) } }
        let c = try MultivariateT.fit(x, weights: w)
        let d = try MultivariateT.fit(Matrix(rowArrays: rows))
        #expect(Tolerance.isClose(c.model.degreesOfFreedom, d.model.degreesOfFreedom, relative: 1e-6))
        #expect(Tolerance.isClose(c.result.logLikelihood, d.result.logLikelihood, relative: 1e-11))
        let na = try MultivariateNormal.fit(x, weights: w), nb = try MultivariateNormal.fit(Matrix(rowArrays: rows))
        for k in 0..<9 { #expect(Tolerance.isClose(na.model.covariance.elements[k], nb.model.covariance.elements[k], relative: 1e-12)) }
    }

    @Test("multivariate normal data drive the multivariate t's ν to the bound or far up")
    func multivariateLightTails() throws {
        var g = PolytailRandom(seed: 9)
        let mvn = try MultivariateNormal(mean: [0, 0], covariance: Matrix.identity(2))
        let x = mvn.sample(2000, using: &g)
        let t = try MultivariateT.fit(x, degreesOfFreedom: .estimated(maximum: 1e6))
        let n = try MultivariateNormal.fit(x)
        #expect(t.result.converged)
        #expect(t.model.degreesOfFreedom > 30)
        #expect(t.result.logLikelihood >= n.result.logLikelihood - 1e-6 * abs(n.result.logLikelihood))
    }

    @Test("the fit of a large sample (subsample start) reaches the full-data optimum")
    func largeSample() throws {
        let x = Self.tSample(120_000, nu: 4, seed: 10)
        let f = try StudentT.fit(x)
        #expect(f.result.converged)
        let d = f.model
        for (dl, dn) in [(1e-4, 0.0), (-1e-4, 0), (0, 1e-3), (0, -1e-3)] {
            let moved = try StudentT(degreesOfFreedom: d.degreesOfFreedom * (1 + dn), location: d.location + dl, scale: d.scale)
            #expect(moved.logLikelihood(x) < f.result.logLikelihood)
        }
    }
}

@Suite("Fit errors") struct FitErrorTests {
    @Test func empty() {
        expectError(PolytailError.emptyData) { try StudentT.fit([]) }
        expectError(PolytailError.emptyData) { try Normal.fit([]) }
    }

    @Test func nonFinite() {
        expectError(PolytailError.nonFiniteValue(row: 2, column: nil)) { try StudentT.fit([1, 2, .nan, 4]) }
        expectError(PolytailError.nonFiniteValue(row: 0, column: nil)) { try Normal.fit([.infinity, 2, 3]) }
        let m = try! Matrix(rowArrays: [[1, 2], [3, .nan], [4, 5], [6, 1]])
        expectError(PolytailError.nonFiniteValue(row: 1, column: 1)) { try MultivariateT.fit(m) }
        expectError(PolytailError.nonFiniteValue(row: 1, column: 1)) { try MultivariateNormal.fit(m) }
    }

    @Test func tooFew() {
        expectError(PolytailError.tooFewObservations(needed: 3, got: 2)) { try StudentT.fit([1, 2]) }
        expectError(PolytailError.tooFewObservations(needed: 2, got: 1)) { try Normal.fit([1]) }
        expectError(PolytailError.tooFewObservations(needed: 2, got: 1)) { try StudentT.fit([1], degreesOfFreedom: .fixed(3)) }
        let m = try! Matrix(rowArrays: [[1, 2], [3, 4]])
        expectError(PolytailError.tooFewObservations(needed: 3, got: 2)) { try MultivariateNormal.fit(m) }
    }

    @Test func constant() {
        expectError(PolytailError.constantData(column: nil)) { try StudentT.fit([3, 3, 3, 3]) }
        expectError(PolytailError.constantData(column: nil)) { try Normal.fit([3, 3, 3]) }
        let m = try! Matrix(rowArrays: [[1, 7], [2, 7], [3, 7], [5, 7]])
        expectError(PolytailError.constantData(column: 1)) { try MultivariateT.fit(m) }
    }

    @Test func collinear() {
        let m = try! Matrix(rowArrays: [[1, 2], [2, 4], [3, 6], [5, 10], [7, 14]])
        #expect(throws: PolytailError.self) { try MultivariateNormal.fit(m) }
        #expect(throws: PolytailError.self) { try MultivariateT.fit(m) }
    }

    @Test func badWeights() {
        expectError(PolytailError.dimensionMismatch(what: "weights", expected: 4, got: 3)) { try StudentT.fit([1, 2, 3, 4], weights: [1, 1, 1]) }
        expectError(PolytailError.invalidWeight(row: 1)) { try StudentT.fit([1, 2, 3, 4], weights: [1, -1, 1, 1]) }
        expectError(PolytailError.invalidWeight(row: 2)) { try Normal.fit([1, 2, 3, 4], weights: [1, 1, .nan, 1]) }
        expectError(PolytailError.invalidWeight(row: nil)) { try Normal.fit([1, 2, 3], weights: [0, 0, 0]) }
    }

    @Test func badDegreesOfFreedom() {
        #expect(throws: PolytailError.self) { try StudentT.fit([1, 2, 3, 5], degreesOfFreedom: .fixed(-1)) }
        #expect(throws: PolytailError.self) { try StudentT.fit([1, 2, 3, 5], degreesOfFreedom: .fixed(.nan)) }
        #expect(throws: PolytailError.self) { try StudentT.fit([1, 2, 3, 5], degreesOfFreedom: .estimated(minimum: 5, maximum: 2)) }
    }

    @Test("a degenerate weighted multivariate-t fit on five rows is a clear error, not a trap")
    func degenerateMultivariate() throws {
        let m = try Matrix(rowArrays: [[1, 2], [2, 3.5], [3, 1], [4, 8], [10, 2]])
        expectError(PolytailError.numericalFailure(
            "the multivariate-t fit degenerated: the scatter matrix collapses (too few or tied rows for a bounded likelihood)")) {
            try MultivariateT.fit(m, weights: [1, 2, 1, 1, 1])
        }
        // Unweighted, the same rows fit (ν runs to its bound).
        let f = try MultivariateT.fit(m)
        #expect(f.result.dfAtBound)
    }

    @Test("mostly tied data: the unbounded likelihood is a clear error, never a hang or trap")
    func tiedData() {
        var x = [Double](repeating: 0, count: 90)
        x += (1...10).map { Double($0) }
        expectError(PolytailError.numericalFailure("the Student-t likelihood is unbounded (scale → 0): too many tied values")) {
            try StudentT.fit(x)
        }
    }
}
