// fig2 — a notebook: decision regions over training epochs, softmax vs softRmax
// (Wang & Loog 2022, §3.2.2, Fig. 2).
//
//   swift run -c release fig2 [--out DIR] [--seed N] [--epochs 1,10,100,1000] [--check | --record]
//
// It prints each step's numbers and the table and writes Output/fig2/README.md (the notebook),
// fig2.svg, the data and the grid posteriors as CSV and numbers.json. `--check` compares the
// numbers of the default run with Docs/numbers/fig2.json, which the docs quote; `--record`
// rewrites that file.
import ArgumentParser
import Foundation
import Polytail
import PolytailExperiments
import PolytailPlot

struct Fig2Script: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fig2",
        abstract: "Regenerate Fig. 2 of Wang & Loog (2022) as a notebook: posterior colour bands over training epochs, softmax vs softRmax.")

    // MARK: Parameters

    @Option(help: "Output folder.") var out = "Output/fig2"
    @Option(help: "Seed of the data and of the training.") var seed: UInt64 = 1
    @Option(help: "Snapshot epochs, comma separated.") var epochs = "1,10,100,1000"
    @Option(help: "Points per data set.") var points = 200
    @Option(help: "Noise σ of the moons.") var noise = 0.1
    @Option(help: "Adam learning rate (both models and data sets).") var learningRate = 0.01
    @Option(help: "Mini-batch size.") var batchSize = 32
    @Option(help: "Grid cells per axis.") var resolution = 80
    @OptionGroup var numbers: NumbersOptions

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
        if numbers.comparing && (seed != 1 || epochs != "1,10,100,1000" || points != 200 || noise != 0.1 || learningRate != 0.01
                                 || batchSize != 32 || resolution != 80) {
            throw ValidationError("--check and --record compare the documented run: fig2 with every option at its default")
        }
    }

    func run() throws {
        let folder = try outputFolder(out)
        var book = Notebook(script: "fig2", title: "Fig. 2 — decision regions over training epochs, softmax against softRmax",
                            command: "swift run -c release fig2" + (seed == 1 ? "" : " --seed \(seed)") + (epochs == "1,10,100,1000" ? "" : " --epochs \(epochs)"))
        book.introduce("""
            Wang & Loog (2022), §3.2.2, Fig. 2: trained longer, a softmax classifier's posterior \
            becomes a step at the decision boundary — its weights grow without bound on separable \
            data — while the softRmax keeps ‖z‖ ≈ 1, so its weights stay small, its transition \
            stays wide, and the loss can only fall by moving the boundary away from the points.
            """)
        book.parameter("--seed", "\(seed)", "seed of the data and of the training")
        book.parameter("--epochs", epochs, "snapshot epochs")
        book.parameter("--points", "\(points)", "points per data set")
        book.parameter("--noise", SVGPlot.label(noise), "noise σ of the moons")
        book.parameter("--learning-rate", SVGPlot.label(learningRate), "Adam's learning rate (the paper gives none for this figure)")
        book.parameter("--batch-size", "\(batchSize)", "mini-batch size")
        book.parameter("--resolution", "\(resolution)", "grid cells per axis")

        // MARK: 1. The data
        book.step("Two training sets in the plane", """
            "separable": two Gaussian blobs (σ = 0.6) centred at (−1.2, −0.3) and (1.2, 0.3), with \
            the strip |x₁| < 0.25 kept empty, so a vertical line separates them; "moons": \
            scikit-learn's `make_moons` recipe with Gaussian noise. Both drawn from the seeded \
            generator.
            """)
        let sets = [Fig2.DataSet(name: "separable", points: Fig2.separable(points, seed: seed)),
                    Fig2.DataSet(name: "moons", points: Fig2.moons(points, noise: noise, seed: seed &+ 1))]
        for set in sets {
            book.number("data.\(set.name).count", Double(set.points.x.count), label: "\(set.name): points", tolerance: .absolute(0), format: "%.0f")
        }

        // MARK: 2. Training snapshots
        let settings = Fig2.Settings(epochs: epochList, learningRate: learningRate, batchSize: batchSize, resolution: resolution)
        book.step("Train softmax and softRmax, snapshot after each of \(epochs) epochs", """
            The separable set is fitted by the linear classifier z = xW + b, the moons by the MLP \
            2 → 32 → 32 → 2, both by mini-batch Adam from the same seed for both heads. A snapshot \
            after E epochs is a fresh run of E epochs from that seed (Adam's shuffling and updates \
            are deterministic, so it equals stopping one run). Per snapshot: the training NLL, the \
            scale — ‖w₁ − w₀‖ for the linear model, the median ‖∇ₓM_z‖₂ for the MLP — and the signed \
            distance of the training points to the decision boundary (exact for the linear model, on \
            the grid for the MLP).
            """)
        let snapshots = try Fig2.compute(sets, settings: settings, seed: seed, folder: folder)
        let gridStep = sets.map { ($0.xRange.upperBound - $0.xRange.lowerBound) / Double(resolution) }.max()!
        Fig2.keepNumbers(snapshots, gridStep: gridStep, in: &book)
        let last = settings.epochs.last!
        for name in ["separable", "moons"] {
            for model in ["softmax", "softRmax"] {
                if let s = snapshots.first(where: { $0.dataset == name && $0.model == model && $0.epoch == last }) {
                    book.number("headline.\(name).\(model).scale", s.scale, label: "\(name), \(model), epoch \(last): scale",
                                tolerance: name == "moons" && model == "softRmax" ? .orderOfMagnitude : .networkStatistic, format: "%.3g")
                    book.number("headline.\(name).\(model).min_distance", s.minimumMargin,
                                label: "\(name), \(model), epoch \(last): smallest distance to the boundary",
                                tolerance: name == "separable" ? .absolute(0.02) : .absolute(gridStep), format: "%.3f")
                }
            }
        }

        // MARK: 3. The figure and the table
        book.step("Posterior bands over the epochs (Fig. 2)", """
            One row per data set and model, one column per snapshot; the colour is p(y = 1 | x) in \
            ten bands from blue (0) through white (½) to red (1). A softmax band that narrows to a \
            line is a posterior that has become a step.
            """)
        let header = "\(points) points per set, seed \(seed); Adam, learning rate \(learningRate), batch \(batchSize). Separable set: linear classifier; moons (noise \(noise)): MLP 2 → 32 → 32 → 2."
        book.include(try Fig2.write(snapshots, sets: sets, settings: settings, header: header, to: folder))
        book.figure("fig2.svg", caption: "Fig. 2: p(y = 1 | x) after \(epochs) epochs; rows: separable/softmax, separable/softRmax, moons/softmax, moons/softRmax")

        book.file("snapshots.csv", "the table; `<set>_points.csv` the data, `<set>_<model>_epoch<E>.csv` the grid posteriors; `numbers.json` every number kept")
        try book.finish(folder: folder, numbersFile: Notebook.numbersFile("fig2"), mode: numbers.mode)
        progress("fig2: wrote \(folder.path)/README.md and the figure")
    }
}

Fig2Script.runAsScript()
