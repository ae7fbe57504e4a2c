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

/// A grouped bar chart in SVG: one group per category on the x axis, one bar per series
/// inside each group, optional reference markers (e.g. the paper's values) drawn as short
/// black ticks over the bars. Values are plotted as given (e.g. accuracies in %).
public struct GroupedBarChart {
    public struct Series {
        public var name: String
        public var color: String
        public var values: [Double]
        /// Reference values drawn as ticks over the bars (NaN: none).
        public var references: [Double]?
        /// Lighter fill (e.g. for the paper's attack against the adaptive one).
        public var hatched: Bool
        public init(name: String, color: String, values: [Double], references: [Double]? = nil, hatched: Bool = false) {
            self.name = name; self.color = color; self.values = values; self.references = references; self.hatched = hatched
        }
    }

    public var title: String
    public var yLabel: String
    public var groups: [String]
    public var series: [Series] = []
    public var yRange: ClosedRange<Double> = 0...100
    public var width = 900.0
    public var height = 420.0
    /// A note printed under the legend (e.g. "black ticks: paper").
    /// Group names may contain "\n" to break the x-axis label over two lines.
    public var note: String? = nil

    public init(title: String, yLabel: String, groups: [String]) {
        self.title = title; self.yLabel = yLabel; self.groups = groups
    }

    public func render() -> String {
        let legendRows = Double(series.count + (note == nil ? 0 : 1))
        let left = 60.0, right = 20.0, top = 40.0, bottom = 70.0 + 16 * ((legendRows + 1) / 2).rounded(.down)
        let h = renderedHeight
        let plotW = width - left - right, plotH = height - 40 - 70
        func py(_ y: Double) -> Double {
            let c = min(max(y, yRange.lowerBound), yRange.upperBound)
            return top + plotH - (c - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * plotH
        }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(h))" viewBox="0 0 \(Int(width)) \(Int(h))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(SVGPlot.escape(title))</text>

        """
        for t in SVGPlot.ticks(yRange, count: 5) {
            out += "<line x1=\"\(left)\" y1=\"\(py(t))\" x2=\"\(left + plotW)\" y2=\"\(py(t))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(py(t) + 4)\" text-anchor=\"end\">\(SVGPlot.label(t))</text>\n"
        }
        let groupW = plotW / Double(max(groups.count, 1))
        let barW = groupW * 0.8 / Double(max(series.count, 1))
        for (g, name) in groups.enumerated() {
            let x0 = left + Double(g) * groupW + groupW * 0.1
            for (s, ser) in series.enumerated() where g < ser.values.count {
                let v = ser.values[g]
                let x = x0 + Double(s) * barW
                if v.isFinite {
                    out += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\" fill-opacity=\"%@\" stroke=\"%@\"/>\n",
                                  x, py(v), barW * 0.92, max(py(yRange.lowerBound) - py(v), 0), ser.color,
                                  ser.hatched ? "0.35" : "0.85", ser.color)
                }
                if let refs = ser.references, g < refs.count, refs[g].isFinite {
                    out += String(format: "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\" stroke-width=\"2.5\"/>\n",
                                  x - 1, py(refs[g]), x + barW * 0.92 + 1, py(refs[g]))
                }
            }
            // A group name may hold line breaks ("\n"): one text line each.
            for (i, line) in name.split(separator: "\n").enumerated() {
                out += "<text x=\"\(x0 + groupW * 0.4)\" y=\"\(top + plotH + 16 + 14 * Double(i))\" text-anchor=\"middle\">\(SVGPlot.escape(String(line)))</text>\n"
            }
            if g > 0 {
                let xs = left + Double(g) * groupW
                out += "<line x1=\"\(xs)\" y1=\"\(top)\" x2=\"\(xs)\" y2=\"\(top + plotH)\" stroke=\"#ccc\" stroke-dasharray=\"3,3\"/>\n"
            }
        }
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text transform=\"translate(16,\(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">\(SVGPlot.escape(yLabel))</text>\n"
        var entries = series.map { ($0.name, $0.color, $0.hatched ? "0.35" : "0.85") }
        if let note { entries.append((note, "none", "0")) }
        for (i, (name, color, opacity)) in entries.enumerated() {
            let col = Double(i % 2), row = Double(i / 2)
            let x = left + col * plotW / 2, y = top + plotH + 50 + row * 16
            if color != "none" {
                out += "<rect x=\"\(x)\" y=\"\(y - 10)\" width=\"14\" height=\"10\" fill=\"\(color)\" fill-opacity=\"\(opacity)\" stroke=\"\(color)\"/>"
            }
            out += "<text x=\"\(x + 20)\" y=\"\(y)\">\(SVGPlot.escape(name))</text>\n"
        }
        _ = bottom
        out += "</svg>\n"
        return out
    }

    public func write(to url: URL) throws {
        try render().write(to: url, atomically: true, encoding: .utf8)
    }

    /// The height of the rendered picture (the legend adds rows below the plot).
    var renderedHeight: Double {
        let legendRows = Double(series.count + (note == nil ? 0 : 1))
        return height - 20 + 16 * ((legendRows + 1) / 2).rounded(.down)
    }

    /// Several charts one above the other in one SVG document.
    public static func stacked(_ charts: [GroupedBarChart]) -> String {
        let w = charts.map(\.width).max() ?? 0
        let h = charts.map(\.renderedHeight).reduce(0, +)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\">\n"
        var y = 0.0
        for chart in charts {
            // Each chart is a nested <svg> placed at its offset.
            out += chart.render().replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", with: "<svg y=\"\(y)\" ")
            y += chart.renderedHeight
        }
        return out + "</svg>\n"
    }
}
