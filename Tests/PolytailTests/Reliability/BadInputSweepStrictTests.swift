import Foundation
import Testing
@testable import Polytail

/// The specific error each public entry point throws for each kind of bad input — numbers
/// (NaN, ±∞), shapes (empty, one row, ragged, mismatched lengths), parameters (ν 0, negative,
/// 5·10⁻³²⁴, 10³⁰⁰, ∞; δ huge; probabilities 0, 1, NaN; Int.max sizes) — and, for values that
/// are valid however extreme (5·10⁻³²⁴, 10³⁰⁸, −0), a finite answer. "Some error" is not
/// enough: the case and the row, column or parameter name it carries must be the right one.
@Suite("Reliability: each bad input gets its specific error") struct BadInputSweepStrictTests {
    /// What a thrown error must be: its case, and the fields that say where.
    enum Expected {
        case invalidParameter(String)
        case emptyData
        case tooFewObservations(needed: Int, got: Int)
        case nonFiniteValue(row: Int, column: Int?)
        case invalidWeight(row: Int?)
        case constantData(column: Int?)
        case dimensionMismatch(String)
        case tooFewClasses
        case unknownLabel
        case numericalFailure(prefix: String)

        func matches(_ error: PolytailError) -> Bool {
            switch (self, error) {
            case let (.invalidParameter(a), .invalidParameter(b, _, _)): return a == b
            case (.emptyData, .emptyData): return true
            case let (.tooFewObservations(n, g), .tooFewObservations(n2, g2)): return n == n2 && g == g2
            case let (.nonFiniteValue(r, c), .nonFiniteValue(r2, c2)): return r == r2 && c == c2
            case let (.invalidWeight(r), .invalidWeight(r2)): return r == r2
            case let (.constantData(c), .constantData(c2)): return c == c2
            case let (.dimensionMismatch(w), .dimensionMismatch(w2, _, _)): return w == w2
            case (.tooFewClasses, .tooFewClasses): return true
            case (.unknownLabel, .unknownLabel): return true
            case let (.numericalFailure(p), .numericalFailure(text)): return text.hasPrefix(p)
            default: return false
            }
        }
    }

    func expect<R>(_ expected: Expected, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: () throws -> R) {
        do {
            _ = try body()
            Issue.record("\(what): nothing thrown, expected \(expected)", sourceLocation: sourceLocation)
        } catch let error as PolytailError {
            #expect(expected.matches(error), "\(what): threw \(error), expected \(expected)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): threw \(error), not a PolytailError", sourceLocation: sourceLocation)
        }
    }

    static let sample: [Double] = [0.3, -1.2, 2.5, 0.1, 7.5, -0.4, 1.1, 0.9, -3.3, 0.2, 1.7, -0.8]
    static let badNumbers: [Double] = [.nan, .infinity, -.infinity]

    // MARK: Univariate fits

    @Test(arguments: badNumbers)
    func univariateFitsNameTheRowOfANonFiniteValue(bad: Double) {
        var x = Self.sample
        x[4] = bad
        expect(.nonFiniteValue(row: 4, column: nil), "Normal.fit") { try Normal.fit(x) }
        expect(.nonFiniteValue(row: 4, column: nil), "StudentT.fit") { try StudentT.fit(x) }
        expect(.nonFiniteValue(row: 4, column: nil), "StudentT.fit fixed") { try StudentT.fit(x, degreesOfFreedom: .fixed(3)) }
        expect(.nonFiniteValue(row: 4, column: nil), "NoncentralT.fit") { try NoncentralT.fit(x) }
        var w = [Double](repeating: 1, count: Self.sample.count)
        w[7] = bad
        expect(.invalidWeight(row: 7), "Normal.fit weight") { try Normal.fit(Self.sample, weights: w) }
        expect(.invalidWeight(row: 7), "StudentT.fit weight") { try StudentT.fit(Self.sample, weights: w) }
        expect(.invalidWeight(row: 7), "NoncentralT.fit weight") { try NoncentralT.fit(Self.sample, weights: w) }
        var statistics = NormalStatistics()
        expect(.nonFiniteValue(row: 4, column: nil), "NormalStatistics.add") { try statistics.add(x) }
        expect(.invalidWeight(row: 7), "NormalStatistics.add weight") { try statistics.add(Self.sample, weights: w) }
    }

    @Test func univariateFitsOnEmptyShortConstantAndMismatchedInput() {
        expect(.emptyData, "Normal.fit []") { try Normal.fit([]) }
        expect(.emptyData, "StudentT.fit []") { try StudentT.fit([]) }
        expect(.emptyData, "NoncentralT.fit []") { try NoncentralT.fit([]) }
        expect(.tooFewObservations(needed: 2, got: 1), "Normal.fit one row") { try Normal.fit([1]) }
        expect(.tooFewObservations(needed: 3, got: 2), "StudentT.fit two rows") { try StudentT.fit([1, 2]) }
        expect(.tooFewObservations(needed: 2, got: 1), "StudentT.fit fixed one row") { try StudentT.fit([1], degreesOfFreedom: .fixed(3)) }
        expect(.tooFewObservations(needed: 4, got: 3), "NoncentralT.fit three rows") { try NoncentralT.fit([1, 2, 4]) }
        let constantFits: [() throws -> Void] = [{ _ = try Normal.fit([2, 2, 2, 2]) }, { _ = try StudentT.fit([2, 2, 2, 2]) },
                                                 { _ = try NoncentralT.fit([2, 2, 2, 2, 2]) }, { _ = try Normal.fit([-0.0, 0, 0, -0.0]) }]
        for fit in constantFits {
            expect(.constantData(column: nil), "constant") { try fit() }
        }
        expect(.dimensionMismatch("weights"), "weights count") { try Normal.fit(Self.sample, weights: [1, 2]) }
        expect(.dimensionMismatch("weights"), "weights count t") { try StudentT.fit(Self.sample, weights: [1, 2]) }
        let zeros = [Double](repeating: 0, count: Self.sample.count)
        expect(.invalidWeight(row: nil), "all-zero weights") { try Normal.fit(Self.sample, weights: zeros) }
        expect(.invalidWeight(row: 0), "negative weight") { try StudentT.fit(Self.sample, weights: [-1] + zeros.dropFirst()) }
        // Only the rows of positive weight count.
        expect(.tooFewObservations(needed: 2, got: 1), "one positive weight") { try Normal.fit(Self.sample, weights: [1] + zeros.dropFirst()) }
    }

    /// Extreme but valid numbers are fitted, with finite results.
    @Test(arguments: [Subnormal.smallest, Subnormal.tenToMinus310, 1e308, -1e308, -0.0])
    func extremeValidNumbersAreFitted(value: Double) throws {
        var x = Self.sample
        x[2] = value
        for fitted in [try Normal.fit(x).result, try StudentT.fit(x).result, try StudentT.fit(x, degreesOfFreedom: .fixed(2)).result] {
            #expect(fitted.estimates.allSatisfy { $0.isFinite }, "\(value): \(fitted.estimates)")
            #expect(fitted.logLikelihood.isFinite)
            #expect(fitted.standardErrors?.allSatisfy { $0.isFinite && $0 > 0 } ?? true)
        }
    }

    // MARK: Degrees of freedom, noncentrality, probabilities

    @Test(arguments: [0.0, -1, Subnormal.smallest, Subnormal.tenToMinus310, -.infinity, .nan])
    func invalidDegreesOfFreedomAreNamed(nu: Double) {
        expect(.invalidParameter("degreesOfFreedom"), "StudentT(ν: \(nu))") { try StudentT(degreesOfFreedom: nu) }
        expect(.invalidParameter("degreesOfFreedom"), "NoncentralT(ν: \(nu))") { try NoncentralT(degreesOfFreedom: nu, noncentrality: 1) }
        expect(.invalidParameter("degreesOfFreedom"), "MultivariateT(ν: \(nu))") {
            try MultivariateT(location: [0], scatter: .identity(1), degreesOfFreedom: nu)
        }
        expect(.invalidParameter("degreesOfFreedom"), "StudentT.fit(.fixed(\(nu)))") { try StudentT.fit(Self.sample, degreesOfFreedom: .fixed(nu)) }
    }

    /// ν = 10³⁰⁰ and ∞ are valid for the t (the normal limit) and evaluate finitely; the
    /// noncentral t is evaluated for ν ≤ 10⁶ and |δ| ≤ 10³ and says so beyond.
    @Test func largeDegreesOfFreedomAndNoncentrality() throws {
        for nu in [1e300, Double.greatestFiniteMagnitude, .infinity] {
            let t = try StudentT(degreesOfFreedom: nu, location: 1, scale: 2)
            for x in [-1e308, -3, 0, 1, 1e10] { #expect(!t.logDensity(x).isNaN && t.logDensity(x) < .infinity, "ν = \(nu), x = \(x)") }
            #expect(Tolerance.isClose(t.quantile(0.975), 1 + 2 * 1.959963984540054, relative: 1e-12), "ν = \(nu)")
            // z = 37.0470962993612: scipy.stats.norm.isf(1e-300).
            #expect(Tolerance.isClose(t.quantile(1e-300), 1 - 2 * 37.0470962993612, relative: 1e-12), "ν = \(nu)")
            #expect(Tolerance.isClose(t.cdf(t.quantile(0.3)), 0.3, relative: 1e-12), "ν = \(nu)")
            guard nu.isFinite else {
                // A fixed ν is finite by the rule's contract (ν = ∞ is the normal fit).
                expect(.invalidParameter("degreesOfFreedom"), "StudentT.fit(.fixed(∞))") { try StudentT.fit(Self.sample, degreesOfFreedom: .fixed(nu)) }
                continue
            }
            let fit = try StudentT.fit(Self.sample, degreesOfFreedom: .fixed(nu))
            #expect(fit.result.logLikelihood.isFinite && fit.result.converged, "fixed ν = \(nu)")
        }
        // Beyond 10¹⁰ the quantile follows the Cornish–Fisher expansion; just below, the root
        // search: they meet.
        let below = try StudentT(degreesOfFreedom: 0.99e10), above = try StudentT(degreesOfFreedom: 1.01e10)
        for p in [1e-300, 1e-10, 0.01, 0.3] {
            #expect(Tolerance.isClose(below.quantile(p), above.quantile(p), relative: 1e-9), "p = \(p)")
        }
        for nu in [1e300, 1e7, .infinity] {
            expect(.invalidParameter("degreesOfFreedom"), "NoncentralT(ν: \(nu))") { try NoncentralT(degreesOfFreedom: nu, noncentrality: 1) }
            expect(.invalidParameter("degreesOfFreedom"), "NoncentralT.fit(.fixed(\(nu)))") { try NoncentralT.fit(Self.sample, degreesOfFreedom: .fixed(nu)) }
        }
        for delta in [1e6, -1e300, .infinity, .nan] {
            expect(.invalidParameter("noncentrality"), "NoncentralT(δ: \(delta))") { try NoncentralT(degreesOfFreedom: 2, noncentrality: delta) }
        }
        let edge = try NoncentralT(degreesOfFreedom: 2, noncentrality: 1000)
        #expect(!edge.quantile(0.5).isNaN && !edge.logDensity(900).isNaN)
    }

    @Test func probabilitiesAtAndBeyondTheEnds() throws {
        let distributions: [any UnivariateDistribution] = [
            try Normal(mean: 1, standardDeviation: 2), try StudentT(degreesOfFreedom: 3, location: 1, scale: 2),
            try StudentT(degreesOfFreedom: 1e-300), try NoncentralT(degreesOfFreedom: 4, noncentrality: 2),
        ]
        for d in distributions {
            #expect(d.quantile(0) == -.infinity, "\(d)")
            #expect(d.quantile(1) == .infinity, "\(d)")
            #expect(d.quantile(.nan).isNaN && d.quantile(-0.1).isNaN && d.quantile(1.5).isNaN, "\(d)")
            #expect(d.cdf(.nan).isNaN && d.logDensity(.nan).isNaN)
            #expect(d.cdf(-.infinity) == 0 && d.cdf(.infinity) == 1, "\(d)")
            #expect(d.logDensity(.infinity) == -.infinity, "\(d)")
        }
    }

    @Test(arguments: [0.0, -1, .nan, .infinity, Subnormal.smallest])
    func invalidScalesAreNamed(scale: Double) {
        guard !(scale > 0 && scale.isFinite) else {
            #expect((try? StudentT(degreesOfFreedom: 3, scale: scale)) != nil)  // 5e-324 is a valid scale
            return
        }
        expect(.invalidParameter("standardDeviation"), "Normal(σ: \(scale))") { try Normal(standardDeviation: scale) }
        expect(.invalidParameter("scale"), "StudentT(σ: \(scale))") { try StudentT(degreesOfFreedom: 3, scale: scale) }
        expect(.invalidParameter("scale"), "NoncentralT(σ: \(scale))") { try NoncentralT(degreesOfFreedom: 3, noncentrality: 1, scale: scale) }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteLocationsAreNamed(value: Double) {
        expect(.invalidParameter("mean"), "Normal(μ: \(value))") { try Normal(mean: value) }
        expect(.invalidParameter("location"), "StudentT(μ: \(value))") { try StudentT(degreesOfFreedom: 3, location: value) }
        expect(.invalidParameter("location"), "NoncentralT(μ: \(value))") { try NoncentralT(degreesOfFreedom: 3, noncentrality: 0, location: value) }
    }

    // MARK: Matrices and multivariate fits

    @Test func matrixShapes() {
        expect(.invalidParameter("rows × columns"), "Matrix(rows: Int.max)") { try Matrix(rows: Int.max, columns: 2, elements: [1, 2]) }
        expect(.invalidParameter("rows"), "Matrix(rows: -1)") { try Matrix(rows: -1, columns: 2, elements: []) }
        expect(.dimensionMismatch("matrix elements"), "Matrix elements count") { try Matrix(rows: 2, columns: 2, elements: [1, 2, 3]) }
        expect(.invalidParameter("rows"), "Matrix.identity(-1)") { try Matrix.identity(-1) }
        expect(.invalidParameter("rows × columns"), "Matrix.identity(Int.max)") { try Matrix.identity(Int.max) }
        expect(.dimensionMismatch("matrix row length"), "ragged rows") { try Matrix(rowArrays: [[1, 2], [3]]) }
    }

    static func matrix(_ rows: [[Double]]) -> Matrix { try! Matrix(rowArrays: rows) }
    static let plane = matrix([[0, 1], [1, 0.5], [2, 2], [3, 1], [0, 3], [1, 1.5], [4, -2], [2, 0.5]])

    @Test(arguments: badNumbers)
    func multivariateFitsNameRowAndColumn(bad: Double) {
        var e = Self.plane.elements
        e[5 * 2 + 1] = bad
        let x = try! Matrix(rows: 8, columns: 2, elements: e)
        expect(.nonFiniteValue(row: 5, column: 1), "MultivariateNormal.fit") { try MultivariateNormal.fit(x) }
        expect(.nonFiniteValue(row: 5, column: 1), "MultivariateT.fit") { try MultivariateT.fit(x) }
        expect(.nonFiniteValue(row: 5, column: 1), "DiscriminantAnalysis.fit") {
            try DiscriminantAnalysis<Int>.fit(x, labels: [0, 1, 0, 1, 0, 1, 0, 1])
        }
    }

    @Test func multivariateFitsOnEmptyShortConstantAndMismatchedInput() {
        let empty = Matrix(uncheckedRows: 0, columns: 2, elements: [])
        expect(.emptyData, "MultivariateNormal.fit empty") { try MultivariateNormal.fit(empty) }
        expect(.emptyData, "MultivariateT.fit empty") { try MultivariateT.fit(empty) }
        expect(.emptyData, "DiscriminantAnalysis.fit empty") { try DiscriminantAnalysis<Int>.fit(empty, labels: []) }
        let one = Self.matrix([[1, 2]])
        expect(.tooFewObservations(needed: 3, got: 1), "MultivariateNormal.fit one row") { try MultivariateNormal.fit(one) }
        expect(.tooFewObservations(needed: 4, got: 1), "MultivariateT.fit one row") { try MultivariateT.fit(one) }
        let constant = Self.matrix([[1, 5], [2, 5], [3, 5], [4, 5], [0, 5], [2, 5]])
        expect(.constantData(column: 1), "MultivariateNormal.fit constant") { try MultivariateNormal.fit(constant) }
        expect(.constantData(column: 1), "MultivariateT.fit constant") { try MultivariateT.fit(constant) }
        expect(.constantData(column: 1), "DiscriminantAnalysis.fit constant") { try DiscriminantAnalysis<Int>.fit(constant, labels: [0, 1, 0, 1, 0, 1]) }
        expect(.dimensionMismatch("labels"), "labels count") { try DiscriminantAnalysis<Int>.fit(Self.plane, labels: [0, 1]) }
        expect(.tooFewClasses, "one class") { try DiscriminantAnalysis<Int>.fit(Self.plane, labels: [Int](repeating: 3, count: 8)) }
        expect(.dimensionMismatch("weights"), "weights count") { try MultivariateNormal.fit(Self.plane, weights: [1]) }
    }

    /// Multivariate fits of columns whose covariance cannot be a double (10⁻³¹⁰ or 10²⁰⁰ data)
    /// say which column and why — before, "collinear columns".
    @Test(arguments: [Subnormal.tenToMinus310, 1e-200, 1e200, 1e300])
    func multivariateSpreadsOutsideTheDoubleRangeAreNamed(scale: Double) {
        let x = try! Matrix(rows: 8, columns: 2, elements: Self.plane.elements.enumerated().map { $0.offset % 2 == 1 ? $0.element * scale : $0.element })
        expect(.numericalFailure(prefix: "column 1 spans"), "MultivariateNormal.fit ×\(scale)") { try MultivariateNormal.fit(x) }
        expect(.numericalFailure(prefix: "column 1 spans"), "MultivariateT.fit ×\(scale)") { try MultivariateT.fit(x) }
        expect(.numericalFailure(prefix: "column 1 spans"), "DiscriminantAnalysis.fit ×\(scale)") {
            try DiscriminantAnalysis<Int>.fit(x, labels: [0, 1, 0, 1, 0, 1, 0, 1])
        }
    }

    // MARK: Covariate shift

    @Test func importanceWeightsAndLeastSquares() throws {
        let target = Self.sample.map { $0 + 0.5 }
        var bad = Self.sample
        bad[3] = .nan
        expect(.nonFiniteValue(row: 3, column: nil), "ImportanceWeights.fit source NaN") { try ImportanceWeights.fit(source: bad, target: target) }
        expect(.emptyData, "ImportanceWeights.fit empty target") { try ImportanceWeights.fit(source: Self.sample, target: []) }
        expect(.constantData(column: nil), "ImportanceWeights.fit constant") { try ImportanceWeights.fit(source: [1, 1, 1, 1], target: target) }
        let model = try ImportanceWeights.fit(source: Self.sample, target: target).model
        for lambda in [-0.1, 1.5, .nan, .infinity] {
            expect(.invalidParameter("lambda"), "logWeights(λ: \(lambda))") { try model.logWeights([0, 1], lambda: lambda) }
        }
        // Valid extremes: finite log-weights, weights finite or 0/the documented clamp.
        let far = try model.logWeights([1e308, -1e308, Subnormal.smallest, -0.0, 0])
        #expect(far.allSatisfy { $0.isFinite })
        let normalized = try model.normalizedWeights(Matrix(rows: 4, columns: 1, elements: [1e308, -1e308, 0, 1]))
        #expect(normalized.allSatisfy { $0.isFinite && $0 >= 0 } && abs(normalized.reduce(0, +) - 4) < 1e-9)
        expect(.dimensionMismatch("response"), "line mismatched") { try WeightedLeastSquares.fit([1, 2, 3], response: [1, 2]) }
        expect(.nonFiniteValue(row: 3, column: nil), "line NaN") { try WeightedLeastSquares.fit(bad, response: Self.sample) }
    }
}
