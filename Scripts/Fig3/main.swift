// fig3: the covariate-shift experiment of Wang & Loog (2022), §4.1.1 and Fig. 3.
//
// f(x) = sinc(x) = sin(πx)/(πx); source x ~ N(1.1, 0.5²), n_s = 150; target x ~ N(2.1, (10/17)²),
// n_t = 100; y = f(x) + N(0, 0.25²). p_s and p_t are estimated by maximum likelihood (normal or
// Student t); then 5 outliers x ~ U[−5, −4] (y = f(x) + noise) join the source, and straight
// lines are fitted by least squares weighted by w = (p_t(x)/p_s(x))^λ for λ ∈ {0, 0.5, 1}.
//
//   swift run -c release fig3 [--out DIR] [--seed N] [--df NU] [--source FILE --target FILE]
//   swift run -c release fig3 --trials 200        (Monte-Carlo study over seeds)
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot


func sinc(_ x: Double) -> Double { x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x) }

/// One realisation of the experiment's data.
struct Samples {
    var sourceX: [Double], sourceY: [Double]
    /// Rows added after density estimation.
    var outlier: [Bool]
    var targetX: [Double], targetY: [Double]
    /// A separate labelled target sample on which the fitted lines are scored.
    var testX: [Double], testY: [Double]

    var cleanSourceX: [Double] { zip(sourceX, outlier).filter { !$0.1 }.map(\.0) }

    static func generate(seed: UInt64, outliers: Int = 5, testSize: Int = 1000) throws -> Samples {
        var g = PolytailRandom(seed: seed)
        let source = try Normal(mean: 1.1, standardDeviation: 0.5)
        let target = try Normal(mean: 2.1, standardDeviation: 10.0 / 17)
        let noise = try Normal(mean: 0, standardDeviation: 0.25)
        let sx = source.sample(150, using: &g)
        let sy = sx.map { sinc($0) + noise.sample(using: &g) }
        let ox = (0..<outliers).map { _ in -5 + g.uniformPositive() }
        let oy = ox.map { sinc($0) + noise.sample(using: &g) }
        let tx = target.sample(100, using: &g)
        let ty = tx.map { sinc($0) + noise.sample(using: &g) }
        let vx = target.sample(testSize, using: &g)
        let vy = vx.map { sinc($0) + noise.sample(using: &g) }
        return Samples(sourceX: sx + ox, sourceY: sy + oy,
                       outlier: [Bool](repeating: false, count: sx.count) + [Bool](repeating: true, count: ox.count),
                       targetX: tx, targetY: ty, testX: vx, testY: vy)
    }
}

/// A density model for the weights, as it appears in tables and file names.
struct Model {
    var name: String
    var family: ImportanceWeights.Family
}

struct LineResult {
    var model: String, lambda: Double, withOutliers: Bool
    var intercept: Double, slope: Double, targetMSE: Double
    var maxWeightShare: Double
}

let lambdas = [0.0, 0.5, 1.0]

/// Source and target in two colours every panel shares; the weighted lines in three others.
enum Fig3Colours {
    static let source = "#1f77b4"
    static let target = "#ff7f0e"
    static let lines = ["#2ca02c", "#d62728", "#9467bd"]
}

/// Fits the densities on the clean source and the target, weighs the source rows (with or
/// without the outliers) and fits weighted straight lines.
func runExperiment(_ s: Samples, models: [Model]) throws -> (lines: [LineResult], weights: [String: ImportanceWeights]) {
    var lines: [LineResult] = []
    var fitted: [String: ImportanceWeights] = [:]
    for m in models {
        let w = try ImportanceWeights.fit(source: s.cleanSourceX, target: s.targetX, family: m.family)
        fitted[m.name] = w
        for withOutliers in [false, true] {
            let rows = s.sourceX.indices.filter { withOutliers || !s.outlier[$0] }
            let x = rows.map { s.sourceX[$0] }, y = rows.map { s.sourceY[$0] }
            for lambda in lambdas {
                let weights = try w.normalizedWeights(x, lambda: lambda)
                let line = try WeightedLeastSquares.line(x: x, y: y, weights: weights).model
                let predictions = line.predict(s.testX)
                let mse = zip(predictions, s.testY).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(s.testX.count)
                let total = weights.reduce(0, +)
                lines.append(LineResult(model: m.name, lambda: lambda, withOutliers: withOutliers,
                                        intercept: line.coefficients[0], slope: line.coefficients[1], targetMSE: mse,
                                        maxWeightShare: (weights.max() ?? 0) / total))
            }
        }
    }
    return (lines, fitted)
}

struct Fig3: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig3",
        abstract: "Regenerate Fig. 3 of Wang & Loog (2022): importance weighting under covariate shift with normal vs Student-t densities.")

    @Option(help: "Output folder.") var out = "Output/fig3"
    @Option(help: "Random seed (the default draw is one in which normal weighting fails; --trials shows how often that happens).") var seed: UInt64 = 17
    @Option(help: "Degrees of freedom of the t densities (fixed; see Docs/covariate-shift.md for why it is not the ML estimate).")
    var df: Double = 3
    @Option(help: "CSV with columns x,y and an optional 0/1 column `outlier` (rows added after density estimation).")
    var source: String?
    @Option(help: "CSV with columns x,y: the target sample (also used to score the lines).")
    var target: String?
    @Option(help: "Repeat the experiment over N seeds and write a table (trials.csv, trials.md).")
    var trials: Int?

    func validate() throws {
        guard df.isFinite, df > 0 else { throw ValidationError("--df must be a positive number") }
        if (source == nil) != (target == nil) { throw ValidationError("--source and --target go together") }
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1") }
        if trials != nil && source != nil { throw ValidationError("--trials simulates data; it cannot be combined with --source/--target") }
    }

    var models: [Model] {
        [Model(name: "normal", family: .normal),
         Model(name: "t", family: .studentT(.fixed(df))),
         Model(name: "t-ml-separate", family: .studentT(.estimatedPerGroup)),
         Model(name: "t-ml-joint", family: .studentT(.estimated))]
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        if let trials { try runTrials(trials, outURL) } else { try runFigure(outURL) }
    }

    func loadSamples() throws -> Samples {
        guard let source, let target else { return try Samples.generate(seed: seed) }
        let s = try CSVTable.read(contentsOf: source), t = try CSVTable.read(contentsOf: target)
        let sx = try s.numericColumn("x"), sy = try s.numericColumn("y")
        var outlier = [Bool](repeating: false, count: sx.count)
        if s.header.contains("outlier") {
            for (i, v) in try s.numericColumn("outlier").enumerated() {
                guard v == 0 || v == 1 else {
                    throw ScriptDataError("\(source): outlier must be 0 or 1, got \(v) at line \(s.line(ofRow: i))")
                }
                outlier[i] = v == 1
            }
        }
        let tx = try t.numericColumn("x"), ty = try t.numericColumn("y")
        return Samples(sourceX: sx, sourceY: sy, outlier: outlier, targetX: tx, targetY: ty, testX: tx, testY: ty)
    }

    func runFigure(_ outURL: URL) throws {
        let s = try loadSamples()
        let (lines, fitted) = try runExperiment(s, models: Array(models.prefix(2)))
        func file(_ name: String) -> URL { outURL.appendingPathComponent(name) }

        // (a) the two fitted densities per family, and the generating ones.
        let grid = stride(from: -6.0, through: 6.0, by: 0.01).map { $0 }
        var aColumns: [(String, [Double])] = [("x", grid)]
        var plotA = SVGPlot(title: "(a) source and target densities (ML fits), log scale", xLabel: "x", yLabel: "density (log scale)")
        plotA.xRange = -6...6
        plotA.logY = true
        plotA.yRange = 1e-6...3
        for (k, name) in ["normal", "t"].enumerated() {
            guard let w = fitted[name] else { continue }
            let (ps, pt) = densityFunctions(w)
            let ys = grid.map(ps), yt = grid.map(pt)
            aColumns += [("source_\(name)", ys), ("target_\(name)", yt)]
            plotA.series += [SVGPlot.Series(name: "source, \(name)", x: grid, y: ys, color: Fig3Colours.source, dashed: k == 1),
                             SVGPlot.Series(name: "target, \(name)", x: grid, y: yt, color: Fig3Colours.target, dashed: k == 1)]
        }
        try writeCSV(aColumns, to: file("a_densities.csv"))
        try plotA.write(to: file("a_densities.svg"))

        // (b) the target function and the samples.
        try writeCSV([("x", s.sourceX), ("y", s.sourceY), ("outlier", s.outlier.map { $0 ? 1 : 0 })], to: file("b_source.csv"))
        try writeCSV([("x", s.targetX), ("y", s.targetY)], to: file("b_target.csv"))
        var plotB = SVGPlot(title: "(b) f(x) = sinc(x) and the samples", xLabel: "x", yLabel: "y")
        plotB.xRange = -6...6
        plotB.series = [SVGPlot.Series(name: "sinc(x)", x: grid, y: grid.map(sinc), color: "#000000")] + sampleSeries(s, withOutliers: true)
        try plotB.write(to: file("b_samples.svg"))

        // (c)–(e) the weighted lines.
        let panels: [(String, String, String, Bool)] = [
            ("c", "normal", "(c) normal densities, no outliers", false),
            ("d", "normal", "(d) normal densities, 5 outliers", true),
            ("e", "t", "(e) t densities (ν = \(SVGPlot.label(df))), 5 outliers", true),
        ]
        for (tag, model, title, withOutliers) in panels {
            var plot = SVGPlot(title: title, xLabel: "x", yLabel: "y")
            plot.xRange = -6...6
            plot.yRange = -1.5...1.5
            plot.legendColumns = 2
            plot.series = [SVGPlot.Series(name: "sinc(x)", x: grid, y: grid.map(sinc), color: "#000000", dashed: true)]
                + sampleSeries(s, withOutliers: withOutliers)
            var columns: [(String, [Double])] = [("x", grid)]
            for (k, line) in lines.filter({ $0.model == model && $0.withOutliers == withOutliers }).enumerated() {
                let y = grid.map { line.intercept + line.slope * $0 }
                columns.append(("lambda_\(SVGPlot.label(line.lambda))", y))
                plot.series.append(SVGPlot.Series(name: "λ = \(SVGPlot.label(line.lambda))", x: grid, y: y, color: Fig3Colours.lines[k % 3]))
            }
            try writeCSV(columns, to: file("\(tag)_lines.csv"))
            try plot.write(to: file("\(tag)_lines.svg"))
        }

        var table = "family,lambda,intercept,slope,targetMSE\n"
        for l in lines {
            try requireFinite([l.intercept, l.slope, l.targetMSE], "the \(l.model) line at λ = \(l.lambda)")
            let family = l.withOutliers ? l.model : "\(l.model)-no-outliers"
            table += "\(family),\(l.lambda),\(l.intercept),\(l.slope),\(l.targetMSE)\n"
        }
        try table.write(to: file("lines.csv"), atomically: true, encoding: .utf8)
        print(table, terminator: "")
        progress("wrote \(outURL.path): a_densities, b_samples, c_lines, d_lines, e_lines (.csv, .svg), lines.csv")
    }

    /// The samples as marker series: source and target in their colours, the outliers (source
    /// rows added after the densities were fitted) as black crosses.
    func sampleSeries(_ s: Samples, withOutliers: Bool) -> [SVGPlot.Series] {
        let clean = s.sourceX.indices.filter { !s.outlier[$0] }, outliers = s.sourceX.indices.filter { s.outlier[$0] }
        var out = [
            SVGPlot.Series(name: "source", x: clean.map { s.sourceX[$0] }, y: clean.map { s.sourceY[$0] }, color: Fig3Colours.source, markers: true),
            SVGPlot.Series(name: "target", x: s.targetX, y: s.targetY, color: Fig3Colours.target, markers: true),
        ]
        if withOutliers && !outliers.isEmpty {
            out.append(SVGPlot.Series(name: "\(outliers.count) outliers", x: outliers.map { s.sourceX[$0] },
                                      y: outliers.map { s.sourceY[$0] }, color: "#000000", markers: true, marker: .cross))
        }
        return out
    }

    /// The fitted source and target densities as functions (univariate only).
    func densityFunctions(_ w: ImportanceWeights) -> ((Double) -> Double, (Double) -> Double) {
        switch w.densities {
        case let .normal(s, t): return (s.density, t.density)
        case let .studentT(s, t): return (s.density, t.density)
        default: return ({ _ in .nan }, { _ in .nan })
        }
    }

    func runTrials(_ count: Int, _ outURL: URL) throws {
        var all: [[LineResult]] = []
        var failures = 0
        var dfNotes: [String: [Double]] = [:]
        for k in 0..<count {
            if k % 20 == 0 { progress("trial \(k + 1)/\(count) …") }
            let s = try Samples.generate(seed: seed &+ UInt64(k))
            do {
                let (lines, fitted) = try runExperiment(s, models: models)
                all.append(lines)
                for name in ["t-ml-separate", "t-ml-joint"] {
                    if case let .studentT(ps, pt)? = fitted[name]?.densities {
                        dfNotes[name + "/source", default: []].append(ps.degreesOfFreedom)
                        dfNotes[name + "/target", default: []].append(pt.degreesOfFreedom)
                    }
                }
            } catch {
                failures += 1
                progress("trial \(k + 1) failed: \(error)")
            }
        }
        var csv = "model,withOutliers,lambda,meanMSE,sdMSE,medianMSE,blowUpShare,trials\n"
        var md = "| densities | outliers | λ | target MSE, mean ± sd | median | share with MSE > 1 |\n|---|---|---:|---:|---:|---:|\n"
        for m in models {
            for withOutliers in [false, true] {
                for lambda in lambdas {
                    let mses = all.compactMap { $0.first { $0.model == m.name && $0.withOutliers == withOutliers && $0.lambda == lambda }?.targetMSE }
                    guard !mses.isEmpty else { continue }
                    let mean = mses.reduce(0, +) / Double(mses.count)
                    let sd = (mses.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(mses.count - 1, 1))).squareRoot()
                    let median = mses.sorted()[mses.count / 2]
                    let blowUp = Double(mses.filter { $0 > 1 }.count) / Double(mses.count)
                    try requireFinite([mean, sd, median], "the \(m.name) trials at λ = \(lambda)")
                    csv += "\(m.name),\(withOutliers),\(lambda),\(mean),\(sd),\(median),\(blowUp),\(mses.count)\n"
                    md += "| \(m.name) | \(withOutliers ? "5" : "none") | \(SVGPlot.label(lambda)) | \(String(format: "%.4f ± %.4f", mean, sd)) | \(String(format: "%.4f", median)) | \(String(format: "%.1f%%", 100 * blowUp)) |\n"
                }
            }
        }
        md += "\n\(all.count) trials (seeds \(seed)…\(seed &+ UInt64(count - 1))), \(failures) failed; t densities with fixed ν = \(SVGPlot.label(df)).\n"
        for (name, values) in dfNotes.sorted(by: { $0.key < $1.key }) {
            let sorted = values.sorted()
            let atBound = values.filter { $0 >= StudentT.largestSearchedDF }.count
            md += "\n- ML ν, \(name): median \(String(format: "%.3g", sorted[sorted.count / 2])), at the bound (10⁶, or ∞ for the univariate fit) in \(atBound) of \(values.count) trials"
        }
        md += "\n"
        try csv.write(to: outURL.appendingPathComponent("trials.csv"), atomically: true, encoding: .utf8)
        try md.write(to: outURL.appendingPathComponent("trials.md"), atomically: true, encoding: .utf8)
        print(md, terminator: "")
    }
}

Fig3.runAsScript()
