import Foundation
import Testing
@testable import Polytail

/// Reference values: Tests/Fixtures/noncentral_t.json, made by make_noncentral_t.py (mpmath
/// quadrature of the defining integrals at 30 digits, pdf cross-checked with a 1F1 closed form).
struct NoncentralTFixture: Decodable {
    struct Point: Decodable {
        var x: Double
        var df: Double
        var nc: Double
        var loc: Double
        var scale: Double
        var log_pdf: Double
        var log_cdf: Double
        var log_sf: Double
        var cdf: Double
        var sf: Double
    }
    struct Parameters: Decodable {
        var df: Double
        var nc: Double
        var loc: Double
        var scale: Double
    }
    struct Fit: Decodable {
        var data: [Double]
        var reference: Parameters
        var reference_log_likelihood: Double
        var scipy_fit: Parameters
        var scipy_fit_log_likelihood: Double
    }
    var points: [Point]
    var fit: Fit

    static let shared: NoncentralTFixture = try! Fixtures.load("noncentral_t.json")
}

/// Stated tolerances (the contract).
enum NoncentralTTolerance {
    /// log-pdf, absolute.
    static let logDensity = 1e-9
    /// cdf and survival, relative (equivalently: log cdf / log survival, absolute).
    static let tail = 1e-9
}

@Suite("NoncentralT")
struct NoncentralTTests {
    static let points = NoncentralTFixture.shared.points

    func distribution(_ p: NoncentralTFixture.Point) throws -> NoncentralT {
        try NoncentralT(degreesOfFreedom: p.df, noncentrality: p.nc, location: p.loc, scale: p.scale)
    }

    @Test func logDensityMatchesMpmath() throws {
        var worst = 0.0
        for p in Self.points {
            let d = try distribution(p)
            let error = abs(d.logDensity(p.x) - p.log_pdf)
            worst = max(worst, error.isNaN ? .infinity : error)
            #expect(error <= NoncentralTTolerance.logDensity, "log-pdf at x=\(p.x) df=\(p.df) nc=\(p.nc) loc=\(p.loc) scale=\(p.scale): \(d.logDensity(p.x)) vs \(p.log_pdf)")
        }
        print("NoncentralT log-pdf: max abs error \(worst) over \(Self.points.count) points")
    }

    @Test func tailsMatchMpmath() throws {
        var worstCDF = 0.0
        var worstSF = 0.0
        for p in Self.points {
            let d = try distribution(p)
            // Relative error of a probability = absolute error of its log (to first order);
            // the logs cover values far below 1e-300 as well.
            let lc = d.logCDF(p.x)
            let ls = d.logSurvival(p.x)
            let ec = p.log_cdf == 0 ? abs(d.cdf(p.x) - p.cdf) / p.cdf : abs(expm1(lc - p.log_cdf))
            let es = p.log_sf == 0 ? abs(d.survival(p.x) - p.sf) / p.sf : abs(expm1(ls - p.log_sf))
            worstCDF = max(worstCDF, ec.isNaN ? .infinity : ec)
            worstSF = max(worstSF, es.isNaN ? .infinity : es)
            #expect(ec <= NoncentralTTolerance.tail, "cdf at x=\(p.x) df=\(p.df) nc=\(p.nc) loc=\(p.loc) scale=\(p.scale): log \(lc) vs \(p.log_cdf)")
            #expect(es <= NoncentralTTolerance.tail, "sf at x=\(p.x) df=\(p.df) nc=\(p.nc) loc=\(p.loc) scale=\(p.scale): log \(ls) vs \(p.log_sf)")
            if p.cdf > 1e-300 {
                #expect(Tolerance.isClose(d.cdf(p.x), p.cdf, relative: NoncentralTTolerance.tail))
            }
            if p.sf > 1e-300 {
                #expect(Tolerance.isClose(d.survival(p.x), p.sf, relative: NoncentralTTolerance.tail))
            }
        }
        print("NoncentralT cdf: max rel error \(worstCDF); survival: max rel error \(worstSF)")
    }

    @Test func scipyNaNPointIsFinite() throws {
        // scipy.stats.nct.cdf(-5, 100, 5) is NaN; the true value is about 1.7e-21.
        let d = try NoncentralT(degreesOfFreedom: 100, noncentrality: 5)
        let c = d.cdf(-5)
        #expect(c.isFinite && c > 0)
        #expect(Tolerance.isClose(c, exp(-47.887803848427865), relative: 1e-9))
    }

    @Test(arguments: [0.5, 1.0, 3.0, 30.0, 1e4])
    func zeroNoncentralityIsStudentT(nu: Double) throws {
        let d = try NoncentralT(degreesOfFreedom: nu, noncentrality: 0, location: 1.5, scale: 0.7)
        let t = try StudentT(degreesOfFreedom: nu, location: 1.5, scale: 0.7)
        for x in [-300.0, -20, -2, 0, 1.5, 1.6, 4, 40, 1e6] {
            // 1e-10: StudentT's constant uses GSL's lnpoch, ~5e-12 off at ν = 10⁴ (NoncentralT
            // uses a cancellation-free Stirling difference there).
            #expect(abs(d.logDensity(x) - t.logDensity(x)) <= 1e-10 * max(1, abs(t.logDensity(x))))
            // StudentT's incomplete-beta tails are NaN or 0 far out at large ν; compare
            // where it has a value.
            let (tc, ts) = (t.cdf(x), t.survival(x))
            if tc > 0 { #expect(Tolerance.isClose(d.cdf(x), tc, relative: 1e-10), "cdf x=\(x)") }
            if ts > 0 { #expect(Tolerance.isClose(d.survival(x), ts, relative: 1e-10), "sf x=\(x)") }
        }
    }

    @Test(arguments: [(1.0, 5.0), (3.0, -2.0), (10.0, 0.5), (100.0, 5.0), (1.5, -5.0)])
    func quantileInvertsCDF(nu: Double, delta: Double) throws {
        let d = try NoncentralT(degreesOfFreedom: nu, noncentrality: delta, location: -1, scale: 2)
        for p in [1e-200, 1e-12, 1e-4, 0.05, 0.3, 0.5, 0.7, 0.99, 1 - 1e-9] {
            let x = d.quantile(p)
            #expect(x.isFinite)
            if p <= 0.5 {
                #expect(Tolerance.isClose(d.cdf(x), p, relative: 1e-10), "p=\(p) x=\(x) cdf=\(d.cdf(x))")
            } else {
                #expect(Tolerance.isClose(d.survival(x), 1 - p, relative: 1e-10), "p=\(p) x=\(x) sf=\(d.survival(x))")
            }
        }
        #expect(d.quantile(0) == -.infinity)
        #expect(d.quantile(1) == .infinity)
        #expect(d.quantile(-0.1).isNaN)
        #expect(d.quantile(.nan).isNaN)
    }

    /// The two density methods (series and quadrature) agree across ν ∈ [10⁻³, 10⁶],
    /// δ ∈ [−8, 8], |t| ∈ [e⁻¹⁰, e¹⁵] (and every other draw |t| ∈ [e⁻⁷⁰⁰, e⁷⁰⁹]) wherever the
    /// series is used; no NaN anywhere.
    @Test func seriesAndQuadratureAgree() throws {
        var rng = PolytailRandom(seed: 11)
        var worst = 0.0
        for k in 0..<3000 {
            let nu = exp(-6.9 + 20.7 * rng.uniformPositive())
            let delta = -8 + 16 * rng.uniformPositive()
            let logT = k % 2 == 0 ? -10 + 25 * rng.uniformPositive() : -700 + 1409 * rng.uniformPositive()
            let t = (rng.uniformPositive() < 0.5 ? -1.0 : 1.0) * exp(logT)
            let p = NoncentralT.Standardized(t: t, sign: t > 0 ? 1 : -1, logAbs: log(abs(t)))
            let density = NoncentralT.standardLogDensity(p, nu, delta)
            let quadrature = NoncentralT.integralLog(.density, nu, delta, p)
            let tails = NoncentralT.standardLogTails(p, nu, delta)
            #expect(density.isFinite && quadrature.isFinite && !tails.lower.isNaN && !tails.upper.isNaN,
                    "ν=\(nu) δ=\(delta) t=\(t)")
            let error = abs(density - quadrature) / max(1, abs(quadrature))
            worst = max(worst, error)
            #expect(error <= 2e-11, "ν=\(nu) δ=\(delta) t=\(t): \(density) vs \(quadrature)")
            #expect(abs(exp(tails.lower) + exp(tails.upper) - 1) <= 4e-16)
        }
        print("NoncentralT series vs quadrature: max error \(worst)")
    }

    @Test func cdfPlusSurvivalIsOne() throws {
        for p in Self.points {
            let d = try distribution(p)
            #expect(abs(d.cdf(p.x) + d.survival(p.x) - 1) <= 4e-16)
        }
    }

    @Test func nonFiniteInputs() throws {
        let d = try NoncentralT(degreesOfFreedom: 4, noncentrality: 1.5, location: 0.5, scale: 2)
        #expect(d.logDensity(.nan).isNaN)
        #expect(d.cdf(.nan).isNaN)
        #expect(d.survival(.nan).isNaN)
        #expect(d.logDensity(.infinity) == -.infinity)
        #expect(d.cdf(.infinity) == 1)
        #expect(d.survival(.infinity) == 0)
        #expect(d.cdf(-.infinity) == 0)
        // Huge arguments: finite logs, polynomial tails.
        #expect(d.logDensity(1e300).isFinite)
        #expect(d.logDensity(-1.7e308).isFinite)
        #expect(d.logSurvival(1e300).isFinite)
        #expect(d.logCDF(-1e300).isFinite)
    }

    /// Tiny scales and far-away points: only log|x − μ| − log σ is used when (x − μ)/σ overflows.
    @Test func extremeScalesAreConsistent() throws {
        let standard = try NoncentralT(degreesOfFreedom: 3, noncentrality: 1.2)
        let tiny = try NoncentralT(degreesOfFreedom: 3, noncentrality: 1.2, location: 2, scale: 1e-300)
        // x − μ = ±0.5 → t = ±5e299 (finite); x − μ = ±1e10 → t overflows to ±∞.
        for (x, t) in [(2.5, 5e299), (1.5, -5e299)] {
            #expect(Tolerance.isClose(tiny.logDensity(x), standard.logDensity(t) - log(1e-300), relative: 1e-13))
            #expect(Tolerance.isClose(tiny.logCDF(x), standard.logCDF(t), relative: 1e-12))
            #expect(Tolerance.isClose(tiny.logSurvival(x), standard.logSurvival(t), relative: 1e-12))
        }
        let far = tiny.logDensity(1e10)
        #expect(far.isFinite)
        // Polynomial tail: log f ≈ const − (ν+1) log|t| between t = 5e299·2e10 and 5e299.
        let slope = (far - tiny.logDensity(2.5)) / log(1e10 / 0.5)
        #expect(abs(slope + 4) < 1e-6)
        #expect(tiny.logSurvival(1e10).isFinite && tiny.logSurvival(1e10) < -2000)
        #expect(tiny.cdf(1e10) == 1)
        let huge = try NoncentralT(degreesOfFreedom: 3, noncentrality: 1.2, location: 1e308, scale: 1)
        #expect(huge.logDensity(-1e308).isFinite)
        #expect(huge.cdf(-1e308) >= 0)
    }

    @Test func densityIntegratesToOneAndMatchesTailDifferences() throws {
        let d = try NoncentralT(degreesOfFreedom: 3, noncentrality: -2, location: 0.3, scale: 1.7)
        let mass = Solvers.integrate(from: -8, to: 5) { d.density($0) }
        #expect(Tolerance.isClose(mass, d.cdf(5) - d.cdf(-8), relative: 1e-10))
    }

    @Test func samplesFollowTheCDF() throws {
        let d = try NoncentralT(degreesOfFreedom: 4, noncentrality: 1.5, location: 0.5, scale: 2)
        var rng = PolytailRandom(seed: 7)
        let xs = d.sample(20000, using: &rng).sorted()
        // Kolmogorov–Smirnov distance; the 0.1% critical value is about 1.95/√n.
        var ks = 0.0
        for (i, x) in xs.enumerated() {
            let f = d.cdf(x)
            ks = max(ks, abs(f - Double(i) / Double(xs.count)), abs(f - Double(i + 1) / Double(xs.count)))
        }
        #expect(ks < 1.95 / Double(xs.count).squareRoot())
    }

    @Test func invalidParameters() {
        expectError(PolytailError.invalidParameter(name: "degreesOfFreedom", value: -1, requirement: "must be finite and > 0")) {
            try NoncentralT(degreesOfFreedom: -1, noncentrality: 0)
        }
        expectError(PolytailError.invalidParameter(name: "scale", value: 0, requirement: "must be finite and > 0")) {
            try NoncentralT(degreesOfFreedom: 3, noncentrality: 0, scale: 0)
        }
        expectError(PolytailError.invalidParameter(name: "scale", value: -2, requirement: "must be finite and > 0")) {
            try NoncentralT(degreesOfFreedom: 3, noncentrality: 0, scale: -2)
        }
        #expect(throws: PolytailError.self) { try NoncentralT(degreesOfFreedom: 3, noncentrality: .nan) }
        #expect(throws: PolytailError.self) { try NoncentralT(degreesOfFreedom: 3, noncentrality: 0, location: .infinity) }
    }

    // MARK: - Fit

    @Test func fitMatchesReferenceMaximumLikelihood() throws {
        let fixture = NoncentralTFixture.shared.fit
        let start = Date()
        let fitted = try NoncentralT.fit(fixture.data)
        let seconds = Date().timeIntervalSince(start)
        let d = fitted.model
        let ref = fixture.reference
        let ll = fitted.result.logLikelihood
        print("NoncentralT fit: \(d) ll=\(ll) (reference \(fixture.reference_log_likelihood), scipy.fit \(fixture.scipy_fit_log_likelihood)) in \(seconds)s, \(fitted.result)")
        #expect(fitted.result.converged)
        #expect(!fitted.result.dfAtBound)
        #expect(ll >= fixture.scipy_fit_log_likelihood)
        #expect(ll >= fixture.reference_log_likelihood - 1e-6 * abs(fixture.reference_log_likelihood))
        #expect(abs(ll - d.logLikelihood(fixture.data)) <= 1e-9 * abs(ll))
        let errors = [
            Tolerance.relativeError(d.degreesOfFreedom, ref.df),
            Tolerance.relativeError(d.noncentrality, ref.nc),
            Tolerance.relativeError(d.location, ref.loc),
            Tolerance.relativeError(d.scale, ref.scale),
        ]
        print("NoncentralT fit: relative parameter errors vs reference \(errors)")
        for e in errors { #expect(e <= NoncentralTFitTolerance.parameters) }
        for parameter in [FitParameter.degreesOfFreedom, .noncentrality, .location, .scale] {
            #expect((fitted.result.standardError(parameter) ?? 0) > 0)
        }
    }

    @Test func fitWeightsOfOneEqualNoWeights() throws {
        let data = Array(NoncentralTFixture.shared.fit.data.prefix(120))
        let plain = try NoncentralT.fit(data)
        let weighted = try NoncentralT.fit(data, weights: [Double](repeating: 1, count: data.count))
        #expect(plain.model == weighted.model)
        #expect(plain.result.logLikelihood == weighted.result.logLikelihood)
    }

    @Test func fitIntegerWeightsEqualRepeatedRows() throws {
        let base = Array(NoncentralTFixture.shared.fit.data.prefix(90))
        let weights = base.indices.map { Double($0 % 3 + 1) }
        var repeated: [Double] = []
        for (x, w) in zip(base, weights) { repeated += [Double](repeating: x, count: Int(w)) }
        let a = try NoncentralT.fit(base, weights: weights)
        let b = try NoncentralT.fit(repeated)
        #expect(Tolerance.isClose(a.result.logLikelihood, b.result.logLikelihood, relative: 1e-10))
        #expect(Tolerance.isClose(a.model.degreesOfFreedom, b.model.degreesOfFreedom, relative: NoncentralTFitTolerance.parameters))
        #expect(Tolerance.isClose(a.model.noncentrality, b.model.noncentrality, relative: NoncentralTFitTolerance.parameters))
        #expect(Tolerance.isClose(a.model.location, b.model.location, relative: NoncentralTFitTolerance.parameters))
        #expect(Tolerance.isClose(a.model.scale, b.model.scale, relative: NoncentralTFitTolerance.parameters))
    }

    @Test func fitWithFixedDegreesOfFreedom() throws {
        let data = NoncentralTFixture.shared.fit.data
        let fitted = try NoncentralT.fit(data, degreesOfFreedom: .fixed(4))
        #expect(fitted.model.degreesOfFreedom == 4)
        #expect(fitted.result.converged)
        // The free fit can only do better.
        let free = try NoncentralT.fit(data)
        #expect(free.result.logLikelihood >= fitted.result.logLikelihood - 1e-9 * abs(fitted.result.logLikelihood))
    }

    @Test func fitStopsAtTheDegreesOfFreedomBound() throws {
        // Normal scores: lighter-tailed than any t, so the ML ν runs to the upper bound.
        let n = 200
        let data = (0..<n).map { GSL.normalPInverse((Double($0) + 0.5) / Double(n)) * 3 + 1 }
        let fitted = try NoncentralT.fit(data, degreesOfFreedom: .estimated(minimum: 1, maximum: 200))
        #expect(fitted.result.dfAtBound)
        #expect(fitted.model.degreesOfFreedom == 200)
        #expect(abs(fitted.model.noncentrality) < 0.5)
        #expect(Tolerance.isClose(fitted.model.scale, 3, relative: 0.05))
    }

    @Test func quantileBeyondTheDoubleRangeIsInfinite() throws {
        // ν = 10⁻³: P(T ≤ t) ~ |t|^−ν, so the 1% quantile is about −10^2000.
        let d = try NoncentralT(degreesOfFreedom: 1e-3, noncentrality: 0.5)
        #expect(d.quantile(0.01) == -.infinity)
        #expect(d.quantile(0.99) == .infinity)
        let x = d.quantile(0.4)
        #expect(x.isFinite)
        #expect(Tolerance.isClose(d.cdf(x), 0.4, relative: 1e-10))
    }

    @Test func fitErrors() {
        expectError(PolytailError.nonFiniteValue(row: 1, column: nil)) { try NoncentralT.fit([1, .nan, 3, 4, 5]) }
        expectError(PolytailError.emptyData) { try NoncentralT.fit([]) }
        expectError(PolytailError.constantData(column: nil)) { try NoncentralT.fit([2, 2, 2, 2, 2]) }
        expectError(PolytailError.tooFewObservations(needed: 4, got: 3)) { try NoncentralT.fit([1, 2, 3]) }
        expectError(PolytailError.invalidParameter(name: "degreesOfFreedom", value: -2, requirement: "must be finite and > 0")) {
            try NoncentralT.fit([1, 2, 3, 4, 5], degreesOfFreedom: .fixed(-2))
        }
        expectError(PolytailError.invalidWeight(row: 0)) { try NoncentralT.fit([1, 2, 3, 4, 5], weights: [-1, 1, 1, 1, 1]) }
        expectError(PolytailError.dimensionMismatch(what: "weights", expected: 5, got: 2)) {
            try NoncentralT.fit([1, 2, 3, 4, 5], weights: [1, 1])
        }
    }
}

/// Achieved agreement of the fitted parameters with the reference ML estimate (relative).
enum NoncentralTFitTolerance {
    static let parameters = 1e-5
}
