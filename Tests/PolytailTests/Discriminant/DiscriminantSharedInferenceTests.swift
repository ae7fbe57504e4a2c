import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// Tolerances of the discriminant shared-parameter inference suite.
    enum DiscriminantSharedInference {
        /// The covariance of a t discriminant analysis with a tied ν (or a shared scatter)
        /// against the inverse of a central-difference Hessian of the summed log-likelihood
        /// (steps 10⁻⁴ of each parameter's magnitude, at least 10⁻⁴: truncation ~10⁻⁸ of the
        /// curvature, rounding ~10⁻⁸ of ℓ/h² on ℓ ≈ 10²–10³), relative to √(Σᵣᵣ Σ꜀꜀) so that
        /// near-zero covariances are judged on the scale of their variances; measured 1.6·10⁻⁶ at
        /// worst over the six cases
        /// with a tied ν, 1.1·10⁻⁶ over the shared scatter with a ν per class.
        static let hessianRelative = 1e-5
    }
}

/// Inference for t discriminant analyses whose classes share parameters — one ν estimated
/// across the classes, or one scatter matrix: every class's covariance comes from the joint
/// observed information of all classes, checked against a numerical Hessian of
/// Σₖ ℓₖ written from the class densities alone.
@Suite("Discriminant analysis: shared-parameter inference") struct DiscriminantSharedInferenceTests {
    typealias DA = DiscriminantAnalysis<Int>

    /// The classes' rows.
    static func groups(_ x: Matrix, _ y: [Int], k: Int) throws -> [Matrix] {
        try (0..<k).map { c in try Matrix(rowArrays: x.rowArrays.enumerated().filter { y[$0.offset] == c }.map(\.element)) }
    }

    /// A symmetric d × d matrix from its upper triangle, row by row.
    static func symmetric(_ upper: ArraySlice<Double>, d: Int) -> Matrix {
        var m = Matrix(uncheckedRows: d, columns: d, elements: [Double](repeating: 0, count: d * d))
        var i = upper.startIndex
        for j in 0..<d { for l in j..<d { m[j, l] = upper[i]; m[l, j] = upper[i]; i += 1 } }
        return m
    }

    /// The inverse of −∇²(Σₖ ℓₖ) by central differences of ℓ itself, in the parameter order
    /// θ = (μ₁, Σ₁, …, μₖ, Σₖ, ν) (per-class scatter) or (μ₁, …, μₖ, Σ, ν) (shared; without ν
    /// when each class's fixed ν is given), with the class densities built from θ by `MultivariateT`'s
    /// public initialiser.
    static func numericalCovariance(_ theta: [Double], groups: [Matrix], d: Int, shared: Bool, fixedNu: [Double]? = nil) throws -> [Double] {
        let k = groups.count, pairs = d * (d + 1) / 2
        func ll(_ p: [Double]) -> Double {
            var total = 0.0
            for j in 0..<k {
                let nu = fixedNu?[j] ?? p[p.count - 1]
                let location: [Double], upper: ArraySlice<Double>
                if shared {
                    location = Array(p[(j * d)..<(j * d + d)])
                    upper = p[(k * d)..<(k * d + pairs)]
                } else {
                    let start = j * (d + pairs)
                    location = Array(p[start..<(start + d)])
                    upper = p[(start + d)..<(start + d + pairs)]
                }
                let t = try! MultivariateT(location: location, scatter: symmetric(upper, d: d), degreesOfFreedom: nu)
                total += t.logLikelihood(groups[j])
            }
            return total
        }
        return try inverseNegativeHessian(theta, ll)
    }

    /// (−∇²ℓ)⁻¹ at θ by central differences of ℓ (steps 10⁻⁴ · max(1, |θᵢ|), or
    /// `relativeSteps[i]` · max(1, |θᵢ|) where given), row-major.
    static func inverseNegativeHessian(_ theta: [Double], relativeSteps: [Int: Double] = [:], _ ll: ([Double]) -> Double) throws -> [Double] {
        let m = theta.count
        let h = theta.indices.map { (relativeSteps[$0] ?? 1e-4) * max(1, theta[$0].magnitude) }
        var negH = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in i..<m {
                func at(_ di: Double, _ dj: Double) -> Double {
                    var p = theta; p[i] += di * h[i]; p[j] += dj * h[j]; return ll(p)
                }
                let v = -(at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i] * h[j])
                negH[i * m + j] = v; negH[j * m + i] = v
            }
        }
        return try Lapack.solvePositiveDefinite(negH, n: m, Matrix.identity(m).elements, columns: m, what: "test")
    }

    /// (k classes, d variables, rows per class, seed, scatter).
    static let cases: [(Int, Int, Int, UInt64, DA.Scatter)] = [
        (2, 1, 60, 31, .perClass), (3, 2, 50, 32, .perClass), (2, 1, 60, 33, .shared), (3, 2, 50, 34, .shared),
        (2, 3, 80, 37, .perClass), (2, 3, 80, 38, .shared),
    ]

    @Test("a tied ν: every covariance is a block of the inverse joint information (numerical Hessian)", arguments: cases.indices)
    func tiedCovarianceAgainstNumericalHessian(_ c: Int) throws {
        let (k, d, perClass, seed, scatter) = Self.cases[c]
        let shared = scatter == .shared
        let (x, y) = DiscriminantPropertyTests.sample(k: k, d: d, perClass: perClass, seed: seed)
        let fit = try DA.fit(x, labels: y, family: .studentT(.estimated()), scatter: scatter)
        let groups = try Self.groups(x, y, k: k)
        let classResults = try #require(fit.result.groupResults)
        #expect(!fit.result.dfAtBound && fit.result.converged)
        let ts = fit.model.conditionals.map { c -> MultivariateT in if case let .studentT(t) = c { return t }; fatalError() }
        let nu = ts[0].degreesOfFreedom
        let pairs = d * (d + 1) / 2
        // θ as the fit lists it: each class's own parameters, then the whole's shared ones.
        var theta: [Double] = classResults.flatMap(\.estimates)
        theta += fit.result.estimates
        #expect(fit.result.estimate(.degreesOfFreedom) == nu)
        #expect(fit.result.parameters.count == (shared ? pairs : 0) + 1)
        for r in classResults { #expect(r.parameters.count == d + (shared ? 0 : pairs)) }
        let inverse = try Self.numericalCovariance(theta, groups: groups, d: d, shared: shared)
        let m = theta.count
        func check(_ got: Matrix?, offset: Int) {
            guard let got else { Issue.record("no covariance"); return }
            for r in 0..<got.rows {
                for col in 0..<got.rows {
                    let expected = inverse[(offset + r) * m + offset + col]
                    let scale = (inverse[(offset + r) * m + offset + r] * inverse[(offset + col) * m + offset + col]).squareRoot()
                    #expect(Tolerance.isClose(got[r, col], expected, relative: Tolerance.DiscriminantSharedInference.hessianRelative,
                                              absolute: Tolerance.DiscriminantSharedInference.hessianRelative * scale),
                            "case \(c) (\(offset + r), \(offset + col)): \(got[r, col]) vs \(expected)")
                }
            }
        }
        var offset = 0
        for r in classResults {
            check(r.covariance, offset: offset)
            // Present and finite, and no reason for a missing covariance.
            let errors = try #require(r.standardErrors)
            #expect(errors.count == r.parameters.count && errors.allSatisfy { $0.isFinite && $0 > 0 })
            #expect(r.covarianceOmission == nil)
            offset += r.parameters.count
        }
        check(fit.result.covariance, offset: offset)
        #expect(fit.result.covarianceOmission == nil && fit.result.standardError(.degreesOfFreedom)!.isFinite)
    }

    @Test("a shared scatter with fixed ν: the classes' location errors include the shared scatter's (numerical Hessian)",
          arguments: [[5.0, 5, 5], [3, 5, 8]])
    func sharedScatterFixedNu(_ nu: [Double]) throws {
        let (x, y) = DiscriminantPropertyTests.sample(k: 3, d: 2, perClass: 50, seed: 36)
        let fit = try DA.fit(x, labels: y, family: .studentT(nu[0] == nu[1] ? .fixed(nu[0]) : .fixedPerGroup(nu)), scatter: .shared)
        let groups = try Self.groups(x, y, k: 3)
        let classResults = try #require(fit.result.groupResults)
        #expect(fit.result.parameters == [.scatter(0, 0), .scatter(0, 1), .scatter(1, 1)])
        let theta = classResults.flatMap(\.estimates) + fit.result.estimates
        let inverse = try Self.numericalCovariance(theta, groups: groups, d: 2, shared: true, fixedNu: nu)
        let m = theta.count
        var offset = 0
        for covariance in classResults.map(\.covariance) + [fit.result.covariance] {
            let got = try #require(covariance)
            for r in 0..<got.rows {
                for c in 0..<got.rows {
                    let (a, b) = (offset + r, offset + c)
                    #expect(Tolerance.isClose(got[r, c], inverse[a * m + b], relative: Tolerance.DiscriminantSharedInference.hessianRelative,
                                              absolute: Tolerance.DiscriminantSharedInference.hessianRelative * (inverse[a * m + a] * inverse[b * m + b]).squareRoot()))
                }
            }
            offset += got.rows
        }
    }

    @Test("a tied ν widens each class's errors beyond the fixed-ν ones")
    func tiedWidensErrors() throws {
        let (x, y) = DiscriminantPropertyTests.sample(k: 3, d: 2, perClass: 50, seed: 32)
        let tied = try DA.fit(x, labels: y, family: .studentT(.estimated()), scatter: .perClass)
        let nu = try #require(tied.model.conditionals[0].degreesOfFreedom)
        let fixed = try DA.fit(x, labels: y, family: .studentT(.fixed(nu)), scatter: .perClass)
        for (a, b) in zip(tied.result.groupResults!, fixed.result.groupResults!) {
            #expect(a.parameters == b.parameters)
            // ν's uncertainty adds a positive semi-definite term: no error shrinks, the scatter's grow.
            for (u, v) in zip(a.standardErrors!, b.standardErrors!) { #expect(u >= v * (1 - 1e-9)) }
            #expect(a.standardError(.scatter(0, 0))! > b.standardError(.scatter(0, 0))!)
        }
        // Fixed ν: nothing shared, the whole lists no parameter of its own.
        #expect(fixed.result.parameters.isEmpty && tied.result.parameters == [.degreesOfFreedom])
    }

    @Test("a tied ν at its bound: each class keeps its own fixed-ν covariance; the whole lists no ν")
    func tiedAtBound() throws {
        let (x, y) = DiscriminantPropertyTests.lightTailedSample()
        let fit = try DA.fit(x, labels: y, family: .studentT(.estimated()), scatter: .perClass)
        #expect(fit.result.dfAtBound && fit.result.parameters.isEmpty)
        for r in fit.result.groupResults! {
            #expect(r.parameters == [.locationComponent(0), .scatter(0, 0)])
            #expect(r.standardErrors?.allSatisfy(\.isFinite) == true)
        }
    }

    /// The fit's covariances (each class's, then the whole's) against the inverse numerical
    /// Hessian `inverse` (m × m) of the parameters in the order the fit lists them.
    static func expectBlocks(_ fit: Fitted<DA>, _ inverse: [Double], label: String) throws {
        let m = Int(Double(inverse.count).squareRoot())
        var offset = 0
        for covariance in try #require(fit.result.groupResults).map(\.covariance) + [fit.result.covariance] {
            let got = try #require(covariance, "\(label): no covariance")
            for r in 0..<got.rows {
                for c in 0..<got.rows {
                    let (a, b) = (offset + r, offset + c)
                    #expect(Tolerance.isClose(got[r, c], inverse[a * m + b], relative: Tolerance.DiscriminantSharedInference.hessianRelative,
                                              absolute: Tolerance.DiscriminantSharedInference.hessianRelative * (inverse[a * m + a] * inverse[b * m + b]).squareRoot()),
                            "\(label) (\(a), \(b)): \(got[r, c]) vs \(inverse[a * m + b])")
                }
            }
            offset += got.rows
        }
        #expect(offset == m)
    }

    /// Σₖ ℓₖ over θ = (μ₁, [ν₁], μ₂, [ν₂], …, Σ) — a shared scatter, each class its own ν
    /// (listed when `free[k]`, else held at `nu[k]`).
    static func sharedScatterOwnNuLogLikelihood(groups: [Matrix], d: Int, free: [Bool], nu: [Double]) -> ([Double]) -> Double {
        let pairs = d * (d + 1) / 2
        return { p in
            let upper = p[(p.count - pairs)...]
            var offset = 0, total = 0.0
            for (j, g) in groups.enumerated() {
                let location = Array(p[offset..<(offset + d)])
                offset += d
                var v = nu[j]
                if free[j] { v = p[offset]; offset += 1 }
                let t = try! MultivariateT(location: location, scatter: symmetric(upper, d: d), degreesOfFreedom: v)
                total += t.logLikelihood(g)
            }
            return total
        }
    }

    @Test("a shared scatter with a ν per class: each class's (μₖ, νₖ) and the shared scatter from the joint information (numerical Hessian)",
          arguments: [(2, 1, 60, UInt64(41)), (3, 2, 50, 42), (2, 3, 80, 43)])
    func sharedScatterOwnNu(_ k: Int, _ d: Int, _ perClass: Int, _ seed: UInt64) throws {
        let (x, y) = DiscriminantPropertyTests.sample(k: k, d: d, perClass: perClass, seed: seed)
        let fit = try DA.fit(x, labels: y, family: .studentT(.estimatedPerGroup()), scatter: .shared)
        #expect(fit.result.converged && !fit.result.dfAtBound)
        let classResults = try #require(fit.result.groupResults)
        let pairs = d * (d + 1) / 2
        #expect(fit.result.parameters == MultivariateFitting.upperTriangle(d).map { FitParameter.scatter($0.0, $0.1) })
        for r in classResults {
            #expect(r.parameters == (0..<d).map(FitParameter.locationComponent) + [.degreesOfFreedom])
            #expect(r.covarianceOmission == nil && r.standardErrors!.allSatisfy { $0.isFinite && $0 > 0 })
        }
        #expect(fit.result.covarianceOmission == nil && fit.result.estimates.count == pairs)
        let theta = classResults.flatMap(\.estimates) + fit.result.estimates
        let nu = classResults.map { $0.estimate(.degreesOfFreedom)! }
        let ll = Self.sharedScatterOwnNuLogLikelihood(groups: try Self.groups(x, y, k: k), d: d,
                                                      free: [Bool](repeating: true, count: k), nu: nu)
        // ν's own steps are 3·10⁻⁴ ν: at 10⁻⁴ ℓ's rounding (~10⁻¹⁶ℓ/h² against ν's small
        // curvature) reached 1.3·10⁻⁵ of Var(ν̂), at 10⁻³ the truncation (∝ h², measured over
        // 10⁻³–3·10⁻² ν) 1.5·10⁻⁵; the analytic value sits on the h → 0 extrapolation.
        let nuRows = Dictionary(uniqueKeysWithValues: (0..<k).map { ($0 * (d + 1) + d, 3e-4) })
        try Self.expectBlocks(fit, try Self.inverseNegativeHessian(theta, relativeSteps: nuRows, ll), label: "k \(k) d \(d) ν \(nu)")
    }

    @Test("a shared scatter with a ν per class, one class at its bound: that class lists no ν, the others' errors still joint (numerical Hessian)")
    func sharedScatterOwnNuAtBound() throws {
        // Class 0 uniform (lighter-tailed than any t: ν stops at the maximum), class 1 t₃.
        var g = PolytailRandom(seed: 44)
        let light = (0..<120).map { _ in -3 + 2 * g.uniformPositive() }
        let heavy = (0..<120).map { _ in 3 + g.standardT(3) }
        let x = Matrix(uncheckedRows: 240, columns: 1, elements: light + heavy)
        let y = [Int](repeating: 0, count: 120) + [Int](repeating: 1, count: 120)
        let fit = try DA.fit(x, labels: y, family: .studentT(.estimatedPerGroup()), scatter: .shared)
        let classResults = try #require(fit.result.groupResults)
        #expect(classResults[0].dfAtBound && !classResults[1].dfAtBound && fit.result.converged)
        #expect(classResults[0].parameters == [.locationComponent(0)])
        #expect(classResults[1].parameters == [.locationComponent(0), .degreesOfFreedom])
        let nu = try fit.model.conditionals.map { try #require($0.degreesOfFreedom) }
        let theta = classResults.flatMap(\.estimates) + fit.result.estimates
        let ll = Self.sharedScatterOwnNuLogLikelihood(groups: try Self.groups(x, y, k: 2), d: 1, free: [false, true], nu: nu)
        try Self.expectBlocks(fit, try Self.inverseNegativeHessian(theta, relativeSteps: [2: 3e-4], ll), label: "at bound")
    }

    @Test("a tied-ν fit round-trips through JSON with its covariances", arguments: [DA.Scatter.perClass, .shared])
    func roundTrip(_ scatter: DA.Scatter) throws {
        let (x, y) = DiscriminantPropertyTests.sample(k: 3, d: 2, perClass: 40, seed: 35)
        let fit = try DA.fit(x, labels: y, family: .studentT(.estimated()), scatter: scatter)
        #expect(fit.result.covariance != nil && fit.result.groupResults!.allSatisfy { $0.covariance != nil })
        let back = try JSONDecoder().decode(Fitted<DA>.self, from: JSONEncoder().encode(fit))
        #expect(back.result == fit.result)
        #expect(try back.model.logPosteriors(x) == fit.model.logPosteriors(x))
    }
}
