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

    @Test("Brent's minimiser: the minimum of a smooth function to its tolerance; a non-bracket throws; infinities are rejected points")
    func brentMinimize() throws {
        // cos has its minimum at π on [2, 4]; Brent converges to the interval tolerance.
        let r = try Solvers.brentMinimize(lower: 2, guess: 3, upper: 4, absoluteTolerance: 1e-10) { cos($0) }
        #expect(abs(r.x - Double.pi) < 1e-8 && abs(r.value + 1) < 1e-15)
        // The guess must be below both ends.
        #expect(throws: PolytailError.self) { try Solvers.brentMinimize(lower: 0, guess: 1, upper: 2) { $0 } }
        // +∞ and NaN away from the minimum do not stop the search.
        let s = try Solvers.brentMinimize(lower: -1, guess: 0.5, upper: 3) { x in x < 0 ? .nan : (x > 2 ? .infinity : (x - 1) * (x - 1)) }
        #expect(abs(s.x - 1) < 1e-7)
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
