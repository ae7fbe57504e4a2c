import Foundation
import Testing
@testable import Polytail
#if canImport(Glibc)
import Glibc
#endif

@Suite struct CSVNumberReaderTests {
    /// glibc's strtod (correctly rounded, multiple precision) on a whole string: the
    /// independent reference for the decimal parser.
    static func reference(_ text: String) -> Double? {
        // strtod skips leading white space; a cell must be the number alone.
        guard let first = text.unicodeScalars.first, !first.properties.isWhitespace, !text.utf8.contains(0) else { return nil }
        return text.withCString { (p: UnsafePointer<CChar>) -> Double? in
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(p, &end)
            guard let end else { return nil }
            return UnsafePointer(end) - p == text.utf8.count ? v : nil
        }
    }

    static func parse(_ text: String) -> Double? {
        var t = text
        return t.withUTF8 { DecimalParser.parse($0.baseAddress!, $0.count) }
    }

    static func sameBits(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?): return x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)
        default: return false
        }
    }

    // MARK: Exact decimal parsing

    /// Shortest representations of random doubles over the whole range, and the same
    /// digits with 1–3 more digits (which the fast path must still round correctly).
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomDoublesParseExactly(seed: UInt64) {
        var rng = PolytailRandom(seed: seed)
        var checked = 0
        for _ in 0..<40_000 {
            let bits = UInt64.random(in: 0...UInt64.max, using: &rng)
            let x = Double(bitPattern: bits)
            guard x.isFinite else { continue }
            let text = "\(x)"
            #expect(Self.parse(text) == x, "\(text)")
            let longer = text.replacingOccurrences(of: "e", with: "\(Int.random(in: 1...999, using: &rng))e")
            let withDigits = text.contains("e") ? longer : text + "\(Int.random(in: 1...999, using: &rng))"
            #expect(Self.sameBits(Self.parse(withDigits), Self.reference(withDigits)), "\(withDigits)")
            checked += 1
        }
        #expect(checked > 30_000)
    }

    /// Random decimal strings of 1–22 digits with a point and an exponent near the fast
    /// path's edges, and values typical of data files.
    @Test(arguments: [4, 5] as [UInt64])
    func randomDecimalsMatchStrtod(seed: UInt64) {
        var rng = PolytailRandom(seed: seed)
        for _ in 0..<60_000 {
            let digits = Int.random(in: 1...22, using: &rng)
            var s = Bool.random(using: &rng) ? "-" : ""
            for k in 0..<digits {
                s += String(Int.random(in: (k == 0 ? 1 : 0)...9, using: &rng))
                if k == 0, Bool.random(using: &rng) { s += "." }
            }
            if Int.random(in: 0..<3, using: &rng) > 0 { s += "e\(Int.random(in: -40...40, using: &rng))" }
            #expect(Self.sameBits(Self.parse(s), Self.reference(s)), "\(s)")
            let plain = String(format: "%.17g", Double.random(in: -1e4...1e4, using: &rng) * .random(in: 0...1, using: &rng))
            #expect(Self.sameBits(Self.parse(plain), Self.reference(plain)), "\(plain)")
        }
    }

    /// Cells that sit exactly on or next to midpoints between doubles, and other edges.
    @Test(arguments: [
        "9007199254740993", "9007199254740993.0000000000001", "9007199254740992.9999999999",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9406564584124654e-324", "1e-400",
        "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309",
        "0.1", "0.30000000000000004", "123456789012345678", "1234567890123456789", "12345678901234567890",
        "18446744073709551615", "18446744073709551616", "9223372036854775808", "1.00000000000000011102230246251565404",
        "1.000000000000000111022302462515654", "0x1p-3", "0X1.8P1", "-0", "+0.0", "-0e5", ".5", "5.", "+.5e-0",
        "inf", "-Infinity", "nan", "NaN", "1e", "1e+", "e5", ".", "-", "+", "1.2.3", "0x", "1_000", " 1", "1 ", "\t1",
        "1\u{0}", "7\u{0}garbage", "\n5", "1,5", "١٢",
    ])
    func edgeCells(_ text: String) {
        #expect(Self.sameBits(Self.parse(text), Self.reference(text)), "\(text.debugDescription)")
    }

    /// Cells on, just below and just above midpoints between doubles over the whole range,
    /// ties at the integer level, and mantissas of 1–19 digits with exponents from −350 to
    /// 320: the bits from exact rational arithmetic (`Tests/Fixtures/make_decimal_cells.py`).
    /// The parser, its in-place prefix (the reader's path for plain decimals) and glibc's
    /// strtod all give those bits.
    @Test func hardCellsMatchExactArithmetic() throws {
        let fixture = try Fixtures.load("decimal_cells.json", as: DecimalCells.self)
        #expect(fixture.cases.count > 15_000)
        var viaPrefix = 0
        for cell in fixture.cases {
            let bits = UInt64(cell[1], radix: 16)!
            #expect(Self.parse(cell[0])?.bitPattern == bits, "\(cell[0])")
            #expect(Self.reference(cell[0])?.bitPattern == bits, "strtod: \(cell[0])")
            var t = cell[0]
            if let (value, length) = t.withUTF8({ DecimalParser.prefix($0.baseAddress!, $0.count) }) {
                #expect(length == cell[0].utf8.count && value.bitPattern == bits, "\(cell[0])")
                viaPrefix += 1
            }
        }
        // Most cells (the normal range, ≤ 19 digits) take the fast path.
        #expect(viaPrefix > fixture.cases.count / 2)
    }

    struct DecimalCells: Decodable { var source: String; var cases: [[String]] }

    /// The same cells read from a file, in one column and beside a text column, with LF and
    /// CRLF line ends: the in-place path and the buffer refills give the same bits.
    @Test func hardCellsReadFromAFile() throws {
        // Cells past the double range are errors for the reader (non-finite): left out here.
        let cells = try Fixtures.load("decimal_cells.json", as: DecimalCells.self).cases
            .filter { Double(bitPattern: UInt64($0[1], radix: 16)!).isFinite }
        let bits = cells.map { UInt64($0[1], radix: 16)! }
        #expect(cells.count > 15_000)
        var one = "x\n", two = "x;label;y\r\n"
        for (k, cell) in cells.enumerated() {
            one += cell[0] + "\n"
            two += "\(cell[0]);a\(k);\(cells[cells.count - 1 - k][0])\r\n"
        }
        let column = try CSVNumberReader.read(path: Self.write(one))
        #expect(column.values.count == bits.count)
        let firstWrong = column.values.indices.first { column.values[$0].bitPattern != bits[$0] }
        #expect(firstWrong == nil, "\(firstWrong.map { cells[$0][0] } ?? "")")
        let reader = try CSVNumberReader(path: Self.write(two), options: CSVReadOptions(delimiter: ";"))
        try reader.select(numbers: ["x", "y"], text: ["label"])
        var values: [Double] = []
        while let block = try reader.next(maxRows: 777) { values += block.values }
        var expected: [UInt64] = []
        for k in 0..<cells.count { expected += [bits[k], bits[cells.count - 1 - k]] }
        #expect(values.count == expected.count)
        #expect(zip(values, expected).allSatisfy { $0.bitPattern == $1 })
    }

    /// Plain decimals around the eight-digit steps (7–9 and 15–20 digits, leading zeros
    /// after the point, points at every position) and exponents over the whole range, against strtod.
    @Test func digitRunsMatchStrtod() {
        var rng = PolytailRandom(seed: 6)
        for _ in 0..<60_000 {
            let digits = [1, 7, 8, 9, 15, 16, 17, 18, 19, 20, 24].randomElement(using: &rng)!
            var body = ""
            for k in 0..<digits { body += String(Int.random(in: (k == 0 ? 1 : 0)...9, using: &rng)) }
            let point = Int.random(in: 0...digits, using: &rng)
            var s = String(body.prefix(point)) + (point < digits ? "." + body.dropFirst(point) : "")
            if s.hasPrefix(".") { s = "0." + String(repeating: "0", count: Int.random(in: 0...20, using: &rng)) + s.dropFirst() }
            if Bool.random(using: &rng) { s = "-" + s }
            if Bool.random(using: &rng) { s += ["e", "E"].randomElement(using: &rng)! + "\(Int.random(in: -350...320, using: &rng))" }
            #expect(Self.sameBits(Self.parse(s), Self.reference(s)), "\(s)")
        }
    }

    // MARK: Reader against CSVTable

    static func write(_ text: String) throws -> String {
        try TempFiles.write(text, name: "numbers.csv").path
    }

    @Test(arguments: CSVTests.forms.filter { form in
        form.rows.allSatisfy { $0.allSatisfy { CSVTable.number($0).map(\.isFinite) == true } }
    })
    func acceptedFormsReadAsTheTableDoes(_ form: CSVTests.Form) throws {
        let table = try CSVTable.parse(form.text)
        let expected = try table.numericColumns(nil)
        let numbers = try CSVNumberReader.read(path: Self.write(form.text))
        #expect(numbers.header == table.header)
        #expect(numbers.values == expected.matrix.elements)
        #expect(numbers.rowCount == table.rows.count)
        for r in 0..<table.rows.count { #expect(numbers.line(ofRow: r) == table.line(ofRow: r)) }
        let fromMemory = try CSVNumberReader(utf8: Array(form.text.utf8)).readAll()
        #expect(fromMemory == numbers)
    }

    @Test(arguments: CSVTests.failures)
    func syntaxErrorsAreTheTables(_ failure: CSVTests.Failure) throws {
        let path = try Self.write(failure.text)
        // No column selected: syntax alone (a selected cell could fail first, in file order).
        expectError(failure.error) { try CSVNumberReader.read(path: path, numbers: []) }
    }

    @Test(arguments: CSVTests.numberFailures)
    func numberErrorsAreTheTables(_ failure: CSVTests.Failure) throws {
        let table = try CSVTable.parse(failure.text)
        let path = try Self.write(failure.text)
        expectError(failure.error) { try CSVNumberReader.read(path: path, numbers: [table.header.last!]) }
    }

    @Test func nulByteIsNotANumberAndIsEscaped() throws {
        let path = try Self.write("x\n1\n7\u{0}garbage\n")
        do {
            _ = try CSVNumberReader.read(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error == .notANumber(line: 3, column: "x", text: "7\u{0}garbage"))
            #expect(error.description.contains("7\\0garbage"))
            #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 })
        }
        expectError(CSVError.notANumber(line: 2, column: "x", text: "7\u{0}garbage")) {
            try CSVTable.parse("x\n7\u{0}garbage\n").numericColumn("x")
        }
    }

    @Test func controlCharactersInMessagesAreEscaped() throws {
        let header = "\"a\nb\u{1B}[31m\",\"a\nb\u{1B}[31m\"\n1,2\n"
        do {
            _ = try CSVTable.parse(header)
            Issue.record("expected an error")
        } catch {
            guard case .duplicateHeaderName = error else { Issue.record("got \(error)"); return }
            let text = error.description
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
            #expect(text.contains("a\\nb\\u{1B}[31m"))
        }
        #expect(CSVError.printable("C:\\data\\x.csv") == "C:\\data\\x.csv")
        #expect(CSVError.printable("bell\u{7}\u{85}\u{2028}") == "bell\\u{7}\\u{85}\\u{2028}")
    }

    /// A file several times the reader's 1 MiB buffer, with quoted multi-line cells, CRLF and
    /// a record longer than the buffer, reads as the table reads it.
    @Test func buffersRefillAcrossRecords() throws {
        var rng = PolytailRandom(seed: 9)
        var text = "\u{FEFF}label,x,y\r\n"
        var expected: [Double] = []
        for i in 0..<120_000 {
            let x = Double.random(in: -1e3...1e3, using: &rng), y = Double(i)
            let label = i % 1000 == 0 ? "\"multi\r\nline, \"\"quoted\"\"\"" : "é\(i % 7)"
            text += "\(label),\(x),\"\(y)\"" + (i % 3 == 0 ? "\n" : "\r\n")
            expected += [x, y]
        }
        text += "\"" + String(repeating: "long ", count: 300_000) + "\",1,2\n"
        expected += [1, 2]
        let path = try Self.write(text)
        let reader = try CSVNumberReader(path: path)
        try reader.select(numbers: ["x", "y"], text: ["label"])
        let numbers = try reader.readAll()
        #expect(numbers.values == expected)
        let table = try CSVTable.read(contentsOf: path)
        #expect(numbers.text[0] == table.rows.map { String(CSVTable.trimmed($0[0])) })
        for r in Swift.stride(from: 0, to: table.rows.count, by: 997) { #expect(numbers.line(ofRow: r) == table.line(ofRow: r)) }
        // Block by block: the same numbers.
        let blocks = try CSVNumberReader(path: path)
        try blocks.select(numbers: ["x", "y"])
        var joined: [Double] = []
        while let block = try blocks.next(maxRows: 4099) { joined += block.values }
        #expect(joined == expected)
    }

    // MARK: Options

    @Test func delimiters() throws {
        let semicolon = try CSVNumberReader(utf8: Array("a;b\n1,5;2\n\"3;\";4\n".utf8), options: CSVReadOptions(delimiter: ";"))
        try semicolon.select(numbers: ["b"], text: ["a"])
        let s = try semicolon.readAll()
        #expect(s.values == [2, 4] && s.text[0] == ["1,5", "3;"])
        let tab = try CSVNumberReader(utf8: Array("a\tb\n1\t2\n".utf8), options: CSVReadOptions(delimiter: "\t")).readAll()
        #expect(tab.values == [1, 2])
        expectError(CSVError.invalidDelimiter("\"")) { try CSVNumberReader(utf8: [0x61], options: CSVReadOptions(delimiter: "\"")) }
        expectError(CSVError.invalidDelimiter("é")) { try CSVTable.parse("a", delimiter: "é") }
    }

    @Test func missingValues() throws {
        let text = "x,y,label\n1,2,a\nNA,3,b\n4,,c\n5,6,NA\n\n7,8,d\n"
        // Error by default, naming the first missing cell.
        expectError(CSVError.missingValue(line: 3, column: "x", text: "NA")) {
            try CSVNumberReader.read(path: Self.write(text), numbers: ["x", "y"])
        }
        expectError(CSVError.raggedRow(line: 6, fields: 1, expected: 3)) {
            try CSVNumberReader.read(path: Self.write(text), numbers: ["x"], options: CSVReadOptions(missing: .drop))
        }
        let clean = text.replacingOccurrences(of: "\n\n", with: "\n")
        let reader = try CSVNumberReader(path: Self.write(clean), options: CSVReadOptions(missing: .drop))
        try reader.select(numbers: ["x", "y"], text: ["label"])
        let kept = try reader.readAll()
        #expect(kept.values == [1, 2, 7, 8])
        #expect(kept.text[0] == ["a", "d"])
        #expect(kept.droppedRows == 3)
        #expect(kept.line(ofRow: 0) == 2 && kept.line(ofRow: 1) == 6)
        // Only the selected columns count: y alone drops one row.
        let y = try CSVNumberReader.read(path: Self.write(clean), numbers: ["y"], options: CSVReadOptions(missing: .drop))
        #expect(y.values == [2, 3, 6, 8] && y.droppedRows == 1)
        // A text that is not a number is still an error under .drop.
        expectError(CSVError.notANumber(line: 2, column: "x", text: "n/a")) {
            try CSVNumberReader.read(path: Self.write("x\nn/a\n"), options: CSVReadOptions(missing: .drop))
        }
        // A one-column file: blank lines between rows are missing cells.
        let one = try CSVNumberReader.read(path: Self.write("x\n1\n\n2\n\n"), options: CSVReadOptions(missing: .drop))
        #expect(one.values == [1, 2] && one.droppedRows == 1 && one.line(ofRow: 1) == 4)
    }

    @Test func fileErrors() throws {
        let missing = TempFiles.directory.appendingPathComponent("nope.csv").path
        expectError(CSVError.fileNotFound(path: missing)) { try CSVNumberReader(path: missing) }
        do {
            _ = try CSVNumberReader(path: TempFiles.directory.path)
            Issue.record("expected an error")
        } catch {
            guard case let .unreadable(_, reason) = error else { Issue.record("got \(error)"); return }
            #expect(reason.contains("directory"))
        }
        expectError(CSVError.noHeader) { try CSVNumberReader(path: "/dev/null") }
        expectError(CSVError.unknownColumn(name: "z", available: ["a"])) {
            try CSVNumberReader.read(path: Self.write("a\n1\n"), numbers: ["z"])
        }
        expectError(CSVError.repeatedColumn(name: "a")) {
            try CSVNumberReader.read(path: Self.write("a\n1\n"), numbers: ["a"], text: ["a"])
        }
    }

    @Test func textColumnAccessor() throws {
        let table = try CSVTable.parse("x,name\n1,\"a, b\"\n2, c \n")
        #expect(try table.column(named: "name") == ["a, b", " c "])
        expectError(CSVError.unknownColumn(name: "q", available: ["x", "name"])) { try table.column(named: "q") }
        #expect(table.line(ofRow: .max) == .max)
    }
}

/// A large file is read in two parts on two threads (split at a line end past the middle,
/// kept only when the first part ends there outside quotes): on random files with quoted
/// line ends, blank lines, missing and bad cells and CRLF, reading the file split anywhere
/// gives exactly the one-pass result of the same bytes in memory — values, text, dropped
/// rows, every row's line, and the same first error.
@Suite struct CSVTwoPartReadingTests {
    static func randomNumber(_ rng: inout PolytailRandom) -> String {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return "\(Double.random(in: -1e3...1e3, using: &rng))"
        case 1: return "\(Int.random(in: -99...99, using: &rng))"
        case 2: return String(format: "%.6fe%d", Double.random(in: 0...1, using: &rng), Int.random(in: -30...30, using: &rng))
        default: return String(format: "%.3f", Double.random(in: -10...10, using: &rng))
        }
    }

    /// A file of `x,label,y` rows (or one column `x` when `narrow`).
    static func randomFile(seed: UInt64, narrow: Bool, bad: Bool, missing: Bool) -> String {
        var rng = PolytailRandom(seed: seed)
        let end = Bool.random(using: &rng) ? "\r\n" : "\n"
        var text = narrow ? "x" + end : "x,label,y" + end
        for _ in 0..<Int.random(in: 20...300, using: &rng) {
            let r = Double.random(in: 0...1, using: &rng)
            // A blank line (a ragged row, an error, in a file of several columns).
            if r < (narrow ? 0.2 : bad ? 0.01 : 0) { text += end; continue }
            var x = randomNumber(&rng)
            switch Double.random(in: 0...1, using: &rng) {
            case ..<0.05 where missing: x = ""
            case ..<0.10 where missing: x = "NA"
            case ..<0.15: x = "\"\(x)\""
            case ..<0.20: x = " \(x)\t"
            case ..<0.203 where bad: x = "1.2.3"
            default: break
            }
            if narrow { text += x + end; continue }
            let label: String
            switch Int.random(in: 0..<12, using: &rng) {
            case 0: label = "\"two\(end)lines\""
            case 1: label = "\"a, \"\"quoted\"\" b\""
            case 2: label = "\"\(end)\(end)\""
            default: label = ["red", "green", "blue"][Int.random(in: 0..<3, using: &rng)]
            }
            text += "\(x),\(label),\(randomNumber(&rng))" + end
        }
        if Bool.random(using: &rng) { text += end + end }  // trailing blank lines
        return text
    }

    static func read(_ reader: CSVNumberReader, narrow: Bool, twoParts: Bool) -> Result<CSVNumbers, CSVError> {
        Result { () throws(CSVError) -> CSVNumbers in
            try reader.select(numbers: narrow ? ["x"] : ["x", "y"], text: narrow ? [] : ["label"])
            return twoParts ? try reader.readAll(twoPartsFrom: 0) : try reader.readAll()
        }
    }

    @Test(arguments: [false, true])
    func splitAnywhereEqualsOnePass(narrow: Bool) throws {
        var split = 0, fellBack = 0
        for seed in 1...150 as ClosedRange<UInt64> {
            let text = Self.randomFile(seed: seed, narrow: narrow, bad: seed % 5 == 0, missing: seed % 3 == 0)
            let path = try CSVNumberReaderTests.write(text)
            defer { unlink(path) }
            for missing in [MissingValues.error, .drop] {
                let options = CSVReadOptions(missing: missing)
                let file = try CSVNumberReader(path: path, options: options)
                let twoParts = Self.read(file, narrow: narrow, twoParts: true)
                let onePass = Self.read(try CSVNumberReader(utf8: Array(text.utf8), options: options), narrow: narrow, twoParts: false)
                #expect(twoParts == onePass, "seed \(seed), missing \(missing)")
                if case let .success(numbers) = onePass {
                    for row in stride(from: 0, to: numbers.rowCount, by: 7) {
                        if case let .success(other) = twoParts { #expect(other.line(ofRow: row) == numbers.line(ofRow: row)) }
                    }
                }
                if file.readTwoParts { split += 1 } else { fellBack += 1 }
            }
        }
        // Both ways were taken: splits kept, and splits inside quotes or before an error refused.
        #expect(split > 50)
        #expect(fellBack > 10)
    }

    /// A file above the size where the library splits by itself (2 MiB after the header).
    @Test func largeFileSplitsByItself() throws {
        var rng = PolytailRandom(seed: 9)
        var text = "x,y\n"
        for _ in 0..<120_000 { text += "\(Double.random(in: -1...1, using: &rng)),\(Self.randomNumber(&rng))\n" }
        let path = try CSVNumberReaderTests.write(text)
        defer { unlink(path) }
        let reader = try CSVNumberReader(path: path)
        let numbers = try reader.readAll()
        #expect(reader.readTwoParts == (ProcessInfo.processInfo.activeProcessorCount >= 2))
        #expect(numbers == (try CSVNumberReader(utf8: Array(text.utf8)).readAll()))
        #expect(numbers.rowCount == 120_000)
        let oneThread = try CSVNumberReader(path: path, options: CSVReadOptions(concurrent: false))
        #expect(try oneThread.readAll() == numbers)
        #expect(!oneThread.readTwoParts)
    }

    /// Rows much longer at the start than later (or the other way round): the arrays are
    /// sized from the first MiB, so a part outgrows its region — the numbers are still the
    /// one-pass numbers, put together in place or in a new array.
    @Test func partsThatOutgrowTheirRegions() throws {
        var seen: Set<String> = []
        for (seed, profile) in [(1, [200, 3, 200]), (2, [200, 3, 3]), (3, [3, 200, 200]), (4, [60, 40, 60]),
                                (5, [60, 45, 120]), (6, [40, 60, 3]), (7, [60, 70, 45])] as [(UInt64, [Int])] {
            var rng = PolytailRandom(seed: seed)
            var text = "x,y,label\n"
            // Three thirds of about 1.2 MiB each, rows padded to the profile's length by the label.
            for third in profile {
                var bytes = 0
                while bytes < 1_250_000 {
                    let row = "\(Int.random(in: 0...9, using: &rng)),\(Int.random(in: 0...9, using: &rng)),"
                        + String(repeating: "a", count: max(0, third - 5)) + "\n"
                    text += row
                    bytes += row.utf8.count
                }
            }
            let path = try CSVNumberReaderTests.write(text)
            defer { unlink(path) }
            let reader = try CSVNumberReader(path: path)
            try reader.select(numbers: ["x", "y"])
            let numbers = try reader.readAll(twoPartsFrom: 0)
            let onePass = try CSVNumberReader(utf8: Array(text.utf8))
            try onePass.select(numbers: ["x", "y"])
            #expect(numbers == (try onePass.readAll()), "profile \(profile)")
            #expect(reader.readTwoParts)
            seen.insert("\(reader.assembly.map { "\($0)" } ?? "none")")
        }
        #expect(seen == ["inPlace", "grownInPlace", "copied"])
    }
}
