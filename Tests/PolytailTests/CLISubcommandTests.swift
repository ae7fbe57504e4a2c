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
                                                            priors: args.contains("equal") ? .equal : .empirical).model
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
            let expected = try ImportanceWeights.fit(source: s, target: t, family: family).model
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

    /// A weight beyond the double range (the normal ratio at x = 10³⁰⁸) is refused in one line,
    /// never printed as the clamped 1.7976931348623157e308 the library's `weights` returns.
    @Test func weightsBeyondTheDoubleRangeAreRefusedNotClamped() throws {
        let source = try Self.csv(["x", "1", "2", "3.5", "0.2", "1.1", "2.2"], name: "s.csv")
        let target = try Self.csv(["x", "1", "2.5", "3", "4", "8", "-3"], name: "t.csv")
        let at = try Self.csv(["x", "0.5", "1e308"], name: "at.csv")
        Self.expectOneLineError(runPolytail(arguments: ["weights", "--source", source, "--target", target, "--family", "normal", "--at", at]),
                                code: 1, containing: "the weight at line 3 exceeds the double range")
        let model = try ImportanceWeights.fit(source: [1, 2, 3.5, 0.2, 1.1, 2.2], target: [1, 2.5, 3, 4, 8, -3]).model
        #expect(try model.weights([1e308]) == [Double.greatestFiniteMagnitude])  // the library's documented clamp
        let near = try Self.csv(["x", "0.5", "3"], name: "near.csv")
        let out = runPolytail(arguments: ["weights", "--source", source, "--target", target, "--family", "normal", "--at", near])
        #expect(out.exitCode == 0 && out.stderr.isEmpty, "\(out)")
        #expect(Self.parse(out.stdout).rows.allSatisfy { $0.allSatisfy { $0.isFinite && $0 > 0 } })
    }
}

/// `lda --save-model`, `--model`, `--report`, label texts and the `predicted` column.
@Suite struct LDAModelTests {
    static let train = ["x,y,label", "-1.5,0.2,a", "-1.2,0.4,a", "-1.9,-0.1,a", "-1.1,0.0,a",
                        "1.5,0.3,b", "1.1,-0.2,b", "1.8,0.1,b", "1.3,0.5,b"]

    @Test(arguments: [["--family", "normal"], ["--family", "t"], ["--family", "t", "--df-rule", "per-class", "--covariance", "per-class"]])
    func savedModelGivesTheSamePosteriors(options: [String]) throws {
        let train = try CLISubcommandTests.csv(Self.train, name: "train.csv")
        let test = try CLISubcommandTests.csv(["y,x", "0,0", "1,3", "0,-1e200"], name: "test.csv")
        let model = TempFiles.directory.appendingPathComponent(UUID().uuidString + "-model.json").path
        let report = TempFiles.directory.appendingPathComponent(UUID().uuidString + "-report.json").path
        let fitted = runPolytail(arguments: ["lda", "--train", train, "--test", test, "--label", "label", "--save-model", model, "--report", report] + options)
        #expect(fitted.exitCode == 0, "\(fitted.stderr)")
        let applied = runPolytail(arguments: ["lda", "--model", model, "--test", test])
        #expect(applied.exitCode == 0 && applied.stdout == fitted.stdout)
        #expect(fitted.stdout.hasPrefix("p_a,p_b,predicted\n"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
        #expect(json["classLabels"] as? [String] == ["a", "b"])
        #expect(json["priors"] as? [Double] == [0.5, 0.5])
        #expect(json["classCounts"] as? [Int] == [4, 4])
        if options.contains("t") {
            #expect((json["df"] as? [Double])?.count == 2 && json["dfAtBound"] is Bool)
            #expect(json["dfRule"] as? String == (options.contains("per-class") ? "per-class" : "tied"))
        } else {
            #expect(json["df"] is NSNull)
        }
    }

    @Test func corruptModelsAreOneLineErrors() throws {
        let train = try CLISubcommandTests.csv(Self.train, name: "train.csv")
        let test = try CLISubcommandTests.csv(["x,y", "0,0"], name: "test.csv")
        let model = TempFiles.directory.appendingPathComponent(UUID().uuidString + "-model.json").path
        #expect(runPolytail(arguments: ["lda", "--train", train, "--test", test, "--label", "label", "--family", "t", "--save-model", model]).exitCode == 0)
        let good = try String(contentsOfFile: model, encoding: .utf8)
        let corruptions = [
            good.replacingOccurrences(of: #""priors":[0.5,0.5]"#, with: #""priors":[0.9,0.5]"#),
            good.replacingOccurrences(of: #""classLabels":["a","b"]"#, with: #""classLabels":["b","a"]"#),
            good.replacingOccurrences(of: #""classLabels":["a","b"]"#, with: #""classLabels":["a","a"]"#),
            good.replacingOccurrences(of: #""format":"polytail-lda""#, with: #""format":"other""#),
            good.replacingOccurrences(of: #""features":["x","y"]"#, with: #""features":["x"]"#),
            good.replacingOccurrences(of: #""sharedScatter":true"#, with: #""sharedScatter":false"#).replacingOccurrences(of: #""family":"t""#, with: #""family":"cauchy""#),
            String(good.prefix(good.count / 2)),
            "", "[]", "{\"format\":\"polytail-lda\",\"version\":1}",
        ]
        for (k, text) in corruptions.enumerated() {
            #expect(text != good || k >= 6)
            let bad = try TempFiles.write(text, name: "bad-model.json").path
            CLISubcommandTests.expectOneLineError(runPolytail(arguments: ["lda", "--model", bad, "--test", test]), code: 1, containing: "model")
        }
        // A result that belongs to another model (one class result for two classes): refused by
        // the library's decoding of the fit, one line, exit 1.
        var object = try JSONSerialization.jsonObject(with: Data(good.utf8)) as! [String: Any]
        var result = object["result"] as! [String: Any]
        result["groupResults"] = Array((result["groupResults"] as! [Any]).prefix(1))
        object["result"] = result
        let otherResult = try TempFiles.write(String(decoding: JSONSerialization.data(withJSONObject: object), as: UTF8.self),
                                              name: "other-result.json").path
        CLISubcommandTests.expectOneLineError(runPolytail(arguments: ["lda", "--model", otherResult, "--test", test]), code: 1,
                                              containing: "group results (one per class)")
        CLISubcommandTests.expectOneLineError(runPolytail(arguments: ["lda", "--model", "/nonexistent/m.json", "--test", test]), code: 1, containing: "no such file")
        CLISubcommandTests.expectOneLineError(runPolytail(arguments: ["lda", "--model", model, "--train", train, "--test", test]), code: 2, containing: "--model")
        CLISubcommandTests.expectOneLineError(runPolytail(arguments: ["lda", "--test", test]), code: 2, containing: "--train")
    }

    @Test func libraryRoundTripAndCorruption() throws {
        var g = PolytailRandom(seed: 3)
        let x = try Matrix(rowArrays: (0..<40).map { i in [Double(i % 2) * 3 + g.standardNormal(), g.standardNormal()] })
        let labels = (0..<40).map { ClassLabel($0 % 2 == 0 ? "10" : "2") }
        for family: DiscriminantAnalysis<ClassLabel>.Family in [.normal, .studentT(.estimated), .studentT(.estimatedPerGroup)] {
            for scatter: DiscriminantAnalysis<ClassLabel>.Scatter in [.shared, .perClass] {
                let fitted = try DiscriminantAnalysis<ClassLabel>.fit(x, labels: labels, family: family, scatter: scatter)
                let model = fitted.model
                let back = try JSONDecoder().decode(DiscriminantAnalysis<ClassLabel>.self, from: JSONEncoder().encode(model))
                #expect(back.classLabels == model.classLabels && back.classLabels.map(\.text) == ["2", "10"])
                #expect(try back.posteriors(x) == model.posteriors(x))
                // The fitted value keeps its result beside the model.
                let backFit = try JSONDecoder().decode(Fitted<DiscriminantAnalysis<ClassLabel>>.self, from: JSONEncoder().encode(fitted))
                #expect(try backFit.model.posteriors(x) == model.posteriors(x))
                #expect(backFit.result == fitted.result && backFit.result.groupResults?.count == 2)
                // A model written with its result inside (polytail-lda version 1) still decodes.
                var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as! [String: Any]
                object["result"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(fitted.result))
                let old = try JSONDecoder().decode(DiscriminantAnalysis<ClassLabel>.self, from: JSONSerialization.data(withJSONObject: object))
                #expect(try old.posteriors(x) == model.posteriors(x))
            }
        }
        let model = try DiscriminantAnalysis<ClassLabel>.fit(x, labels: labels, family: .normal).model
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as! [String: Any]
        object["priors"] = [0.5, Double.nan.isNaN ? -0.5 : 0, 1.0]
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DiscriminantAnalysis<ClassLabel>.self, from: JSONSerialization.data(withJSONObject: object))
        }
    }

    @Test func distinctLabelTextsAreDistinctClasses() throws {
        let train = try CLISubcommandTests.csv(["x,c", "0,1", "0.1,1", "2,01", "2.1,01", "4,+1", "4.2,+1", "6,10", "6.1,10", "8,2", "8.3,2", "9,-0", "9.2,-0", "10,0", "10.1,0"],
                                               name: "labels.csv")
        let test = try CLISubcommandTests.csv(["x", "0"], name: "test.csv")
        let out = runPolytail(arguments: ["lda", "--train", train, "--test", test, "--label", "c"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        // Numerically: -0 and 0 (equal values, by text), then 01, +1, 1, then 2, 10.
        #expect(out.stdout.hasPrefix("p_-0,p_0,p_+1,p_01,p_1,p_2,p_10,predicted\n"), "\(out.stdout)")
        #expect(out.stdout.hasSuffix(",1\n"))
        let mixed = try CLISubcommandTests.csv(["x,c", "0,b", "0.1,b", "5,10", "5.1,10", "9,a", "9.3,a", "3,9", "3.2,9"], name: "mixed.csv")
        let m = runPolytail(arguments: ["lda", "--train", mixed, "--test", test, "--label", "c"])
        #expect(m.stdout.hasPrefix("p_9,p_10,p_a,p_b,predicted\n"), "\(m.stdout)")
        let nul = try TempFiles.write("x,c\n1,a\n2,a\n3\u{0}x,b\n4,b\n", name: "nul.csv").path
        CLISubcommandTests.expectOneLineError(runPolytail(arguments: ["lda", "--train", nul, "--test", test, "--label", "c"]), code: 1, containing: "3\\0x")
    }
}
