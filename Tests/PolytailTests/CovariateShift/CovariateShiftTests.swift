import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// Tolerances of the covariate-shift suites.
    enum CovariateShift {
        /// Log density ratios against mpmath: relative, with an absolute floor for values near 0
        /// (the ratio is a difference of two log-densities of size ~ max(1, |log p|)).
        static let logRatioRelative = 1e-12
        static let logRatioAbsolute = 1e-12
        /// Weights and normalised weights (exp of the above).
        static let weightRelative = 1e-11
        /// Weighted least squares against numpy lstsq / mpmath (coefficients, RSS, predictions).
        static let leastSquaresRelative = 1e-9
        /// Polynomial predictions of degree ≤ 10 against the 80-digit mpmath fit, absolute on
        /// responses of size ~1.
        static let polynomialAbsolute = 1e-9
        /// Fits against numpy's closed forms.
        static let fitRelative = 1e-12
        /// The covariance of a tied-ν pair against the inverse of a central-difference Hessian
        /// of the summed log-likelihood (steps 10⁻⁴ of each parameter: truncation ~10⁻⁸ of the
        /// curvature, rounding ~10⁻⁸ of ℓ/h² on ℓ ≈ 10³); measured 2·10⁻⁷ at worst.
        static let tiedCovarianceRelative = 1e-5
        /// The tied-ν search's τ = log ν against a known maximum: Brent stops at a bracket of
        /// 10⁻⁸ in τ; 10⁻⁷ leaves room for the parabolic step's last move.
        static let profileMaximumLogNu = 1e-7
        /// Identities that hold to rounding: λ-scaling, exp of the log-weight, mean-1
        /// normalisation, exact fits, weight-scale invariance, the tail-limit formula.
        static let identity = 1e-13
        /// Far points against the tail limit: the approach is O(1/‖x‖).
        static let tailApproach = 1e-7
        /// Two routes to the same quantity through different code (fitted weights against the
        /// fixture's closed forms; weights against differences of logDensities).
        static let consistency = 1e-10
        /// Absolute floor for normalised weights that underflow.
        static let weightAbsolute = 1e-300
    }
}

/// A number in a fixture, where non-finite values are the strings "inf", "-inf", "nan".
struct CovariateShiftNumber: Decodable {
    let value: Double
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Double.self) { value = v; return }
        switch try c.decode(String.self) {
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        default: value = .nan
        }
    }
}

struct CovariateShiftFixture: Decodable {
    struct Density: Decodable { let location: [Double]; let scale: [[Double]]; let df: Double? }
    struct LogRatioCase: Decodable {
        let family: String
        let source: Density
        let target: Density
        let points: [[Double]]
        let logRatio: [CovariateShiftNumber]
        let limitPositive: CovariateShiftNumber?
    }
    struct Normalized: Decodable { let lambda: Double; let points: [Double]; let weights: [CovariateShiftNumber] }
    struct FittedCase: Decodable {
        let source: [Double], target: [Double], points: [Double]
        let sourceMean: Double, sourceSD: Double, targetMean: Double, targetSD: Double
        let logWeightsLambdaHalf: [CovariateShiftNumber]
    }
    struct LeastSquares: Decodable {
        let design: [[Double]], response: [Double], weights: [Double]
        let coefficients: [Double], weightedResidualSumOfSquares: Double
    }
    struct PolynomialFitCase: Decodable {
        let degree: Int
        let predictions: [CovariateShiftNumber]
        let weightedResidualSumOfSquares: CovariateShiftNumber
        let coefficients: [CovariateShiftNumber]
    }
    struct Polynomial: Decodable { let x: [Double], y: [Double], weights: [Double], grid: [Double]; let fits: [PolynomialFitCase] }
    struct NumpyPolynomial: Decodable { let x: [Double], y: [Double], weights: [Double], line: [Double], quadratic: [Double] }

    let description: String
    let logRatioCases: [LogRatioCase]
    let normalized: Normalized
    let fitted: FittedCase
    let leastSquares: LeastSquares
    let polynomial: Polynomial
    let numpyPolynomial: NumpyPolynomial

    static let shared: CovariateShiftFixture = try! Fixtures.load("covariate_shift.json")
}

extension CovariateShiftFixture.LogRatioCase {
    func weights() throws -> ImportanceWeights {
        let d = source.location.count
        if d == 1 {
            if family == "normal" {
                return try ImportanceWeights(.normal(
                    source: Normal(mean: source.location[0], standardDeviation: source.scale[0][0]),
                    target: Normal(mean: target.location[0], standardDeviation: target.scale[0][0])))
            }
            return try ImportanceWeights(.studentT(
                source: StudentT(degreesOfFreedom: source.df!, location: source.location[0], scale: source.scale[0][0]),
                target: StudentT(degreesOfFreedom: target.df!, location: target.location[0], scale: target.scale[0][0])))
        }
        let cs = try Matrix(rowArrays: source.scale), ct = try Matrix(rowArrays: target.scale)
        if family == "normal" {
            return try ImportanceWeights(.multivariateNormal(source: MultivariateNormal(mean: source.location, covariance: cs),
                                                             target: MultivariateNormal(mean: target.location, covariance: ct)))
        }
        return try ImportanceWeights(.multivariateT(
            source: MultivariateT(location: source.location, scatter: cs, degreesOfFreedom: source.df!),
            target: MultivariateT(location: target.location, scatter: ct, degreesOfFreedom: target.df!)))
    }
}

@Suite("Importance weights") struct ImportanceWeightsTests {
    static let fixture = CovariateShiftFixture.shared

    @Test("log-weights match mpmath, clamped beyond the double range, finite everywhere",
          arguments: Array(CovariateShiftFixture.shared.logRatioCases.indices))
    func logRatios(_ index: Int) throws {
        let c = Self.fixture.logRatioCases[index]
        let iw = try c.weights()
        let points = try Matrix(rowArrays: c.points)
        let got = try iw.logWeights(points)
        let gfm = Double.greatestFiniteMagnitude
        for (i, (g, r)) in zip(got, c.logRatio).enumerated() {
            #expect(g.isFinite, "case \(index) point \(c.points[i])")
            let expected = min(max(r.value, -gfm), gfm)
            #expect(Tolerance.isClose(g, expected, relative: Tolerance.CovariateShift.logRatioRelative, absolute: Tolerance.CovariateShift.logRatioAbsolute),
                    "case \(index) point \(c.points[i]): \(g) vs \(expected)")
        }
        // λ scales the log-weight; λ = 0 gives exactly 0 everywhere.
        let half = try iw.logWeights(points, lambda: 0.5)
        for (h, g) in zip(half, got) { #expect(h == 0.5 * g) }
        #expect(try iw.logWeights(points, lambda: 0).allSatisfy { $0 == 0 })
        // Weights are finite, non-negative and exp of the log-weights where in range.
        let w = try iw.weights(points)
        for (wi, g) in zip(w, got) {
            #expect(wi.isFinite && wi >= 0)
            if g < 700 { #expect(Tolerance.isClose(wi, exp(g), relative: Tolerance.CovariateShift.identity)) } else { #expect(wi > 1e304) }
        }
    }

    @Test("the weight limit far out: bounded for equal ν, ±∞ otherwise",
          arguments: Array(CovariateShiftFixture.shared.logRatioCases.indices))
    func limits(_ index: Int) throws {
        let c = Self.fixture.logRatioCases[index]
        let iw = try c.weights()
        var v = [Double](repeating: 0, count: c.source.location.count)
        v[0] = 1
        let limit = try iw.limitLogWeight(direction: v)
        if let expected = c.limitPositive?.value {
            #expect(Tolerance.isClose(limit, expected, relative: Tolerance.CovariateShift.logRatioRelative, absolute: Tolerance.CovariateShift.logRatioAbsolute))
        } else if c.family == "normal" {
            #expect(limit.isInfinite)
        }
        // A point at +∞ along v takes the (clamped) limit.
        let far = try Matrix(rows: 1, columns: v.count, elements: v.map { $0 == 1 ? Double.infinity : 0 })
        let atInfinity = try iw.logWeights(far)[0]
        #expect(atInfinity == min(max(limit, -.greatestFiniteMagnitude), .greatestFiniteMagnitude))
        #expect(try iw.limitLogWeight(direction: v, lambda: 0) == 0)
    }

    @Test("equal-ν t in one dimension: the weight tends to (σ_t/σ_s)^(νλ)")
    func tLimitFormula() throws {
        let s = try StudentT(degreesOfFreedom: 3, location: 1.1, scale: 0.5)
        let t = try StudentT(degreesOfFreedom: 3, location: 2.1, scale: 10.0 / 17)
        let iw = try ImportanceWeights(.studentT(source: s, target: t))
        let expected = 0.7 * 3 * log((10.0 / 17) / 0.5)
        #expect(Tolerance.isClose(try iw.limitLogWeight(direction: [-2], lambda: 0.7), expected, relative: Tolerance.CovariateShift.identity))
        let far = try iw.logWeights([-1e12, 1e12, -1e300], lambda: 0.7)
        for l in far { #expect(Tolerance.isClose(l, expected, relative: Tolerance.CovariateShift.tailApproach)) }
    }

    @Test("normalised weights have mean 1 and match mpmath where the raw weights overflow")
    func normalized() throws {
        let f = Self.fixture.normalized
        let iw = try ImportanceWeights(.normal(source: Normal(mean: 1.1, standardDeviation: 0.5),
                                               target: Normal(mean: 2.1, standardDeviation: 10.0 / 17)))
        let w = try iw.normalizedWeights(f.points, lambda: f.lambda)
        for (g, r) in zip(w, f.weights) {
            #expect(Tolerance.isClose(g, r.value, relative: Tolerance.CovariateShift.weightRelative, absolute: Tolerance.CovariateShift.weightAbsolute))
        }
        #expect(Tolerance.isClose(w.reduce(0, +) / Double(w.count), 1, relative: Tolerance.CovariateShift.identity))
        // Raw weights at the same points overflow (clamped) — the normalised ones do not.
        #expect(try iw.weights([1e3], lambda: 1)[0] == .greatestFiniteMagnitude)
        // All points far out in the same tail: every raw log-weight is below −700.
        let tail = try iw.normalizedWeights([-1e3, -1e3 - 1, -1e3 - 2], lambda: 1)
        #expect(tail.allSatisfy { $0.isFinite } && Tolerance.isClose(tail.reduce(0, +), 3, relative: Tolerance.CovariateShift.identity))
    }

    @Test("fitted normal weights: fit on the clean source, evaluate on source plus outliers")
    func fittedNormal() throws {
        let f = Self.fixture.fitted
        let fit = try ImportanceWeights.fit(source: f.source, target: f.target, family: .normal)
        let iw = fit.model
        guard case let .normal(s, t) = iw.densities else { Issue.record("wrong family"); return }
        #expect(Tolerance.isClose(s.mean, f.sourceMean, relative: Tolerance.CovariateShift.fitRelative))
        #expect(Tolerance.isClose(s.standardDeviation, f.sourceSD, relative: Tolerance.CovariateShift.fitRelative))
        #expect(Tolerance.isClose(t.mean, f.targetMean, relative: Tolerance.CovariateShift.fitRelative))
        #expect(Tolerance.isClose(t.standardDeviation, f.targetSD, relative: Tolerance.CovariateShift.fitRelative))
        #expect(fit.sourceResult?.converged == true && fit.targetResult != nil)
        #expect(fit.result.observationCount == f.source.count + f.target.count)
        #expect(fit.result.logLikelihood == fit.sourceResult!.logLikelihood + fit.targetResult!.logLikelihood)
        #expect(fit.result.parameterCount == 4 && fit.result.parameters.isEmpty)
        let (ns, nt) = (try Normal.fit(f.source), try Normal.fit(f.target))
        #expect(fit.sourceResult == ns.result && fit.targetResult == nt.result)
        let l = try iw.logWeights(f.points, lambda: 0.5)
        for (g, r) in zip(l, f.logWeightsLambdaHalf) {
            #expect(Tolerance.isClose(g, r.value, relative: Tolerance.CovariateShift.consistency, absolute: Tolerance.CovariateShift.consistency))
        }
    }

    @Test("t weights limit the influence of outliers the normal weights blow up (paper §4.1.1)")
    func outliersUnderT() throws {
        let f = Self.fixture.fitted
        let normal = try ImportanceWeights.fit(source: f.source, target: f.target, family: .normal).model
        let t = try ImportanceWeights.fit(source: f.source, target: f.target, family: .studentT(.fixed(3))).model
        let outliers = Array(f.points.suffix(5))
        let wn = try normal.normalizedWeights(f.points).suffix(5)
        let wt = try t.normalizedWeights(f.points).suffix(5)
        #expect(outliers.allSatisfy { $0 >= -5 && $0 <= -4 })
        // With σ_t > σ_s the normal ratio grows without bound in the tail; the equal-ν t
        // ratio tends to (σ_t/σ_s)^ν.
        #expect(zip(wn, wt).allSatisfy { $0 > $1 })
        #expect(wn.max()! > 10 * wt.max()!)
        let bound = exp(try t.limitLogWeight(direction: [-1]))
        #expect(wt.allSatisfy { $0 < 2 * bound })
        #expect(try t.weights([-1e9, -1e100]).allSatisfy { Tolerance.isClose($0, bound, relative: Tolerance.CovariateShift.tailApproach) })
    }

    /// t₄ samples of 400 (source) and 300 (target) rows, fitted with one estimated ν.
    static func tiedFit() throws -> ([Double], [Double], Fitted<ImportanceWeights>) {
        var g = PolytailRandom(seed: 11)
        let s = try StudentT(degreesOfFreedom: 4, location: 0, scale: 1).sample(400, using: &g)
        let t = try StudentT(degreesOfFreedom: 4, location: 1, scale: 1.5).sample(300, using: &g)
        return (s, t, try ImportanceWeights.fit(source: s, target: t, family: .studentT(.estimated)))
    }

    @Test("a jointly estimated ν is a profile maximum shared by both fits")
    func jointDF() throws {
        let (s, t, fit) = try Self.tiedFit()
        let iw = fit.model
        guard case let .studentT(fs, ft) = iw.densities else { Issue.record("wrong family"); return }
        #expect(fs.degreesOfFreedom == ft.degreesOfFreedom)
        let nu = fs.degreesOfFreedom
        let best = fit.result.logLikelihood
        // One ν for both: listed once in the pair's result and counted once; each domain keeps
        // its location and scale, with their covariance from the joint information.
        #expect(fit.result.parameters == [.degreesOfFreedom] && fit.result.estimate(.degreesOfFreedom) == nu)
        #expect(fit.result.parameterCount == 5 && fit.result.standardError(.degreesOfFreedom)! > 0)
        #expect(fit.sourceResult?.parameters == [.location, .scale] && fit.sourceResult?.covariance != nil)
        #expect(best == fit.sourceResult!.logLikelihood + fit.targetResult!.logLikelihood)
        for factor in [0.98, 1.02] {
            let a = try StudentT.fit(s, degreesOfFreedom: .fixed(nu * factor))
            let b = try StudentT.fit(t, degreesOfFreedom: .fixed(nu * factor))
            #expect(a.result.logLikelihood + b.result.logLikelihood < best)
        }
        // The log-weight is then bounded in both tails.
        #expect(try iw.limitLogWeight(direction: [1]).isFinite)
        #expect(try iw.limitLogWeight(direction: [-1]).isFinite)
    }

    /// The tied-ν search on profiles whose maximum is known: inside the grid, inside its last
    /// and first cells, at either bound, and between two tied grid points.
    static let profilePeaks: [(peak: Double, atUpper: Bool)] = [
        (0.7, false), (log(1e3) - 0.05, false), (log(1e3) + 1, true), (log(0.5) + 0.03, false), (log(0.5) - 1, false),
    ]

    @Test("the profile maximum over ν: interior, next to a bound, at a bound", arguments: profilePeaks)
    func profileMaximum(peak: Double, atUpper: Bool) throws {
        let bounds = DegreesOfFreedomRule.Bounds(fixed: nil, lower: 0.5, upper: 1e3)
        // A concave profile in τ = log ν with its maximum at `peak` (clamped to the bounds).
        let (nu, upper) = try ImportanceWeights.profileDegreesOfFreedom(bounds: bounds) { (nu: Double) throws(PolytailError) -> Double in
            -(log(nu) - peak) * (log(nu) - peak)
        }
        let expected = min(max(peak, log(bounds.lower)), log(bounds.upper))
        #expect(abs(log(nu) - expected) < Tolerance.CovariateShift.profileMaximumLogNu && upper == atUpper, "τ = \(log(nu)), expected \(expected)")
        if atUpper { #expect(nu == bounds.upper) }
        // The grid's best point ties its neighbour (values rounded to 10⁻⁶, maximum halfway
        // between grid points 3 and 4 of 15): the maximum lies between them, where the rounded
        // profile is 0 (|τ − m| < 7.1·10⁻⁴).
        let (lo, hi) = (log(bounds.lower), log(bounds.upper))
        let m = lo + 3.5 * (hi - lo) / 14
        let tied = try ImportanceWeights.profileDegreesOfFreedom(bounds: bounds) { (nu: Double) throws(PolytailError) -> Double in
            -((log(nu) - m) * (log(nu) - m) * 1e6).rounded() / 1e6
        }
        #expect(abs(log(tied.0) - m) < 7.1e-4 && !tied.1)
        // Failing fixed-ν fits count as −∞; all failing is an error.
        expectError(PolytailError.numericalFailure("no common degrees of freedom gives a bounded likelihood for both samples")) {
            _ = try ImportanceWeights.profileDegreesOfFreedom(bounds: bounds) { (_: Double) throws(PolytailError) -> Double in
                throw .emptyData
            }
        }
    }

    /// With one ν for both samples the covariance of (μ_s, σ_s, μ_t, σ_t, ν) is the inverse of
    /// the joint observed information: checked against the inverse of a numerical Hessian of
    /// ℓ_s + ℓ_t written from the densities alone. The scales' errors exceed the conditional
    /// (ν held fixed) ones, which the fixed-ν fits report.
    @Test("a tied ν: the covariance is the inverse of the joint information (numerical Hessian)")
    func tiedCovarianceAgainstNumericalHessian() throws {
        let (s, t, fit) = try Self.tiedFit()
        guard case let .studentT(fs, ft) = fit.model.densities else { Issue.record("wrong family"); return }
        let theta = [fs.location, fs.scale, ft.location, ft.scale, fs.degreesOfFreedom]
        func ll(_ p: [Double]) -> Double {
            let a = try! StudentT(degreesOfFreedom: p[4], location: p[0], scale: p[1])
            let b = try! StudentT(degreesOfFreedom: p[4], location: p[2], scale: p[3])
            return s.reduce(0) { $0 + a.logDensity($1) } + t.reduce(0) { $0 + b.logDensity($1) }
        }
        let h = theta.map { 1e-4 * $0.magnitude.rounded(.up) }
        var negH = [Double](repeating: 0, count: 25)
        for i in 0..<5 {
            for j in 0..<5 {
                func at(_ di: Double, _ dj: Double) -> Double {
                    var p = theta; p[i] += di * h[i]; p[j] += dj * h[j]; return ll(p)
                }
                negH[i * 5 + j] = -(at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i] * h[j])
            }
        }
        let inverse = try Lapack.solvePositiveDefinite(negH, n: 5, Matrix.identity(5).elements, columns: 5, what: "test")
        let cs = fit.sourceResult!.covariance!, ct = fit.targetResult!.covariance!
        let reported: [(Double, Double)] = [
            (cs[0, 0], inverse[0]), (cs[1, 1], inverse[6]), (cs[0, 1], inverse[1]),
            (ct[0, 0], inverse[12]), (ct[1, 1], inverse[18]), (ct[0, 1], inverse[13]),
            (fit.result.covariance![0, 0], inverse[24]),
        ]
        for (got, expected) in reported {
            #expect(Tolerance.isClose(got, expected, relative: Tolerance.CovariateShift.tiedCovarianceRelative,
                                      absolute: Tolerance.CovariateShift.tiedCovarianceRelative * inverse[6]), "\(got) vs \(expected)")
        }
        let conditional = try StudentT.fit(s, degreesOfFreedom: .fixed(fs.degreesOfFreedom)).result
        #expect(fit.sourceResult!.standardError(.scale)! > conditional.standardError(.scale)!)
    }

    @Test("a joint ν for multivariate t fits: shared, and a profile maximum")
    func jointDFMultivariate() throws {
        var g = PolytailRandom(seed: 5)
        let s = try MultivariateT(location: [0, 0], scatter: Matrix(rowArrays: [[1, 0.2], [0.2, 1]]), degreesOfFreedom: 4).sample(300, using: &g)
        let t = try MultivariateT(location: [1, 0.5], scatter: Matrix(rowArrays: [[1.5, 0], [0, 0.8]]), degreesOfFreedom: 4).sample(200, using: &g)
        let fit = try ImportanceWeights.fit(source: s, target: t, family: .studentT(.estimated))
        let iw = fit.model
        guard case let .multivariateT(fs, ft) = iw.densities else { Issue.record("wrong family"); return }
        #expect(fs.degreesOfFreedom == ft.degreesOfFreedom && fit.sourceResult?.dfAtBound == false)
        let best = fit.sourceResult!.logLikelihood + fit.targetResult!.logLikelihood
        #expect(fit.result.logLikelihood == best && fit.result.observationCount == 500)
        // The joint information gives every estimate a covariance, ν's uncertainty included.
        #expect(fit.result.standardError(.degreesOfFreedom)! > 0)
        let marginal = fit.sourceResult!.standardError(.scatter(0, 0))!
        let conditional = try MultivariateT.fit(s, degreesOfFreedom: .fixed(fs.degreesOfFreedom)).result.standardError(.scatter(0, 0))!
        #expect(marginal > conditional)
        for factor in [0.97, 1.03] {
            let nu = fs.degreesOfFreedom * factor
            let a = try MultivariateT.fit(s, degreesOfFreedom: .fixed(nu)), b = try MultivariateT.fit(t, degreesOfFreedom: .fixed(nu))
            #expect(a.result.logLikelihood + b.result.logLikelihood < best)
        }
        #expect(try iw.limitLogWeight(direction: [1, -1]).isFinite)
        // Far points stay finite and approach the limit along their direction.
        let far = try iw.logWeights(Matrix(rowArrays: [[1e12, -1e12], [1e300, -1e300]]))
        let limit = try iw.limitLogWeight(direction: [1, -1])
        for l in far { #expect(Tolerance.isClose(l, limit, relative: Tolerance.CovariateShift.tailApproach, absolute: Tolerance.CovariateShift.tailApproach)) }
    }

    @Test("multivariate fits: the weights use the fitted densities")
    func multivariateFit() throws {
        var g = PolytailRandom(seed: 5)
        let source = try MultivariateNormal(mean: [0, 0], covariance: Matrix(rowArrays: [[1, 0.2], [0.2, 1]])).sample(200, using: &g)
        let target = try MultivariateNormal(mean: [1, 0.5], covariance: Matrix(rowArrays: [[1.5, 0], [0, 0.8]])).sample(150, using: &g)
        for family in [ImportanceWeights.Family.normal, .studentT(.estimatedPerGroup)] {
            let iw = try ImportanceWeights.fit(source: source, target: target, family: family).model
            let points = try Matrix(rowArrays: [[0, 0], [2, -1], [-30, 40]])
            let l = try iw.logWeights(points)
            let expected: [Double]
            switch iw.densities {
            case let .multivariateNormal(s, t): expected = zip(t.logDensities(points), s.logDensities(points)).map { $0 - $1 }
            case let .multivariateT(s, t): expected = zip(t.logDensities(points), s.logDensities(points)).map { $0 - $1 }
            default: Issue.record("wrong family"); return
            }
            for (a, b) in zip(l, expected) { #expect(Tolerance.isClose(a, b, relative: Tolerance.CovariateShift.consistency, absolute: Tolerance.CovariateShift.consistency)) }
        }
    }

    @Test("NaN points give NaN log-weights, and an error when normalising")
    func nanPoints() throws {
        let iw = try ImportanceWeights(.normal(source: Normal(), target: Normal(mean: 1)))
        let l = try iw.logWeights([0, .nan, 1])
        #expect(l[0].isFinite && l[1].isNaN && l[2].isFinite)
        expectError(PolytailError.nonFiniteValue(row: 1, column: nil)) { try iw.normalizedWeights([0, .nan, 1]) }
        expectError(PolytailError.emptyData) { try iw.normalizedWeights([Double]()) }
        #expect(try iw.logWeights([Double]()).isEmpty)
    }

    @Test("λ outside [0, 1] or NaN is rejected", arguments: [-0.1, 1.5, Double.nan, Double.infinity])
    func badLambda(_ lambda: Double) throws {
        let iw = try ImportanceWeights(.normal(source: Normal(), target: Normal(mean: 1)))
        func expectLambdaError(_ body: () throws -> Any) {
            do {
                _ = try body()
                Issue.record("no error for λ = \(lambda)")
            } catch let PolytailError.invalidParameter(name, _, _) {
                #expect(name == "lambda")
            } catch { Issue.record("unexpected \(error)") }
        }
        expectLambdaError { try iw.logWeights([0], lambda: lambda) }
        expectLambdaError { try iw.weights([0], lambda: lambda) }
        expectLambdaError { try iw.normalizedWeights([0], lambda: lambda) }
        expectLambdaError { try iw.limitLogWeight(direction: [1], lambda: lambda) }
    }

    @Test("input errors: dimensions, bad samples, bad directions")
    func inputErrors() throws {
        let uni = try ImportanceWeights(.normal(source: Normal(), target: Normal(mean: 1)))
        expectError(PolytailError.dimensionMismatch(what: "point dimension", expected: 1, got: 2)) {
            try uni.logWeights(Matrix(rowArrays: [[0, 1]]))
        }
        expectError(PolytailError.dimensionMismatch(what: "direction", expected: 1, got: 2)) {
            try uni.limitLogWeight(direction: [1, 0])
        }
        expectError(PolytailError.invalidParameter(name: "direction", value: 0, requirement: "must be non-zero and finite")) {
            try uni.limitLogWeight(direction: [0])
        }
        let mvn2 = try MultivariateNormal(mean: [0, 0], covariance: .identity(2))
        let mvn3 = try MultivariateNormal(mean: [0, 0, 0], covariance: .identity(3))
        expectError(PolytailError.dimensionMismatch(what: "target density dimension", expected: 2, got: 3)) {
            try ImportanceWeights(.multivariateNormal(source: mvn2, target: mvn3))
        }
        let bi = try ImportanceWeights(.multivariateNormal(source: mvn2, target: mvn2))
        expectError(PolytailError.dimensionMismatch(what: "point dimension (use a Matrix of points)", expected: 2, got: 1)) {
            try bi.logWeights([0.0, 1.0])
        }
        // Identical densities give weight 1 everywhere, even at the edge of the double range.
        #expect(try bi.weights(Matrix(rowArrays: [[1e308, -1e308], [0, 0]])) == [1, 1])
        // Sample errors come from the fits.
        expectError(PolytailError.emptyData) { try ImportanceWeights.fit(source: [], target: [1, 2]) }
        expectError(PolytailError.nonFiniteValue(row: 1, column: nil)) { try ImportanceWeights.fit(source: [1, 2], target: [1, .nan]) }
        expectError(PolytailError.constantData(column: nil)) { try ImportanceWeights.fit(source: [1, 1, 1], target: [1, 2]) }
        expectError(PolytailError.tooFewObservations(needed: 3, got: 2)) {
            try ImportanceWeights.fit(source: [1, 2], target: [1, 2, 3], family: .studentT(.estimated))
        }
        expectError(PolytailError.invalidParameter(name: "degreesOfFreedom", value: -1, requirement: "must be finite and > 0")) {
            try ImportanceWeights.fit(source: [1, 2, 3], target: [1, 2, 3], family: .studentT(.fixed(-1)))
        }
        expectError(PolytailError.dimensionMismatch(what: "target columns", expected: 2, got: 3)) {
            try ImportanceWeights.fit(source: Matrix(rows: 4, columns: 2, elements: [Double](repeating: 1, count: 8)),
                                      target: Matrix(rows: 4, columns: 3, elements: [Double](repeating: 1, count: 12)))
        }
    }
}

@Suite("Weighted least squares") struct WeightedLeastSquaresTests {
    static let fixture = CovariateShiftFixture.shared

    @Test("a weighted design matches numpy lstsq on √w-scaled rows")
    func design() throws {
        let f = Self.fixture.leastSquares
        let fit = try WeightedLeastSquares.fit(Matrix(rowArrays: f.design), response: f.response, weights: f.weights)
        #expect(fit.result.leastSquares!.rank == 4)
        for (a, b) in zip(fit.model.coefficients, f.coefficients) {
            #expect(Tolerance.isClose(a, b, relative: Tolerance.CovariateShift.leastSquaresRelative))
        }
        #expect(Tolerance.isClose(fit.result.leastSquares!.weightedResidualSumOfSquares, f.weightedResidualSumOfSquares, relative: Tolerance.CovariateShift.leastSquaresRelative))
        // Scaling all weights scales only the RSS.
        let scaled = try WeightedLeastSquares.fit(Matrix(rowArrays: f.design), response: f.response,
                                                  weights: f.weights.map { $0 * 1e200 })
        for (a, b) in zip(scaled.model.coefficients, fit.model.coefficients) { #expect(Tolerance.isClose(a, b, relative: Tolerance.CovariateShift.identity)) }
        #expect(Tolerance.isClose(scaled.result.leastSquares!.weightedResidualSumOfSquares, 1e200 * fit.result.leastSquares!.weightedResidualSumOfSquares, relative: Tolerance.CovariateShift.identity))
        let predicted = fit.model.predict(try Matrix(rowArrays: f.design))
        #expect(predicted.count == f.design.count)
    }

    @Test("polynomials of degree 0–10 on x ∈ [1000, 1010] match an 80-digit fit",
          arguments: Array(CovariateShiftFixture.shared.polynomial.fits.indices))
    func polynomial(_ index: Int) throws {
        let p = Self.fixture.polynomial
        let ref = p.fits[index]
        let fit = try WeightedLeastSquares.fit(p.x, response: p.y, degree: ref.degree, weights: p.weights)
        #expect(fit.result.leastSquares!.rank == ref.degree + 1)
        for (x, r) in zip(p.grid, ref.predictions) {
            #expect(Tolerance.isClose(fit.model.predict(x), r.value, relative: 0, absolute: Tolerance.CovariateShift.polynomialAbsolute),
                    "degree \(ref.degree) at \(x)")
        }
        #expect(Tolerance.isClose(fit.result.leastSquares!.weightedResidualSumOfSquares, ref.weightedResidualSumOfSquares.value,
                                  relative: Tolerance.CovariateShift.leastSquaresRelative))
        if ref.degree <= 1 {
            for (a, b) in zip(fit.model.coefficients, ref.coefficients) { #expect(Tolerance.isClose(a, b.value, relative: Tolerance.CovariateShift.leastSquaresRelative)) }
        }
    }

    @Test("line and quadratic match numpy polyfit; coefficients in x round-trip")
    func numpyPolyfit() throws {
        let f = Self.fixture.numpyPolynomial
        let line = try WeightedLeastSquares.fit(f.x, response: f.y, weights: f.weights)
        let quad = try WeightedLeastSquares.fit(f.x, response: f.y, degree: 2, weights: f.weights)
        for (a, b) in zip(line.model.coefficients, f.line) { #expect(Tolerance.isClose(a, b, relative: Tolerance.CovariateShift.leastSquaresRelative)) }
        for (a, b) in zip(quad.model.coefficients, f.quadratic) { #expect(Tolerance.isClose(a, b, relative: Tolerance.CovariateShift.leastSquaresRelative)) }
        for x in [-2.0, 0, 1.3, 3] {
            let fromX = quad.model.coefficients.reversed().reduce(0) { $0 * x + $1 }
            #expect(Tolerance.isClose(quad.model.predict(x), fromX, relative: Tolerance.CovariateShift.identity, absolute: Tolerance.CovariateShift.identity))
        }
    }

    @Test("zero weights drop rows")
    func zeroWeights() throws {
        let x = [0.0, 1, 2, 3, 100]
        let y = [1.25, 2.75, 5.25, 6.75, -1000]
        let fit = try WeightedLeastSquares.fit(x, response: y, weights: [1, 1, 1, 1, 0])
        let all = try WeightedLeastSquares.fit(Array(x.prefix(4)), response: Array(y.prefix(4)))
        for (a, b) in zip(fit.model.coefficients, all.model.coefficients) {
            #expect(Tolerance.isClose(a, b, relative: Tolerance.CovariateShift.identity))
        }
        #expect(fit.result.observationCount == 4)
        #expect(fit.result.leastSquares!.residuals[4] == -1000 - fit.model.predict(100))
        // Degree 0 on a single x value is the weighted mean.
        let constant = try WeightedLeastSquares.fit([2, 2, 2], response: [1, 2, 6], degree: 0, weights: [1, 1, 2])
        #expect(Tolerance.isClose(constant.model.predict(5), 15.0 / 4, relative: Tolerance.CovariateShift.identity))
    }

    @Test("a perfect fit throws: residuals 0 or at rounding error leave σ̂² = 0 and ℓ unbounded")
    func perfectFit() throws {
        // Exactly on a line (residuals round to 0) and on a line with decimal coefficients
        // (residuals of a few ulps): the same case.
        expectError(PolytailError.perfectFit) { try WeightedLeastSquares.fit([0, 1, 2, 3], response: [1, 3, 5, 7]) }
        let x = (0..<50).map { Double($0) * 0.37 }
        expectError(PolytailError.perfectFit) { try WeightedLeastSquares.fit(x, response: x.map { 0.1 + 0.3 * $0 }) }
        expectError(PolytailError.perfectFit) {
            try WeightedLeastSquares.fit(x, response: x.map { 0.1 + 0.3 * $0 - 0.7 * $0 * $0 }, degree: 2, weights: x.map { 1 + $0 })
        }
        expectError(PolytailError.perfectFit) { try WeightedLeastSquares.fit([1, 2, 3], response: [4, 4, 4], degree: 0) }
        expectError(PolytailError.perfectFit) {
            try WeightedLeastSquares.fit(Matrix(rowArrays: [[1, 0], [1, 1], [1, 2]]), response: [0, 0, 0])
        }
        // A residual of 10⁻¹² of the response is data, not rounding: a finite ℓ.
        let near = try WeightedLeastSquares.fit([0, 1, 2, 3], response: [1, 3, 5 + 1e-12, 7])
        #expect(near.result.logLikelihood.isFinite && near.result.logLikelihood > 0)
        #expect(near.result.covariance != nil)
    }

    @Test("responses near the double range: finite ℓ, R², σ̂² and covariance, equivariant in scale")
    func extremeScales() throws {
        let x = (0..<20).map { Double($0) }
        let y = x.map { 1 + 0.5 * $0 + sin(3 * $0) }
        let base = try WeightedLeastSquares.fit(x, response: y)
        let baseSummary = try #require(base.result.leastSquares)
        // 2ᵏ with k = ±500: responses near 10^±150, whose squares are near the double range's ends.
        for k in [-500, -300, 300, 500] {
            let c = Double(sign: .plus, exponent: k, significand: 1)
            let fit = try WeightedLeastSquares.fit(x, response: y.map { $0 * c })
            let summary = try #require(fit.result.leastSquares)
            #expect(fit.result.logLikelihood.isFinite)
            // ℓ(cy) = ℓ(y) − n log c for Gaussian errors on cy.
            #expect(Tolerance.isClose(fit.result.logLikelihood, base.result.logLikelihood - 20 * Double(k) * M_LN2,
                                      relative: Tolerance.CovariateShift.identity, absolute: Tolerance.CovariateShift.identity))
            #expect(Tolerance.isClose(summary.rSquared, baseSummary.rSquared, relative: Tolerance.CovariateShift.identity))
            #expect(summary.residualVariance.isFinite && summary.weightedResidualSumOfSquares.isFinite)
            for (a, b) in zip(fit.model.coefficients, base.model.coefficients) {
                #expect(Tolerance.isClose(a, b * c, relative: Tolerance.CovariateShift.identity, absolute: 0))
            }
        }
        // Σwᵢrᵢ² and σ̂² beyond the double range (residuals near 10³⁰⁰ square to 10⁶⁰⁰, near
        // 10⁻³⁰⁰ to 0): a specific error, not an infinite or zero variance.
        for c in [1e300, 1e-300] {
            expectError(PolytailError.numericalFailure("the residual sum of squares of the least-squares fit leaves the double range; rescale the response")) {
                try WeightedLeastSquares.fit(x, response: y.map { $0 * c })
            }
        }
    }

    @Test("error paths")
    func errors() throws {
        let design = try Matrix(rowArrays: [[1, 0], [1, 1], [1, 2]])
        expectError(PolytailError.invalidWeight(row: nil)) {
            try WeightedLeastSquares.fit(design, response: [1, 2, 3], weights: [0, 0, 0])
        }
        expectError(PolytailError.invalidWeight(row: 1)) {
            try WeightedLeastSquares.fit(design, response: [1, 2, 3], weights: [1, -1, 1])
        }
        expectError(PolytailError.nonFiniteValue(row: 2, column: nil)) {
            try WeightedLeastSquares.fit(design, response: [1, 2, .nan])
        }
        expectError(PolytailError.nonFiniteValue(row: 1, column: 1)) {
            try WeightedLeastSquares.fit(Matrix(rowArrays: [[1, 0], [1, .infinity], [1, 2]]), response: [1, 2, 3])
        }
        expectError(PolytailError.dimensionMismatch(what: "response", expected: 3, got: 2)) {
            try WeightedLeastSquares.fit(design, response: [1, 2])
        }
        expectError(PolytailError.dimensionMismatch(what: "weights", expected: 3, got: 1)) {
            try WeightedLeastSquares.fit(design, response: [1, 2, 3], weights: [1])
        }
        expectError(PolytailError.emptyData) {
            try WeightedLeastSquares.fit(Matrix(rows: 0, columns: 2, elements: []), response: [])
        }
        expectError(PolytailError.tooFewObservations(needed: 3, got: 1)) {
            try WeightedLeastSquares.fit(design, response: [1, 2, 3], weights: [0, 1, 0])
        }
        // n = p: σ² has no residual degree of freedom.
        expectError(PolytailError.tooFewObservations(needed: 3, got: 2)) {
            try WeightedLeastSquares.fit(design, response: [1, 2, 3], weights: [1, 1, 0])
        }
        expectError(PolytailError.rankDeficient(what: "design matrix", rank: 2, columns: 3)) {
            try WeightedLeastSquares.fit(Matrix(rowArrays: [[1, 0, 2], [1, 1, 3], [1, 2, 4], [1, 5, 7]]), response: [1, 2, 3, 4])
        }
        expectError(PolytailError.rankDeficient(what: "design matrix", rank: 1, columns: 2)) {
            try WeightedLeastSquares.fit(Matrix(rowArrays: [[1, 0], [1, 0], [1, 0]]), response: [1, 2, 3])
        }
        expectError(PolytailError.invalidParameter(name: "rankTolerance", value: -1, requirement: "must be finite and ≥ 0")) {
            try WeightedLeastSquares.fit(design, response: [1, 2, 3], rankTolerance: -1)
        }
        // Polynomials.
        expectError(PolytailError.tooFewObservations(needed: 3, got: 1)) { try WeightedLeastSquares.fit([1], response: [2]) }
        expectError(PolytailError.tooFewObservations(needed: 3, got: 2)) { try WeightedLeastSquares.fit([0, 1], response: [1, 3]) }
        expectError(PolytailError.tooFewObservations(needed: 1 + 1, got: 1)) { try WeightedLeastSquares.fit([5], response: [2], degree: 0) }
        expectError(PolytailError.emptyData) { try WeightedLeastSquares.fit([], response: []) }
        expectError(PolytailError.dimensionMismatch(what: "response", expected: 2, got: 3)) { try WeightedLeastSquares.fit([1, 2], response: [1, 2, 3]) }
        expectError(PolytailError.nonFiniteValue(row: 0, column: nil)) { try WeightedLeastSquares.fit([.nan, 2], response: [1, 2]) }
        expectError(PolytailError.invalidWeight(row: nil)) { try WeightedLeastSquares.fit([1, 2], response: [1, 2], weights: [0, 0]) }
        expectError(PolytailError.rankDeficient(what: "polynomial design (x takes a single value)", rank: 1, columns: 2)) {
            try WeightedLeastSquares.fit([3, 3, 3], response: [1, 2, 3])
        }
        expectError(PolytailError.rankDeficient(what: "polynomial design (too few distinct x)", rank: 3, columns: 4)) {
            try WeightedLeastSquares.fit([0, 1, 2, 0, 1, 2], response: [1, 2, 3, 4, 5, 6], degree: 3)
        }
        expectError(PolytailError.invalidParameter(name: "degree", value: -1, requirement: "must be in 0…30")) {
            try WeightedLeastSquares.fit([1, 2], response: [1, 2], degree: -1)
        }
    }
}
