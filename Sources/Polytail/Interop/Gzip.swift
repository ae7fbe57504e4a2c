import Foundation
import CPolytailNumerics

/// The only door to zlib. Reads files through zlib's `gz*` interface, which reads
/// gzip-compressed and plain files alike (a file without the gzip magic bytes 1f 8b is passed
/// through unchanged), so callers need not know which they have; writes whole files.
enum Gzip {
    /// Why a file could not be read or written. No zlib status code leaves this file.
    enum Failure: Error, Equatable, Sendable {
        /// The file could not be opened (missing, a permission problem, not a regular file,
        /// ...); the text says why.
        case cannotOpen(String)
        /// The compressed stream is damaged (bad header, CRC or length check); zlib's message.
        case corrupt(String)
        /// An operating-system read or write error; the text is strerror or zlib's message.
        case ioError(String)
    }

    /// A file opened for reading, decompressed on the fly. Reading asks for as many bytes as
    /// the caller wants and no more, so a caller that knows the size it expects (an IDX
    /// header) stops decompression there: a small gzip that inflates to gigabytes costs no
    /// more memory or time than the bytes the caller reads.
    final class Reader {
        private let file: gzFile

        /// Opens `path` for reading. Only regular files are accepted: a FIFO would block until
        /// a writer appears and a device (`/dev/zero`) never ends, so both are refused up front
        /// (the file is opened non-blocking and checked with `fstat` before zlib sees it).
        ///
        /// - Throws: `.cannotOpen` naming what the path is when it is not a regular file, or
        ///   strerror when it cannot be opened.
        init(path: String) throws(Failure) {
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { throw .cannotOpen(String(cString: strerror(errno))) }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw .cannotOpen(reason)
            }
            let kind = info.st_mode & S_IFMT
            guard kind == S_IFREG else {
                close(fd)
                throw .cannotOpen("not a regular file: it is \(Reader.describe(kind))")
            }
            // Back to blocking reads for the regular file zlib will read.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            guard let file = gzdopen(fd, "rb") else {
                close(fd)
                throw .cannotOpen("zlib could not open the file")
            }
            self.file = file
            _ = gzbuffer(file, 1 << 17)
        }

        deinit { gzclose_r(file) }

        static func describe(_ kind: mode_t) -> String {
            switch kind {
            case S_IFDIR: return "a directory"
            case S_IFIFO: return "a FIFO (named pipe)"
            case S_IFCHR: return "a character device"
            case S_IFBLK: return "a block device"
            case S_IFSOCK: return "a socket"
            default: return "not a regular file"
            }
        }

        /// Reads up to `count` bytes into `buffer`, fewer only at the end of the data.
        ///
        /// - Returns: the number of bytes read, and `endedEarly` = true when a gzip stream
        ///   stopped before its end marker and trailer (a truncated download).
        /// - Throws: `.corrupt` for damaged compressed data, `.ioError` for a read error.
        func read(into buffer: UnsafeMutableRawPointer, count: Int) throws(Failure) -> (count: Int, endedEarly: Bool) {
            var total = 0
            while total < count {
                // gzread takes at most Int32.max bytes per call.
                let n = min(count - total, 1 << 30)
                let got = gzread(file, buffer + total, UInt32(n))
                if got < 0 {
                    var status: Int32 = Z_OK
                    _ = gzerror(file, &status)
                    if status == Z_BUF_ERROR { return (total, true) }
                    throw Gzip.failure(file)
                }
                total += Int(got)
                if got < n {
                    // A short read: the end of the data, or of a stream cut short (Z_BUF_ERROR,
                    // "unexpected end of file").
                    var status: Int32 = Z_OK
                    _ = gzerror(file, &status)
                    if status == Z_BUF_ERROR { return (total, true) }
                    if status != Z_OK { throw Gzip.failure(file) }
                    return (total, false)
                }
            }
            return (total, false)
        }

        /// Reads exactly `count` bytes into a new array, or fewer at the end of the data; the
        /// array grows as data arrive (never beyond `count`), so a header that announces more
        /// than the file holds costs no memory for the missing part.
        /// - Complexity: O(count).
        func readArray(count: Int) throws(Failure) -> (bytes: [UInt8], endedEarly: Bool) {
            // Up to 64 MiB is reserved at once (MNIST's 47 MB training images in one read,
            // on huge pages); larger requests grow by chunks as data arrive.
            let first = min(count, 64 << 20)
            var endedEarly = false
            var failure: Failure? = nil
            var bytes = [UInt8](unsafeUninitializedCapacity: first) { buffer, initialized in
                guard let base = buffer.baseAddress else { initialized = 0; return }
                HugePages.advise(UnsafeMutableRawPointer(base), bytes: first)
                do throws(Failure) {
                    let got = try read(into: UnsafeMutableRawPointer(base), count: first)
                    initialized = got.count
                    endedEarly = got.endedEarly
                } catch {
                    failure = error
                    initialized = 0
                }
            }
            if let failure { throw failure }
            while bytes.count < count, !endedEarly {
                let start = bytes.count
                let chunk = min(count - start, max(start, 1 << 20))
                bytes.append(contentsOf: repeatElement(0, count: chunk))
                let result: Result<(count: Int, endedEarly: Bool), Failure> = bytes.withUnsafeMutableBytes { buffer in
                    do throws(Failure) {
                        return .success(try read(into: buffer.baseAddress! + start, count: chunk))
                    } catch {
                        return .failure(error)
                    }
                }
                let got = try result.get()
                bytes.removeLast(chunk - got.count)
                endedEarly = got.endedEarly
                if got.count < chunk { break }
            }
            return (bytes, endedEarly)
        }

        /// Reads and discards up to `count` bytes (in 1 MiB pieces: constant memory).
        /// - Returns: the number of bytes skipped (fewer than `count` only at the end) and
        ///   whether the stream ended early.
        func skip(_ count: Int) throws(Failure) -> (count: Int, endedEarly: Bool) {
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { scratch.deallocate() }
            var total = 0
            while total < count {
                let n = min(count - total, 1 << 20)
                let got = try read(into: scratch, count: n)
                total += got.count
                if got.endedEarly { return (total, true) }
                if got.count < n { break }
            }
            return (total, false)
        }
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

    fileprivate static func failure(_ file: gzFile) -> Failure {
        var status: Int32 = Z_OK
        let message = gzerror(file, &status).map { String(cString: $0) } ?? "unknown error"
        switch status {
        case Z_DATA_ERROR: return .corrupt(message)
        case Z_ERRNO: return .ioError(String(cString: strerror(errno)))
        default: return .ioError(message)
        }
    }
}
