// classifier-bench: times LinearClassifier.fit (softmax, L-BFGS) beside scikit-learn's
// multinomial LogisticRegression(solver="lbfgs") on the same data, same objective
// (C = 1/(nλ)) and the same gradient tolerance, plus the softRmax fit and batch softRmax;
// and the unpenalised softmax fit with its standard errors (L-BFGS, Newton polish, inverse
// information) beside statsmodels' MNLogit on the same data.
//
//   swift run -c release classifier-bench [--skip-sklearn] [--repeat N]
//
// Progress goes to stderr; a Markdown report to stdout.
import ArgumentParser
import Foundation
import BenchSupport
import Polytail
import PolytailExperiments

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier-bench",
        abstract: "Times LinearClassifier.fit beside scikit-learn's LogisticRegression (Markdown on stdout).")
    @Flag(help: "Measure Polytail only.") var skipSklearn = false
    @Option(name: .customLong("repeat"), help: "Each time is the best of N runs.") var repeats = 3
    func validate() throws { guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") } }
}
let options = Options.parseAsScript(name: "classifier-bench")
let skipPeer = options.skipSklearn
let repeats = options.repeats

warnIfDebug("classifier-bench")

let scratchFolder = try ScratchFolder("classifier-bench")
defer { scratchFolder.remove() }
let scratch = scratchFolder.url

let (d, k, lambda, tolerance) = (50, 10, 1e-3, 1e-6)
var generator = PolytailRandom(seed: 20220619)
let centres = (0..<k).map { _ in (0..<d).map { _ in 0.3 * generator.standardNormal() } }

struct Row {
    var n: Int; var softmax: (Double, Fitted<LinearClassifier>); var softRmax: (Double, Fitted<LinearClassifier>)
    var mle: (Double, Fitted<LinearClassifier>); var job: String
}
var rows: [Row] = []
for n in [10_000, 100_000] {
    var x = [Double](repeating: 0, count: n * d)
    var y = [Int](repeating: 0, count: n)
    for r in 0..<n {
        y[r] = r % k
        for j in 0..<d { x[r * d + j] = centres[y[r]][j] + generator.standardNormal() }
    }
    let features = try Matrix(rows: n, columns: d, elements: x)
    let xFile = scratch.appendingPathComponent("x-\(n).bin"), yFile = scratch.appendingPathComponent("y-\(n).bin")
    try x.withUnsafeBytes { Data($0) }.write(to: xFile)
    try y.map(Int64.init).withUnsafeBytes { Data($0) }.write(to: yFile)
    log("Polytail LinearClassifier.fit softmax, n = \(n), d = \(d), k = \(k) …")
    let soft = try time(repeats) {
        try LinearClassifier.fit(features, labels: y, classCount: k, output: .softmax, weightDecay: lambda,
                                 optimizer: .lbfgs(maxIterations: 10_000, tolerance: tolerance))
    }
    log("Polytail LinearClassifier.fit softRmax …")
    let polynomial = try time(repeats) {
        try LinearClassifier.fit(features, labels: y, classCount: k, output: .softRmax, weightDecay: lambda,
                                 optimizer: .lbfgs(maxIterations: 10_000, tolerance: tolerance))
    }
    log("Polytail LinearClassifier.fit softmax, λ = 0, with standard errors …")
    let mle = try time(repeats) {
        try LinearClassifier.fit(features, labels: y, classCount: k, output: .softmax, optimizer: .lbfgs(maxIterations: 10_000, tolerance: tolerance))
    }
    let job = "{\"n\": \(n), \"d\": \(d), \"x\": \"\(xFile.path)\", \"y\": \"\(yFile.path)\", \"lambda\": \(lambda), \"tol\": \(tolerance), \"repeat\": \(repeats)}"
    rows.append(Row(n: n, softmax: soft, softRmax: polynomial, mle: mle, job: job))
}

/// Runs a peer script beside this file on every job; its results by n, and why there are none.
func peerResults<T: Decodable>(_ script: String, _ what: String, jobs: [String], as type: T.Type, n: KeyPath<T, Int>) -> ([Int: T], String) {
    guard !skipPeer else { return ([:], "") }
    log("\(what) on the same data …")
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(script)
    let (output, note) = runPythonPeer(url, jobs)
    var results: [Int: T] = [:]
    for r in output.map({ decodeLines($0, as: T.self) }) ?? [] { results[r[keyPath: n]] = r }
    return (results, note)
}

struct PeerResult: Decodable { var n: Int; var seconds: Double; var objective: Double; var iterations: Int }
let (peer, peerNote) = peerResults("sklearn_peer.py", "scikit-learn LogisticRegression", jobs: rows.map(\.job), as: PeerResult.self, n: \.n)
struct StatsmodelsResult: Decodable { var n: Int; var seconds: Double; var llf: Double; var iterations: Int; var converged: Bool; var bse: [Double] }
let (statsmodels, statsmodelsNote) = peerResults("statsmodels_peer.py", "statsmodels MNLogit", jobs: rows.map(\.job), as: StatsmodelsResult.self, n: \.n)

// Batch softRmax on 10⁶ × 10 logits.
let bigN = 1_000_000
let logits = try Matrix(rows: bigN, columns: k, elements: (0..<(bigN * k)).map { _ in 3 * generator.standardNormal() })
log("softRmax / softmax on \(bigN) × \(k) logits …")
let (softRmaxSeconds, _) = time(repeats) { softRmax(logits) }
let (softmaxSeconds, _) = time(repeats) { softmax(logits) }

func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
let cpu = machineDescription().cpu
print("Measured \(ISO8601DateFormatter().string(from: Date())) on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)); best of \(repeats) runs each, release build.")
print("")
print("### Multinomial linear classifier, L-BFGS (d = \(d), k = \(k), λ = \(lambda), gradient tolerance \(tolerance))")
print("")
print("| n | Polytail softmax (s) | scikit-learn (s) | speed-up | Polytail objective | sklearn objective | Polytail − sklearn | iterations (Polytail / sklearn) | Polytail softRmax (s) | softRmax objective | softRmax iterations (converged) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows {
    let p = peer[r.n]
    let (s, fit) = r.softmax
    let (sr, rfit) = r.softRmax
    print("| \(r.n) | \(f(s)) | \(p.map { f($0.seconds) } ?? "–") | \(p.map { f($0.seconds / s, 1) + "×" } ?? "–") | \(f(fit.result.training!.loss, 10)) | \(p.map { f($0.objective, 10) } ?? "–") | \(p.map { String(format: "%.1e", fit.result.training!.loss - $0.objective) } ?? "–") | \(fit.result.iterations)\(fit.result.converged ? "" : " (not converged)") / \(p.map { String($0.iterations) } ?? "–") | \(f(sr)) | \(f(rfit.result.training!.loss, 6)) | \(rfit.result.iterations) (\(rfit.result.converged ? "yes" : "no, ‖∇‖ = " + String(format: "%.1e", rfit.result.training!.gradientNorm))) |")
}
if !peerNote.isEmpty { print("\nscikit-learn not measured: \(peerNote)") }
print("")
print("### Multinomial logit by maximum likelihood with standard errors (λ = 0, d = \(d), k = \(k), \((d + 1) * (k - 1)) parameters)")
print("")
print("| n | Polytail (s) | statsmodels MNLogit (s) | speed-up | Polytail ℓ − statsmodels ℓ | max relative se difference | iterations (Polytail L-BFGS + Newton / statsmodels Newton) |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for r in rows {
    let (s, fit) = r.mle
    let p = statsmodels[r.n]
    var seGap = "–"
    if let p, let se = fit.result.standardErrors, se.count == p.bse.count {
        seGap = String(format: "%.1e", zip(se, p.bse).map { abs($0 - $1) / $1 }.max() ?? 0)
    } else if fit.result.standardErrors == nil {
        seGap = "no covariance (\(fit.result.covarianceOmission.map { "\($0)" } ?? "?"))"
    }
    print("| \(r.n) | \(f(s)) | \(p.map { f($0.seconds) } ?? "–") | \(p.map { f($0.seconds / s, 1) + "×" } ?? "–") | \(p.map { String(format: "%.1e", fit.result.logLikelihood - $0.llf) } ?? "–") | \(seGap) | \(fit.result.iterations) / \(p.map { "\($0.iterations)\($0.converged ? "" : " (not converged)")" } ?? "–") |")
}
if !statsmodelsNote.isEmpty { print("\nstatsmodels not measured: \(statsmodelsNote)") }
print("")
print("### Batch activations (\(bigN) × \(k) logits)")
print("")
print("| softRmax (s) | softmax (s) |")
print("|---:|---:|")
print("| \(f(softRmaxSeconds)) | \(f(softmaxSeconds)) |")
