// The data and model settings shared by the robustness figure scripts fig4, fig5 and fig6.
//
// - Data: the bundled UCI 8×8 digits (pixels in [0, 1]) with a seeded stratified 80/20 split,
//   or MNIST IDX files (`--data FOLDER`: the train/test split of the files, `--limit N` keeps
//   the first N images of each, `--test-limit N` the first N test images). Tasks: all 10
//   classes, or 3 vs 7 relabelled to 0/1.
// - Model: a ReLU MLP d → 128 → k (the paper uses four conv layers and one dense layer on
//   MNIST, §4.1.2; an MLP is what the library has), the same for softmax and softRmax, trained
//   by seeded mini-batch Adam (batch 32, learning rate 1e-3 as in the paper, no weight decay);
//   50 epochs on the digits, 10 on MNIST unless `--epochs` says otherwise (the settings of
//   PolytailPlot/RobustnessExperiment.swift, which table1 and table2 use).
import Foundation
import ArgumentParser
import Polytail

public func progress(_ text: String) { FileHandle.standardError.write((text + "\n").data(using: .utf8)!) }

/// One classification task: training and test images with labels 0..<classes.
public struct DigitsTask {
    public var name: String
    public var tag: String
    public var train: DigitImages
    public var test: DigitImages
    public var classes: Int
}

/// Where the images come from.
public struct DataSource {
    /// A folder with the MNIST IDX files, or nil for the bundled UCI digits.
    public var folder: String?
    /// Keep the first N images of each MNIST file.
    public var limit: Int?
    /// Keep the first N images of the MNIST test file (overrides `limit` for the test part).
    public var testLimit: Int? = nil
    /// Seed of the stratified split of the bundled digits.
    public var seed: UInt64

    public init(folder: String?, limit: Int?, testLimit: Int? = nil, seed: UInt64) {
        self.folder = folder
        self.limit = limit
        self.testLimit = testLimit
        self.seed = seed
    }

    public var description: String {
        guard let folder else { return "bundled UCI digits (8×8, 1,797 images), stratified 80/20 split, seed \(seed)" }
        return "MNIST IDX files in \(folder)" + (limit.map { ", first \($0) training images" } ?? "")
            + ((testLimit ?? limit).map { ", first \($0) test images" } ?? "")
    }

    /// The full 10-class data, split.
    public func load() throws -> (train: DigitImages, test: DigitImages) {
        if let folder {
            let train = try DigitImages.mnist(folder: folder, split: .train, limit: limit)
            let test = try DigitImages.mnist(folder: folder, split: .test, limit: testLimit ?? limit)
            return (train, test)
        }
        return try DigitImages.bundledUCI().split(testFraction: 0.2, seed: seed)
    }

    /// The tasks: "all" (10 classes) and/or "3v7" (3 → 0, 7 → 1).
    public func tasks(_ which: [String]) throws -> [DigitsTask] {
        let (train, test) = try load()
        var out: [DigitsTask] = []
        for tag in which {
            switch tag {
            case "all":
                out.append(DigitsTask(name: "10 classes", tag: "all", train: train, test: test, classes: 10))
            case "3v7":
                out.append(DigitsTask(name: "3 vs 7", tag: "3v7",
                                      train: try train.filter(classes: [3, 7], relabel: true),
                                      test: try test.filter(classes: [3, 7], relabel: true), classes: 2))
            default:
                throw PolytailError.invalidParameter(name: "task \(tag)", value: .nan, requirement: "one of all, 3v7")
            }
        }
        return out
    }
}

/// The network and its training settings.
public struct ModelSettings {
    public var hidden: [Int] = [128]
    public var epochs: Int = 50
    public var batchSize: Int = 32
    public var learningRate: Double = 1e-3
    public var weightDecay: Double = 0

    public init() {}

    public var description: String {
        "MLP d → \(hidden.map(String.init).joined(separator: " → ")) → k (ReLU), Adam, \(epochs) epochs, batch \(batchSize), learning rate \(learningRate), weight decay \(weightDecay)"
    }
}

/// A trained model under its display name.
public struct NamedModel {
    public var name: String
    public var output: OutputLayer
    public var model: Network
    public var testAccuracy: Double
}

/// Trains the softmax and the softRmax network on `task` from the same seed.
public func trainPair(_ task: DigitsTask, settings: ModelSettings, seed: UInt64) throws -> [NamedModel] {
    var out: [NamedModel] = []
    for (name, output) in [("softmax", OutputLayer.softmax), ("softRmax", OutputLayer.softRmax)] {
        let start = Date()
        var random = PolytailRandom(seed: seed)
        let (model, report) = try Network.fit(task.train.images, labels: task.train.labels, classCount: task.classes,
            hidden: settings.hidden, output: output, epochs: settings.epochs, batchSize: settings.batchSize,
            learningRate: settings.learningRate, weightDecay: settings.weightDecay, using: &random)
        let accuracy = try model.accuracy(task.test.images, labels: task.test.labels)
        progress(String(format: "  [%@] %@: trained in %.1f s, training accuracy %.2f %%, test accuracy %.2f %%",
                        task.name, name, Date().timeIntervalSince(start), 100 * report.trainingAccuracy, 100 * accuracy))
        out.append(NamedModel(name: name, output: output, model: model, testAccuracy: accuracy))
    }
    return out
}

/// A Markdown table.
public func markdownTable(_ header: [String], _ rows: [[String]], alignRightFrom: Int = 1) -> String {
    var s = "| " + header.joined(separator: " | ") + " |\n|"
    for i in header.indices { s += i >= alignRightFrom ? "---:|" : "---|" }
    s += "\n"
    for r in rows { s += "| " + r.joined(separator: " | ") + " |\n" }
    return s
}

public func percent(_ v: Double) -> String { String(format: "%.2f", 100 * v) }

/// The q-quantile (linear interpolation) of unsorted finite values; NaN when empty.
public func quantile(_ values: [Double], _ q: Double) -> Double {
    let s = values.filter(\.isFinite).sorted()
    guard !s.isEmpty else { return .nan }
    let h = q * Double(s.count - 1)
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
    return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
}

public func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

/// The rows of `m` listed in `indices`.
public func rows(_ m: Matrix, _ indices: [Int]) throws -> Matrix {
    var e: [Double] = []
    e.reserveCapacity(indices.count * m.columns)
    for r in indices { e += m.elements[(r * m.columns)..<((r + 1) * m.columns)] }
    return try Matrix(rows: indices.count, columns: m.columns, elements: e)
}

/// The data and network options the robustness figure scripts share (`@OptionGroup`).
public struct DigitsOptions: ParsableArguments {
    @Option(help: "Folder with the MNIST IDX files (default: the bundled UCI digits).") public var data: String?
    @Option(help: "Keep the first N images of each MNIST file.") public var limit: Int?
    @Option(help: "Keep the first N MNIST test images (default: --limit).") public var testLimit: Int?
    @Option(help: "Training epochs (default 50 on the digits, 10 on MNIST).") public var epochs: Int?
    @Option(help: "Hidden layer widths, comma separated.") public var hidden = "128"

    public init() {}

    public func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let testLimit, testLimit < 1 { throw ValidationError("--test-limit must be at least 1") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        guard hidden.split(separator: ",").allSatisfy({ Int($0).map { $0 > 0 } ?? false }) else {
            throw ValidationError("--hidden must be positive widths separated by commas, e.g. 128 or 256,128")
        }
    }

    /// Whether MNIST files (not the bundled digits) are used.
    public var isMNIST: Bool { data != nil }

    /// The data source; `defaultTestLimit` applies on MNIST when neither --test-limit nor
    /// --limit is given.
    public func source(seed: UInt64, defaultTestLimit: Int? = nil) -> DataSource {
        DataSource(folder: data, limit: limit, testLimit: testLimit ?? (limit == nil ? defaultTestLimit : nil), seed: seed)
    }

    /// The network settings: the widths of --hidden, --epochs or 50 (digits) / 10 (MNIST).
    public func settings() -> ModelSettings {
        var s = ModelSettings()
        s.hidden = hidden.split(separator: ",").map { Int($0)! }
        s.epochs = epochs ?? (isMNIST ? 10 : 50)
        return s
    }
}
