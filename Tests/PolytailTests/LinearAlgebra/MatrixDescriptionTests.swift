import Testing
import Polytail

/// `print(matrix)` shows one row per line, entries at full precision; large matrices shortened.
@Suite struct MatrixDescriptionTests {
    @Test func smallMatricesShowEveryEntryRowByRow() throws {
        let m = try Matrix(rowArrays: [[1, 0.1], [-2.5e-300, 3]])
        #expect(m.description == "2 × 2 Matrix\n[1.0, 0.1]\n[-2.5e-300, 3.0]")
        #expect("\(try Matrix(rows: 0, columns: 3, elements: []))" == "0 × 3 Matrix")
    }

    @Test func largeMatricesShowTheirCornersAsNumPyDoes() throws {
        let m = try Matrix(rows: 20, columns: 30, elements: (0..<600).map(Double.init))
        let lines = m.description.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 6 + 1 + 3 && lines[0] == "20 × 30 Matrix" && lines[7] == "… (11 more rows)")
        #expect(lines[1] == "[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, …, 27.0, 28.0, 29.0]")
        #expect(lines[10] == "[570.0, 571.0, 572.0, 573.0, 574.0, 575.0, …, 597.0, 598.0, 599.0]")
        let twelve = try Matrix(rows: 12, columns: 12, elements: Array(repeating: 0.5, count: 144))
        #expect(twelve.description.split(separator: "\n").count == 13 && !twelve.description.contains("…"))
    }
}
