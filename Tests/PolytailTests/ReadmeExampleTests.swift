import Testing
import Polytail

/// The Swift example of README.md, kept compiling and checked.
@Suite("README example") struct ReadmeExampleTests {
    @Test func example() throws {
        var rng = PolytailRandom(seed: 42)
        let x = try StudentT(degreesOfFreedom: 3, location: 1, scale: 2).sample(1_000, using: &rng)
        let t = try StudentT.fit(x)
        let normal = try Normal.fit(x)
        #expect(t.result.logLikelihood > normal.result.logLikelihood)
        #expect(abs(t.model.degreesOfFreedom - 3) < 1)
        let interval = try #require(try t.result.confidenceInterval(.location))
        #expect(interval.contains(1) && t.result.standardError(.scale)! > 0 && t.result.aic.isFinite)
        #expect(t.result.tailTest!.pValue < 1e-6)  // t(3) data: clearly heavier than normal
        let features = try Matrix(rows: x.count, columns: 1, elements: x)
        let labels = x.map { $0 < 1 ? "low" : "high" }
        let lda = try DiscriminantAnalysis.fit(features, labels: labels, family: .studentT(.fixed(1))).model
        let far = try lda.posteriors(Matrix(rowArrays: [[-1e6], [1e6]]))
        // Far away the posteriors return to the empirical priors.
        let lowShare = Double(labels.filter { $0 == "low" }.count) / Double(labels.count)
        let lowColumn = lda.classLabels.firstIndex(of: "low")!
        #expect(abs(far[0, lowColumn] - lowShare) < 1e-3 && abs(far[1, lowColumn] - lowShare) < 1e-3)
        #expect(abs(softRmax([0.2, 3.5, -1]).reduce(0, +) - 1) < 1e-15)
        #expect(softmax([0.2, 3.5, -1])[1] > 0.9)
    }
}
