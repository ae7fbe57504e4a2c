import Foundation
import Testing
@testable import Polytail

/// Regression tests for library traps reachable from user values (issue 10): each input
/// below used to trap (integer overflow, a force unwrap, an index past the end) and must now
/// throw the specific ``PolytailError`` named.
@Suite("Reliability: no trap from user values") struct TrapRegressionTests {
    @Test func matrixSizesThatOverflowThrow() {
        expectError(PolytailError.invalidParameter(name: "rows × columns", value: Double(Int.max) * 2,
                                                   requirement: "must not exceed \(Int.max) entries")) {
            try Matrix(rows: Int.max, columns: 2, elements: [])
        }
        expectError(PolytailError.invalidParameter(name: "rows", value: -1, requirement: "must be non-negative")) {
            try Matrix(rows: -1, columns: 2, elements: [])
        }
        expectError(PolytailError.invalidParameter(name: "columns", value: Double(Int.min), requirement: "must be non-negative")) {
            try Matrix(rows: 0, columns: Int.min, elements: [])
        }
        expectError(PolytailError.dimensionMismatch(what: "matrix elements", expected: 6, got: 5)) {
            try Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5])
        }
    }

    @Test func identityOfNegativeOrHugeSizeThrows() throws {
        expectError(PolytailError.invalidParameter(name: "rows", value: -1, requirement: "must be non-negative")) {
            try Matrix.identity(-1)
        }
        expectError(PolytailError.invalidParameter(name: "rows × columns", value: Double(Int.max) * Double(Int.max),
                                                   requirement: "must not exceed \(Int.max) entries")) {
            try Matrix.identity(Int.max)
        }
        #expect(try Matrix.identity(0).elements.isEmpty)
        #expect(try Matrix.identity(2).elements == [1, 0, 0, 1])
    }

    @Test func digitImagesWithOverflowingGeometryThrow() throws {
        let none = try Matrix(rows: 0, columns: 4, elements: [])
        expectError(PolytailError.invalidParameter(name: "rows × columns", value: Double(Int.max) * 2,
                                                   requirement: "must not exceed \(Int.max) entries")) {
            try DigitImages(images: none, labels: [], height: Int.max, width: 2)
        }
        expectError(PolytailError.dimensionMismatch(what: "pixels per image", expected: 6, got: 4)) {
            try DigitImages(images: none, labels: [], height: 2, width: 3)
        }
    }

    @Test func discriminantAnalysisRejectsNaNLabels() throws {
        let x = try Matrix(rowArrays: [[0, 1], [1, 0], [2, 2], [3, 1], [0, 3], [1, 1]])
        expectError(PolytailError.unknownLabel("nan")) {
            try DiscriminantAnalysis<Double>.fit(x, labels: [0, 1, .nan, 0, 1, 0])
        }
        expectError(PolytailError.unknownLabel("nan")) {
            try DiscriminantAnalysis<Double>.fit(x, labels: [.nan, .nan, .nan, .nan, .nan, .nan])
        }
    }

    @Test func csvLineOfAnyRowIndexIsDefined() {
        let table = CSVTable(header: ["a"], rows: [["1"], ["2"]])
        #expect(table.line(ofRow: 1) == 3)
        #expect(table.line(ofRow: Int.max) == Int.max)
        #expect(table.line(ofRow: Int.max - 2) == Int.max)
        #expect(table.line(ofRow: Int.min) == Int.min + 2)
    }
}
