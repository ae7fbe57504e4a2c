// polytail-bench: times Polytail's maximum-likelihood fits and, in the same run, the
// peer named in Docs/performance.md (scipy.stats.t.fit) on the same data.
//
//   swift run -c release polytail-bench [--skip-scipy] [--repeat N]
//
// Progress goes to stderr; a Markdown report to stdout.
import ArgumentParser
import Foundation
import BenchSupport
import Polytail
import PolytailExperiments

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polytail-bench",
        abstract: "Times StudentT.fit beside scipy.stats.t.fit on the same data (Markdown on stdout).")
    @Flag(help: "Measure Polytail only.") var skipScipy = false
    @Option(name: .customLong("repeat"), help: "Polytail's time is the best of N runs.") var repeats = 3
    func validate() throws { guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") } }
}
let options = Options.parseAsScript(name: "polytail-bench")
let skipScipy = options.skipScipy
let repeats = options.repeats

warnIfDebug("polytail-bench")

let scratchFolder = try ScratchFolder("polytail-bench")
defer { scratchFolder.remove() }
let scratch = scratchFolder.url

struct Row { var n: Int; var seconds: Double; var fit: Fitted<StudentT>; var file: URL }
var rows: [Row] = []
var generator = PolytailRandom(seed: 20220619)
let truth = try StudentT(degreesOfFreedom: 3, location: 1, scale: 2)
for n in [10_000, 100_000, 1_000_000] {
    let x = truth.sample(n, using: &generator)
    let file = scratch.appendingPathComponent("t-\(n).bin")
    try x.withUnsafeBytes { Data($0) }.write(to: file)
    log("Polytail StudentT.fit, n = \(n) …")
    let (seconds, fit) = try time(repeats) { try StudentT.fit(x) }
    rows.append(Row(n: n, seconds: seconds, fit: fit, file: file))
}

struct ScipyResult: Decodable { var n: Int; var seconds: Double; var df: Double; var loc: Double; var scale: Double; var logLikelihood: Double }
var scipy: [Int: ScipyResult] = [:]
var scipyNote = ""
if !skipScipy {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("scipy_tfit.py")
    log("scipy.stats.t.fit on the same data (about 30 s at n = 10^6) …")
    let (output, note) = runPythonPeer(script, rows.map(\.file.path))
    scipyNote = note
    for r in output.map({ decodeLines($0, as: ScipyResult.self) }) ?? [] { scipy[r.n] = r }
}

func f(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }
let cpu = machineDescription().cpu
print("Measured \(ISO8601DateFormatter().string(from: Date())) on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)); Polytail: best of \(repeats) runs, release build; scipy: one run.")
print("")
print("### Univariate Student-t fit (data: t₃(1, 2), seeded)")
print("")
print("| n | Polytail (s) | scipy.stats.t.fit (s) | speed-up | Polytail log-lik | scipy log-lik | Polytail − scipy | Polytail ν̂ | iterations |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows {
    let s = scipy[r.n]
    let ll = r.fit.result.logLikelihood
    print("| \(r.n) | \(f(r.seconds)) | \(s.map { f($0.seconds, 2) } ?? "–") | \(s.map { f($0.seconds / r.seconds, 0) + "×" } ?? "–") | \(f(ll, 3)) | \(s.map { f($0.logLikelihood, 3) } ?? "–") | \(s.map { String(format: "%.2e", ll - $0.logLikelihood) } ?? "–") | \(f(r.fit.model.degreesOfFreedom)) | \(r.fit.result.iterations) |")
}
if !scipyNote.isEmpty { print("\nscipy not measured: \(scipyNote)") }

// Multivariate t, n = 2·10^4, d = 20.
let d = 20, n = 20_000
var scatter = try Matrix.identity(d)
for i in 0..<d { for j in 0..<d { scatter[i, j] = i == j ? 1 + 0.1 * Double(i) : 0.3 / Double(1 + abs(i - j)) } }
let mvt = try MultivariateT(location: (0..<d).map { Double($0) / 4 }, scatter: scatter, degreesOfFreedom: 4)
let sample = mvt.sample(n, using: &generator)
log("Polytail MultivariateT.fit, n = \(n), d = \(d) …")
let (mvtSeconds, mvtFit) = try time(repeats) { try MultivariateT.fit(sample) }
print("")
print("### Multivariate t fit (n = \(n), d = \(d), ν = 4, seeded)")
print("")
print("| Polytail (s) | iterations | ν̂ | log-lik | converged |")
print("|---:|---:|---:|---:|:---:|")
print("| \(f(mvtSeconds)) | \(mvtFit.result.iterations) | \(f(mvtFit.model.degreesOfFreedom)) | \(f(mvtFit.result.logLikelihood, 3)) | \(mvtFit.result.converged) |")
print("")
print("scipy has no multivariate-t fit; no peer was timed for this row.")

// The BLAS in use (OpenBLAS or the reference BLAS), read from the loaded libraries, and
// the BLAS-bound work of the multivariate code at a larger size.
let blas = ((try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? "")
    .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
    .filter { $0.contains("blas") || $0.contains("lapack") }
    .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: "`, `")
let bigD = 100, bigN = 100_000
var bigScatter = try Matrix.identity(bigD)
for i in 0..<bigD { for j in 0..<bigD { bigScatter[i, j] = i == j ? 2 : 0.5 / Double(1 + abs(i - j)) } }
let bigNormal = try MultivariateNormal(mean: [Double](repeating: 0, count: bigD), covariance: bigScatter)
let bigSample = bigNormal.sample(bigN, using: &generator)
log("BLAS-bound work, n = \(bigN), d = \(bigD) …")
let (fitSeconds, _) = try time(repeats) { try MultivariateNormal.fit(bigSample) }
let (densitySeconds, _) = time(repeats) { bigNormal.logDensities(bigSample) }
print("")
print("### BLAS-bound work (n = \(bigN), d = \(bigD)); BLAS: `\(blas)`")
print("")
print("| MultivariateNormal.fit, dsyrk (s) | logDensities, dtrsm (s) |")
print("|---:|---:|")
print("| \(f(fitSeconds)) | \(f(densitySeconds)) |")
