import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Hot loop (documented raw-pointer use): the scanner walks the file's bytes through a buffer
// pointer, a few branches per byte, and hands each field to its sink as a pointer range — the
// CSV reading benchmark of Docs/performance.md.

/// What a scanner hands its fields to. The scanner may restart a record when it reaches the
/// end of its buffer mid-record (it reads more and scans the record again), so a sink keeps
/// a record's fields provisional until ``endRecord(fieldCount:blank:line:)``.
protocol CSVFieldSink {
    /// The record's fields are complete: `fieldCount` fields (a blank line is one empty
    /// field), starting on file line `line`. Return true to go on to the next record within
    /// the same ``CSVScanner/next(_:)`` call (a sink that commits records itself), false to
    /// have `next` return this record — or, with ``failure`` set, throw it. (Not a throwing
    /// requirement: a typed-throws witness is called through a thunk in the scanner's loop,
    /// a tenth of the reading time.)
    mutating func endRecord(fieldCount: Int, blank: Bool, line: Int) -> Bool
    /// The error that made ``endRecord(fieldCount:blank:line:)`` return false, if any.
    var failure: CSVError? { get }
    /// A record starts (again, after a restart): forget any provisional fields.
    mutating func beginRecord()
    /// Field `index` of the current record: its bytes (between the quotes, with `""` still
    /// doubled when `escaped`), starting on file line `line`.
    mutating func field(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>, quoted: Bool, escaped: Bool, line: Int)
    /// Field `index` is unquoted and starts at `p`, with `available` bytes in the buffer: a
    /// sink that reads it as a number parses the longest number there and returns its length
    /// (0 when it does not). The scanner accepts the field when a delimiter or line end follows
    /// it; otherwise it scans the field and hands it to ``field(_:_:quoted:escaped:line:)``.
    /// One pass over the bytes of a numeric cell instead of two.
    mutating func numberPrefix(_ index: Int, _ p: UnsafePointer<UInt8>, available: Int) -> Int
}

extension CSVFieldSink {
    @inline(__always)
    mutating func numberPrefix(_ index: Int, _ p: UnsafePointer<UInt8>, available: Int) -> Int { 0 }
}

/// The one RFC 4180 byte-level state machine behind ``CSVTable`` and ``CSVNumberReader``:
/// a buffered read of a file descriptor (or a buffer in memory), records scanned in place,
/// fields handed to a sink as byte ranges — no `String` is made here.
///
/// Accepted: LF, CRLF or lone CR line ends (mixed too); a final line end or none; a UTF-8
/// byte-order mark (skipped); fields in double quotes holding delimiters, line ends and
/// doubled quotes. The bytes must be UTF-8; a bad sequence is reported at its first byte.
/// Memory: the buffer (1 MiB, doubled only for a record longer than that).
final class CSVScanner {
    enum Step { case record(fieldCount: Int, blank: Bool, line: Int), end }

    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private let ownsBuffer: Bool
    private var pos = 0
    private var end = 0
    private var eof = false
    private let fd: Int32
    /// Whether the source is a FIFO (named pipe), for the message when nothing comes from it.
    private var isFIFO = false
    /// The longest record the scanner buffers (64 MiB): a source without line ends (a device
    /// such as `/dev/zero`, a file of NUL bytes) stops here instead of filling the memory.
    static let maximumRecordBytes = 1 << 26
    private let closeOnDeinit: Bool
    /// The path for messages.
    let path: String
    /// The physical line the next record starts on, 1-based.
    private(set) var line = 1
    private var lineStart = 0
    let delimiter: UInt8
    /// Bytes that end the fast scan of an unquoted field: the delimiter, CR, LF, the quote
    /// and every byte ≥ 0x80 (validated as UTF-8).
    private let special = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
    /// Whether unquoted fields are offered to the sink as numbers first
    /// (``CSVFieldSink/numberPrefix(_:_:available:)``): not when the delimiter is a byte a
    /// number may contain (a digit, sign, point or e).
    private let offersNumbers: Bool

    static let quote: UInt8 = 0x22, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    /// Checks a delimiter: one ASCII byte, not a quote, CR or LF.
    static func delimiterByte(_ delimiter: Character) throws(CSVError) -> UInt8 {
        guard let ascii = delimiter.asciiValue, ascii != quote, ascii != lf, ascii != cr, ascii != 0 else {
            throw .invalidDelimiter(String(delimiter))
        }
        return ascii
    }

    /// Opens `path` for reading; `"-"` is standard input.
    init(path: String, delimiter: UInt8) throws(CSVError) {
        self.path = path
        self.delimiter = delimiter
        if path == "-" {
            fd = 0
            closeOnDeinit = false
        } else {
            // Non-blocking, so that opening a FIFO nobody writes to returns at once (a
            // blocking open would wait for a writer forever); reads block again below.
            let opened = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            if opened < 0 {
                let code = errno
                if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
                throw .unreadable(path: path, reason: code == EACCES ? "permission denied" : String(cString: strerror(code)))
            }
            var info = stat()
            if fstat(opened, &info) == 0 {
                let kind = info.st_mode & S_IFMT
                if kind == S_IFDIR {
                    close(opened)
                    throw .unreadable(path: path, reason: "it is a directory")
                }
                // A FIFO or pipe (`<(command)`) is read as a stream; with no writer the first
                // read ends at once and says so (see `refill`).
                isFIFO = kind == S_IFIFO
            }
            _ = fcntl(opened, F_SETFL, fcntl(opened, F_GETFL) & ~O_NONBLOCK)
            fd = opened
            closeOnDeinit = true
        }
        capacity = 1 << 20
        buffer = .allocate(capacity: capacity)
        ownsBuffer = true
        offersNumbers = CSVScanner.offersNumbers(delimiter)
        setUp()
    }

    /// Scans bytes already in memory (not copied; they must outlive the scanner).
    init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) {
        path = "<memory>"
        self.delimiter = delimiter
        fd = -1
        closeOnDeinit = false
        ownsBuffer = false
        buffer = UnsafeMutablePointer(mutating: bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
        capacity = bytes.count
        end = bytes.count
        eof = true
        offersNumbers = CSVScanner.offersNumbers(delimiter)
        setUp()
    }

    deinit {
        special.deallocate()
        if ownsBuffer { buffer.deallocate() }
        if closeOnDeinit { close(fd) }
    }

    private static func offersNumbers(_ delimiter: UInt8) -> Bool {
        !(0x30...0x39).contains(delimiter) && delimiter != 0x2B && delimiter != 0x2D && delimiter != 0x2E
            && delimiter | 0x20 != 0x65
    }

    private func setUp() {
        special.initialize(repeating: false, count: 256)
        special[Int(delimiter)] = true
        special[Int(CSVScanner.quote)] = true
        special[Int(CSVScanner.lf)] = true
        special[Int(CSVScanner.cr)] = true
        for b in 0x80..<0x100 { special[b] = true }
    }

    /// Reads only bytes `rangeOffset ..< rangeLimit` of a regular file (with `pread`), for a
    /// scanner over one part of a file (``CSVNumberReader`` reads a large file in two parts on
    /// two threads); nil: the whole source, sequentially.
    private var rangeOffset: Int?
    private var rangeLimit = Int.max

    /// Scans the part of the regular file `path` from byte `start` (a record start) up to
    /// byte `limit` (exclusive; `.max`: to its end), the first record on file line `line`.
    /// No byte-order mark is looked for: the part starts past the header.
    convenience init(path: String, delimiter: UInt8, from start: Int, to limit: Int, line: Int) throws(CSVError) {
        try self.init(path: path, delimiter: delimiter)
        rangeOffset = start
        rangeLimit = limit
        bomChecked = true
        self.line = line
    }

    private var bomChecked = false
    /// Bytes read from the source so far.
    private var bytesRead = 0
    /// Bytes consumed by the records scanned so far (the BOM included).
    var consumed: Int { (ownsBuffer ? bytesRead : capacity) - (end - pos) }

    /// Reads more bytes after moving the unconsumed tail to the front (growing the buffer
    /// when one record fills it).
    private func refill() throws(CSVError) {
        guard !eof else { return }
        if pos > 0 {
            let tail = end - pos
            if tail > 0 { (buffer).update(from: buffer + pos, count: tail) }
            end = tail
            lineStart -= pos
            pos = 0
        }
        if end == capacity {
            guard capacity < CSVScanner.maximumRecordBytes else {
                throw .unreadable(path: path, reason: "line \(line) is longer than \(CSVScanner.maximumRecordBytes >> 20) MiB without a line end: not a CSV table")
            }
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        if isFIFO, bytesRead == 0 { try awaitWriter() }
        while true {
            let r: Int
            if let offset = rangeOffset {
                let room = min(capacity - end, rangeLimit - offset)
                r = room > 0 ? pread(fd, buffer + end, room, off_t(offset)) : 0
                if r > 0 { rangeOffset = offset + r }
            } else {
                r = read(fd, buffer + end, capacity - end)
            }
            if r > 0 { end += r; bytesRead += r; return }
            if r == 0 {
                eof = true
                if isFIFO, bytesRead == 0 {
                    throw .unreadable(path: path, reason: "it is a FIFO (named pipe) and nothing was written to it")
                }
                return
            }
            let code = errno
            if code == EINTR { continue }
            if code == EISDIR { throw .unreadable(path: path, reason: "it is a directory") }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
    }

    /// How long a FIFO may stay without a writer before the scanner gives up (seconds).
    static let fifoWriterTimeout: Int32 = 10

    /// Waits, at most ``fifoWriterTimeout`` seconds, for the first bytes (or the end) of a
    /// FIFO: the usual `mkfifo f; polytail fit f & producer > f` works, and a FIFO nobody
    /// opens for writing is reported instead of blocking forever.
    private func awaitWriter() throws(CSVError) {
        var waited: Int32 = 0
        while waited < CSVScanner.fifoWriterTimeout * 10 {
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, 100)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { return }
            waited += 1
        }
        throw .unreadable(path: path, reason: "it is a FIFO (named pipe) and nothing wrote to it for \(CSVScanner.fifoWriterTimeout) s")
    }

    /// Skips a byte-order mark at the very start.
    private func checkBOM() throws(CSVError) {
        bomChecked = true
        while end - pos < 3 && !eof { try refill() }
        if end - pos >= 3, buffer[pos] == 0xEF, buffer[pos + 1] == 0xBB, buffer[pos + 2] == 0xBF {
            pos += 3
            lineStart = pos
        }
    }

    /// 1-based character column of buffer offset `offset` on the line starting at `start`.
    private func column(_ offset: Int, lineStart start: Int) -> Int {
        var c = 1
        var j = start
        while j < offset { if buffer[j] & 0xC0 != 0x80 { c += 1 }; j += 1 }
        return c
    }

    private enum Scan { case done(Step), needMore }

    /// The next record, its fields given to `sink`, or `.end` at the end of the input. Records
    /// whose ``CSVFieldSink/endRecord(fieldCount:blank:line:)`` returns true are consumed
    /// without returning: `next` returns the first record the sink declines, or `.end`.
    func next<Sink: CSVFieldSink>(_ sink: inout Sink) throws(CSVError) -> Step {
        if !bomChecked { try checkBOM() }
        while true {
            switch try scan(&sink) {
            case let .done(step): return step
            case .needMore: try refill()
            }
        }
    }

    /// Validates the UTF-8 sequence whose lead byte is at `i`; returns the offset after it,
    /// or nil when the buffer ends inside it and more bytes may come.
    @inline(never)
    private func utf8Sequence(at i: Int, line: Int, lineStart: Int) throws(CSVError) -> Int? {
        let b = buffer[i]
        let length: Int
        var minimum: UInt32 = 0
        switch b {
        case 0xC2...0xDF: length = 2; minimum = 0x80
        case 0xE0...0xEF: length = 3; minimum = 0x800
        case 0xF0...0xF4: length = 4; minimum = 0x10000
        default: throw .notUTF8(line: line, column: column(i, lineStart: lineStart))
        }
        var scalar = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length {
            guard i + k < end else {
                if eof { throw .notUTF8(line: line, column: column(i, lineStart: lineStart)) }
                return nil
            }
            let c = buffer[i + k]
            guard c & 0xC0 == 0x80 else { throw .notUTF8(line: line, column: column(i, lineStart: lineStart)) }
            scalar = scalar << 6 | UInt32(c & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
            throw .notUTF8(line: line, column: column(i, lineStart: lineStart))
        }
        return i + length
    }

    /// The buffer ends inside the record starting at `start`: keep what came before it and
    /// read more.
    private func rewind(_ start: Int, _ line: Int, _ lineStart: Int) -> Scan {
        pos = start
        self.line = line
        self.lineStart = lineStart
        return .needMore
    }

    /// Records from `pos` until the sink declines one (`.done(.record)`), the input ends
    /// (`.done(.end)`) or the buffer ends inside a record (`.needMore`: the records before it
    /// are consumed, that one is scanned again after a refill).
    private func scan<Sink: CSVFieldSink>(_ sink: inout Sink) throws(CSVError) -> Scan {
        let b = buffer
        let n = end
        var i = pos
        var line = self.line
        var lineStart = self.lineStart
        let delimiter = self.delimiter
        let special = self.special
        let offersNumbers = self.offersNumbers
        records: while true {
            if i >= n {
                pos = i
                self.line = line
                self.lineStart = lineStart
                return eof ? .done(.end) : .needMore
            }
            let recordStart = i, recordLine = line, recordLineStart = lineStart
            var index = 0
            var blank = true
            sink.beginRecord()
            while true {
                if i < n, b[i] == CSVScanner.quote {
                    blank = false
                    let openLine = line, openLineStart = lineStart, open = i
                    i += 1
                    let contentStart = i
                    var escaped = false
                    while true {
                        if i >= n {
                            if eof { throw .unterminatedQuote(line: openLine, column: column(open, lineStart: openLineStart)) }
                            return rewind(recordStart, recordLine, recordLineStart)
                        }
                        let c = b[i]
                        if c == CSVScanner.quote {
                            if i + 1 >= n, !eof { return rewind(recordStart, recordLine, recordLineStart) }
                            if i + 1 < n, b[i + 1] == CSVScanner.quote { escaped = true; i += 2; continue }
                            break
                        } else if c == CSVScanner.lf {
                            line += 1; lineStart = i + 1
                        } else if c == CSVScanner.cr {
                            if i + 1 >= n, !eof { return rewind(recordStart, recordLine, recordLineStart) }
                            if i + 1 < n, b[i + 1] == CSVScanner.lf { i += 1 }
                            line += 1; lineStart = i + 1
                        } else if c >= 0x80 {
                            guard let next = try utf8Sequence(at: i, line: line, lineStart: lineStart) else { return rewind(recordStart, recordLine, recordLineStart) }
                            i = next
                            continue
                        }
                        i += 1
                    }
                    let contentEnd = i
                    i += 1  // the closing quote
                    if i >= n, !eof { return rewind(recordStart, recordLine, recordLineStart) }
                    if i < n {
                        let c = b[i]
                        if c != delimiter && c != CSVScanner.lf && c != CSVScanner.cr {
                            throw .textAfterClosingQuote(line: line, column: column(i, lineStart: lineStart))
                        }
                    }
                    sink.field(index, UnsafeBufferPointer(start: b + contentStart, count: contentEnd - contentStart),
                               quoted: true, escaped: escaped, line: recordLine)
                } else if offersNumbers, i < n, case let length = sink.numberPrefix(index, b + i, available: n - i),
                          length > 0, i + length < n,
                          b[i + length] == delimiter || b[i + length] == CSVScanner.lf || b[i + length] == CSVScanner.cr {
                    // A number read in place, followed by a delimiter or a line end.
                    i += length
                    blank = false
                } else {
                    let start = i
                    // Eight bytes at a time while none is special (a delimiter, CR, LF, quote or a
                    // byte ≥ 0x80): a byte of v equals c where v ^ (c·0x01…01) has a zero byte, and
                    // (u − 0x01…01) & ~u & 0x80…80 is non-zero exactly when u has a zero byte.
                    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                    let delimiters = UInt64(delimiter) &* ones
                    while i + 8 <= n {
                        let v = UInt64(littleEndian: UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self))
                        @inline(__always) func zeroByte(_ u: UInt64) -> UInt64 { (u &- ones) & ~u & highs }
                        let hits = zeroByte(v ^ delimiters) | zeroByte(v ^ (0x0A &* ones)) | zeroByte(v ^ (0x0D &* ones))
                            | zeroByte(v ^ (0x22 &* ones)) | (v & highs)
                        if hits != 0 {
                            // The lowest flagged byte is a true hit (borrows only run upwards).
                            i += hits.trailingZeroBitCount >> 3
                            break
                        }
                        i += 8
                    }
                    while i < n {
                        let c = b[i]
                        if special[Int(c)] {
                            if c == delimiter || c == CSVScanner.lf || c == CSVScanner.cr { break }
                            if c == CSVScanner.quote {
                                throw .strayQuote(line: line, column: column(i, lineStart: lineStart))
                            }
                            guard let next = try utf8Sequence(at: i, line: line, lineStart: lineStart) else { return rewind(recordStart, recordLine, recordLineStart) }
                            i = next
                            continue
                        }
                        i += 1
                    }
                    if i >= n, !eof { return rewind(recordStart, recordLine, recordLineStart) }
                    if i > start { blank = false }
                    sink.field(index, UnsafeBufferPointer(start: b + start, count: i - start),
                               quoted: false, escaped: false, line: recordLine)
                }
                index += 1
                // After a field: a delimiter, a line end, or the end of the input.
                guard i < n else { break }
                let c = b[i]
                i += 1
                if c == delimiter { blank = false; continue }
                if c == CSVScanner.cr {
                    if i >= n, !eof { return rewind(recordStart, recordLine, recordLineStart) }
                    if i < n, b[i] == CSVScanner.lf { i += 1 }
                }
                line += 1
                lineStart = i
                break
            }
            if sink.endRecord(fieldCount: index, blank: blank, line: recordLine) { continue records }
            if let failure = sink.failure { throw failure }
            pos = i
            self.line = line
            self.lineStart = lineStart
            return .done(.record(fieldCount: index, blank: blank, line: recordLine))
        }
    }
}

/// Collects the fields of one record as strings (the header, and ``CSVTable`` rows).
struct CSVStringSink: CSVFieldSink {
    var fields: [String] = []

    mutating func beginRecord() { fields.removeAll(keepingCapacity: true) }

    /// Each record is returned by ``CSVScanner/next(_:)``.
    mutating func endRecord(fieldCount: Int, blank: Bool, line: Int) -> Bool { false }

    /// Never: a string record has no error of its own.
    var failure: CSVError? { nil }

    mutating func field(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>, quoted: Bool, escaped: Bool, line: Int) {
        fields.append(CSVStringSink.string(bytes, escaped: escaped))
    }

    /// The field's text, with doubled quotes undoubled.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, escaped: Bool) -> String {
        guard escaped else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var k = 0
        while k < bytes.count {
            out.append(bytes[k])
            k += bytes[k] == CSVScanner.quote ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension CSVScanner {
    /// Reads the header: the first record that is not a blank line, names trimmed of spaces
    /// and tabs, each non-empty and distinct.
    func readHeader() throws(CSVError) -> [String] {
        var sink = CSVStringSink()
        while true {
            switch try next(&sink) {
            case .end: throw .noHeader
            case let .record(_, blank, _):
                if blank { continue }
                let header = sink.fields.map { String(CSVTable.trimmed($0)) }
                var firstIndex: [String: Int] = [:]
                for (k, name) in header.enumerated() {
                    guard !name.isEmpty else { throw .emptyHeaderName(column: k + 1) }
                    if let first = firstIndex[name] {
                        throw .duplicateHeaderName(name: name, firstColumn: first + 1, secondColumn: k + 1)
                    }
                    firstIndex[name] = k
                }
                return header
            }
        }
    }
}

