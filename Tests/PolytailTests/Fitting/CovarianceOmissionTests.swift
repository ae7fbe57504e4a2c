import Foundation
import Testing
@testable import Polytail

/// Every fit that lists parameters without a covariance says why (`covarianceOmission`), and
/// then reports no standard errors and no intervals — `nil`, never NaN. One case per reason
/// each fit family can give, and the invariant the decoder checks.
@Suite("Why a covariance is missing")
struct CovarianceOmissionTests {
    /// A result's inference is either complete or absent with its reason: a covariance and no
    /// reason, or no covariance, no standard errors, no intervals and `reason`.
    static func expectOmitted(_ r: FitResult, _ reason: CovarianceOmission, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(!r.parameters.isEmpty, sourceLocation: sourceLocation)
        #expect(r.covariance == nil && r.covarianceOmission == reason, "\(String(describing: r.covarianceOmission))",
                sourceLocation: sourceLocation)
        #expect(r.standardErrors == nil, sourceLocation: sourceLocation)
        #expect(try r.confidenceIntervals() == nil, sourceLocation: sourceLocation)
        for p in r.parameters {
            let interval = try r.confidenceInterval(p)
            #expect(r.standardError(p) == nil && interval == nil, sourceLocation: sourceLocation)
            #expect(r.estimate(p)?.isNaN == false, sourceLocation: sourceLocation)
        }
    }

    static func expectCovariance(_ r: FitResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(r.covarianceOmission == nil, "\(String(describing: r.covarianceOmission))", sourceLocation: sourceLocation)
        let se = try #require(r.standardErrors, sourceLocation: sourceLocation)
        #expect(se.count == r.parameters.count && se.allSatisfy { $0.isFinite && $0 > 0 }, sourceLocation: sourceLocation)
    }

    static func heavyTailed(_ n: Int, nu: Double = 3, seed: UInt64) -> [Double] {
        var rng = PolytailRandom(seed: seed)
        return (0..<n).map { _ in 5 + 2 * rng.standardT(nu) }
    }

    static func gaussianMatrix(rows: Int, columns: Int, seed: UInt64, heavy: Bool = false) throws -> Matrix {
        var rng = PolytailRandom(seed: seed)
        let e = (0..<(rows * columns)).map { _ in heavy ? rng.standardT(4) : rng.standardNormal() }
        return try Matrix(rows: rows, columns: columns, elements: e)
    }

    // MARK: Univariate

    @Test("normal: a covariance, or outsideDoubleRange for subnormal data and tiny weights")
    func normal() throws {
        let x = Self.heavyTailed(200, seed: 1)
        try Self.expectCovariance(try Normal.fit(x).result)
        // Distinct subnormal values: σ̂ ≈ 10⁻³¹⁰ is a double, σ̂² is not.
        let tiny = x.map { $0 * Subnormal.tenToMinus310 }
        let fit = try Normal.fit(tiny)
        #expect(fit.model.standardDeviation > 0)
        try Self.expectOmitted(fit.result, .outsideDoubleRange)
        // Equal frequencies of 5·10⁻³²⁴: the variances σ̂²/W overflow.
        try Self.expectOmitted(try Normal.fit(x, weights: [Double](repeating: Subnormal.smallest, count: x.count)).result, .outsideDoubleRange)
    }

    @Test("t: ν at its bound keeps location and scale's covariance; one iteration is notConverged")
    func studentT() throws {
        let x = Self.heavyTailed(400, seed: 2)
        let free = try StudentT.fit(x).result
        try Self.expectCovariance(free)
        #expect(free.parameters == [.location, .scale, .degreesOfFreedom])
        // ν pushed to a low maximum: ν is not listed, location and scale keep a covariance.
        let bounded = try StudentT.fit(x, degreesOfFreedom: .estimated(minimum: 0.5, maximum: 1.5)).result
        #expect(bounded.dfAtBound && bounded.parameters == [.location, .scale])
        try Self.expectCovariance(bounded)
        // Light tails: ν = ∞, the normal's covariance.
        var rng = PolytailRandom(seed: 3)
        let uniform = (0..<200).map { _ in rng.uniformPositive() }
        let limit = try StudentT.fit(uniform).result
        #expect(limit.dfAtBound && limit.parameters == [.location, .scale])
        try Self.expectCovariance(limit)
        try Self.expectCovariance(try StudentT.fit(x, degreesOfFreedom: .fixed(3)).result)
        // Stopped after one Newton step.
        let stopped = try StudentT.fit(x, maxIterations: 1).result
        #expect(!stopped.converged)
        try Self.expectOmitted(stopped, .notConverged)
        // Subnormal data.
        try Self.expectOmitted(try StudentT.fit(x.map { $0 * Subnormal.tenToMinus310 }).result, .outsideDoubleRange)
    }

    @Test("normal and t by passes over the data: as in memory")
    func byPasses() throws {
        let x = Self.heavyTailed(400, seed: 4)
        func fits(_ x: [Double], maxIterations: Int = 200) throws -> (normal: FitResult, t: FitResult) {
            var statistics = NormalStatistics()
            try statistics.add(x)
            let t = try StudentT.fit(statistics: statistics, maxIterations: maxIterations) { (pass: inout StudentTPass) throws(PolytailError) in
                try pass.add(x)
            }
            return (try statistics.fit().result, t.result)
        }
        let usual = try fits(x)
        try Self.expectCovariance(usual.normal)
        try Self.expectCovariance(usual.t)
        let tiny = try fits(x.map { $0 * Subnormal.tenToMinus310 })
        try Self.expectOmitted(tiny.normal, .outsideDoubleRange)
        try Self.expectOmitted(tiny.t, .outsideDoubleRange)
        let stopped = try fits(x, maxIterations: 1).t
        #expect(!stopped.converged)
        try Self.expectOmitted(stopped, .notConverged)
    }

    @Test("noncentral t: a covariance, or outsideDoubleRange for subnormal data")
    func noncentralT() throws {
        let x = Self.heavyTailed(300, nu: 5, seed: 5).map { $0 + 0.5 * abs($0 - 5) }
        let fit = try NoncentralT.fit(x, degreesOfFreedom: .fixed(5))
        try Self.expectCovariance(fit.result)
        let tiny = try NoncentralT.fit(x.map { $0 * Subnormal.tenToMinus310 }, degreesOfFreedom: .fixed(5))
        try Self.expectOmitted(tiny.result, .outsideDoubleRange)
    }

    // MARK: Multivariate

    @Test("multivariate normal and t: a covariance up to 527 parameters, tooManyParameters above")
    func multivariate() throws {
        let small = try Self.gaussianMatrix(rows: 200, columns: 3, seed: 6, heavy: true)
        try Self.expectCovariance(try MultivariateNormal.fit(small).result)
        try Self.expectCovariance(try MultivariateT.fit(small).result)
        // d = 31 with ν fixed: 31 + 496 = 527 parameters, the cap; with ν free 528.
        let d31 = try Self.gaussianMatrix(rows: 80, columns: 31, seed: 7)
        let normal31 = try MultivariateNormal.fit(d31).result
        #expect(normal31.parameters.count == 527)
        try Self.expectCovariance(normal31)
        // d = 32: 560 parameters.
        let d32 = try Self.gaussianMatrix(rows: 80, columns: 32, seed: 8)
        try Self.expectOmitted(try MultivariateNormal.fit(d32).result, .tooManyParameters)
        let t = try MultivariateT.fit(d32, degreesOfFreedom: .fixed(5)).result
        #expect(t.converged)
        try Self.expectOmitted(t, .tooManyParameters)
    }

    @Test("multivariate t: one ECME iteration is notConverged")
    func multivariateTNotConverged() throws {
        let x = try Self.gaussianMatrix(rows: 200, columns: 2, seed: 9, heavy: true)
        let r = try MultivariateT.fit(x, maxIterations: 1).result
        #expect(!r.converged)
        try Self.expectOmitted(r, .notConverged)
    }

    // MARK: Groups

    static func classes(seed: UInt64, columns: Int = 2, perClass: Int = 60) throws -> (Matrix, [Int]) {
        var rng = PolytailRandom(seed: seed)
        var e: [Double] = [], labels: [Int] = []
        for k in 0..<2 {
            for _ in 0..<perClass {
                for j in 0..<columns { e.append(rng.standardT(4) + (j == 0 ? 3.0 * Double(k) : 0)) }
                labels.append(k)
            }
        }
        return (try Matrix(rows: 2 * perClass, columns: columns, elements: e), labels)
    }

    @Test("discriminant analysis: tooManyParameters, notConverged per class; shared parameters overall")
    func discriminant() throws {
        let (x, y) = try Self.classes(seed: 10)
        // Normal, shared covariance: each class's mean keeps its covariance.
        let lda = try DiscriminantAnalysis.fit(x, labels: y).result
        #expect(lda.parameters.isEmpty && lda.covarianceOmission == nil)
        for r in try #require(lda.groupResults) { try Self.expectCovariance(r) }
        // t, per-class scatter and ν: separate, with covariance.
        let own = try DiscriminantAnalysis.fit(x, labels: y, family: .studentT(.estimatedPerGroup()), scatter: .perClass).result
        for r in try #require(own.groupResults) { try Self.expectCovariance(r) }
        // t with a shared scatter, or a tied ν: estimated jointly, covariances from the joint
        // information; the whole lists the shared parameters with theirs.
        let shared = try DiscriminantAnalysis.fit(x, labels: y, family: .studentT(.estimated), scatter: .shared).result
        for r in try #require(shared.groupResults) { try Self.expectCovariance(r) }
        try Self.expectCovariance(shared)
        let tied = try DiscriminantAnalysis.fit(x, labels: y, family: .studentT(.estimated), scatter: .perClass).result
        for r in try #require(tied.groupResults) { try Self.expectCovariance(r) }
        #expect(tied.parameters == [.degreesOfFreedom])
        try Self.expectCovariance(tied)
        // A shared scatter with a ν per class: joint too, the whole lists the scatter.
        let sharedOwn = try DiscriminantAnalysis.fit(x, labels: y, family: .studentT(.estimatedPerGroup()), scatter: .shared).result
        for r in try #require(sharedOwn.groupResults) {
            try Self.expectCovariance(r)
            #expect(r.parameters.last == .degreesOfFreedom)
        }
        #expect(sharedOwn.parameters == [.scatter(0, 0), .scatter(0, 1), .scatter(1, 1)])
        try Self.expectCovariance(sharedOwn)
        // One ECME iteration.
        let stopped = try DiscriminantAnalysis.fit(x, labels: y, family: .studentT(.estimatedPerGroup()), scatter: .perClass,
                                                   maxIterations: 1).result
        #expect(!stopped.converged)
        for r in try #require(stopped.groupResults) { try Self.expectOmitted(r, .notConverged) }
        // A per-class normal matrix in 32 dimensions: 560 parameters per class.
        let (wide, labels) = try Self.classes(seed: 11, columns: 32, perClass: 40)
        let qda = try DiscriminantAnalysis.fit(wide, labels: labels, scatter: .perClass).result
        for r in try #require(qda.groupResults) { try Self.expectOmitted(r, .tooManyParameters) }
        let wideLDA = try DiscriminantAnalysis.fit(wide, labels: labels).result
        for r in try #require(wideLDA.groupResults) { try Self.expectCovariance(r) }  // 32 means each
    }

    @Test("importance weights: each domain as its own fit; a tied ν with its joint covariance")
    func importanceWeights() throws {
        let s = Self.heavyTailed(300, seed: 12), t = Self.heavyTailed(300, seed: 13).map { $0 + 1 }
        let tied = try ImportanceWeights.fit(source: s, target: t, family: .studentT(.estimated)).result
        #expect(tied.parameters == [.degreesOfFreedom])
        try Self.expectCovariance(tied)
        for r in try #require(tied.groupResults) { try Self.expectCovariance(r) }
        let normal = try ImportanceWeights.fit(source: s.map { $0 * Subnormal.tenToMinus310 }, target: t.map { $0 * Subnormal.tenToMinus310 }).result
        #expect(normal.parameters.isEmpty && normal.covarianceOmission == nil)
        for r in try #require(normal.groupResults) { try Self.expectOmitted(r, .outsideDoubleRange) }
    }

    @Test("multivariate importance weights: a tied ν whose per-domain information would exceed 527 parameters")
    func multivariateImportanceWeights() throws {
        // d = 31: each domain 31 + 496 = 527 parameters at a fixed ν (a covariance), 528 with the
        // tied ν. (The profile search over ν takes minutes in a debug build, so the pair is
        // assembled here from the fixed-ν fits as `fit` does after the search.)
        let s = try Self.gaussianMatrix(rows: 70, columns: 31, seed: 17, heavy: true)
        let t = try Self.gaussianMatrix(rows: 70, columns: 31, seed: 18, heavy: true)
        let sFixed = try MultivariateT.fit(s, degreesOfFreedom: .fixed(4)), tFixed = try MultivariateT.fit(t, degreesOfFreedom: .fixed(4))
        #expect(sFixed.result.parameters.count == 527)
        try Self.expectCovariance(sFixed.result)
        var groups = [sFixed.result, tFixed.result]
        let variance = SharedParameters.multivariateT(
            &groups, samples: [s, t], locations: [sFixed.model.location, tFixed.model.location],
            scatters: [sFixed.model.scatter, tFixed.model.scatter], nu: [4, 4], estimatedNu: true, sharedScatter: false)
        #expect(variance == nil)
        // A domain's covariance at the fixed common ν would understate its errors: none.
        try Self.expectOmitted(groups[0], .tooManyParameters)
        try Self.expectOmitted(groups[1], .tooManyParameters)
        let pair = ImportanceWeights.joint(groups[0], groups[1], tiedDegreesOfFreedom: 4, variance: nil, otherwise: .tooManyParameters)
        #expect(pair.parameters == [.degreesOfFreedom])
        try Self.expectOmitted(pair, .tooManyParameters)
        // Univariate: the joint information of a tied ν.
        let u = Self.heavyTailed(200, seed: 19), v = Self.heavyTailed(200, seed: 20)
        var uFit = try StudentT.fit(u, degreesOfFreedom: .fixed(3)), vFit = try StudentT.fit(v, degreesOfFreedom: .fixed(3))
        let tiedVariance = ImportanceWeights.tiedCovariance(&uFit.result, ImportanceWeights.tInformation(u, uFit.model),
                                                            &vFit.result, ImportanceWeights.tInformation(v, vFit.model))
        #expect(tiedVariance.map { $0 > 0 } == true)
        try Self.expectCovariance(uFit.result)
        // Without the informations (not computed): the reason given.
        _ = ImportanceWeights.tiedCovariance(&uFit.result, nil, &vFit.result, nil)
        try Self.expectOmitted(vFit.result, .singularInformation)
    }

    // MARK: Least squares

    @Test("least squares: a covariance whenever σ² has a residual degree of freedom; outsideDoubleRange in powers of x")
    func leastSquares() throws {
        let x = try Matrix(rowArrays: [[1, 0], [1, 1], [1, 3], [1, 4]])
        try Self.expectCovariance(try WeightedLeastSquares.fit(x, response: [1, 2, 2, 5]).result)
        // Three rows, two coefficients: one residual degree of freedom is enough.
        try Self.expectCovariance(try WeightedLeastSquares.fit([0, 1, 3], response: [1, 3, 4]).result)
        // Abscissae of 10⁻¹¹⁰: the quadratic coefficient's variance (∝ s⁻⁴ ≈ 10⁴⁴⁰) overflows
        // while the coefficients themselves are doubles.
        let abscissae = (0..<12).map { Double($0) * 1e-111 }
        let response = abscissae.enumerated().map { 1 + Double($0.offset % 3) }
        let quadratic = try WeightedLeastSquares.fit(abscissae, response: response, degree: 2).result
        #expect(quadratic.estimates.allSatisfy { $0.isFinite })
        try Self.expectOmitted(quadratic, .outsideDoubleRange)
    }

    // MARK: The invariant

    @Test("decoding: a reason exactly when parameters are listed without a covariance")
    func decoderInvariant() throws {
        let fit = try Normal.fit(Self.heavyTailed(50, seed: 14)).result
        func object(_ r: FitResult) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: try JSONEncoder().encode(r)) as! [String: Any]
        }
        func decode(_ o: [String: Any]) throws -> FitResult {
            try JSONDecoder().decode(FitResult.self, from: try JSONSerialization.data(withJSONObject: o))
        }
        var o = try object(fit)
        #expect(try decode(o) == fit)
        o["covariance"] = nil
        #expect(throws: DecodingError.self) { try decode(o) }  // no covariance, no reason
        o["covarianceOmission"] = "singularInformation"
        #expect(try decode(o).covarianceOmission == .singularInformation)
        o["covarianceOmission"] = "noSuchReason"
        #expect(throws: DecodingError.self) { try decode(o) }
        // A reason beside a covariance, or for no parameters.
        var both = try object(fit)
        both["covarianceOmission"] = "notConverged"
        #expect(throws: DecodingError.self) { try decode(both) }
        var empty = try object(try DiscriminantAnalysis.fit(try Self.classes(seed: 15).0, labels: Self.classes(seed: 15).1).result)
        #expect(empty["covarianceOmission"] == nil)
        empty["covarianceOmission"] = "tooManyParameters"
        #expect(throws: DecodingError.self) { try decode(empty) }
        // Every reason survives a round trip.
        let omitted = try Normal.fit(Self.heavyTailed(50, seed: 16).map { $0 * Subnormal.tenToMinus310 }).result
        #expect(try JSONDecoder().decode(FitResult.self, from: try JSONEncoder().encode(omitted)) == omitted)
    }
}
