import Foundation
import Testing
@testable import Polytail

/// Tests/Fixtures/t_fits.json and multivariate.json: made by make_t_fits.py and
/// make_multivariate.py (scipy fits, tightly converged references polished at 40 digits).
struct TFitFixtures: Decodable {
    struct Params: Decodable { var df, loc, scale, logLikelihood: Double; var dfAtBound: Bool? }
    struct NormalParams: Decodable { var mean, sd, logLikelihood: Double }
    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var data: [Double]
        var weights: [Double]?
        var scipyFit: Params?
        var reference: Params
        var normalFit: NormalParams
        var fixedDf: Params
        var testDescription: String { name }
    }
    var fits: [Case]
    static let shared: TFitFixtures = try! Fixtures.load("t_fits.json")
}

struct MultivariateFixtures: Decodable {
    struct MVNLogpdf: Decodable { var mean: [Double]; var cov: [[Double]]; var x: [Double]; var logpdf: Double }
    struct MVTLogpdf: Decodable { var loc: [Double]; var shape: [[Double]]; var df: Double; var x: [Double]; var logpdf: Double }
    struct MVNFit: Decodable { var data: [[Double]]; var mean: [Double]; var cov: [[Double]]; var logLikelihood: Double }
    struct MVTFit: Decodable { var data: [[Double]]; var weights: [Double]?; var location: [Double]; var scatter: [[Double]]; var df: Double; var logLikelihood: Double }
    var mvnLogpdf: [MVNLogpdf]
    var mvtLogpdf: [MVTLogpdf]
    var mvnFit: MVNFit
    var mvtFit: MVTFit
    var mvtFitFixedDf: MVTFit
    var mvtFitWeighted: MVTFit
    static let shared: MultivariateFixtures = try! Fixtures.load("multivariate.json")
}

extension Tolerance {
    /// Fitted parameters against a tightly converged reference (the issue asks for 1e-5).
    static let fitParameterRelative = 1e-6
    /// Log-likelihoods of fits against the reference.
    static let fitLogLikelihoodRelative = 1e-12
}

@Suite("Fits against references") struct FitReferenceTests {
    @Test("Student-t fit reaches the reference maximum and beats scipy", arguments: TFitFixtures.shared.fits)
    func studentT(_ c: TFitFixtures.Case) throws {
        let ref = c.reference
        if ref.dfAtBound ?? false {
            // The reference solves the problem with ν ≤ 10⁶ (the old default); by default ν = ∞
            // is allowed, and these light-tailed samples get the exact normal limit, whose
            // log-likelihood (the supremum) is at least the bounded reference's.
            let limit = try StudentT.fit(c.data, weights: c.weights)
            #expect(limit.model.degreesOfFreedom == .infinity && limit.result.dfAtBound)
            #expect(limit.result.logLikelihood >= ref.logLikelihood)
            #expect(Tolerance.isClose(limit.model.location, c.normalFit.mean, relative: 1e-13, absolute: 1e-15))
            #expect(Tolerance.isClose(limit.model.scale, c.normalFit.sd, relative: 1e-13))
            #expect(Tolerance.isClose(limit.result.logLikelihood, c.normalFit.logLikelihood, relative: 1e-13))
            #expect(limit.result.tailTest?.statistic == 0 && limit.result.tailTest?.pValue == 1)
        }
        let f = try StudentT.fit(c.data, weights: c.weights,
                                 degreesOfFreedom: (ref.dfAtBound ?? false) ? .estimated(maximum: 1e6) : .estimated)
        #expect(f.result.converged)
        #expect(f.result.dfAtBound == (ref.dfAtBound ?? false))
        // Never below the reference maximum (beyond rounding), never below scipy's.
        #expect(f.result.logLikelihood >= ref.logLikelihood - Tolerance.fitLogLikelihoodRelative * abs(ref.logLikelihood))
        if let scipy = c.scipyFit, !(ref.dfAtBound ?? false) {
            #expect(f.result.logLikelihood >= scipy.logLikelihood)
        }
        #expect(Tolerance.isClose(f.model.location, ref.loc, relative: Tolerance.fitParameterRelative, absolute: 1e-9 * ref.scale),
                "\(c.name) location \(f.model.location) vs \(ref.loc)")
        #expect(Tolerance.isClose(f.model.scale, ref.scale, relative: Tolerance.fitParameterRelative))
        #expect(Tolerance.isClose(f.model.degreesOfFreedom, ref.df, relative: Tolerance.fitParameterRelative),
                "\(c.name) df \(f.model.degreesOfFreedom) vs \(ref.df)")
        // The reported log-likelihood is the likelihood of the reported parameters.
        #expect(Tolerance.isClose(f.model.logLikelihood(c.data, weights: c.weights), f.result.logLikelihood, relative: 1e-13))
        // Never below the normal fit by more than 1e-6 relative.
        #expect(f.result.logLikelihood >= c.normalFit.logLikelihood - 1e-6 * abs(c.normalFit.logLikelihood))
    }

    @Test("Student-t fit with ν fixed at 5", arguments: TFitFixtures.shared.fits)
    func studentTFixed(_ c: TFitFixtures.Case) throws {
        let f = try StudentT.fit(c.data, weights: c.weights, degreesOfFreedom: .fixed(c.fixedDf.df))
        #expect(f.result.converged)
        #expect(Tolerance.isClose(f.model.location, c.fixedDf.loc, relative: Tolerance.fitParameterRelative, absolute: 1e-9 * c.fixedDf.scale))
        #expect(Tolerance.isClose(f.model.scale, c.fixedDf.scale, relative: Tolerance.fitParameterRelative))
        #expect(Tolerance.isClose(f.result.logLikelihood, c.fixedDf.logLikelihood, relative: Tolerance.fitLogLikelihoodRelative))
    }

    @Test("normal fit equals the closed-form reference", arguments: TFitFixtures.shared.fits)
    func normal(_ c: TFitFixtures.Case) throws {
        let f = try Normal.fit(c.data, weights: c.weights)
        #expect(Tolerance.isClose(f.model.mean, c.normalFit.mean, relative: 1e-13, absolute: 1e-15))
        #expect(Tolerance.isClose(f.model.standardDeviation, c.normalFit.sd, relative: 1e-13))
        #expect(Tolerance.isClose(f.result.logLikelihood, c.normalFit.logLikelihood, relative: 1e-13))
    }

    @Test("multivariate normal log-density", arguments: MultivariateFixtures.shared.mvnLogpdf.indices)
    func mvnLogDensity(_ i: Int) throws {
        let c = MultivariateFixtures.shared.mvnLogpdf[i]
        let d = try MultivariateNormal(mean: c.mean, covariance: Matrix(rowArrays: c.cov))
        #expect(Tolerance.isClose(d.logDensity(c.x), c.logpdf, relative: 1e-13, absolute: 1e-13))
    }

    @Test("multivariate t log-density, far points included", arguments: MultivariateFixtures.shared.mvtLogpdf.indices)
    func mvtLogDensity(_ i: Int) throws {
        let c = MultivariateFixtures.shared.mvtLogpdf[i]
        let d = try MultivariateT(location: c.loc, scatter: Matrix(rowArrays: c.shape), degreesOfFreedom: c.df)
        #expect(Tolerance.isClose(d.logDensity(c.x), c.logpdf, relative: 1e-13, absolute: 1e-13), "\(c.x): \(d.logDensity(c.x)) vs \(c.logpdf)")
    }

    @Test func mvnFit() throws {
        let c = MultivariateFixtures.shared.mvnFit
        let f = try MultivariateNormal.fit(Matrix(rowArrays: c.data))
        for j in 0..<3 { #expect(Tolerance.isClose(f.model.mean[j], c.mean[j], relative: 1e-12, absolute: 1e-14)) }
        for i in 0..<3 { for j in 0..<3 {
            #expect(Tolerance.isClose(f.model.covariance[i, j], c.cov[i][j], relative: 1e-12, absolute: 1e-14))
        } }
        #expect(Tolerance.isClose(f.result.logLikelihood, c.logLikelihood, relative: 1e-13))
    }

    @Test("multivariate t fits: estimated ν, fixed ν, weighted", arguments: ["estimated", "fixed", "weighted"])
    func mvtFit(_ which: String) throws {
        let all = MultivariateFixtures.shared
        let c = which == "estimated" ? all.mvtFit : which == "fixed" ? all.mvtFitFixedDf : all.mvtFitWeighted
        let rule: DegreesOfFreedomRule = which == "fixed" ? .fixed(c.df) : .estimated
        let f = try MultivariateT.fit(Matrix(rowArrays: c.data), weights: c.weights, degreesOfFreedom: rule)
        #expect(f.result.converged)
        #expect(f.result.logLikelihood >= c.logLikelihood - Tolerance.fitLogLikelihoodRelative * abs(c.logLikelihood))
        #expect(Tolerance.isClose(f.model.degreesOfFreedom, c.df, relative: Tolerance.fitParameterRelative))
        for j in 0..<3 {
            #expect(Tolerance.isClose(f.model.location[j], c.location[j], relative: Tolerance.fitParameterRelative, absolute: 1e-8))
            for k in 0..<3 {
                #expect(Tolerance.isClose(f.model.scatter[j, k], c.scatter[j][k], relative: Tolerance.fitParameterRelative, absolute: 1e-8))
            }
        }
    }
}
