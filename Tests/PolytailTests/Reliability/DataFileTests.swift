import Foundation
import Testing
@testable import Polytail
#if canImport(Glibc)
import Glibc
#endif

/// Data files that are not what they claim (issue 10): a gzip bomb behind a small IDX header,
/// headers announcing more than memory holds, FIFOs, devices and directories. Each must give
/// the specific `DataError` quickly, with memory bounded by what the result needs.
@Suite("Reliability: data files") final class DataFileTests {
    let folder: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polytail-reliability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        folder = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func path(_ name: String) -> String { folder + "/" + name }

    static func header(_ dims: [UInt32]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 8, UInt8(dims.count)]
        for d in dims { out += [UInt8(d >> 24), UInt8((d >> 16) & 0xff), UInt8((d >> 8) & 0xff), UInt8(d & 0xff)] }
        return out
    }

    /// 16 MiB of zeros behind a header announcing 2 images of 2 × 2: reading stops 1 MiB
    /// past the announced end instead of inflating (and holding) the whole stream.
    @Test func gzipBombBehindASmallHeaderStopsAtTheProbe() throws {
        let file = path("bomb.gz")
        try Gzip.write(Self.header([2, 2, 2]) + [UInt8](repeating: 0, count: 16 << 20), to: file, compressed: true)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let expected = 16 + 8
        expectError(DataError.trailingData(path: file, expectedBytes: expected, gotBytes: expected + DataError.trailingProbeBytes)) {
            try IDXFile.read(path: file, dimensionCount: 3)
        }
        let message = DataError.trailingData(path: file, expectedBytes: expected, gotBytes: expected + DataError.trailingProbeBytes).description
        #expect(message == "\(file) has more than \(DataError.trailingProbeBytes - 1) bytes beyond the 24 its header announces")
    }

    /// A header announcing 4·10⁹ images of 65,535 × 65,535 pixels is refused before any allocation.
    @Test func headerAnnouncingMoreThanMemoryIsRefused() throws {
        let file = path("huge")
        try Gzip.write(Self.header([4_000_000_000, 65_535, 65_535]) + [1, 2, 3], to: file, compressed: false)
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            _ = try IDXFile.read(path: file, dimensionCount: 3)
            Issue.record("no error")
        } catch {
            guard case .badDimensions = error else {
                // 4e9 · 65535² overflows Int: reported as unusable dimensions.
                Issue.record("expected badDimensions, got \(error)")
                return
            }
        }
        // 60,000 · 65,535 · 256 fits in Int but not in memory as doubles.
        try Gzip.write(Self.header([60_000, 65_535, 256]) + [1, 2, 3], to: file, compressed: false)
        let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        expectError(DataError.tooLarge(path: file, announcedBytes: 16 + 60_000 * 65_535 * 256, memoryBytes: memory)) {
            try IDXFile.read(path: file, dimensionCount: 3)
        }
        // With a limit the kept part fits; the file is then simply too short.
        expectError(DataError.truncated(path: file, expectedBytes: 16 + 60_000 * 65_535 * 256, gotBytes: 19)) {
            try IDXFile.read(path: file, dimensionCount: 3, limit: 1)
        }
    }

    @Test func fifoIsRefusedWithoutBlocking() throws {
        let fifo = path("train-labels-idx1-ubyte")
        #expect(mkfifo(fifo, 0o600) == 0)
        expectError(DataError.unreadable(path: fifo, reason: "not a regular file: it is a FIFO (named pipe)")) {
            try IDXFile.read(path: fifo, dimensionCount: 1)
        }
        try Gzip.write(Self.header([1, 1, 1]) + [0], to: path("train-images-idx3-ubyte"), compressed: false)
        expectError(DataError.unreadable(path: fifo, reason: "not a regular file: it is a FIFO (named pipe)")) {
            try DigitImages.mnist(folder: folder, split: .train)
        }
    }

    @Test func devicesAndDirectoriesAreNamed() throws {
        expectError(DataError.unreadable(path: "/dev/null", reason: "not a regular file: it is a character device")) {
            try IDXFile.read(path: "/dev/null", dimensionCount: 1)
        }
        expectError(DataError.unreadable(path: "/dev/zero", reason: "not a regular file: it is a character device")) {
            try IDXFile.read(path: "/dev/zero", dimensionCount: 1)
        }
        let directory = path("t10k-images-idx3-ubyte")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        expectError(DataError.unreadable(path: directory, reason: "not a regular file: it is a directory")) {
            try IDXFile.read(path: directory, dimensionCount: 3)
        }
        expectError(DataError.unreadable(path: path("missing"), reason: "No such file or directory")) {
            try IDXFile.read(path: path("missing"), dimensionCount: 3)
        }
    }

    @Test func limitKeepsOnlyTheFirstItemsAndChecksTheRest() throws {
        let file = path("labels.gz")
        try Gzip.write(Self.header([5]) + [1, 2, 3, 4, 5], to: file, compressed: true)
        let two = try IDXFile.read(path: file, dimensionCount: 1, limit: 2)
        #expect(two.dimensions == [2] && Array(two.bytes) == [1, 2])
        try Gzip.write(Self.header([5]) + [1, 2, 3, 4], to: file, compressed: true)
        expectError(DataError.truncated(path: file, expectedBytes: 13, gotBytes: 12)) {
            try IDXFile.read(path: file, dimensionCount: 1, limit: 2)
        }
    }
}

extension DataFileTests {
    @Test func aFileGivenAsTheFolderIsNamed() {
        expectError(DataError.unreadable(path: "/dev/null", reason: "not a directory (give the folder that holds the IDX files)")) {
            try DigitImages.mnist(folder: "/dev/null", split: .test)
        }
    }
}

/// CSV sources that are not regular files: a FIFO is read as a stream (a writer may come
/// after the reader, as with `mkfifo`), never waited for forever; a device without line ends
/// stops at the record bound instead of filling the memory.
extension DataFileTests {
    /// Writes `text` to the FIFO from another thread once it has been opened for reading.
    static func writeLater(_ text: String, to fifo: String) -> Thread {
        let thread = Thread {
            let fd = open(fifo, O_WRONLY)
            guard fd >= 0 else { return }
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        thread.start()
        return thread
    }

    @Test func csvFromAFIFOWithAWriterIsRead() throws {
        let fifo = path("data.csv")
        #expect(mkfifo(fifo, 0o600) == 0)
        _ = Self.writeLater("x\n1\n2\n4\n", to: fifo)
        let table = try CSVTable.read(contentsOf: fifo)
        #expect(table.rows.count == 3)
    }

    @Test func csvFromAFIFOWhoseWriterWritesNothing() throws {
        let fifo = path("empty.csv")
        #expect(mkfifo(fifo, 0o600) == 0)
        _ = Self.writeLater("", to: fifo)
        expectError(CSVError.unreadable(path: fifo, reason: "it is a FIFO (named pipe) and nothing was written to it")) {
            try CSVTable.read(contentsOf: fifo)
        }
    }

    /// Before, opening the FIFO blocked forever; now the reader gives up after 10 s.
    @Test func csvFromAFIFOWithoutWriterIsRefusedInBoundedTime() throws {
        let fifo = path("orphan.csv")
        #expect(mkfifo(fifo, 0o600) == 0)
        let start = Date()
        expectError(CSVError.unreadable(path: fifo, reason: "it is a FIFO (named pipe) and nothing wrote to it for 10 s")) {
            try CSVNumberReader(path: fifo).readAll()
        }
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test func csvFromDevicesAndDirectories() {
        expectError(CSVError.unreadable(path: "/dev/zero", reason: "line 1 is longer than 64 MiB without a line end: not a CSV table")) {
            try CSVNumberReader(path: "/dev/zero").readAll()
        }
        expectError(CSVError.noHeader) { try CSVTable.read(contentsOf: "/dev/null") }
        expectError(CSVError.unreadable(path: folder, reason: "it is a directory")) { try CSVTable.read(contentsOf: folder) }
    }
}
