// discriminant-bench: times posterior evaluation of Gaussian LDA and t-LDA on 10^6 rows,
// d = 50, k = 10, beside scikit-learn's LinearDiscriminantAnalysis.predict_proba (and a
// vectorised numpy t-LDA) measured in the same run on the same rows; checks that the
// posteriors agree. `--tails` instead prints p(y0|x) far from the data for the paper's
// Fig. 1a/1b example. `--fits` instead times t-LDA fits with a shared scatter (tied and per-class
// ν, their joint covariances included) at d = 10, 20, 30.
//
//   swift run -c release discriminant-bench [--rows N] [--repeat N] [--seed N] [--skip-peer]
//   swift run -c release discriminant-bench --tails [--seed N]
//   swift run -c release discriminant-bench --fits [--repeat N] [--seed N]
//
// Progress goes to stderr; a Markdown report to stdout.
import ArgumentParser
import Foundation
import BenchSupport
import Polytail
import PolytailExperiments

func fail(_ message: String) -> Never { log("discriminant-bench: " + message); exit(1) }

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discriminant-bench",
        abstract: "Times Gaussian and t-LDA posteriors beside scikit-learn on the same rows (Markdown on stdout); --tails prints Fig. 1's far-tail posteriors.")
    @Option(help: "Training rows.") var rows = 1_000_000
    @Option(name: .customLong("repeat"), help: "Each time is the best of N runs.") var repeats = 3
    @Option(help: "The data's seed.") var seed: UInt64 = 2022
    @Flag(help: "Measure Polytail only.") var skipPeer = false
    @Flag(help: "Instead print p(y0|x) far from the data for the Fig. 1a/1b example.") var tails = false
    @Flag(help: "Instead time t-LDA fits with a shared scatter (tied and per-class ν) at d = 10, 20, 30.") var fits = false
    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }
}
let options = Options.parseAsScript(name: "discriminant-bench")
let (rows, repeats, seed, skipPeer, tails, fits) = (options.rows, options.repeats, options.seed, options.skipPeer, options.tails, options.fits)

#if DEBUG
log("warning: this is a debug build; benchmark with `swift run -c release discriminant-bench`")
#endif

func f(_ v: Double) -> String {
    if v == 0 || v == 1 { return String(format: "%.0f", v) }
    if v < 1e-4 { return String(format: "%.3e", v) }
    if 1 - v < 1e-4 { return String(format: "1 − %.3e", 1 - v) }
    return String(format: "%.6f", v)
}

// MARK: - Tail behaviour of the paper's 1-D example (Fig. 1a/1b)

@MainActor func tailReport() throws {
    var g = PolytailRandom(seed: seed)
    let x0 = (0..<100).map { _ in -2 + g.uniformPositive() }
    let x1 = (0..<100).map { _ in 1 + g.uniformPositive() }
    let x = try Matrix(rows: 200, columns: 1, elements: x0 + x1)
    let y = [Int](repeating: 0, count: 100) + [Int](repeating: 1, count: 100)
    typealias DA = DiscriminantAnalysis<Int>
    let models: [(String, Fitted<DA>)] = [
        ("Gaussian LDA", try DA.fit(x, labels: y)),
        ("t-LDA, ν = 1 fixed", try DA.fit(x, labels: y, family: .studentT(.fixed(1)))),
        ("t-LDA, ν = 5 fixed", try DA.fit(x, labels: y, family: .studentT(.fixed(5)))),
        ("t-LDA, tied ML ν", try DA.fit(x, labels: y, family: .studentT(.estimated()))),
        ("t-LDA, per-class ML ν", try DA.fit(x, labels: y, family: .studentT(.estimatedPerGroup()))),
        ("t-LDA, ν₀ = 1, ν₁ = 3 fixed", try DA.fit(x, labels: y, family: .studentT(.fixedPerGroup([1, 3])))),
        ("t-LDA, ν₀ = 3, ν₁ = 1 fixed", try DA.fit(x, labels: y, family: .studentT(.fixedPerGroup([3, 1])))),
    ]
    let points: [Double] = [-1e6, -1e3, -50, -10, 0, 10, 50, 1e3, 1e6]
    print("p(y₀ | x) for class 0 ~ U[−2, −1], class 1 ~ U[1, 2], 100 rows each (seed \(seed)), empirical priors (½, ½).\n")
    print("| model | ν per class | " + points.map { "x = \($0 == 0 ? "0" : String(format: "%g", $0))" }.joined(separator: " | ") + " |")
    print("|---|---|" + points.map { _ in "---:" }.joined(separator: "|") + "|")
    for (name, fitted) in models {
        let m = fitted.model
        let p = try m.posteriors(try Matrix(rows: points.count, columns: 1, elements: points))
        let nus = m.conditionals.map { $0.degreesOfFreedom.map { String(format: "%g", $0) } ?? "–" }.joined(separator: ", ")
        let bound = fitted.result.dfAtBound ? " (at bound)" : ""
        print("| \(name) | \(nus)\(bound) | " + (0..<points.count).map { f(p[$0, 0]) }.joined(separator: " | ") + " |")
    }
}

if tails {
    do { try tailReport() } catch { fail("\(error)") }
    exit(0)
}

// MARK: - Fit times with joint inference, d = 10, 20, 30

/// Times t-LDA fits with a shared scatter — one tied ν, or a ν per class — on k = 10 classes of
/// 2,000 t₅ rows each (means on a sphere of radius 3, unit scale), best of `repeats`; each fit
/// includes its covariances from the joint information (`SharedParameters`).
@MainActor func fitReport() throws {
    typealias DA = DiscriminantAnalysis<Int>
    let k = 10, perClass = 2000
    print("## t-LDA fits with a shared scatter: k = \(k), \(k * perClass) rows (best of \(repeats))\n")
    print("| d | ν | parameters per class + shared | fit (s) | ECME iterations | covariance |")
    print("|---:|---|---:|---:|---:|---|")
    for d in [10, 20, 30] {
        var g = PolytailRandom(seed: seed &+ UInt64(d))
        var e = [Double](repeating: 0, count: k * perClass * d), labels = [Int](repeating: 0, count: k * perClass)
        let means = (0..<k).map { _ -> [Double] in
            let v = (0..<d).map { _ in g.standardNormal() }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { 3 * $0 / n }
        }
        for i in 0..<(k * perClass) {
            let c = i % k, s = (g.chiSquared(5) / 5).squareRoot()
            labels[i] = c
            for j in 0..<d { e[i * d + j] = means[c][j] + g.standardNormal() / s }
        }
        let x = try Matrix(rows: k * perClass, columns: d, elements: e)
        for (name, rule) in [("tied", DegreesOfFreedomRule.estimated()), ("per class", .estimatedPerGroup())] {
            log("d = \(d), \(name) ν …")
            let (seconds, fitted) = try time { try DA.fit(x, labels: labels, family: .studentT(rule)) }
            let own = fitted.result.groupResults?.first?.parameters.count ?? 0
            let covariance = fitted.result.groupResults?.allSatisfy { $0.covariance != nil } == true
                ? "yes" : (fitted.result.groupResults?.first?.covarianceOmission?.rawValue ?? "no")
            print("| \(d) | \(name) | \(own) + \(fitted.result.parameters.count) | \(String(format: "%.3f", seconds)) | "
                  + "\(fitted.result.iterations) | \(covariance) |")
        }
    }
}

if fits {
    do { try fitReport() } catch { fail("\(error)") }
    exit(0)
}

// MARK: - Posterior evaluation, 10^6 × 50, k = 10

let d = 50, k = 10, trainPerClass = 2000

/// Best wall-clock time of `repeats` runs, and the last result.
@MainActor func time<T>(_ body: () throws -> T) rethrows -> (seconds: Double, value: T) {
    var best = Double.infinity
    var value: T? = nil
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        value = try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (best, value!)
}

/// Draws `count` rows of the k-class t₅ mixture: class means spread on a sphere of radius 3,
/// a shared correlated scale.
func draw(_ count: Int, labels: inout [Int], generator g: inout PolytailRandom, means: [[Double]], mixing: [Double]) -> Matrix {
    var e = [Double](repeating: 0, count: count * d)
    labels = [Int](repeating: 0, count: count)
    var z = [Double](repeating: 0, count: d)
    for i in 0..<count {
        let c = i % k
        labels[i] = c
        let s = (g.chiSquared(5) / 5).squareRoot()
        for j in 0..<d { z[j] = g.standardNormal() / s }
        for j in 0..<d {
            var v = means[c][j]
            for l in 0...j { v += mixing[j * d + l] * z[l] }
            e[i * d + j] = v
        }
    }
    return try! Matrix(rows: count, columns: d, elements: e)
}

do {
    var g = PolytailRandom(seed: seed)
    let means = (0..<k).map { _ -> [Double] in
        let v = (0..<d).map { _ in g.standardNormal() }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { 3 * $0 / n }
    }
    var mixing = [Double](repeating: 0, count: d * d)
    for j in 0..<d { for l in 0...j { mixing[j * d + l] = l == j ? 1 : 0.3 * g.standardNormal() / Double(d).squareRoot() } }
    var trainLabels: [Int] = [], testLabels: [Int] = []
    log("drawing \(trainPerClass * k) training rows and \(rows) test rows (d = \(d), k = \(k)) …")
    let train = draw(trainPerClass * k, labels: &trainLabels, generator: &g, means: means, mixing: mixing)
    let test = draw(rows, labels: &testLabels, generator: &g, means: means, mixing: mixing)

    log("fitting Gaussian LDA and t-LDA (tied ML ν) …")
    let fitStart = DispatchTime.now().uptimeNanoseconds
    let lda = try DiscriminantAnalysis.fit(train, labels: trainLabels).model
    let ldaFit = Double(DispatchTime.now().uptimeNanoseconds - fitStart) / 1e9
    let tStart = DispatchTime.now().uptimeNanoseconds
    let tldaFit = try DiscriminantAnalysis.fit(train, labels: trainLabels, family: .studentT(.estimated()))
    let tlda = tldaFit.model
    let tFit = Double(DispatchTime.now().uptimeNanoseconds - tStart) / 1e9

    log("Polytail posteriors, best of \(repeats) …")
    let (ldaSeconds, ldaP) = try time { try lda.posteriors(test) }
    let (tSeconds, tP) = try time { try tlda.posteriors(test) }
    let (tLogSeconds, _) = try time { try tlda.logPosteriors(test) }
    let (qSeconds, _) = try time { try lda.predict(test) }
    let accuracy = zip(try tlda.predict(test), testLabels).filter { $0 == $1 }.count

    struct Peer: Decodable { var lda: Double; var t: Double; var sklearn: String; var numpy: String; var scipy: String }
    var peer: Peer? = nil
    var ldaDiff = Double.nan, tDiff = Double.nan
    if !skipPeer {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("discriminant-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try train.elements.withUnsafeBytes { Data($0) }.write(to: scratch.appendingPathComponent("train_x.bin"))
        try trainLabels.map { Int64($0) }.withUnsafeBytes { Data($0) }.write(to: scratch.appendingPathComponent("train_y.bin"))
        try test.elements.withUnsafeBytes { Data($0) }.write(to: scratch.appendingPathComponent("test_x.bin"))
        guard case let .studentT(t0) = tlda.conditionals[0] else { fail("t-LDA without t conditionals") }
        let model: [String: Any] = [
            "d": d, "rows": rows, "trainRows": train.rows,
            "means": tlda.conditionals.map(\.location), "scatter": t0.scatter.rowArrays,
            "nu": tlda.conditionals.map { $0.degreesOfFreedom! }, "priors": tlda.priors,
        ]
        try JSONSerialization.data(withJSONObject: model).write(to: scratch.appendingPathComponent("t_model.json"))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sklearn_peer.py")
        log("scikit-learn predict_proba and numpy t-LDA on the same rows, best of \(repeats) …")
        let (output, note) = runPythonPeer(script, [scratch.path, String(repeats)])
        if let output, let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last {
            peer = try JSONDecoder().decode(Peer.self, from: Data(line.utf8))
            func maxDiff(_ file: String, _ mine: Matrix) throws -> Double {
                let data = try Data(contentsOf: scratch.appendingPathComponent(file))
                var worst = 0.0
                data.withUnsafeBytes { raw in
                    let p = raw.bindMemory(to: Double.self)
                    for e in 0..<mine.elements.count { worst = max(worst, abs(p[e] - mine.elements[e])) }
                }
                return worst
            }
            ldaDiff = try maxDiff("lda_proba.bin", ldaP)
            tDiff = try maxDiff("t_proba.bin", tP)
        } else {
            log("the python peer failed (\(note)); is scikit-learn installed?")
        }
    }

    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("## Discriminant posteriors: \(rows) rows, d = \(d), k = \(k) (\(cores) cores, best of \(repeats))\n")
    print("Training: \(train.rows) rows of a t₅ mixture. Gaussian LDA fit \(String(format: "%.3f", ldaFit)) s; "
          + "t-LDA (tied ML ν = \(String(format: "%.3f", tlda.conditionals[0].degreesOfFreedom!)), "
          + "\(tldaFit.result.iterations) ECME iterations) fit \(String(format: "%.3f", tFit)) s. "
          + "t-LDA test accuracy \(String(format: "%.4f", Double(accuracy) / Double(rows))).\n")
    print("| task | Polytail (s) | peer | peer (s) | speed-up | max abs difference |")
    print("|---|---:|---|---:|---:|---:|")
    let p = peer
    func row(_ task: String, _ mine: Double, _ peerName: String, _ theirs: Double?, _ diff: Double) {
        let t = theirs.map { String(format: "%.3f", $0) } ?? "–"
        let s = theirs.map { String(format: "%.1f×", $0 / mine) } ?? "–"
        let dd = diff.isNaN ? "–" : String(format: "%.1e", diff)
        print("| \(task) | \(String(format: "%.3f", mine)) | \(peerName) | \(t) | \(s) | \(dd) |")
    }
    row("Gaussian LDA posteriors", ldaSeconds, "scikit-learn \(p?.sklearn ?? "") LDA(lsqr).predict_proba", p?.lda, ldaDiff)
    row("t-LDA posteriors", tSeconds, "scikit-learn LDA(lsqr).predict_proba", p?.lda, .nan)
    row("t-LDA posteriors", tSeconds, "numpy \(p?.numpy ?? "") / scipy t-LDA (same model)", p?.t, tDiff)
    row("t-LDA log posteriors", tLogSeconds, "–", nil, .nan)
    row("Gaussian LDA predict", qSeconds, "–", nil, .nan)
} catch {
    fail("\(error)")
}
