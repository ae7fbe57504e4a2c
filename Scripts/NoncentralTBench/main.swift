// noncentral-t-bench: times NoncentralT.fit and, in the same run on the same data,
// scipy.stats.nct.fit (the peer named in Docs/performance.md).
//
//   swift run -c release noncentral-t-bench [--skip-scipy] [--repeat N] [--sizes 100000,1000000]
//
// Progress goes to stderr; a Markdown report to stdout. scipy takes about 20 s at n = 10^5
// and 100 s at n = 10^6 and is run once per size.
import ArgumentParser
import Foundation
import BenchSupport
import Polytail
import PolytailExperiments

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noncentral-t-bench",
        abstract: "Times NoncentralT.fit beside scipy.stats.nct.fit on the same data (Markdown on stdout).")
    @Flag(help: "Measure Polytail only.") var skipScipy = false
    @Option(name: .customLong("repeat"), help: "Polytail's time is the best of N runs.") var repeats = 3
    @Option(help: ArgumentHelp("Comma-separated sample sizes.", valueName: "n,...")) var sizes = "100000,1000000"
    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard let parsed = Options.sizes(sizes) else { throw ValidationError("--sizes needs comma-separated integers ≥ 10, got \"\(sizes)\"") }
        _ = parsed
    }
    static func sizes(_ text: String) -> [Int]? {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 10 }) else { return nil }
        return values.map { $0! }
    }
}
let options = Options.parseAsScript(name: "noncentral-t-bench")
let skipScipy = options.skipScipy
let repeats = options.repeats
let sizes = Options.sizes(options.sizes)!

warnIfDebug("noncentral-t-bench")

let scratchFolder = try ScratchFolder("noncentral-t-bench")
defer { scratchFolder.remove() }

struct Row { var n: Int; var seconds: Double; var fit: Fitted<NoncentralT>; var file: URL }
var rows: [Row] = []
var generator = PolytailRandom(seed: 20221130)
let truth = try NoncentralT(degreesOfFreedom: 4, noncentrality: 1.5, location: 0.5, scale: 2)
for n in sizes {
    let x = truth.sample(n, using: &generator)
    let file = scratchFolder.file("nct-\(n).bin")
    try x.withUnsafeBytes { Data($0) }.write(to: file)
    log("Polytail NoncentralT.fit, n = \(n) (best of \(repeats)) …")
    let (seconds, fit) = try time(repeats) {
        try NoncentralT.fit(x) { p in
            if p.stage == .exactLogLikelihood { log("  exact log-likelihood over \(p.observationCount) observations …") }
        }
    }
    log("  \(String(format: "%.3f", seconds)) s")
    rows.append(Row(n: n, seconds: seconds, fit: fit, file: file))
}

struct ScipyResult: Decodable {
    var n: Int; var seconds: Double; var df: Double; var nc: Double; var loc: Double; var scale: Double; var logLikelihood: Double
}
var scipy: [Int: ScipyResult] = [:]
var scipyNote = ""
if !skipScipy {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("scipy_nct.py")
    let (output, note) = runPythonPeer(script, rows.map(\.file.path))
    scipyNote = note
    for r in output.map({ decodeLines($0, as: ScipyResult.self) }) ?? [] { scipy[r.n] = r }
}

func f(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }
let (cpu, load) = machineDescription()
print("Measured \(ISO8601DateFormatter().string(from: Date())) on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), load average \(load) at the end; Polytail: best of \(repeats) runs, release build; scipy: one run.")
print("")
print("### Noncentral-t fit (data: nct(ν = 4, δ = 1.5, μ = 0.5, σ = 2), seeded)")
print("")
print("| n | Polytail (s) | scipy.stats.nct.fit (s) | speed-up | Polytail log-lik | scipy log-lik | Polytail − scipy | Polytail ν̂, δ̂ | scipy ν̂, δ̂ | iterations |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows {
    let s = scipy[r.n]
    let ll = r.fit.result.logLikelihood
    let d = r.fit.model
    print("| \(r.n) | \(f(r.seconds, 3)) | \(s.map { f($0.seconds, 1) } ?? "–") | \(s.map { f($0.seconds / r.seconds, 0) + "×" } ?? "–") | \(f(ll, 3)) | \(s.map { f($0.logLikelihood, 3) } ?? "–") | \(s.map { String(format: "%.3g", ll - $0.logLikelihood) } ?? "–") | \(f(d.degreesOfFreedom, 3)), \(f(d.noncentrality, 3)) | \(s.map { f($0.df, 3) + ", " + f($0.nc, 3) } ?? "–") | \(r.fit.result.iterations) |")
}
if !scipyNote.isEmpty { print("\nscipy not measured: \(scipyNote)") }
