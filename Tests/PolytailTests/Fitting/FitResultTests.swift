import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// Covariances of the fits against the inverse of a central-difference Hessian of ℓ
    /// (truncation and rounding of the second differences are both near 10⁻⁸ relative).
    static let fitResultNumericalHessian = 2e-5
}

/// The inverse of −∇²ℓ(θ) by central second differences of the log-likelihood alone —
/// independent of the fits' analytic derivatives.
func numericalCovariance(at theta: [Double], steps: [Double], _ logLikelihood: ([Double]) -> Double) throws -> [Double] {
    let k = theta.count
    func value(_ p: Int, _ sp: Double, _ q: Int, _ sq: Double) -> Double {
        var t = theta
        t[p] += sp * steps[p]
        t[q] += sq * steps[q]
        return logLikelihood(t)
    }
    var negH = [Double](repeating: 0, count: k * k)
    for p in 0..<k {
        for q in 0...p {
            let second: Double
            if p == q {
                var plus = theta, minus = theta
                plus[p] += steps[p]; minus[p] -= steps[p]
                second = (logLikelihood(plus) - 2 * logLikelihood(theta) + logLikelihood(minus)) / (steps[p] * steps[p])
            } else {
                second = (value(p, 1, q, 1) - value(p, 1, q, -1) - value(p, -1, q, 1) + value(p, -1, q, -1))
                    / (4 * steps[p] * steps[q])
            }
            negH[p * k + q] = -second
            negH[q * k + p] = -second
        }
    }
    return try Lapack.solvePositiveDefinite(negH, n: k, Matrix.identity(k).elements, columns: k, what: "numerical information")
}

/// Every entry of `covariance` against the numerical one, relative to √(cᵢᵢcⱼⱼ).
func expectCovariance(_ covariance: Matrix?, _ numerical: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
    guard let c = covariance else {
        Issue.record("no covariance", sourceLocation: sourceLocation)
        return
    }
    let k = c.rows
    #expect(numerical.count == k * k, sourceLocation: sourceLocation)
    for i in 0..<k {
        for j in 0..<k {
            let scale = (numerical[i * k + i] * numerical[j * k + j]).squareRoot()
            #expect(abs(c[i, j] - numerical[i * k + j]) <= Tolerance.fitResultNumericalHessian * scale,
                    "(\(i), \(j)): \(c[i, j]) vs \(numerical[i * k + j])", sourceLocation: sourceLocation)
        }
    }
}

@Suite("FitResult: covariance, intervals, tail test") struct FitResultTests {
    static func sample(_ n: Int, nu: Double, seed: UInt64) -> [Double] {
        var g = PolytailRandom(seed: seed)
        return try! StudentT(degreesOfFreedom: nu, location: 1, scale: 2).sample(n, using: &g)
    }

    @Test("normal: covariance equals the numerical inverse Hessian; AIC, BIC, counts")
    func normal() throws {
        let x = Self.sample(200, nu: 5, seed: 1)
        let w = x.indices.map { Double($0 % 4) }  // some zero weights
        let f = try Normal.fit(x, weights: w)
        #expect(f.result.parameters == [.mean, .standardDeviation])
        #expect(f.result.estimates == [f.model.mean, f.model.standardDeviation])
        let numerical = try numericalCovariance(at: f.result.estimates, steps: [1e-4, 1e-4]) { t in
            (try? Normal(mean: t[0], standardDeviation: t[1]))?.logLikelihood(x, weights: w) ?? -.infinity
        }
        expectCovariance(f.result.covariance, numerical)
        #expect(f.result.observationCount == 150 && f.result.sampleSize == w.reduce(0, +))
        #expect(f.result.parameterCount == 2)
        #expect(f.result.aic == -2 * f.result.logLikelihood + 4)
        #expect(f.result.bic == -2 * f.result.logLikelihood + 2 * log(w.reduce(0, +)))
        #expect(f.result.covarianceEstimator == .observedInformation)
    }

    @Test("Student t, ν estimated, weighted: covariance of (μ, σ, ν) equals the numerical one")
    func studentT() throws {
        let x = Self.sample(400, nu: 4, seed: 2)
        let w = x.indices.map { 0.5 + Double($0 % 3) }
        let f = try StudentT.fit(x, weights: w)
        #expect(f.result.parameters == [.location, .scale, .degreesOfFreedom] && f.result.parameterCount == 3)
        let d = f.model
        let numerical = try numericalCovariance(at: [d.location, d.scale, d.degreesOfFreedom],
                                                steps: [1e-4 * d.scale, 1e-4 * d.scale, 1e-4 * d.degreesOfFreedom]) { t in
            (try? StudentT(degreesOfFreedom: t[2], location: t[0], scale: t[1]))?.logLikelihood(x, weights: w) ?? -.infinity
        }
        expectCovariance(f.result.covariance, numerical)
        // The covariance is symmetric and its standard errors are its diagonal's roots.
        let c = try #require(f.result.covariance)
        #expect(c[0, 2] == c[2, 0])
        #expect(f.result.standardError(.degreesOfFreedom) == c[2, 2].squareRoot())
    }

    @Test("Student t, ν fixed: (μ, σ) only, k = 2")
    func studentTFixed() throws {
        let x = Self.sample(300, nu: 3, seed: 3)
        let f = try StudentT.fit(x, degreesOfFreedom: .fixed(3))
        #expect(f.result.parameters == [.location, .scale] && f.result.parameterCount == 2 && f.result.tailTest == nil)
        let numerical = try numericalCovariance(at: f.result.estimates, steps: [1e-4, 1e-4]) { t in
            (try? StudentT(degreesOfFreedom: 3, location: t[0], scale: t[1]))?.logLikelihood(x) ?? -.infinity
        }
        expectCovariance(f.result.covariance, numerical)
    }

    static func bivariate(_ n: Int, seed: UInt64, nu: Double?) throws -> Matrix {
        var g = PolytailRandom(seed: seed)
        var rows: [[Double]] = []
        for _ in 0..<n {
            let s = nu.map { (g.chiSquared($0) / $0).squareRoot() } ?? 1
            let z1 = g.standardNormal(), z2 = g.standardNormal()
            rows.append([1 + z1 / s, -2 + (0.6 * z1 + 0.8 * z2) / s])
        }
        return try Matrix(rowArrays: rows)
    }

    @Test("multivariate normal: closed-form covariance equals the numerical one")
    func multivariateNormal() throws {
        let x = try Self.bivariate(300, seed: 4, nu: nil)
        let f = try MultivariateNormal.fit(x)
        #expect(f.result.parameters == [.meanComponent(0), .meanComponent(1), .covariance(0, 0), .covariance(0, 1), .covariance(1, 1)])
        #expect(f.result.parameterCount == 5)
        let numerical = try numericalCovariance(at: f.result.estimates, steps: [Double](repeating: 1e-4, count: 5)) { t in
            guard let m = try? MultivariateNormal(mean: [t[0], t[1]], covariance: Matrix(rowArrays: [[t[2], t[3]], [t[3], t[4]]]))
            else { return -.infinity }
            return m.logDensities(x).reduce(0, +)
        }
        expectCovariance(f.result.covariance, numerical)
    }

    @Test("multivariate t, weighted, ν estimated: covariance equals the numerical one; tail test")
    func multivariateT() throws {
        let x = try Self.bivariate(400, seed: 5, nu: 5)
        let w = (0..<400).map { Double($0 % 2) + 1 }
        let f = try MultivariateT.fit(x, weights: w)
        #expect(f.result.parameters == [.locationComponent(0), .locationComponent(1), .scatter(0, 0), .scatter(0, 1), .scatter(1, 1),
                                        .degreesOfFreedom])
        let nu = f.model.degreesOfFreedom
        let numerical = try numericalCovariance(at: f.result.estimates, steps: [1e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4 * nu]) { t in
            guard let m = try? MultivariateT(location: [t[0], t[1]], scatter: Matrix(rowArrays: [[t[2], t[3]], [t[3], t[4]]]),
                                             degreesOfFreedom: t[5])
            else { return -.infinity }
            return zip(m.logDensities(x), w).reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectCovariance(f.result.covariance, numerical)
        let normal = try MultivariateNormal.fit(x, weights: w)
        let test = try #require(f.result.tailTest)
        #expect(test.normalLogLikelihood == normal.result.logLikelihood)
        #expect(test.statistic == 2 * (f.result.logLikelihood - normal.result.logLikelihood) && test.pValue < 1e-6)
    }

    @Test("Wald intervals: θ̂ ± z·se, z from GSL; an invalid level throws")
    func intervals() throws {
        let f = try Normal.fit(Self.sample(100, nu: 10, seed: 6))
        let se = try #require(f.result.standardError(.mean))
        let interval = try #require(try f.result.confidenceInterval(.mean, level: 0.95))
        // qnorm(0.975) = 1.959963984540054 (R, scipy).
        #expect(Tolerance.isClose(interval.upperBound - f.model.mean, 1.959963984540054 * se, relative: 1e-14))
        #expect(Tolerance.isClose(f.model.mean - interval.lowerBound, 1.959963984540054 * se, relative: 1e-14))
        let all = try #require(try f.result.confidenceIntervals(level: 0.9))
        #expect(all.count == 2 && Tolerance.isClose(all[1].upperBound - f.model.standardDeviation,
                                                    1.6448536269514722 * f.result.standardError(.standardDeviation)!, relative: 1e-14))
        #expect(try f.result.confidenceInterval(.degreesOfFreedom) == nil)
        for level in [0.0, 1, -0.5, .nan] {
            #expect(throws: PolytailError.self) { try f.result.confidenceInterval(.mean, level: level) }
        }
    }

    @Test("results and fitted models round-trip through JSON; corrupt results throw")
    func codable() throws {
        let f = try StudentT.fit(Self.sample(200, nu: 4, seed: 7))
        let data = try JSONEncoder().encode(f)
        #expect(try JSONDecoder().decode(Fitted<StudentT>.self, from: data) == f)
        let bad = String(decoding: try JSONEncoder().encode(f.result), as: UTF8.self)
            .replacingOccurrences(of: "\"parameterCount\":3", with: "\"parameterCount\":3,\"ignored\":0")
            .replacingOccurrences(of: "\"estimates\":[", with: "\"estimates\":[1,")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FitResult.self, from: Data(bad.utf8)) }
    }

    @Test("tail-test p-value: ½ P(χ²₁ > LR) against erfc; 1 at LR = 0")
    func tailPValue() {
        #expect(TailTest.pValue(statistic: 0) == 1)
        #expect(TailTest.pValue(statistic: .nan).isNaN)
        // P(χ²₁ > q) = erfc(√(q/2)) (libm, independent of GSL's normal tail).
        for q in [1e-8, 0.01, 0.5, 2.70554345409542, 30, 300] {
            #expect(Tolerance.isClose(TailTest.pValue(statistic: q), 0.5 * erfc((q / 2).squareRoot()), relative: 1e-13), "\(q)")
        }
        // The 5% critical value of ½χ²₀ + ½χ²₁ is the χ²₁ 10% point, 2.70554345409542.
        #expect(Tolerance.isClose(TailTest.pValue(statistic: 2.70554345409542), 0.05, relative: 1e-12))
        let test = TailTest(tLogLikelihood: -10, normalLogLikelihood: -10.5)
        #expect(test.statistic == 1 && test.pValue == TailTest.pValue(statistic: 1))
        #expect(TailTest(tLogLikelihood: -10.5, normalLogLikelihood: -10).statistic == 0)
    }

    @Test("the tail test under its null: half the normal samples give LR = 0; its size is near nominal")
    func tailTestSimulation() throws {
        // 400 normal samples of n = 200: LR = 0 (ν̂ = ∞) in about half — a little more at this
        // n, where the sample kurtosis is biased low (E b₂ = 3 − 6/(n+1)); measured 0.605, binomial
        // sd 0.025 — and p < 0.05 in about 5% (the asymptotics; conservative at this n,
        // measured 0.0225).
        var g = PolytailRandom(seed: 2022)
        var zeros = 0, rejections = 0
        let trials = 400
        for _ in 0..<trials {
            let x = (0..<200).map { _ in g.standardNormal() }
            let test = try #require(try StudentT.fit(x).result.tailTest)
            if test.statistic == 0 { zeros += 1 }
            if test.pValue < 0.05 { rejections += 1 }
        }
        let zeroShare = Double(zeros) / Double(trials), size = Double(rejections) / Double(trials)
        print("tail test under H0: LR = 0 in \(zeroShare), size at 5%: \(size)")
        #expect(zeroShare > 0.45 && zeroShare < 0.72)
        #expect(size > 0.015 && size < 0.09)
        // Under t(4) data of the same size the test rejects nearly always.
        var power = 0
        for _ in 0..<50 {
            let x = (0..<200).map { _ in g.standardT(4) }
            if try #require(try StudentT.fit(x).result.tailTest).pValue < 0.05 { power += 1 }
        }
        #expect(power >= 40)
    }
}

@Suite("Student t at ν = ∞") struct StudentTNormalLimitTests {
    @Test("every member equals the normal's")
    func members() throws {
        let t = try StudentT(degreesOfFreedom: .infinity, location: 1.5, scale: 0.25)
        let n = try Normal(mean: 1.5, standardDeviation: 0.25)
        #expect(t.isNormalLimit && t.normalLimit == n)
        for x in [-1e300, -40.0, -3, 0, 1.5, 1.7, 4, 40, 1e300, .infinity, -.infinity] {
            #expect(t.logDensity(x) == n.logDensity(x), "\(x)")
            #expect(t.density(x) == n.density(x))
            #expect(t.cdf(x) == n.cdf(x) && t.survival(x) == n.survival(x), "\(x)")
        }
        // Far tails keep their logarithms (log Φ(−14) = −101.5630…, mpmath).
        #expect(Tolerance.isClose(t.logCDF(1.5 - 14 * 0.25), -101.56303440744996, relative: 1e-13))
        #expect(Tolerance.isClose(t.logSurvival(1.5 + 14 * 0.25), -101.56303440744996, relative: 1e-13))
        for p in [1e-300, 1e-10, 0.025, 0.5, 0.9, 1 - 1e-12] { #expect(t.quantile(p) == n.quantile(p)) }
        var a = PolytailRandom(seed: 9), b = PolytailRandom(seed: 9)
        #expect(t.sample(20, using: &a) == n.sample(20, using: &b))
        #expect(t.logDensity(.nan).isNaN && t.cdf(.nan).isNaN)
    }

    @Test("JSON writes ν = ∞ as \"Infinity\" and reads it back; other strings throw")
    func codable() throws {
        let t = try StudentT(degreesOfFreedom: .infinity, location: 1, scale: 2)
        let text = String(decoding: try JSONEncoder().encode(t), as: UTF8.self)
        #expect(text.contains("\"degreesOfFreedom\":\"Infinity\""))
        #expect(try JSONDecoder().decode(StudentT.self, from: Data(text.utf8)) == t)
        for bad in ["\"inf\"", "\"NaN\"", "-1", "\"-Infinity\"", "0"] {
            let json = "{\"degreesOfFreedom\":\(bad),\"location\":0,\"scale\":1}"
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(StudentT.self, from: Data(json.utf8)) }
        }
        let finite = try StudentT(degreesOfFreedom: 3.5)
        #expect(try JSONDecoder().decode(StudentT.self, from: JSONEncoder().encode(finite)) == finite)
    }

    @Test("importance weights between a t at ν = ∞ and a t with finite ν")
    func mixedImportanceWeights() throws {
        let s = try StudentT(degreesOfFreedom: .infinity, location: 0, scale: 1)
        let t = try StudentT(degreesOfFreedom: 3, location: 0.5, scale: 2)
        let forward = try ImportanceWeights(.studentT(source: s, target: t))
        let backward = try ImportanceWeights(.studentT(source: t, target: s))
        for x in [-30.0, -1, 0, 2, 20] {
            let expected = t.logDensity(x) - s.logDensity(x)
            #expect(Tolerance.isClose(try forward.logWeights([x])[0], expected, relative: 1e-13), "\(x)")
            #expect(Tolerance.isClose(try backward.logWeights([x])[0], -expected, relative: 1e-13), "\(x)")
        }
        // Far out the normal source's density vanishes first: the weight grows, never NaN.
        let far = try forward.logWeights([1e200, -.infinity])
        #expect(far.allSatisfy { !$0.isNaN && $0 > 0 })
        #expect(try backward.logWeights([1e200, .infinity]).allSatisfy { !$0.isNaN && $0 < 0 })
    }

    @Test("uniform data at n = 100: ν = ∞ with the normal's estimates, log-likelihood and covariance")
    func uniformFit() throws {
        var g = PolytailRandom(seed: 100)
        let x = (0..<100).map { _ in 2 * g.uniformPositive() - 1 }
        let t = try StudentT.fit(x)
        let n = try Normal.fit(x)
        #expect(t.model.degreesOfFreedom == .infinity && t.result.dfAtBound)
        #expect(t.model.location == n.model.mean && t.model.scale == n.model.standardDeviation)
        #expect(t.result.logLikelihood == n.result.logLikelihood)
        #expect(t.result.covariance == n.result.covariance && t.result.parameters == [.location, .scale])
        #expect(t.result.parameterCount == 3 && t.result.aic == n.result.aic + 2)
        // A finite maximum is still respected: ν stops there, below the normal's supremum.
        let capped = try StudentT.fit(x, degreesOfFreedom: .estimated(maximum: 1e6))
        #expect(capped.model.degreesOfFreedom == 1e6 && capped.result.dfAtBound)
        #expect(capped.result.logLikelihood < n.result.logLikelihood)
    }
}
