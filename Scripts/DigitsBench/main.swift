// Loading handwritten digits: Polytail against scikit-learn / numpy, same run, same files.
//
//   swift run -c release digits-bench [--repeat N] [--count N]
//
// 1. The bundled UCI digits: DigitImages.bundledUCI() (decoding the table compiled into
//    the library) against sklearn.datasets.load_digits() (reading its digits.csv.gz).
// 2. An MNIST-sized IDX training set (60,000 images of 28 × 28 by default), written once
//    to a temporary folder plain and gzipped; DigitImages.mnist against gzip + numpy
//    (Scripts/DigitsBench/digits_peer.py). The images are the UCI digits enlarged 3× and
//    padded to 28 × 28, so the data compress about as real MNIST does.
// Markdown table on stdout, progress on stderr. Swift: best of N runs; Python: best of N.
import ArgumentParser
import Foundation
import BenchSupport
import Polytail
import PolytailDatasets
import PolytailExperiments

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digits-bench",
        abstract: "Loading the bundled digits and an MNIST-sized IDX file beside scikit-learn/numpy (Markdown on stdout).")
    @Option(name: [.customLong("repeat"), .customLong("repeats")], help: "Each time is the best of N runs.") var repeats = 5
    @Option(help: "Images in the IDX training set.") var count = 60_000
    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }
}
let options = Options.parseAsScript(name: "digits-bench")
let repeats = options.repeats
let count = options.count

@MainActor func best<T>(_ body: () throws -> T) rethrows -> (Double, T) {
    var t = Double.infinity
    var last: T?
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        last = try body()
        t = min(t, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (t, last!)
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
}

do {
    log("bundled UCI digits ...")
    let (tUCI, uci) = try best { try DigitImages.bundledUCI() }

    log("making an MNIST-sized set of \(count) images ...")
    let side = 28, scale = 3, pad = 2
    var pixels = [Double](repeating: 0, count: count * side * side)
    var labels = [Int](repeating: 0, count: count)
    for i in 0..<count {
        let k = i % uci.count
        labels[i] = uci.labels[k]
        for r in 0..<(8 * scale) {
            for c in 0..<(8 * scale) {
                pixels[i * side * side + (r + pad) * side + (c + pad)] = (uci.images[k, (r / scale) * 8 + c / scale] * 255).rounded() / 255  // bytes, as IDX stores them
            }
        }
    }
    let big = try DigitImages(images: Matrix(rows: count, columns: side * side, elements: pixels), labels: labels, height: side, width: side)
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("polytail-digits-bench-\(ProcessInfo.processInfo.processIdentifier)")
    defer { try? FileManager.default.removeItem(at: root) }
    let plain = root.appendingPathComponent("plain").path, gz = root.appendingPathComponent("gzip").path
    for f in [plain, gz] { try FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true) }
    let (tWritePlain, plainPaths) = try best { try big.writeIDX(folder: plain, split: .train) }
    let (tWriteGz, gzPaths) = try best { try big.writeIDX(folder: gz, split: .train, gzip: true) }

    log("reading with Polytail ...")
    let (tPlain, readPlain) = try best { try DigitImages.mnist(folder: plain, split: .train) }
    let (tGz, readGz) = try best { try DigitImages.mnist(folder: gz, split: .train) }
    guard readPlain == big, readGz == big else { log("read-back differs from what was written"); exit(1) }

    log("reading with Python (scikit-learn, gzip + numpy) ...")
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("digits_peer.py")
    let (out, note) = runPythonPeer(script, [root.path, String(repeats)])
    if !note.isEmpty { log(note) }
    let peer: [String: Double] = out.flatMap { try? JSONDecoder().decode([String: Double].self, from: $0) } ?? [:]
    func ms(_ t: Double?) -> String { t.map { String(format: "%.1f ms", $0 * 1000) } ?? "n/a" }
    func ratio(_ a: Double, _ b: Double?) -> String { b.map { String(format: "%.2f×", $0 / a) } ?? "n/a" }

    let mb = { (p: String) in String(format: "%.1f MB", Double(fileSize(p)) / 1e6) }
    print("Measured \(ISO8601DateFormatter().string(from: Date())) on \(ProcessInfo.processInfo.activeProcessorCount) cores; release build; best of \(repeats) runs each.\n")
    print("| task | Polytail | Python peer | peer / Polytail |")
    print("|---|---|---|---|")
    print("| UCI digits 1,797 × 64 (bundledUCI vs sklearn load_digits) | \(ms(tUCI)) | \(ms(peer["uci"])) | \(ratio(tUCI, peer["uci"])) |")
    print("| IDX \(count) × 28 × 28, plain (\(mb(plainPaths.images))) → Double matrix | \(ms(tPlain)) | \(ms(peer["plain"])) | \(ratio(tPlain, peer["plain"])) |")
    print("| IDX \(count) × 28 × 28, gzip (\(mb(gzPaths.images))) → Double matrix | \(ms(tGz)) | \(ms(peer["gzip"])) | \(ratio(tGz, peer["gzip"])) |")
    print("| writeIDX plain / gzip (Polytail only) | \(ms(tWritePlain)) / \(ms(tWriteGz)) | — | — |")
} catch {
    log("error: \(error)")
    exit(1)
}
