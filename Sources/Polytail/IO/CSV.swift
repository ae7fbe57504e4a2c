import Foundation

/// Everything that can go wrong reading a CSV file or taking numbers from it.
///
/// Lines are the file's physical line numbers, 1-based, the header being line 1 (a
/// quoted field may span lines, so a row's line is the line it starts on). Columns in
/// syntax errors are 1-based character positions within the line; columns in data
/// errors are header names.
public enum CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file at the path.
    case fileNotFound(path: String)
    /// The file exists but cannot be read (a directory, no permission, an I/O error).
    case unreadable(path: String, reason: String)
    /// The bytes are not valid UTF-8; the position is that of the first bad byte.
    case notUTF8(line: Int, column: Int)
    /// No header: the file is empty or holds only blank lines.
    case noHeader
    /// A header field is empty (or only spaces).
    case emptyHeaderName(column: Int)
    /// Two header fields have the same name.
    case duplicateHeaderName(name: String, firstColumn: Int, secondColumn: Int)
    /// A row has a different number of fields than the header.
    case raggedRow(line: Int, fields: Int, expected: Int)
    /// A quoted field runs to the end of the file; the position is its opening quote.
    case unterminatedQuote(line: Int, column: Int)
    /// A double quote inside an unquoted field (RFC 4180 allows quotes only around a whole field).
    case strayQuote(line: Int, column: Int)
    /// Something other than a comma or line end follows a closing quote.
    case textAfterClosingQuote(line: Int, column: Int)
    /// A requested column is not in the header.
    case unknownColumn(name: String, available: [String])
    /// A column was requested twice.
    case repeatedColumn(name: String)
    /// A cell meant to hold a number is empty.
    case emptyCell(line: Int, column: String)
    /// A cell meant to hold a number does not parse as one.
    case notANumber(line: Int, column: String, text: String)
    /// A cell parses as NaN or ±infinity (including values too large for a Double).
    case nonFiniteNumber(line: Int, column: String, text: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "no such file: \(path)"
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .notUTF8(line, column):
            return "the file is not valid UTF-8 (first bad byte at line \(line), column \(column))"
        case .noHeader:
            return "the file is empty: no header line"
        case let .emptyHeaderName(column):
            return "header column \(column) has an empty name"
        case let .duplicateHeaderName(name, first, second):
            return "header name \"\(name)\" appears twice (columns \(first) and \(second))"
        case let .raggedRow(line, fields, expected):
            let noun = fields == 1 ? "field" : "fields"
            return "line \(line) has \(fields) \(noun), the header has \(expected)"
        case let .unterminatedQuote(line, column):
            return "unterminated quoted field starting at line \(line), column \(column)"
        case let .strayQuote(line, column):
            return "stray double quote inside an unquoted field at line \(line), column \(column)"
        case let .textAfterClosingQuote(line, column):
            return "unexpected text after a closing quote at line \(line), column \(column)"
        case let .unknownColumn(name, available):
            let list = available.map { "\"\($0)\"" }.joined(separator: ", ")
            return "no column named \"\(name)\" (available: \(list))"
        case let .repeatedColumn(name):
            return "column \"\(name)\" is requested more than once"
        case let .emptyCell(line, column):
            return "empty cell at line \(line), column \"\(column)\""
        case let .notANumber(line, column, text):
            return "not a number at line \(line), column \"\(column)\": \"\(CSVError.clip(text))\""
        case let .nonFiniteNumber(line, column, text):
            return "non-finite number at line \(line), column \"\(column)\": \"\(CSVError.clip(text))\""
        }
    }

    /// Cell text shortened and kept to one line for a message.
    static func clip(_ text: String) -> String {
        var t = text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        if t.count > 40 { t = String(t.prefix(40)) + "…" }
        return t
    }
}

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
    public static func read(contentsOf url: URL) throws(CSVError) -> CSVTable {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        if isDirectory.boolValue { throw .unreadable(path: path, reason: "it is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .unreadable(path: path, reason: "permission denied")
            }
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let result = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<CSVTable, CSVError> in
            Result { () throws(CSVError) -> CSVTable in try parse(bytes: raw.bindMemory(to: UInt8.self)) }
        }
        return try result.get()
    }

    /// Reads and parses the file at `path`.
    public static func read(contentsOf path: String) throws(CSVError) -> CSVTable {
        try read(contentsOf: URL(fileURLWithPath: path))
    }

    /// Parses CSV text.
    public static func parse(_ text: String) throws(CSVError) -> CSVTable {
        var text = text
        let result = text.withUTF8 { (buffer: UnsafeBufferPointer<UInt8>) -> Result<CSVTable, CSVError> in
            Result { () throws(CSVError) -> CSVTable in try parse(bytes: buffer) }
        }
        return try result.get()
    }

    /// Parses UTF-8 bytes (validated here).
    public static func parse(utf8 bytes: [UInt8]) throws(CSVError) -> CSVTable {
        try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(CSVError) -> CSVTable in
            try parse(bytes: buffer)
        }
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(CSVError) -> CSVTable {
        try validateUTF8(bytes)
        var parser = Parser(bytes: bytes)
        return try parser.table()
    }

    /// Throws `.notUTF8` at the first bad byte. The common all-ASCII case is one pass.
    static func validateUTF8(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVError) {
        var ascii = true
        for b in bytes where b >= 0x80 { ascii = false; break }
        if ascii { return }
        if String(validating: bytes, as: UTF8.self) != nil { return }
        // Slow path, errors only: find the first offending byte.
        var offset = 0
        let n = bytes.count
        while offset < n {
            let b = bytes[offset]
            let length: Int
            var minimum: UInt32 = 0
            switch b {
            case 0x00...0x7F: offset += 1; continue
            case 0xC2...0xDF: length = 2; minimum = 0x80
            case 0xE0...0xEF: length = 3; minimum = 0x800
            case 0xF0...0xF4: length = 4; minimum = 0x10000
            default: throw position(of: offset, in: bytes)
            }
            guard offset + length <= n else { throw position(of: offset, in: bytes) }
            var scalar = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for k in 1..<length {
                let c = bytes[offset + k]
                guard c & 0xC0 == 0x80 else { throw position(of: offset, in: bytes) }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
                throw position(of: offset, in: bytes)
            }
            offset += length
        }
    }

    private static func position(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> CSVError {
        let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        var line = 1, lineStart = bom && offset >= 3 ? 3 : 0, i = lineStart
        while i < offset {
            if bytes[i] == Byte.lf || (bytes[i] == Byte.cr && (i + 1 >= bytes.count || bytes[i + 1] != Byte.lf)) {
                line += 1; lineStart = i + 1
            }
            i += 1
        }
        // Count characters before the bad byte as lead bytes (valid prefix of the line).
        var column = 1
        for j in lineStart..<offset where bytes[j] & 0xC0 != 0x80 { column += 1 }
        return .notUTF8(line: line, column: column)
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

    /// The file line of data row `row` (zero-based), for messages.
    ///
    /// - Returns: the recorded line for a row of the table; for any other index the line it
    ///   would have with one line per row after the header (row + 2, saturating at
    ///   `Int.max`), so that no index traps.
    public func line(ofRow row: Int) -> Int {
        if rowLines.indices.contains(row) { return rowLines[row] }
        let (line, overflow) = row.addingReportingOverflow(2)
        return overflow ? Int.max : line
    }

    private func number(_ fields: [String], row: Int, column: Int) throws(CSVError) -> Double {
        // Tables made by the parser are rectangular; ones made by `init` may not be.
        guard column < fields.count else {
            throw .raggedRow(line: line(ofRow: row), fields: fields.count, expected: header.count)
        }
        let cell = fields[column]
        let text = CSVTable.trimmed(cell)
        guard !text.isEmpty else { throw .emptyCell(line: line(ofRow: row), column: header[column]) }
        guard let value = Double(text) else {
            throw .notANumber(line: line(ofRow: row), column: header[column], text: cell)
        }
        guard value.isFinite else {
            throw .nonFiniteNumber(line: line(ofRow: row), column: header[column], text: cell)
        }
        return value
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

/// A byte-level RFC 4180 scanner over validated UTF-8.
private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    var line = 1
    var lineStart = 0
    /// Unescaping buffer for quoted fields holding `""`.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3; lineStart = 3 }
    }

    /// 1-based character column of byte offset `offset` on the current line.
    func column(_ offset: Int) -> Int {
        var c = 1
        var j = lineStart
        while j < offset { if bytes[j] & 0xC0 != 0x80 { c += 1 }; j += 1 }
        return c
    }

    func string(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    mutating func newline(at offset: Int) {
        line += 1
        lineStart = offset
    }

    /// One record: its fields, and whether it was a blank line (one empty unquoted field).
    mutating func record(into fields: inout [String]) throws(CSVError) -> Bool {
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        var blank = true
        while true {
            if i < n, bytes[i] == Byte.quote {
                blank = false
                let openLine = line, openColumn = column(i)
                i += 1
                scratch.removeAll(keepingCapacity: true)
                var segment = i
                var escaped = false
                while true {
                    guard i < n else { throw .unterminatedQuote(line: openLine, column: openColumn) }
                    let c = bytes[i]
                    if c == Byte.quote {
                        if i + 1 < n, bytes[i + 1] == Byte.quote {
                            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment...i]))
                            escaped = true
                            i += 2
                            segment = i
                            continue
                        }
                        break
                    } else if c == Byte.lf {
                        newline(at: i + 1)
                    } else if c == Byte.cr {
                        if i + 1 < n, bytes[i + 1] == Byte.lf { i += 1 }
                        newline(at: i + 1)
                    }
                    i += 1
                }
                if escaped {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment..<i]))
                    fields.append(String(decoding: scratch, as: UTF8.self))
                } else {
                    fields.append(string(segment, i))
                }
                i += 1  // closing quote
                if i < n {
                    let c = bytes[i]
                    if c != Byte.comma && c != Byte.lf && c != Byte.cr {
                        throw .textAfterClosingQuote(line: line, column: column(i))
                    }
                }
            } else {
                let start = i
                while i < n {
                    let c = bytes[i]
                    if c == Byte.comma || c == Byte.lf || c == Byte.cr { break }
                    if c == Byte.quote { throw .strayQuote(line: line, column: column(i)) }
                    i += 1
                }
                if i > start { blank = false }
                fields.append(string(start, i))
            }
            // After a field: a comma, a line end, or the end of the input.
            guard i < n else { break }
            let c = bytes[i]
            i += 1
            if c == Byte.comma { blank = false; continue }
            if c == Byte.cr, i < n, bytes[i] == Byte.lf { i += 1 }
            newline(at: i)
            break
        }
        return blank
    }

    mutating func table() throws(CSVError) -> CSVTable {
        let n = bytes.count
        var fields: [String] = []
        // Header: the first line that is not blank.
        var header: [String] = []
        while i < n {
            if try !record(into: &fields) { header = fields; break }
        }
        guard !header.isEmpty else { throw .noHeader }
        header = header.map { String(CSVTable.trimmed($0)) }
        var firstIndex: [String: Int] = [:]
        for (k, name) in header.enumerated() {
            guard !name.isEmpty else { throw .emptyHeaderName(column: k + 1) }
            if let first = firstIndex[name] {
                throw .duplicateHeaderName(name: name, firstColumn: first + 1, secondColumn: k + 1)
            }
            firstIndex[name] = k
        }
        let width = header.count
        var rows: [[String]] = []
        var rowLines: [Int] = []
        // Blank lines are held back: they are errors (or, for one column, empty cells)
        // only when a non-blank row follows them.
        var pendingBlankLines: [Int] = []
        while i < n {
            let recordLine = line
            let blank = try record(into: &fields)
            if blank {
                pendingBlankLines.append(recordLine)
                continue
            }
            for blankLine in pendingBlankLines {
                guard width == 1 else { throw .raggedRow(line: blankLine, fields: 1, expected: width) }
                rows.append([""])
                rowLines.append(blankLine)
            }
            pendingBlankLines.removeAll()
            guard fields.count == width else {
                throw .raggedRow(line: recordLine, fields: fields.count, expected: width)
            }
            rows.append(fields)
            rowLines.append(recordLine)
        }
        return CSVTable(header: header, rows: rows, rowLines: rowLines)
    }
}
