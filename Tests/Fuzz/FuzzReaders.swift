// libFuzzer target for the CSV and IDX readers (`make fuzz SECONDS=60`).
//
// Compiled by the Makefile together with the library's sources into one module (so it reaches
// the internal IDX reader) with `swiftc -sanitize=fuzzer,address`; not part of the SwiftPM
// package. The first byte of each input picks the reader and its options; the rest is the
// file. Besides memory errors (AddressSanitizer) and traps, it checks the readers' contracts:
// every error message is one printable line, every number read is finite, the row and line
// bookkeeping agrees, a file read in two halves on two threads gives the one-pass result, and
// an IDX result holds exactly the bytes its dimensions announce.
import Foundation

/// The scratch file the IDX reader reads (it reads paths, not memory).
private let scratch: String = {
    let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return folder + "/polytail-fuzz-\(getpid())"
}()

private func check(_ condition: Bool, _ what: @autoclosure () -> String) {
    if !condition { fatalError("contract broken: \(what())") }
}

private func checkMessage(_ message: String) {
    check(!message.unicodeScalars.contains { $0.properties.generalCategory == .control }, "message with a control character: \(message.debugDescription)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func polytailFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let selector = data[0]
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let delimiter: Character = [",", ";", "\t", "|"][Int(selector >> 4) & 3]
    let missing: MissingValues = selector & 8 != 0 ? .drop : .error
    switch selector & 7 {
    case 0, 1:
        // Text table.
        do {
            let table = try CSVTable.parse(utf8: body, delimiter: delimiter)
            check(table.rows.allSatisfy { $0.count == table.header.count }, "ragged table accepted")
        } catch { checkMessage(error.description) }
    case 2, 3:
        // Numbers, all at once.
        let options = CSVReadOptions(delimiter: delimiter, missing: missing)
        let onePass = Result { () throws(CSVError) -> CSVNumbers in try CSVNumberReader(utf8: body, options: options).readAll() }
        switch onePass {
        case let .success(numbers):
            check(numbers.values.allSatisfy { $0.isFinite }, "non-finite number read")
            check(numbers.values.count == numbers.rowCount * numbers.numberColumns.count, "values and rows disagree")
            for row in [0, numbers.rowCount - 1, numbers.rowCount, Int.max, -1] { _ = numbers.line(ofRow: row) }
        case let .failure(error): checkMessage(error.description)
        }
        if selector & 7 == 3, (try? Data(body).write(to: URL(fileURLWithPath: scratch))) != nil {
            // The same bytes from a file read in two halves split at the middle line end
            // (whatever the size): exactly the one-pass result or error.
            let twoParts = Result { () throws(CSVError) -> CSVNumbers in
                try CSVNumberReader(path: scratch, options: options).readAll(twoPartsFrom: 0)
            }
            check(twoParts == onePass, "two-part read differs from one pass: \(twoParts) vs \(onePass)")
        }
    case 4, 5:
        // Numbers in blocks of a few rows (the streaming path).
        do {
            let reader = try CSVNumberReader(utf8: body, options: CSVReadOptions(delimiter: delimiter, missing: missing))
            var rows = 0
            while let block = try reader.next(maxRows: Int(selector >> 6) + 1) {
                check(block.values.allSatisfy { $0.isFinite }, "non-finite number read")
                rows += block.rowCount
            }
            check(rows >= 0, "negative row count")
        } catch { checkMessage(error.description) }
    default:
        // IDX, plain or gzipped (the reader tells them apart by the first two bytes).
        do {
            try Data(body).write(to: URL(fileURLWithPath: scratch))
            let dimensions = selector & 1 == 0 ? 1 : 3
            let limit: Int? = selector & 0x40 != 0 ? Int(selector >> 4) : nil
            let file = try IDXFile.read(path: scratch, dimensionCount: dimensions, limit: limit)
            check(file.dimensions.count == dimensions, "wrong dimension count")
            check(file.bytes.count == file.dimensions.reduce(1, *), "bytes and dimensions disagree")
        } catch let error as DataError {
            checkMessage(error.description)
        } catch {
            fatalError("unexpected error type: \(error)")
        }
    }
    return 0
}
