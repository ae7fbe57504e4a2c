// robustness-bench: training throughput of Polytail's Network (seeded Adam,
// dgemm forward/backward) and attack throughput (FGSM, BIM), next to scikit-learn's
// MLPClassifier (Adam, ReLU, softmax) and numpy FGSM/BIM on its weights, on the same data
// in the same run.
//
//   swift run -c release robustness-bench [--skip-sklearn] [--repeat N] [--quick]
//
// Data: the 8×8 digits (1,437 train / 360 test, from scikit-learn's bundled copy, pixels
// scaled to [0, 1]) and an MNIST-shaped synthetic set (784 features, 10 classes, seeded).
// Progress goes to stderr; a Markdown report to stdout.
import ArgumentParser
import Foundation
import BenchSupport
import Polytail
import PolytailExperiments

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robustness-bench",
        abstract: "Network training and attack throughput beside scikit-learn's MLPClassifier and numpy FGSM/BIM (Markdown on stdout).")
    @Flag(help: "Measure Polytail only.") var skipSklearn = false
    @Option(name: .customLong("repeat"), help: "Each time is the best of N runs.") var repeats = 3
    @Flag(help: "Fewer epochs and rows (a smoke run, not for the docs).") var quick = false
    func validate() throws { guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") } }
}
let options = Options.parseAsScript(name: "robustness-bench")
let skipPeer = options.skipSklearn
let quick = options.quick
let repeats = options.repeats

#if DEBUG
log("warning: this is a debug build; benchmark with `swift run -c release robustness-bench`")
#endif

func seconds<T>(_ body: () throws -> T) rethrows -> (Double, T) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, value)
}

func best<T>(_ repeats: Int, _ body: () throws -> T) rethrows -> (Double, T) {
    var fastest = Double.infinity
    var value: T? = nil
    for _ in 0..<repeats {
        let (s, v) = try seconds(body)
        fastest = min(fastest, s)
        value = v
    }
    return (fastest, value!)
}

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("robustness-bench-\(getpid())")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: scratch) }
let peerScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sklearn_mlp.py")

/// Runs the peer script; returns its stdout or nil (with a note) when it cannot run.
func runPeer(_ args: [String]) -> (output: String?, note: String) {
    let (data, note) = runPythonPeer(peerScript, args)
    return (data.map { String(decoding: $0, as: UTF8.self) }, note)
}

func writeRaw<T>(_ values: [T], to url: URL) throws { try values.withUnsafeBytes { Data($0) }.write(to: url) }
func readRaw<T>(_ url: URL, as: T.Type) throws -> [T] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
}

struct DataSet {
    var name: String
    var train: Matrix, trainLabels: [Int], test: Matrix, testLabels: [Int]
    var hidden: [Int], epochs: Int, batchSize: Int
}

// MARK: Data

var sets: [DataSet] = []
var peerNote = ""
let digitEpochs = quick ? 10 : 50
if !skipPeer, runPeer(["dump", scratch.path]).output != nil {
    func file(_ s: String) -> URL { scratch.appendingPathComponent("digits_\(s)") }
    let xtr = try readRaw(file("train.x"), as: Double.self), xte = try readRaw(file("test.x"), as: Double.self)
    let ytr = try readRaw(file("train.y"), as: Int64.self).map(Int.init), yte = try readRaw(file("test.y"), as: Int64.self).map(Int.init)
    sets.append(DataSet(name: "digits", train: try Matrix(rows: ytr.count, columns: 64, elements: xtr), trainLabels: ytr,
                        test: try Matrix(rows: yte.count, columns: 64, elements: xte), testLabels: yte,
                        hidden: [128], epochs: digitEpochs, batchSize: 64))
} else {
    peerNote = skipPeer ? "scikit-learn skipped (--skip-sklearn)" : "scikit-learn unavailable: digits replaced by no data"
    log(peerNote)
}

/// MNIST-shaped: 10 seeded prototype images in [0, 1], each sample a prototype plus
/// Gaussian noise (sd 0.35), clipped to [0, 1].
func synthetic(rows n: Int, columns d: Int, classes k: Int, prototypes: [[Double]], random: inout PolytailRandom) -> (Matrix, [Int]) {
    var x = [Double](repeating: 0, count: n * d)
    var y = [Int](repeating: 0, count: n)
    for r in 0..<n {
        let c = r % k
        y[r] = c
        for j in 0..<d { x[r * d + j] = min(1, max(0, prototypes[c][j] + 0.35 * random.standardNormal())) }
    }
    return (try! Matrix(rows: n, columns: d, elements: x), y)
}
var random = PolytailRandom(seed: 20220619)
let prototypes = (0..<10).map { _ in (0..<784).map { _ in random.uniformPositive() < 0.2 ? 0.9 : 0.05 } }
let mnistRows = quick ? 2_000 : 10_000
let (mtr, mtrY) = synthetic(rows: mnistRows, columns: 784, classes: 10, prototypes: prototypes, random: &random)
let (mte, mteY) = synthetic(rows: 2_000, columns: 784, classes: 10, prototypes: prototypes, random: &random)
sets.append(DataSet(name: "mnist-shaped", train: mtr, trainLabels: mtrY, test: mte, testLabels: mteY,
                    hidden: [256], epochs: quick ? 2 : 5, batchSize: 128))

let learningRate = 1e-3, epsilon = 0.1, bimSteps = 10, seed: UInt64 = 1

// MARK: Polytail

struct Measurement {
    var data: String, model: String, epochs: Int, trainSeconds: Double, trainRows: Int, testAccuracy: Double
    var fgsmSeconds: Double, fgsmAccuracy: Double, bimSeconds: Double, bimAccuracy: Double, testRows: Int
}
var results: [Measurement] = []
for set in sets {
    for output in OutputLayer.allCases {
        log("Polytail MLP \(set.train.columns)→\(set.hidden.map(String.init).joined(separator: "→"))→10 \(output) on \(set.name), \(set.epochs) epochs …")
        var random = PolytailRandom(seed: seed)
        let (trainSeconds, trained) = try seconds {
            try Network.fit(set.train, labels: set.trainLabels, classCount: 10, hidden: set.hidden, output: output,
                            epochs: set.epochs, batchSize: set.batchSize, learningRate: learningRate, using: &random)
        }
        let model = trained.model
        let accuracy = try model.accuracy(set.test, labels: set.testLabels)
        let (fgsmSeconds, fgsm) = try best(repeats) {
            try Adversarial.fgsm(model, observations: set.test, labels: set.testLabels, epsilon: epsilon)
        }
        let (bimSeconds, bim) = try best(repeats) {
            try Adversarial.bim(model, observations: set.test, labels: set.testLabels, epsilon: epsilon, steps: bimSteps)
        }
        results.append(Measurement(
            data: set.name, model: "Polytail \(output)", epochs: set.epochs, trainSeconds: trainSeconds,
            trainRows: set.train.rows, testAccuracy: accuracy, fgsmSeconds: fgsmSeconds,
            fgsmAccuracy: try model.accuracy(fgsm, labels: set.testLabels), bimSeconds: bimSeconds,
            bimAccuracy: try model.accuracy(bim, labels: set.testLabels), testRows: set.test.rows))
    }
}

// MARK: scikit-learn peer

struct PeerResult: Decodable {
    var name: String, epochs: Int, trainSeconds: Double, testAccuracy: Double
    var fgsmSeconds: Double, fgsmAccuracy: Double, bimSeconds: Double, bimAccuracy: Double
}
if !skipPeer {
    var config: [[String: Any]] = []
    for set in sets {
        try writeRaw(set.train.elements, to: scratch.appendingPathComponent("\(set.name)_train.x"))
        try writeRaw(set.test.elements, to: scratch.appendingPathComponent("\(set.name)_test.x"))
        try writeRaw(set.trainLabels.map(Int64.init), to: scratch.appendingPathComponent("\(set.name)_train.y"))
        try writeRaw(set.testLabels.map(Int64.init), to: scratch.appendingPathComponent("\(set.name)_test.y"))
        config.append(["name": set.name, "columns": set.train.columns, "hidden": set.hidden, "epochs": set.epochs,
                       "batchSize": set.batchSize, "learningRate": learningRate, "weightDecay": 0.0, "seed": Int(seed),
                       "epsilon": epsilon, "bimSteps": bimSteps, "repeats": repeats])
    }
    let configURL = scratch.appendingPathComponent("config.json")
    try JSONSerialization.data(withJSONObject: ["datasets": config]).write(to: configURL)
    let (output, note) = runPeer(["run", scratch.path, configURL.path])
    if let output {
        for line in output.split(separator: "\n") {
            guard let r = try? JSONDecoder().decode(PeerResult.self, from: Data(line.utf8)),
                  let set = sets.first(where: { $0.name == r.name }) else { continue }
            results.append(Measurement(
                data: r.name, model: "scikit-learn MLPClassifier (softmax)", epochs: r.epochs, trainSeconds: r.trainSeconds,
                trainRows: set.train.rows, testAccuracy: r.testAccuracy, fgsmSeconds: r.fgsmSeconds,
                fgsmAccuracy: r.fgsmAccuracy, bimSeconds: r.bimSeconds, bimAccuracy: r.bimAccuracy, testRows: set.test.rows))
        }
    } else {
        peerNote = note
    }
}

// MARK: Report

func f(_ x: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", x) }
let cpu = machineDescription().cpu
print("Measured \(ISO8601DateFormatter().string(from: Date())) on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), release build.")
print("Training: one run, Adam (lr \(learningRate)), no weight decay, seed \(seed). Attacks: best of \(repeats) runs over the whole test set, ε = \(epsilon), BIM T = \(bimSteps), NLL loss, clip [0, 1]. scikit-learn attacks are numpy on its fitted weights.")
if !peerNote.isEmpty { print(""); print("Note: \(peerNote)") }
print("")
print("| data | model | layers | epochs | train s | train samples/s | test acc | FGSM samples/s | BIM-\(bimSteps) samples/s | FGSM acc | BIM acc |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in results {
    let set = sets.first { $0.name == r.data }!
    let layers = ([set.train.columns] + set.hidden + [10]).map(String.init).joined(separator: "→")
    print("| \(r.data) | \(r.model) | \(layers) | \(r.epochs) | \(f(r.trainSeconds, 2)) | \(f(Double(r.epochs * r.trainRows) / r.trainSeconds)) | \(f(100 * r.testAccuracy, 1)) % | \(f(Double(r.testRows) / r.fgsmSeconds)) | \(f(Double(r.testRows) / r.bimSeconds)) | \(f(100 * r.fgsmAccuracy, 1)) % | \(f(100 * r.bimAccuracy, 1)) % |")
}
