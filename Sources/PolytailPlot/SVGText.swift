import Foundation

/// Text in the figures: one font stack, Greek letters set as mathematics, and a width
/// estimate so that legends can be sized before they are drawn.
///
/// Sans-serif fonts draw a Greek ν almost exactly like a Latin v (DejaVu Sans, the usual
/// fallback for Helvetica on Linux, does), so "t-LDA, ν = 1" read as "v = 1". Every Greek
/// letter in a label is therefore set in an italic serif face, as in a typeset formula, where
/// ν, λ, ε and α are unmistakable.
public enum SVGText {
    /// The font of all labels (the first installed one wins).
    public static let fontFamily = "Helvetica, Arial, DejaVu Sans, Liberation Sans, sans-serif"
    /// The font of Greek letters: italic serif, as in typeset mathematics.
    public static let mathFontFamily = "DejaVu Serif, Times New Roman, Times, Liberation Serif, serif"

    /// The root element's attributes shared by every picture: namespace, size and font.
    static func rootAttributes(width: Double, height: Double, fontSize: Double) -> String {
        "xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"\(fontFamily)\" font-size=\"\(SVGPlot.label(fontSize))\""
    }

    /// The opening of every picture: the root element, a white background and the title (if
    /// any) centred at (`titleX`, `titleY`) in `titleSize` pixels, ending in a newline.
    static func header(width: Double, height: Double, fontSize: Double, title: String?,
                       titleX: Double, titleY: Int, titleSize: Int) -> String {
        var out = "<svg \(rootAttributes(width: width, height: height, fontSize: fontSize))>\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        if let title {
            out += "<text x=\"\(titleX)\" y=\"\(titleY)\" text-anchor=\"middle\" font-size=\"\(titleSize)\">\(markup(title))</text>\n"
        }
        return out
    }

    /// Escapes `text` for an SVG text node (`&`, `<`, `>`).
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Whether `c` is a Greek letter (U+0370–U+03FF), which is set in the math font.
    static func isGreek(_ c: Character) -> Bool {
        guard let scalar = c.unicodeScalars.first else { return false }
        return (0x0370...0x03FF).contains(scalar.value)
    }

    /// The content of an SVG text node showing `text`: escaped, with every run of Greek
    /// letters (and the accents on them, as in ν̂) in an italic serif `<tspan>`.
    /// - Parameter text: plain text.
    /// - Returns: SVG markup for the inside of a `<text>` element.
    public static func markup(_ text: String) -> String {
        var out = "", greek = ""
        func flush() {
            guard !greek.isEmpty else { return }
            out += "<tspan font-family=\"\(mathFontFamily)\" font-style=\"italic\">\(escape(greek))</tspan>"
            greek = ""
        }
        // A Character holds a letter with its combining accents, so ν̂ stays one unit.
        for c in text {
            if isGreek(c) { greek.append(c) } else { flush(); out += escape(String(c)) }
        }
        flush()
        return out
    }

    /// A generous estimate of the width of `text` at `fontSize` in the widest font of the
    /// stack (DejaVu Sans), so that boxes sized by it hold the text in every font.
    /// - Parameters:
    ///   - text: plain text.
    ///   - fontSize: the font size in pixels.
    /// - Returns: the width in pixels.
    public static func estimatedWidth(_ text: String, fontSize: Double) -> Double {
        var em = 0.0
        for c in text {
            switch c {
            case "i", "l", "j", "|", "!", ".", ",", ":", ";", "'", "(", ")", "[", "]", "f", "t", "r", "I", " ":
                em += 0.36
            case "m", "w", "M", "W", "%", "—", "@":
                em += 0.9
            case _ where c.isUppercase:
                em += 0.72
            case _ where c.isNumber:
                em += 0.64
            default:
                em += 0.6
            }
        }
        return em * fontSize
    }

    /// A number as a power of ten with superscript digits ("10⁻⁴") for log-axis ticks.
    /// - Parameter exponent: the power of ten (rounded to an integer).
    /// - Returns: the label.
    public static func powerOfTen(_ exponent: Double) -> String {
        let digits: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(String(Int(exponent.rounded())).map { digits[$0] ?? $0 })
    }
}

/// A picture that renders itself as one SVG document.
public protocol SVGPicture {
    /// The SVG document.
    func render() -> String
}

extension SVGPicture {
    /// Writes the rendered SVG document to `url` (UTF-8, replacing the file).
    /// - Parameter url: the file to write.
    /// - Throws: the file system's error when the file cannot be written.
    public func write(to url: URL) throws {
        try render().write(to: url, atomically: true, encoding: .utf8)
    }
}

/// A chart's plot area: data coordinates mapped linearly onto the rectangle at (`left`, `top`)
/// of `width` × `height` pixels, y growing upwards on paper.
struct PlotArea {
    let left: Double, top: Double, width: Double, height: Double
    let x: ClosedRange<Double>, y: ClosedRange<Double>

    /// The horizontal pixel of data x.
    func px(_ v: Double) -> Double { left + (v - x.lowerBound) / (x.upperBound - x.lowerBound) * width }
    /// The vertical pixel of data y.
    func py(_ v: Double) -> Double { top + height - (v - y.lowerBound) / (y.upperBound - y.lowerBound) * height }
    /// `<defs>` holding the clip path `plot`: this rectangle.
    var clipPathDefinition: String {
        "<defs><clipPath id=\"plot\"><rect x=\"\(left)\" y=\"\(top)\" width=\"\(width)\" height=\"\(height)\"/></clipPath></defs>"
    }
}
