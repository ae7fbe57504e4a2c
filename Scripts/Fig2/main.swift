// fig2: decision regions over training epochs, softmax vs softRmax (Wang & Loog 2022, §3.2.2, Fig. 2).
//
// Two 2-D training sets, both generated from a seeded PolytailRandom:
//   - "separable": two Gaussian blobs (σ = 0.6) centred at (−1.2, −0.3) and (1.2, 0.3), points
//     inside the strip |x₁| < 0.25 redrawn, so a vertical line separates the classes;
//   - "moons": scikit-learn's make_moons (two interleaved half circles, Gaussian noise σ = 0.1).
// The separable set is fitted by the linear classifier z = xW + b (LinearClassifier, mini-batch
// Adam), the moons by the MLP 2 → 32 → 32 → 2; both softmax and softRmax from the same seed.
// Snapshots at epochs E are made by training for E epochs from the same seed: Adam's shuffling
// and updates are deterministic, so this equals stopping one run after E epochs.
// Each panel shows p(y = 1 | x) on a grid as colour bands (10 bands, blue 0 → white ½ → red 1).
//
// The paper's claim: with softmax the posterior's transition at the boundary becomes steep (the
// weights grow), a boundary biased by a few points hardly moves; with softRmax ‖z‖ ≈ 1 keeps the
// weights small, and the loss falls by enlarging the margin instead. The table reports the
// distance of the training points to the decision boundary (exact for the linear model, on the
// grid for the MLP) per snapshot.
//
//   swift run -c release fig2 [--out DIR] [--seed N] [--epochs 1,10,100,1000]
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot


struct Points {
    var x: [Double], y: [Double], labels: [Int]
    var matrix: Matrix { try! Matrix(rows: x.count, columns: 2, elements: zip(x, y).flatMap { [$0.0, $0.1] }) }
}

/// Two Gaussian blobs separated by the strip |x₁| < gap.
func separable(_ n: Int, seed: UInt64, gap: Double = 0.25) -> Points {
    var g = PolytailRandom(seed: seed)
    var p = Points(x: [], y: [], labels: [])
    for i in 0..<n {
        let c = i % 2
        let (mx, my) = c == 0 ? (-1.2, -0.3) : (1.2, 0.3)
        var x1 = 0.0, x2 = 0.0
        repeat {
            x1 = mx + 0.6 * g.standardNormal()
            x2 = my + 0.6 * g.standardNormal()
        } while (c == 0 && x1 > -gap) || (c == 1 && x1 < gap)
        p.x.append(x1); p.y.append(x2); p.labels.append(c)
    }
    return p
}

/// scikit-learn's make_moons(n, noise): outer half circle (cos t, sin t) for class 0, inner
/// (1 − cos t, 1 − sin t − ½) for class 1, t equally spaced on [0, π], plus N(0, noise²).
func moons(_ n: Int, noise: Double, seed: UInt64) -> Points {
    var g = PolytailRandom(seed: seed)
    let outer = n / 2, inner = n - outer
    var p = Points(x: [], y: [], labels: [])
    for i in 0..<outer {
        let t = Double.pi * Double(i) / Double(max(outer - 1, 1))
        p.x.append(cos(t)); p.y.append(sin(t)); p.labels.append(0)
    }
    for i in 0..<inner {
        let t = Double.pi * Double(i) / Double(max(inner - 1, 1))
        p.x.append(1 - cos(t)); p.y.append(1 - sin(t) - 0.5); p.labels.append(1)
    }
    for i in 0..<n {
        p.x[i] += noise * g.standardNormal()
        p.y[i] += noise * g.standardNormal()
    }
    return p
}

struct Snapshot {
    var dataset: String, model: String, epoch: Int
    var grid: [Double]
    var trainingAccuracy: Double, loss: Double
    /// Linear: ‖w₁ − w₀‖; MLP: median ‖∇ₓM_z‖₂ over the training points.
    var scale: Double
    /// Linear: the geometric margin min_i sᵢ((w₁−w₀)·xᵢ + b₁−b₀)/‖w₁−w₀‖; MLP: the minimum over
    /// the training points of the distance to the boundary measured on the grid
    /// (``gridDistances(_:grid:predicted:pointPredictions:)``; negative when a point is misclassified).
    var minimumMargin: Double
    /// The median of the same distances over the training points.
    var medianMargin: Double
}

struct Fig2: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig2",
        abstract: "Regenerate Fig. 2 of Wang & Loog (2022): posterior colour bands over training epochs, softmax vs softRmax.")

    @Option(help: "Output folder.") var out = "Output/fig2"
    @Option(help: "Seed of the data and of the training.") var seed: UInt64 = 1
    @Option(help: "Snapshot epochs, comma separated.") var epochs = "1,10,100,1000"
    @Option(help: "Points per data set.") var points = 200
    @Option(help: "Noise σ of the moons.") var noise = 0.1
    @Option(help: "Adam learning rate (both models and data sets).") var learningRate = 0.01
    @Option(help: "Mini-batch size.") var batchSize = 32
    @Option(help: "Grid cells per axis.") var resolution = 80

    var epochList: [Int] { epochs.split(separator: ",").compactMap { Int($0) } }

    func validate() throws {
        guard !epochList.isEmpty, epochList.count == epochs.split(separator: ",").count, epochList.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--epochs must be positive integers separated by commas")
        }
        // Upper limits keep a run finite in time and memory (documented in --help's defaults).
        guard epochList.allSatisfy({ $0 <= 100_000 }) else { throw ValidationError("--epochs must be at most 100000") }
        guard points >= 4, points <= 1_000_000 else { throw ValidationError("--points must be in [4, 1000000]") }
        guard noise.isFinite, noise >= 0, noise <= 1e6 else { throw ValidationError("--noise must be a number in [0, 1e6]") }
        guard learningRate.isFinite, learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard resolution >= 2, resolution <= 2_000 else { throw ValidationError("--resolution must be in [2, 2000]") }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        func file(_ name: String) -> URL { outURL.appendingPathComponent(name) }
        let sets: [(String, Points)] = [("separable", separable(points, seed: seed)), ("moons", moons(points, noise: noise, seed: seed &+ 1))]
        let snapshotsAt = epochList.sorted()
        var snapshots: [Snapshot] = []
        var ranges: [String: (ClosedRange<Double>, ClosedRange<Double>)] = [:]
        let start = Date()

        for (name, data) in sets {
            try writeCSV([("x1", data.x), ("x2", data.y), ("label", data.labels.map(Double.init))], to: file("\(name)_points.csv"))
            let xr = (data.x.min()! - 0.75)...(data.x.max()! + 0.75), yr = (data.y.min()! - 0.75)...(data.y.max()! + 0.75)
            ranges[name] = (xr, yr)
            let gx = SVGHeatmap.axis(xr, resolution), gy = SVGHeatmap.axis(yr, resolution)
            var gridElements: [Double] = []
            for v in gy { for u in gx { gridElements += [u, v] } }
            let grid = try Matrix(rows: resolution * resolution, columns: 2, elements: gridElements)
            let features = data.matrix
            for output in [OutputLayer.softmax, .softRmax] {
                let modelName = output == .softmax ? "softmax" : "softRmax"
                for e in snapshotsAt {
                    let snapshot: Snapshot
                    if name == "separable" {
                        var generator = PolytailRandom(seed: seed)
                        let fit = try LinearClassifier.fit(
                            features, labels: data.labels, classCount: 2, output: output,
                            optimizer: .adam(epochs: e, batchSize: batchSize, learningRate: learningRate), using: &generator)
                        let c = fit.classifier
                        let p = try c.posteriors(grid)
                        let dw = [c.weights[0, 1] - c.weights[0, 0], c.weights[1, 1] - c.weights[1, 0]], db = c.bias[1] - c.bias[0]
                        let norm = (dw[0] * dw[0] + dw[1] * dw[1]).squareRoot()
                        let distances = (0..<features.rows).map { i -> Double in
                            let s = data.labels[i] == 1 ? 1.0 : -1.0
                            return s * (dw[0] * data.x[i] + dw[1] * data.y[i] + db) / norm
                        }
                        let predictions = try c.predict(features)
                        let accuracy = Double(zip(predictions, data.labels).filter { $0.0 == $0.1 }.count) / Double(features.rows)
                        snapshot = Snapshot(dataset: name, model: modelName, epoch: e, grid: (0..<p.rows).map { p[$0, 1] },
                                            trainingAccuracy: accuracy, loss: fit.result.loss, scale: norm,
                                            minimumMargin: distances.min()!, medianMargin: median(distances))
                    } else {
                        var random = PolytailRandom(seed: seed)
                        let fitted = try Network.fit(features, labels: data.labels, classCount: 2, hidden: [32, 32], output: output,
                            epochs: e, batchSize: batchSize, learningRate: learningRate, using: &random)
                        let m = fitted.model, training = fitted.result.training
                        let p = try m.posteriors(grid)
                        let a = try MarginAnalysis.evaluate(m, observations: features, labels: data.labels)
                        let distances = gridDistances(data, grid: grid, predicted: (0..<p.rows).map { p[$0, 1] > p[$0, 0] ? 1 : 0 },
                                                      pointPredictions: try m.predict(features))
                        snapshot = Snapshot(dataset: name, model: modelName, epoch: e, grid: (0..<p.rows).map { p[$0, 1] },
                                            trainingAccuracy: training?.trainingAccuracy ?? .nan, loss: training?.loss ?? .nan,
                                            scale: median(a.gradientNorms), minimumMargin: distances.min()!, medianMargin: median(distances))
                    }
                    snapshots.append(snapshot)
                    try writeCSV([("x1", grid.rowArrays.map { $0[0] }), ("x2", grid.rowArrays.map { $0[1] }), ("p1", snapshot.grid)],
                                 to: file("\(name)_\(modelName)_epoch\(e).csv"))
                    progress(String(format: "  %@ %@ epoch %d: training accuracy %.1f %%, loss %.4f, min distance %.3f (%.1f s)",
                                    name, modelName, e, 100 * snapshot.trainingAccuracy, snapshot.loss, snapshot.minimumMargin,
                                    Date().timeIntervalSince(start)))
                }
            }
        }

        // The figure: one row per (data set, model), one column per snapshot epoch.
        var panels: [String] = []
        for (name, data) in sets {
            let (xr, yr) = ranges[name]!
            for model in ["softmax", "softRmax"] {
                for s in snapshots where s.dataset == name && s.model == model {
                    var h = SVGHeatmap(title: "\(name), \(model), epoch \(s.epoch)", xRange: xr, yRange: yr,
                                       nx: resolution, ny: resolution, values: s.grid)
                    h.points = zip(zip(data.x, data.y), data.labels).map { SVGHeatmap.Point(x: $0.0.0, y: $0.0.1, group: $0.1) }
                    h.width = 300; h.height = 270
                    panels.append(h.render())
                }
            }
        }
        try SVGGrid(title: "Fig. 2: p(y = 1 | x) over training epochs (blue 0, white ½, red 1)", panels: panels,
                    columns: snapshotsAt.count, panelWidth: 300, panelHeight: 270).write(to: file("fig2.svg"))

        var csv = "dataset,model,epoch,training_accuracy,loss,scale,min_distance,median_distance\n"
        var rows: [[String]] = []
        // A distance is ±∞ (and the median NaN) when the grid holds no decision boundary (one
        // class predicted everywhere, e.g. after one full-batch epoch): an empty cell, "—" in
        // the table, never inf or nan.
        func cell(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }
        func shown(_ format: String, _ x: Double) -> String { x.isFinite ? String(format: format, x) : "—" }
        for s in snapshots {
            csv += "\(s.dataset),\(s.model),\(s.epoch),\(cell(s.trainingAccuracy)),\(cell(s.loss)),\(cell(s.scale)),\(cell(s.minimumMargin)),\(cell(s.medianMargin))\n"
            rows.append([s.dataset, s.model, "\(s.epoch)", shown("%.1f", 100 * s.trainingAccuracy), shown("%.4f", s.loss),
                         shown("%.3g", s.scale), shown("%.3f", s.minimumMargin), shown("%.3f", s.medianMargin)])
        }
        try csv.write(to: file("snapshots.csv"), atomically: true, encoding: .utf8)
        var md = "# Fig. 2: snapshots over training epochs\n\n"
        md += "\(points) points per set, seed \(seed); Adam, learning rate \(learningRate), batch \(batchSize). Separable set: linear classifier; moons (noise \(noise)): MLP 2 → 32 → 32 → 2.\n"
        md += "Scale: ‖w₁ − w₀‖ (linear) or median ‖∇ₓM_z‖₂ (MLP). Distance: signed geometric distance of a training point to the decision boundary, exact (linear) or measured on the \(resolution)² grid (MLP, to within one grid step).\n\n"
        md += markdownTable(["data", "model", "epoch", "train acc %", "training NLL", "scale", "min distance", "median distance"], rows, alignRightFrom: 2)
        try md.write(to: file("fig2.md"), atomically: true, encoding: .utf8)
        print(md, terminator: "")
        progress("wrote \(outURL.path): fig2.svg, snapshots.csv, <set>_points.csv, <set>_<model>_epoch<E>.csv, fig2.md")
    }
}

/// The signed Euclidean distance of every training point to the decision boundary, measured on
/// the grid: for a correctly classified point the distance to the nearest grid point predicted as
/// the other class, for a misclassified one minus the distance to the nearest grid point predicted
/// as its own class. Exact up to the grid spacing.
func gridDistances(_ data: Points, grid: Matrix, predicted: [Int], pointPredictions: [Int]) -> [Double] {
    (0..<data.x.count).map { i in
        let correct = pointPredictions[i] == data.labels[i]
        var best = Double.infinity
        for g in 0..<grid.rows where (predicted[g] == data.labels[i]) != correct {
            best = min(best, hypot(grid[g, 0] - data.x[i], grid[g, 1] - data.y[i]))
        }
        return correct ? best : -best
    }
}

Fig2.runAsScript()
