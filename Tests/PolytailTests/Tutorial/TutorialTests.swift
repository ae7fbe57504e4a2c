import Foundation
import Polytail
import PolytailPlot
import Testing

/// The tutorial "Why LDA is overconfident in the tails" (Polytail.docc/Tutorials): its code
/// listings are the files in `Steps/`, compiled into this test target and run here; each
/// step's claim is checked; the listings in the catalogue must equal these files byte for
/// byte; and its figures are drawn by Polytail from the same functions
/// (`POLYTAIL_WRITE_TUTORIAL_FIGURES=1 swift test --filter Tutorial` rewrites them).
@Suite("Tutorial: why LDA is overconfident in the tails")
struct TutorialTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let steps = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Steps")
    static let resources = root.appendingPathComponent("Sources/Polytail/Polytail.docc/Resources")
    static let listings = ["tails-01.swift", "tails-02.swift", "tails-03.swift", "tails-04.swift"]
    /// The grid of the figures.
    static let grid = (0...1000).map { Double($0 - 500) / 10 }

    @Test("step 1: Gaussian LDA is one-hot far from the data")
    func gaussianIsOneHot() throws {
        let p = try gaussianLDAPosterior(at: [-1e6, -50, -1.5, 1.5, 50, 1e6])
        #expect(p[0] == 1 && p[1] == 1 && p[4] == 0 && p[5] == 0)
        #expect(p[2] > 0.99 && p[3] < 0.01)
    }

    @Test("step 2: t-LDA with one ν returns to ½, slowly (polynomially)")
    func tiedTIsConservative() throws {
        let p = try tLDAPosterior(at: [-1e6, -50, -1.5, 1.5, 50, 1e6], degreesOfFreedom: 1)
        #expect(abs(p[0] - 0.5) < 1e-5 && abs(p[5] - 0.5) < 1e-5)
        #expect(abs(p[1] - 0.5) < 0.05 && abs(p[4] - 0.5) < 0.05)
        #expect(p[2] > 0.9 && p[3] < 0.1)  // still confident inside the data
        // A larger tied ν is closer to the Gaussian at ±50, but the limit stays ½.
        let q = try tLDAPosterior(at: [-50, -1e9], degreesOfFreedom: 10)
        #expect(q[0] > p[1] && abs(q[1] - 0.5) < 1e-3)
    }

    @Test("steps 3–4: the softmax saturates, the softRmax tends to ½")
    func outputLayers() throws {
        let softmax = try regressorPosterior(at: [-1e6, 1e6], output: .softmax)
        #expect(softmax[0] == 1 && softmax[1] == 0)
        let softRmax = try regressorPosterior(at: [-1e6, 1e6], output: .softRmax)
        #expect(abs(softRmax[0] - 0.5) < 1e-4 && abs(softRmax[1] - 0.5) < 1e-4)
        let all = try tailPosteriors()
        #expect(all.count == 4)
        #expect(all["Gaussian LDA"] == [1, 0] && all["softmax"]?[0] == 1)
        for name in ["t-LDA, ν = 1", "softRmax"] { #expect(all[name]!.allSatisfy { abs($0 - 0.5) < 0.05 }) }
    }

    @Test("the catalogue's code listings are the compiled step files", arguments: listings)
    func listingIsCompiled(_ name: String) throws {
        let compiled = try String(contentsOf: Self.steps.appendingPathComponent(name), encoding: .utf8)
        let shown = try String(contentsOf: Self.resources.appendingPathComponent(name), encoding: .utf8)
        #expect(shown == compiled, "Polytail.docc/Resources/\(name) differs from Tests/PolytailTests/Tutorial/Steps/\(name)")
    }

    /// Each step's figure, drawn from the step's own function.
    static func figures() throws -> [(String, SVGPlot)] {
        let g = grid
        let gaussian = try gaussianLDAPosterior(at: g)
        let tied = try tLDAPosterior(at: g, degreesOfFreedom: 1)
        let softmax = try regressorPosterior(at: g, output: .softmax)
        let softRmax = try regressorPosterior(at: g, output: .softRmax)
        let (observations, labels) = try twoClassesOnALine()
        let classes = ["y0", "y1"].map { c in zip(observations.elements, labels).filter { $0.1 == c }.map(\.0) }
        return [
            ("tails-01.svg", SVGPlot.posteriorPanel("Gaussian LDA", x: g, curves: [("Gaussian LDA", gaussian)], classes: classes)),
            ("tails-02.svg", SVGPlot.posteriorPanel("t-LDA with one ν", x: g, curves: [("Gaussian LDA", gaussian), ("t-LDA, ν = 1 (both classes)", tied)],
                                                    classes: classes)),
            ("tails-03.svg", SVGPlot.posteriorPanel("Linear regressor with a softmax", x: g, curves: [("softmax", softmax)], classes: [])),
            ("tails-04.svg", SVGPlot.posteriorPanel("softmax against softRmax", x: g, curves: [("softmax", softmax), ("softRmax", softRmax)], classes: [])),
        ]
    }

    @Test("every step has its figure, drawn by Polytail")
    func figuresExist() throws {
        let figures = try Self.figures()
        if ProcessInfo.processInfo.environment["POLYTAIL_WRITE_TUTORIAL_FIGURES"] == "1" {
            for (name, plot) in figures { try plot.write(to: Self.resources.appendingPathComponent(name)) }
        }
        for (name, plot) in figures {
            let svg = plot.render()
            #expect(svg.hasPrefix("<svg") && svg.contains("<path"))
            let url = Self.resources.appendingPathComponent(name)
            #expect(FileManager.default.fileExists(atPath: url.path), "missing \(name): run with POLYTAIL_WRITE_TUTORIAL_FIGURES=1")
            // The figure the tutorial shows is the one its code draws today, not an old copy.
            if let shown = try? String(contentsOf: url, encoding: .utf8) {
                #expect(shown == svg, "\(name) differs from the figure its step draws: run with POLYTAIL_WRITE_TUTORIAL_FIGURES=1")
            }
        }
    }
}
