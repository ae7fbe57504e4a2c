import Foundation

/// A grouped bar chart in SVG: one group per category on the x axis, one bar per series
/// inside each group, optional reference markers (e.g. the paper's values) drawn as short
/// black ticks over the bars. Values are plotted as given (e.g. accuracies in %).
///
/// A value at the bottom of the axis (an accuracy of 0 %) is drawn as a solid bar edge on the
/// axis with its value written above it; a missing value (NaN) as a grey "n/a" — so a zero
/// never looks like a bar that is not there.
public struct GroupedBarChart: SVGPicture {
    public struct Series {
        public var name: String
        public var color: String
        /// One value per group; NaN: missing.
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
    /// Group names may contain "\n" to break the x-axis label over two lines.
    public var groups: [String]
    public var series: [Series] = []
    public var yRange: ClosedRange<Double> = 0...100
    public var width = 900.0
    public var height = 420.0
    /// A note printed under the legend (e.g. "black ticks: paper").
    public var note: String? = nil

    public init(title: String, yLabel: String, groups: [String]) {
        self.title = title; self.yLabel = yLabel; self.groups = groups
    }

    /// Legend entries below the plot, two per row: the series, a key to the zero and missing
    /// marks, and the note.
    var legendEntryCount: Int { series.count + 1 + (note == nil ? 0 : 1) }

    public func render() -> String {
        let left = 60.0, right = 20.0, top = 40.0
        let h = renderedHeight
        let plotW = width - left - right, plotH = height - 40 - 70
        let area = PlotArea(left: left, top: top, width: plotW, height: plotH, x: 0...1, y: yRange)
        /// The pixel of y, clamped to the axis.
        func py(_ y: Double) -> Double { area.py(min(max(y, yRange.lowerBound), yRange.upperBound)) }
        var out = SVGText.header(width: width, height: h, fontSize: 12, title: title, titleX: width / 2, titleY: 22, titleSize: 15)
        for t in SVGPlot.ticks(yRange, count: 5) {
            out += "<line x1=\"\(left)\" y1=\"\(py(t))\" x2=\"\(left + plotW)\" y2=\"\(py(t))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(py(t) + 4)\" text-anchor=\"end\">\(SVGPlot.label(t))</text>\n"
        }
        let groupW = plotW / Double(max(groups.count, 1))
        let barW = groupW * 0.8 / Double(max(series.count, 1))
        let base = py(yRange.lowerBound)
        // A bar shorter than this many pixels is drawn as a floor bar with its value on top.
        let floorHeight = 3.0
        for (g, name) in groups.enumerated() {
            let x0 = left + Double(g) * groupW + groupW * 0.1
            for (s, ser) in series.enumerated() where g < ser.values.count {
                let v = ser.values[g]
                let x = x0 + Double(s) * barW, w = barW * 0.92, mid = x + w / 2
                let opacity = ser.hatched ? "0.35" : "0.85"
                if !v.isFinite {
                    out += String(format: "<text x=\"%.2f\" y=\"%.2f\" transform=\"rotate(-90 %.2f %.2f)\" font-size=\"9\" fill=\"#888\">n/a</text>\n",
                                  mid + 3, base - 3, mid + 3, base - 3)
                } else if base - py(v) < floorHeight {
                    out += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\" stroke=\"%@\"/>\n",
                                  x, base - floorHeight, w, floorHeight, ser.color, ser.color)
                    out += String(format: "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"9\" fill=\"%@\">%@</text>\n",
                                  mid, base - floorHeight - 3, ser.color, SVGPlot.label((v * 10).rounded() / 10))
                } else {
                    out += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\" fill-opacity=\"%@\" stroke=\"%@\"/>\n",
                                  x, py(v), w, base - py(v), ser.color, opacity, ser.color)
                }
                if let refs = ser.references, g < refs.count, refs[g].isFinite {
                    out += String(format: "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\" stroke-width=\"2.5\"/>\n",
                                  x - 1, py(refs[g]), x + w + 1, py(refs[g]))
                }
            }
            // A group name may hold line breaks ("\n"): one text line each.
            for (i, line) in name.split(separator: "\n").enumerated() {
                out += "<text x=\"\(x0 + groupW * 0.4)\" y=\"\(top + plotH + 16 + 14 * Double(i))\" text-anchor=\"middle\">\(SVGText.markup(String(line)))</text>\n"
            }
            if g > 0 {
                let xs = left + Double(g) * groupW
                out += "<line x1=\"\(xs)\" y1=\"\(top)\" x2=\"\(xs)\" y2=\"\(top + plotH)\" stroke=\"#ccc\" stroke-dasharray=\"3,3\"/>\n"
            }
        }
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text transform=\"translate(16,\(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">\(SVGText.markup(yLabel))</text>\n"
        var entries = series.map { ($0.name, $0.color, $0.hatched ? "0.35" : "0.85") }
        entries.append(("a value of 0 (printed above it); n/a: no value", "floor", "1"))
        if let note { entries.append((note, "none", "0")) }
        for (i, (name, color, opacity)) in entries.enumerated() {
            let col = Double(i % 2), row = Double(i / 2)
            let x = left + col * plotW / 2, y = top + plotH + 50 + row * 16
            if color == "floor" {
                out += "<rect x=\"\(x)\" y=\"\(y - 3)\" width=\"14\" height=\"3\" fill=\"#555\"/>"
            } else if color != "none" {
                out += "<rect x=\"\(x)\" y=\"\(y - 10)\" width=\"14\" height=\"10\" fill=\"\(color)\" fill-opacity=\"\(opacity)\" stroke=\"\(color)\"/>"
            }
            out += "<text x=\"\(x + 20)\" y=\"\(y)\">\(SVGText.markup(name))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    /// The height of the rendered picture (the legend adds rows below the plot).
    var renderedHeight: Double {
        height - 20 + 16 * (Double(legendEntryCount + 1) / 2).rounded(.down)
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
