import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// Posteriors against scikit-learn's `predict_proba` (absolute).
    static let discriminantPosterior = 1e-9
    /// Log posteriors against scipy / mpmath: |a − b| ≤ this · max(1, |b|).
    static let discriminantLogPosterior = 1e-10
}

/// Posteriors against scikit-learn, scipy and mpmath (Tests/Fixtures/make_discriminant.py).
@Suite("Discriminant analysis: reference posteriors") struct DiscriminantReferenceTests {
    struct Dataset: Decodable {
        var name: String
        var x: [[Double]]
        var labels: [Int]
        var points: [[Double]]
        var lda: [[Double]]
        var qda: [[Double]]
        var qda_ml: [[Double]]
        var qda_unbiased: [[Double]]
    }
    struct TCase: Decodable {
        var description: String
        var scatter: String
        var means: [[Double]]
        var scatters: [[[Double]]]
        var nu: [Double]
        var priors: [Double]
        var points: [[Double]]
        var logPosteriors: [[Double]]
    }
    struct File: Decodable { var description: String; var datasets: [Dataset]; var t: [TCase] }

    static let file: File = try! Fixtures.load("discriminant.json")
    static let names = file.datasets.map(\.name)
    static func dataset(_ name: String) -> Dataset { file.datasets.first { $0.name == name }! }

    static func expectClose(_ got: Matrix, _ want: [[Double]], absolute: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.rows == want.count && got.columns == want[0].count, sourceLocation: sourceLocation)
        var worst = 0.0
        for i in 0..<want.count { for j in 0..<want[i].count { worst = max(worst, abs(got[i, j] - want[i][j])) } }
        #expect(worst <= absolute, "largest deviation \(worst)", sourceLocation: sourceLocation)
    }

    static func expectLogClose(_ got: Matrix, _ want: [[Double]], sourceLocation: SourceLocation = #_sourceLocation) {
        var worst = 0.0
        for i in 0..<want.count {
            for j in 0..<want[i].count { worst = max(worst, abs(got[i, j] - want[i][j]) / max(1, abs(want[i][j]))) }
        }
        #expect(worst <= Tolerance.discriminantLogPosterior, "largest scaled deviation \(worst)", sourceLocation: sourceLocation)
    }

    @Test("Gaussian LDA equals scikit-learn LinearDiscriminantAnalysis(solver=\"lsqr\")", arguments: names)
    func lda(_ name: String) throws {
        let data = Self.dataset(name)
        let model = try DiscriminantAnalysis.fit(Matrix(rowArrays: data.x), labels: data.labels).model
        #expect(model.classLabels == Array(Set(data.labels)).sorted())
        Self.expectClose(try model.posteriors(Matrix(rowArrays: data.points)), data.lda, absolute: Tolerance.discriminantPosterior)
    }

    @Test("Gaussian QDA (ML covariance) equals scikit-learn QuadraticDiscriminantAnalysis and scipy", arguments: names)
    func qdaML(_ name: String) throws {
        let data = Self.dataset(name)
        let model = try DiscriminantAnalysis.fit(Matrix(rowArrays: data.x), labels: data.labels, scatter: .perClass).model
        let points = try Matrix(rowArrays: data.points)
        Self.expectClose(try model.posteriors(points), data.qda, absolute: Tolerance.discriminantPosterior)
        Self.expectLogClose(try model.logPosteriors(points), data.qda_ml)
    }

    @Test("Gaussian QDA with the unbiased covariance equals scipy", arguments: names)
    func qdaUnbiased(_ name: String) throws {
        let data = Self.dataset(name)
        let model = try DiscriminantAnalysis.fit(Matrix(rowArrays: data.x), labels: data.labels, scatter: .perClass,
                                                 covariance: .unbiased).model
        Self.expectLogClose(try model.logPosteriors(Matrix(rowArrays: data.points)), data.qda_unbiased)
    }

    @Test("string labels sort lexicographically and permute the columns")
    func stringLabels() throws {
        let data = Self.dataset("iris")
        let names = ["zeta", "alpha", "mu"]  // classes 0, 1, 2 → columns 2, 0, 1
        let model = try DiscriminantAnalysis.fit(Matrix(rowArrays: data.x), labels: data.labels.map { names[$0] }).model
        #expect(model.classLabels == ["alpha", "mu", "zeta"])
        let p = try model.posteriors(Matrix(rowArrays: data.points))
        let permuted = data.lda.map { [$0[1], $0[2], $0[0]] }
        Self.expectClose(p, permuted, absolute: Tolerance.discriminantPosterior)
        let predicted = try model.predict(Matrix(rowArrays: data.points))
        for (i, label) in predicted.enumerated() {
            let best = data.lda[i].indices.max { data.lda[i][$0] < data.lda[i][$1] }!
            #expect(label == names[best])
        }
    }

    @Test("t class conditionals: log posteriors equal 40-digit mpmath, near and at |x| = 1e6", arguments: 0..<3)
    func tPosteriors(_ index: Int) throws {
        let c = Self.file.t[index]
        var conditionals: [DiscriminantAnalysis<Int>.ClassConditional] = []
        for k in 0..<c.means.count {
            conditionals.append(.studentT(try MultivariateT(location: c.means[k], scatter: Matrix(rowArrays: c.scatters[k]),
                                                            degreesOfFreedom: c.nu[k])))
        }
        let model = try DiscriminantAnalysis(classLabels: [0, 1, 2], priors: c.priors, conditionals: conditionals,
                                             shared: c.scatter == "shared")
        Self.expectLogClose(try model.logPosteriors(Matrix(rowArrays: c.points)), c.logPosteriors)
    }
}
