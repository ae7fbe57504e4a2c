// demo — a notebook: fit a normal and a Student t to a heavy-tailed sample, compare them.
//
//   swift run -c release demo [--out DIR] [--seed N] [--n N] [--check | --record]
//
// It prints each step's numbers and writes Output/demo/README.md (the notebook), data.csv,
// densities.csv, densities.svg and numbers.json. `--check` compares the numbers with
// Docs/numbers/demo.json within their tolerances; `--record` rewrites that file.
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot

// MARK: Parameters

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Fit a normal and a Student t to a heavy-tailed sample and compare them (a notebook).")
    @Option(help: "The output folder.") var out = "Output/demo"
    @Option(help: "The random seed of the sample.") var seed: UInt64 = 2022
    @Option(help: "The sample size (10 to 10,000,000).") var n = 400
    @OptionGroup var numbers: NumbersOptions
    func validate() throws {
        guard n >= 10, n <= 10_000_000 else { throw ValidationError("--n needs an integer from 10 to 10,000,000") }
        if numbers.comparing && (seed != 2022 || n != 400) {
            throw ValidationError("--check and --record compare the default run: leave --seed and --n alone")
        }
    }
}
let options = Options.parseAsScript(name: "demo")
let (outDir, seed, n, mode) = (options.out, options.seed, options.n, options.numbers.mode)

do {
    let out = URL(fileURLWithPath: outDir)
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    var book = Notebook(script: "demo", title: "Normal or Student t? Maximum-likelihood fits to a heavy-tailed sample",
                        command: "swift run -c release demo" + (seed == 2022 ? "" : " --seed \(seed)") + (n == 400 ? "" : " --n \(n)"))
    book.introduce("""
        The smallest use of the library: draw a sample with polynomial tails, fit a normal and a \
        Student t by maximum likelihood, and see which one describes the tails — the question \
        behind every model in Wang & Loog (2022).
        """)
    book.parameter("--seed", "\(seed)", "random seed of the sample")
    book.parameter("--n", "\(n)", "sample size")

    // MARK: 1. A heavy-tailed sample
    book.step("Draw from t(ν = 2.5; location 1, scale 1.5)", """
        With ν = 2.5 the variance exists but the kurtosis does not: a few draws land far out, \
        where a normal puts almost no mass.
        """)
    var generator = PolytailRandom(seed: seed)
    let truth = try StudentT(degreesOfFreedom: 2.5, location: 1, scale: 1.5)
    let x = truth.sample(n, using: &generator)
    try writeCSV([("x", x)], to: out.appendingPathComponent("data.csv"))
    book.number("sample.min", x.min()!, label: "smallest draw", tolerance: .relative(1e-12), format: "%.4f")
    book.number("sample.max", x.max()!, label: "largest draw", tolerance: .relative(1e-12), format: "%.4f")
    book.file("data.csv", "the sample")

    // MARK: 2. Fit both
    book.step("Fit a normal and a Student t by maximum likelihood", """
        The normal's estimates are the sample mean and standard deviation; the t's location, \
        scale and ν maximise the likelihood jointly (ν included). The log-likelihoods compare \
        the two on the same data: higher is better.
        """)
    let normal = try Normal.fit(x)
    let t = try StudentT.fit(x)
    book.number("normal.mean", normal.model.mean, label: "normal: mean", tolerance: .relative(1e-9), format: "%.4f")
    book.number("normal.sd", normal.model.standardDeviation, label: "normal: standard deviation", tolerance: .relative(1e-9), format: "%.4f")
    book.number("normal.loglik", normal.result.logLikelihood, label: "normal: log-likelihood", tolerance: .relative(1e-9), format: "%.3f")
    book.number("t.location", t.model.location, label: "t: location", tolerance: .relative(1e-5), format: "%.4f")
    book.number("t.scale", t.model.scale, label: "t: scale", tolerance: .relative(1e-5), format: "%.4f")
    book.number("t.df", t.model.degreesOfFreedom, label: "t: degrees of freedom ν̂", tolerance: .relative(1e-5), format: "%.4f")
    book.number("t.loglik", t.result.logLikelihood, label: "t: log-likelihood", tolerance: .relative(1e-9), format: "%.3f")

    // MARK: 3. The tails
    book.step("Compare the tails", """
        On a log density axis the difference is plain: the normal's density falls like \
        exp(−x²/2σ²) and misses the far draws by orders of magnitude; the t's falls like |x|^−(ν+1) \
        and follows them.
        """)
    let grid = (0...840).map { -20 + Double($0) / 20 }
    try writeCSV([("x", grid), ("normal", grid.map(normal.model.density)), ("t", grid.map(t.model.density))],
                 to: out.appendingPathComponent("densities.csv"))
    var plot = SVGPlot(title: "Maximum-likelihood fits to \(n) draws from t(2.5; 1, 1.5)", xLabel: "x", yLabel: "density (log scale)")
    plot.logY = true
    plot.yRange = 1e-7...1
    plot.xRange = -20...22
    let edges = (0...42).map { -20 + Double($0) }
    plot.bars = [SVGPlot.Bars(edges: edges, heights: histogram(x, edges: edges, normalise: true), color: "#999999", name: "data (share per unit bin)")]
    plot.series = [
        SVGPlot.Series(name: "normal fit", x: grid, y: grid.map(normal.model.density), color: SVGPlot.palette[0]),
        SVGPlot.Series(name: "t fit (ν̂ = \(String(format: "%.2f", t.model.degreesOfFreedom)))", x: grid,
                       y: grid.map(t.model.density), color: SVGPlot.palette[1]),
    ]
    try plot.write(to: out.appendingPathComponent("densities.svg"))
    let far = x.max()!
    book.number("tails.log10_density_ratio_at_max", (t.model.logDensity(far) - normal.model.logDensity(far)) / log(10),
                label: "log₁₀ of t density / normal density at the largest draw", tolerance: .relative(1e-5), format: "%.2f")
    book.figure("densities.svg", caption: "The two fits over a histogram of the sample, log density axis")
    book.file("densities.csv", "both fitted densities on a grid")

    try book.finish(folder: out, numbersFile: URL(fileURLWithPath: "Docs/numbers/demo.json"), mode: mode)
    FileHandle.standardError.write("demo: wrote \(out.path)/README.md, data.csv, densities.csv, densities.svg\n".data(using: .utf8)!)
} catch {
    ScriptExit.fail("demo", "\(error)", code: ScriptExit.dataError)
}
