import Testing
@testable import Polytail

@Test func studentTDensityIsFinite() throws {
    let t = try StudentT(degreesOfFreedom: 3)
    #expect(t.logDensity(0).isFinite)
}
