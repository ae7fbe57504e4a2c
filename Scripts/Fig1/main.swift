// fig1 — a notebook: Fig. 1 of Wang & Loog (2022), posteriors p(y₀ | x) of 1-D two-class
// models with exponential and polynomial tails.
//
//   swift run -c release fig1 [--out DIR] [--seed N] [--train FILE.csv] [--df NU] [--weight-decay L]
//                             [--check | --record]
//
// It prints each step's numbers and writes Output/fig1/README.md (the notebook: prose, figures
// and numbers in order), the figures, the curves as CSV and numbers.json. `--check` compares
// the numbers with Docs/numbers/fig1.json, which the docs quote; `--record` rewrites that file.
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot

struct Fig1: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig1",
        abstract: "Regenerate Fig. 1 of Wang & Loog (2022) as a notebook: LDA with Gaussian vs Student-t class conditionals, softmax vs softRmax.")

    // MARK: Parameters

    @Option(help: "Output folder.") var out = "Output/fig1"
    @Option(help: "Random seed for the generated data.") var seed: UInt64 = 1
    @Option(help: "CSV with columns x,label replacing the generated data of every panel.") var train: String?
    @Option(help: "Degrees of freedom of the t-LDA curve with ν held fixed (the same ν for both classes).") var df: Double = 1
    @Option(help: "L2 weight decay of the softmax/softRmax regressors (softmax needs some on separable data).") var weightDecay: Double = 1e-3
    @Flag(help: "Compare the numbers with Docs/numbers/fig1.json within their tolerances; exit 1 if one moved.") var check = false
    @Flag(help: "Rewrite Docs/numbers/fig1.json with this run's numbers.") var record = false
    @Option(help: "The numbers file for --check and --record.") var numbers = "Docs/numbers/fig1.json"

    /// Where the posteriors are drawn (x = −50 … 50 in steps of 0.1, each value exact to the
    /// nearest double) and the far points where the tail limits are read off.
    static let grid = (0...1000).map { Double($0 - 500) / 10 }
    static let probes: [(key: String, x: Double, text: String)] = [
        ("minus_1e6", -1e6, "−10⁶"), ("minus_50", -50, "−50"), ("plus_50", 50, "+50"), ("plus_1e6", 1e6, "+10⁶"),
    ]

    func validate() throws {
        guard df.isFinite, df >= StudentT.minimumDegreesOfFreedom else { throw ValidationError("--df must be finite and ≥ \(StudentT.minimumDegreesOfFreedom), got \(df)") }
        guard weightDecay.isFinite, weightDecay >= 0 else { throw ValidationError("--weight-decay must be ≥ 0") }
        guard !(check && record) else { throw ValidationError("--check and --record exclude each other") }
        guard !((check || record) && (train != nil || seed != 1 || df != 1 || weightDecay != 1e-3)) else {
            throw ValidationError("--check and --record compare the default run: leave --seed, --train, --df and --weight-decay at their defaults")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        var book = Notebook(script: "fig1", title: "Fig. 1 — posteriors far from the data: exponential against polynomial tails",
                            command: "swift run -c release fig1" + (seed == 1 ? "" : " --seed \(seed)") + (df == 1 ? "" : " --df \(df)"))
        book.introduce("""
            Wang & Loog (2022), §3.1: a classifier is *conservative* if its posteriors return to the \
            random-guess level 1/k far from the data (Eq. 5). Exponential tails — Gaussian class \
            conditionals, the softmax — give one-hot posteriors there instead; polynomial tails — \
            Student-t class conditionals with one ν, the softRmax — give 1/k. This notebook \
            reproduces the three panels of Fig. 1 and reads the posteriors off at x = ±50 and ±10⁶.
            """)
        book.parameter("--seed", "\(seed)", "random seed of the generated data")
        book.parameter("--train", train ?? "(generated)", "CSV with columns x,label used instead of the generated data")
        book.parameter("--df", SVGPlot.label(df), "ν of the t-LDA curve with ν held fixed (both classes)")
        book.parameter("--weight-decay", SVGPlot.label(weightDecay), "L2 penalty of the softmax/softRmax regressors")

        // MARK: 1. The data
        book.step("Two classes on a line", """
            The paper draws class y₀ uniformly on [−2, −1] and class y₁ on [1, 2] for the LDA panels \
            (a, b), and on [−1, 0] and [1, 2] for the regressors (c); 100 points per class here.
            """)
        var generator = PolytailRandom(seed: seed)
        let dataAB = try train.map(TwoClassData.read) ?? .uniform([-2 ... -1, 1...2], perClass: 100, generator: &generator)
        let dataC = try train.map(TwoClassData.read) ?? .uniform([-1...0, 1...2], perClass: 100, generator: &generator)
        try dataAB.write(to: file("data_ab.csv"))
        try dataC.write(to: file("data_c.csv"))
        book.number("data.ab.count", Double(dataAB.x.count), label: "points in panels (a, b)", tolerance: .absolute(0), format: "%.0f")
        book.number("data.c.count", Double(dataC.x.count), label: "points in panel (c)", tolerance: .absolute(0), format: "%.0f")
        book.file("data_ab.csv", "the data of panels (a, b); `data_c.csv` those of panel (c)")

        // MARK: 2. Gaussian LDA
        book.step("Gaussian LDA is one-hot in the tails (Fig. 1a)", """
            With normal class conditionals and one shared variance the log-odds are linear in x \
            (Eq. 7), so p(y₀ | x) → 1 as x → −∞ and → 0 as x → +∞: the model is certain about \
            points it has never seen anything like.
            """)
        let gaussian = try posteriorCurve(dataAB, family: .normal)
        report(&book, key: "gaussian_lda", name: "Gaussian LDA", gaussian, tolerance: .absolute(1e-9))
        try writeCSV([("x", Fig1.grid), ("p0_gaussian_lda", gaussian.curve)], to: file("fig1a.csv"))
        try SVGPlot.posteriorPanel("(a) LDA, Gaussian class conditionals", x: Fig1.grid, curves: [("Gaussian LDA", gaussian.curve)],
                                   classes: dataAB.byClass).write(to: file("fig1a.svg"))
        book.figure("fig1a.svg", caption: "Fig. 1a: p(y₀ | x) of Gaussian LDA")

        // MARK: 3. t-LDA with one fixed ν
        book.step("t-LDA with one ν for both classes returns to ½ (Fig. 1b)", """
            Replacing the normals by Student-t densities with the *same* ν (and a shared scale) \
            makes both class conditionals fall off like |x|^−(ν+1): their ratio tends to 1 and the \
            posterior to the prior, ½ — conservativeness (Eq. 5). ν = 1 is the Cauchy that \
            inspires the softRmax.
            """)
        let fixed = try posteriorCurve(dataAB, family: .studentT(.fixed(df)))
        report(&book, key: "t_lda_fixed", name: "t-LDA, ν = \(SVGPlot.label(df))", fixed, tolerance: .absolute(1e-6))

        // MARK: 4. t-LDA with maximum-likelihood ν
        book.step("Maximum-likelihood ν brings the Gaussian back", """
            Uniform classes are *lighter*-tailed than a normal, so their maximum-likelihood ν is \
            infinite: the fits stop at the bound 10⁶, and a t with ν = 10⁶ is a normal until \
            (x − μ)²/σ² is of the order of ν. The curves coincide with Gaussian LDA at ±50 and turn \
            back towards ½ only near ±10⁶. The polynomial tail has to be *chosen*; the data alone \
            argue for the Gaussian.
            """)
        let tied = try posteriorCurve(dataAB, family: .studentT(.estimated()))
        report(&book, key: "t_lda_tied_ml", name: "t-LDA, tied ML ν", tied, tolerance: .absolute(1e-3))
        let perClass = try posteriorCurve(dataAB, family: .studentT(.estimatedPerGroup()))
        report(&book, key: "t_lda_per_class_ml", name: "t-LDA, per-class ML ν", perClass, tolerance: .absolute(1e-3))
        let curvesB = [("Gaussian LDA", gaussian.curve), ("t-LDA, ν = \(SVGPlot.label(df)) (both classes)", fixed.curve),
                       ("t-LDA, tied ML ν", tied.curve), ("t-LDA, per-class ML ν", perClass.curve)]
        try writeCSV([("x", Fig1.grid), ("p0_gaussian_lda", gaussian.curve), ("p0_t_lda_df\(SVGPlot.label(df))", fixed.curve),
                      ("p0_t_lda_tied_ml", tied.curve), ("p0_t_lda_per_class_ml", perClass.curve)], to: file("fig1b.csv"))
        try SVGPlot.posteriorPanel("(b) LDA, Student-t class conditionals", x: Fig1.grid, curves: curvesB,
                                   classes: dataAB.byClass).write(to: file("fig1b.svg"))
        book.figure("fig1b.svg", caption: "Fig. 1b: p(y₀ | x) of t-LDA with a fixed and with maximum-likelihood ν, beside Gaussian LDA")

        // MARK: 5. softmax against softRmax
        book.step("The softmax is one-hot, the softRmax conservative (Fig. 1c)", """
            A linear regressor z = w x + b with a softmax output is multi-class logistic regression \
            (Eq. 8): exponential, so one-hot far out. The softRmax replaces e^{zᵢ} by ‖z − eᵢ‖⁻² \
            (Eq. 12–13), a ratio of terms of equal degree that tends to 1/k. Both are fitted by \
            L-BFGS with a small weight decay (the softmax weights of separable data grow without it).
            """)
        let labelsC = dataC.labels.map { dataC.classes.firstIndex(of: $0)! }
        var regressors: [(String, [Double])] = []
        for output in [OutputLayer.softmax, .softRmax] {
            let fit = try LinearClassifier.fit(dataC.matrix, labels: labelsC, classCount: dataC.classes.count,
                                               output: output, weightDecay: weightDecay, optimizer: .lbfgs(maxIterations: 5000, tolerance: 1e-9))
            let curve = try fit.model.posteriors(Fig1.gridMatrix).rowArrays.map { $0[0] }
            let tails = try fit.model.posteriors(Fig1.probeMatrix).rowArrays.map { $0[0] }
            let name = output == .softmax ? "softmax" : "softRmax"
            regressors.append((name, curve))
            // The softmax's far tail is e^(−hundreds): compare its logarithm's size, not its digits.
            report(&book, key: name, name: "\(name) regressor", (curve, tails, nil),
                   tolerance: output == .softmax ? .relative(1e-2) : .absolute(1e-4))
        }
        try writeCSV([("x", Fig1.grid)] + regressors.map { ("p0_\($0.0.lowercased())", $0.1) }, to: file("fig1c.csv"))
        try SVGPlot.posteriorPanel("(c) linear regressor: softmax vs softRmax", x: Fig1.grid, curves: regressors,
                                   classes: dataC.byClass).write(to: file("fig1c.svg"))
        book.figure("fig1c.svg", caption: "Fig. 1c: p(y₀ | x) of the softmax and the softRmax regressor")

        try book.finish(folder: folder, numbersFile: URL(fileURLWithPath: numbers), mode: check ? .check : record ? .record : .none)
        FileHandle.standardError.write("fig1: wrote \(folder.path)/README.md and the figures\n".data(using: .utf8)!)
    }

    // MARK: Helpers

    static var gridMatrix: Matrix { try! Matrix(rows: grid.count, columns: 1, elements: grid) }
    static var probeMatrix: Matrix { try! Matrix(rows: probes.count, columns: 1, elements: probes.map(\.x)) }

    /// Fits discriminant analysis (shared scatter, empirical priors) and returns p(y₀ | x) on
    /// the grid and at the probes, and the fitted ν per class.
    func posteriorCurve(_ data: TwoClassData, family: DiscriminantAnalysis<String>.Family) throws
        -> (curve: [Double], tails: [Double], nu: [Double]?) {
        let lda = try DiscriminantAnalysis<String>.fit(data.matrix, labels: data.labels, family: family).model
        let curve = try lda.posteriors(Fig1.gridMatrix).rowArrays.map { $0[0] }
        let tails = try lda.posteriors(Fig1.probeMatrix).rowArrays.map { $0[0] }
        let nu = lda.conditionals.compactMap(\.degreesOfFreedom)
        return (curve, tails, nu.isEmpty ? nil : nu)
    }

    /// Records the tail posteriors (and ν) of one model.
    func report(_ book: inout Notebook, key: String, name: String, _ r: (curve: [Double], tails: [Double], nu: [Double]?),
                tolerance: Notebook.Tolerance) {
        if let nu = r.nu {
            for (k, v) in nu.enumerated() {
                book.number("\(key).nu\(k)", v, label: "\(name): ν of class \(k)", tolerance: .relative(1e-6))
            }
        }
        for (probe, p) in zip(Fig1.probes, r.tails) {
            book.number("\(key).p0_at_\(probe.key)", p, label: "\(name): p(y₀ | x = \(probe.text))", tolerance: tolerance)
        }
    }
}

/// Labelled 1-D data of two classes.
struct TwoClassData {
    var x: [Double]
    var labels: [String]
    /// Sorted distinct labels; class 0 is the first.
    var classes: [String] { Array(Set(labels)).sorted() }
    var matrix: Matrix { try! Matrix(rows: x.count, columns: 1, elements: x) }
    /// The points of each class, in class order.
    var byClass: [[Double]] { classes.map { c in zip(x, labels).filter { $0.1 == c }.map(\.0) } }

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

    func write(to url: URL) throws {
        try writeCSV([("x", x), ("class", labels.map { Double(classes.firstIndex(of: $0)!) })], to: url)
    }
}

Fig1.runAsScript()
