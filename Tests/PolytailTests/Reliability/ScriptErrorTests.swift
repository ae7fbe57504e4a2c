import Foundation
import Testing
@testable import PolytailExperiments

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
}
