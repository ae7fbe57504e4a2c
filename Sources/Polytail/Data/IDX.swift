import Foundation

/// An IDX file of unsigned bytes, the format of the MNIST distribution
/// (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS FOR THE MNIST DATABASE").
///
/// Layout, all integers big-endian: a magic number `0x0000 08 d` (two zero bytes, the
/// type code 0x08 = unsigned byte, the number of dimensions d), then d 32-bit
/// dimension sizes, then ∏ sizes bytes in row-major order. MNIST labels are
/// `0x00000801` (d = 1: n), images `0x00000803` (d = 3: n × rows × columns).
struct IDXFile: Equatable, Sendable {
    /// The dimension sizes, outermost first.
    var dimensions: [Int]
    /// The data bytes, row-major (a slice of the file's bytes, so reading copies nothing).
    var bytes: ArraySlice<UInt8>

    init(dimensions: [Int], bytes: some Collection<UInt8>) {
        self.dimensions = dimensions
        self.bytes = ArraySlice(bytes)
    }

    /// The magic number for unsigned-byte data of `dimensionCount` dimensions.
    static func magic(dimensionCount: Int) -> UInt32 { 0x0000_0800 | UInt32(dimensionCount) }

    /// The file's bytes: header then data.
    var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + 4 * dimensions.count + bytes.count)
        appendBigEndian(Self.magic(dimensionCount: dimensions.count), to: &out)
        for d in dimensions { appendBigEndian(UInt32(d), to: &out) }
        out.append(contentsOf: bytes)
        return out
    }

    /// Writes the file, gzip-compressed when `gzip` is true.
    func write(to path: String, gzip: Bool) throws(DataError) {
        do {
            try Gzip.write(encoded, to: path, compressed: gzip)
        } catch {
            throw DataError(error, path: path)
        }
    }

    /// Reads an unsigned-byte IDX file of `dimensionCount` dimensions (gzipped or not) and
    /// checks that its magic number, dimensions and length agree.
    ///
    /// Decompression follows the header: the data bytes it announces are read (those of the
    /// first `limit` items kept, the rest counted and discarded), then at most 1 MiB more to
    /// detect trailing data and the gzip trailer. A small gzip that inflates to gigabytes
    /// behind a modest header therefore costs the header's size, not the stream's; a header
    /// whose data would not fit in memory as doubles is refused before anything is allocated.
    ///
    /// - Parameter limit: when given, only the first `limit` items (along the outermost
    ///   dimension) are kept; the whole file is still read and checked for length.
    /// - Throws: `DataError` naming the file: `.unreadable` (missing permission, not a regular
    ///   file), `.badMagic`, `.badDimensions`, `.truncated`, `.trailingData`,
    ///   `.corruptCompressedData`, `.tooLarge`.
    /// - Complexity: O(announced size) time, O(kept items) memory.
    static func read(path: String, dimensionCount: Int, limit: Int? = nil) throws(DataError) -> IDXFile {
        func io<T>(_ body: () throws(Gzip.Failure) -> T) throws(DataError) -> T {
            do { return try body() } catch { throw DataError(error, path: path) }
        }
        let reader = try io { () throws(Gzip.Failure) in try Gzip.Reader(path: path) }
        let expectedMagic = magic(dimensionCount: dimensionCount)
        let headerBytes = 4 + 4 * dimensionCount
        let (header, headerEnded) = try io { () throws(Gzip.Failure) in try reader.readArray(count: headerBytes) }
        guard header.count >= 4 else {
            throw .truncated(path: path, expectedBytes: headerBytes, gotBytes: header.count)
        }
        let gotMagic = readBigEndian(header, at: 0)
        guard gotMagic == expectedMagic else {
            throw .badMagic(path: path, expected: expectedMagic, got: gotMagic)
        }
        guard header.count >= headerBytes else {
            throw .truncated(path: path, expectedBytes: headerBytes, gotBytes: header.count)
        }
        let dimensions = (0..<dimensionCount).map { Int(readBigEndian(header, at: 4 + 4 * $0)) }
        // Each size is < 2³², so the product of three fits in Int only when checked.
        var itemCount = 1
        for d in dimensions {
            let (product, overflow) = itemCount.multipliedReportingOverflow(by: d)
            guard !overflow, d > 0 else { throw .badDimensions(path: path, dimensions: dimensions) }
            itemCount = product
        }
        let (expectedBytes, overflow) = headerBytes.addingReportingOverflow(itemCount)
        guard !overflow else { throw .badDimensions(path: path, dimensions: dimensions) }
        var kept = dimensions
        if let limit, limit < dimensions[0] { kept[0] = limit }
        let itemBytes = itemCount / dimensions[0]
        let keptBytes = kept[0] * itemBytes
        // The result holds every kept byte as a Double (8 bytes) beside the bytes themselves.
        let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let (needed, neededOverflow) = keptBytes.multipliedReportingOverflow(by: 9)
        guard !neededOverflow, needed <= memory else {
            throw .tooLarge(path: path, announcedBytes: expectedBytes, memoryBytes: memory)
        }
        var endedEarly = headerEnded
        let (body, bodyEnded) = try io { () throws(Gzip.Failure) in try reader.readArray(count: keptBytes) }
        endedEarly = endedEarly || bodyEnded
        var got = headerBytes + body.count
        if body.count == keptBytes {
            let (skipped, skipEnded) = try io { () throws(Gzip.Failure) in try reader.skip(itemCount - keptBytes) }
            got += skipped
            endedEarly = endedEarly || skipEnded
        }
        guard got == expectedBytes else {
            throw .truncated(path: path, expectedBytes: expectedBytes, gotBytes: got)
        }
        // Past the announced data: at most `trailingProbeBytes` more, which also makes zlib
        // check the gzip trailer (CRC and length).
        let (extra, probeEnded) = try io { () throws(Gzip.Failure) in try reader.skip(DataError.trailingProbeBytes) }
        guard extra == 0 else {
            throw .trailingData(path: path, expectedBytes: expectedBytes, gotBytes: expectedBytes + extra)
        }
        // All announced bytes arrived but the gzip trailer (CRC and length) did not.
        guard !(endedEarly || probeEnded) else {
            throw .corruptCompressedData(path: path, reason: "the gzip stream ends before its trailer")
        }
        return IDXFile(dimensions: kept, bytes: body)
    }
}

extension DataError {
    init(_ failure: Gzip.Failure, path: String) {
        switch failure {
        case let .cannotOpen(reason), let .ioError(reason):
            self = .unreadable(path: path, reason: reason)
        case let .corrupt(reason):
            self = .corruptCompressedData(path: path, reason: reason)
        }
    }
}

private func appendBigEndian(_ value: UInt32, to out: inout [UInt8]) {
    out.append(UInt8(truncatingIfNeeded: value >> 24))
    out.append(UInt8(truncatingIfNeeded: value >> 16))
    out.append(UInt8(truncatingIfNeeded: value >> 8))
    out.append(UInt8(truncatingIfNeeded: value))
}

private func readBigEndian(_ data: [UInt8], at offset: Int) -> UInt32 {
    UInt32(data[offset]) << 24 | UInt32(data[offset + 1]) << 16 | UInt32(data[offset + 2]) << 8 | UInt32(data[offset + 3])
}
