/// A dense real matrix stored row-major, the layout every CBLAS/LAPACKE call here uses.
public struct Matrix: Equatable, Sendable, Codable {
    public let rows: Int
    public let columns: Int
    /// The entries, row after row (`elements[i * columns + j]` is entry (i, j)).
    public var elements: [Double]

    /// A matrix from its row-major entries.
    public init(rows: Int, columns: Int, elements: [Double]) throws(PolytailError) {
        guard rows >= 0, columns >= 0 else {
            throw .invalidParameter(name: "rows/columns", value: Double(min(rows, columns)), requirement: "must be non-negative")
        }
        guard elements.count == rows * columns else {
            throw .dimensionMismatch(what: "matrix elements", expected: rows * columns, got: elements.count)
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from an array of rows, all of the same length.
    public init(rowArrays: [[Double]]) throws(PolytailError) {
        let columns = rowArrays.first?.count ?? 0
        var elements: [Double] = []
        elements.reserveCapacity(rowArrays.count * columns)
        for row in rowArrays {
            guard row.count == columns else {
                throw .dimensionMismatch(what: "matrix row length", expected: columns, got: row.count)
            }
            elements.append(contentsOf: row)
        }
        self.rows = rowArrays.count
        self.columns = columns
        self.elements = elements
    }

    init(uncheckedRows rows: Int, columns: Int, elements: [Double]) {
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var e = [Double](repeating: 0, count: n * n)
        for i in 0..<n { e[i * n + i] = 1 }
        return Matrix(uncheckedRows: n, columns: n, elements: e)
    }

    public subscript(row: Int, column: Int) -> Double {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// The rows as arrays.
    public var rowArrays: [[Double]] {
        (0..<rows).map { Array(elements[($0 * columns)..<(($0 + 1) * columns)]) }
    }
}
