import ArgumentParser
import Foundation
import Testing
@testable import PolytailExperiments

/// Options shaped like a benchmark's (`Scripts/*Bench`), for the command-line contract.
struct SampleBenchOptions: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample-bench", abstract: "Times something.")
    @Flag(help: "Measure Polytail only.") var skipPeer = false
    @Option(name: .customLong("repeat"), help: "Best of N runs.") var repeats = 3
    func validate() throws { guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") } }
}

/// The scripts' shared error contract (Sources/PolytailExperiments/ScriptErrors.swift): one
/// line per message, and no non-finite number written into a result file.
@Suite("Reliability: script errors") struct ScriptErrorTests {
    @Test func messagesAreOneLineWithoutControlCharacters() {
        #expect(ScriptExit.oneLine("duplicate column\n\"a\"") == "duplicate column \"a\"")
        #expect(ScriptExit.oneLine("cell 7\u{0}garbage \u{1B}[31mred") == "cell 7\\u{0}garbage \\u{1b}[31mred")
        #expect(ScriptExit.oneLine("a\r\n\r\nb") == "a b")
        #expect(ScriptExit.oneLine("tab\there") == "tab\\u{9}here")
    }

    @Test func writeCSVRefusesNonFiniteNumbers() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polytail-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            try writeCSV([("x", [1, 2]), ("y", [0.5, .infinity])], to: url)
            Issue.record("wrote an infinite value")
        } catch let error as ScriptDataError {
            #expect(error.message == "\(url.path): refusing to write inf in column \"y\", row 2: the computation gave a non-finite result")
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try writeCSV([("x", [1, 2])], to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "x\n1.0\n2.0\n")
    }

    @Test func requireFiniteNamesTheValue() {
        #expect(throws: Never.self) { try requireFinite([1, -2, 0], "slope") }
        do {
            try requireFinite([1, .nan], "the normal line at λ = 1.0")
            Issue.record("no error")
        } catch let error as ScriptDataError {
            #expect(error.message == "the normal line at λ = 1.0 is nan: the data give no finite result")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// The benchmarks' command line: `--help` prints the usage (exit 0); an unknown option, a
    /// malformed or invalid value is one line on stderr and exit 2 — never a run with the
    /// option ignored.
    @Test func benchmarkOptionsFollowTheScriptContract() throws {
        let options = try SampleBenchOptions.parseForScript(["--repeat", "5", "--skip-peer"], name: "sample-bench").get()
        #expect(options.repeats == 5 && options.skipPeer)
        guard case let .failure(help) = SampleBenchOptions.parseForScript(["--help"], name: "sample-bench") else {
            Issue.record("--help parsed as options"); return
        }
        #expect(help.code == 0 && help.standardError.isEmpty)
        #expect(help.standardOutput.contains("USAGE: sample-bench [--skip-peer] [--repeat <repeat>]"))
        #expect(help.standardOutput.contains("Times something."))
        let cases: [([String], String)] = [
            (["--bogus"], "sample-bench: error: Unknown option '--bogus' (see 'sample-bench --help')\n"),
            (["--repeat", "x"], "sample-bench: error: The value 'x' is invalid for '--repeat <repeat>' (see 'sample-bench --help')\n"),
            (["--repeat", "0"], "sample-bench: error: --repeat must be at least 1 (see 'sample-bench --help')\n"),
        ]
        for (arguments, line) in cases {
            guard case let .failure(exit) = SampleBenchOptions.parseForScript(arguments, name: "sample-bench") else {
                Issue.record("\(arguments) parsed"); continue
            }
            #expect(exit == ScriptCommandLineExit(code: 2, standardOutput: "", standardError: line), "\(arguments)")
        }
    }
}
