import Foundation
import Testing
@testable import PolytailPlot

/// The figures' drawing rules: every glyph renders, legends stay inside the frame and off the
/// data, a zero bar is not a missing bar.
@Suite struct SVGTextTests {
    @Test func greekLettersAreSetInTheMathFont() {
        let m = SVGText.markup("t-LDA, ν = 1 & λ < 2")
        #expect(m.contains("<tspan font-family=\"\(SVGText.mathFontFamily)\" font-style=\"italic\">ν</tspan>"))
        #expect(m.contains("<tspan font-family=\"\(SVGText.mathFontFamily)\" font-style=\"italic\">λ</tspan>"))
        #expect(m.contains("&amp;") && m.contains("&lt;"))
        #expect(!m.contains(" & "))
    }

    @Test func accentsStayWithTheirLetter() {
        // ν̂ is ν followed by a combining circumflex: both go into the same tspan.
        #expect(SVGText.markup("ν̂ = 2").hasPrefix("<tspan font-family=\"\(SVGText.mathFontFamily)\" font-style=\"italic\">ν̂</tspan>"))
    }

    @Test func powersOfTenUseSuperscripts() {
        #expect(SVGText.powerOfTen(-4) == "10⁻⁴")
        #expect(SVGText.powerOfTen(12) == "10¹²")
    }
}

@Suite struct SVGPlotLegendTests {
    /// The legend box (the first white rect with a grey border) as x, y, width, height.
    func legendBox(_ svg: String) throws -> (Double, Double, Double, Double) {
        let line = try #require(svg.split(separator: "\n").first { $0.contains("fill-opacity=\"0.88\" stroke=\"#bbb\"") })
        func attribute(_ name: String) throws -> Double {
            let range = try #require(line.range(of: " \(name)=\""))
            let rest = line[range.upperBound...]
            return try #require(Double(rest.prefix { $0 != "\"" }))
        }
        return (try attribute("x"), try attribute("y"), try attribute("width"), try attribute("height"))
    }

    @Test func aLongLegendStaysInsideTheFrame() throws {
        var plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y")
        plot.series = [SVGPlot.Series(name: "t-LDA, ν = 1 (both classes), a long legend entry", x: [0, 1], y: [0, 1], color: "#000")]
        let (x, _, w, _) = try legendBox(plot.render())
        // The frame spans x from 70 to width − 20.
        #expect(x >= 70 && x + w <= plot.width - 20)
        #expect(w >= SVGText.estimatedWidth("t-LDA, ν = 1 (both classes), a long legend entry", fontSize: 12))
    }

    @Test func theLegendAvoidsTheData() throws {
        // A curve across the top of the plot: the legend must move to the bottom half.
        var plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y")
        let x = (0...100).map { Double($0) / 100 }
        plot.series = [SVGPlot.Series(name: "flat at the top", x: x, y: x.map { _ in 1 }, color: "#000")]
        plot.yRange = 0...1.05
        let (_, y, _, h) = try legendBox(plot.render())
        #expect(y + h / 2 > plot.height / 2)
    }

    @Test func histogramsStartAtZero() {
        var plot = SVGPlot(title: "t", xLabel: "x", yLabel: "count")
        plot.bars = [SVGPlot.Bars(edges: [0, 1, 2], heights: [3, 5], color: "#000", name: "counts")]
        // The lowest y tick label is 0 and no negative tick is drawn.
        let svg = plot.render()
        #expect(svg.contains("text-anchor=\"end\">0</text>"))
        #expect(!svg.contains("text-anchor=\"end\">-"))
    }

    @Test func referenceLinesDoNotWidenTheAxis() {
        var plot = SVGPlot(title: "t", xLabel: "x", yLabel: "count")
        plot.bars = [SVGPlot.Bars(edges: [0, 0.5, 1], heights: [3, 5], color: "#000", name: "counts")]
        plot.referenceLines = [SVGPlot.ReferenceLine(x: 0.1, name: "1/k")]
        let svg = plot.render()
        #expect(svg.contains(">5</text>"))
        #expect(!svg.contains(">10</text>"))
    }
}

@Suite struct GroupedBarChartTests {
    @Test func aZeroBarIsDrawnAndDiffersFromAMissingOne() {
        func chart(_ value: Double) -> String {
            var c = GroupedBarChart(title: "t", yLabel: "%", groups: ["a"])
            c.series = [GroupedBarChart.Series(name: "s", color: "#123456", values: [value])]
            return c.render()
        }
        let zero = chart(0), missing = chart(.nan)
        // A zero: a solid floor bar in the series colour and its value printed above.
        #expect(zero.contains("fill=\"#123456\" stroke=\"#123456\"/>"))
        #expect(zero.contains(">0</text>"))
        #expect(!zero.contains(">n/a</text>"))
        // Missing: no bar, an "n/a".
        #expect(missing.contains(">n/a</text>"))
        #expect(!missing.contains("fill=\"#123456\" stroke=\"#123456\"/>"))
    }
}
