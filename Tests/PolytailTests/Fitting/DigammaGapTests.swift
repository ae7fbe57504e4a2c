import Testing
@testable import Polytail

extension Tolerance {
    /// D_d(ν) against 60-digit mpmath: relative (absolute for D₂ ≡ 0).
    static let digammaGapRelative = 3e-13
    static let digammaGapAbsolute = 1e-17
}

private struct DigammaGapFixture: Decodable {
    struct Case: Decodable { let nu: Double; let d: Int; let value: Double }
    let cases: [Case]
}

/// The one ν score: D_d(ν) = ψ((ν+d)/2) − ψ(ν/2) − d/ν across its switch-over at ν = 100.
@Suite("ν score D_d(ν)")
struct DigammaGapTests {
    @Test func matchesMpmath() throws {
        let fixture = try Fixtures.load("digamma_gap.json", as: DigammaGapFixture.self)
        #expect(fixture.cases.count > 300)
        for c in fixture.cases {
            let v = TDegreesOfFreedom.digammaGap(c.nu, dimension: c.d)
            // Below ν = 100 the direct difference of digammas loses what cancels: a few ulps of
            // its largest term, max(|ψ(ν/2)|, d/ν) — at most 10⁻¹⁰ relative here, and ~10⁻¹⁵
            // absolute where D₂ ≡ 0.
            let direct = c.nu < 100
            let relative = direct ? 1e-10 : Tolerance.digammaGapRelative
            let absolute = direct ? 1e-14 * max(1, Double(c.d) / c.nu) : Tolerance.digammaGapAbsolute
            #expect(Tolerance.isClose(v, c.value, relative: relative, absolute: absolute),
                    "ν = \(c.nu), d = \(c.d): \(v) vs \(c.value)")
        }
    }

    @Test func univariateScoreIsTheDimensionOneCase() {
        for nu in [0.5, 3, 99.9, 100, 150, 2500, 1e6] {
            #expect(TDegreesOfFreedom.d(nu) == TDegreesOfFreedom.digammaGap(nu, dimension: 1))
        }
    }
}
