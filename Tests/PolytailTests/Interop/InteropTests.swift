import Foundation
import Testing
@testable import Polytail

@Suite("Interop with GSL and LAPACKE") struct InteropTests {
    @Test("GSL domain errors return NaN instead of aborting")
    func gslErrorsDoNotAbort() {
        #expect(GSL.logGamma(-1).isNaN)
        #expect(GSL.digamma(0).isNaN)
        #expect(GSL.incompleteBeta(-1, 1, 0.5).isNaN)
        #expect(GSL.logPochhammer(-3, 0.5).isNaN || GSL.logPochhammer(-3, 0.5).isFinite)
    }

    @Test("a root bracket that does not bracket is a thrown error")
    func rootNotBracketed() {
        #expect(throws: PolytailError.self) { try Solvers.brentRoot(lower: 1, upper: 2) { $0 * $0 + 1 } }
        let root = try? Solvers.brentRoot(lower: 0, upper: 3) { $0 * $0 - 2 }
        #expect(abs((root ?? 0) - 2.0.squareRoot()) < 1e-12)
    }

    @Test("Cholesky of an indefinite matrix throws")
    func indefinite() throws {
        let m = try Matrix(rowArrays: [[1, 2], [2, 1]])
        #expect(throws: PolytailError.notPositiveDefinite(what: "m")) { try Lapack.choleskyLower(m, what: "m") }
    }

    @Test("the simplex minimiser finds the minimum of a quadratic")
    func simplex() throws {
        let r = try Solvers.simplexMinimize(start: [0, 0], step: [1, 1], sizeTolerance: 1e-12) { v in
            (v[0] - 1) * (v[0] - 1) + 3 * (v[1] + 2) * (v[1] + 2)
        }
        #expect(r.converged)
        #expect(abs(r.minimizer[0] - 1) < 1e-9 && abs(r.minimizer[1] + 2) < 1e-9)
    }

    @Test("adaptive quadrature integrates exp on [0, 1]")
    func quadrature() {
        let v = Solvers.integrate(from: 0, to: 1) { exp($0) }
        #expect(abs(v - (M_E - 1)) < 1e-13)
    }
}
