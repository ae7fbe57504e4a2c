import Foundation
import Testing
@testable import Polytail

/// Every error path of DiscriminantAnalysis.fit and its evaluation.
@Suite("Discriminant analysis: errors") struct DiscriminantErrorTests {
    typealias DA = DiscriminantAnalysis<Int>

    /// 3 classes × 6 rows, d = 2, no constant column.
    static func data() -> (Matrix, [Int]) {
        var g = PolytailRandom(seed: 7)
        var rows: [[Double]] = []
        var labels: [Int] = []
        for c in 0..<3 { for _ in 0..<6 { rows.append([g.standardNormal() + Double(c), g.standardNormal()]); labels.append(c) } }
        return (try! Matrix(rowArrays: rows), labels)
    }

    @Test func emptyData() {
        expectError(PolytailError.emptyData) { try DA.fit(Matrix(rows: 0, columns: 2, elements: []), labels: []) }
    }

    @Test func labelCount() {
        let (x, y) = Self.data()
        expectError(PolytailError.dimensionMismatch(what: "labels", expected: 18, got: 17)) { try DA.fit(x, labels: Array(y.dropLast())) }
    }

    @Test func nonFiniteFeature() {
        var (x, y) = Self.data()
        x[4, 1] = .nan
        expectError(PolytailError.nonFiniteValue(row: 4, column: 1)) { try DA.fit(x, labels: y) }
        x[4, 1] = 0; x[2, 0] = .infinity
        expectError(PolytailError.nonFiniteValue(row: 2, column: 0)) { try DA.fit(x, labels: y) }
    }

    @Test func oneClass() {
        let (x, _) = Self.data()
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) { try DA.fit(x, labels: [Int](repeating: 3, count: 18)) }
    }

    @Test func constantColumn() throws {
        let (x, y) = Self.data()
        var e = x.elements
        for i in 0..<18 { e[i * 2 + 1] = 5 }
        expectError(PolytailError.constantData(column: 1)) { try DA.fit(Matrix(rows: 18, columns: 2, elements: e), labels: y) }
    }

    @Test func tooFewRowsShared() throws {
        // n − k = 1 < d = 2.
        let x = try Matrix(rowArrays: [[0, 1], [1, 0], [2, 2], [3, 1]])
        expectError(PolytailError.tooFewObservations(needed: 5, got: 4)) { try DA.fit(x, labels: [0, 0, 1, 2]) }
    }

    @Test("a class with too few rows for its own matrix is named")
    func tooFewRowsPerClass() throws {
        let (x, y) = Self.data()
        let labels = y.enumerated().map { $0.offset < 2 ? 9 : $0.element }  // class 9 has 2 rows, d + 1 = 3 needed
        expectError(PolytailError.invalidParameter(name: "rows of class \"9\"", value: 2,
                                                   requirement: "at least 3 rows are needed to estimate the class's own 2×2 matrix")) {
            try DA.fit(x, labels: labels, scatter: .perClass)
        }
        let t = y.enumerated().map { $0.offset < 3 ? -1 : $0.element }  // 3 rows, d + 2 = 4 needed for t
        expectError(PolytailError.invalidParameter(name: "rows of class \"-1\"", value: 3,
                                                   requirement: "at least 4 rows are needed to estimate the class's own 2×2 matrix")) {
            try DA.fit(x, labels: t, family: .studentT(.fixed(3)), scatter: .perClass)
        }
    }

    @Test("a column constant within one class makes that class's covariance singular")
    func constantWithinClass() throws {
        var (x, y) = Self.data()
        for i in 6..<12 { x[i, 0] = 1 }
        expectError(PolytailError.singularMatrix(what: "covariance of class \"1\" (column 0 is constant within the class)")) {
            try DA.fit(x, labels: y, scatter: .perClass)
        }
        _ = try DA.fit(x, labels: y)  // the pooled covariance is fine
    }

    @Test("collinear columns: singular pooled covariance or scatter")
    func collinear() throws {
        let (x, y) = Self.data()
        var rows = x.rowArrays
        for i in rows.indices { rows[i].append(2 * rows[i][0] - rows[i][1]) }
        let z = try Matrix(rowArrays: rows)
        expectError(PolytailError.singularMatrix(what: "pooled within-class covariance (a column constant within every class, or collinear columns)")) {
            try DA.fit(z, labels: y)
        }
        expectError(PolytailError.singularMatrix(what: "covariance of class \"0\" (collinear columns)")) {
            try DA.fit(z, labels: y, scatter: .perClass)
        }
        // Column 0 constant within every class (but not overall): the pooled matrix is singular.
        var w = x
        for i in 0..<18 { w[i, 0] = Double(y[i]) }
        expectError(PolytailError.singularMatrix(what: "pooled within-class scatter (a column constant within every class, or collinear columns)")) {
            try DA.fit(w, labels: y, family: .studentT(.fixed(4)))
        }
    }

    @Test func priors() throws {
        let (x, y) = Self.data()
        expectError(PolytailError.unknownLabel("7")) { try DA.fit(x, labels: y, priors: .given([0: 0.2, 1: 0.3, 2: 0.4, 7: 0.1])) }
        expectError(PolytailError.invalidParameter(name: "prior of class \"2\"", value: 0, requirement: "missing: give a prior for every class")) {
            try DA.fit(x, labels: y, priors: .given([0: 0.5, 1: 0.5]))
        }
        expectError(PolytailError.invalidParameter(name: "prior of class \"1\"", value: -0.1, requirement: "must be finite and ≥ 0")) {
            try DA.fit(x, labels: y, priors: .given([0: 0.6, 1: -0.1, 2: 0.5]))
        }
        expectError(PolytailError.invalidParameter(name: "sum of the priors", value: 0.75, requirement: "must be 1 (within 1e-9)")) {
            try DA.fit(x, labels: y, priors: .given([0: 0.25, 1: 0.25, 2: 0.25]))
        }
        let m = try DA.fit(x, labels: y, priors: .given([0: 0.5, 1: 0.25, 2: 0.25])).model
        #expect(m.priors == [0.5, 0.25, 0.25])
    }

    @Test func degreesOfFreedom() {
        let (x, y) = Self.data()
        expectError(PolytailError.invalidParameter(name: "degreesOfFreedom", value: 0, requirement: "must be finite and > 0")) {
            try DA.fit(x, labels: y, family: .studentT(.fixed(0)))
        }
        expectError(PolytailError.dimensionMismatch(what: "degrees of freedom per group (one per group, in group order)", expected: 3, got: 4)) {
            try DA.fit(x, labels: y, family: .studentT(.fixedPerGroup([1, 2, 3, 4])))
        }
        expectError(PolytailError.dimensionMismatch(what: "degrees of freedom per group (one per group, in group order)", expected: 3, got: 2)) {
            try DA.fit(x, labels: y, family: .studentT(.fixedPerGroup([1, 3])))
        }
        expectError(PolytailError.invalidParameter(name: "degrees of freedom of class \"2\"", value: -1, requirement: "must be finite and > 0")) {
            try DA.fit(x, labels: y, family: .studentT(.fixedPerGroup([1, 2, -1])))
        }
        expectError(PolytailError.invalidParameter(name: "maximum degrees of freedom", value: 1, requirement: "must be > the minimum (+∞ for none)")) {
            try DA.fit(x, labels: y, family: .studentT(.estimated(minimum: 2, maximum: 1)))
        }
        expectError(PolytailError.invalidParameter(name: "minimum degrees of freedom", value: -1, requirement: "must be finite and > 0")) {
            try DA.fit(x, labels: y, family: .studentT(.estimatedPerGroup(minimum: -1)))
        }
    }

    @Test func iterationSettings() {
        let (x, y) = Self.data()
        expectError(PolytailError.invalidParameter(name: "tolerance", value: 0, requirement: "must be finite and > 0")) {
            try DA.fit(x, labels: y, tolerance: 0)
        }
        expectError(PolytailError.invalidParameter(name: "maxIterations", value: 0, requirement: "must be at least 1")) {
            try DA.fit(x, labels: y, maxIterations: 0)
        }
    }

    @Test("evaluation: wrong column count and non-finite rows", arguments: [false, true])
    func evaluation(_ t: Bool) throws {
        let (x, y) = Self.data()
        let m = try DA.fit(x, labels: y, family: t ? .studentT(.fixed(3)) : .normal).model
        expectError(PolytailError.dimensionMismatch(what: "feature columns", expected: 2, got: 3)) {
            try m.posteriors(Matrix(rows: 1, columns: 3, elements: [0, 0, 0]))
        }
        // A bad entry in a later block of a parallel evaluation is still found and named.
        var big = Matrix(uncheckedRows: 50_000, columns: 2, elements: [Double](repeating: 0.5, count: 100_000))
        big[40_000, 1] = .nan
        big[45_000, 0] = -.infinity
        expectError(PolytailError.nonFiniteValue(row: 40_000, column: 1)) { try m.logPosteriors(big) }
        expectError(PolytailError.nonFiniteValue(row: 40_000, column: 1)) { try m.predict(big) }
        #expect(try m.posteriors(Matrix(rows: 0, columns: 2, elements: [])).rows == 0)
    }
}
