import Foundation
import Polytail
#if canImport(Glibc)
import Glibc
#endif

// Documented raw-pointer use (C interop rather than a hot loop): `mkstemp` fills its C
// template in place, and standard input is copied to the temporary file by read/write through
// one 1 MiB buffer.

/// A fit made by passes over a file, in bounded memory.
struct StreamedFit {
    var normal: Fitted<Normal>?
    var t: Fitted<StudentT>?
    var multivariateNormal: Fitted<MultivariateNormal>?
    var rows: Int
    var dropped: Int
    var passes: Int
}

extension FitCommand {
    /// Rows per block of a streamed pass (65,536 rows: 0.5 MB per column).
    static let streamBlockRows = 65_536
    /// The size of the random subsample whose in-memory fit starts the streamed t fit.
    static let streamSampleSize = 20_000

    /// Whether to fit by passes: `--stream`, or a regular file larger than a quarter of
    /// the machine's memory (the numbers alone would take a large part of it) for the fits
    /// whose statistics add up (normal of any number of columns, t of one).
    func shouldStream(columns: Int) -> Bool {
        if stream { return true }
        guard family == .normal || (family == .t && columns == 1), file != "-" else { return false }
        guard let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber else { return false }
        return size.uint64Value > ProcessInfo.processInfo.physicalMemory / 4
    }

    /// Progress on stderr, only when it is a terminal (a caller capturing stderr sees it
    /// empty on success, as the contract says).
    static func progress(_ text: String) {
        guard isatty(2) != 0 else { return }
        FileHandle.standardError.write(Data(("polytail: " + text + "\n").utf8))
    }

    /// Copies standard input (`descriptor`) to a new temporary file, 1 MiB at a time, for a
    /// fit that reads its input several times (the t by passes): bounded memory, disk space
    /// the size of the input. The caller removes the file.
    /// - Returns: the file's path.
    static func spoolStandardInput(_ descriptor: Int32 = 0) throws(Failure) -> String {
        let folder = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((folder + "/polytail-stdin-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw Failure(message: "cannot make a temporary copy of standard input in \(CSVError.printable(folder)): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        func fail(_ what: String, _ code: Int32) -> Failure {
            unlink(path)
            return Failure(message: "standard input: cannot \(what) (copying it to \(CSVError.printable(path)) for the passes of --stream): \(String(cString: strerror(code)))")
        }
        while true {
            let got = read(descriptor, buffer, size)
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw fail("read it", errno)
            }
            var written = 0
            while written < got {
                let w = write(fd, buffer + written, got - written)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw fail("write the copy", errno)
                }
                written += w
            }
        }
        return path
    }

    /// The fit by passes over `source` (the file, or a copy of standard input), in bounded
    /// memory. Normal (one or several columns): one pass collecting the mergeable statistics.
    /// t (one column): the first pass also keeps a uniform random subsample (reservoir
    /// sampling, fixed seed) whose in-memory fit starts Newton's method; then each Newton
    /// step is one more pass. Memory: one block and the subsample.
    func streamFit(
        _ reader: CSVNumberReader, source: String, columns: [String], rule: DegreesOfFreedomRule
    ) throws(Failure) -> StreamedFit {
        guard family == .normal || (family == .t && columns.count == 1) else {
            let why = family == .noncentralT
                ? "not noncentral-t"
                : "not the multivariate t (its ECME iterations need every row in memory): fit one column, or the normal"
            throw Failure(message: "--stream fits the normal (any number of columns) and the t (one column), whose statistics add up over blocks; \(why)",
                          exitCode: PolytailExitCode.usageError)
        }
        let selected = columns + (weights.map { [$0] } ?? [])
        let d = columns.count
        // A failure inside a pass, as the one line to print.
        final class FailureBox { var failure: Failure? }
        let box = FailureBox()

        /// One pass over the file: `body` gets each block's data (rows × d) and weights.
        func eachBlock(
            _ reader: CSVNumberReader, _ body: (Matrix, [Double]?) throws(PolytailError) -> Void
        ) throws(Failure) -> (rows: Int, dropped: Int) {
            var rows = 0, dropped = 0
            do {
                try reader.select(numbers: selected)
                while let block = try reader.next(maxRows: FitCommand.streamBlockRows) {
                    rows += block.rowCount
                    dropped += block.droppedRows
                    guard block.rowCount > 0 else { continue }
                    let x: Matrix, w: [Double]?
                    if let weights {
                        w = try block.column(named: weights)
                        var elements = [Double](repeating: 0, count: block.rowCount * d)
                        for i in 0..<block.rowCount {
                            for j in 0..<d { elements[i * d + j] = block.values[i * (d + 1) + j] }
                        }
                        x = try Matrix(rows: block.rowCount, columns: d, elements: elements)
                    } else {
                        x = block.matrix
                        w = nil
                    }
                    do {
                        try body(x, w)
                    } catch {
                        switch error {
                        case let .invalidWeight(row?):
                            throw Failure(message: "\(shownFile): invalid weight at line \(block.line(ofRow: row)), column \"\(CSVError.printable(weights ?? ""))\": weights must be finite and non-negative")
                        case let .nonFiniteValue(row, column):
                            throw Failure(message: "\(shownFile): non-finite value at line \(block.line(ofRow: row)), column \"\(CSVError.printable(columns[column ?? 0]))\"")
                        default:
                            throw Failure(message: "\(shownFile): \(error.description)")
                        }
                    }
                }
            } catch let error as CSVError {
                throw Failure(message: CSVInput.failure(error, path: file).message)
            } catch let failure as Failure {
                throw failure
            } catch {
                throw Failure(message: "\(shownFile): \(error)")
            }
            return (rows, dropped)
        }

        // Pass 1: the normal statistics (and, for the t, a reservoir sample).
        FitCommand.progress("pass 1 over \(shownFile) …")
        var statistics = NormalStatistics()
        var multivariate: MultivariateNormalStatistics
        do {
            multivariate = try MultivariateNormalStatistics(dimension: d)
        } catch {
            throw Failure(message: "\(shownFile): \(error.description)")
        }
        var sampleX: [Double] = [], sampleW: [Double] = []
        var generator = PolytailRandom(seed: 20_221_001)
        var seen = 0
        let first = try eachBlock(reader) { (x, w) throws(PolytailError) in
            if d > 1 {
                try multivariate.add(x, weights: w)
                return
            }
            try statistics.add(x.elements, weights: w)
            guard family == .t else { return }
            for i in 0..<x.rows {
                if sampleX.count < FitCommand.streamSampleSize {
                    sampleX.append(x.elements[i]); sampleW.append(w?[i] ?? 1)
                } else {
                    let j = Int.random(in: 0...seen, using: &generator)
                    if j < FitCommand.streamSampleSize { sampleX[j] = x.elements[i]; sampleW[j] = w?[i] ?? 1 }
                }
                seen += 1
            }
        }
        guard first.rows > 0 else {
            if first.dropped > 0 { throw Failure(message: "\(shownFile): every row has a missing cell (\(first.dropped) dropped)") }
            throw Failure(message: "\(shownFile): no data rows below the header")
        }
        var out = StreamedFit(rows: first.rows, dropped: first.dropped, passes: 1)
        do {
            if d > 1 {
                out.multivariateNormal = try multivariate.fit()
                return out
            }
            if family == .normal {
                out.normal = try statistics.fit()
                return out
            }
            // The t: start from the subsample's fit, then one pass per step.
            let start = try? StudentT.fit(sampleX, weights: weights == nil ? nil : sampleW, degreesOfFreedom: rule).model
            out.t = try StudentT.fit(statistics: statistics, start: start, degreesOfFreedom: rule) { (pass: inout StudentTPass) throws(PolytailError) in
                out.passes += 1
                FitCommand.progress("pass \(out.passes) over \(shownFile) (μ = \(pass.location), σ = \(pass.scale), ν = \(pass.degreesOfFreedom)) …")
                do {
                    let again = try CSVNumberReader(path: source, options: csv.readOptions)
                    _ = try eachBlock(again) { (x, w) throws(PolytailError) in try pass.add(x.elements, weights: w) }
                } catch let error as CSVError {
                    box.failure = Failure(message: CSVInput.failure(error, path: file).message)
                    throw .emptyData
                } catch let failure as Failure {
                    box.failure = failure
                    throw .emptyData
                } catch {
                    box.failure = Failure(message: "\(shownFile): \(error)")
                    throw .emptyData
                }
            }
            return out
        } catch {
            if let failure = box.failure { throw failure }
            throw Failure(message: FitContext(file: shownFile, lineOfRow: { $0 + 2 }, weightsColumn: weights)
                .describe(error, columns: columns, family: family))
        }
    }
}
