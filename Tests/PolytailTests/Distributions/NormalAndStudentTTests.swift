import Foundation
import Testing
@testable import Polytail

/// Reference values: Tests/Fixtures/distributions.json, made by make_distributions.py (mpmath).
struct DistributionFixtures: Decodable {
    struct NormalCase: Decodable { var mean, sd, x, logpdf, cdf, sf: Double }
    struct NormalQuantileCase: Decodable { var mean, sd, p, x: Double }
    struct TCase: Decodable { var df, loc, scale, x, logpdf, cdf, sf: Double }
    struct TQuantileCase: Decodable { var df, loc, scale, p, x: Double }
    var normal: [NormalCase]
    var normalQuantile: [NormalQuantileCase]
    var studentT: [TCase]
    var studentTQuantile: [TQuantileCase]
    struct ExtremeCase: Decodable { var df, loc, scale, x, logpdf, cdf, sf, logcdf, logsf: Double }
    var studentTExtreme: [ExtremeCase]
    struct LargeDFCase: Decodable { var df, loc, scale, x, logpdf, normalLogpdf: Double }
    var largeDf: [LargeDFCase]

    static let shared: DistributionFixtures = try! Fixtures.load("distributions.json")
}

extension Tolerance {
    /// Densities and tails of Normal and StudentT against mpmath.
    static let logDensityAbsolute = 1e-12
    static let logDensityRelative = 1e-13
    static let tailRelative = 1e-11
    static let quantileRelative = 1e-11
}

@Suite("Normal") struct NormalTests {
    @Test("log-density, cdf and survival match mpmath", arguments: DistributionFixtures.shared.normal)
    func values(_ c: DistributionFixtures.NormalCase) throws {
        let n = try Normal(mean: c.mean, standardDeviation: c.sd)
        #expect(Tolerance.isClose(n.logDensity(c.x), c.logpdf, relative: Tolerance.logDensityRelative, absolute: Tolerance.logDensityAbsolute))
        #expect(Tolerance.isClose(n.cdf(c.x), c.cdf, relative: Tolerance.tailRelative))
        #expect(Tolerance.isClose(n.survival(c.x), c.sf, relative: Tolerance.tailRelative))
    }

    @Test("quantile matches mpmath", arguments: DistributionFixtures.shared.normalQuantile)
    func quantile(_ c: DistributionFixtures.NormalQuantileCase) throws {
        let n = try Normal(mean: c.mean, standardDeviation: c.sd)
        #expect(Tolerance.isClose(n.quantile(c.p), c.x, relative: Tolerance.quantileRelative, absolute: 1e-15))
    }

    @Test func invalidParameters() {
        expectError(PolytailError.invalidParameter(name: "standardDeviation", value: 0, requirement: "must be finite and > 0")) {
            try Normal(mean: 0, standardDeviation: 0)
        }
        #expect(throws: PolytailError.self) { try Normal(mean: .nan, standardDeviation: 1) }
        #expect(throws: PolytailError.self) { try Normal(mean: 0, standardDeviation: .infinity) }
    }

    @Test func nanInNanOut() throws {
        let n = try Normal()
        #expect(n.logDensity(.nan).isNaN)
        #expect(n.cdf(.nan).isNaN)
        #expect(n.survival(.nan).isNaN)
        #expect(n.quantile(.nan).isNaN)
        #expect(n.quantile(1.5).isNaN)
        #expect(n.quantile(0) == -.infinity && n.quantile(1) == .infinity)
    }
}

@Suite("Student t") struct StudentTTests {
    @Test("log-density matches mpmath", arguments: DistributionFixtures.shared.studentT)
    func logDensity(_ c: DistributionFixtures.TCase) throws {
        let t = try StudentT(degreesOfFreedom: c.df, location: c.loc, scale: c.scale)
        let v = t.logDensity(c.x)
        #expect(Tolerance.isClose(v, c.logpdf, relative: Tolerance.logDensityRelative, absolute: Tolerance.logDensityAbsolute),
                "df=\(c.df) loc=\(c.loc) scale=\(c.scale) x=\(c.x): \(v) vs \(c.logpdf)")
    }

    @Test("cdf and survival match mpmath", arguments: DistributionFixtures.shared.studentT)
    func tails(_ c: DistributionFixtures.TCase) throws {
        let t = try StudentT(degreesOfFreedom: c.df, location: c.loc, scale: c.scale)
        #expect(Tolerance.isClose(t.cdf(c.x), c.cdf, relative: Tolerance.tailRelative),
                "cdf df=\(c.df) x=\(c.x): \(t.cdf(c.x)) vs \(c.cdf)")
        #expect(Tolerance.isClose(t.survival(c.x), c.sf, relative: Tolerance.tailRelative),
                "sf df=\(c.df) x=\(c.x): \(t.survival(c.x)) vs \(c.sf)")
    }

    @Test("quantile matches mpmath", arguments: DistributionFixtures.shared.studentTQuantile)
    func quantile(_ c: DistributionFixtures.TQuantileCase) throws {
        let t = try StudentT(degreesOfFreedom: c.df, location: c.loc, scale: c.scale)
        #expect(Tolerance.isClose(t.quantile(c.p), c.x, relative: Tolerance.quantileRelative, absolute: 1e-14),
                "df=\(c.df) p=\(c.p): \(t.quantile(c.p)) vs \(c.x)")
    }

    @Test("extreme arguments: log-density and log-tails match mpmath where the tails underflow",
          arguments: DistributionFixtures.shared.studentTExtreme)
    func extremeFixtures(_ c: DistributionFixtures.ExtremeCase) throws {
        let t = try StudentT(degreesOfFreedom: c.df, location: c.loc, scale: c.scale)
        #expect(Tolerance.isClose(t.logDensity(c.x), c.logpdf, relative: Tolerance.logDensityRelative, absolute: Tolerance.logDensityAbsolute))
        #expect(Tolerance.isClose(t.logCDF(c.x), c.logcdf, relative: Tolerance.tailRelative, absolute: 1e-300),
                "logcdf df=\(c.df) x=\(c.x): \(t.logCDF(c.x)) vs \(c.logcdf)")
        #expect(Tolerance.isClose(t.logSurvival(c.x), c.logsf, relative: Tolerance.tailRelative, absolute: 1e-300),
                "logsf df=\(c.df) x=\(c.x): \(t.logSurvival(c.x)) vs \(c.logsf)")
        // The plain tails are the correctly rounded (possibly subnormal or zero) values.
        #expect(Tolerance.isClose(t.cdf(c.x), c.cdf, relative: 1e-9, absolute: 2048 * Double.leastNonzeroMagnitude))
        #expect(Tolerance.isClose(t.survival(c.x), c.sf, relative: 1e-9, absolute: 2048 * Double.leastNonzeroMagnitude))
    }

    @Test("large ν: no digits lost to the gamma ratio", arguments: DistributionFixtures.shared.largeDf)
    func largeDF(_ c: DistributionFixtures.LargeDFCase) throws {
        let t = try StudentT(degreesOfFreedom: c.df, location: c.loc, scale: c.scale)
        #expect(Tolerance.isClose(t.logDensity(c.x), c.logpdf, relative: 1e-15, absolute: 1e-15))
    }

    @Test("cdf(quantile(p)) = p", arguments: [0.5, 1.5, 3, 30, 1e4])
    func cdfOfQuantile(_ nu: Double) throws {
        let t = try StudentT(degreesOfFreedom: nu, location: -2, scale: 3)
        for p in [1e-200, 1e-30, 1e-6, 0.01, 0.2, 0.5, 0.7, 0.99, 1 - 1e-9] {
            let x = t.quantile(p)
            // ν = 0.5 at p = 1e-200 has its quantile near −1e400: beyond the doubles.
            guard x.isFinite else { #expect(nu < 1 && p < 1e-100); continue }
            let back = p < 0.5 ? t.cdf(x) : 1 - t.survival(x)
            #expect(Tolerance.isClose(back, p, relative: 1e-10), "ν=\(nu) p=\(p): \(back)")
        }
    }

    @Test("symmetry about the location", arguments: [1.0, 2.5, 40])
    func symmetry(_ nu: Double) throws {
        let t = try StudentT(degreesOfFreedom: nu, location: 1.5, scale: 0.7)
        for d in [0.1, 1, 7, 1e3, 1e12] {
            #expect(t.logDensity(1.5 + d) == t.logDensity(1.5 - d))
            #expect(Tolerance.isClose(t.cdf(1.5 - d), t.survival(1.5 + d), relative: 1e-14))
        }
    }

    @Test("the log-density tends to the normal's as ν grows")
    func normalLimit() throws {
        let normal = try Normal(mean: 0.3, standardDeviation: 2)
        for nu in [1e8, 1e10, 1e12] {
            let t = try StudentT(degreesOfFreedom: nu, location: 0.3, scale: 2)
            for x in [-4.0, 0.3, 1.7, 6] {
                // The difference is O(1/ν); nothing may be lost to lgamma cancellation.
                let z = (x - 0.3) / 2
                // log t − log φ = (z⁴ − 2z² − 1)/(4ν) + O(ν⁻²).
                let expected = (z * z * z * z - 2 * z * z - 1) / (4 * nu)
                #expect(abs(t.logDensity(x) - normal.logDensity(x) - expected) < 1e-14 + 10 / (nu * nu))  // a few ulps of values near 3
            }
        }
    }

    @Test("huge |x| and tiny scales stay finite")
    func extremes() throws {
        let t = try StudentT(degreesOfFreedom: 2, location: 0, scale: 1e-300)
        let v = t.logDensity(1e300)
        #expect(v.isFinite)
        // log f = C(2) − log σ − 1.5 log(1 + z²/2), z = 1e600: −1.5 (2 log 1e600 − log 2) + log 1e300 + C.
        let expected = StudentT.logNormalizer(2) + 300 * M_LN10 - 1.5 * (1200 * M_LN10 - M_LN2)
        #expect(Tolerance.isClose(v, expected, relative: 1e-14))
        let wide = try StudentT(degreesOfFreedom: 1, location: -1e308, scale: 1)
        #expect(wide.logDensity(1e308).isFinite)
        #expect(t.cdf(-1e300) == 0 || t.cdf(-1e300) < 1e-300)
        #expect(t.logDensity(.infinity) == -.infinity)
    }

    @Test func invalidParameters() {
        #expect(throws: PolytailError.self) { try StudentT(degreesOfFreedom: -1) }
        #expect(throws: PolytailError.self) { try StudentT(degreesOfFreedom: 0) }
        #expect(throws: PolytailError.self) { try StudentT(degreesOfFreedom: -.infinity) }
        #expect(throws: PolytailError.self) { try StudentT(degreesOfFreedom: .nan) }
        #expect(throws: PolytailError.self) { try StudentT(degreesOfFreedom: 3, scale: -2) }
        #expect(throws: PolytailError.self) { try StudentT(degreesOfFreedom: 3, location: .nan) }
    }

    @Test func nanInNanOut() throws {
        let t = try StudentT(degreesOfFreedom: 3)
        #expect(t.logDensity(.nan).isNaN)
        #expect(t.cdf(.nan).isNaN)
        #expect(t.survival(.nan).isNaN)
        #expect(t.quantile(.nan).isNaN)
    }

    @Test("ν = 1 is the Cauchy distribution")
    func cauchy() throws {
        let t = try StudentT(degreesOfFreedom: 1, location: 2, scale: 3)
        for x in [-10.0, 0, 2, 5, 100] {
            let z = (x - 2) / 3
            #expect(Tolerance.isClose(t.density(x), 1 / (Double.pi * 3 * (1 + z * z)), relative: 1e-14))
            #expect(Tolerance.isClose(t.cdf(x), 0.5 + atan(z) / Double.pi, relative: 1e-13))
        }
    }
}

@Suite("Seeded sampling") struct SamplingTests {
    @Test("the same seed gives the same stream; a copy continues identically")
    func reproducible() throws {
        var a = PolytailRandom(seed: 7)
        var b = PolytailRandom(seed: 7)
        let t = try StudentT(degreesOfFreedom: 4, location: 1, scale: 2)
        #expect(t.sample(50, using: &a) == t.sample(50, using: &b))
        var c = a
        #expect(a.next() == c.next())
        var d = PolytailRandom(seed: 8)
        #expect(t.sample(5, using: &d) != t.sample(5, using: &a))
    }

    @Test("sample moments agree with the distribution")
    func moments() throws {
        var g = PolytailRandom(seed: 11)
        let t = try StudentT(degreesOfFreedom: 6, location: -1, scale: 2)
        let x = t.sample(200_000, using: &g)
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
        #expect(abs(mean + 1) < 0.03)
        #expect(abs(variance - 4 * 6 / 4) < 0.15)  // σ² ν/(ν−2) = 6
        // Kolmogorov–Smirnov distance against the cdf.
        let sorted = x.sorted()
        var ks = 0.0
        for (i, v) in sorted.enumerated() where i % 97 == 0 {
            ks = max(ks, abs(t.cdf(v) - Double(i + 1) / Double(x.count)))
        }
        #expect(ks < 0.005)
    }
}

@Suite("Codable") struct CodableTests {
    @Test("distributions round-trip through JSON; invalid JSON parameters are rejected")
    func roundTrip() throws {
        let t = try StudentT(degreesOfFreedom: 3.5, location: -1, scale: 0.25)
        let data = try JSONEncoder().encode(t)
        #expect(try JSONDecoder().decode(StudentT.self, from: data) == t)
        let bad = Data(#"{"degreesOfFreedom": -2, "location": 0, "scale": 1}"#.utf8)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(StudentT.self, from: bad) }
        let m = try MultivariateT(location: [0, 1], scatter: Matrix(rowArrays: [[2, 0.3], [0.3, 1]]), degreesOfFreedom: 4)
        #expect(try JSONDecoder().decode(MultivariateT.self, from: JSONEncoder().encode(m)) == m)
    }
}
