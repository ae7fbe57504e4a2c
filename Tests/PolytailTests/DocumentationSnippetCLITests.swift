import Foundation
import Testing
import Polytail
import PolytailCLI

/// The command-line examples of README.md and Docs/cli.md, run in-process on the example files
/// of `Docs/examples/` (which `exampleFiles()` makes; `POLYTAIL_WRITE_DOC_EXAMPLES=1 swift test
/// --filter DocumentationCLI` rewrites them): every documented command succeeds, and every
/// output the docs show is what the tool prints (numbers to 1e-9 relative, text exactly).
@Suite("Documentation CLI examples") struct DocumentationCLITests {
    static let root = DocumentationSnippetTests.root
    static let examples = root.appendingPathComponent("Docs/examples")

    /// The example files: name and text. Seeded, so they regenerate byte for byte.
    static func exampleFiles() throws -> [(name: String, text: String)] {
        func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
        // data.csv: x is the README's library sample (t, ν = 3, location 1, scale 2, seed 42), so
        // `polytail fit data.csv --columns x` prints that example's fit; height normal; a, b, c
        // a trivariate t (ν = 4); w frequency weights 1–3.
        var rng = PolytailRandom(seed: 42)
        let x = try StudentT(degreesOfFreedom: 3, location: 1, scale: 2).sample(1_000, using: &rng)
        var g = PolytailRandom(seed: 7)
        let height = try Normal(mean: 170, standardDeviation: 8).sample(1_000, using: &g)
        let abc = try MultivariateT(location: [0, 1, 2],
                                    scatter: Matrix(rowArrays: [[1, 0.5, 0], [0.5, 1, 0.3], [0, 0.3, 1]]),
                                    degreesOfFreedom: 4).sample(1_000, using: &g)
        var data = ["x,height,a,b,c,w"]
        for i in 0..<1_000 {
            let w = 1 + Int(3 * g.uniformPositive())
            data.append(["\(x[i])", f(height[i], 1), f(abc[i, 0], 4), f(abc[i, 1], 4), f(abc[i, 2], 4), "\(min(w, 3))"]
                .joined(separator: ","))
        }
        // train.csv: three species, 40 rows each, t-distributed (ν = 3) around their centres;
        // test.csv: one row inside each class and one far from all of them.
        let centres = [("fir", 2.0, 1.0), ("oak", 4.0, 3.0), ("yew", 6.0, 1.5)]
        var train = ["length,width,species"]
        for r in 0..<120 {
            let (name, l, w) = centres[r % 3]
            train.append("\(f(l + 0.6 * g.standardT(3), 2)),\(f(w + 0.4 * g.standardT(3), 2)),\(name)")
        }
        let test = ["length,width", "2.1,1.1", "4.2,2.8", "5.8,1.6", "40,-30"]
        // s.csv, t.csv: the paper's covariate shift (Fig. 3): source N(1.1, 0.5²), target
        // N(2.1, (10/17)²); at.csv: points to weigh, the last an outlier.
        let source = ["x"] + (0..<150).map { _ in f(1.1 + 0.5 * g.standardNormal(), 4) }
        let target = ["x"] + (0..<100).map { _ in f(2.1 + 10.0 / 17 * g.standardNormal(), 4) }
        let at = ["x", "1.1", "2.1", "3", "-4.5"]
        // uniform.csv: U(−1, 1), lighter-tailed than a normal (its ML ν is infinite).
        let uniform = ["x"] + (0..<100).map { _ in f(2 * g.uniformPositive() - 1, 4) }
        return [("data.csv", data), ("train.csv", train), ("test.csv", test), ("s.csv", source),
                ("t.csv", target), ("at.csv", at), ("uniform.csv", uniform)]
            .map { ($0.0, $0.1.joined(separator: "\n") + "\n") }
    }

    @Test func theExampleFilesAreTheseFiles() throws {
        let files = try Self.exampleFiles()
        if ProcessInfo.processInfo.environment["POLYTAIL_WRITE_DOC_EXAMPLES"] == "1" {
            try FileManager.default.createDirectory(at: Self.examples, withIntermediateDirectories: true)
            for (name, text) in files { try text.write(to: Self.examples.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        }
        for (name, text) in files {
            let committed = try String(contentsOf: Self.examples.appendingPathComponent(name), encoding: .utf8)
            #expect(committed == text, "Docs/examples/\(name) differs from exampleFiles()")
        }
    }

    /// Runs a documented command line (`polytail …`, comment stripped) with its file names
    /// resolved in `Docs/examples/` (CSV) or a temporary folder (JSON the command writes).
    static func run(_ line: String, scratch: URL) -> (stdout: String, stderr: String, exitCode: Int32) {
        var words = line.split(separator: "#", maxSplits: 1)[0].split(separator: " ").map(String.init)
        #expect(words.first == "polytail", "not a polytail command: \(line)")
        words.removeFirst()
        let arguments = words.map { word -> String in
            if word.hasSuffix(".csv") { return examples.appendingPathComponent(word).path }
            if word.hasSuffix(".json") { return scratch.appendingPathComponent(word).path }
            return word
        }
        return runPolytail(arguments: arguments)
    }

    /// Text and numbers: the same text between the numbers, numbers within 1e-9 relative.
    static func sameOutput(_ shown: String, _ printed: String) -> Bool {
        let number = /-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/
        func tokens(_ s: String) -> (text: [String], numbers: [Double]) {
            var text: [String] = [], numbers: [Double] = [], rest = s[...]
            while let m = rest.firstMatch(of: number) {
                text.append(String(rest[rest.startIndex..<m.range.lowerBound]))
                numbers.append(Double(String(m.output.0))!)
                rest = rest[m.range.upperBound...]
            }
            return (text + [String(rest)], numbers)
        }
        let (a, b) = (tokens(shown), tokens(printed))
        return a.text == b.text && a.numbers.count == b.numbers.count
            && zip(a.numbers, b.numbers).allSatisfy { abs($0 - $1) <= 1e-9 * max(abs($0), abs($1), 1e-300) }
    }

    static func scratchFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polytail-doc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The fenced blocks of a page with the given opening line.
    static func blocks(of page: String, opening: String) throws -> [[String]] {
        let text = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
        var blocks: [[String]] = [], current: [String]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line == opening { current = []; continue }
            if current != nil, line == "```" { blocks.append(current!); current = nil; continue }
            current?.append(line)
        }
        return blocks
    }

    @Test func theReadmeCommandsRunAndPrintWhatItShows() throws {
        let scratch = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let commands = try Self.blocks(of: "README.md", opening: "```sh").joined()
            .filter { $0.hasPrefix("polytail ") }
        #expect(commands.count >= 5)
        var outputs: [String: String] = [:]
        for line in commands {
            let out = Self.run(line, scratch: scratch)
            #expect(out.exitCode == 0 && out.stderr.isEmpty && !out.stdout.isEmpty, "\(line): \(out.stderr)")
            outputs[line.split(separator: "#")[0].trimmingCharacters(in: .whitespaces)] = out.stdout
        }
        // The JSON the README shows is the first fit's.
        let shown = try #require(try Self.blocks(of: "README.md", opening: "```json").first?.first)
        let printed = try #require(outputs["polytail fit data.csv --columns x"])
        #expect(Self.sameOutput(shown + "\n", printed), "README shows \(shown), the tool prints \(printed)")
    }

    @Test func theCLIPageExamplesPrintWhatItShows() throws {
        let scratch = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var checked = 0
        for block in try Self.blocks(of: "Docs/cli.md", opening: "```") {
            var command: String? = nil, expected: [String] = []
            func check() {
                guard let command else { return }
                let out = Self.run(command, scratch: scratch)
                let shown = expected.joined(separator: "\n") + (expected.isEmpty ? "" : "\n")
                #expect(out.exitCode == 0 && out.stderr.isEmpty, "\(command): \(out.stderr)")
                #expect(Self.sameOutput(shown, out.stdout), "\(command): the page shows\n\(shown)the tool prints\n\(out.stdout)")
                checked += 1
            }
            for line in block {
                if line.hasPrefix("$ ") {
                    check()
                    command = String(line.dropFirst(2)); expected = []
                } else if command != nil {
                    expected.append(line)
                }
            }
            check()
        }
        #expect(checked >= 4)
    }
}
