// cnn-bench: training throughput (samples/s, batch 32, Adam 1e-3, steady state) and FGSM
// throughput of the paper's MNIST network (Network.paperMNIST, 30,154 parameters), Polytail
// against the same architecture in JAX on CPU (jit-compiled, float32), in one run, on the same
// kind of random 28×28 inputs.
//
//     swift run -c release cnn-bench [--repeat N] [--steps N] [--no-peer]
//
// `--no-peer` measures Polytail only (for profiling: `perf record .build/release/cnn-bench --no-peer`).
import ArgumentParser
import BenchSupport
import Dispatch
import Foundation
import Polytail
import PolytailExperiments

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnn-bench",
        abstract: "Training and FGSM throughput of Network.paperMNIST beside the same network in JAX (Markdown on stdout).")
    @Option(name: .customLong("repeat"), help: "Each time is the best of N runs.") var repeats = 3
    @Option(help: "Batches of 32 per epoch (at least 32).") var steps = 300
    @Flag(help: "Measure Polytail only (for profiling).") var noPeer = false
    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") }
        // FGSM is timed on the first 1,000 training images: 32 batches of 32 at least.
        guard steps >= 32 else { throw ValidationError("--steps must be at least 32 (FGSM is timed on the first 1,000 training images), got \(steps)") }
    }
}
let options = Options.parseAsScript(name: "cnn-bench")
warnIfDebug("cnn-bench")
let repeats = options.repeats
let steps = options.steps
let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

// Step 1. Polytail: a steady-state training run of `steps` batches of 32 per epoch (32·steps
// random images). Three epochs; the throughput is that of the fastest epoch after the first
// (timed from the progress callbacks, so, like JAX's, it excludes the warm-up, the input
// checks and conversion, and the final evaluation on the training set; it includes the
// shuffle and the batch copies).
var random = PolytailRandom(seed: 0)
let n = steps * 32
let x = try Matrix(rows: n, columns: 784, elements: (0..<(n * 784)).map { _ in random.uniformPositive() })
let y = (0..<n).map { _ in Int(random.next() % 10) }
let initial = try Network.paperMNIST(classCount: 10, output: .softmax, using: &random)
log("Polytail: training \(steps) batches of 32, best of \(repeats) …")
var epochSeconds = Double.infinity
let (_, trained) = try time(repeats) {
    var g = PolytailRandom(seed: 1)
    var last = DispatchTime.now().uptimeNanoseconds
    return try Network.fit(x, labels: y, initial: initial, epochs: 3, batchSize: 32, using: &g) { epoch, _ in
        let now = DispatchTime.now().uptimeNanoseconds
        if epoch > 0 { epochSeconds = min(epochSeconds, Double(now - last) / 1e9) }
        last = now
    }.model
}
let trainSeconds = epochSeconds
let test = try Matrix(rows: 1000, columns: 784, elements: Array(x.elements.prefix(1000 * 784)))
let (fgsmSeconds, _) = try time(repeats) {
    try Adversarial.fgsm(trained, observations: test, labels: Array(y.prefix(1000)), epsilon: 0.1)
}
let polytailTrain = Double(n) / trainSeconds, polytailFGSM = 1000 / fgsmSeconds

// Step 2. JAX, the same architecture (jax_peer.py), in the same run.
struct Peer: Decodable { var trainSamplesPerSecond: Double; var fgsmSamplesPerSecond: Double; var parameters: Int }
var peer: Peer? = nil, note = "--no-peer"
if !options.noPeer {
    log("JAX: the same network, jit, float32 …")
    let (output, reason) = runPythonPeer(folder.appendingPathComponent("jax_peer.py"), [String(steps)])
    peer = output.flatMap { decodeLines($0, as: Peer.self).first }
    note = reason
}

let machine = machineDescription()
print("\(machine.cpu), 1-minute load \(machine.load) after the run")
print("| network | Polytail training (samples/s) | JAX training (samples/s) | Polytail FGSM (samples/s) | JAX FGSM (samples/s) |")
print("|---|---:|---:|---:|---:|")
func f(_ v: Double?) -> String { v.map { String(format: "%.0f", $0) } ?? "–" }
print("| paperMNIST (\(initial.parameterCount) parameters), batch 32 | \(f(polytailTrain)) | \(f(peer?.trainSamplesPerSecond)) | \(f(polytailFGSM)) | \(f(peer?.fgsmSamplesPerSecond)) |")
if peer == nil { log("JAX not measured: \(note)") }
