import Testing
@testable import Polytail

@Suite("Matrix conveniences")
struct MatrixConvenienceTests {
    @Test func rowSubscriptReadsEachObservation() throws {
        let m = try Matrix(rows: 3, columns: 2, elements: [1, 2, 3, 4, 5, 6])
        #expect(m[row: 0] == [1, 2])
        #expect(m[row: 1] == [3, 4])
        #expect(m[row: 2] == [5, 6])
        for i in 0..<m.rows { for j in 0..<m.columns { #expect(m[row: i][j] == m[i, j]) } }
    }

    @Test func rowSubscriptOfAnEmptyRow() throws {
        let m = try Matrix(rows: 2, columns: 0, elements: [])
        #expect(m[row: 1] == [])
    }

    @Test func rowArraysRoundTrip() throws {
        let rows: [[Double]] = [[1, -2, 3], [0.5, .infinity, -0.0], [7, 8, 9], [1e300, -1e-300, 4]]
        let m = try Matrix(rowArrays: rows)
        #expect(m.rows == 4 && m.columns == 3)
        #expect(m.elements == rows.flatMap { $0 })
        #expect(m.rowArrays == rows)
        #expect(try Matrix(rowArrays: m.rowArrays) == m)
        #expect(m.rowArrays == (0..<m.rows).map { m[row: $0] })
    }

    @Test func emptyRowArraysGiveTheEmptyMatrix() throws {
        let m = try Matrix(rowArrays: [])
        #expect(m.rows == 0 && m.columns == 0)
        #expect(m.rowArrays.isEmpty)
    }

    @Test func raggedRowArraysThrow() {
        expectError(PolytailError.dimensionMismatch(what: "matrix row length", expected: 2, got: 3)) {
            try Matrix(rowArrays: [[1, 2], [3, 4, 5]])
        }
    }
}
