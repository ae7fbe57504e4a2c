/// Everything that can go wrong reading a digit data set from files.
///
/// Paths are those the reader tried; byte counts are of the decompressed contents.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// None of the accepted file names exists in the folder.
    case missingFile(folder: String, triedNames: [String])
    /// The file exists but cannot be read (permissions, a directory, an I/O error).
    case unreadable(path: String, reason: String)
    /// The gzip stream is damaged (bad header, CRC or length check).
    case corruptCompressedData(path: String, reason: String)
    /// The first four bytes are not the IDX magic number expected for this file.
    case badMagic(path: String, expected: UInt32, got: UInt32)
    /// A dimension in the IDX header is zero, or the images are not two-dimensional.
    case badDimensions(path: String, dimensions: [Int])
    /// The file (or its gzip stream) ends before the data its header announces.
    case truncated(path: String, expectedBytes: Int, gotBytes: Int)
    /// The file holds more bytes than its header announces. Reading stops
    /// ``trailingProbeBytes`` past the announced end, so `gotBytes` is then a lower bound.
    case trailingData(path: String, expectedBytes: Int, gotBytes: Int)
    /// The header announces more data than this machine's memory could hold once converted
    /// to doubles; nothing was allocated.
    case tooLarge(path: String, announcedBytes: Int, memoryBytes: Int)
    /// The image and label files disagree on the number of items.
    case countMismatch(images: Int, labels: Int)
    /// A label outside 0…9 (item index is zero-based).
    case labelOutOfRange(item: Int, label: Int)
    /// An argument of the reader is invalid (e.g. a negative limit).
    case invalidArgument(String)

    /// How far past the announced end of an IDX file reading goes to detect trailing data.
    public static let trailingProbeBytes = 1 << 20

    public var description: String {
        switch self {
        case let .missingFile(folder, names):
            return "no \(names.joined(separator: " or ")) in \(folder)"
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .corruptCompressedData(path, reason):
            return "damaged gzip data in \(path): \(reason)"
        case let .badMagic(path, expected, got):
            return "\(path) is not the expected IDX file: magic number \(hex(got)), expected \(hex(expected))"
        case let .badDimensions(path, dimensions):
            return "\(path) has unusable IDX dimensions \(dimensions)"
        case let .truncated(path, expected, got):
            return "\(path) is truncated: its header announces \(expected) bytes, it holds \(got)"
        case let .trailingData(path, expected, got):
            let extra = got - expected
            let amount = extra >= DataError.trailingProbeBytes ? "more than \(extra - 1)" : "\(extra)"
            return "\(path) has \(amount) bytes beyond the \(expected) its header announces"
        case let .tooLarge(path, announced, memory):
            return "\(path) announces \(announced) bytes of data, too many to hold as doubles in this machine's \(memory >> 20) MiB of memory"
        case let .countMismatch(images, labels):
            return "\(images) images but \(labels) labels"
        case let .labelOutOfRange(item, label):
            return "label \(label) of item \(item) is outside 0…9"
        case let .invalidArgument(text):
            return "invalid argument: \(text)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
