import Foundation
import Testing
@testable import Polytail
@testable import PolytailCLI

/// `polytail fit`, run in-process through `runFit(arguments:)`.
@Suite struct CLITests {
    // MARK: Helpers

    /// Writes a CSV file with the given lines and returns its path.
    static func csv(_ lines: [String], name: String = "data.csv") throws -> String {
        try TempFiles.write(lines.joined(separator: "\n") + "\n", name: name).path
    }

    /// A CSV file of columns of numbers ("\(x)" round-trips, so the CLI reads exactly `columns`).
    static func csv(header: [String], columns: [[Double]]) throws -> String {
        var lines = [header.joined(separator: ",")]
        for i in columns[0].indices { lines.append(columns.map { "\($0[i])" }.joined(separator: ",")) }
        return try csv(lines)
    }

    /// Runs `fit` expecting success: stdout is one JSON object line, stderr empty.
    static func fitJSON(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> (object: [String: Any], text: String)
    {
        let out = runFit(arguments: arguments)
        #expect(out.exitCode == 0, "stderr: \(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stderr.isEmpty, sourceLocation: sourceLocation)
        #expect(out.stdout.hasSuffix("}\n"), sourceLocation: sourceLocation)
        #expect(out.stdout.filter { $0 == "\n" }.count == 1, sourceLocation: sourceLocation)
        // Never null, NaN or an infinite number: ν = ∞ is the documented string "Infinity".
        let bare = out.stdout.replacingOccurrences(of: "\"Infinity\"", with: "")
        for word in ["null", "nan", "NaN", "inf", "Infinity"] {
            #expect(!bare.contains(word), "\(word) in \(out.stdout)", sourceLocation: sourceLocation)
        }
        let any = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8))
        let object = try #require(any as? [String: Any], sourceLocation: sourceLocation)
        return (object, out.stdout)
    }

    /// The keys of the top-level JSON object in the order they appear.
    static func keyOrder(_ text: String, keys: [String]) -> [String] {
        keys.compactMap { key in text.range(of: "\"\(key)\":").map { (key, $0.lowerBound) } }
            .sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// Deterministic samples.
    static func tSample(_ n: Int, nu: Double, location: Double, scale: Double, seed: UInt64) -> [Double] {
        var rng = PolytailRandom(seed: seed)
        return (0..<n).map { _ in location + scale * rng.standardT(nu) }
    }

    static func normalSample(_ n: Int, seed: UInt64) -> [Double] {
        var rng = PolytailRandom(seed: seed)
        return (0..<n).map { _ in rng.standardNormal() }
    }

    // MARK: Univariate

    @Test func normalUnivariate() throws {
        let x: [Double] = [1, 2, 4, 7, 11]
        let path = try Self.csv(header: ["x"], columns: [x])
        let (json, text) = try Self.fitJSON([path, "--family", "normal"])
        let mean = 5.0
        let sd = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()  // divides by n
        #expect(json["family"] as? String == "normal")
        #expect(json["n"] as? Int == 5)
        #expect(Tolerance.isClose(json["location"] as! Double, mean, relative: 1e-15))
        #expect(Tolerance.isClose(json["scale"] as! Double, sd, relative: 1e-14))
        #expect(json["df"] == nil)  // no null in the output
        let expectedLL = -5 * (log(sd) + 0.5 * log(2 * Double.pi) + 0.5)
        #expect(Tolerance.isClose(json["logLikelihood"] as! Double, expectedLL, relative: 1e-13))
        #expect(json["converged"] as? Bool == true)
        #expect(json["iterations"] as? Int == 0)
        #expect(json["dfAtBound"] == nil && json["noncentrality"] == nil && json["dimension"] == nil)
        let keys = ["family", "n", "location", "scale", "logLikelihood", "converged", "iterations", "standardErrors", "aic", "bic"]
        #expect(Set(json.keys) == Set(keys))
        #expect(Self.keyOrder(text, keys: Array(json.keys)) == keys)
        // Standard errors σ̂/√n and σ̂/√(2n); AIC and BIC with k = 2.
        let se = try #require(json["standardErrors"] as? [String: Double])
        #expect(Tolerance.isClose(se["location"]!, sd / 5.0.squareRoot(), relative: 1e-14))
        #expect(Tolerance.isClose(se["scale"]!, sd / 10.0.squareRoot(), relative: 1e-14))
        #expect(Tolerance.isClose(json["aic"] as! Double, -2 * expectedLL + 4, relative: 1e-13))
        #expect(Tolerance.isClose(json["bic"] as! Double, -2 * expectedLL + 2 * log(5), relative: 1e-13))
    }

    @Test func tUnivariateMatchesLibraryExactly() throws {
        let x = Self.tSample(300, nu: 4, location: 10, scale: 2, seed: 11)
        let path = try Self.csv(header: ["value"], columns: [x])
        let (json, text) = try Self.fitJSON([path])  // default family t, estimated df
        let fit = try StudentT.fit(x)
        #expect(json["family"] as? String == "t")
        #expect(json["n"] as? Int == 300)
        // Numbers are printed round-trip exact: the text holds Swift's own rendering.
        #expect(text.contains("\"location\":\(fit.model.location),"))
        #expect(text.contains("\"scale\":\(fit.model.scale),"))
        #expect(text.contains("\"df\":\(fit.model.degreesOfFreedom),"))
        #expect(text.contains("\"logLikelihood\":\(fit.result.logLikelihood),"))
        // (swift-corelibs JSONSerialization may be a few ulps off when decoding, so exact
        // checks use the text and decoded values a tolerance.)
        #expect(Tolerance.isClose(json["location"] as! Double, fit.model.location, relative: 1e-15))
        #expect(json["iterations"] as? Int == fit.result.iterations)
        #expect(json["converged"] as? Bool == fit.result.converged)
        #expect(json["dfAtBound"] as? Bool == false)
        #expect(Self.keyOrder(text, keys: Array(json.keys))
            == ["family", "n", "location", "scale", "df", "logLikelihood", "converged", "iterations", "dfAtBound",
                "standardErrors", "aic", "bic", "tailTest"])
        // The library's standard errors and tail test, printed exactly.
        #expect(text.contains("\"standardErrors\":{\"location\":\(fit.result.standardError(.location)!),\"scale\":\(fit.result.standardError(.scale)!),\"df\":\(fit.result.standardError(.degreesOfFreedom)!)}"))
        let test = try #require(fit.result.tailTest)
        #expect(text.contains("\"tailTest\":{\"statistic\":\(test.statistic),\"pValue\":\(test.pValue),\"normalLogLikelihood\":\(test.normalLogLikelihood)}"))
        #expect(text.contains("\"aic\":\(fit.result.aic),\"bic\":\(fit.result.bic),"))
    }

    @Test("light tails: df \"Infinity\", the normal's location, scale and log-likelihood")
    func normalLimit() throws {
        var rng = PolytailRandom(seed: 7)
        let x = (0..<100).map { _ in 2 * rng.uniformPositive() - 1 }
        let path = try Self.csv(header: ["u"], columns: [x])
        let (json, text) = try Self.fitJSON([path])
        let normal = try Normal.fit(x)
        #expect(text.contains("\"df\":\"Infinity\","))
        #expect(json["dfAtBound"] as? Bool == true)
        #expect(text.contains("\"location\":\(normal.model.mean),\"scale\":\(normal.model.standardDeviation),"))
        #expect(text.contains("\"logLikelihood\":\(normal.result.logLikelihood),"))
        #expect(text.contains("\"standardErrors\":{\"location\":\(normal.result.standardError(.mean)!),\"scale\":\(normal.result.standardError(.standardDeviation)!)}"))
        #expect(text.contains("\"tailTest\":{\"statistic\":0.0,\"pValue\":1.0,"))
        // AIC counts ν (k = 3): it was estimated, at ∞.
        #expect(Tolerance.isClose(json["aic"] as! Double, -2 * normal.result.logLikelihood + 6, relative: 1e-14))
    }

    @Test func fixedDegreesOfFreedom() throws {
        let x = Self.tSample(100, nu: 3, location: 0, scale: 1, seed: 5)
        let path = try Self.csv(header: ["a", "b"], columns: [x, x.map { $0 * 2 }])
        let (json, text) = try Self.fitJSON([path, "--columns", "b", "--df", "2.5"])
        #expect(json["df"] as? Double == 2.5)
        #expect(json["dfAtBound"] as? Bool == false)
        let fit = try StudentT.fit(x.map { $0 * 2 }, degreesOfFreedom: .fixed(2.5))
        // Exact: the printed text is the library's value (JSONSerialization's decoding on
        // Linux can be a few ulps off, so the text is compared, not the decoded number).
        #expect(text.contains("\"scale\":\(fit.model.scale),"))
        // --df=VALUE form too.
        let (_, again) = try Self.fitJSON([path, "--columns=b", "--df=2.5"])
        #expect(again.contains("\"scale\":\(fit.model.scale),"))
    }

    @Test func maxDegreesOfFreedomBound() throws {
        let x = Self.normalSample(400, seed: 3).map { 0.5 * $0 + 1 }
        let path = try Self.csv(header: ["x"], columns: [x])
        let (json, text) = try Self.fitJSON([path, "--max-df", "50"])
        let fit = try StudentT.fit(x, degreesOfFreedom: .estimated(maximum: 50))
        #expect(text.contains("\"df\":\(fit.model.degreesOfFreedom),"))
        #expect(json["dfAtBound"] as? Bool == fit.result.dfAtBound)
        #expect((json["df"] as! Double) <= 50)
    }

    @Test func weightsAreFrequencies() throws {
        let x: [Double] = [1, 2, 3, 5, 8]
        let w: [Double] = [1, 3, 1, 2, 1]
        let path = try Self.csv(header: ["x", "w"], columns: [x, w])
        // Without --columns the weights column is not data: a univariate fit of x.
        let (json, _) = try Self.fitJSON([path, "--family", "normal", "--weights", "w"])
        var expanded: [Double] = []
        for (xi, wi) in zip(x, w) { expanded += Array(repeating: xi, count: Int(wi)) }
        let plain = try Normal.fit(expanded)
        #expect(json["n"] as? Int == 5)
        #expect(Tolerance.isClose(json["location"] as! Double, plain.model.mean, relative: 1e-14))
        #expect(Tolerance.isClose(json["scale"] as! Double, plain.model.standardDeviation, relative: 1e-14))
        #expect(Tolerance.isClose(json["logLikelihood"] as! Double, plain.result.logLikelihood, relative: 1e-13))
    }

    @Test func weightedTFitPassesWeights() throws {
        let x = Self.tSample(200, nu: 5, location: 1, scale: 1, seed: 8)
        let w = (0..<200).map { Double($0 % 3) + 0.5 }
        let path = try Self.csv(header: ["w", "x"], columns: [w, x])
        let (_, text) = try Self.fitJSON([path, "--weights", "w", "--df", "5"])
        let fit = try StudentT.fit(x, weights: w, degreesOfFreedom: .fixed(5))
        #expect(text.contains("\"location\":\(fit.model.location),"))
        #expect(text.contains("\"scale\":\(fit.model.scale),"))
    }

    @Test func noncentralTUnivariate() throws {
        var rng = PolytailRandom(seed: 21)
        // Skewed heavy-tailed data: (Z + 1) / sqrt(chi2_6 / 6).
        let x = (0..<400).map { _ in (rng.standardNormal() + 1) / (rng.chiSquared(6) / 6).squareRoot() }
        let path = try Self.csv(header: ["x"], columns: [x])
        let (json, text) = try Self.fitJSON([path, "--family", "noncentral-t"])
        #expect(json["family"] as? String == "noncentral-t")
        #expect(json["n"] as? Int == 400)
        for key in ["location", "scale", "df", "noncentrality", "logLikelihood"] {
            #expect((json[key] as? Double)?.isFinite == true, "\(key)")
        }
        #expect((json["scale"] as! Double) > 0 && (json["df"] as! Double) > 0)
        #expect(json["dfAtBound"] is Bool)
        #expect(Self.keyOrder(text, keys: Array(json.keys)) == [
            "family", "n", "location", "scale", "df", "noncentrality", "logLikelihood", "converged", "iterations", "dfAtBound",
            "standardErrors", "aic", "bic",
        ])
        let fixed = try Self.fitJSON([path, "--family", "noncentral-t", "--df", "6"]).object
        #expect(fixed["df"] as? Double == 6)
    }

    // MARK: Multivariate

    @Test func multivariateNormal() throws {
        let a: [Double] = [1, 2, 4, 3, 5, 9]
        let b: [Double] = [2, 1, 0, 3, 7, 5]
        let c: [Double] = [0.5, 0.25, 1, -1, 2, 0]
        let path = try Self.csv(header: ["a", "b", "c"], columns: [a, b, c])
        let (json, text) = try Self.fitJSON([path, "--family", "normal"])
        #expect(json["family"] as? String == "normal")
        #expect(json["n"] as? Int == 6)
        #expect(json["dimension"] as? Int == 3)
        #expect(json["df"] == nil)
        #expect(json["dfAtBound"] == nil)
        let columns = [a, b, c]
        let means = columns.map { $0.reduce(0, +) / 6 }
        let location = try #require(json["location"] as? [Double])
        let scatter = try #require(json["scatter"] as? [[Double]])
        #expect(scatter.count == 3 && scatter.allSatisfy { $0.count == 3 })
        for i in 0..<3 {
            #expect(Tolerance.isClose(location[i], means[i], relative: 1e-14))
            for j in 0..<3 {
                // The ML covariance divides by n.
                let cov = zip(columns[i], columns[j]).map { ($0 - means[i]) * ($1 - means[j]) }.reduce(0, +) / 6
                #expect(Tolerance.isClose(scatter[i][j], cov, relative: 1e-12, absolute: 1e-14), "(\(i), \(j))")
            }
        }
        #expect(Self.keyOrder(text, keys: Array(json.keys))
            == ["family", "n", "dimension", "location", "scatter", "logLikelihood", "converged", "iterations", "standardErrors", "aic", "bic"])
        // Standard errors: √(σⱼⱼ/n) for the means, √((σⱼⱼσₖₖ + σⱼₖ²)/n) for the covariances.
        let se = try #require(json["standardErrors"] as? [String: Any])
        let seLocation = try #require(se["location"] as? [Double]), seScatter = try #require(se["scatter"] as? [[Double]])
        for i in 0..<3 {
            #expect(Tolerance.isClose(seLocation[i], (scatter[i][i] / 6).squareRoot(), relative: 1e-13))
            for j in 0..<3 {
                let expected = ((scatter[i][i] * scatter[j][j] + scatter[i][j] * scatter[i][j]) / 6).squareRoot()
                #expect(Tolerance.isClose(seScatter[i][j], expected, relative: 1e-12))
            }
        }
    }

    @Test func multivariateTSelectedColumnsAndWeights() throws {
        var rng = PolytailRandom(seed: 99)
        let n = 300
        var u: [Double] = [], v: [Double] = [], noise: [Double] = []
        for _ in 0..<n {
            let s = (rng.chiSquared(4) / 4).squareRoot()
            let z1 = rng.standardNormal(), z2 = rng.standardNormal()
            u.append(1 + z1 / s)
            v.append(-2 + (0.5 * z1 + z2) / s)
            noise.append(rng.standardNormal())
        }
        let w = (0..<n).map { Double($0 % 2) + 1 }
        let path = try Self.csv(header: ["noise", "u", "v", "w"], columns: [noise, u, v, w])
        let (json, text) = try Self.fitJSON([path, "--columns", "v,u", "--weights", "w"])
        let data = try Matrix(rowArrays: (0..<n).map { [v[$0], u[$0]] })
        let fit = try MultivariateT.fit(data, weights: w)
        #expect(json["family"] as? String == "t")
        #expect(json["dimension"] as? Int == 2)
        let location = fit.model.location.map { "\($0)" }.joined(separator: ",")
        let scatter = fit.model.scatter.rowArrays
            .map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }.joined(separator: ",")
        #expect(text.contains("\"location\":[\(location)],\"scatter\":[\(scatter)],"))
        #expect((json["scatter"] as? [[Double]])?.count == 2)
        #expect(text.contains("\"df\":\(fit.model.degreesOfFreedom),"))
        #expect(json["dfAtBound"] as? Bool == fit.result.dfAtBound)
        #expect(Self.keyOrder(text, keys: Array(json.keys)) == [
            "family", "n", "dimension", "location", "scatter", "df", "logLikelihood", "converged", "iterations", "dfAtBound",
            "standardErrors", "aic", "bic", "tailTest",
        ])
        let se = try #require(json["standardErrors"] as? [String: Any])
        #expect((se["location"] as? [Double])?.count == 2 && (se["scatter"] as? [[Double]])?.count == 2)
        #expect(text.contains("\"df\":\(fit.result.standardError(.degreesOfFreedom)!)}"))
        let fixed = try Self.fitJSON([path, "--columns", "u,v", "--df", "4"]).object
        #expect(fixed["df"] as? Double == 4)
    }

    // MARK: Errors

    struct BadCase: CustomTestStringConvertible, Sendable {
        var name: String
        var lines: [String]?  // nil: no file is written
        var arguments: [String]  // "FILE" stands for the file's path
        var exitCode: Int32
        var mentions: [String]
        var testDescription: String { name }
    }

    static let good = ["x,y,w", "1,2,1", "2,5,1", "4,3,2", "3,8,1", "7,1,1", "5,5,3"]

    static let badCases: [BadCase] = [
        BadCase(name: "missing file", lines: nil, arguments: ["FILE"], exitCode: 1, mentions: ["no such file", "missing.csv"]),
        BadCase(name: "empty file", lines: [], arguments: ["FILE"], exitCode: 1, mentions: ["empty", "header"]),
        BadCase(name: "header only", lines: ["x"], arguments: ["FILE"], exitCode: 1, mentions: ["no data rows"]),
        BadCase(name: "non-numeric cell", lines: ["x,y", "1,2", "3,abc"], arguments: ["FILE"], exitCode: 1,
                mentions: ["line 3", "\"y\"", "abc"]),
        BadCase(name: "NaN cell", lines: ["x", "1", "2", "NaN", "4"], arguments: ["FILE"], exitCode: 1,
                mentions: ["line 4", "\"x\"", "non-finite"]),
        BadCase(name: "Inf cell", lines: ["x,y", "1,2", "-inf,3"], arguments: ["FILE", "--columns", "x"], exitCode: 1,
                mentions: ["line 3", "\"x\"", "non-finite"]),
        BadCase(name: "empty column", lines: ["x,y", "1,", "2,", "3,"], arguments: ["FILE", "--family", "normal"], exitCode: 1,
                mentions: ["empty cell", "line 2", "\"y\""]),
        BadCase(name: "fewer rows than parameters (t)", lines: ["x", "1", "2"], arguments: ["FILE"], exitCode: 1,
                mentions: ["too few rows", "need at least 3", "got 2"]),
        BadCase(name: "fewer rows than parameters (multivariate)", lines: ["a,b", "1,2", "3,1"], arguments: ["FILE", "--family", "normal"],
                exitCode: 1, mentions: ["too few rows", "2 columns"]),
        BadCase(name: "constant column", lines: ["x", "3", "3", "3", "3"], arguments: ["FILE", "--family", "normal"], exitCode: 1,
                mentions: ["\"x\"", "constant"]),
        BadCase(name: "constant second column", lines: ["a,b", "1,5", "2,5", "4,5", "3,5"], arguments: ["FILE", "--family", "normal"],
                exitCode: 1, mentions: ["\"b\"", "constant"]),
        BadCase(name: "mostly tied values (unbounded t likelihood)", lines: ["x", "1", "1", "1", "1", "1", "1", "1", "2"],
                arguments: ["FILE"], exitCode: 1, mentions: ["t fit failed"]),
        BadCase(name: "ragged row", lines: ["x,y", "1,2", "3"], arguments: ["FILE"], exitCode: 1, mentions: ["line 3", "1 field"]),
        BadCase(name: "unterminated quote", lines: ["x", "1", "\"2"], arguments: ["FILE"], exitCode: 1, mentions: ["line 3", "unterminated"]),
        BadCase(name: "unknown column", lines: good, arguments: ["FILE", "--columns", "x,q"], exitCode: 1,
                mentions: ["\"q\"", "\"x\", \"y\", \"w\""]),
        BadCase(name: "unknown weights column", lines: good, arguments: ["FILE", "--weights", "weight"], exitCode: 1,
                mentions: ["\"weight\""]),
        BadCase(name: "negative weight", lines: ["x,w", "1,1", "2,-1", "3,1", "5,1"], arguments: ["FILE", "--weights", "w"],
                exitCode: 1, mentions: ["line 3", "\"w\"", "weight"]),
        BadCase(name: "all-zero weights", lines: ["x,w", "1,0", "2,0", "3,0", "5,0"], arguments: ["FILE", "--weights", "w"],
                exitCode: 1, mentions: ["\"w\"", "zero"]),
        BadCase(name: "only a weights column", lines: ["w", "1", "2"], arguments: ["FILE", "--weights", "w"], exitCode: 1,
                mentions: ["no data columns"]),
        BadCase(name: "unknown family", lines: good, arguments: ["FILE", "--family", "cauchy"], exitCode: 2, mentions: ["cauchy"]),
        BadCase(name: "negative df", lines: good, arguments: ["FILE", "--df", "-1"], exitCode: 2, mentions: ["--df", "≥ 1e-300"]),
        BadCase(name: "negative df, = form", lines: good, arguments: ["FILE", "--df=-3"], exitCode: 2, mentions: ["--df", "≥ 1e-300"]),
        BadCase(name: "subnormal df", lines: good, arguments: ["FILE", "--df", "5e-324"], exitCode: 2, mentions: ["--df", "≥ 1e-300", "5e-324"]),
        BadCase(name: "zero df", lines: good, arguments: ["FILE", "--df", "0"], exitCode: 2, mentions: ["--df"]),
        BadCase(name: "nan df", lines: good, arguments: ["FILE", "--df", "nan"], exitCode: 2, mentions: ["--df", "finite"]),
        BadCase(name: "infinite df", lines: good, arguments: ["FILE", "--df", "inf"], exitCode: 2, mentions: ["--df", "finite"]),
        BadCase(name: "df not a number", lines: good, arguments: ["FILE", "--df", "many"], exitCode: 2, mentions: ["many"]),
        BadCase(name: "df for the normal", lines: good, arguments: ["FILE", "--family", "normal", "--df", "3"], exitCode: 2,
                mentions: ["--df", "normal"]),
        BadCase(name: "max-df for the normal", lines: good, arguments: ["FILE", "--family", "normal", "--max-df", "30"], exitCode: 2,
                mentions: ["--max-df", "normal"]),
        BadCase(name: "bad max-df", lines: good, arguments: ["FILE", "--max-df", "-5"], exitCode: 2, mentions: ["--max-df"]),
        BadCase(name: "df and max-df", lines: good, arguments: ["FILE", "--df", "3", "--max-df", "30"], exitCode: 2,
                mentions: ["--df", "--max-df"]),
        BadCase(name: "noncentral-t with several columns", lines: good, arguments: ["FILE", "--family", "noncentral-t"], exitCode: 2,
                mentions: ["noncentral-t", "univariate"]),
        BadCase(name: "empty --columns", lines: good, arguments: ["FILE", "--columns", ""], exitCode: 2, mentions: ["--columns"]),
        BadCase(name: "empty name in --columns", lines: good, arguments: ["FILE", "--columns", "x,,y"], exitCode: 2, mentions: ["--columns"]),
        BadCase(name: "repeated column", lines: good, arguments: ["FILE", "--columns", "x,x"], exitCode: 1, mentions: ["\"x\"", "more than once"]),
        BadCase(name: "weights also data", lines: good, arguments: ["FILE", "--columns", "x,w", "--weights", "w"], exitCode: 2,
                mentions: ["\"w\"", "--weights"]),
        BadCase(name: "missing file argument", lines: nil, arguments: [], exitCode: 2, mentions: ["<file>"]),
        BadCase(name: "unknown option", lines: good, arguments: ["FILE", "--frobnicate"], exitCode: 2, mentions: ["--frobnicate"]),
        BadCase(name: "option without value", lines: good, arguments: ["FILE", "--df"], exitCode: 2, mentions: ["--df"]),
        BadCase(name: "two files", lines: good, arguments: ["FILE", "FILE"], exitCode: 2, mentions: []),
    ]

    @Test(arguments: badCases)
    func badInput(_ bad: BadCase) throws {
        let path: String
        if let lines = bad.lines {
            path = try TempFiles.write(lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n", name: "bad.csv").path
        } else {
            path = TempFiles.directory.appendingPathComponent("missing.csv").path
        }
        let arguments = bad.arguments.map { $0 == "FILE" ? path : $0 }
        let out = runFit(arguments: arguments)
        #expect(out.exitCode == bad.exitCode, "stderr: \(out.stderr)")
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.hasPrefix("error: "))
        #expect(out.stderr.hasSuffix("\n"))
        #expect(out.stderr.filter { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }.count == 1, "not one line: \(out.stderr)")
        for part in bad.mentions { #expect(out.stderr.contains(part), "\(out.stderr) should mention \(part)") }
    }

    @Test func unreadableInputs() throws {
        let latin1 = try TempFiles.write(bytes: [0x78, 0x0A, 0x31, 0x0A, 0xE9, 0x0A], name: "latin1.csv")
        for (path, mentions) in [(latin1.path, ["UTF-8", "line 3"]), (TempFiles.directory.path, ["directory"])] {
            let out = runFit(arguments: [path])
            #expect(out.exitCode == 1)
            #expect(out.stdout.isEmpty)
            #expect(out.stderr.hasPrefix("error: ") && out.stderr.filter(\.isNewline).count == 1)
            for part in mentions { #expect(out.stderr.contains(part), "\(out.stderr)") }
        }
    }

    @Test func libraryErrorsNameLinesAndColumns() throws {
        // Row 1 of the data starts on line 4 (row 0's quoted cell spans lines 2–3).
        let table = try CSVTable.parse("s,x,y\n\"a\nb\",1,2\nc,3,4\n")
        let context = FitContext(file: "f.csv", table: table, weightsColumn: "w")
        let columns = ["x", "y"]
        let nonFinite = context.describe(.nonFiniteValue(row: 1, column: 1), columns: columns, family: .t)
        #expect(nonFinite == "f.csv: non-finite value at line 4, column \"y\"")
        let constant = context.describe(.constantData(column: 0), columns: columns, family: .normal)
        #expect(constant.contains("column \"x\" is constant"))
        let univariate = context.describe(.constantData(column: nil), columns: ["y"], family: .t)
        #expect(univariate.contains("column \"y\" is constant"))
        let weight = context.describe(.invalidWeight(row: 0), columns: columns, family: .t)
        #expect(weight.contains("line 2") && weight.contains("\"w\""))
        let few = context.describe(.tooFewObservations(needed: 4, got: 2), columns: columns, family: .t)
        #expect(few.contains("rows of positive weight") && few.contains("need at least 4"))
        for error: PolytailError in [.emptyData, .numericalFailure("x\ny"), .singularMatrix(what: "scatter"),
                                     .notPositiveDefinite(what: "scatter"), .dimensionMismatch(what: "w", expected: 1, got: 2),
                                     .invalidParameter(name: "nu", value: -1, requirement: "> 0")] {
            #expect(context.describe(error, columns: columns, family: .t).hasPrefix("f.csv: "))
        }
    }

    // MARK: Help and the root command

    @Test func helpGoesToStdout() {
        let out = runFit(arguments: ["--help"])
        #expect(out.exitCode == 0)
        #expect(out.stderr.isEmpty)
        #expect(out.stdout.contains("USAGE: polytail fit"))
        #expect(out.stdout.contains("noncentral-t"))
        let root = runPolytail(arguments: [])
        #expect(root.exitCode == 0 && root.stdout.contains("fit"))
        let unknown = runPolytail(arguments: ["frobnicate"])
        #expect(unknown.exitCode == 2 && unknown.stdout.isEmpty && unknown.stderr.hasPrefix("error: "))
    }

    @Test func quotedCRLFFileWithBOM() throws {
        let text = "\u{FEFF}\"the x\",other\r\n\"1.5\",a\r\n2.5,b\r\n4,\"c,d\"\r\n7,e\r\n"
        let url = try TempFiles.write(text, name: "crlf.csv")
        let (json, _) = try Self.fitJSON([url.path, "--columns", "the x", "--family", "normal"])
        #expect(json["n"] as? Int == 4)
        #expect(json["location"] as? Double == 3.75)
    }

    // MARK: JSON

    @Test func jsonRendering() {
        let value = JSONValue.object([
            ("b", .number(0.1)), ("a", .number(.nan)), ("c", .number(-.infinity)), ("d", .number(1e-5)),
            ("e", .number(1e300)), ("f", .int(-3)), ("g", .bool(false)), ("h", .null),
            ("s", .string("q\"\\\n\t\u{01}é")), ("arr", .array([.number(2), .array([])])), ("o", .object([])),
        ])
        #expect(value.rendered
            == #"{"b":0.1,"a":null,"c":null,"d":1e-05,"e":1e+300,"f":-3,"g":false,"h":null,"s":"q\"\\\n\t\u0001é","arr":[2.0,[]],"o":{}}"#)
        let decoded = try? JSONSerialization.jsonObject(with: Data(value.rendered.utf8)) as? [String: Any]
        #expect(decoded?["s"] as? String == "q\"\\\n\t\u{01}é")
        #expect(decoded?["d"] as? Double == 1e-5)
    }
}

// MARK: Standard errors omitted

extension CLITests {
    @Test("standardErrorsOmitted: the reason when there are no standard errors, absent otherwise")
    func standardErrorsOmitted() throws {
        // Distinct subnormal values: σ̂ is a double, its variance is not.
        let tiny = Self.normalSample(50, seed: 21).map { $0 * Subnormal.tenToMinus310 }
        let (json, text) = try Self.fitJSON([try Self.csv(header: ["x"], columns: [tiny]), "--family", "normal"])
        #expect((json["standardErrors"] as? [String: Any])?.isEmpty == true)
        #expect(json["standardErrorsOmitted"] as? String == CovarianceOmission.outsideDoubleRange.rawValue)
        #expect(Self.keyOrder(text, keys: Array(json.keys))
            == ["family", "n", "location", "scale", "logLikelihood", "converged", "iterations", "standardErrors",
                "standardErrorsOmitted", "aic", "bic"])
        #expect((json["scale"] as? Double ?? 0) > 0)
        // 32 columns: 560 parameters, above the 527 the fits compute a covariance for.
        let columns = (0..<32).map { Self.normalSample(40, seed: 100 + UInt64($0)) }
        let wide = try Self.fitJSON([try Self.csv(header: (0..<32).map { "c\($0)" }, columns: columns), "--family", "normal"])
        #expect((wide.object["standardErrors"] as? [String: Any])?.isEmpty == true)
        #expect(wide.object["standardErrorsOmitted"] as? String == "tooManyParameters")
        // With standard errors the key is absent.
        let usual = try Self.fitJSON([try Self.csv(header: ["x"], columns: [Self.normalSample(50, seed: 22)]), "--family", "normal"])
        #expect(usual.object["standardErrorsOmitted"] == nil && (usual.object["standardErrors"] as? [String: Any])?.count == 2)
    }
}
