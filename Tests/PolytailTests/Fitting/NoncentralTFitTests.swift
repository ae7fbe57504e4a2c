import Foundation
import Testing
@testable import Polytail
@testable import PolytailCLI

/// Achieved accuracy of the noncentral-t fit's interpolation and derivatives.
enum NoncentralTFitInterpolationTolerance {
    /// |R_interpolated − R_exact| / max(1, |R|) over the interpolation interval (measured:
    /// 1.0·10⁻¹¹ at ν = 1, δ up to 20; below 10⁻¹² elsewhere).
    static let value = 3e-11
    /// Analytic gradient and Hessian of the interpolated ℓ against central differences of the
    /// exact ℓ (relative to the largest entry).
    static let derivatives = 1e-5
    /// Standard errors from the analytic information against a numerical Hessian of the exact ℓ.
    static let standardErrors = 1e-3
}

@Suite("NoncentralT fit")
struct NoncentralTFitTests {
    static let data = NoncentralTFixture.shared.fit.data

    /// The Chebyshev interpolant of R(z; ν) against exact evaluations at random z.
    @Test(arguments: [1e-3, 0.3, 1, 4, 30, 1e3, 1e6])
    func interpolantMatchesExactSeries(nu: Double) throws {
        var rng = PolytailRandom(seed: 3)
        var worst = 0.0
        for delta in [0.0, 0.4, -1.5, 5, -12, 20] {
            let series = try #require(NoncentralTFitter.valueInterpolant(nu: nu, delta: delta), "ν=\(nu) δ=\(delta)")
            let z0 = NoncentralTFitter.halfWidth(delta)
            for _ in 0..<60 {
                let z = z0 * (2 * rng.uniformPositive() - 1)
                let exact = NoncentralT.seriesLog(z, nu)
                let error = abs(series(z) - exact) / max(1, abs(exact))
                worst = max(worst, error)
                #expect(error <= NoncentralTFitInterpolationTolerance.value, "ν=\(nu) δ=\(delta) z=\(z): \(series(z)) vs \(exact)")
            }
        }
        print("NoncentralT fit interpolant, ν = \(nu): max relative error \(worst)")
    }

    /// R(z; ν) joined to the known part is the exact log-density.
    @Test func seriesLogIsTheDensity() throws {
        for (nu, delta, t) in [(4.0, 1.5, 2.0), (4.0, 1.5, -7.0), (30.0, -5.0, 3.0), (1e6, 3.0, -2.0), (0.01, 2.0, -40.0)] {
            let z = 2.squareRoot() * delta * t / (nu + t * t).squareRoot()
            let known = -0.5 * delta * delta - 0.5 * log(Double.pi * nu) - 0.5 * (nu + 1) * log1p(t * t / nu)
            let d = try NoncentralT(degreesOfFreedom: nu, noncentrality: delta)
            #expect(Tolerance.isClose(known + NoncentralT.seriesLog(z, nu), d.logDensity(t), relative: 1e-12), "ν=\(nu) δ=\(delta) t=\(t)")
        }
    }

    /// The analytic gradient and Hessian in θ = (log ν, δ, μ, log σ) against central
    /// differences of the exact log-likelihood.
    @Test(arguments: [[log(3.0), 1.2, 0.3, log(1.7)], [log(40.0), -0.7, 1.0, log(2.5)], [log(0.8), 3.0, -1.0, log(0.9)]])
    func derivativesMatchFiniteDifferences(theta: [Double]) throws {
        let xs = Array(Self.data.prefix(150))
        let bounds = NoncentralTFitter.Bounds(fixedLogNu: nil, fixedNu: nil, minimum: 1e-3, maximum: 1e6)
        let fitter = NoncentralTFitter(xs: xs, ws: [Double](repeating: 1, count: xs.count), bounds: bounds)
        let analytic = try #require(fitter.derivatives(theta))
        func exact(_ p: [Double]) -> Double {
            let d = try! NoncentralT(degreesOfFreedom: exp(p[0]), noncentrality: p[1], location: p[2], scale: exp(p[3]))
            return d.logLikelihood(xs)
        }
        #expect(Tolerance.isClose(analytic.value, exact(theta), relative: 1e-12))
        let h = 1e-4
        var gradient = [Double](repeating: 0, count: 4)
        var hessian = [Double](repeating: 0, count: 16)
        for i in 0..<4 {
            var p = theta, m = theta
            p[i] += h; m[i] -= h
            gradient[i] = (exact(p) - exact(m)) / (2 * h)
            let gp = try #require(fitter.derivatives(p)).gradient
            let gm = try #require(fitter.derivatives(m)).gradient
            for j in 0..<4 { hessian[i * 4 + j] = (gp[j] - gm[j]) / (2 * h) }
        }
        let gScale = gradient.map(abs).max()!
        let hScale = hessian.map(abs).max()!
        for i in 0..<4 {
            #expect(abs(analytic.gradient[i] - gradient[i]) <= NoncentralTFitInterpolationTolerance.derivatives * gScale,
                    "∂ℓ/∂θ\(i): \(analytic.gradient[i]) vs \(gradient[i])")
            for j in 0..<4 {
                #expect(abs(analytic.hessian[i * 4 + j] - hessian[i * 4 + j]) <= NoncentralTFitInterpolationTolerance.derivatives * hScale,
                        "∂²ℓ/∂θ\(i)∂θ\(j): \(analytic.hessian[i * 4 + j]) vs \(hessian[i * 4 + j])")
            }
        }
    }

    /// Standard errors from the analytic observed information against the inverse of a
    /// numerical Hessian of the exact log-likelihood in (ν, δ, μ, σ).
    @Test func standardErrorsMatchNumericalHessian() throws {
        let xs = Self.data
        let fitted = try NoncentralT.fit(xs)
        let d = fitted.model
        let theta = [d.degreesOfFreedom, d.noncentrality, d.location, d.scale]
        func ell(_ p: [Double]) -> Double {
            try! NoncentralT(degreesOfFreedom: p[0], noncentrality: p[1], location: p[2], scale: p[3]).logLikelihood(xs)
        }
        let steps = theta.map { 1e-3 * max(abs($0), 0.1) }
        var information = [Double](repeating: 0, count: 16)
        let f0 = ell(theta)
        for i in 0..<4 {
            for j in i..<4 {
                var value: Double
                if i == j {
                    var p = theta, m = theta
                    p[i] += steps[i]; m[i] -= steps[i]
                    value = (ell(p) - 2 * f0 + ell(m)) / (steps[i] * steps[i])
                } else {
                    func at(_ a: Double, _ b: Double) -> Double {
                        var p = theta
                        p[i] += a * steps[i]; p[j] += b * steps[j]
                        return ell(p)
                    }
                    value = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * steps[i] * steps[j])
                }
                information[i * 4 + j] = -value
                information[j * 4 + i] = -value
            }
        }
        var identity = [Double](repeating: 0, count: 16)
        for k in 0..<4 { identity[k * 4 + k] = 1 }
        let covariance = try Lapack.solvePositiveDefinite(information, n: 4, identity, columns: 4, what: "numerical information")
        #expect(fitted.result.parameters == [.degreesOfFreedom, .noncentrality, .location, .scale])
        #expect(fitted.result.covarianceEstimator == .observedInformation)
        let reportedCovariance = try #require(fitted.result.covariance)
        for i in 0..<4 {
            for j in 0..<4 {
                let scale = (covariance[i * 4 + i] * covariance[j * 4 + j]).squareRoot()
                #expect(abs(reportedCovariance[i, j] - covariance[i * 4 + j]) <= 2 * NoncentralTFitInterpolationTolerance.standardErrors * scale,
                        "covariance[\(i), \(j)]: \(reportedCovariance[i, j]) vs \(covariance[i * 4 + j])")
            }
        }
        for (k, name) in [FitParameter.degreesOfFreedom, .noncentrality, .location, .scale].enumerated() {
            let reported = try #require(fitted.result.standardError(name))
            let numerical = covariance[k * 4 + k].squareRoot()
            print("NoncentralT fit standard error \(name): \(reported) (numerical Hessian \(numerical))")
            #expect(Tolerance.isClose(reported, numerical, relative: NoncentralTFitInterpolationTolerance.standardErrors))
        }
    }

    /// ν at the rule's bound is not among the parameters (Wald theory does not apply there);
    /// δ, μ, σ keep a covariance, conditional on ν; AIC still counts four parameters. With ν
    /// fixed, three parameters.
    @Test func parametersAtTheBoundAndWithFixedDegreesOfFreedom() throws {
        let n = 200
        let data = (0..<n).map { GSL.normalPInverse((Double($0) + 0.5) / Double(n)) * 3 + 1 }
        let atBound = try NoncentralT.fit(data, degreesOfFreedom: .estimated(minimum: 1, maximum: 200))
        #expect(atBound.result.dfAtBound)
        #expect(atBound.result.parameters == [.noncentrality, .location, .scale])
        #expect(atBound.result.parameterCount == 4)
        #expect(Tolerance.isClose(atBound.result.aic, -2 * atBound.result.logLikelihood + 8, relative: 1e-15))
        let fixed = try NoncentralT.fit(Self.data, degreesOfFreedom: .fixed(4))
        #expect(fixed.result.parameters == [.noncentrality, .location, .scale])
        #expect(fixed.result.parameterCount == 3)
        #expect((fixed.result.standardError(.scale) ?? 0) > 0)
        #expect(fixed.result.estimate(.noncentrality) == fixed.model.noncentrality)
    }

    /// A run stopped by `maxIterations` before the Newton decrement is small reports
    /// `converged == false`, lists its parameters and omits their covariance (`.notConverged`):
    /// the curvature at a point that is not the maximum is not the estimate's variance.
    @Test(arguments: [1, 2])
    func stoppedByMaxIterationsIsNotConverged(_ cap: Int) throws {
        let full = try NoncentralT.fit(Self.data)
        #expect(full.result.converged && full.result.covariance != nil)
        let stopped = try NoncentralT.fit(Self.data, maxIterations: cap)
        #expect(!stopped.result.converged)
        #expect(stopped.result.iterations <= 3 * cap)  // three starts, at most `cap` steps each
        #expect(stopped.result.parameters == full.result.parameters)
        #expect(stopped.result.covariance == nil && stopped.result.covarianceOmission == .notConverged)
        let interval = try stopped.result.confidenceInterval(.scale, level: 0.95)
        #expect(stopped.result.standardErrors == nil && interval == nil)
        #expect(stopped.result.logLikelihood.isFinite && stopped.result.logLikelihood < full.result.logLikelihood)
        // The cap is an option like StudentT.fit's: the default reaches the same maximum.
        let capped = try NoncentralT.fit(Self.data, maxIterations: 200)
        #expect(capped.model == full.model && capped.result == full.result)
    }

    @Test(arguments: [0, -3])
    func maxIterationsBelowOneIsAnError(_ cap: Int) {
        expectError(PolytailError.invalidParameter(name: "maxIterations", value: Double(cap), requirement: "must be at least 1")) {
            try NoncentralT.fit(Self.data, maxIterations: cap)
        }
    }

    @Test func progressIsReported() throws {
        var stages: [NoncentralT.FitProgress.Stage] = []
        var lastLogLikelihood = -Double.infinity
        let fitted = try NoncentralT.fit(Self.data) { p in
            stages.append(p.stage)
            if p.stage == .allObservations { lastLogLikelihood = p.logLikelihood }
        }
        #expect(stages.first == .allObservations)
        #expect(stages.last == .exactLogLikelihood)
        #expect(Tolerance.isClose(lastLogLikelihood, fitted.result.logLikelihood, relative: 1e-10))
    }

    /// Above 50,000 observations the starts run on a subsample first; the result is the same
    /// maximum as a fit without it would reach (checked by the gradient of the exact ℓ).
    @Test func largeSamplesUseASubsampleFirst() throws {
        let truth = try NoncentralT(degreesOfFreedom: 5, noncentrality: -1, location: 2, scale: 0.5)
        var rng = PolytailRandom(seed: 17)
        let xs = truth.sample(60_000, using: &rng)
        var stages = Set<String>()
        let fitted = try NoncentralT.fit(xs) { stages.insert($0.stage.rawValue) }
        #expect(stages == ["subsample", "allObservations", "exactLogLikelihood"])
        #expect(fitted.result.converged)
        let d = fitted.model
        #expect(abs(d.degreesOfFreedom - 5) < 0.5 && abs(d.noncentrality + 1) < 0.1)
        // No coordinate step improves the exact log-likelihood by more than rounding.
        for (k, h) in [1e-4, 1e-5, 1e-5, 1e-6].enumerated() {
            for sign in [-1.0, 1.0] {
                var p = [d.degreesOfFreedom, d.noncentrality, d.location, d.scale]
                p[k] += sign * h * max(1, abs(p[k]))
                let moved = try NoncentralT(degreesOfFreedom: p[0], noncentrality: p[1], location: p[2], scale: p[3])
                #expect(moved.logLikelihood(xs) <= fitted.result.logLikelihood + 1e-9 * abs(fitted.result.logLikelihood))
            }
        }
    }

    // MARK: - Limits (issue 10)

    @Test(arguments: [1e-300, Subnormal.smallest, 9.9e-4, 1.0000001e6, 1e300, .infinity, .nan, 0, -1])
    func degreesOfFreedomOutsideTheEvaluatedRangeAreRejected(nu: Double) {
        #expect(throws: PolytailError.self) { try NoncentralT(degreesOfFreedom: nu, noncentrality: 1) }
        #expect(throws: PolytailError.self) { try NoncentralT.fit([1, 2, 3, 4, 5, 7], degreesOfFreedom: .fixed(nu)) }
    }

    @Test(arguments: [1e6, -1e6, 1000.0001, .infinity, -.infinity])
    func noncentralityOutsideTheEvaluatedRangeIsRejected(delta: Double) {
        #expect(throws: PolytailError.self) { try NoncentralT(degreesOfFreedom: 2, noncentrality: .nan) }
        expectError(PolytailError.invalidParameter(name: "noncentrality", value: delta, requirement: NoncentralT.noncentralityRequirement)) {
            try NoncentralT(degreesOfFreedom: 2, noncentrality: delta)
        }
    }

    /// `polytail fit d.csv --family noncentral-t --df 1e300` on x = ±1e20, 1, 2, 3 trapped in
    /// the series ("Double value cannot be converted to Int"); now a one-line usage error.
    @Test func hugeFixedDegreesOfFreedomOnTheCommandLine() throws {
        let path = try TempFiles.write("x\n1e20\n-1e20\n1\n2\n3\n", name: "nct-huge-df.csv").path
        let out = runFit(arguments: [path, "--family", "noncentral-t", "--df", "1e300"])
        #expect(out.exitCode == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.hasPrefix("error: ") && out.stderr.filter(\.isNewline).count == 1)
        #expect(out.stderr.contains("noncentral-t"))
        // The same data with a ν inside the range: a finite fit, no trap.
        let fine = runFit(arguments: [path, "--family", "noncentral-t", "--df", "1e6"])
        #expect(fine.exitCode == 0 || fine.exitCode == 1, "stderr: \(fine.stderr)")
        if fine.exitCode == 0 { #expect(!fine.stdout.contains("null") && !fine.stdout.contains("nan")) }
    }
}
