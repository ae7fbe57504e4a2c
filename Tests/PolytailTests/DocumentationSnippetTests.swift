import Foundation
import Testing
import Polytail

/// The Swift blocks of README.md and of the pages in ``DocumentationSnippetTests/pages``,
/// verbatim (``DocumentationSnippetTests/blocksAreTheseVerbatim(page:)`` checks every line of
/// every block but `import` lines and the manifest excerpt), after the few lines of data each
/// needs, so that what a new user copies from the docs compiles and runs.
enum DocumentationSnippets {
    /// The blocks' `print` calls print nothing in the tests; the values they show are
    /// checked below.
    static func print(_ items: Any...) {}

    /// "The library", then "Save a fit and load it later" (which uses its `t` and `lda`).
    static func library() throws -> (saved: Fitted<StudentT>, fitted: Fitted<StudentT>, normal: Fitted<Normal>, labels: [String],
                                     lda: DiscriminantAnalysis<String>, back: DiscriminantAnalysis<String>) {
        var rng = PolytailRandom(seed: 42)                          // seeded GSL Mersenne Twister
        let x = try StudentT(degreesOfFreedom: 3, location: 1, scale: 2).sample(1_000, using: &rng)
        let t = try StudentT.fit(x)                                  // ML location, scale and ν
        let normal = try Normal.fit(x)                               // ML mean and sd (divides by n)
        print(t.model.degreesOfFreedom, t.result.logLikelihood, normal.result.logLikelihood)
        print(t.result.standardError(.scale)!, try t.result.confidenceInterval(.location)!, t.result.aic)
        print(t.result.tailTest!.pValue)                             // heavier tails than normal?
        let features = try Matrix(rows: x.count, columns: 1, elements: x)
        let labels = x.map { $0 < 1 ? "low" : "high" }
        let lda = try DiscriminantAnalysis.fit(features, labels: labels, family: .studentT(.fixed(1))).model
        print(try lda.posteriors(Matrix(rowArrays: [[-1e6], [1e6]])))  // ≈ the priors, far away
        print(softRmax([0.2, 3.5, -1]), softmax([0.2, 3.5, -1]))

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("t-fit.json")
        try JSONEncoder().encode(t).write(to: file)                   // t: the fit above
        let saved = try JSONDecoder().decode(Fitted<StudentT>.self, from: Data(contentsOf: file))
        print(saved.model == t.model, saved.result.standardErrors!)
        let lda2 = try JSONDecoder().decode(DiscriminantAnalysis<String>.self, from: JSONEncoder().encode(lda))
        return (saved, t, normal, labels, lda, lda2)
    }

    /// Docs/covariate-shift.md, "Importance weights".
    static func importanceWeights() throws -> (logW: [Double], w: [Double], wBar: [Double]) {
        var g = PolytailRandom(seed: 5)
        let xs = (0..<100).map { _ in 1.1 + 0.5 * g.standardNormal() }
        let xt = (0..<80).map { _ in 2.1 + 0.6 * g.standardNormal() }
        let xsWithOutliers = xs + [-4.5, -4.2, -4.8]
        // Fit once on the clean source sample and the target sample …
        let fit = try ImportanceWeights.fit(source: xs, target: xt, family: .studentT(.fixed(3)))
        let iw = fit.model                                  // the weights: densities p_s, p_t
        print(fit.result.aic, fit.sourceResult!.standardErrors!)  // the pair's result; each domain's
        // … then weigh any observations later (e.g. the source with outliers added, as in the paper).
        let logW = try iw.logWeights(xsWithOutliers, lambda: 0.5)     // primary, exact output
        let w    = try iw.weights(xsWithOutliers, lambda: 0.5)        // e^{log w}, clamped
        let wBar = try iw.normalizedWeights(xsWithOutliers, lambda: 0.5)  // mean 1, via log-sum-exp
        return (logW, w, wBar)
    }

    /// Docs/covariate-shift.md, "Weighted least squares".
    static func leastSquares() throws -> (se: [Double], r2: Double, yHat: [Double], line: Fitted<Polynomial>) {
        let x = (0..<40).map { Double($0) / 10 }
        let y = x.map { 1 + 0.5 * $0 + 0.1 * sin(7 * $0) }
        let w = x.map { 1 / (1 + $0) }
        let X = try Matrix(rowArrays: x.map { [1, $0] })
        let grid = [0.25, 1.5, 3.75]
        let fit  = try WeightedLeastSquares.fit(X, response: y, weights: w)    // Fitted<LinearModel>, X: n × p observations
        let line = try WeightedLeastSquares.fit(x, response: y, weights: w)   // Fitted<Polynomial>, x: [Double], degree 1
        let poly = try WeightedLeastSquares.fit(x, response: y, degree: 5, weights: w)
        let yHat = poly.model.predict(grid)
        let se = fit.result.standardErrors!        // sandwich (HC0) with weights, classical without
        let r2 = fit.result.leastSquares!.rSquared // and residuals, Σwᵢrᵢ², σ̂², rank
        return (se, r2, yHat, line)
    }

    /// "Read numbers … from a CSV file" (run in a folder holding a `data.csv`).
    static func csv() throws -> (Matrix, [String]) {
        let numbers = try CSVNumberReader.read(path: "data.csv", numbers: ["x", "y"])
        let xy = numbers.matrix                                        // n × 2, one row per data line
        let species = try CSVTable.read(contentsOf: "data.csv").column(named: "species")   // [String]
        return (xy, species)
    }
}

@Suite("Documentation snippets") struct DocumentationSnippetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The pages whose Swift blocks are all kept here.
    static let pages = ["README.md", "Docs/covariate-shift.md"]

    /// The lines of each ```swift block of a page, trimmed, without `import` lines; a
    /// Package.swift excerpt (a manifest, not library code) left out.
    static func blocks(of page: String) throws -> [[String]] {
        let text = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
        var blocks: [[String]] = [], current: [String]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line == "```swift" { current = []; continue }
            if current != nil, line == "```" { blocks.append(current!); current = nil; continue }
            current?.append(line.trimmingCharacters(in: .whitespaces))
        }
        return blocks.filter { !$0.contains { $0.contains("Package.swift") } }
            .map { $0.filter { !$0.isEmpty && !$0.hasPrefix("import ") } }
    }

    @Test(arguments: pages) func blocksAreTheseVerbatim(page: String) throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let blocks = try Self.blocks(of: page)
        #expect(blocks.count >= 2)
        for block in blocks {
            let found = source.indices.contains { start in
                start + block.count <= source.count && Array(source[start..<(start + block.count)]) == block
            }
            #expect(found, "\(page): the block starting \"\(block.first ?? "")\" is not in DocumentationSnippets verbatim")
        }
    }

    @Test func theReadmeSnippetsRun() throws {
        let run = try DocumentationSnippets.library()
        let t = run.fitted
        #expect(t.result.logLikelihood > run.normal.result.logLikelihood)
        #expect(abs(t.model.degreesOfFreedom - 3) < 1)
        let interval = try #require(try t.result.confidenceInterval(.location))
        #expect(interval.contains(1) && t.result.standardError(.scale)! > 0 && t.result.aic.isFinite)
        #expect(t.result.tailTest!.pValue < 1e-6)  // t(3) data: clearly heavier than normal
        // Far away the posteriors return to the empirical priors.
        let far = try run.lda.posteriors(Matrix(rowArrays: [[-1e6], [1e6]]))
        let lowShare = Double(run.labels.filter { $0 == "low" }.count) / Double(run.labels.count)
        let lowColumn = run.lda.classLabels.firstIndex(of: "low")!
        #expect(abs(far[0, lowColumn] - lowShare) < 1e-3 && abs(far[1, lowColumn] - lowShare) < 1e-3)
        #expect(abs(softRmax([0.2, 3.5, -1]).reduce(0, +) - 1) < 1e-15)
        #expect(softmax([0.2, 3.5, -1])[1] > 0.9)
        // Saved and loaded: the same fit, the same model.
        #expect(run.saved.model == t.model && run.saved.result == t.result)
        #expect(run.back.classLabels == run.lda.classLabels && run.back.priors == run.lda.priors)
        // The CSV block reads "data.csv" in the working folder; without one it names the file.
        if !FileManager.default.fileExists(atPath: "data.csv") {
            #expect(throws: CSVError.self) { try DocumentationSnippets.csv() }
        }
    }

    @Test func theCovariateShiftSnippetsRun() throws {
        let (logW, w, wBar) = try DocumentationSnippets.importanceWeights()
        #expect(logW.count == 103 && zip(logW, w).allSatisfy { abs(exp($0) - $1) <= 1e-12 * $1 })
        #expect(abs(wBar.reduce(0, +) - 103) < 1e-9)
        let ls = try DocumentationSnippets.leastSquares()
        #expect(ls.se.count == 2 && ls.se.allSatisfy { $0 > 0 } && ls.r2 > 0.9 && ls.r2 <= 1)
        #expect(ls.line.model.degree == 1 && ls.yHat.count == 3)
    }
}
