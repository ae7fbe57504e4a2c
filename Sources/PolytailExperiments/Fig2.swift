import Foundation
import Polytail
import PolytailPlot

/// Fig. 2 of Wang & Loog (2022), §3.2.2: decision regions over training epochs, softmax vs
/// softRmax, on two 2-D training sets.
///
/// The paper's claim: with softmax the posterior's transition at the boundary becomes steep
/// (the weights grow) and a boundary biased by a few points hardly moves; with softRmax
/// ‖z‖ ≈ 1 keeps the weights small, and the loss falls by enlarging the margin instead.
public enum Fig2 {
    /// Labelled 2-D points.
    public struct Points: Sendable {
        public var x: [Double], y: [Double], labels: [Int]
        /// n × 2.
        public var matrix: Matrix { try! Matrix(rows: x.count, columns: 2, elements: zip(x, y).flatMap { [$0.0, $0.1] }) }
    }

    /// Two Gaussian blobs (σ = 0.6) centred at (−1.2, −0.3) and (1.2, 0.3), points inside the
    /// strip |x₁| < gap redrawn, so a vertical line separates the classes.
    /// - Parameters:
    ///   - n: points, alternating between the classes.
    ///   - seed: seeds the draw.
    ///   - gap: half-width of the empty strip.
    /// - Returns: the points.
    public static func separable(_ n: Int, seed: UInt64, gap: Double = 0.25) -> Points {
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

    /// scikit-learn's `make_moons(n, noise)`: outer half circle (cos t, sin t) for class 0,
    /// inner (1 − cos t, 1 − sin t − ½) for class 1, t equally spaced on [0, π], plus N(0, noise²).
    /// - Returns: the points.
    public static func moons(_ n: Int, noise: Double, seed: UInt64) -> Points {
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

    /// One model after `epoch` epochs.
    public struct Snapshot: Sendable {
        public var dataset: String, model: String, epoch: Int
        /// p(y = 1 | x) on the grid, row by row.
        public var grid: [Double]
        public var trainingAccuracy: Double, loss: Double
        /// Linear: ‖w₁ − w₀‖; MLP: median ‖∇ₓM_z‖₂ over the training points.
        public var scale: Double
        /// Linear: the geometric margin min_i sᵢ((w₁−w₀)·xᵢ + b₁−b₀)/‖w₁−w₀‖; MLP: the minimum
        /// over the training points of the distance to the boundary measured on the grid
        /// (negative when a point is misclassified).
        public var minimumMargin: Double
        /// The median of the same distances over the training points.
        public var medianMargin: Double
    }

    /// The training settings of both data sets.
    public struct Settings: Sendable {
        public var epochs: [Int]
        public var learningRate: Double
        public var batchSize: Int
        /// Grid cells per axis.
        public var resolution: Int
        public init(epochs: [Int], learningRate: Double, batchSize: Int, resolution: Int) {
            self.epochs = epochs.sorted(); self.learningRate = learningRate; self.batchSize = batchSize; self.resolution = resolution
        }
    }

    /// A data set with its plotting ranges.
    public struct DataSet: Sendable {
        public var name: String
        public var points: Points
        public var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
        public init(name: String, points: Points) {
            self.name = name; self.points = points
            xRange = (points.x.min()! - 0.75)...(points.x.max()! + 0.75)
            yRange = (points.y.min()! - 0.75)...(points.y.max()! + 0.75)
        }
    }

    /// Trains softmax and softRmax on each set for every snapshot epoch (from the same seed:
    /// Adam's shuffling and updates are deterministic, so E epochs from the seed equal stopping
    /// one run after E epochs). "separable" is fitted by the linear classifier z = xW + b, any
    /// other set by the MLP 2 → 32 → 32 → 2. Writes `<set>_<model>_epoch<E>.csv` (the grid
    /// posteriors) into `folder`.
    /// - Throws: training errors and the file system's.
    public static func compute(_ sets: [DataSet], settings: Settings, seed: UInt64, folder: URL) throws -> [Snapshot] {
        var snapshots: [Snapshot] = []
        let start = Date()
        let resolution = settings.resolution
        for set in sets {
            let data = set.points
            let gx = SVGHeatmap.axis(set.xRange, resolution), gy = SVGHeatmap.axis(set.yRange, resolution)
            var gridElements: [Double] = []
            for v in gy { for u in gx { gridElements += [u, v] } }
            let grid = try Matrix(rows: resolution * resolution, columns: 2, elements: gridElements)
            let features = data.matrix
            for output in [OutputLayer.softmax, .softRmax] {
                let modelName = output.rawValue
                for e in settings.epochs {
                    let snapshot: Snapshot
                    if set.name == "separable" {
                        var generator = PolytailRandom(seed: seed)
                        let fit = try LinearClassifier.fit(
                            features, labels: data.labels, classCount: 2, output: output,
                            optimizer: .adam(epochs: e, batchSize: settings.batchSize, learningRate: settings.learningRate), using: &generator)
                        let c = fit.model
                        guard let summary = fit.result.training else {
                            throw PolytailError.numericalFailure("the linear classifier's fit reported no training summary")
                        }
                        let p = try c.posteriors(grid)
                        let dw = [c.weights[0, 1] - c.weights[0, 0], c.weights[1, 1] - c.weights[1, 0]], db = c.bias[1] - c.bias[0]
                        let norm = (dw[0] * dw[0] + dw[1] * dw[1]).squareRoot()
                        let distances = (0..<features.rows).map { i -> Double in
                            let s = data.labels[i] == 1 ? 1.0 : -1.0
                            return s * (dw[0] * data.x[i] + dw[1] * data.y[i] + db) / norm
                        }
                        let predictions = try c.predict(features)
                        let accuracy = Double(zip(predictions, data.labels).filter { $0.0 == $0.1 }.count) / Double(features.rows)
                        snapshot = Snapshot(dataset: set.name, model: modelName, epoch: e, grid: (0..<p.rows).map { p[$0, 1] },
                                            trainingAccuracy: accuracy, loss: summary.loss, scale: norm,
                                            minimumMargin: distances.min()!, medianMargin: median(distances))
                    } else {
                        var random = PolytailRandom(seed: seed)
                        let fitted = try Network.fit(features, labels: data.labels, classCount: 2, hidden: [32, 32], output: output,
                            epochs: e, batchSize: settings.batchSize, learningRate: settings.learningRate, using: &random)
                        let m = fitted.model
                        guard let training = fitted.result.training else {
                            throw PolytailError.numericalFailure("the network's fit reported no training summary")
                        }
                        let p = try m.posteriors(grid)
                        let a = try MarginAnalysis.evaluate(m, observations: features, labels: data.labels)
                        let distances = gridDistances(data, grid: grid, predicted: (0..<p.rows).map { p[$0, 1] > p[$0, 0] ? 1 : 0 },
                                                      pointPredictions: try m.predict(features))
                        snapshot = Snapshot(dataset: set.name, model: modelName, epoch: e, grid: (0..<p.rows).map { p[$0, 1] },
                                            trainingAccuracy: training.trainingAccuracy, loss: training.loss,
                                            scale: median(a.gradientNorms), minimumMargin: distances.min()!, medianMargin: median(distances))
                    }
                    snapshots.append(snapshot)
                    try writeCSV([("x1", grid.rowArrays.map { $0[0] }), ("x2", grid.rowArrays.map { $0[1] }), ("p1", snapshot.grid)],
                                 to: folder.appendingPathComponent("\(set.name)_\(modelName)_epoch\(e).csv"))
                    // No decision boundary on the grid (one class everywhere) leaves the distance ±∞.
                    let minimum = snapshot.minimumMargin.isFinite
                        ? String(format: "%.3f", snapshot.minimumMargin) : "none (no boundary on the grid)"
                    progress(String(format: "  %@ %@ epoch %d: training accuracy %.1f %%, loss %.4f, min distance %@ (%.1f s)",
                                    set.name, modelName, e, 100 * snapshot.trainingAccuracy, snapshot.loss, minimum,
                                    Date().timeIntervalSince(start)))
                }
            }
        }
        return snapshots
    }

    /// The signed Euclidean distance of every training point to the decision boundary,
    /// measured on the grid: for a correctly classified point the distance to the nearest grid
    /// point predicted as the other class, for a misclassified one minus the distance to the
    /// nearest grid point predicted as its own class. Exact up to the grid spacing.
    static func gridDistances(_ data: Points, grid: Matrix, predicted: [Int], pointPredictions: [Int]) -> [Double] {
        (0..<data.x.count).map { i in
            let correct = pointPredictions[i] == data.labels[i]
            var best = Double.infinity
            for g in 0..<grid.rows where (predicted[g] == data.labels[i]) != correct {
                best = min(best, hypot(grid[g, 0] - data.x[i], grid[g, 1] - data.y[i]))
            }
            return correct ? best : -best
        }
    }

    /// Writes `<set>_points.csv`, fig2.svg (one row per data set and model, one column per
    /// epoch), snapshots.csv and fig2.md; returns the Markdown table.
    /// - Parameter header: the paragraph under the title.
    /// - Throws: the file system's errors.
    public static func write(_ snapshots: [Snapshot], sets: [DataSet], settings: Settings, header: String, to folder: URL) throws -> String {
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        var panels: [String] = []
        for set in sets {
            let data = set.points
            try writeCSV([("x1", data.x), ("x2", data.y), ("label", data.labels.map(Double.init))], to: file("\(set.name)_points.csv"))
            for model in ["softmax", "softRmax"] {
                for s in snapshots where s.dataset == set.name && s.model == model {
                    var h = SVGHeatmap(title: "\(set.name), \(model), epoch \(s.epoch)", xRange: set.xRange, yRange: set.yRange,
                                       nx: settings.resolution, ny: settings.resolution, values: s.grid)
                    h.points = zip(zip(data.x, data.y), data.labels).map { SVGHeatmap.Point(x: $0.0.0, y: $0.0.1, group: $0.1) }
                    h.width = 300; h.height = 270
                    panels.append(h.render())
                }
            }
        }
        try SVGGrid(title: "Fig. 2: p(y = 1 | x) over training epochs (blue 0, white ½, red 1)", panels: panels,
                    columns: settings.epochs.count, panelWidth: 300, panelHeight: 270).write(to: file("fig2.svg"))

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
        var md = "# Fig. 2: snapshots over training epochs\n\n" + header + "\n\n"
        md += "Scale: ‖w₁ − w₀‖ (linear) or median ‖∇ₓM_z‖₂ (MLP). Distance: signed geometric distance of a training point to the decision boundary, exact (linear) or measured on the \(settings.resolution)² grid (MLP, to within one grid step).\n\n"
        md += markdownTable(["data", "model", "epoch", "train acc %", "training NLL", "scale", "min distance", "median distance"], rows, alignRightFrom: 2)
        try md.write(to: file("fig2.md"), atomically: true, encoding: .utf8)
        return md
    }

    /// Keeps every snapshot's training accuracy, loss, scale and distances.
    /// - Parameters:
    ///   - snapshots: the result of ``compute(_:settings:seed:folder:)``.
    ///   - gridStep: the MLP's distances are measured on the grid: their tolerance.
    ///   - book: the notebook.
    public static func keepNumbers(_ snapshots: [Snapshot], gridStep: Double, in book: inout Notebook) {
        for s in snapshots {
            let base = "\(s.dataset).\(s.model).epoch\(s.epoch)", what = "\(s.dataset), \(s.model), epoch \(s.epoch)"
            let linear = s.dataset == "separable"
            book.keep("\(base).training_accuracy", s.trainingAccuracy, label: "\(what): training accuracy", tolerance: .networkAccuracy)
            // A loss near 0 (softmax on separable data) is checked by its size, not its digits.
            // The MLP's loss near 0 and its gradient scale after it are chaotic in the BLAS
            // kernels' rounding (Notebook.Tolerance.orderOfMagnitude); the linear model's are not.
            let unstable = !linear && s.loss < 0.01
            book.keep("\(base).loss", s.loss, label: "\(what): training NLL", tolerance: unstable ? .orderOfMagnitude : .networkStatistic)
            book.keep("\(base).scale", s.scale, label: "\(what): scale (‖w₁ − w₀‖ or median ‖∇ₓM_z‖₂)",
                      tolerance: unstable ? .orderOfMagnitude : .networkStatistic)
            book.keep("\(base).min_distance", s.minimumMargin, label: "\(what): smallest distance of a training point to the boundary",
                      tolerance: linear ? .absolute(0.02) : .absolute(gridStep))
            book.keep("\(base).median_distance", s.medianMargin, label: "\(what): median distance to the boundary",
                      tolerance: linear ? .absolute(0.02) : .absolute(gridStep))
        }
    }
}
