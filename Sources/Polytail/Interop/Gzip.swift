import Foundation
import CPolytailNumerics

/// The only door to zlib. Reads and writes whole files through zlib's `gz*` interface,
/// which reads gzip-compressed and plain files alike (a file without the gzip magic
/// bytes 1f 8b is passed through unchanged), so callers need not know which they have.
enum Gzip {
    /// Why a file could not be read or written. No zlib status code leaves this file.
    enum Failure: Error, Equatable, Sendable {
        /// The file could not be opened (missing, a permission problem, ...); the text is strerror.
        case cannotOpen(String)
        /// The compressed stream is damaged (bad header, CRC or length check); zlib's message.
        case corrupt(String)
        /// An operating-system read or write error; the text is strerror or zlib's message.
        case ioError(String)
    }

    /// The bytes of the file at `path`, gunzipped when it is gzip-compressed
    /// (concatenated gzip members are read one after the other, as gunzip does).
    ///
    /// - Returns: the bytes, and `endedEarly` = true when a gzip stream stops before its
    ///   end marker and trailer (a truncated download); the bytes are then those that
    ///   could be decompressed.
    /// - Complexity: O(file size), reading in 1 MiB chunks.
    static func read(path: String) throws(Failure) -> (bytes: [UInt8], endedEarly: Bool) {
        // gzread takes at most Int32.max bytes per call; larger inputs go on in chunks.
        let firstRead = min(sizeHint(path) + 1, 1 << 30)
        guard let file = gzopen(path, "rb") else {
            throw .cannotOpen(String(cString: strerror(errno)))
        }
        defer { gzclose_r(file) }
        _ = gzbuffer(file, 1 << 17)
        // First read: the whole expected size plus one byte in one call, into an array
        // that needs no copy when the hint is right (the usual case).
        var readFailed = false
        var bytes = [UInt8](unsafeUninitializedCapacity: firstRead) { buffer, initialized in
            HugePages.advise(UnsafeMutableRawPointer(buffer.baseAddress!), bytes: firstRead)
            let got = gzread(file, buffer.baseAddress!, UInt32(firstRead))
            readFailed = got < 0
            initialized = max(Int(got), 0)
        }
        // The hint was short (a multi-member gzip file, or one over 4 GiB): read on in chunks.
        if !readFailed && bytes.count == firstRead {
            let chunk = 1 << 20
            while true {
                let start = bytes.count
                bytes.append(contentsOf: repeatElement(0, count: chunk))
                let got = bytes.withUnsafeMutableBytes { gzread(file, $0.baseAddress! + start, UInt32(chunk)) }
                bytes.removeLast(chunk - max(Int(got), 0))
                if got < 0 { readFailed = true }
                if got <= 0 { break }
            }
        }
        // gzread reports a stream cut short as a short read (or -1 after one); the
        // end-of-file condition then carries Z_BUF_ERROR ("unexpected end of file").
        var status: Int32 = Z_OK
        _ = gzerror(file, &status)
        if status == Z_BUF_ERROR { return (bytes, true) }
        if readFailed || status != Z_OK { throw failure(file) }
        return (bytes, false)
    }

    /// The expected decompressed size: ISIZE (the length mod 2³², little-endian in the
    /// last four bytes) for a gzip file, the file size otherwise; 0 when unknown. A damaged
    /// ISIZE cannot ask for more than deflate's maximum ratio (1032 : 1) allows.
    private static func sizeHint(_ path: String) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size >= 4 else { return 0 }
        try? handle.seek(toOffset: 0)
        let magic = (try? handle.read(upToCount: 2)) ?? Data()
        guard magic == Data([0x1f, 0x8b]) else { return Int(min(size, 1 << 40)) }
        try? handle.seek(toOffset: size - 4)
        let tail = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        guard tail.count == 4 else { return 0 }
        let isize = Int(tail[0]) | Int(tail[1]) << 8 | Int(tail[2]) << 16 | Int(tail[3]) << 24
        return min(isize, Int(min(size, 1 << 40)) * 1032)
    }

    /// Writes `bytes` to `path`, gzip-compressed (level 6, the gzip default) when
    /// `compressed` is true and verbatim otherwise. An existing file is replaced.
    static func write(_ bytes: [UInt8], to path: String, compressed: Bool) throws(Failure) {
        // "T" asks zlib for a transparent (uncompressed) write.
        guard let file = gzopen(path, compressed ? "wb6" : "wbT") else {
            throw .cannotOpen(String(cString: strerror(errno)))
        }
        var offset = 0
        while offset < bytes.count {
            let n = min(1 << 20, bytes.count - offset)
            let written = bytes.withUnsafeBytes { buffer in
                gzwrite(file, buffer.baseAddress! + offset, UInt32(n))
            }
            if written <= 0 {
                let error = failure(file)
                gzclose_w(file)
                throw error
            }
            offset += Int(written)
        }
        let status = gzclose_w(file)
        if status != Z_OK { throw .ioError("closing the file failed (zlib status \(status))") }
    }

    private static func failure(_ file: gzFile) -> Failure {
        var status: Int32 = Z_OK
        let message = gzerror(file, &status).map { String(cString: $0) } ?? "unknown error"
        switch status {
        case Z_DATA_ERROR: return .corrupt(message)
        case Z_ERRNO: return .ioError(String(cString: strerror(errno)))
        default: return .ioError(message)
        }
    }
}
