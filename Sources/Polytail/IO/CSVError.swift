import Foundation

/// Everything that can go wrong reading a CSV file or taking numbers from it.
///
/// Lines are the file's physical line numbers, 1-based, the header being line 1 (a
/// quoted field may span lines, so a row's line is the line it starts on). Columns in
/// syntax errors are 1-based character positions within the line; columns in data
/// errors are header names.
///
/// Every ``description`` is one line of printable text: line breaks, NUL, ESC and the other
/// control characters of names, paths and cells are written as escapes (`\n`, `\0`,
/// `\u{1B}`), so a message can be printed to a terminal safely.
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
    /// Something other than a delimiter or line end follows a closing quote.
    case textAfterClosingQuote(line: Int, column: Int)
    /// A requested column is not in the header.
    case unknownColumn(name: String, available: [String])
    /// A column was requested twice.
    case repeatedColumn(name: String)
    /// A cell meant to hold a number (or a label) is empty.
    case emptyCell(line: Int, column: String)
    /// A cell holds a missing-value marker (`NA`) and missing values are errors.
    case missingValue(line: Int, column: String, text: String)
    /// A cell meant to hold a number does not parse as one (a NUL byte or any other text
    /// around the number included).
    case notANumber(line: Int, column: String, text: String)
    /// A cell parses as NaN or ±infinity (including values too large for a Double).
    case nonFiniteNumber(line: Int, column: String, text: String)
    /// The delimiter is not a single ASCII character other than a quote, CR or LF.
    case invalidDelimiter(String)

    public var description: String {
        let p = CSVError.printable
        switch self {
        case let .fileNotFound(path):
            return "no such file: \(p(path))"
        case let .unreadable(path, reason):
            return "cannot read \(p(path)): \(p(reason))"
        case let .notUTF8(line, column):
            return "the file is not valid UTF-8 (first bad byte at line \(line), column \(column))"
        case .noHeader:
            return "the file is empty: no header line"
        case let .emptyHeaderName(column):
            return "header column \(column) has an empty name"
        case let .duplicateHeaderName(name, first, second):
            return "header name \"\(p(name))\" appears twice (columns \(first) and \(second))"
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
            var list = available.prefix(20).map { "\"\(p($0))\"" }.joined(separator: ", ")
            if available.count > 20 { list += ", … (\(available.count) columns)" }
            return "no column named \"\(p(name))\" (available: \(list))"
        case let .repeatedColumn(name):
            return "column \"\(p(name))\" is requested more than once"
        case let .emptyCell(line, column):
            return "empty cell at line \(line), column \"\(p(column))\""
        case let .missingValue(line, column, text):
            return "missing value \"\(CSVError.clip(text))\" at line \(line), column \"\(p(column))\""
        case let .notANumber(line, column, text):
            return "not a number at line \(line), column \"\(p(column))\": \"\(CSVError.clip(text))\""
        case let .nonFiniteNumber(line, column, text):
            return "non-finite number at line \(line), column \"\(p(column))\": \"\(CSVError.clip(text))\""
        case let .invalidDelimiter(text):
            return "invalid delimiter \"\(p(text))\": use one ASCII character other than a double quote, CR or LF"
        }
    }

    /// Cell text kept to one printable line and shortened to 40 characters for a message.
    static func clip(_ text: String) -> String {
        var t = text
        if t.count > 40 { t = String(t.prefix(40)) + "…" }
        return printable(t)
    }

    /// `text` with every control character escaped: `\n`, `\r`, `\t`, `\0` by name, the
    /// other C0 and C1 controls, DEL and the Unicode line and paragraph separators as
    /// `\u{XX}`, and the backslash doubled only when the text needs escapes (so Windows
    /// paths read as written).
    public static func printable(_ text: String) -> String {
        func isControl(_ s: Unicode.Scalar) -> Bool {
            s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
        }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return text.escapingScalars { s in
            switch s {
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            case "\0": return "\\0"
            case "\\": return "\\\\"
            default: return isControl(s) ? "\\u{" + String(s.value, radix: 16, uppercase: true) + "}" : nil
            }
        }
    }
}

extension String {
    /// The one escaper behind `CSVError.printable` and the command-line tool's JSON strings:
    /// `self` with every Unicode scalar for which `replacement` returns a string replaced by
    /// that string, the others kept.
    /// - Parameter replacement: the escape of a scalar, or nil to keep it.
    /// - Returns: the escaped text.
    package func escapingScalars(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(unicodeScalars.count)
        for s in unicodeScalars {
            if let r = replacement(s) { out += r } else { out.unicodeScalars.append(s) }
        }
        return out
    }
}
