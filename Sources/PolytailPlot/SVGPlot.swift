import Foundation

/// A small SVG line-and-bar chart writer for the figure scripts: no dependencies, a
/// picture any browser opens. Not part of the `Polytail` library product.
public struct SVGPlot {
    public struct Series {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var color: String
        public var dashed: Bool
        public var markers: Bool
        public init(name: String, x: [Double], y: [Double], color: String, dashed: Bool = false, markers: Bool = false) {
            self.name = name; self.x = x; self.y = y; self.color = color; self.dashed = dashed; self.markers = markers
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

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var bars: [Bars] = []
    public var xRange: ClosedRange<Double>? = nil
    public var yRange: ClosedRange<Double>? = nil
    /// Plot y on a log₁₀ axis (non-positive values are dropped).
    public var logY = false
    /// Plot x on a log₁₀ axis, ticks at 1-2-5 or whole decades (non-positive values are dropped).
    public var logX = false
    public var width = 640.0
    public var height = 420.0

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

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Tick positions (in log₁₀ units) for a log axis: whole decades, plus 2× and 5× when the
    /// range spans fewer than three decades.
    static func logTicks(_ range: ClosedRange<Double>) -> [Double] {
        guard range.lowerBound.isFinite, range.upperBound.isFinite else { return [] }
        let multiples: [Double] = range.upperBound - range.lowerBound < 3 ? [1, 2, 5] : [1]
        var out: [Double] = []
        for decade in Int(floor(range.lowerBound))...Int(ceil(range.upperBound)) {
            for m in multiples {
                let t = Double(decade) + log10(m)
                if range.contains(t) { out.append(t) }
            }
        }
        return out
    }

    public func render() -> String {
        var series = self.series, bars = self.bars, xRange = self.xRange
        if logX {
            func lx(_ v: Double) -> Double { v > 0 ? log10(v) : .nan }
            series = series.map { var s = $0; s.x = s.x.map(lx); return s }
            bars = bars.map { var b = $0; b.edges = b.edges.map(lx); return b }
            xRange = xRange.map { lx($0.lowerBound)...lx($0.upperBound) }
        }
        let left = 70.0, right = 20.0, top = 40.0, bottom = 55.0
        let plotW = width - left - right, plotH = height - top - bottom
        var xs: [Double] = [], ys: [Double] = []
        for s in series { xs += s.x.filter(\.isFinite); ys += s.y.compactMap(transformY) }
        for b in bars { xs += b.edges; ys += b.heights.compactMap(transformY); if !logY { ys.append(0) } }
        let xr = xRange ?? ((xs.min() ?? 0)...(max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-12)))
        var yr: ClosedRange<Double>
        if let given = yRange {
            yr = logY ? log10(given.lowerBound)...log10(given.upperBound) : given
        } else {
            let lo = ys.min() ?? 0, hi = ys.max() ?? 1
            let pad = (hi - lo) * 0.05
            yr = (lo - pad)...(hi + pad == lo - pad ? lo + 1 : hi + pad)
        }
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * plotH }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(SVGPlot.escape(title))</text>
        <defs><clipPath id="plot"><rect x="\(left)" y="\(top)" width="\(plotW)" height="\(plotH)"/></clipPath></defs>

        """
        for t in logX ? SVGPlot.logTicks(xr) : SVGPlot.ticks(xr) {
            out += "<line x1=\"\(px(t))\" y1=\"\(top)\" x2=\"\(px(t))\" y2=\"\(top + plotH)\" stroke=\"#eee\"/>"
            out += "<text x=\"\(px(t))\" y=\"\(top + plotH + 16)\" text-anchor=\"middle\">\(SVGPlot.label(logX ? pow(10, t) : t))</text>\n"
        }
        for t in SVGPlot.ticks(yr) {
            out += "<line x1=\"\(left)\" y1=\"\(py(t))\" x2=\"\(left + plotW)\" y2=\"\(py(t))\" stroke=\"#eee\"/>"
            let text = logY ? "1e" + SVGPlot.label(t) : SVGPlot.label(t)
            out += "<text x=\"\(left - 6)\" y=\"\(py(t) + 4)\" text-anchor=\"end\">\(text)</text>\n"
        }
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<g clip-path=\"url(#plot)\">\n"
        for b in bars {
            for (i, h) in b.heights.enumerated() where i + 1 < b.edges.count {
                guard let hy = transformY(h) else { continue }
                let base = logY ? yr.lowerBound : 0
                let x0 = px(b.edges[i]), x1 = px(b.edges[i + 1])
                out += "<rect x=\"\(x0)\" y=\"\(py(hy))\" width=\"\(max(x1 - x0, 0))\" height=\"\(max(py(base) - py(hy), 0))\" fill=\"\(b.color)\" fill-opacity=\"0.35\" stroke=\"\(b.color)\" stroke-opacity=\"0.5\"/>\n"
            }
        }
        for s in series {
            var path = ""
            var pen = false
            for (x, y) in zip(s.x, s.y) {
                guard x.isFinite, let ty = transformY(y) else { pen = false; continue }
                path += (pen ? "L" : "M") + String(format: "%.2f,%.2f ", px(x), py(ty))
                pen = true
            }
            if s.markers {
                for (x, y) in zip(s.x, s.y) {
                    guard x.isFinite, let ty = transformY(y) else { continue }
                    out += "<circle cx=\"\(String(format: "%.2f", px(x)))\" cy=\"\(String(format: "%.2f", py(ty)))\" r=\"2.5\" fill=\"\(s.color)\" fill-opacity=\"0.6\"/>\n"
                }
            } else {
                out += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6,4\"" : "")/>\n"
            }
        }
        out += "</g>\n"
        var ly = top + 14
        for (name, color, dashed) in series.map({ ($0.name, $0.color, $0.dashed) }) + bars.map({ ($0.name, $0.color, false) }) {
            out += "<line x1=\"\(left + plotW - 170)\" y1=\"\(ly - 4)\" x2=\"\(left + plotW - 145)\" y2=\"\(ly - 4)\" stroke=\"\(color)\" stroke-width=\"3\"\(dashed ? " stroke-dasharray=\"6,4\"" : "")/>"
            out += "<text x=\"\(left + plotW - 140)\" y=\"\(ly)\">\(SVGPlot.escape(name))</text>\n"
            ly += 16
        }
        out += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">\(SVGPlot.escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16,\(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">\(SVGPlot.escape(yLabel))</text>\n"
        out += "</svg>\n"
        return out
    }

    public func write(to url: URL) throws {
        try render().write(to: url, atomically: true, encoding: .utf8)
    }
}
