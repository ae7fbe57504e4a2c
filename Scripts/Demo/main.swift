// demo: fits a normal and a Student t to a heavy-tailed sample and writes the data, the
// fitted densities (CSV) and a picture (SVG).
//
//   swift run demo [--out DIR] [--seed N] [--n N]
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot

/// A bad command line: one line on stderr, exit 2 (the contract of every script, ScriptExit).
func usage(_ message: String) -> Never {
    ScriptExit.fail("demo", message + " (see 'demo --help')", code: ScriptExit.usageError)
}

var outDir = "Output/demo"
var seed: UInt64 = 2022
var n = 400
var args = CommandLine.arguments.dropFirst()
@MainActor func value(after option: String) -> String {
    guard let v = args.popFirst() else { usage("\(option) needs a value") }
    return v
}
while let a = args.popFirst() {
    switch a {
    case "--out": outDir = value(after: a)
    case "--seed":
        guard let s = UInt64(value(after: a)) else { usage("--seed needs a non-negative integer") }
        seed = s
    case "--n":
        guard let v = Int(value(after: a)), v >= 10, v <= 10_000_000 else { usage("--n needs an integer from 10 to 10,000,000") }
        n = v
    case "-h", "--help":
        print("usage: demo [--out DIR] [--seed N] [--n N]")
        exit(0)
    default: usage("unknown option \(a)")
    }
}

do {
    let out = URL(fileURLWithPath: outDir)
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    var generator = PolytailRandom(seed: seed)
    let truth = try StudentT(degreesOfFreedom: 2.5, location: 1, scale: 1.5)
    let x = truth.sample(n, using: &generator)
    let normal = try Normal.fit(x)
    let t = try StudentT.fit(x)

    try writeCSV([("x", x)], to: out.appendingPathComponent("data.csv"))
    // x = −20 + i·0.05, i = 0…840: both ends exact.
    let grid = (0...840).map { -20 + Double($0) * 0.05 }
    try writeCSV([("x", grid), ("normal", grid.map(normal.model.density)), ("t", grid.map(t.model.density))],
                 to: out.appendingPathComponent("densities.csv"))

    var plot = SVGPlot(title: "Maximum-likelihood fits to \(n) draws from t(2.5; 1, 1.5)", xLabel: "x", yLabel: "density (log scale)")
    plot.logY = true
    plot.yRange = 1e-7...1
    plot.xRange = -20...22
    let edges = (0...42).map { -20 + Double($0) }
    var counts = [Double](repeating: 0, count: edges.count - 1)
    for v in x where v >= -20 && v < 22 { counts[Int(floor(v + 20))] += 1 }
    plot.bars = [SVGPlot.Bars(edges: edges, heights: counts.map { $0 / Double(n) }, color: "#999999", name: "data")]
    plot.series = [
        SVGPlot.Series(name: "normal fit", x: grid, y: grid.map(normal.model.density), color: SVGPlot.palette[0]),
        SVGPlot.Series(name: "t fit (ν̂ = \(String(format: "%.2f", t.model.degreesOfFreedom)))", x: grid,
                       y: grid.map(t.model.density), color: SVGPlot.palette[1]),
    ]
    try plot.write(to: out.appendingPathComponent("densities.svg"))
    print(String(format: "normal: mean %.4f, sd %.4f, log-likelihood %.3f", normal.model.mean, normal.model.standardDeviation, normal.result.logLikelihood))
    print(String(format: "t:      location %.4f, scale %.4f, df %.4f, log-likelihood %.3f", t.model.location, t.model.scale, t.model.degreesOfFreedom, t.result.logLikelihood))
    FileHandle.standardError.write("wrote \(out.path)/{data.csv,densities.csv,densities.svg}\n".data(using: .utf8)!)
} catch {
    ScriptExit.fail("demo", "\(error)", code: ScriptExit.dataError)
}
