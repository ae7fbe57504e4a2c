import Foundation
import Testing
@testable import Polytail
@testable import PolytailCLI

/// Tolerances of the unit-scale suite: a fit of 2ᵏy against the fit of y restated (×2ᵏ).
/// Power-of-two scaling is exact, so the two fits differ only by rounding in another order
/// (the fitted data lie in [1, 2) instead of y's range) — and by the subnormal rounding of
/// a result below 2⁻¹⁰²², one unit of 2⁻¹⁰⁷⁴.
enum UnitScaleTolerance {
    /// Closed-form normal fit (relative).
    static let normal = 1e-13
    /// Newton fits of the t (its stopping rule leaves the parameters within about 1e-9).
    static let t = 1e-8
    /// The noncentral t's damped Newton on interpolated R (stopping on the decrement).
    static let noncentralT = 1e-6
    /// Log-likelihoods (relative).
    static let logLikelihood = 1e-10

    /// a ≈ b·2ᵏ within `relative`, or within one subnormal unit when the value is subnormal.
    static func close(_ a: Double, _ b: Double, exponent k: Int, relative: Double) -> Bool {
        let expected = UnitScale.scaled(b, k)
        return Tolerance.isClose(a, expected, relative: relative, absolute: Double.leastNonzeroMagnitude)
    }
}

@Suite("Reliability: tiny and huge data are fitted on a unit scale") struct UnitScaleTests {
    /// A heavy-tailed skewed sample of order one.
    static let sample: [Double] = {
        var g = PolytailRandom(seed: 11)
        let nct = try! NoncentralT(degreesOfFreedom: 4, noncentrality: 1.5, location: 2, scale: 0.5)
        return (0..<300).map { _ in nct.sample(using: &g) }
    }()

    /// The sample as it reads after multiplying by 2ᵏ and back (exact for k above the subnormal
    /// range; for tiny data the low bits of the sample are lost once, in the data, not the fit).
    static func representable(_ k: Int) -> (tiny: [Double], unit: [Double]) {
        let x = sample.map { UnitScale.scaled($0, k) }
        return (x, x.map { UnitScale.scaled($0, -k) })
    }

    /// Subnormal data (2⁻¹⁰⁴⁰ ≈ 10⁻³¹³), tiny normal data, and data near the top of the range:
    /// every fit equals the fit of the unit-scale data, restated. Before, the normal and t fits
    /// reported "constant data" below 10⁻¹⁵⁴ and above 10¹⁵⁴.
    @Test(arguments: [-1040, -1000, -700, -200, 300, 900])
    func normalAndTFitsAreScaleEquivariant(exponent k: Int) throws {
        let (x, y) = Self.representable(k)
        let shift = -Double(y.count) * Double(k) * M_LN2  // ℓ_x = ℓ_y − n·k·log 2

        let n = try Normal.fit(x), ny = try Normal.fit(y)
        #expect(UnitScaleTolerance.close(n.model.mean, ny.model.mean, exponent: k, relative: UnitScaleTolerance.normal))
        #expect(UnitScaleTolerance.close(n.model.standardDeviation, ny.model.standardDeviation, exponent: k, relative: UnitScaleTolerance.normal))
        #expect(Tolerance.isClose(n.result.logLikelihood, ny.result.logLikelihood + shift, relative: UnitScaleTolerance.logLikelihood))

        for rule in [DegreesOfFreedomRule.estimated, .fixed(3)] {
            let t = try StudentT.fit(x, degreesOfFreedom: rule), ty = try StudentT.fit(y, degreesOfFreedom: rule)
            #expect(UnitScaleTolerance.close(t.model.location, ty.model.location, exponent: k, relative: UnitScaleTolerance.t))
            #expect(UnitScaleTolerance.close(t.model.scale, ty.model.scale, exponent: k, relative: UnitScaleTolerance.t))
            #expect(Tolerance.isClose(t.model.degreesOfFreedom, ty.model.degreesOfFreedom, relative: UnitScaleTolerance.t))
            #expect(Tolerance.isClose(t.result.logLikelihood, ty.result.logLikelihood + shift, relative: UnitScaleTolerance.logLikelihood))
            #expect(t.result.tailTest?.statistic == nil || Tolerance.isClose(
                t.result.tailTest!.statistic, ty.result.tailTest!.statistic, relative: 1e-6, absolute: 1e-8))
        }
        // The covariance is restated where it fits the normal double range and dropped (no
        // standard errors, never 0 or ∞) where the variances (squares of the spread) do not.
        if let se = t(x).result.standardErrors {
            let sey = try #require(t(y).result.standardErrors)
            #expect(zip(se, sey).allSatisfy { $0.isFinite && $0 > 0 && $1 > 0 })
        } else {
            #expect(abs(k) > 500)
        }
    }

    private func t(_ data: [Double]) -> Fitted<StudentT> { try! StudentT.fit(data, degreesOfFreedom: .fixed(3)) }

    /// The noncentral t on subnormal data: the fit of the unit-scale data, restated (before,
    /// it reported a fit with a meaningless scale or failed at every start).
    @Test(arguments: [-1040, 700])
    func noncentralTFitIsScaleEquivariant(exponent k: Int) throws {
        let (x, y) = Self.representable(k)
        let f = try NoncentralT.fit(x), fy = try NoncentralT.fit(y)
        #expect(UnitScaleTolerance.close(f.model.location, fy.model.location, exponent: k, relative: UnitScaleTolerance.noncentralT))
        #expect(UnitScaleTolerance.close(f.model.scale, fy.model.scale, exponent: k, relative: UnitScaleTolerance.noncentralT))
        #expect(Tolerance.isClose(f.model.noncentrality, fy.model.noncentrality, relative: UnitScaleTolerance.noncentralT))
        #expect(Tolerance.isClose(f.model.degreesOfFreedom, fy.model.degreesOfFreedom, relative: UnitScaleTolerance.noncentralT))
        let shift = -Double(y.count) * Double(k) * M_LN2
        #expect(Tolerance.isClose(f.result.logLikelihood, fy.result.logLikelihood + shift, relative: UnitScaleTolerance.logLikelihood))
        #expect(f.result.converged == fy.result.converged)
    }

    /// The smallest distinct data: {0, 5·10⁻³²⁴} has σ̂ = 2⁻¹⁰⁷⁵, below the smallest double. That
    /// is said, not reported as "constant data" nor as σ = 0.
    @Test func aSpreadBelowTheSmallestDoubleIsSaid() {
        let x = [0, Subnormal.smallest, 0, Subnormal.smallest]
        expectError(PolytailError.numericalFailure("the fitted scale 0.5·2^-1074 is outside the double range (the data's spread is below 5e-324)")) {
            try Normal.fit(x)
        }
        // The deepest subnormals that do have a representable spread are fitted.
        let fit = try? Normal.fit([1, 2, 3, 4, 6].map(Subnormal.multiple))
        #expect(fit?.model.standardDeviation == Subnormal.multiple(2))  // 1.72·2⁻¹⁰⁷⁴, rounded to the nearest double
        #expect(fit?.result.logLikelihood.isFinite == true)
    }

    /// Equal weights of any size give the unweighted fit in the streamed (mergeable) fits too,
    /// as they do in memory: the statistics are summed in a frame scaled by a power of two.
    @Test(arguments: [Subnormal.smallest, Subnormal.tenToMinus310, 1e-200, 1e300])
    func equalWeightsGiveTheUnweightedFitByPasses(weight: Double) throws {
        let x = Self.sample
        let w = [Double](repeating: weight, count: x.count)
        func statistics(_ weights: [Double]?) throws -> NormalStatistics {
            var s = NormalStatistics()
            for r in [0..<100, 100..<101, 101..<300] {
                var part = NormalStatistics()
                try part.add(Array(x[r]), weights: weights.map { Array($0[r]) })
                s = s.merged(with: try JSONDecoder().decode(NormalStatistics.self, from: JSONEncoder().encode(part)))
            }
            return s
        }
        let weighted = try statistics(w), plain = try statistics(nil)
        #expect(try weighted.fit().model == plain.fit().model)
        // Three blocks merged against one block in memory: equal to rounding.
        let inMemoryNormal = try Normal.fit(x, weights: w).model
        #expect(Tolerance.isClose(try weighted.fit().model.mean, inMemoryNormal.mean, relative: MergeableTolerance.normal))
        #expect(Tolerance.isClose(try weighted.fit().model.standardDeviation, inMemoryNormal.standardDeviation, relative: MergeableTolerance.normal))
        func byPasses(_ s: NormalStatistics, _ weights: [Double]?) throws -> Fitted<StudentT> {
            try StudentT.fit(statistics: s) { (pass: inout StudentTPass) throws(PolytailError) in
                var merged = pass
                for r in [0..<150, 150..<300] {
                    var part = pass
                    try part.add(Array(x[r]), weights: weights.map { Array($0[r]) })
                    merged = try merged.merged(with: try! JSONDecoder().decode(StudentTPass.self, from: JSONEncoder().encode(part)))
                }
                pass = merged
            }
        }
        let tw = try byPasses(weighted, w), tp = try byPasses(plain, nil)
        #expect(tw.model == tp.model)
        let inMemory = try StudentT.fit(x, weights: w)
        #expect(Tolerance.isClose(tw.model.location, inMemory.model.location, relative: MergeableTolerance.tParameters))
        #expect(Tolerance.isClose(tw.model.scale, inMemory.model.scale, relative: MergeableTolerance.tParameters))
        #expect(Tolerance.isClose(tw.model.degreesOfFreedom, inMemory.model.degreesOfFreedom, relative: MergeableTolerance.tParameters))
        // ℓ keeps its frequency meaning (w · ℓ unweighted) where it is representable.
        #expect(Tolerance.isClose(tw.result.logLikelihood, weight * tp.result.logLikelihood, relative: 1e-12,
                                  absolute: Double.leastNonzeroMagnitude * 64))
    }

    /// Streamed fits of subnormal data equal the in-memory ones.
    @Test func streamedFitsOfSubnormalDataEqualInMemory() throws {
        let (x, _) = Self.representable(-1040)
        var s = NormalStatistics()
        try s.add(Array(x[..<123]))
        var rest = NormalStatistics()
        try rest.add(Array(x[123...]))
        s = s.merged(with: rest)
        let n = try s.fit(), ny = try Normal.fit(x)
        #expect(Tolerance.isClose(n.model.mean, ny.model.mean, relative: MergeableTolerance.normal, absolute: Double.leastNonzeroMagnitude))
        #expect(Tolerance.isClose(n.model.standardDeviation, ny.model.standardDeviation, relative: MergeableTolerance.normal, absolute: Double.leastNonzeroMagnitude))
        let t = try StudentT.fit(statistics: s) { (pass: inout StudentTPass) throws(PolytailError) in try pass.add(x) }
        let ty = try StudentT.fit(x)
        #expect(UnitScaleTolerance.close(t.model.location, ty.model.location, exponent: 0, relative: MergeableTolerance.tParameters))
        #expect(UnitScaleTolerance.close(t.model.scale, ty.model.scale, exponent: 0, relative: MergeableTolerance.tParameters))
        #expect(Tolerance.isClose(t.result.logLikelihood, ty.result.logLikelihood, relative: MergeableTolerance.tLogLikelihood))
    }

    /// The command line: `fit` (in memory and `--stream`) on subnormal data and on equal weights
    /// of 5·10⁻³²⁴ prints what the library fits, with no null, NaN or clamped value.
    @Test func commandLineFitsOfSubnormalDataAndWeights() throws {
        let (x, _) = Self.representable(-1040)
        let path = try CLITests.csv(header: ["x", "w"], columns: [x, x.map { _ in Subnormal.smallest }])
        for family in ["normal", "t", "noncentral-t"] {
            let (object, _) = try CLITests.fitJSON([path, "--columns", "x", "--family", family])
            let scale = try #require(object["scale"] as? Double)
            #expect(scale > 0 && scale < 1e-300)
        }
        for family in ["normal", "t"] {
            let plain = try CLITests.fitJSON([path, "--columns", "x", "--family", family]).object
            let streamed = try CLITests.fitJSON([path, "--columns", "x", "--family", family, "--weights", "w", "--stream"]).object
            let weighted = try CLITests.fitJSON([path, "--columns", "x", "--family", family, "--weights", "w"]).object
            for key in ["location", "scale"] {
                let a = try #require(plain[key] as? Double), b = try #require(streamed[key] as? Double), c = try #require(weighted[key] as? Double)
                #expect(a == c, "\(family) \(key): unweighted \(a), weighted \(c)")
                #expect(Tolerance.isClose(a, b, relative: MergeableTolerance.tParameters, absolute: Double.leastNonzeroMagnitude), "\(family) \(key): in memory \(a), streamed \(b)")
            }
        }
    }
}
