// fig3 — a notebook: the covariate-shift experiment of Wang & Loog (2022), §4.1.1 and Fig. 3.
//
// f(x) = sinc(x) = sin(πx)/(πx); source x ~ N(1.1, 0.5²), n_s = 150; target x ~ N(2.1, (10/17)²),
// n_t = 100; y = f(x) + N(0, 0.25²). p_s and p_t are estimated by maximum likelihood (normal or
// Student t); then 5 outliers x ~ U[−5, −4] (y = f(x) + noise) join the source, and straight
// lines are fitted by least squares weighted by w = (p_t(x)/p_s(x))^λ for λ ∈ {0, 0.5, 1}.
//
//   swift run -c release fig3 [--out DIR] [--seed N] [--df NU] [--source FILE --target FILE] [--check | --record]
//   swift run -c release fig3 --trials 200 --seed 3 --out Output/fig3-trials [--check | --record]
//
// Each run prints its steps' numbers and writes <out>/README.md (the notebook) beside its
// figures and tables. `--check` compares the numbers with Docs/numbers/fig3.json (fig3-trials.json
// for --trials), which the docs quote; `--record` rewrites that file.
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
    /// The share of the total weight on the outlier rows (0 without them).
    var outlierWeightShare: Double
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
        let w = try ImportanceWeights.fit(source: s.cleanSourceX, target: s.targetX, family: m.family).model
        fitted[m.name] = w
        for withOutliers in [false, true] {
            let rows = s.sourceX.indices.filter { withOutliers || !s.outlier[$0] }
            let x = rows.map { s.sourceX[$0] }, y = rows.map { s.sourceY[$0] }
            for lambda in lambdas {
                let weights = try w.normalizedWeights(x, lambda: lambda)
                let line = try WeightedLeastSquares.fit(x, response: y, weights: weights).model
                let predictions = line.predict(s.testX)
                let mse = zip(predictions, s.testY).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(s.testX.count)
                let total = weights.reduce(0, +)
                let outlierWeight = zip(rows, weights).filter { s.outlier[$0.0] }.reduce(0) { $0 + $1.1 }
                lines.append(LineResult(model: m.name, lambda: lambda, withOutliers: withOutliers,
                                        intercept: line.coefficients[0], slope: line.coefficients[1], targetMSE: mse,
                                        maxWeightShare: (weights.max() ?? 0) / total, outlierWeightShare: outlierWeight / total))
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
    @Option(help: "Repeat the experiment over N seeds and write the notebook README.md and trials.csv.")
    var trials: Int?
    @Flag(help: "Compare the numbers with Docs/numbers/fig3.json (fig3-trials.json with --trials) within their tolerances; exit 1 if one moved.")
    var check = false
    @Flag(help: "Rewrite Docs/numbers/fig3.json (fig3-trials.json with --trials) with this run's numbers.")
    var record = false

    var scriptName: String { trials == nil ? "fig3" : "fig3-trials" }
    var numbersFile: URL { URL(fileURLWithPath: "Docs/numbers/\(scriptName).json") }
    var numbersMode: Notebook.NumbersMode { check ? .check : record ? .record : .none }

    func validate() throws {
        guard df.isFinite, df >= StudentT.minimumDegreesOfFreedom else { throw ValidationError("--df must be finite and ≥ \(StudentT.minimumDegreesOfFreedom), got \(df)") }
        if (source == nil) != (target == nil) { throw ValidationError("--source and --target go together") }
        if let trials, trials < 1 || trials > 100_000 { throw ValidationError("--trials must be in [1, 100000]") }
        if trials != nil && source != nil { throw ValidationError("--trials simulates data; it cannot be combined with --source/--target") }
        guard !(check && record) else { throw ValidationError("--check and --record exclude each other") }
        if (check || record) && (source != nil || df != 3 || seed != (trials == nil ? 17 : 3) || (trials ?? 200) != 200) {
            throw ValidationError("--check and --record compare the documented runs: fig3 (seed 17) and fig3 --trials 200 --seed 3, with --df 3")
        }
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
        func file(_ name: String) -> URL { outURL.appendingPathComponent(name) }
        var book = Notebook(script: "fig3", title: "Fig. 3 — importance weighting under covariate shift, with outliers",
                            command: "swift run -c release fig3" + (seed == 17 ? "" : " --seed \(seed)") + (df == 3 ? "" : " --df \(SVGPlot.label(df))"))
        book.introduce("""
            Wang & Loog (2022), §4.1.1: under covariate shift a source sample is weighted by \
            w(x) = (p_t(x)/p_s(x))^λ (Eq. 15) to look like the target. With normal density estimates \
            and σ_t > σ_s the weight grows like exp(c x²) in the tails, so a few source outliers take \
            almost all the weight and the weighted regression chases them; Student-t estimates \
            (polynomial tails) keep the weight of a far point bounded.
            """)
        book.parameter("--seed", "\(seed)", "random seed of the samples and outliers (17 is a draw in which the normal weighting fails)")
        book.parameter("--df", SVGPlot.label(df), "ν of both t densities, held fixed")
        book.parameter("--source, --target", source == nil ? "(simulated)" : "\(source!), \(target!)", "CSV files replacing the simulation")

        // MARK: 1. Samples
        book.step("Source and target samples", """
            The paper's setting: f(x) = sinc(x); source x ~ N(1.1, 0.5²), 150 points; target \
            x ~ N(2.1, (10/17)²), 100 points; y = f(x) + N(0, 0.25²). A further 1,000 target points, \
            never used in fitting, score each line by its mean squared error (target MSE).
            """)
        let s = try loadSamples()
        book.number("samples.source", Double(s.cleanSourceX.count), label: "source points", tolerance: .absolute(0), format: "%.0f")
        book.number("samples.target", Double(s.targetX.count), label: "target points", tolerance: .absolute(0), format: "%.0f")
        try writeCSV([("x", s.sourceX), ("y", s.sourceY), ("outlier", s.outlier.map { $0 ? 1 : 0 })], to: file("b_source.csv"))
        try writeCSV([("x", s.targetX), ("y", s.targetY)], to: file("b_target.csv"))
        book.file("b_source.csv", "the source sample with its `outlier` column; `b_target.csv` the target sample")

        // MARK: 2. Densities
        book.step("Fit p_s and p_t: normal and Student t (Fig. 3a)", """
            Both densities are fitted by maximum likelihood on the clean source and on the target. \
            On a log scale the difference the figure is about shows: the normal densities fall off \
            like exp(−x²), so far to the left p_t/p_s is astronomically large (σ_t > σ_s); the t \
            densities (ν = \(SVGPlot.label(df))) fall off like |x|^−(ν+1), and their ratio stays bounded.
            """)
        let (lines, fitted) = try runExperiment(s, models: Array(models.prefix(2)))
        let grid = (0...1200).map { Double($0 - 600) / 100 }
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
            let far = -4.5
            book.number("weights.\(name).log_w_at_minus_4.5", try w.logWeights([far], lambda: 1)[0],
                        label: "\(name): log w(x = −4.5) at λ = 1 (the outliers' region)", tolerance: .relative(1e-6), format: "%.4g")
        }
        try writeCSV(aColumns, to: file("a_densities.csv"))
        try plotA.write(to: file("a_densities.svg"))
        book.figure("a_densities.svg", caption: "Fig. 3a: the fitted source and target densities, normal (solid) and t (dashed), log scale")

        // MARK: 3. Outliers
        book.step("Five outliers join the source (Fig. 3b)", """
            Five points x ~ U[−5, −4], y = f(x) + noise, are added to the source *after* the \
            densities were fitted, as in the paper: they are far in the tail of both estimates.
            """)
        var plotB = SVGPlot(title: "(b) f(x) = sinc(x) and the samples", xLabel: "x", yLabel: "y")
        plotB.xRange = -6...6
        plotB.series = [SVGPlot.Series(name: "sinc(x)", x: grid, y: grid.map(sinc), color: "#000000")] + sampleSeries(s, withOutliers: true)
        try plotB.write(to: file("b_samples.svg"))
        for name in ["normal", "t"] {
            guard let share = lines.first(where: { $0.model == name && $0.withOutliers && $0.lambda == 1 })?.outlierWeightShare else { continue }
            book.number("weights.\(name).outlier_share", share, label: "\(name): share of the total weight on the 5 outliers at λ = 1",
                        tolerance: .absolute(1e-6), format: "%.4f")
        }
        book.figure("b_samples.svg", caption: "Fig. 3b: sinc(x), the source (blue), the target (orange) and the outliers (black crosses)")

        // MARK: 4. Weighted lines
        book.step("Weighted straight lines (Fig. 3c–e)", """
            A straight line is fitted by least squares weighted by w(x)^λ for λ ∈ {0, ½, 1} (weights \
            normalised to mean 1): (c) normal weights on the clean source, (d) normal weights with the \
            outliers, (e) t weights with the outliers. With the outliers the normal weighting's \
            λ = 1 line chases them; the t weighting's does not.
            """)
        let panels: [(String, String, String, Bool)] = [
            ("c", "normal", "(c) normal densities, no outliers", false),
            ("d", "normal", "(d) normal densities, 5 outliers", true),
            ("e", "t", "(e) t densities (ν = \(SVGPlot.label(df))), 5 outliers", true),
        ]
        var rows: [[String]] = []
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
                let key = "lines.\(model)\(withOutliers ? "" : "_no_outliers").lambda_\(SVGPlot.label(line.lambda))"
                book.number(key + ".target_mse", line.targetMSE, label: "(\(tag)) \(model)\(withOutliers ? ", 5 outliers" : ""), λ = \(SVGPlot.label(line.lambda)): target MSE",
                            tolerance: .relative(1e-6), format: "%.4g")
                rows.append(["(\(tag))", model, withOutliers ? "5" : "none", SVGPlot.label(line.lambda),
                             String(format: "%.4f", line.intercept), String(format: "%.4f", line.slope), String(format: "%.4g", line.targetMSE)])
            }
            try writeCSV(columns, to: file("\(tag)_lines.csv"))
            try plot.write(to: file("\(tag)_lines.svg"))
            book.figure("\(tag)_lines.svg", caption: "Fig. 3\(tag): " + title.dropFirst(4))
        }
        book.table(["panel", "densities", "outliers", "λ", "intercept", "slope", "target MSE"], rows)

        var table = "family,lambda,intercept,slope,targetMSE\n"
        for l in lines {
            try requireFinite([l.intercept, l.slope, l.targetMSE], "the \(l.model) line at λ = \(l.lambda)")
            let family = l.withOutliers ? l.model : "\(l.model)-no-outliers"
            table += "\(family),\(l.lambda),\(l.intercept),\(l.slope),\(l.targetMSE)\n"
        }
        try table.write(to: file("lines.csv"), atomically: true, encoding: .utf8)
        book.file("lines.csv", "every line's intercept, slope and target MSE")
        try book.finish(folder: outURL, numbersFile: numbersFile, mode: numbersMode)
        progress("fig3: wrote \(outURL.path)/README.md, the figures (a_densities, b_samples, c/d/e_lines) and their CSV files")
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
        var book = Notebook(script: "fig3-trials", title: "Fig. 3, repeated — how often does importance weighting fail?",
                            command: "swift run -c release fig3 --trials \(count) --seed \(seed)" + (df == 3 ? "" : " --df \(SVGPlot.label(df))"))
        book.introduce("""
            One draw (Fig. 3) shows that the normal weighting *can* fail; this notebook repeats the \
            experiment of Wang & Loog (2022), §4.1.1, over many seeds to say how often, and adds two \
            variants the paper leaves open: t densities with maximum-likelihood ν, estimated per \
            domain or jointly.
            """)
        book.parameter("--trials", "\(count)", "number of simulated data sets")
        book.parameter("--seed", "\(seed)", "seed of the first data set (then seed + 1, …)")
        book.parameter("--df", SVGPlot.label(df), "ν of both t densities in the \"t\" rows, held fixed")

        // MARK: 1. Trials
        book.step("Repeat the experiment", """
            Each trial draws new samples and outliers and fits four pairs of densities: normal; t with \
            ν = \(SVGPlot.label(df)) fixed for both; t with ν estimated separately in each domain \
            (t-ml-separate); t with one ν estimated from both samples (t-ml-joint). A line's target MSE \
            above 1 — ten times that of a flat line — counts as a failure.
            """)
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
        book.number("trials.completed", Double(all.count), label: "trials completed", tolerance: .absolute(0), format: "%.0f")
        book.number("trials.failed", Double(failures), label: "trials that failed", tolerance: .absolute(0), format: "%.0f")

        // MARK: 2. The table
        book.step("Target MSE over the trials", """
            Mean ± standard deviation, median, and the share of trials with target MSE > 1, per \
            density model, with and without the outliers, and λ. The mean is driven by the failures; \
            the median shows that most draws are harmless.
            """)
        var csv = "model,withOutliers,lambda,meanMSE,sdMSE,medianMSE,blowUpShare,trials\n"
        var rows: [[String]] = []
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
                    rows.append([m.name, withOutliers ? "5" : "none", SVGPlot.label(lambda), String(format: "%.4f ± %.4f", mean, sd),
                                 String(format: "%.4f", median), String(format: "%.1f%%", 100 * blowUp)])
                    if withOutliers {
                        let key = "mse.\(m.name).outliers.lambda_\(SVGPlot.label(lambda))"
                        let what = "\(m.name), 5 outliers, λ = \(SVGPlot.label(lambda))"
                        book.number(key + ".mean", mean, label: "\(what): mean target MSE", tolerance: .relative(1e-4), format: "%.4f")
                        book.number(key + ".median", median, label: "\(what): median target MSE", tolerance: .relative(1e-6), format: "%.4f")
                        book.number(key + ".failure_share", blowUp, label: "\(what): share of trials with MSE > 1", tolerance: .absolute(1e-9), format: "%.3f")
                    }
                }
            }
        }
        book.table(["densities", "outliers", "λ", "target MSE, mean ± sd", "median", "share with MSE > 1"], rows)
        try csv.write(to: outURL.appendingPathComponent("trials.csv"), atomically: true, encoding: .utf8)
        book.file("trials.csv", "the same table with full precision")

        // MARK: 3. ML degrees of freedom
        book.step("Where maximum-likelihood ν goes", """
            The samples are Gaussian, so their maximum-likelihood ν runs to infinity: the fit stops at \
            the bound (10⁶, or ∞ for the univariate fit). Estimated per domain, one ν often stays finite while the other is at the \
            bound, and the weight ratio then grows polynomially without limit.
            """)
        for (name, values) in dfNotes.sorted(by: { $0.key < $1.key }) {
            let atBound = values.filter { $0 >= StudentT.largestSearchedDF }.count
            book.number("ml_nu.\(name).at_bound", Double(atBound), label: "ML ν, \(name): trials with ν at the bound (of \(values.count))",
                        tolerance: .absolute(0), format: "%.0f")
        }
        try book.finish(folder: outURL, numbersFile: numbersFile, mode: numbersMode)
        progress("fig3: wrote \(outURL.path)/README.md and trials.csv")
    }
}

Fig3.runAsScript()
