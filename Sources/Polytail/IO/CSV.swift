import Foundation

// Documented raw-pointer use: `parse(utf8:)` lends its bytes to the scanner as a buffer
// pointer, the hot loop documented in CSVScanner.swift; nothing else here uses them.

/// A CSV table as RFC 4180 describes it: a header line of column names, then rows of
/// exactly as many fields.
///
/// Accepted: LF, CRLF or lone CR line ends (mixed too); a final line end or none; blank
/// lines at the end (ignored); a UTF-8 byte-order mark (stripped); fields in double
/// quotes holding commas, line ends and doubled quotes (`""` for `"`). Header names are
/// trimmed of surrounding spaces and tabs; other fields are kept as written.
public struct CSVTable: Equatable, Sendable {
    /// The column names, in file order.
    public let header: [String]
    /// The data rows (the header excluded), each with `header.count` fields.
    public let rows: [[String]]
    /// For each row, the file line it starts on (1-based; the header starts on line 1,
    /// or later if blank lines precede it).
    public let rowLines: [Int]

    public init(header: [String], rows: [[String]], rowLines: [Int]? = nil) {
        self.header = header
        self.rows = rows
        self.rowLines = rowLines ?? rows.indices.map { $0 + 2 }
    }

    // MARK: Reading

    /// Reads and parses the file at `url` (which must be valid UTF-8).
    /// - Parameters:
    ///   - url: a file URL.
    ///   - delimiter: the field delimiter (default `,`).
    /// - Throws: ``CSVError`` naming the line and column of the first problem.
    public static func read(contentsOf url: URL, delimiter: Character = ",") throws(CSVError) -> CSVTable {
        try read(contentsOf: url.path, delimiter: delimiter)
    }

    /// Reads and parses the file at `path` (`"-"`: standard input).
    /// - Parameters:
    ///   - path: the file, or `"-"` for standard input.
    ///   - delimiter: the field delimiter (default `,`).
    /// - Throws: ``CSVError`` naming the line and column of the first problem.
    public static func read(contentsOf path: String, delimiter: Character = ",") throws(CSVError) -> CSVTable {
        let scanner = try CSVScanner(path: path, delimiter: CSVScanner.delimiterByte(delimiter))
        return try table(from: scanner)
    }

    /// Parses CSV text.
    /// - Parameters:
    ///   - text: the whole file.
    ///   - delimiter: the field delimiter (default `,`).
    /// - Throws: ``CSVError`` naming the line and column of the first problem.
    public static func parse(_ text: String, delimiter: Character = ",") throws(CSVError) -> CSVTable {
        try parse(utf8: Array(text.utf8), delimiter: delimiter)
    }

    /// Parses UTF-8 bytes (validated here).
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - delimiter: the field delimiter (default `,`).
    /// - Throws: ``CSVError`` naming the line and column of the first problem.
    public static func parse(utf8 bytes: [UInt8], delimiter: Character = ",") throws(CSVError) -> CSVTable {
        let byte = try CSVScanner.delimiterByte(delimiter)
        return try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(CSVError) -> CSVTable in
            try table(from: CSVScanner(bytes: buffer, delimiter: byte))
        }
    }

    /// The header, then every row; blank lines are held back and become errors (or, for one
    /// column, empty cells) only when a non-blank row follows them.
    static func table(from scanner: CSVScanner) throws(CSVError) -> CSVTable {
        let header = try scanner.readHeader()
        let width = header.count
        var sink = CSVStringSink()
        var rows: [[String]] = []
        var rowLines: [Int] = []
        var pendingBlankLines: [Int] = []
        while case let .record(fieldCount, blank, line) = try scanner.next(&sink) {
            if blank {
                pendingBlankLines.append(line)
                continue
            }
            for blankLine in pendingBlankLines {
                guard width == 1 else { throw .raggedRow(line: blankLine, fields: 1, expected: width) }
                rows.append([""])
                rowLines.append(blankLine)
            }
            pendingBlankLines.removeAll()
            guard fieldCount == width else { throw .raggedRow(line: line, fields: fieldCount, expected: width) }
            rows.append(sink.fields)
            rowLines.append(line)
        }
        return CSVTable(header: header, rows: rows, rowLines: rowLines)
    }

    /// The cells of one column, as written (quotes removed).
    /// - Parameter name: a header name.
    /// - Returns: one string per row.
    /// - Throws: ``CSVError/unknownColumn(name:available:)``, or ``CSVError/raggedRow(line:fields:expected:)``
    ///   for a hand-made table with a short row.
    public func column(named name: String) throws(CSVError) -> [String] {
        guard let column = header.firstIndex(of: name) else {
            throw .unknownColumn(name: name, available: header)
        }
        var cells: [String] = []
        cells.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            guard column < row.count else {
                throw .raggedRow(line: line(ofRow: i), fields: row.count, expected: header.count)
            }
            cells.append(row[column])
        }
        return cells
    }

    // MARK: Numbers

    /// The named columns (all columns, in file order, when `names` is nil) as an n × k
    /// matrix, row i being data row i.
    ///
    /// Cells are trimmed of spaces and tabs and parsed with `Double(_:)`; an empty cell,
    /// text that is not a number, and NaN or infinite values (`nan`, `inf`, `1e999`) are
    /// errors naming the line and column.
    public func numericColumns(_ names: [String]?) throws(CSVError) -> (names: [String], matrix: Matrix) {
        let selected = names ?? header
        var indices: [Int] = []
        indices.reserveCapacity(selected.count)
        var seen = Set<String>()
        for name in selected {
            guard let index = header.firstIndex(of: name) else {
                throw .unknownColumn(name: name, available: header)
            }
            guard seen.insert(name).inserted else { throw .repeatedColumn(name: name) }
            indices.append(index)
        }
        let k = indices.count
        var elements = [Double](repeating: 0, count: rows.count * k)
        for (i, row) in rows.enumerated() {
            for (j, column) in indices.enumerated() {
                elements[i * k + j] = try number(row, row: i, column: column)
            }
        }
        return (selected, Matrix(uncheckedRows: rows.count, columns: k, elements: elements))
    }

    /// One named column as numbers (see ``numericColumns(_:)``).
    public func numericColumn(_ name: String) throws(CSVError) -> [Double] {
        guard let column = header.firstIndex(of: name) else {
            throw .unknownColumn(name: name, available: header)
        }
        var values: [Double] = []
        values.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            values.append(try number(row, row: i, column: column))
        }
        return values
    }

    /// The file line of data row `row` (zero-based), for messages; `row + 2` (saturating)
    /// for an index out of range.
    public func line(ofRow row: Int) -> Int {
        rowLines.indices.contains(row) ? rowLines[row] : CSVTable.saturatingLine(row)
    }

    /// `row + 2` without overflow, for an index that is not a row.
    static func saturatingLine(_ row: Int) -> Int {
        row > Int.max - 2 ? Int.max : row + 2
    }

    private func number(_ fields: [String], row: Int, column: Int) throws(CSVError) -> Double {
        // Tables made by the parser are rectangular; ones made by `init` may not be.
        guard column < fields.count else {
            throw .raggedRow(line: line(ofRow: row), fields: fields.count, expected: header.count)
        }
        let cell = fields[column]
        let text = CSVTable.trimmed(cell)
        guard !text.isEmpty else { throw .emptyCell(line: line(ofRow: row), column: header[column]) }
        guard let value = CSVTable.number(cell) else {
            throw .notANumber(line: line(ofRow: row), column: header[column], text: cell)
        }
        guard value.isFinite else {
            throw .nonFiniteNumber(line: line(ofRow: row), column: header[column], text: cell)
        }
        return value
    }

    /// The number a cell holds, parsed as the readers parse cells: trimmed of spaces and
    /// tabs, then exactly (correctly rounded) with the grammar of `Double(_: String)`, the
    /// whole text being the number (a NUL byte or other text around it gives nil).
    /// - Parameter text: the cell.
    /// - Returns: the value (±infinity beyond the double range; NaN for `nan`), or nil.
    public static func number(_ text: String) -> Double? {
        var bytes = String(trimmed(text))
        if bytes.isEmpty { return nil }
        return bytes.withUTF8 { DecimalParser.parse($0.baseAddress!, $0.count) }
    }

    /// `text` without leading and trailing spaces and tabs (no copy when there are none).
    static func trimmed(_ text: String) -> Substring {
        let utf8 = text.utf8
        var start = utf8.startIndex, end = utf8.endIndex
        while start < end, utf8[start] == Byte.space || utf8[start] == Byte.tab { start = utf8.index(after: start) }
        while end > start {
            let before = utf8.index(before: end)
            guard utf8[before] == Byte.space || utf8[before] == Byte.tab else { break }
            end = before
        }
        return text[start..<end]
    }
}

enum Byte {
    static let comma: UInt8 = 0x2C
    static let quote: UInt8 = 0x22
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
}

