import Foundation
import Testing
@testable import PolytailExperiments

/// The numbers the README and `Docs/` quote for Fig. 1, Fig. 3 and its Monte-Carlo study come
/// from `Docs/numbers/<script>.json`, which the scripts write (`--record`) and check (`--check`,
/// run by CI). This suite closes the loop: every quoted number must be in its page, and must
/// be the recorded value rounded to the digits quoted (within half a unit of the last one).
@Suite struct DocumentedNumbersTests {
    /// A number as a page quotes it.
    struct Quote: CustomTestStringConvertible, Sendable {
        var page: String
        var text: String
        var numbers: String
        var key: String
        /// The recorded value times this is what is quoted (100 for a percentage).
        var scale: Double = 1
        var testDescription: String { "\(page): \(text) = \(numbers)[\(key)]" }
    }

    static let quotes: [Quote] = [
        // Docs/fig1.md, the table of tail posteriors.
        Quote(page: "Docs/fig1.md", text: "0.5000015", numbers: "fig1", key: "t_lda_fixed.p0_at_minus_1e6"),
        Quote(page: "Docs/fig1.md", text: "0.5309", numbers: "fig1", key: "t_lda_fixed.p0_at_minus_50"),
        Quote(page: "Docs/fig1.md", text: "0.4691", numbers: "fig1", key: "t_lda_fixed.p0_at_plus_50"),
        Quote(page: "Docs/fig1.md", text: "0.4999985", numbers: "fig1", key: "t_lda_fixed.p0_at_plus_1e6"),
        Quote(page: "Docs/fig1.md", text: "0.954", numbers: "fig1", key: "t_lda_tied_ml.p0_at_minus_1e6"),
        Quote(page: "Docs/fig1.md", text: "0.046", numbers: "fig1", key: "t_lda_tied_ml.p0_at_plus_1e6"),
        Quote(page: "Docs/fig1.md", text: "2.4·10⁻¹⁴⁴", numbers: "fig1", key: "softmax.p0_at_plus_50"),
        Quote(page: "Docs/fig1.md", text: "0.500001", numbers: "fig1", key: "softRmax.p0_at_minus_1e6"),
        Quote(page: "Docs/fig1.md", text: "0.5192", numbers: "fig1", key: "softRmax.p0_at_minus_50"),
        Quote(page: "Docs/fig1.md", text: "0.4804", numbers: "fig1", key: "softRmax.p0_at_plus_50"),
        Quote(page: "Docs/fig1.md", text: "0.499999", numbers: "fig1", key: "softRmax.p0_at_plus_1e6"),
        Quote(page: "README.md", text: "0.53", numbers: "fig1", key: "t_lda_fixed.p0_at_minus_50"),
        Quote(page: "README.md", text: "0.47", numbers: "fig1", key: "t_lda_fixed.p0_at_plus_50"),
        // Docs/covariate-shift.md: the default draw of Fig. 3.
        Quote(page: "Docs/covariate-shift.md", text: "11.4", numbers: "fig3", key: "lines.normal.lambda_1.target_mse"),
        Quote(page: "Docs/covariate-shift.md", text: "0.096", numbers: "fig3", key: "lines.t.lambda_1.target_mse"),
        // The README's table of the Monte-Carlo study (also in Docs/covariate-shift.md).
        Quote(page: "README.md", text: "1.1937", numbers: "fig3-trials", key: "mse.normal.outliers.lambda_0.5.mean"),
        Quote(page: "README.md", text: "0.0889", numbers: "fig3-trials", key: "mse.normal.outliers.lambda_0.5.median"),
        Quote(page: "README.md", text: "4.5%", numbers: "fig3-trials", key: "mse.normal.outliers.lambda_0.5.failure_share", scale: 100),
        Quote(page: "README.md", text: "7.9929", numbers: "fig3-trials", key: "mse.normal.outliers.lambda_1.mean"),
        Quote(page: "README.md", text: "0.0934", numbers: "fig3-trials", key: "mse.normal.outliers.lambda_1.median"),
        Quote(page: "README.md", text: "14.0%", numbers: "fig3-trials", key: "mse.normal.outliers.lambda_1.failure_share", scale: 100),
        Quote(page: "README.md", text: "0.0870", numbers: "fig3-trials", key: "mse.t.outliers.lambda_0.5.mean"),
        Quote(page: "README.md", text: "0.0864", numbers: "fig3-trials", key: "mse.t.outliers.lambda_1.mean"),
        Quote(page: "README.md", text: "0.0847", numbers: "fig3-trials", key: "mse.t.outliers.lambda_1.median"),
        Quote(page: "README.md", text: "102.7875", numbers: "fig3-trials", key: "mse.t-ml-separate.outliers.lambda_1.mean"),
        Quote(page: "README.md", text: "25.5%", numbers: "fig3-trials", key: "mse.t-ml-separate.outliers.lambda_1.failure_share", scale: 100),
        Quote(page: "README.md", text: "7.0242", numbers: "fig3-trials", key: "mse.t-ml-joint.outliers.lambda_1.mean"),
        Quote(page: "README.md", text: "7.5%", numbers: "fig3-trials", key: "mse.t-ml-joint.outliers.lambda_1.failure_share", scale: 100),
        Quote(page: "Docs/covariate-shift.md", text: "102.7875", numbers: "fig3-trials", key: "mse.t-ml-separate.outliers.lambda_1.mean"),
        Quote(page: "Docs/covariate-shift.md", text: "7.9929", numbers: "fig3-trials", key: "mse.normal.outliers.lambda_1.mean"),
    ]

    /// The repository's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The value a quote states and half a unit of its last digit: "0.4691" → (0.4691, 5e-5),
    /// "2.4·10⁻¹⁴⁴" → (2.4e-144, 5e-146), "4.5%" → (4.5, 0.05).
    static func parse(_ text: String) -> (value: Double, halfUnit: Double)? {
        var mantissa = text.replacingOccurrences(of: "%", with: "")
        var exponent = 0
        if let dot = mantissa.range(of: "·10") {
            let superscripts: [Character: Character] = ["⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"]
            guard let e = Int(String(mantissa[dot.upperBound...].map { superscripts[$0] ?? $0 })) else { return nil }
            exponent = e
            mantissa = String(mantissa[..<dot.lowerBound])
        }
        guard let m = Double(mantissa) else { return nil }
        let decimals = mantissa.split(separator: ".").dropFirst().first?.count ?? 0
        let scale = pow(10, Double(exponent))
        return (m * scale, 0.5 * pow(10, -Double(decimals)) * scale)
    }

    @Test(arguments: quotes)
    func quotedNumberMatchesTheRecord(_ quote: Quote) throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent(quote.page), encoding: .utf8)
        #expect(page.contains(quote.text), "\(quote.page) no longer quotes \(quote.text)")
        let record = try Notebook.readRecord(Self.root.appendingPathComponent("Docs/numbers/\(quote.numbers).json"))
        let recorded = try #require(record.numbers[quote.key], "Docs/numbers/\(quote.numbers).json has no \(quote.key)")
        let (value, halfUnit) = try #require(Self.parse(quote.text))
        // A whisker over half a unit, for the binary representation of the quoted decimal.
        #expect(abs(recorded.value * quote.scale - value) <= halfUnit * (1 + 1e-9),
                "\(quote.page) quotes \(quote.text) for \(quote.key), the record says \(recorded.value * quote.scale)")
    }

    @Test func parsingQuotes() throws {
        let a = try #require(Self.parse("0.4691"))
        #expect(a.value == 0.4691 && abs(a.halfUnit - 5e-5) < 1e-18)
        let b = try #require(Self.parse("2.4·10⁻¹⁴⁴"))
        #expect(abs(b.value / 2.4e-144 - 1) < 1e-12 && abs(b.halfUnit / 5e-146 - 1) < 1e-12)
        let c = try #require(Self.parse("14.0%"))
        #expect(c.value == 14 && abs(c.halfUnit - 0.05) < 1e-15)
    }
}

@Suite struct NotebookTests {
    func book() -> Notebook {
        var book = Notebook(script: "x", title: "T", command: "swift run x")
        book.echo = false
        book.parameter("--seed", "1", "seed")
        book.step("First", "Prose.")
        book.number("a", 0.5, label: "a half", tolerance: .absolute(1e-3))
        book.number("b", 100, label: "a hundred", tolerance: .relative(1e-2))
        book.figure("f.svg", caption: "A figure")
        return book
    }

    @Test func markdownHoldsTheStepsInOrder() {
        let md = book().markdown
        let order = ["# T", "## Parameters", "`--seed`", "## 1. First", "Prose.", "- a half: **0.5**", "- a hundred: **100**", "![A figure](f.svg)"]
        var last = md.startIndex
        for piece in order {
            let range = md.range(of: piece, range: last..<md.endIndex)
            #expect(range != nil, "\(piece) missing or out of order")
            if let range { last = range.upperBound }
        }
    }

    @Test func checkAcceptsWithinAndRejectsBeyondTheTolerance() {
        var recorded = book().record
        #expect(book().check(against: recorded).isEmpty)
        recorded.numbers["a"]!.value = 0.5009  // within 1e-3
        recorded.numbers["b"]!.value = 99.5  // within 1 %
        #expect(book().check(against: recorded).isEmpty)
        recorded.numbers["a"]!.value = 0.502
        recorded.numbers["b"]!.value = 98
        #expect(book().check(against: recorded).map(\.key) == ["a", "b"])
    }

    @Test func checkReportsNumbersOnOneSideOnly() {
        var recorded = book().record
        recorded.numbers["c"] = .init(label: "old", value: 1, tolerance: .absolute(0))
        recorded.numbers["a"] = nil
        let keys = book().check(against: recorded).map(\.key)
        #expect(keys == ["a", "c"])
    }

    @Test func recordRoundTripsThroughJSON() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("notebook-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try book().record(to: url)
        #expect(try Notebook.readRecord(url) == book().record)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("\"absolute\" : 0.001"))
    }

    @Test func keptNumbersAreRecordedButNotListed() {
        var b = book()
        b.keep("hidden", 0.25, label: "a quarter, shown in a table", tolerance: .absolute(0.01))
        #expect(b.record.numbers["hidden"]?.value == 0.25)
        #expect(!b.markdown.contains("a quarter"))
        var recorded = b.record
        recorded.numbers["hidden"]!.value = 0.3
        #expect(b.check(against: recorded).map(\.key) == ["hidden"])
    }

    @Test func includedMarkdownNestsUnderTheStep() {
        var b = book()
        b.include("# Table\n\ntext\n\n## Part\n\n| a |\n|---|\n| 1 |\n")
        let md = b.markdown
        #expect(md.contains("### Table\n"))
        #expect(md.contains("#### Part\n"))
        #expect(!md.contains("\n# Table"))
        let step = md.range(of: "## 1. First")!, table = md.range(of: "### Table")!
        #expect(step.upperBound <= table.lowerBound)
    }

    @Test func theNumbersFileIsNamedAfterTheScript() {
        #expect(Notebook.numbersFile("table1").path.hasSuffix("Docs/numbers/table1.json"))
    }

    @Test func aNegativeToleranceIsRejectedOnDecoding() {
        let json = #"{"script":"x","command":"c","numbers":{"a":{"label":"l","value":1,"tolerance":{"absolute":-1}}}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Notebook.Record.self, from: Data(json.utf8)) }
    }
}
