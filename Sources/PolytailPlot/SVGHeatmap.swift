import Foundation

/// A colour-band picture of a function on a regular 2-D grid, with labelled points on top:
/// the posterior panels of Fig. 2 (Wang & Loog 2022). Values in [0, 1] are cut into `bands`
/// equal bands on a diverging blue–white–red scale (0 blue, ½ white, 1 red); runs of equal
/// band along a grid row are drawn as one rectangle, so a banded picture stays small.
public struct SVGHeatmap: SVGPicture {
    /// A marker drawn over the bands.
    public struct Point {
        public var x: Double
        public var y: Double
        /// 0 or 1: drawn as a filled dark or an open light circle.
        public var group: Int
        public init(x: Double, y: Double, group: Int) { self.x = x; self.y = y; self.group = group }
    }

    public var title: String
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    /// Columns and rows of the grid.
    public var nx: Int
    public var ny: Int
    /// ny × nx values, row-major, row 0 at `yRange.lowerBound`, column 0 at `xRange.lowerBound`;
    /// cell (i, j) is centred at the i-th of ny equally spaced y and the j-th of nx x values.
    public var values: [Double]
    public var points: [Point] = []
    public var bands = 10
    public var width = 320.0
    public var height = 320.0
    /// Draw a colour bar on the right.
    public var colourBar = true

    public init(title: String, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, nx: Int, ny: Int, values: [Double]) {
        self.title = title; self.xRange = xRange; self.yRange = yRange; self.nx = nx; self.ny = ny; self.values = values
    }

    /// The grid's x (or y) coordinates: n equally spaced values from lower to upper.
    public static func axis(_ range: ClosedRange<Double>, _ n: Int) -> [Double] {
        n <= 1 ? [range.lowerBound] : (0..<n).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(n - 1) }
    }

    /// The colour of a value v ∈ [0, 1]: linear from blue (0) through white (½) to red (1).
    public static func colour(_ v: Double) -> String {
        guard v.isFinite else { return "#888888" }
        let t = min(max(v, 0), 1)
        let blue = (33.0, 102.0, 172.0), red = (178.0, 24.0, 43.0), white = (247.0, 247.0, 247.0)
        let (a, b, s) = t < 0.5 ? (blue, white, t / 0.5) : (white, red, (t - 0.5) / 0.5)
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * s).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// The band index of v and the colour of that band's midpoint.
    func band(_ v: Double) -> Int { v.isFinite ? min(max(Int(v * Double(bands)), 0), bands - 1) : -1 }
    func bandColour(_ b: Int) -> String { b < 0 ? "#888888" : SVGHeatmap.colour((Double(b) + 0.5) / Double(bands)) }

    public func render() -> String {
        let left = 40.0, right = colourBar ? 46.0 : 10.0, top = 28.0, bottom = 28.0
        let w = width - left - right, h = height - top - bottom
        let cw = w / Double(nx), ch = h / Double(ny)
        let area = PlotArea(left: left, top: top, width: w, height: h, x: xRange, y: yRange)
        func px(_ x: Double) -> Double { area.px(x) }
        func py(_ y: Double) -> Double { area.py(y) }
        var out = SVGText.header(width: width, height: height, fontSize: 10, title: title, titleX: left + w / 2, titleY: 18, titleSize: 12)
            + area.clipPathDefinition + "\n<g clip-path=\"url(#plot)\" shape-rendering=\"crispEdges\">\n"
        for i in 0..<ny {
            // Row i covers y from top + h − (i+1)·ch to top + h − i·ch.
            let y0 = top + h - Double(i + 1) * ch
            var j = 0
            while j < nx {
                let b = band(values[i * nx + j])
                var end = j + 1
                while end < nx && band(values[i * nx + end]) == b { end += 1 }
                out += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\"/>", left + Double(j) * cw, y0,
                              Double(end - j) * cw + 0.3, ch + 0.3, bandColour(b))
                j = end
            }
            out += "\n"
        }
        out += "</g>\n<g clip-path=\"url(#plot)\">\n"
        for p in points {
            let fill = p.group == 0 ? "#222222" : "#ffffff"
            out += String(format: "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.6\" fill=\"%@\" stroke=\"#222222\" stroke-width=\"0.8\"/>", px(p.x), py(p.y), fill)
        }
        out += "\n</g>\n<rect x=\"\(left)\" y=\"\(top)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" stroke=\"#333\"/>\n"
        for t in SVGPlot.ticks(xRange, count: 4) {
            out += "<text x=\"\(px(t))\" y=\"\(top + h + 13)\" text-anchor=\"middle\">\(SVGPlot.label(t))</text>"
        }
        for t in SVGPlot.ticks(yRange, count: 4) {
            out += "<text x=\"\(left - 4)\" y=\"\(py(t) + 3)\" text-anchor=\"end\">\(SVGPlot.label(t))</text>"
        }
        out += "\n"
        if colourBar {
            let bx = left + w + 10, bw = 10.0, bh = h / Double(bands)
            for b in 0..<bands {
                out += "<rect x=\"\(bx)\" y=\"\(top + h - Double(b + 1) * bh)\" width=\"\(bw)\" height=\"\(bh)\" fill=\"\(bandColour(b))\"/>"
            }
            out += "<rect x=\"\(bx)\" y=\"\(top)\" width=\"\(bw)\" height=\"\(h)\" fill=\"none\" stroke=\"#333\"/>"
            for v in [0.0, 0.5, 1.0] {
                out += "<text x=\"\(bx + bw + 3)\" y=\"\(top + h - v * h + 3)\">\(SVGPlot.label(v))</text>"
            }
            out += "\n"
        }
        out += "</svg>\n"
        return out
    }
}
