import Foundation
import Testing
@testable import Polytail

/// Regression tests for broken promises of issue 10: values the library accepted and then
/// answered with NaN, −∞ or a different fit.
@Suite("Reliability: promises kept at extreme values") struct PromiseRegressionTests {
    static let sample: [Double] = [0.3, -1.2, 2.5, 0.1, 7.5, -0.4, 1.1, 0.9, -3.3, 0.2, 1.7, -0.8]

    /// Equal weights of any size give exactly the unweighted estimates (weights are divided
    /// by their maximum in one place, DataValidation.checkWeights).
    @Test(arguments: [5e-324, 1e-300, 3.0, 1e300])
    func equalWeightsGiveTheUnweightedFit(weight: Double) throws {
        let w = [Double](repeating: weight, count: Self.sample.count)
        #expect(try Normal.fit(Self.sample, weights: w).model == Normal.fit(Self.sample).model)
        #expect(try StudentT.fit(Self.sample, weights: w).model == StudentT.fit(Self.sample).model)
        #expect(try StudentT.fit(Self.sample, weights: w, degreesOfFreedom: .fixed(3)).model
                == StudentT.fit(Self.sample, degreesOfFreedom: .fixed(3)).model)
        let m = try Matrix(rowArrays: [[0, 1], [1, 0.5], [2, 2], [3, 1], [0, 3], [1, 1.5], [4, -2]])
        let wm = [Double](repeating: weight, count: m.rows)
        #expect(try MultivariateNormal.fit(m, weights: wm).model == MultivariateNormal.fit(m).model)
        // The log-likelihood keeps its frequency meaning: w · ℓ(unweighted).
        let ll = try Normal.fit(Self.sample, weights: w).result.logLikelihood
        let reference = weight * (try Normal.fit(Self.sample).result.logLikelihood)
        #expect(ll.isFinite && Tolerance.isClose(ll, reference, relative: 1e-13, absolute: Double.leastNonzeroMagnitude * 64))
    }

    /// Frequencies whose total exceeds the double range are rejected, not fitted to −∞.
    @Test func weightsSummingBeyondTheDoubleRangeThrow() {
        let w = [Double](repeating: 1e308, count: Self.sample.count)
        expectError(PolytailError.invalidWeight(row: nil)) { try Normal.fit(Self.sample, weights: w) }
        expectError(PolytailError.invalidWeight(row: nil)) { try StudentT.fit(Self.sample, weights: w) }
        expectError(PolytailError.invalidWeight(row: nil)) {
            try WeightedLeastSquares.line(x: Self.sample, y: Self.sample.map { 2 * $0 + 1 }, weights: w)
        }
    }

    /// Far points keep a finite log-density (docs of MultivariateT.logDensities).
    @Test func multivariateTFarPointsStayFinite() throws {
        let t = try MultivariateT(location: [0, 0], scatter: .identity(2), degreesOfFreedom: 3)
        let big = Double.greatestFiniteMagnitude
        for x in [[big, big], [-big, big], [big, 0], [1e300, -1e300], [-big, -big]] {
            let v = t.logDensity(x)
            #expect(v.isFinite, "logDensity(\(x)) = \(v)")
        }
        // Along a ray the density falls like δ^−(ν+d): ℓ(2x) − ℓ(x) → −(ν + d) log 2.
        let a = t.logDensity([big / 2, big / 2]), b = t.logDensity([big / 4, big / 4])
        #expect(Tolerance.isClose(a - b, -5 * M_LN2, relative: 1e-12))
        #expect(t.logDensity([.infinity, 0]) == -.infinity)
        #expect(t.logDensity([.nan, .infinity]).isNaN)
        // Ordinary points are unchanged by the rescaling.
        let reference = try StudentT(degreesOfFreedom: 3)
        let one = try MultivariateT(location: [0], scatter: .identity(1), degreesOfFreedom: 3)
        for x in [-40.0, -1, 0, 0.5, 3, 1e10] {
            #expect(Tolerance.isClose(one.logDensity([x]), reference.logDensity(x), relative: 1e-13))
        }
    }
}
