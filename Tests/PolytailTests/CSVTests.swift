import Foundation
import Testing
@testable import Polytail

@Suite struct CSVTests {
    // MARK: Accepted forms

    struct Form: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var header: [String]
        var rows: [[String]]
        var testDescription: String { name }
    }

    static let forms: [Form] = [
        Form(name: "LF, trailing newline", text: "a,b\n1,2\n3,4\n", header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]),
        Form(name: "no trailing newline", text: "a,b\n1,2\n3,4", header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]),
        Form(name: "CRLF", text: "a,b\r\n1,2\r\n3,4\r\n", header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]),
        Form(name: "lone CR", text: "a,b\r1,2\r3,4\r", header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]),
        Form(name: "mixed line ends", text: "a,b\r\n1,2\n3,4\r", header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]),
        Form(name: "BOM", text: "\u{FEFF}a,b\n1,2\n", header: ["a", "b"], rows: [["1", "2"]]),
        Form(name: "blank trailing lines", text: "a,b\n1,2\n\n\r\n\n", header: ["a", "b"], rows: [["1", "2"]]),
        Form(name: "header only", text: "a,b\n", header: ["a", "b"], rows: []),
        Form(name: "header only, no newline", text: "a", header: ["a"], rows: []),
        Form(name: "quoted comma", text: "a,b\n\"1,5\",2\n", header: ["a", "b"], rows: [["1,5", "2"]]),
        Form(name: "quoted LF", text: "a,b\n\"x\ny\",2\n", header: ["a", "b"], rows: [["x\ny", "2"]]),
        Form(name: "quoted CRLF", text: "a,b\r\n\"x\r\ny\",2\r\n", header: ["a", "b"], rows: [["x\r\ny", "2"]]),
        Form(name: "doubled quotes", text: "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n", header: ["a", "b"], rows: [["say \"hi\"", "\""]]),
        Form(name: "quoted empty", text: "a,b\n\"\",\"\"\n", header: ["a", "b"], rows: [["", ""]]),
        Form(name: "quoted header", text: "\"x, y\",\"z\"\"\"\n1,2\n", header: ["x, y", "z\""], rows: [["1", "2"]]),
        Form(name: "quoted last field, no newline", text: "a,b\n1,\"2\"", header: ["a", "b"], rows: [["1", "2"]]),
        Form(name: "empty fields", text: "a,b,c\n,,\n1,,3\n", header: ["a", "b", "c"], rows: [["", "", ""], ["1", "", "3"]]),
        Form(name: "trailing comma at end of file", text: "a,b\n1,", header: ["a", "b"], rows: [["1", ""]]),
        Form(name: "header names trimmed", text: " a , b\t\n1,2\n", header: ["a", "b"], rows: [["1", "2"]]),
        Form(name: "UTF-8 text", text: "α,β\nπ,ü\n", header: ["α", "β"], rows: [["π", "ü"]]),
        Form(name: "blank line in one-column file is an empty cell", text: "a\n1\n\n2\n", header: ["a"], rows: [["1"], [""], ["2"]]),
        Form(name: "blank lines before the header", text: "\n\na\n1\n", header: ["a"], rows: [["1"]]),
    ]

    @Test(arguments: forms)
    func acceptedForm(_ form: Form) throws {
        let table = try CSVTable.parse(form.text)
        #expect(table.header == form.header)
        #expect(table.rows == form.rows)
        // The same bytes through the file reader.
        let url = try TempFiles.write(form.text, name: "form.csv")
        let fromFile = try CSVTable.read(contentsOf: url)
        #expect(fromFile == table)
        #expect(try CSVTable.read(contentsOf: url.path) == table)
    }

    @Test func rowLinesCountPhysicalLines() throws {
        let table = try CSVTable.parse("a,b\n1,\"x\ny\"\r\n2,3\n\"p\r\rq\",4")
        #expect(table.rowLines == [2, 4, 5])
        #expect(table.line(ofRow: 2) == 5)
        let blankFirst = try CSVTable.parse("\n\na\n1\n")
        #expect(blankFirst.rowLines == [4])
    }

    // MARK: Syntax and file errors

    struct Failure: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var error: CSVError
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(name: "empty", text: "", error: .noHeader),
        Failure(name: "only BOM", text: "\u{FEFF}", error: .noHeader),
        Failure(name: "only blank lines", text: "\n\r\n\n", error: .noHeader),
        Failure(name: "empty header name", text: "a,,c\n1,2,3\n", error: .emptyHeaderName(column: 2)),
        Failure(name: "blank header name", text: "a,  \n1,2\n", error: .emptyHeaderName(column: 2)),
        Failure(name: "trailing comma in header", text: "a,b,\n1,2,3\n", error: .emptyHeaderName(column: 3)),
        Failure(name: "duplicate header", text: "x,y,x\n1,2,3\n", error: .duplicateHeaderName(name: "x", firstColumn: 1, secondColumn: 3)),
        Failure(name: "duplicate after trimming", text: "x, x\n1,2\n", error: .duplicateHeaderName(name: "x", firstColumn: 1, secondColumn: 2)),
        Failure(name: "short row", text: "a,b\n1,2\n3\n", error: .raggedRow(line: 3, fields: 1, expected: 2)),
        Failure(name: "long row", text: "a,b\n1,2,3\n", error: .raggedRow(line: 2, fields: 3, expected: 2)),
        Failure(name: "blank line inside two-column data", text: "a,b\n1,2\n\n3,4\n", error: .raggedRow(line: 3, fields: 1, expected: 2)),
        Failure(name: "ragged after multi-line field", text: "a,b\n\"x\ny\",1\n2\n", error: .raggedRow(line: 4, fields: 1, expected: 2)),
        Failure(name: "unterminated quote", text: "a,b\n1,\"2\n3,4\n", error: .unterminatedQuote(line: 2, column: 3)),
        Failure(name: "unterminated quote in header", text: "\"a,b\n", error: .unterminatedQuote(line: 1, column: 1)),
        Failure(name: "stray quote", text: "a,b\n1,2\"3\n", error: .strayQuote(line: 2, column: 4)),
        Failure(name: "stray quote in header", text: "a,b\"\n", error: .strayQuote(line: 1, column: 4)),
        Failure(name: "text after closing quote", text: "a,b\n\"1\"x,2\n", error: .textAfterClosingQuote(line: 2, column: 4)),
        Failure(name: "space after closing quote", text: "a,b\n1,\"2\" \n", error: .textAfterClosingQuote(line: 2, column: 6)),
    ]

    @Test(arguments: failures)
    func rejected(_ failure: Failure) throws {
        expectError(failure.error) { try CSVTable.parse(failure.text) }
        let url = try TempFiles.write(failure.text, name: "bad.csv")
        expectError(failure.error) { try CSVTable.read(contentsOf: url) }
    }

    @Test func strayQuoteColumnCountsCharacters() {
        expectError(CSVError.strayQuote(line: 2, column: 4)) { try CSVTable.parse("a\nπππ\"\n") }
    }

    @Test func missingFile() {
        let path = TempFiles.directory.appendingPathComponent("does-not-exist.csv").path
        expectError(CSVError.fileNotFound(path: path)) { try CSVTable.read(contentsOf: path) }
    }

    @Test func directoryIsUnreadable() throws {
        do {
            _ = try CSVTable.read(contentsOf: TempFiles.directory)
            Issue.record("expected an error")
        } catch {
            guard case .unreadable = error else { Issue.record("got \(error)"); return }
            #expect(error.description.contains("directory"))
        }
    }

    @Test(arguments: [
        ([0x61, 0x0A, 0x31, 0xFF, 0x0A] as [UInt8], 2, 2),  // invalid byte
        ([0x61, 0x0A, 0xCE, 0xB1, 0xC3] as [UInt8], 2, 2),  // truncated sequence at end
        ([0x61, 0x0D, 0x0A, 0x62, 0xC0, 0xAF] as [UInt8], 2, 2),  // overlong encoding after CRLF
        ([0xED, 0xA0, 0x80] as [UInt8], 1, 1),  // UTF-16 surrogate
        ([0xEF, 0xBB, 0xBF, 0x61, 0x62, 0x80] as [UInt8], 1, 3),  // after a BOM, which is not a column
        ([0xF4, 0x90, 0x80, 0x80] as [UInt8], 1, 1),  // above U+10FFFF
    ])
    func notUTF8(bytes: [UInt8], line: Int, column: Int) throws {
        let url = try TempFiles.write(bytes: bytes, name: "not-utf8.csv")
        expectError(CSVError.notUTF8(line: line, column: column)) { try CSVTable.read(contentsOf: url) }
        expectError(CSVError.notUTF8(line: line, column: column)) { try CSVTable.parse(utf8: bytes) }
    }

    @Test func latin1FileIsRejected() throws {
        let url = try TempFiles.write(bytes: Array("name\ncaf\u{E9}\n".data(using: .isoLatin1)!), name: "latin1.csv")
        expectError(CSVError.notUTF8(line: 2, column: 4)) { try CSVTable.read(contentsOf: url) }
    }

    // MARK: Numbers

    @Test func numericColumnsParseAndSelect() throws {
        let table = try CSVTable.parse("x,y,label\n1, 2.5 ,a\n-3e2,\t0x10,b\n")
        let all = try table.numericColumns(["x", "y"])
        #expect(all.names == ["x", "y"])
        #expect(all.matrix.rows == 2 && all.matrix.columns == 2)
        #expect(all.matrix.elements == [1, 2.5, -300, 16])
        let reordered = try table.numericColumns(["y", "x"])
        #expect(reordered.matrix.elements == [2.5, 1, 16, -300])
        #expect(try table.numericColumn("y") == [2.5, 16])
    }

    @Test func numericColumnsNilMeansAll() throws {
        let table = try CSVTable.parse("p,q\n1,2\n3,4\n")
        let all = try table.numericColumns(nil)
        #expect(all.names == ["p", "q"])
        #expect(all.matrix.elements == [1, 2, 3, 4])
    }

    @Test func numbersRoundTripExactly() throws {
        let values: [Double] = [0.1, -1.0 / 3.0, 6.02214076e23, .leastNonzeroMagnitude, 1.7976931348623157e308]
        let text = "v\n" + values.map { "\($0)" }.joined(separator: "\n")
        #expect(try CSVTable.parse(text).numericColumn("v") == values)
    }

    @Test func headerOnlyGivesEmptyMatrix() throws {
        let result = try CSVTable.parse("a,b\n").numericColumns(nil)
        #expect(result.matrix.rows == 0 && result.matrix.columns == 2)
    }

    static let numberFailures: [Failure] = [
        Failure(name: "word", text: "a,b\n1,2\n3,abc\n", error: .notANumber(line: 3, column: "b", text: "abc")),
        Failure(name: "comma decimal", text: "a\n\"1,5\"\n", error: .notANumber(line: 2, column: "a", text: "1,5")),
        Failure(name: "two numbers", text: "a\n1 2\n", error: .notANumber(line: 2, column: "a", text: "1 2")),
        Failure(name: "empty cell", text: "a,b\n1,\n", error: .emptyCell(line: 2, column: "b")),
        Failure(name: "spaces only", text: "a,b\n1,  \n", error: .emptyCell(line: 2, column: "b")),
        Failure(name: "blank line in one column", text: "a\n1\n\n2\n", error: .emptyCell(line: 3, column: "a")),
        Failure(name: "nan", text: "a\n1\nnan\n", error: .nonFiniteNumber(line: 3, column: "a", text: "nan")),
        Failure(name: "NaN", text: "a\nNaN\n", error: .nonFiniteNumber(line: 2, column: "a", text: "NaN")),
        Failure(name: "inf", text: "a\ninf\n", error: .nonFiniteNumber(line: 2, column: "a", text: "inf")),
        Failure(name: "-Inf", text: "a\n-Inf\n", error: .nonFiniteNumber(line: 2, column: "a", text: "-Inf")),
        Failure(name: "infinity", text: "a\ninfinity\n", error: .nonFiniteNumber(line: 2, column: "a", text: "infinity")),
        Failure(name: "overflow", text: "a\n1e400\n", error: .nonFiniteNumber(line: 2, column: "a", text: "1e400")),
        Failure(name: "line after multi-line field", text: "s,a\n\"x\ny\",1\nz,w\n", error: .notANumber(line: 4, column: "a", text: "w")),
    ]

    @Test(arguments: numberFailures)
    func numberRejected(_ failure: Failure) throws {
        let table = try CSVTable.parse(failure.text)
        let column = table.header.last!
        expectError(failure.error) { try table.numericColumns([column]) }
        expectError(failure.error) { try table.numericColumn(column) }
    }

    @Test func unknownAndRepeatedColumns() throws {
        let table = try CSVTable.parse("a,b\n1,2\n")
        expectError(CSVError.unknownColumn(name: "c", available: ["a", "b"])) { try table.numericColumns(["a", "c"]) }
        expectError(CSVError.unknownColumn(name: "c", available: ["a", "b"])) { try table.numericColumn("c") }
        expectError(CSVError.repeatedColumn(name: "a")) { try table.numericColumns(["a", "a"]) }
    }

    @Test func handMadeRaggedTableThrowsInsteadOfTrapping() throws {
        let table = CSVTable(header: ["a", "b"], rows: [["1", "2"], ["3"]])
        #expect(table.rowLines == [2, 3])
        expectError(CSVError.raggedRow(line: 3, fields: 1, expected: 2)) { try table.numericColumns(nil) }
        expectError(CSVError.raggedRow(line: 3, fields: 1, expected: 2)) { try table.numericColumn("b") }
        #expect(try table.numericColumn("a") == [1, 3])
    }

    // MARK: Messages

    @Test func descriptionsAreOneLineAndSayWhere() {
        let errors: [(CSVError, [String])] = [
            (.fileNotFound(path: "/x/y.csv"), ["/x/y.csv"]),
            (.unreadable(path: "/x", reason: "it is a directory"), ["/x", "directory"]),
            (.notUTF8(line: 3, column: 7), ["UTF-8", "line 3", "column 7"]),
            (.noHeader, ["empty"]),
            (.emptyHeaderName(column: 2), ["column 2"]),
            (.duplicateHeaderName(name: "x", firstColumn: 1, secondColumn: 3), ["\"x\"", "1", "3"]),
            (.raggedRow(line: 5, fields: 3, expected: 2), ["line 5", "3 fields", "header has 2"]),
            (.unterminatedQuote(line: 2, column: 3), ["line 2", "column 3", "unterminated"]),
            (.strayQuote(line: 2, column: 4), ["line 2", "column 4", "quote"]),
            (.textAfterClosingQuote(line: 2, column: 4), ["line 2", "column 4"]),
            (.unknownColumn(name: "c", available: ["a", "b"]), ["\"c\"", "\"a\", \"b\""]),
            (.repeatedColumn(name: "a"), ["\"a\""]),
            (.emptyCell(line: 9, column: "b"), ["line 9", "\"b\"", "empty"]),
            (.notANumber(line: 9, column: "b", text: "x\ny"), ["line 9", "\"b\"", "x\\ny"]),
            (.nonFiniteNumber(line: 9, column: "b", text: "nan"), ["line 9", "\"b\"", "nan"]),
        ]
        for (error, parts) in errors {
            let text = error.description
            #expect(!text.contains("\n") && !text.contains("\r"), "\(text)")
            for part in parts { #expect(text.contains(part), "\(text) should mention \(part)") }
        }
    }

    // MARK: Properties

    /// Random tables written with RFC 4180 quoting (and random line ends) read back unchanged.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func writtenTablesReadBack(seed: UInt64) throws {
        var rng = PolytailRandom(seed: seed)
        let alphabet: [String] = ["a", "1", ".", " ", ",", "\"", "\n", "\r", "\r\n", "é", "π", "🙂", "-"]
        func field(_ header: Bool) -> String {
            var f = ""
            let length = Int.random(in: header ? 1...6 : 0...6, using: &rng)
            for _ in 0..<length { f += alphabet.randomElement(using: &rng)! }
            if header { f = "h" + f.replacingOccurrences(of: " ", with: "_") + "h" }
            return f
        }
        func write(_ f: String) -> String {
            let needsQuotes = f.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            if needsQuotes || Bool.random(using: &rng) && !f.isEmpty {
                return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return f
        }
        for _ in 0..<200 {
            let width = Int.random(in: 1...4, using: &rng)
            var header: [String] = []
            while header.count < width {
                let name = field(true)
                if !header.contains(name) { header.append(name) }
            }
            let rows = (0..<Int.random(in: 0...5, using: &rng)).map { _ in
                var row = (0..<width).map { _ in field(false) }
                // A lone empty field is a blank line, which is dropped at the end of a file.
                if width == 1, row[0].isEmpty { row[0] = "x" }
                return row
            }
            let end = ["\n", "\r\n", "\r"].randomElement(using: &rng)!
            var text = ([header] + rows).map { $0.map(write).joined(separator: ",") }.joined(separator: end)
            if Bool.random(using: &rng) { text += end }
            let table = try CSVTable.parse(text)
            #expect(table.header == header)
            #expect(table.rows == rows, "\(text.debugDescription)")
        }
    }

    /// Arbitrary bytes never trap: they parse or throw a CSVError.
    @Test func randomBytesNeverTrap() {
        var rng = PolytailRandom(seed: 7)
        let pieces: [[UInt8]] = [[0x61], [0x31], [0x2C], [0x22], [0x0A], [0x0D], [0x20], [0xEF, 0xBB, 0xBF], [0xC3, 0xA9], [0xC3], [0xFF], [0x2E]]
        var parsed = 0
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...24, using: &rng) { bytes += pieces.randomElement(using: &rng)! }
            if let table = try? CSVTable.parse(utf8: bytes) {
                parsed += 1
                #expect(table.rows.allSatisfy { $0.count == table.header.count })
                #expect(table.rowLines.count == table.rows.count)
                _ = try? table.numericColumns(nil)
            }
        }
        #expect(parsed > 0)
    }

    // MARK: Size

    @Test func largeSingleColumn() throws {
        let n = 100_000
        var text = "x\n"
        text.reserveCapacity(n * 8)
        for i in 0..<n { text += "\(Double(i) * 0.5)\n" }
        let start = ContinuousClock.now
        let column = try CSVTable.parse(text).numericColumn("x")
        let elapsed = ContinuousClock.now - start
        #expect(column.count == n)
        #expect(column[n - 1] == Double(n - 1) * 0.5)
        // Generous: a debug build of 10⁵ rows takes well under this.
        #expect(elapsed < .seconds(20))
    }
}

/// Temporary files for the IO tests, one directory per process.
enum TempFiles {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("polytail-tests-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `text` as UTF-8 to a fresh file (unique name) and returns its URL.
    static func write(_ text: String, name: String) throws -> URL {
        try write(bytes: Array(text.utf8), name: name)
    }

    /// Writes `bytes` to a fresh file (unique name) and returns its URL.
    static func write(bytes: [UInt8], name: String) throws -> URL {
        let url = directory.appendingPathComponent(UUID().uuidString + "-" + name)
        try Data(bytes).write(to: url)
        return url
    }
}
