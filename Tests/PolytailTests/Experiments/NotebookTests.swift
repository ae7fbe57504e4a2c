import Foundation
import Testing
@testable import PolytailExperiments

/// The numbers the README and `Docs/` quote for Figs. 1–6, Tables 1–2 and Fig. 3's Monte-Carlo
/// study come from `Docs/numbers/<script>.json`, which the scripts write (`--record`) and check (`--check`,
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
        // Docs/robustness.md: Table 1 over 10 seeds (table1 --repeats 10), percentages.
        Quote(page: "Docs/robustness.md", text: "78.4", numbers: "table1", key: "seeds.mean.3_vs_7.softRmax.nll.fgsm_0.1", scale: 100),
        Quote(page: "Docs/robustness.md", text: "56.7", numbers: "table1", key: "seeds.mean.3_vs_7.softRmax.nll.fgsm_0.3", scale: 100),
        Quote(page: "Docs/robustness.md", text: "48.9", numbers: "table1", key: "seeds.mean.10_classes.softmax.nll.fgsm_0.1", scale: 100),
        Quote(page: "Docs/robustness.md", text: "34.1", numbers: "table1", key: "seeds.mean.10_classes.softRmax.nll.fgsm_0.3", scale: 100),
        Quote(page: "Docs/robustness.md", text: "19.1", numbers: "table1", key: "seeds.mean.10_classes.softRmax.nll.bim_0.3", scale: 100),
        Quote(page: "Docs/robustness.md", text: "26.7", numbers: "table1", key: "seeds.mean.10_classes.softRmax.worst.bim_0.1", scale: 100),
        Quote(page: "Docs/robustness.md", text: "45.7", numbers: "table1", key: "seeds.mean.10_classes.softmax.worst.bim_0.1", scale: 100),
        Quote(page: "Docs/robustness.md", text: "64.8", numbers: "table1", key: "seeds.mean.3_vs_7.softRmax.worst.bim_0.1", scale: 100),
        Quote(page: "Docs/robustness.md", text: "23.2", numbers: "table1", key: "seeds.mean.10_classes.softRmax.every_attack_0.1", scale: 100),
        Quote(page: "Docs/robustness.md", text: "2.76", numbers: "table1", key: "seeds.mean.10_classes.softRmax.ratio_median"),
        Quote(page: "Docs/robustness.md", text: "2.13", numbers: "table1", key: "seeds.mean.10_classes.softmax.ratio_median"),
        // Docs/robustness.md: Table 2 over 10 seeds (table2 --repeats 10), percentages.
        Quote(page: "Docs/robustness.md", text: "34.0", numbers: "table2", key: "seeds.mean.eps0.3.softRmax.white_nll.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "39.2", numbers: "table2", key: "seeds.mean.eps0.3.softRmax.black_same_head_substitute.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "2.6", numbers: "table2", key: "seeds.mean.eps0.3.softRmax.black_softmax_substitute.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "7.2", numbers: "table2", key: "seeds.mean.eps0.3.softRmax.avg.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "57.5", numbers: "table2", key: "seeds.mean.eps0.1.softRmax.white_nll.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "45.2", numbers: "table2", key: "seeds.mean.eps0.1.softRmax.white_margin.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "71.8", numbers: "table2", key: "seeds.mean.eps0.1.softmax.white_margin.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "87.5", numbers: "table2", key: "seeds.mean.eps0.1.softRmax.avg.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "36.21", numbers: "table2", key: "seed1.eps0.3.softRmax.white_nll.all", scale: 100),
        Quote(page: "Docs/robustness.md", text: "44.57", numbers: "table2", key: "seed1.eps0.3.softRmax.black_same_head_substitute.all", scale: 100),
        // Docs/robustness-figures.md: Figs. 2, 4, 5, 6 (seed 1).
        Quote(page: "Docs/robustness-figures.md", text: "12.3", numbers: "fig2", key: "separable.softmax.epoch1000.scale"),
        Quote(page: "Docs/robustness-figures.md", text: "0.865", numbers: "fig2", key: "separable.softRmax.epoch1000.scale"),
        Quote(page: "Docs/robustness-figures.md", text: "0.336", numbers: "fig2", key: "separable.softmax.epoch1000.min_distance"),
        Quote(page: "Docs/robustness-figures.md", text: "0.279", numbers: "fig2", key: "separable.softRmax.epoch1000.min_distance"),
        Quote(page: "Docs/robustness-figures.md", text: "0.854", numbers: "fig4", key: "softmax.nll.unclipped.eps0.1.posterior_mean"),
        Quote(page: "Docs/robustness-figures.md", text: "0.287", numbers: "fig4", key: "softRmax.nll.unclipped.eps0.1.posterior_mean"),
        Quote(page: "Docs/robustness-figures.md", text: "274", numbers: "fig4", key: "softRmax.nll.unclipped.eps100.misclassified"),
        Quote(page: "Docs/robustness-figures.md", text: "0.100", numbers: "fig4", key: "softRmax.nll.unclipped.eps100.posterior_mean"),
        Quote(page: "Docs/robustness-figures.md", text: "59.33", numbers: "fig5", key: "softRmax.eps0.1.nll.T1", scale: 100),
        Quote(page: "Docs/robustness-figures.md", text: "45.13", numbers: "fig5", key: "softRmax.eps0.1.nll.T200", scale: 100),
        Quote(page: "Docs/robustness-figures.md", text: "27.58", numbers: "fig5", key: "softRmax.eps0.1.margin.fixed_last", scale: 100),
        Quote(page: "Docs/robustness-figures.md", text: "3.62", numbers: "fig5", key: "softRmax.eps0.3.nll.fixed_last", scale: 100),
        Quote(page: "Docs/robustness-figures.md", text: "47.63", numbers: "fig5", key: "softmax.eps0.1.nll.fixed_last", scale: 100),
        Quote(page: "Docs/robustness-figures.md", text: "2.69", numbers: "fig6", key: "all.softRmax.ratio_median"),
        Quote(page: "Docs/robustness-figures.md", text: "2.01", numbers: "fig6", key: "all.softmax.ratio_median"),
        Quote(page: "Docs/robustness-figures.md", text: "1.95", numbers: "fig6", key: "3v7.softRmax.ratio_median"),
        Quote(page: "Docs/robustness-figures.md", text: "1.14", numbers: "fig6", key: "3v7.softmax.ratio_median"),
        Quote(page: "Docs/robustness-figures.md", text: "25", numbers: "fig6", key: "all.paired.lower_ratio", scale: 100),
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
