import Foundation

/// A small SVG line-and-bar chart writer for the figure scripts: no dependencies, a
/// picture any browser opens. Not part of the `Polytail` library product.
///
/// The legend is drawn inside the frame, on a white box, at the place where it covers the
/// fewest drawn points (``LegendPlacement/automatic``), so the axes keep their natural ranges.
public struct SVGPlot: SVGPicture {
    /// How the points of a series marked with `markers: true` are drawn.
    public enum Marker: Sendable {
        /// A small filled dot (ordinary observations).
        case dot
        /// A larger open ring (points to single out, e.g. outliers).
        case ring
        /// A larger ×.
        case cross
    }

    public struct Series {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var color: String
        public var dashed: Bool
        /// Draw the points as markers instead of joining them by a line.
        public var markers: Bool
        /// The marker shape when `markers` is true.
        public var marker: Marker
        public init(name: String, x: [Double], y: [Double], color: String, dashed: Bool = false, markers: Bool = false,
                    marker: Marker = .dot) {
            self.name = name; self.x = x; self.y = y; self.color = color; self.dashed = dashed; self.markers = markers
            self.marker = marker
        }
    }

    public struct Bars {
        public var edges: [Double]
        public var heights: [Double]
        public var color: String
        public var name: String
        public init(edges: [Double], heights: [Double], color: String, name: String) {
            self.edges = edges; self.heights = heights; self.color = color; self.name = name
        }
    }

    /// A vertical line across the whole plot at `x` (e.g. the random-guess posterior 1/k); it
    /// does not widen the y range.
    public struct ReferenceLine {
        public var x: Double
        public var name: String
        public var color: String
        public init(x: Double, name: String, color: String = "#777777") { self.x = x; self.name = name; self.color = color }
    }

    /// Where the legend goes.
    public enum LegendPlacement: Sendable, Equatable {
        /// Inside the frame, at the one of nine positions (corners, edge middles, centre)
        /// that covers the fewest drawn points.
        case automatic
        case topLeft, topRight, bottomLeft, bottomRight
        /// No legend.
        case hidden
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var bars: [Bars] = []
    public var referenceLines: [ReferenceLine] = []
    public var xRange: ClosedRange<Double>? = nil
    public var yRange: ClosedRange<Double>? = nil
    /// Plot y on a log₁₀ axis (non-positive values are dropped).
    public var logY = false
    /// Plot x on a log₁₀ axis, ticks at 1-2-5 or whole decades (non-positive values are dropped).
    public var logX = false
    public var width = 640.0
    public var height = 420.0
    public var legend = LegendPlacement.automatic
    /// Entries per legend row (long legends read better in two columns).
    public var legendColumns = 1

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    }

    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]

    private func transformY(_ y: Double) -> Double? {
        guard y.isFinite else { return nil }
        if logY { return y > 0 ? log10(y) : nil }
        return y
    }

    /// Round tick positions covering `range` (about `count` of them).
    static func ticks(_ range: ClosedRange<Double>, count: Int = 6) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var t = ceil(range.lowerBound / step) * step
        var out: [Double] = []
        while t <= range.upperBound + 1e-9 * step { out.append(abs(t) < 1e-12 * step ? 0 : t); t += step }
        return out
    }

    public static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e4 || abs(v) < 1e-3 { return String(format: "%.0e", v) }
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// Escapes `s` for an SVG text node; ``SVGText/markup(_:)`` also sets Greek letters.
    static func escape(_ s: String) -> String { SVGText.escape(s) }

    /// Tick positions (in log₁₀ units) for a log axis: whole decades, plus 2× and 5× when the
    /// range spans fewer than three decades; every other decade beyond eight.
    static func logTicks(_ range: ClosedRange<Double>) -> [Double] {
        guard range.lowerBound.isFinite, range.upperBound.isFinite else { return [] }
        let span = range.upperBound - range.lowerBound
        let multiples: [Double] = span < 3 ? [1, 2, 5] : [1]
        let stride = span > 8 ? 2 : 1
        var out: [Double] = []
        for decade in Int(floor(range.lowerBound))...Int(ceil(range.upperBound)) where decade % stride == 0 {
            for m in multiples {
                let t = Double(decade) + log10(m)
                if range.contains(t) { out.append(t) }
            }
        }
        return out
    }

    /// The label of a log-axis tick t (in log₁₀ units): 10ⁿ beyond 10⁴ either way, else the number.
    static func logLabel(_ t: Double) -> String {
        let whole = abs(t - t.rounded()) < 1e-9
        if whole && abs(t) >= 4 { return SVGText.powerOfTen(t) }
        return label(pow(10, t))
    }

    /// One legend entry: its swatch and text.
    enum Swatch { case line(dashed: Bool), marker(Marker), bar }
    struct LegendEntry { var name: String; var color: String; var swatch: Swatch }

    public func render() -> String {
        var series = self.series, bars = self.bars, xRange = self.xRange, references = self.referenceLines
        if logX {
            func lx(_ v: Double) -> Double { v > 0 ? log10(v) : .nan }
            series = series.map { var s = $0; s.x = s.x.map(lx); return s }
            bars = bars.map { var b = $0; b.edges = b.edges.map(lx); return b }
            references = references.map { var r = $0; r.x = lx(r.x); return r }
            xRange = xRange.map { lx($0.lowerBound)...lx($0.upperBound) }
        }
        let left = 70.0, right = 20.0, top = 40.0, bottom = 55.0
        let plotW = width - left - right, plotH = height - top - bottom
        var xs: [Double] = [], ys: [Double] = []
        for s in series { xs += s.x.filter(\.isFinite); ys += s.y.compactMap(transformY) }
        for b in bars { xs += b.edges.filter(\.isFinite); ys += b.heights.compactMap(transformY); if !logY { ys.append(0) } }
        let xr = xRange ?? ((xs.min() ?? 0)...(max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-12)))
        var yr: ClosedRange<Double>
        if let given = yRange {
            yr = logY ? log10(given.lowerBound)...log10(given.upperBound) : given
        } else {
            var lo = ys.min() ?? 0, hi = ys.max() ?? 1
            if hi == lo { lo -= 0.5; hi += 0.5 }
            let pad = (hi - lo) * 0.05
            // Histograms and other non-negative bars start at their base, not below it.
            yr = (!bars.isEmpty && !logY && lo >= 0 ? 0 : lo - pad)...(hi + pad)
        }
        let area = PlotArea(left: left, top: top, width: plotW, height: plotH, x: xr, y: yr)
        func px(_ x: Double) -> Double { area.px(x) }
        func py(_ y: Double) -> Double { area.py(y) }
        var out = SVGText.header(width: width, height: height, fontSize: 12, title: title, titleX: width / 2, titleY: 22, titleSize: 15)
            + area.clipPathDefinition + "\n"
        for t in logX ? SVGPlot.logTicks(xr) : SVGPlot.ticks(xr) {
            out += "<line x1=\"\(px(t))\" y1=\"\(top)\" x2=\"\(px(t))\" y2=\"\(top + plotH)\" stroke=\"#eee\"/>"
            out += "<text x=\"\(px(t))\" y=\"\(top + plotH + 16)\" text-anchor=\"middle\">\(SVGText.markup(logX ? SVGPlot.logLabel(t) : SVGPlot.label(t)))</text>\n"
        }
        for t in logY ? SVGPlot.logTicks(yr) : SVGPlot.ticks(yr) {
            out += "<line x1=\"\(left)\" y1=\"\(py(t))\" x2=\"\(left + plotW)\" y2=\"\(py(t))\" stroke=\"#eee\"/>"
            let text = logY ? SVGPlot.logLabel(t) : SVGPlot.label(t)
            out += "<text x=\"\(left - 6)\" y=\"\(py(t) + 4)\" text-anchor=\"end\">\(SVGText.markup(text))</text>\n"
        }
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<g clip-path=\"url(#plot)\">\n"
        // Pixels covered by what is drawn, for placing the legend where it hides least.
        var covered: [(Double, Double)] = []
        for b in bars {
            for (i, h) in b.heights.enumerated() where i + 1 < b.edges.count {
                guard let hy = transformY(h), b.edges[i].isFinite, b.edges[i + 1].isFinite else { continue }
                let base = logY ? yr.lowerBound : 0
                let x0 = px(b.edges[i]), x1 = px(b.edges[i + 1])
                let y0 = py(hy), y1 = py(base)
                out += "<rect x=\"\(x0)\" y=\"\(y0)\" width=\"\(max(x1 - x0, 0))\" height=\"\(max(y1 - y0, 0))\" fill=\"\(b.color)\" fill-opacity=\"0.35\" stroke=\"\(b.color)\" stroke-opacity=\"0.5\"/>\n"
                for cx in Swift.stride(from: x0, through: x1, by: 3) {
                    for cy in Swift.stride(from: max(y0, top), through: min(y1, top + plotH), by: 3) { covered.append((cx, cy)) }
                }
            }
        }
        for r in references where r.x.isFinite {
            out += "<line x1=\"\(px(r.x))\" y1=\"\(top)\" x2=\"\(px(r.x))\" y2=\"\(top + plotH)\" stroke=\"\(r.color)\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n"
            for cy in Swift.stride(from: top, through: top + plotH, by: 3) { covered.append((px(r.x), cy)) }
        }
        for s in series {
            var path = ""
            var previous: (Double, Double)? = nil
            for (x, y) in zip(s.x, s.y) {
                guard x.isFinite, let ty = transformY(y) else { previous = nil; continue }
                let p = (px(x), py(ty))
                if s.markers {
                    covered.append(p)
                } else {
                    path += (previous == nil ? "M" : "L") + String(format: "%.2f,%.2f ", p.0, p.1)
                    if let q = previous {
                        let steps = max(1, Int((hypot(p.0 - q.0, p.1 - q.1) / 3).rounded(.up)))
                        for k in 1...steps {
                            let f = Double(k) / Double(steps)
                            covered.append((q.0 + f * (p.0 - q.0), q.1 + f * (p.1 - q.1)))
                        }
                    } else {
                        covered.append(p)
                    }
                    previous = p
                }
            }
            if s.markers {
                for (x, y) in zip(s.x, s.y) {
                    guard x.isFinite, let ty = transformY(y) else { continue }
                    out += SVGPlot.markerElement(s.marker, x: px(x), y: py(ty), color: s.color) + "\n"
                }
            } else {
                out += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6,4\"" : "")/>\n"
            }
        }
        out += "</g>\n"
        let entries = series.map { LegendEntry(name: $0.name, color: $0.color, swatch: $0.markers ? .marker($0.marker) : .line(dashed: $0.dashed)) }
            + references.map { LegendEntry(name: $0.name, color: $0.color, swatch: .line(dashed: true)) }
            + bars.map { LegendEntry(name: $0.name, color: $0.color, swatch: .bar) }
        out += legendElements(entries, frame: (left, top, plotW, plotH), covered: covered)
        out += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">\(SVGText.markup(xLabel))</text>\n"
        out += "<text transform=\"translate(16,\(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">\(SVGText.markup(yLabel))</text>\n"
        out += "</svg>\n"
        return out
    }

    /// The SVG element of one marker centred at (x, y).
    static func markerElement(_ marker: Marker, x: Double, y: Double, color: String, dotRadius: Double = 2.5) -> String {
        let cx = String(format: "%.2f", x), cy = String(format: "%.2f", y)
        switch marker {
        case .dot:
            return "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"\(dotRadius)\" fill=\"\(color)\" fill-opacity=\"0.6\"/>"
        case .ring:
            return "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"5\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>"
        case .cross:
            let d = 4.5
            return String(format: "<path d=\"M%.2f,%.2f L%.2f,%.2f M%.2f,%.2f L%.2f,%.2f\" stroke=\"%@\" stroke-width=\"2.2\"/>",
                          x - d, y - d, x + d, y + d, x - d, y + d, x + d, y - d, color)
        }
    }

    /// The legend: a white box inside the frame holding one row per entry (in
    /// `legendColumns` columns), at the given or the least-covering position.
    func legendElements(_ entries: [LegendEntry], frame: (Double, Double, Double, Double), covered: [(Double, Double)]) -> String {
        guard legend != .hidden, !entries.isEmpty else { return "" }
        let (left, top, plotW, plotH) = frame
        let columns = max(1, min(legendColumns, entries.count))
        let rows = (entries.count + columns - 1) / columns
        let swatchW = 24.0, gap = 6.0, rowH = 16.0, pad = 6.0, inset = 6.0
        let textW = entries.map { SVGText.estimatedWidth($0.name, fontSize: 12) }.max() ?? 0
        let columnW = swatchW + gap + textW + 10
        let boxW = Double(columns) * columnW + 2 * pad - 10, boxH = Double(rows) * rowH + 2 * pad - 2
        let xs = [left + inset, left + (plotW - boxW) / 2, left + plotW - inset - boxW]
        let ys = [top + inset, top + (plotH - boxH) / 2, top + plotH - inset - boxH]
        // Preference order on ties: top right, top left, bottom right, bottom left, then the rest.
        let candidates: [(Int, Int)] = [(2, 0), (0, 0), (2, 2), (0, 2), (1, 0), (1, 2), (2, 1), (0, 1), (1, 1)]
        let (bx, by): (Double, Double)
        switch legend {
        case .topLeft: (bx, by) = (xs[0], ys[0])
        case .topRight: (bx, by) = (xs[2], ys[0])
        case .bottomLeft: (bx, by) = (xs[0], ys[2])
        case .bottomRight: (bx, by) = (xs[2], ys[2])
        default:
            var best = (xs[2], ys[0]), bestCount = Int.max
            for (i, j) in candidates {
                let x0 = xs[i] - 3, y0 = ys[j] - 3, x1 = xs[i] + boxW + 3, y1 = ys[j] + boxH + 3
                let count = covered.reduce(0) { $0 + ($1.0 >= x0 && $1.0 <= x1 && $1.1 >= y0 && $1.1 <= y1 ? 1 : 0) }
                if count < bestCount { bestCount = count; best = (xs[i], ys[j]) }
            }
            (bx, by) = best
        }
        var out = String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" fill-opacity=\"0.88\" stroke=\"#bbb\"/>\n",
                         bx, by, boxW, boxH)
        for (k, e) in entries.enumerated() {
            let x = bx + pad + Double(k % columns) * columnW, y = by + pad + Double(k / columns) * rowH + 11
            switch e.swatch {
            case let .line(dashed):
                out += "<line x1=\"\(x)\" y1=\"\(y - 4)\" x2=\"\(x + swatchW)\" y2=\"\(y - 4)\" stroke=\"\(e.color)\" stroke-width=\"3\"\(dashed ? " stroke-dasharray=\"6,4\"" : "")/>"
            case let .marker(m):
                out += SVGPlot.markerElement(m, x: x + swatchW / 2, y: y - 4, color: e.color, dotRadius: 4)
            case .bar:
                out += "<rect x=\"\(x + 4)\" y=\"\(y - 10)\" width=\"\(swatchW - 8)\" height=\"11\" fill=\"\(e.color)\" fill-opacity=\"0.35\" stroke=\"\(e.color)\" stroke-opacity=\"0.5\"/>"
            }
            out += "<text x=\"\(x + swatchW + gap)\" y=\"\(y)\">\(SVGText.markup(e.name))</text>\n"
        }
        return out
    }
}
extension SVGPlot {
    /// A Fig. 1 panel: posterior curves p(y₀ | x) over x, with the training points of each
    /// class drawn at the posterior they should have (class 0 at 1, class 1 at 0).
    /// - Parameters:
    ///   - title: the panel's title.
    ///   - x: the grid of the curves.
    ///   - curves: a name and the posterior on the grid, per curve (the third and later dashed).
    ///   - classes: the training points of class 0, class 1, ….
    /// - Returns: the plot, x over the grid's range and y over [−0.05, 1.05].
    public static func posteriorPanel(_ title: String, x: [Double], curves: [(String, [Double])], classes: [[Double]]) -> SVGPlot {
        var plot = SVGPlot(title: title, xLabel: "x", yLabel: "p(y₀ | x)")
        if let lo = x.first, let hi = x.last, lo < hi { plot.xRange = lo...hi }
        plot.yRange = -0.05...1.05
        for (k, c) in curves.enumerated() {
            plot.series.append(Series(name: c.0, x: x, y: c.1, color: palette[k % palette.count], dashed: k >= 2))
        }
        for (k, points) in classes.prefix(2).enumerated() {
            plot.series.append(Series(name: "class \(k) data", x: points, y: points.map { _ in k == 0 ? 1.0 : 0.0 },
                                      color: k == 0 ? "#555555" : "#aaaaaa", markers: true))
        }
        return plot
    }
}
