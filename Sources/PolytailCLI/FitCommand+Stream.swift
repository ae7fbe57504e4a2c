import Foundation
import Polytail
#if canImport(Glibc)
import Glibc
#endif

/// A univariate fit made by passes over a file, in bounded memory.
struct StreamedFit {
    var normal: Fitted<Normal>?
    var t: Fitted<StudentT>?
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
    /// the machine's memory (the numbers alone would take a large part of it).
    func shouldStream(columns: Int) -> Bool {
        if stream { return true }
        guard columns == 1, family != .noncentralT, file != "-" else { return false }
        guard let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber else { return false }
        return size.uint64Value > ProcessInfo.processInfo.physicalMemory / 4
    }

    /// Progress on stderr, only when it is a terminal (a caller capturing stderr sees it
    /// empty on success, as the contract says).
    static func progress(_ text: String) {
        guard isatty(2) != 0 else { return }
        FileHandle.standardError.write(Data(("polytail: " + text + "\n").utf8))
    }

    /// The normal or t fit of one column by passes over the file: the first pass collects
    /// the normal's mergeable statistics and a uniform random subsample (reservoir
    /// sampling, fixed seed) whose in-memory fit starts the t; then each Newton step of the
    /// t is one more pass. Memory: one block and the subsample.
    func streamFit(
        _ reader: CSVNumberReader, column: String, rule: DegreesOfFreedomRule
    ) throws(Failure) -> StreamedFit {
        guard family != .noncentralT else {
            throw Failure(message: "--stream fits the normal and t families (their statistics add up over blocks), not noncentral-t",
                          exitCode: PolytailExitCode.usageError)
        }
        if family == .t, file == "-" {
            throw Failure(message: "--stream with the t family reads the file once per Newton step: give a file, not standard input",
                          exitCode: PolytailExitCode.usageError)
        }
        let selected = [column] + (weights.map { [$0] } ?? [])
        // A failure inside a pass, as the one line to print.
        final class FailureBox { var failure: Failure? }
        let box = FailureBox()

        /// One pass over the file: `body` gets each block's column and weights.
        func eachBlock(
            _ reader: CSVNumberReader, _ body: ([Double], [Double]?, CSVNumbers) throws(PolytailError) -> Void
        ) throws(Failure) -> (rows: Int, dropped: Int) {
            var rows = 0, dropped = 0
            do {
                try reader.select(numbers: selected)
                while let block = try reader.next(maxRows: FitCommand.streamBlockRows) {
                    rows += block.rowCount
                    dropped += block.droppedRows
                    guard block.rowCount > 0 else { continue }
                    let x: [Double], w: [Double]?
                    if let weights {
                        x = try block.column(named: column)
                        w = try block.column(named: weights)
                    } else {
                        x = block.values
                        w = nil
                    }
                    do {
                        try body(x, w, block)
                    } catch {
                        if case let .invalidWeight(row?) = error {
                            throw Failure(message: "\(shownFile): invalid weight at line \(block.line(ofRow: row)), column \"\(CSVError.printable(weights ?? ""))\": weights must be finite and non-negative")
                        }
                        throw Failure(message: "\(shownFile): \(error.description)")
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

        // Pass 1: the normal statistics and a reservoir sample.
        FitCommand.progress("pass 1 over \(shownFile) …")
        var statistics = NormalStatistics()
        var sampleX: [Double] = [], sampleW: [Double] = []
        var generator = PolytailRandom(seed: 20_221_001)
        var seen = 0
        let first = try eachBlock(reader) { (x, w, _) throws(PolytailError) in
            try statistics.add(x, weights: w)
            guard family == .t else { return }
            for i in 0..<x.count {
                if sampleX.count < FitCommand.streamSampleSize {
                    sampleX.append(x[i]); sampleW.append(w?[i] ?? 1)
                } else {
                    let j = Int.random(in: 0...seen, using: &generator)
                    if j < FitCommand.streamSampleSize { sampleX[j] = x[i]; sampleW[j] = w?[i] ?? 1 }
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
                    let again = try CSVNumberReader(path: file, options: csv.readOptions)
                    _ = try eachBlock(again) { (x, w, _) throws(PolytailError) in try pass.add(x, weights: w) }
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
                .describe(error, columns: [column], family: family))
        }
    }
}
