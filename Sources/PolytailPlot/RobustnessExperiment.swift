import Foundation
import Polytail

/// Shared pieces of the robustness scripts (table1, table2, fig2, fig4, fig5, fig6): the data
/// (the shipped 8 × 8 digits or MNIST IDX files), the network settings, training the softmax
/// and softRmax twins, Markdown tables and a grouped bar chart. Not part of the library product.
///
/// The paper (Wang & Loog 2022, §4.1.2, §4.2.1) uses four convolutional layers and one fully
/// connected layer on MNIST, Adam with learning rate 1e-3 and batch size 32. Polytail has no
/// convolutions; the scripts use a ReLU MLP d → 128 → k with the same optimiser, learning
/// rate and batch size, and the only difference between the two models is the output layer.
public enum RobustnessExperiment {
    /// Writes one line of progress to standard error.
    public static func log(_ text: String) {
        FileHandle.standardError.write((text + "\n").data(using: .utf8)!)
    }

    /// A training and a test part with labels 0..<classes.
    public struct Dataset: Sendable {
        /// "UCI digits 8×8" or "MNIST", with the task appended (e.g. "3 vs 7").
        public let name: String
        public let train: DigitImages
        public let test: DigitImages
        /// The original digit of every class index (e.g. [3, 7] for the binary task).
        public let digits: [Int]
        public var classes: Int { digits.count }
        /// True for MNIST.
        public let isMNIST: Bool

        public init(name: String, train: DigitImages, test: DigitImages, digits: [Int], isMNIST: Bool) {
            self.name = name; self.train = train; self.test = test; self.digits = digits; self.isMNIST = isMNIST
        }

        /// The subset of the given digits, relabelled 0..<digits.count in that order.
        public func restricted(to wanted: [Int]) throws -> Dataset {
            let positions = try wanted.map { d -> Int in
                guard let p = digits.firstIndex(of: d) else { throw PolytailError.unknownLabel(String(d)) }
                return p
            }
            return Dataset(name: name + ", " + wanted.map(String.init).joined(separator: " vs "),
                           train: try train.filter(classes: positions, relabel: true),
                           test: try test.filter(classes: positions, relabel: true),
                           digits: wanted, isMNIST: isMNIST)
        }
    }

    /// The shipped UCI digits split 80/20 (stratified, seeded), or — when `folder` is given —
    /// MNIST's own train and test files from that folder (first `limit` images of each).
    /// Pixels are in [0, 1] either way.
    public static func load(folder: String?, limit: Int?, seed: UInt64) throws -> Dataset {
        if let folder {
            let train = try DigitImages.mnist(folder: folder, split: .train, limit: limit)
            let test = try DigitImages.mnist(folder: folder, split: .test, limit: limit)
            return Dataset(name: "MNIST (IDX files in \(URL(fileURLWithPath: folder).lastPathComponent))", train: train, test: test, digits: Array(0..<10), isMNIST: true)
        }
        let all = try DigitImages.bundledUCI()
        let (train, test) = try all.split(testFraction: 0.2, seed: seed)
        return Dataset(name: "UCI digits 8×8", train: train, test: test, digits: Array(0..<10), isMNIST: false)
    }

    /// The network and its training (the same in every robustness script).
    public struct NetworkSettings: Sendable, CustomStringConvertible {
        public var hidden: [Int]
        public var epochs: Int
        public var batchSize: Int
        public var learningRate: Double
        public var weightDecay: Double

        public init(hidden: [Int] = [128], epochs: Int = 50, batchSize: Int = 32, learningRate: Double = 1e-3,
                    weightDecay: Double = 0) {
            self.hidden = hidden; self.epochs = epochs; self.batchSize = batchSize
            self.learningRate = learningRate; self.weightDecay = weightDecay
        }

        /// 50 epochs on the 1,437 shipped training digits; 10 on MNIST (60,000 images).
        public static func defaults(mnist: Bool) -> NetworkSettings {
            NetworkSettings(epochs: mnist ? 10 : 50)
        }

        public var description: String {
            "MLP d→\(hidden.map(String.init).joined(separator: "→"))→k, ReLU, Adam lr \(learningRate), batch \(batchSize), \(epochs) epochs, weight decay \(weightDecay)"
        }
    }

    /// A trained model with its output layer's name.
    public struct TrainedModel: Sendable {
        public let output: OutputLayer
        public let model: Network
        public let report: TrainingReport
        public var name: String { output.rawValue }
    }

    /// Trains the softmax and the softRmax network on `data.train` with the same seed (so the
    /// same initial weights and batch order): the output layer is the only difference.
    public static func trainPair(_ data: Dataset, settings: NetworkSettings, seed: UInt64) throws -> [TrainedModel] {
        try [OutputLayer.softmax, .softRmax].map { output in
            let start = Date()
            var random = PolytailRandom(seed: seed)
            let (model, report) = try Network.fit(data.train.images, labels: data.train.labels, classCount: data.classes,
                hidden: settings.hidden, output: output, epochs: settings.epochs, batchSize: settings.batchSize,
                learningRate: settings.learningRate, weightDecay: settings.weightDecay, using: &random)
            let accuracy = try model.accuracy(data.test.images, labels: data.test.labels)
            log(String(format: "  %@ %@: train loss %.4f, train acc %.2f%%, test acc %.2f%% (%.1f s)",
                       data.name, output.rawValue, report.finalLoss, 100 * report.trainingAccuracy, 100 * accuracy,
                       Date().timeIntervalSince(start)))
            return TrainedModel(output: output, model: model, report: report)
        }
    }

    /// 100·x with two decimals ("97.50"); "–" for NaN.
    public static func percent(_ x: Double) -> String {
        x.isNaN ? "–" : String(format: "%.2f", 100 * x)
    }

    /// A Markdown table; columns after the first `leftColumns` are right-aligned.
    public static func markdownTable(header: [String], rows: [[String]], leftColumns: Int = 1) -> String {
        var out = "| " + header.joined(separator: " | ") + " |\n|"
        for i in header.indices { out += i < leftColumns ? "---|" : "---:|" }
        out += "\n"
        for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }

    /// Writes rows of strings as CSV (fields containing a comma or quote are quoted).
    public static func writeCSV(header: [String], rows: [[String]], to url: URL) throws {
        func field(_ s: String) -> String {
            s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var text = header.map(field).joined(separator: ",") + "\n"
        for row in rows { text += row.map(field).joined(separator: ",") + "\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Creates `path` (and parents) and returns it as a URL.
    public static func outputFolder(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
