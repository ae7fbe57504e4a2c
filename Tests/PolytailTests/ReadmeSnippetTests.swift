import Foundation
import Testing
import Polytail

/// README.md's Swift blocks, verbatim (``ReadmeSnippetTests/readmeBlocksAreTheseVerbatim()``
/// checks every line of every block but `import` lines and the manifest excerpt), so that
/// what a new user copies from the README compiles and runs.
enum ReadmeSnippets {
    /// The blocks' `print` calls print nothing in the tests; the values they show are
    /// checked by ``ReadmeExampleTests``.
    static func print(_ items: Any...) {}

    /// "The library", then "Save a fit and load it later" (which uses its `t` and `lda`).
    static func library() throws -> (saved: Fitted<StudentT>, fitted: Fitted<StudentT>, lda: DiscriminantAnalysis<String>, back: DiscriminantAnalysis<String>) {
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
        return (saved, t, lda, lda2)
    }

    /// "Read numbers … from a CSV file" (run in a folder holding a `data.csv`).
    static func csv() throws -> (Matrix, [String]) {
        let numbers = try CSVNumberReader.read(path: "data.csv", numbers: ["x", "y"])
        let xy = numbers.matrix                                        // n × 2, one row per data line
        let species = try CSVTable.read(contentsOf: "data.csv").column(named: "species")   // [String]
        return (xy, species)
    }
}

@Suite("README snippets") struct ReadmeSnippetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The lines of each ```swift block of README.md, trimmed, without `import` lines; the
    /// Package.swift excerpt (a manifest, not library code) left out.
    static func readmeBlocks() throws -> [[String]] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var blocks: [[String]] = [], current: [String]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line == "```swift" { current = []; continue }
            if current != nil, line == "```" { blocks.append(current!); current = nil; continue }
            current?.append(line.trimmingCharacters(in: .whitespaces))
        }
        return blocks.filter { !$0.contains { $0.contains("Package.swift") } }
            .map { $0.filter { !$0.isEmpty && !$0.hasPrefix("import ") } }
    }

    @Test func readmeBlocksAreTheseVerbatim() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let blocks = try Self.readmeBlocks()
        #expect(blocks.count >= 3)
        for block in blocks {
            let found = source.indices.contains { start in
                start + block.count <= source.count && Array(source[start..<(start + block.count)]) == block
            }
            #expect(found, "README block starting \"\(block.first ?? "")\" is not in ReadmeSnippets verbatim")
        }
    }

    @Test func theSnippetsRun() throws {
        let run = try ReadmeSnippets.library()
        #expect(run.saved.model == run.fitted.model && run.saved.result == run.fitted.result)
        #expect(run.back.classLabels == run.lda.classLabels && run.back.priors == run.lda.priors)
        // The CSV block reads "data.csv" in the working folder; without one it names the file.
        if !FileManager.default.fileExists(atPath: "data.csv") {
            #expect(throws: CSVError.self) { try ReadmeSnippets.csv() }
        }
    }
}
