import Foundation

/// Lays rendered SVG pictures (``SVGPlot/render()``, ``SVGHeatmap/render()``) out as a grid
/// of panels in one SVG file, row by row, under an optional title.
///
/// Each panel is nested as its own `<svg>` element; the element ids a panel defines (its
/// clip path) are made unique per panel so that panels of different sizes do not share one.
public struct SVGGrid: SVGPicture {
    public var title: String
    public var panels: [String]
    public var columns: Int
    public var panelWidth: Double
    public var panelHeight: Double

    public init(title: String = "", panels: [String], columns: Int, panelWidth: Double, panelHeight: Double) {
        self.title = title; self.panels = panels; self.columns = max(columns, 1)
        self.panelWidth = panelWidth; self.panelHeight = panelHeight
    }

    public func render() -> String {
        let top = title.isEmpty ? 0.0 : 34
        let rows = (panels.count + columns - 1) / columns
        let w = panelWidth * Double(columns), h = top + panelHeight * Double(rows)
        var out = SVGText.header(width: w, height: h, fontSize: 12, title: title.isEmpty ? nil : title,
                                 titleX: w / 2, titleY: 24, titleSize: 17)
        for (i, panel) in panels.enumerated() {
            let x = panelWidth * Double(i % columns), y = top + panelHeight * Double(i / columns)
            var body = panel
                .replacingOccurrences(of: "id=\"plot\"", with: "id=\"plot\(i)\"")
                .replacingOccurrences(of: "url(#plot)", with: "url(#plot\(i))")
            // Position the nested picture: give its root element x and y.
            if let range = body.range(of: "<svg ") {
                body.replaceSubrange(range, with: "<svg x=\"\(x)\" y=\"\(y)\" ")
            }
            out += body
        }
        out += "</svg>\n"
        return out
    }
}
