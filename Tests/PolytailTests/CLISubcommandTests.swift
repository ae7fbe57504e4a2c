import Foundation
import Testing
@testable import Polytail
@testable import PolytailCLI

/// `polytail lda` and `polytail weights`, run in-process through `runPolytail(arguments:)`.
@Suite struct CLISubcommandTests {
    static func csv(_ lines: [String], name: String) throws -> String {
        try TempFiles.write(lines.joined(separator: "\n") + "\n", name: name).path
    }

    /// Parses the CLI's CSV output (numbers below the header; lda's text column `predicted`
    /// left out).
    static func parse(_ text: String) -> (header: [String], rows: [[Double]]) {
        let lines = text.split(separator: "\n").map(String.init)
        var header = lines[0].split(separator: ",").map(String.init)
        let predicted = header.last == "predicted"
        if predicted { header.removeLast() }
        return (header, lines.dropFirst().map { line in
            var fields = line.split(separator: ",")
            if predicted { fields.removeLast() }
            return fields.map { Double($0)! }
        })
    }

    static func expectOneLineError(_ out: (stdout: String, stderr: String, exitCode: Int32), code: Int32, containing: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(out.exitCode == code, "stderr: \(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(out.stderr.hasPrefix("error: ") && out.stderr.filter { $0 == "\n" }.count == 1, "\(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stderr.contains(containing), "\(out.stderr)", sourceLocation: sourceLocation)
    }

    static let trainLines = ["x,y,label", "-1.5,0.2,a", "-1.2,0.4,a", "-1.9,-0.1,a", "-1.1,0.0,a",
                             "1.5,0.3,b", "1.1,-0.2,b", "1.8,0.1,b", "1.3,0.5,b"]

    @Test("lda prints the library's posteriors, one row per test row, labels sorted")
    func ldaMatchesLibrary() throws {
        let train = try Self.csv(Self.trainLines, name: "train.csv")
        let test = try Self.csv(["label,y,x", "b,0,-50", "a,0.1,0", "a,0,50"], name: "test.csv")
        for args in [["--family", "normal"], ["--family", "t", "--df", "1"], ["--family", "t"], ["--family", "t", "--df-rule", "per-class", "--covariance", "per-class", "--priors", "equal"]] {
            let out = runPolytail(arguments: ["lda", "--train", train, "--test", test, "--label", "label"] + args)
            #expect(out.exitCode == 0, "\(out.stderr)")
            let (header, rows) = Self.parse(out.stdout)
            #expect(header == ["p_a", "p_b"])
            #expect(rows.count == 3)
            for r in rows { #expect(abs(r[0] + r[1] - 1) < 1e-12) }
            // The same model through the library.
            let x = try Matrix(rowArrays: Self.trainLines.dropFirst().map { l in l.split(separator: ",").prefix(2).map { Double($0)! } })
            let labels = Self.trainLines.dropFirst().map { String($0.split(separator: ",")[2]) }
            let family: DiscriminantAnalysis<String>.Family
            switch args.dropFirst().first {
            case "normal": family = .normal
            default: family = args.contains("--df") ? .studentT(.fixed(1)) : args.contains("per-class") ? .studentT(.estimatedPerGroup()) : .studentT(.estimated())
            }
            let model = try DiscriminantAnalysis<String>.fit(x, labels: labels, family: family,
                                                            scatter: args.contains("--covariance") ? .perClass : .shared,
                                                            priors: args.contains("equal") ? .equal : .empirical)
            let p = try model.posteriors(Matrix(rowArrays: [[-50, 0], [0, 0.1], [50, 0]]))
            for i in 0..<3 { for j in 0..<2 { #expect(rows[i][j] == p[i, j]) } }
        }
    }

    @Test("integer labels are sorted numerically")
    func integerLabels() throws {
        let train = try Self.csv(["x,c", "1,10", "1.2,10", "0.9,10", "5,2", "5.3,2", "4.8,2"], name: "train.csv")
        let test = try Self.csv(["x", "0", "6"], name: "test.csv")
        let out = runPolytail(arguments: ["lda", "--train", train, "--test", test, "--label", "c"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.hasPrefix("p_2,p_10,predicted\n"))
    }

    @Test("lda errors: one line, non-zero exit")
    func ldaErrors() throws {
        let train = try Self.csv(Self.trainLines, name: "train.csv")
        let test = try Self.csv(["x,y", "0,0"], name: "test.csv")
        let noY = try Self.csv(["x", "0"], name: "test-no-y.csv")
        let badCell = try Self.csv(["x,y", "0,zero"], name: "test-bad.csv")
        let emptyLabel = try Self.csv(["x,y,label", "1,2,", "2,3,a"], name: "train-empty.csv")
        let oneClass = try Self.csv(["x,y,label", "1,2,a", "2,3,a", "3,1,a"], name: "train-one.csv")
        let base = ["lda", "--train", train, "--test", test, "--label", "label"]
        Self.expectOneLineError(runPolytail(arguments: ["lda", "--train", train, "--test", test, "--label", "nope"]), code: 1, containing: "no column named \"nope\"")
        Self.expectOneLineError(runPolytail(arguments: ["lda", "--train", train, "--test", noY, "--label", "label"]), code: 1, containing: "\"y\"")
        Self.expectOneLineError(runPolytail(arguments: ["lda", "--train", train, "--test", badCell, "--label", "label"]), code: 1, containing: "zero")
        Self.expectOneLineError(runPolytail(arguments: ["lda", "--train", emptyLabel, "--test", test, "--label", "label"]), code: 1, containing: "empty cell at line 2, column \"label\"")
        Self.expectOneLineError(runPolytail(arguments: ["lda", "--train", oneClass, "--test", test, "--label", "label"]), code: 1, containing: "class")
        Self.expectOneLineError(runPolytail(arguments: ["lda", "--train", "/nonexistent.csv", "--test", test, "--label", "label"]), code: 1, containing: "nonexistent")
        Self.expectOneLineError(runPolytail(arguments: base + ["--df", "3"]), code: 2, containing: "--family t")
        Self.expectOneLineError(runPolytail(arguments: base + ["--family", "t", "--df", "3", "--df-rule", "tied"]), code: 2, containing: "together")
        Self.expectOneLineError(runPolytail(arguments: base + ["--family", "t", "--df", "-1"]), code: 2, containing: "--df")
        Self.expectOneLineError(runPolytail(arguments: base + ["--family", "cauchy"]), code: 2, containing: "cauchy")
    }

    @Test("weights equal the library's, at the source rows or at --at")
    func weightsMatchLibrary() throws {
        var g = PolytailRandom(seed: 4)
        let s = (0..<60).map { _ in 1.1 + 0.5 * g.standardNormal() }
        let t = (0..<40).map { _ in 2.1 + 0.6 * g.standardNormal() }
        let source = try Self.csv(["x"] + s.map { "\($0)" }, name: "s.csv")
        let target = try Self.csv(["x"] + t.map { "\($0)" }, name: "t.csv")
        let at = try Self.csv(["x", "-1e6", "-4.5", "0", "2"], name: "at.csv")
        for (args, family) in [(["--family", "normal"], ImportanceWeights.Family.normal), (["--df", "3"], .studentT(.fixed(3)))] {
            let out = runPolytail(arguments: ["weights", "--source", source, "--target", target, "--lambda", "0.5", "--at", at] + args)
            #expect(out.exitCode == 0, "\(out.stderr)")
            let (header, rows) = Self.parse(out.stdout)
            #expect(header == ["weight"])
            let expected = try ImportanceWeights.fit(source: s, target: t, family: family)
                .weights([-1e6, -4.5, 0, 2], lambda: 0.5)
            #expect(rows.map { $0[0] } == expected.map { $0.isFinite ? $0 : .greatestFiniteMagnitude })
            for r in rows { #expect(r[0].isFinite && r[0] >= 0) }
        }
        let out = runPolytail(arguments: ["weights", "--source", source, "--target", target])
        #expect(out.exitCode == 0)
        #expect(Self.parse(out.stdout).rows.count == s.count)
    }

    @Test("weights errors: one line, non-zero exit")
    func weightsErrors() throws {
        let source = try Self.csv(["x", "1", "2", "3.5", "0.2"], name: "s.csv")
        let target = try Self.csv(["x", "1", "2.5", "3", "4"], name: "t.csv")
        let constant = try Self.csv(["x", "2", "2", "2", "2"], name: "c.csv")
        let other = try Self.csv(["z", "2", "3"], name: "o.csv")
        Self.expectOneLineError(runPolytail(arguments: ["weights", "--source", source, "--target", target, "--lambda", "2"]), code: 2, containing: "--lambda")
        Self.expectOneLineError(runPolytail(arguments: ["weights", "--source", source, "--target", target, "--family", "normal", "--df", "3"]), code: 2, containing: "--df")
        Self.expectOneLineError(runPolytail(arguments: ["weights", "--source", source, "--target", constant, "--family", "normal"]), code: 1, containing: "constant")
        Self.expectOneLineError(runPolytail(arguments: ["weights", "--source", source, "--target", other]), code: 1, containing: "x")
        Self.expectOneLineError(runPolytail(arguments: ["weights", "--source", "/missing.csv", "--target", target]), code: 1, containing: "missing")
    }
}
