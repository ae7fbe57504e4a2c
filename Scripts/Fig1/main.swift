// fig1: Fig. 1 of Wang & Loog (2022): posteriors p(y₀|x) of 1-D two-class models with
// exponential and polynomial tails.
//   (a) LDA with Gaussian class conditionals: one-hot in the tails.
//   (b) LDA with Student-t class conditionals (one ν for both classes): 1/2 in the tails —
//       and the same with maximum-likelihood ν, which for uniform classes runs to infinity and
//       gives the Gaussian curve back.
//   (c) the linear regressor with a softmax and with a softRmax output.
//
//   swift run -c release fig1 [--out DIR] [--seed N] [--train FILE.csv] [--df NU]
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot


struct TwoClassData {
    var x: [Double]
    var labels: [String]
    /// Sorted distinct labels; class 0 is the first.
    var classes: [String] { Array(Set(labels)).sorted() }

    static func uniform(_ ranges: [ClosedRange<Double>], perClass: Int, generator: inout PolytailRandom) -> TwoClassData {
        var x: [Double] = [], labels: [String] = []
        for (k, r) in ranges.enumerated() {
            for _ in 0..<perClass {
                x.append(r.lowerBound + (r.upperBound - r.lowerBound) * generator.uniformPositive())
                labels.append(String(k))
            }
        }
        return TwoClassData(x: x, labels: labels)
    }

    static func read(_ path: String) throws -> TwoClassData {
        let table = try CSVTable.read(contentsOf: path)
        let x = try table.numericColumn("x")
        guard let labelColumn = table.header.firstIndex(of: "label") else {
            throw ScriptDataError("\(path): no column named \"label\" (columns: \(table.header.joined(separator: ", ")))")
        }
        let labels = table.rows.map { $0[labelColumn] }
        for (i, l) in labels.enumerated() where l.isEmpty {
            throw ScriptDataError("\(path): empty label at line \(table.line(ofRow: i))")
        }
        let data = TwoClassData(x: x, labels: labels)
        guard data.classes.count >= 2 else { throw ScriptDataError("\(path): needs at least two classes, found \(data.classes.count)") }
        return data
    }

    var matrix: Matrix { try! Matrix(rows: x.count, columns: 1, elements: x) }
}

struct Fig1: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig1",
        abstract: "Regenerate Fig. 1 of Wang & Loog (2022): LDA with Gaussian vs Student-t class conditionals, softmax vs softRmax.")

    @Option(help: "Output folder.") var out = "Output/fig1"
    @Option(help: "Random seed for the generated data.") var seed: UInt64 = 1
    @Option(help: "CSV with columns x,label replacing the generated data of every panel.") var train: String?
    @Option(help: "Degrees of freedom of the t-LDA curve with ν held fixed (the same ν for both classes).") var df: Double = 1
    @Option(help: "L2 weight decay of the softmax/softRmax regressors (softmax needs some on separable data).") var weightDecay: Double = 1e-3

    func validate() throws {
        guard df.isFinite, df > 0 else { throw ValidationError("--df must be a positive number") }
        guard weightDecay.isFinite, weightDecay >= 0 else { throw ValidationError("--weight-decay must be ≥ 0") }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        func file(_ name: String) -> URL { outURL.appendingPathComponent(name) }
        var generator = PolytailRandom(seed: seed)
        let dataAB = try train.map(TwoClassData.read) ?? .uniform([-2 ... -1, 1...2], perClass: 100, generator: &generator)
        let dataC = try train.map(TwoClassData.read) ?? .uniform([-1...0, 1...2], perClass: 100, generator: &generator)
        // x = −50 + i·0.1, i = 0…1000: both ends exact (a running sum would stop at 49.9).
        let grid = (0...1000).map { -50 + Double($0) * 0.1 }
        let gridMatrix = try Matrix(rows: grid.count, columns: 1, elements: grid)
        let probes = try Matrix(rows: 4, columns: 1, elements: [-1e6, -50, 50, 1e6])

        try writeCSV([("x", dataAB.x), ("class", dataAB.labels.map { Double(dataAB.classes.firstIndex(of: $0)!) })], to: file("data_ab.csv"))
        try writeCSV([("x", dataC.x), ("class", dataC.labels.map { Double(dataC.classes.firstIndex(of: $0)!) })], to: file("data_c.csv"))

        // (a), (b): discriminant analysis, shared scatter, empirical priors.
        progress("fitting the discriminant models …")
        let models: [(String, String, DiscriminantAnalysis<String>.Family)] = [
            ("gaussian_lda", "Gaussian LDA", .normal),
            ("t_lda_df\(SVGPlot.label(df))", "t-LDA, ν = \(SVGPlot.label(df)) (both classes)", .studentT(.fixed(df))),
            ("t_lda_tied_ml", "t-LDA, tied ML ν", .studentT(.estimated())),
            ("t_lda_per_class_ml", "t-LDA, per-class ML ν", .studentT(.estimatedPerGroup())),
        ]
        var curves: [(String, String, [Double])] = []
        var summary = "model,nu,p0_at_minus_1e6,p0_at_minus_50,p0_at_plus_50,p0_at_plus_1e6\n"
        for (key, title, family) in models {
            let lda = try DiscriminantAnalysis<String>.fit(dataAB.matrix, labels: dataAB.labels, family: family)
            let p0 = try lda.posteriors(gridMatrix).rowArrays.map { $0[0] }
            curves.append((key, title, p0))
            let tails = try lda.posteriors(probes).rowArrays.map { $0[0] }
            let nus = lda.conditionals.compactMap(\.degreesOfFreedom).map { SVGPlot.label($0) }.joined(separator: "/")
            summary += "\(key),\(nus.isEmpty ? "-" : nus),\(tails.map { "\($0)" }.joined(separator: ","))\n"
        }
        try writeCSV([("x", grid), ("p0_\(curves[0].0)", curves[0].2)], to: file("fig1a.csv"))
        try writeCSV([("x", grid)] + curves.map { ("p0_\($0.0)", $0.2) }, to: file("fig1b.csv"))
        try panel("(a) LDA, Gaussian class conditionals", grid, [curves[0]], dataAB).write(to: file("fig1a.svg"))
        try panel("(b) LDA, Student-t class conditionals", grid, curves, dataAB).write(to: file("fig1b.svg"))

        // (c): the linear regressor with softmax and softRmax outputs.
        progress("training the softmax and softRmax regressors …")
        let labelsC = dataC.labels.map { dataC.classes.firstIndex(of: $0)! }
        var regressors: [(String, String, [Double])] = []
        for output in [OutputLayer.softmax, .softRmax] {
            let fit = try LinearClassifier.fit(dataC.matrix, labels: labelsC, classCount: dataC.classes.count,
                                               output: output, weightDecay: weightDecay, optimizer: .lbfgs(maxIterations: 5000, tolerance: 1e-9))
            let p0 = try fit.classifier.posteriors(gridMatrix).rowArrays.map { $0[0] }
            regressors.append((output.rawValue.lowercased(), output == .softmax ? "softmax" : "softRmax", p0))
            let tails = try fit.classifier.posteriors(probes).rowArrays.map { $0[0] }
            summary += "\(output.rawValue.lowercased()),-,\(tails.map { "\($0)" }.joined(separator: ","))\n"
            progress("  \(output.rawValue): loss \(fit.result.loss), converged \(fit.result.converged)")
        }
        try writeCSV([("x", grid)] + regressors.map { ("p0_\($0.0)", $0.2) }, to: file("fig1c.csv"))
        try panel("(c) linear regressor: softmax vs softRmax", grid, regressors, dataC).write(to: file("fig1c.svg"))
        try summary.write(to: file("tails.csv"), atomically: true, encoding: .utf8)
        print(summary, terminator: "")
        progress("wrote \(outURL.path): fig1a, fig1b, fig1c (.csv, .svg), data_ab.csv, data_c.csv, tails.csv")
    }

    func panel(_ title: String, _ grid: [Double], _ curves: [(String, String, [Double])], _ data: TwoClassData) -> SVGPlot {
        var plot = SVGPlot(title: title, xLabel: "x", yLabel: "p(y₀ | x)")
        plot.xRange = -50...50
        plot.yRange = -0.05...1.05
        for (k, c) in curves.enumerated() {
            plot.series.append(SVGPlot.Series(name: c.1, x: grid, y: c.2, color: SVGPlot.palette[k], dashed: k >= 2))
        }
        let classes = data.classes
        for (k, cls) in classes.prefix(2).enumerated() {
            let xs = zip(data.x, data.labels).filter { $0.1 == cls }.map(\.0)
            plot.series.append(SVGPlot.Series(name: "class \(k) data", x: xs, y: xs.map { _ in k == 0 ? 1.0 : 0.0 },
                                              color: k == 0 ? "#555555" : "#aaaaaa", markers: true))
        }
        return plot
    }
}

Fig1.runAsScript()
