// The command line at scale, side by side with pandas and scipy in one run.
//
//   swift build -c release && swift run -c release cli-bench [--rows N] [--repeat R] [--no-scipy]
//   .build/release/cli-bench --read-only FILE [--repeat R]   (the reader alone, for profiling)
//
// Reading is timed on two threads (the default for a large file) and on one (concurrent: false).
//
// 1. Writes a one-column CSV of N draws (default 10⁶) of 1 + 2·t₃, each number in Swift's
//    shortest round-trip form (≈ 19 bytes a row, as pandas' to_csv writes them).
// 2. Reading: CSVNumberReader in this process vs. pandas.read_csv (C engine) in Python,
//    best of R each.
// 3. Whole process: `polytail --version` (start-up), `polytail fit --family normal` (start-up,
//    read, a cheap fit), `polytail fit FILE` (the t, ν estimated) and `polytail fit --stream`,
//    best of R wall-clock runs of the binary beside this one, peak memory from
//    /usr/bin/time -v; against scipy.stats.t.fit on the same numbers in memory (one call),
//    with both log-likelihoods.
// Prints Markdown rows for Docs/performance.md, with the load average before and after.
import ArgumentParser
import BenchSupport
import Foundation
import Polytail
import PolytailExperiments

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cli-bench",
        abstract: "The polytail command at scale beside pandas and scipy in one run (Markdown rows on stdout).")
    @Option(help: "Rows of the generated CSV.") var rows = 1_000_000
    @Option(name: .customLong("repeat"), help: "Each time is the best of N runs.") var repeats = 5
    @Flag(help: "Time pandas' reading only, not scipy's t fit.") var noScipy = false
    @Option(help: ArgumentHelp("Only time the in-process reader on a one-column FILE (for profiling).", valueName: "file"))
    var readOnly: String?
    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }
}
let options = Options.parseAsScript(name: "cli-bench")
warnIfDebug("cli-bench")
let rows = options.rows
let repeats = options.repeats
// --read-only FILE: only the in-process reading times of a one-column file (for profiling).
if let path = options.readOnly {
    let skip = try time(repeats) { try CSVNumberReader.read(path: path, numbers: []).rowCount }
    let parse = try time(repeats) { try CSVNumberReader.read(path: path).rowCount }
    let oneThread = try time(repeats) { try CSVNumberReader.read(path: path, options: CSVReadOptions(concurrent: false)).rowCount }
    print(String(format: "scan only %.1f ms, scan and parse %.1f ms (one thread %.1f ms) (%d rows)",
                 skip.seconds * 1000, parse.seconds * 1000, oneThread.seconds * 1000, parse.value))
    exit(0)
}
let scratch = try ScratchFolder("polytail-cli-bench")
defer { scratch.remove() }

/// The load averages (1, 5, 15 min): a shared machine inflates both sides' wall-clock times.
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}
let loadBefore = loadAverage()

// 1. The file.
log("writing \(rows) rows …")
var generator = PolytailRandom(seed: 11)
let t3 = try StudentT(degreesOfFreedom: 3, location: 1, scale: 2)
var text = "x\n"
text.reserveCapacity(rows * 21)
for _ in 0..<rows { text += "\(t3.sample(using: &generator))\n" }
let csv = scratch.file("t.csv")
try Data(text.utf8).write(to: csv)
let bytes = Double(text.utf8.count)
text = ""

// 2. Reading in process.
log("reading with CSVNumberReader …")
let read = try time(repeats) { try CSVNumberReader.read(path: csv.path).rowCount }
precondition(read.value == rows)
let readOneThread = try time(repeats) { try CSVNumberReader.read(path: csv.path, options: CSVReadOptions(concurrent: false)).rowCount }

// 3. The whole process, with peak memory.
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("polytail")
struct Run { var seconds: Double; var peakMB: Double; var stdout: String; var cpuSeconds: Double = .nan }
func runPolytail(_ arguments: [String]) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    process.arguments = ["-v", binary.path] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let start = DispatchTime.now().uptimeNanoseconds
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    func value(_ label: String) -> Double {
        stderr.split(separator: "\n").first { $0.contains(label) }
            .flatMap { Double($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) } ?? .nan
    }
    let rss = value("Maximum resident set size")
    return Run(seconds: seconds, peakMB: rss / 1024, stdout: String(decoding: stdout, as: UTF8.self),
               cpuSeconds: value("User time (seconds)") + value("System time (seconds)"))
}
func best(_ arguments: [String]) throws -> Run {
    var runs: [Run] = []
    for _ in 0..<repeats { runs.append(try runPolytail(arguments)) }
    let fastest = runs.min { $0.seconds < $1.seconds }!
    return Run(seconds: fastest.seconds, peakMB: runs.map(\.peakMB).max()!, stdout: fastest.stdout,
               cpuSeconds: runs.map(\.cpuSeconds).min()!)
}
log("polytail --version, fit --family normal, fit (whole processes) …")
let startUp = try best(["--version"])
let normalFit = try best(["fit", csv.path, "--family", "normal"])
let fit = try best(["fit", csv.path])
log("polytail fit --stream …")
let streamed = try best(["fit", csv.path, "--stream"])
func field(_ json: String, _ key: String) -> Double {
    ((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any])?[key] as? Double ?? .nan
}

// The peer: pandas.read_csv and scipy.stats.t.fit.
log("pandas.read_csv and scipy.stats.t.fit …")
struct Peer: Decodable { var n: Int; var readSeconds: Double; var fitSeconds: Double?; var fitCPUSeconds: Double?; var logLikelihood: Double?; var df: Double?; var peakMB: Double }
let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("pandas_peer.py")
let (output, note) = runPythonPeer(script, [csv.path, "--repeat", "\(repeats)"] + (options.noScipy ? ["--no-fit"] : []))
let peer = output.flatMap { decodeLines($0, as: Peer.self).first }

func ms(_ s: Double) -> String { String(format: "%.0f ms", s * 1000) }
let numbersMB = Double(rows) * 8 / 1_048_576
print("rows: \(rows), file \(String(format: "%.1f", bytes / 1_048_576)) MB, numbers \(String(format: "%.1f", numbersMB)) MB; best of \(repeats); load average \(loadBefore) before, \(loadAverage()) after (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
print("")
print("| what | Polytail | peer | ratio |")
print("|---|---:|---:|---:|")
if let peer {
    print("| read the column (in process) | \(ms(read.seconds)) `CSVNumberReader` (two threads) | \(ms(peer.readSeconds)) `pandas.read_csv` | \(String(format: "%.2f×", peer.readSeconds / read.seconds)) |")
    print("| the same on one thread | \(ms(readOneThread.seconds)) (`CSVReadOptions(concurrent: false)`) | | \(String(format: "%.2f×", peer.readSeconds / readOneThread.seconds)) |")
    if let fitSeconds = peer.fitSeconds, let ll = peer.logLikelihood, let df = peer.df {
        print("| t fit, ν estimated | \(ms(fit.seconds)) whole process `polytail fit` | \(ms(fitSeconds)) `scipy.stats.t.fit` in memory | \(String(format: "%.0f×", fitSeconds / fit.seconds)) |")
        if let cpu = peer.fitCPUSeconds {
            print("| the same in CPU time (user + system) | \(ms(fit.cpuSeconds)) whole process (2 threads in the fit) | \(ms(cpu)) | \(String(format: "%.0f×", cpu / fit.cpuSeconds)) |")
        }
        print("| log-likelihood (ν) | \(field(fit.stdout, "logLikelihood")) (\(String(format: "%.4f", field(fit.stdout, "df")))) | \(ll) (\(String(format: "%.4f", df))) | \(field(fit.stdout, "logLikelihood") >= ll ? "Polytail ≥ scipy" : "Polytail < scipy") |")
        print("| phases of the whole process | start-up \(ms(startUp.seconds)) (`polytail --version`); start-up, read and normal fit \(ms(normalFit.seconds)) (`--family normal`); the t fit the rest | | |")
        print("| t fit by passes (`--stream`) | \(ms(streamed.seconds)), \(Int(field(streamed.stdout, "passes"))) passes, \(String(format: "%.2f", streamed.seconds / (bytes / 1e9))) s/GB | — | |")
    }
    print("| peak memory | \(String(format: "%.0f MB", fit.peakMB)) (`--stream`: \(String(format: "%.0f MB", streamed.peakMB))); budget 2 × \(String(format: "%.1f", numbersMB)) MB + 40 MB = \(String(format: "%.0f MB", 2 * numbersMB + 40)) | \(String(format: "%.0f MB", peer.peakMB)) (python, pandas, scipy) | |")
} else {
    print("| read the column (in process) | \(ms(read.seconds)) | not measured: \(note) | |")
    print("| t fit, whole process | \(ms(fit.seconds)), peak \(String(format: "%.0f MB", fit.peakMB)) | | |")
}
