import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Hot loop (documented raw-pointer use): blocks of the file are read into one buffer and
// scanned in place (CSVScanner.swift), and each row's numbers are committed to a growing
// buffer of doubles that the second reading thread's part is appended to without a copy per
// row — the CSV reading benchmark of Docs/performance.md.

/// What to do with a row whose selected cell is missing: empty (after trimming spaces and
/// tabs) or a missing-value marker such as `NA`.
public enum MissingValues: String, Sendable, Codable, CaseIterable {
    /// The first missing cell is an error naming its line and column.
    case error
    /// Rows with a missing selected cell are skipped and counted in ``CSVNumbers/droppedRows``.
    case drop
}

/// How to read a CSV file: the delimiter and the treatment of missing values.
public struct CSVReadOptions: Sendable, Equatable {
    /// The field delimiter: one ASCII character other than a double quote, CR or LF
    /// (`,` by default; `;` and tab are common).
    public var delimiter: Character
    /// Missing cells are errors (the default) or drop their row.
    public var missing: MissingValues
    /// Cell texts (after trimming spaces and tabs) that mean "missing", besides the empty
    /// cell. Default `["NA"]` (what R writes). Compared exactly, case included.
    public var missingMarkers: Set<String>
    /// Whether ``CSVNumberReader/readAll()`` may read a regular file of 2 MiB or more in two
    /// halves on two threads (default true; the result is the same either way).
    public var concurrent: Bool

    /// - Parameters:
    ///   - delimiter: the field delimiter (default `,`).
    ///   - missing: `.error` (default) or `.drop`.
    ///   - missingMarkers: texts that mean "missing" besides the empty cell (default `NA`).
    ///   - concurrent: read a large regular file on two threads (default true).
    public init(delimiter: Character = ",", missing: MissingValues = .error, missingMarkers: Set<String> = ["NA"],
                concurrent: Bool = true) {
        self.delimiter = delimiter
        self.missing = missing
        self.missingMarkers = missingMarkers
        self.concurrent = concurrent
    }
}

/// Numbers (and optional text columns) read from a CSV file: the rows kept, row-major.
public struct CSVNumbers: Sendable, Equatable {
    /// The file's header, in file order.
    public let header: [String]
    /// The numeric columns read, in the order they were selected.
    public let numberColumns: [String]
    /// The text columns read, in the order they were selected.
    public let textColumns: [String]
    /// The numbers, row-major: `rowCount × numberColumns.count`.
    public internal(set) var values: [Double]
    /// The text cells, one array per text column (trimmed of spaces and tabs).
    public internal(set) var text: [[String]]
    /// Rows kept.
    public internal(set) var rowCount: Int
    /// Rows skipped because a selected cell was missing (with ``MissingValues/drop``).
    public internal(set) var droppedRows: Int
    /// Where kept row r starts in the file: line = r + offset of the last break at or before r.
    var lineBreaks: [LineBreak]

    struct LineBreak: Sendable, Equatable { var row: Int; var offset: Int }

    /// The file line (1-based; the header is line 1) that kept row `row` starts on.
    /// - Parameter row: a zero-based index of a kept row.
    /// - Returns: the line, or `row + 2` (saturating) for an index out of range.
    public func line(ofRow row: Int) -> Int {
        guard row >= 0, row < rowCount, !lineBreaks.isEmpty else { return CSVTable.saturatingLine(row) }
        var lo = 0, hi = lineBreaks.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineBreaks[mid].row <= row { lo = mid } else { hi = mid - 1 }
        }
        return row + lineBreaks[lo].offset
    }

    /// The numbers of one selected column.
    /// - Throws: ``CSVError/unknownColumn(name:available:)`` when `name` was not read as numbers.
    public func column(named name: String) throws(CSVError) -> [Double] {
        guard let j = numberColumns.firstIndex(of: name) else {
            throw .unknownColumn(name: name, available: numberColumns)
        }
        let k = numberColumns.count
        if k == 1 { return values }
        var out = [Double](repeating: 0, count: rowCount)
        values.withUnsafeBufferPointer { v in
            for i in 0..<rowCount { out[i] = v[i * k + j] }
        }
        return out
    }

    /// The cells of one text column.
    /// - Throws: ``CSVError/unknownColumn(name:available:)`` when `name` was not read as text.
    public func textColumn(named name: String) throws(CSVError) -> [String] {
        guard let j = textColumns.firstIndex(of: name) else {
            throw .unknownColumn(name: name, available: textColumns)
        }
        return text[j]
    }

    /// The numbers as an n × k ``Matrix`` (one row per kept row).
    public var matrix: Matrix {
        Matrix(uncheckedRows: rowCount, columns: numberColumns.count, elements: values)
    }
}

/// A streaming CSV reader that parses selected columns straight into `Double`s.
///
/// No `String` is made per cell and no table of cells is kept: one buffered pass over the
/// bytes (``CSVTable``'s RFC 4180 state machine) hands each selected cell's bytes to an
/// exact decimal parser (correctly rounded, the grammar of `Double(_: String)`), and
/// unselected cells are skipped after their quoting and UTF-8 are checked. Memory is the
/// numbers kept plus a 1 MiB buffer. The same errors as ``CSVTable`` (line and column), plus
/// missing values (``CSVReadOptions/missing``).
///
/// ``readAll()`` reads a regular file of 2 MiB or more in two halves on two threads, split
/// at a line end and checked (a line end inside a quoted field, or any error, and the file
/// is read in one pass instead): the same numbers, lines and errors as one pass, in about
/// half the time; both halves write into one array, so memory stays the numbers kept plus
/// three buffers.
///
/// ```swift
/// let reader = try CSVNumberReader(path: "data.csv")          // "-" reads standard input
/// try reader.select(numbers: ["x", "w"])
/// let numbers = try reader.readAll()                          // numbers.values: n × 2, row-major
/// ```
/// Or block by block, in bounded memory: `while let block = try reader.next(maxRows: 65_536) { … }`.
public final class CSVNumberReader {
    /// The file's header.
    public let header: [String]
    /// The path (`-` for standard input).
    public let path: String
    let options: CSVReadOptions
    private let scanner: CSVScanner
    private var sink: NumberSink?
    private var fileSize: Int?
    private var finished = false

    /// Opens a file (or standard input for `"-"`) and reads its header.
    /// - Parameters:
    ///   - path: the file, or `"-"` for standard input.
    ///   - options: delimiter and missing values.
    /// - Throws: ``CSVError`` when the file cannot be opened or its header is bad.
    public init(path: String, options: CSVReadOptions = CSVReadOptions()) throws(CSVError) {
        self.path = path
        self.options = options
        scanner = try CSVScanner(path: path, delimiter: CSVScanner.delimiterByte(options.delimiter))
        header = try scanner.readHeader()
        if path != "-" {
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { fileSize = Int(info.st_size) }
        }
    }

    /// Reads CSV bytes in memory (copied).
    /// - Parameters:
    ///   - bytes: the file's bytes (the `utf8:` argument).
    ///   - options: delimiter and missing values.
    /// - Throws: ``CSVError`` for a bad header.
    public init(utf8 bytes: [UInt8], options: CSVReadOptions = CSVReadOptions()) throws(CSVError) {
        path = "<memory>"
        self.options = options
        // A class-owned copy that outlives the scanner reading it in place.
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = storage.initialize(from: bytes)
        ownedBytes = storage
        // A throw before `header` is set skips deinit: free the copy here then (found by the
        // fuzz target, Tests/Fuzz).
        do {
            scanner = CSVScanner(
                bytes: UnsafeBufferPointer(rebasing: storage[0..<bytes.count]),
                delimiter: try CSVScanner.delimiterByte(options.delimiter))
            header = try scanner.readHeader()
        } catch {
            storage.deallocate()
            throw error
        }
    }

    private var ownedBytes: UnsafeMutableBufferPointer<UInt8>?
    /// Whether the last ``readAll()`` read the file in two parts (for the tests).
    private(set) var readTwoParts = false
    /// How the last two-part read put its numbers together (for the tests): in place, in
    /// place after a part outgrew its region, or in a new array.
    enum Assembly { case inPlace, grownInPlace, copied }
    private(set) var assembly: Assembly?

    deinit { ownedBytes?.deallocate() }

    /// Chooses the columns to read: numbers and (optionally) text, such as labels.
    /// - Parameters:
    ///   - numbers: the numeric columns, in the order wanted in each row of ``CSVNumbers/values``.
    ///   - text: columns kept as trimmed strings (a missing text cell is missing like a number).
    /// - Throws: ``CSVError/unknownColumn(name:available:)`` or ``CSVError/repeatedColumn(name:)``.
    public func select(numbers: [String], text: [String] = []) throws(CSVError) {
        var slots = [Int32](repeating: -1, count: header.count)
        var seen = Set<String>()
        var numberIndices: [Int] = []
        for name in numbers + text {
            guard let index = header.firstIndex(of: name) else { throw .unknownColumn(name: name, available: header) }
            guard seen.insert(name).inserted else { throw .repeatedColumn(name: name) }
            numberIndices.append(index)
        }
        for (k, index) in numberIndices.enumerated() {
            slots[index] = k < numbers.count ? Int32(k) : Int32(-2 - (k - numbers.count))
        }
        sink = NumberSink(header: header, numberColumns: numbers, textColumns: text, slots: slots, options: options)
    }

    /// The next block of at most `maxRows` kept rows, or nil at the end of the file.
    /// - Parameter maxRows: the largest block wanted (≥ 1).
    /// - Throws: ``CSVError`` for malformed CSV, bad numbers and (with `.error`) missing values.
    public func next(maxRows: Int) throws(CSVError) -> CSVNumbers? {
        if sink == nil { try select(numbers: header) }
        guard !finished else { return nil }
        let block = try read(maxRows: max(1, maxRows), estimateCapacity: false)
        if block.rowCount == 0 && block.droppedRows == 0 && finished { return nil }
        return block
    }

    /// Every remaining row.
    /// - Throws: ``CSVError`` for malformed CSV, bad numbers and (with `.error`) missing values.
    public func readAll() throws(CSVError) -> CSVNumbers {
        try readAll(twoPartsFrom: CSVNumberReader.twoPartMinimumBytes)
    }

    /// Every remaining row; a regular file with at least `minimum` bytes after the header is
    /// read in two parts on two threads (the tests lower it to split small files anywhere).
    func readAll(twoPartsFrom minimum: Int) throws(CSVError) -> CSVNumbers {
        if sink == nil { try select(numbers: header) }
        return try read(maxRows: .max, estimateCapacity: true, twoPartsFrom: minimum)
    }

    /// Reads the named columns of a whole file.
    /// - Parameters:
    ///   - path: the file, or `"-"` for standard input.
    ///   - numbers: numeric columns (nil: every column).
    ///   - text: text columns.
    ///   - options: delimiter and missing values.
    /// - Returns: the rows kept.
    /// - Throws: ``CSVError``.
    public static func read(
        path: String, numbers: [String]? = nil, text: [String] = [], options: CSVReadOptions = CSVReadOptions()
    ) throws(CSVError) -> CSVNumbers {
        let reader = try CSVNumberReader(path: path, options: options)
        try reader.select(numbers: numbers ?? reader.header.filter { !text.contains($0) }, text: text)
        return try reader.readAll()
    }

    private func read(maxRows: Int, estimateCapacity: Bool, twoPartsFrom minimum: Int = .max) throws(CSVError) -> CSVNumbers {
        if estimateCapacity, maxRows == .max, let fileSize, let block = readInTwoParts(fileSize: fileSize, minimum: minimum) {
            finished = true
            readTwoParts = true
            return block
        }
        var sink = self.sink!
        self.sink = nil
        defer { self.sink = sink }
        let (block, atEnd) = try CSVNumberReader.drain(
            scanner, into: &sink, maxRows: maxRows,
            sizeFor: estimateCapacity ? fileSize.map { $0 - scanner.consumed } : nil)
        if atEnd { finished = true }
        return block
    }

    /// Scans records into a fresh block until `maxRows` rows are kept or the scanner's input
    /// ends (then `atEnd`). With `sizeFor` (the bytes left to scan), the arrays are sized
    /// once from the bytes per row of the first 4096 rows, so that a large file does not
    /// double its arrays (and hold both copies) as it grows.
    private static func drain(
        _ scanner: CSVScanner, into sink: inout NumberSink, maxRows: Int, sizeFor bytes: Int?
    ) throws(CSVError) -> (block: CSVNumbers, atEnd: Bool) {
        sink.block = CSVNumbers(
            header: sink.header, numberColumns: sink.numberColumns, textColumns: sink.textColumns,
            values: [], text: Array(repeating: [], count: sink.textColumns.count),
            rowCount: 0, droppedRows: 0, lineBreaks: [])
        sink.lineOffset = Int.min
        sink.failure = nil
        let sample = 4096
        var estimate = bytes != nil && maxRows > sample
        let startConsumed = scanner.consumed
        sink.stopAt = estimate ? sample : maxRows
        var atEnd = false
        while true {
            // The sink commits rows itself and stops the scanner at `stopAt` kept rows.
            guard case .record = try scanner.next(&sink) else { atEnd = true; break }
            if sink.block.rowCount >= maxRows { break }
            if estimate, let bytes {
                estimate = false
                let perRow = Double(scanner.consumed - startConsumed) / Double(max(sink.block.rowCount, 1))
                let rows = Int(Double(bytes) / max(perRow, 1) * 1.02) + 1024
                sink.block.values.reserveCapacity(rows * sink.numberCount)
            }
            sink.stopAt = maxRows
        }
        let block = sink.block
        sink.block.values = []
        sink.block.text = []
        sink.block.lineBreaks = []
        return (block, atEnd)
    }

    /// Files at least this large (bytes after the header) are read in two parts on two threads.
    static let twoPartMinimumBytes = 1 << 21

    /// Reads the rest of a large regular file in two parts on two threads: the first from
    /// here to the first line start after the middle byte, the second from there to the end
    /// (its lines counted from 1 and shifted afterwards). The split is a guess — a line end
    /// inside a quoted field looks like any other — so the parts are kept only when the first
    /// part, scanned from the true start, ends exactly at the split outside quotes with no
    /// blank line waiting for the next row: then the second part started at a record start
    /// and its rows are the rows a single pass reads. Otherwise (no line feed past the
    /// middle, a quoted field across the split, any error in either part: the single pass
    /// then reports the first error with its true line) nil, and the caller reads the file
    /// in one pass from here. The result equals the one-pass result in every field.
    ///
    /// Memory: both parts write their numbers straight into one array, the first from its
    /// start, the second from an offset past the first part's estimated size (bytes per line
    /// of the first MiB, 5 % and 1024 rows to spare; the gap is never touched), and the
    /// second part's numbers are moved down at the end — the numbers kept plus a constant.
    /// A part that outgrows its region goes on in an array of its own, copied in at the end.
    private func readInTwoParts(fileSize: Int, minimum: Int) -> CSVNumbers? {
        let dataStart = scanner.consumed
        guard options.concurrent, fileSize - dataStart >= max(minimum, 1),
              ProcessInfo.processInfo.activeProcessorCount >= 2,
              let template = sink,
              let split = CSVNumberReader.lineStart(after: dataStart + (fileSize - dataStart) / 2, in: path, before: fileSize),
              let bytesPerLine = CSVNumberReader.bytesPerLine(from: dataStart, in: path, before: fileSize),
              let first = try? CSVScanner(path: path, delimiter: scanner.delimiter, from: dataStart, to: split, line: scanner.line),
              let second = try? CSVScanner(path: path, delimiter: scanner.delimiter, from: split, to: .max, line: 1)
        else { return nil }
        final class Part: @unchecked Sendable {
            var sink: NumberSink
            var block: CSVNumbers?
            let scanner: CSVScanner
            init(_ sink: NumberSink, _ scanner: CSVScanner) { self.sink = sink; self.scanner = scanner }
        }
        let k = template.numberCount
        // A row has at least one byte and one delimiter or line end per column: blank lines in
        // the first MiB must not size the array for more rows than the file can hold.
        let bytesPerRow = max(bytesPerLine, Double(2 * template.width))
        func rows(_ bytes: Int) -> Int { Int(Double(bytes) / bytesPerRow * 1.05) + 1024 }
        let region = rows(split - dataStart) * k
        let capacity = region + rows(fileSize - split) * k
        let parts = [Part(template.fresh(), first), Part(template.fresh(), second)]
        var kept = true
        var spilled: [Double]? = nil
        var assembly = Assembly.inPlace
        let values = [Double](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = 0
            guard let base = buffer.baseAddress else { kept = false; return }
            parts[0].sink.direct = base
            parts[0].sink.directCapacity = region
            parts[1].sink.direct = base + region
            parts[1].sink.directCapacity = capacity - region
            DispatchQueue.concurrentPerform(iterations: 2) { k in
                let part = parts[k]
                part.block = try? CSVNumberReader.drain(part.scanner, into: &part.sink, maxRows: .max, sizeFor: nil).block
            }
            guard let head = parts[0].block, let tail = parts[1].block,
                  first.consumed == split - dataStart, parts[0].sink.pendingBlankLines == 0
            else { kept = false; return }
            // Each part: `directCount` numbers in its region, then the rest in `block.values`.
            let n1 = parts[0].sink.directCount, n2 = parts[1].sink.directCount
            let total = n1 + head.values.count + n2 + tail.values.count
            guard total <= capacity else {
                // Both parts outgrew the array (the first MiB's lines were much longer than
                // the rest): assemble a new one.
                spilled = Array(UnsafeBufferPointer(start: base, count: n1)) + head.values
                    + Array(UnsafeBufferPointer(start: base + region, count: n2)) + tail.values
                assembly = .copied
                return
            }
            if !head.values.isEmpty || !tail.values.isEmpty { assembly = .grownInPlace }
            // (Move the second region before writing where it was.)
            (base + n1 + head.values.count).update(from: base + region, count: n2)
            head.values.withUnsafeBufferPointer { (base + n1).update(from: $0.baseAddress!, count: $0.count) }
            tail.values.withUnsafeBufferPointer { (base + n1 + head.values.count + n2).update(from: $0.baseAddress!, count: $0.count) }
            count = total
        }
        guard kept, var block = parts[0].block, let tail = parts[1].block else { return nil }
        block.values = spilled ?? values
        self.assembly = assembly
        // Line l of the second part is file line l + first.line − 1; its row r is row r + rows.
        let rows = block.rowCount
        for j in block.text.indices { block.text[j].append(contentsOf: tail.text[j]) }
        for lineBreak in tail.lineBreaks {
            let offset = lineBreak.offset + first.line - 1 - rows
            if offset != block.lineBreaks.last?.offset {
                block.lineBreaks.append(CSVNumbers.LineBreak(row: lineBreak.row + rows, offset: offset))
            }
        }
        block.rowCount += tail.rowCount
        block.droppedRows += tail.droppedRows
        return block
    }

    /// Up to 1 MiB of `path` from `offset` (and before `limit`), or nil when nothing can be read.
    private static func window(from offset: Int, in path: String, before limit: Int) -> ArraySlice<UInt8>? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let size = min(1 << 20, limit - offset)
        guard size > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, off_t(offset)) }
        return got > 0 ? bytes[0..<got] : nil
    }

    /// Bytes per line feed in the first MiB from `offset` (for sizing arrays), or nil when
    /// there is none.
    private static func bytesPerLine(from offset: Int, in path: String, before limit: Int) -> Double? {
        guard let bytes = window(from: offset, in: path, before: limit) else { return nil }
        let lines = bytes.reduce(0) { $0 + ($1 == CSVScanner.lf ? 1 : 0) }
        return lines > 0 ? Double(bytes.count) / Double(lines) : nil
    }

    /// The offset just past the first line feed at or after `offset` (and before `limit`),
    /// or nil when there is none within 1 MiB.
    private static func lineStart(after offset: Int, in path: String, before limit: Int) -> Int? {
        guard let bytes = window(from: offset, in: path, before: limit),
              let k = bytes.firstIndex(of: CSVScanner.lf), offset + k + 1 < limit else { return nil }
        return offset + k + 1
    }
}

/// Parses the selected cells of one record into a scratch row and commits complete rows to
/// ``block`` (missing values, blank lines and ragged rows decided there).
struct NumberSink: CSVFieldSink {
    /// The rows committed so far.
    var block = CSVNumbers(header: [], numberColumns: [], textColumns: [], values: [], text: [],
                           rowCount: 0, droppedRows: 0, lineBreaks: [])
    /// Stop the scanner once ``block`` holds this many rows.
    var stopAt = Int.max
    /// The last line offset recorded in ``CSVNumbers/lineBreaks``.
    var lineOffset = Int.min
    /// Blank lines seen since the last row: rows (one empty cell) if a row follows them. Only
    /// the first one's line is kept (the only one an error can name) and their count, so that
    /// a file of millions of blank lines takes no memory for them.
    var pendingBlankLines = 0
    var firstPendingBlankLine = 0
    let header: [String]
    let numberColumns: [String]
    let textColumns: [String]
    let numberCount: Int
    /// Per file column: its number slot (≥ 0), its text slot (−2 − k), or −1 (skipped).
    let slots: UnsafeMutablePointer<Int32>
    let width: Int
    let scratch: UnsafeMutablePointer<Double>
    var textScratch: [String]
    let dropMissing: Bool
    let markers: [[UInt8]]
    let options: CSVReadOptions
    var error: CSVError?
    /// The error that stopped the scanner (see ``CSVFieldSink/failure``).
    var failure: CSVError?
    var missing = false
    /// A region of the caller's array that rows are written to first (`directCapacity`
    /// numbers, a multiple of `numberCount`; ``block``'s values hold the rows after it fills).
    var direct: UnsafeMutablePointer<Double>?
    var directCount = 0
    var directCapacity = 0
    /// Whether the current record has an ``error`` or a ``missing`` cell.
    var flagged = false
    /// `textColumns.count`.
    let textCount: Int
    private let storage: Storage

    /// Owns the pointers (the sink itself is copied in and out of the reader).
    final class Storage {
        let slots: UnsafeMutablePointer<Int32>
        let scratch: UnsafeMutablePointer<Double>
        init(width: Int, numbers: Int) {
            slots = .allocate(capacity: max(width, 1))
            scratch = .allocate(capacity: max(numbers, 1))
            scratch.initialize(repeating: 0, count: max(numbers, 1))
        }
        deinit { slots.deallocate(); scratch.deallocate() }
    }

    init(header: [String], numberColumns: [String], textColumns: [String], slots: [Int32], options: CSVReadOptions) {
        self.header = header
        self.numberColumns = numberColumns
        self.textColumns = textColumns
        numberCount = numberColumns.count
        textCount = textColumns.count
        width = header.count
        storage = Storage(width: header.count, numbers: numberColumns.count)
        self.slots = storage.slots
        self.slots.initialize(from: slots, count: slots.count)
        scratch = storage.scratch
        textScratch = Array(repeating: "", count: textColumns.count)
        dropMissing = options.missing == .drop
        markers = options.missingMarkers.filter { !$0.isEmpty }.map { Array($0.utf8) }
        self.options = options
    }

    /// A sink with the same columns and options and its own scratch, for another thread.
    func fresh() -> NumberSink {
        NumberSink(header: header, numberColumns: numberColumns, textColumns: textColumns,
                   slots: Array(UnsafeBufferPointer(start: slots, count: width)), options: options)
    }

    mutating func beginRecord() {
        // (Cleared only when set: resetting an optional error on every record is not free.)
        if flagged { flagged = false; error = nil; missing = false }
    }

    /// Commits a complete record: a blank line is held back; then the record's width, its
    /// first bad cell, a missing cell (dropped) or its values.
    @inline(__always)
    mutating func endRecord(fieldCount: Int, blank: Bool, line: Int) -> Bool {
        if blank {
            if pendingBlankLines == 0 { firstPendingBlankLine = line }
            pendingBlankLines += 1
            return true
        }
        if pendingBlankLines > 0 {
            do { try commitBlankLines() } catch { failure = error; return false }
        }
        guard fieldCount == width else {
            failure = .raggedRow(line: line, fields: fieldCount, expected: width)
            return false
        }
        if flagged {
            if let error { failure = error; return false }
            block.droppedRows += 1  // missing
            return true
        }
        if numberCount > 0, directCount + numberCount <= directCapacity {
            // Straight into a region of the caller's array (reading in two parts).
            if numberCount == 1 { direct.unsafelyUnwrapped[directCount] = scratch[0] } else {
                (direct.unsafelyUnwrapped + directCount).update(from: scratch, count: numberCount)
            }
            directCount += numberCount
        } else if numberCount == 1 {
            block.values.append(scratch[0])
        } else if numberCount > 0 {
            block.values.append(contentsOf: UnsafeBufferPointer(start: scratch, count: numberCount))
        }
        for j in 0..<textCount { block.text[j].append(textScratch[j]) }
        let rowOffset = line - block.rowCount
        if rowOffset != lineOffset {
            block.lineBreaks.append(CSVNumbers.LineBreak(row: block.rowCount, offset: rowOffset))
            lineOffset = rowOffset
        }
        block.rowCount += 1
        return block.rowCount < stopAt
    }

    /// Blank lines followed by a row: errors for several columns; for one column an empty
    /// cell, missing if the column is selected (a row of nothing otherwise).
    mutating func commitBlankLines() throws(CSVError) {
        guard width == 1 else { throw .raggedRow(line: firstPendingBlankLine, fields: 1, expected: width) }
        if numberCount + textColumns.count > 0 {
            guard dropMissing else { throw .emptyCell(line: firstPendingBlankLine, column: header[0]) }
            block.droppedRows += pendingBlankLines
        }
        pendingBlankLines = 0
    }

    @inline(__always)
    mutating func field(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>, quoted: Bool, escaped: Bool, line: Int) {
        guard index < width else { return }
        let slot = Int(slots[index])
        if slot == -1 || flagged { return }
        // Trim spaces and tabs.
        guard var start = bytes.baseAddress else { return markMissing(index, line, bytes, escaped: escaped, empty: true) }
        var count = bytes.count
        while count > 0, start[0] == 0x20 || start[0] == 0x09 { start += 1; count -= 1 }
        while count > 0, start[count - 1] == 0x20 || start[count - 1] == 0x09 { count -= 1 }
        if count == 0 { return markMissing(index, line, bytes, escaped: escaped, empty: true) }
        if slot >= 0 {
            if let value = DecimalParser.parse(start, count), value.isFinite {
                scratch[slot] = value
                return
            }
            // Not a finite number: a missing-value marker, or an error.
            if isMarker(start, count) { return markMissing(index, line, bytes, escaped: escaped, empty: false) }
            let text = CSVStringSink.string(bytes, escaped: escaped)
            flagged = true
            error = DecimalParser.parse(start, count) == nil
                ? .notANumber(line: line, column: header[index], text: text)
                : .nonFiniteNumber(line: line, column: header[index], text: text)
        } else {
            if isMarker(start, count) { return markMissing(index, line, bytes, escaped: escaped, empty: false) }
            textScratch[-2 - slot] = CSVStringSink.string(UnsafeBufferPointer(start: start, count: count), escaped: escaped)
        }
    }

    /// A selected numeric cell read in place (see ``CSVFieldSink/numberPrefix(_:_:available:)``):
    /// plain decimals only; everything else (spaces, markers, other grammars) takes `field`.
    @inline(__always)
    mutating func numberPrefix(_ index: Int, _ p: UnsafePointer<UInt8>, available: Int) -> Int {
        guard index < width else { return 0 }
        let slot = Int(slots[index])
        guard slot >= 0, let (value, length) = DecimalParser.prefix(p, available) else { return 0 }
        scratch[slot] = value
        return length
    }

    @inline(__always)
    func isMarker(_ start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        for marker in markers where marker.count == count {
            if marker.withUnsafeBufferPointer({ memcmp($0.baseAddress!, start, count) == 0 }) { return true }
        }
        return false
    }

    mutating func markMissing(_ index: Int, _ line: Int, _ bytes: UnsafeBufferPointer<UInt8>, escaped: Bool, empty: Bool) {
        flagged = true
        if dropMissing { missing = true; return }
        error = empty
            ? .emptyCell(line: line, column: header[index])
            : .missingValue(line: line, column: header[index], text: CSVStringSink.string(bytes, escaped: escaped))
    }
}
