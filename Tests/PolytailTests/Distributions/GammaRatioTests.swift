import Testing
@testable import Polytail

/// Tests/Fixtures/gamma_ratio.json, made by make_gamma_ratio.py (mpmath, 60 digits).
struct GammaRatioFixtures: Decodable {
    struct Ratio: Decodable { var a, h, value: Double }
    struct XLog: Decodable { var x, value: Double }
    var ratio: [Ratio]
    var xLogXMinusLogGamma: [XLog]
    var logNormalCdf: [XLog]
    static let shared: GammaRatioFixtures = try! Fixtures.load("gamma_ratio.json")
}

@Suite("Gamma ratio") struct GammaRatioTests {
    /// Relative 1e-14 where GSL's lnpoch is used (a < max(30, 4h²)) would fail at large a
    /// without the asymptotic series; the absolute floor covers values near zero.
    @Test("log Γ(a+h) − log Γ(a) matches mpmath", arguments: GammaRatioFixtures.shared.ratio)
    func ratio(_ c: GammaRatioFixtures.Ratio) {
        let v = GammaRatio.log(c.a, c.h)
        #expect(Tolerance.isClose(v, c.value, relative: 1e-14, absolute: 2e-14), "a=\(c.a) h=\(c.h): \(v) vs \(c.value)")
    }

    @Test("x log x − x − log Γ(x) matches mpmath", arguments: GammaRatioFixtures.shared.xLogXMinusLogGamma)
    func xLog(_ c: GammaRatioFixtures.XLog) {
        // The fixture holds x log x − log Γ(x); the deficit is that minus x.
        let v = GammaRatio.stirlingDeficit(c.x) + c.x
        #expect(Tolerance.isClose(v, c.value, relative: 1e-14, absolute: 1e-14), "x=\(c.x): \(v) vs \(c.value)")
    }

    @Test("log Φ(x) matches mpmath from −1e100 to 30", arguments: GammaRatioFixtures.shared.logNormalCdf)
    func logNormalCdf(_ c: GammaRatioFixtures.XLog) {
        let v = GSL.logNormalP(c.x)
        #expect(Tolerance.isClose(v, c.value, relative: 1e-13, absolute: 1e-300), "x=\(c.x): \(v) vs \(c.value)")
    }

    @Test func invalid() {
        #expect(GammaRatio.log(-1, 0.5).isNaN)
        #expect(GammaRatio.log(.nan, 0.5).isNaN)
        #expect(GammaRatio.log(3, 0) == 0)
        #expect(GammaRatio.stirlingDeficit(0).isNaN)
    }
}
