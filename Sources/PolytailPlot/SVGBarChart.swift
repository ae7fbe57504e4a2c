import Foundation

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
