import Foundation
import Testing
@testable import Polytail

/// Regression tests for broken promises of issue 10: values the library accepted and then
/// answered with NaN, −∞ or a different fit.
@Suite("Reliability: promises kept at extreme values") struct PromiseRegressionTests {
    static let sample: [Double] = [0.3, -1.2, 2.5, 0.1, 7.5, -0.4, 1.1, 0.9, -3.3, 0.2, 1.7, -0.8]

    /// Equal weights of any size give exactly the unweighted estimates (weights are divided
    /// by their maximum in one place, DataValidation.checkWeights).
    @Test(arguments: [Subnormal.smallest, 1e-300, 3.0, 1e300])
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
        expectError(PolytailError.invalidParameter(name: "sum of weights", value: .infinity, requirement: "must be finite: the weights are frequencies; divide them by a common factor")) { try Normal.fit(Self.sample, weights: w) }
        expectError(PolytailError.invalidParameter(name: "sum of weights", value: .infinity, requirement: "must be finite: the weights are frequencies; divide them by a common factor")) { try StudentT.fit(Self.sample, weights: w) }
        expectError(PolytailError.invalidParameter(name: "sum of weights", value: .infinity, requirement: "must be finite: the weights are frequencies; divide them by a common factor")) {
            try WeightedLeastSquares.fit(Self.sample, response: Self.sample.map { 2 * $0 + 1 }, weights: w)
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

extension PromiseRegressionTests {
    /// ν below 10⁻³⁰⁰ (5·10⁻³²⁴ gave NaN everywhere) is rejected; from it up, everything is
    /// finite or the documented ±∞ of a quantile beyond the double range.
    @Test func studentTDegreesOfFreedomLimit() throws {
        for nu in [Subnormal.smallest, Subnormal.tenToMinus310, 9.9e-301] {
            expectError(PolytailError.invalidParameter(name: "degreesOfFreedom", value: nu, requirement: "must be ≥ 1e-300 (+∞ for the normal limit)")) {
                try StudentT(degreesOfFreedom: nu)
            }
            expectError(PolytailError.invalidParameter(name: "degreesOfFreedom", value: nu, requirement: "must be ≥ 1e-300 (+∞ for the normal limit)")) {
                try MultivariateT(location: [0], scatter: .identity(1), degreesOfFreedom: nu)
            }
            expectError(PolytailError.invalidParameter(name: "degreesOfFreedom", value: nu, requirement: "must be ≥ 1e-300 (+∞ for the normal limit)")) {
                try StudentT.fit(Self.sample, degreesOfFreedom: .fixed(nu))
            }
        }
        for nu in [1e-300, 1e-100, 1e-10, 1e-3, 0.5, 3, 1e6] {
            let t = try StudentT(degreesOfFreedom: nu)
            for x in [-1e300, -Double.greatestFiniteMagnitude, -1, 0, 2.5, 1e300] {
                #expect(t.logDensity(x).isFinite, "ν = \(nu): logDensity(\(x)) = \(t.logDensity(x))")
                #expect(t.cdf(x) >= 0 && t.cdf(x) <= 1, "ν = \(nu): cdf(\(x)) = \(t.cdf(x))")
                #expect(!t.logCDF(x).isNaN && !t.logSurvival(x).isNaN)
            }
            for p in [1e-300, 1e-10, 0.3, 0.5, 0.9] {
                let q = t.quantile(p)
                #expect(!q.isNaN, "ν = \(nu): quantile(\(p)) is NaN")
                if p < 0.5 { #expect(q < 0) }
            }
        }
        // At ν = 10⁻³⁰⁰: log c = ½ log ν − log 2 to first order, and the tails keep their form.
        let tiny = try StudentT(degreesOfFreedom: 1e-300)
        #expect(Tolerance.isClose(tiny.logDensity(0), 0.5 * log(1e-300) - M_LN2, relative: 1e-12))
        #expect(Tolerance.isClose(tiny.logDensity(1e300), tiny.logDensity(0) - (log(1e300) - 0.5 * log(1e-300)), relative: 1e-12))
    }

    /// Margin ratios at M_z = 0 are +∞ (the docs' promise), never NaN.
    @Test func marginRatiosOnTheBoundaryAreInfinite() throws {
        // Two identical output columns: z₀ = z₁ everywhere, so M_z = 0 and ‖∇z₀ − ∇z₁‖ = 0.
        let w = try Matrix(rowArrays: [[1, 1, -1], [2, 2, 0.5]])
        let network = try Network(weights: [w], biases: [[0, 0, 0.25]], output: .softRmax)
        let x = try Matrix(rowArrays: [[0.5, 0.25], [-1, 3]])
        let analysis = try MarginAnalysis.evaluate(network, observations: x, labels: [0, 1])
        #expect(analysis.margins == [0, 0])
        #expect(analysis.ratios == [.infinity, .infinity])
    }

    /// Posteriors of finite inputs are finite and sum to one, even where the logits overflow.
    @Test(arguments: [OutputLayer.softmax, .softRmax])
    func networkPosteriorsAtTheEdgeOfTheDoubleRange(output: OutputLayer) throws {
        var generator = PolytailRandom(seed: 7)
        let network = try Network.multilayerPerceptron(layerSizes: [3, 16, 16, 4], output: output, using: &generator)
        let big = Double.greatestFiniteMagnitude
        let x = try Matrix(rowArrays: [[1e308, 1e308, 1e308], [-big, big, 0], [1e308, -1e308, 5], [0.5, -0.25, 1], [1e300, 0, 0]])
        #expect(try network.logits(x).elements.contains { !$0.isFinite })  // the case being fixed
        let p = try network.posteriors(x)
        for r in 0..<x.rows {
            let row = p[row: r]
            #expect(row.allSatisfy { $0.isFinite && $0 >= 0 }, "row \(r): \(row)")
            #expect(abs(row.reduce(0, +) - 1) < 1e-12, "row \(r): \(row)")
        }
        // The far posterior is the limit along the ray: x and 2⁻⁸ x agree.
        let nearer = try network.posteriors(Matrix(rowArrays: [[1e308 / 256, 1e308 / 256, 1e308 / 256]]))
        #expect(zip(nearer[row: 0], p[row: 0]).allSatisfy { abs($0 - $1) < 1e-15 })
        if output == .softRmax {
            // softRmax tends to 1/k far from the data.
            #expect(p[row: 0].allSatisfy { abs($0 - 0.25) < 1e-12 })
        }
        let linear = try LinearClassifier(weights: Matrix(rowArrays: [[2, -1], [3, 1]]), bias: [0, 1], output: output)
        let q = try linear.posteriors(Matrix(rowArrays: [[big, big], [-big, big]]))
        #expect(q.elements.allSatisfy { $0.isFinite })
        #expect(try linear.logPosteriors(Matrix(rowArrays: [[big, big]])).elements.allSatisfy { !$0.isNaN })
    }
}
