/// A dense real matrix stored row-major, the layout every CBLAS/LAPACKE call here uses.
public struct Matrix: Equatable, Sendable, Codable {
    public let rows: Int
    public let columns: Int
    /// The entries, row after row (`elements[i * columns + j]` is entry (i, j)).
    public var elements: [Double]

    /// A matrix from its row-major entries.
    ///
    /// - Parameters:
    ///   - rows: the number of rows, ≥ 0.
    ///   - columns: the number of columns, ≥ 0.
    ///   - elements: rows · columns entries, row after row.
    /// - Throws: `PolytailError.invalidParameter` for a negative size or one whose product
    ///   rows · columns overflows `Int`; `.dimensionMismatch` when `elements` does not hold
    ///   rows · columns entries.
    public init(rows: Int, columns: Int, elements: [Double]) throws(PolytailError) {
        let count = try Matrix.elementCount(rows: rows, columns: columns)
        guard elements.count == count else {
            throw .dimensionMismatch(what: "matrix elements", expected: count, got: elements.count)
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from an array of rows, all of the same length (one row per observation,
    /// the layout of ``rowArrays``). An empty array gives the 0 × 0 matrix.
    ///
    ///     let m = try Matrix(rowArrays: [[1, 2], [3, 4], [5, 6]])   // 3 × 2
    ///
    /// - Parameter rowArrays: the rows, each with the same number of entries.
    /// - Throws: `.dimensionMismatch` when a row's length differs from the first row's.
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

    /// rows · columns, checked: both non-negative and the product representable.
    ///
    /// - Throws: `PolytailError.invalidParameter` naming the size that is negative or too large.
    static func elementCount(rows: Int, columns: Int) throws(PolytailError) -> Int {
        guard rows >= 0 else { throw .invalidParameter(name: "rows", value: Double(rows), requirement: "must be non-negative") }
        guard columns >= 0 else {
            throw .invalidParameter(name: "columns", value: Double(columns), requirement: "must be non-negative")
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow else {
            throw .invalidParameter(name: "rows × columns", value: Double(rows) * Double(columns),
                                    requirement: "must not exceed \(Int.max) entries")
        }
        return count
    }

    /// The n × n identity.
    ///
    /// - Parameter n: the size, ≥ 0.
    /// - Throws: `PolytailError.invalidParameter` when n is negative or n² overflows `Int`.
    public static func identity(_ n: Int) throws(PolytailError) -> Matrix {
        var e = [Double](repeating: 0, count: try elementCount(rows: n, columns: n))
        for i in 0..<n { e[i * n + i] = 1 }
        return Matrix(uncheckedRows: n, columns: n, elements: e)
    }

    /// Entry (row, column), both zero-based.
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Decodes `rows`, `columns` and `elements` and checks them through
    /// ``init(rows:columns:elements:)``.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the sizes are negative, overflow, or
    ///   disagree with the number of elements.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows)
        let columns = try c.decode(Int.self, forKey: .columns)
        let elements = try c.decode([Double].self, forKey: .elements)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try Matrix(rows: rows, columns: columns, elements: elements)
        }
    }

    enum CodingKeys: String, CodingKey { case rows, columns, elements }

    /// Row `i` (zero-based) as an array: `matrix[row: i]` is observation i, a copy of its
    /// ``columns`` entries. An index outside 0 ..< ``rows`` is a programmer error and traps,
    /// as for `Array`.
    public subscript(row i: Int) -> [Double] {
        precondition(i >= 0 && i < rows, "row \(i) outside 0 ..< \(rows)")
        return Array(elements[(i * columns)..<((i + 1) * columns)])
    }

    /// The rows as arrays, `[matrix[row: 0], matrix[row: 1], …]`; the inverse of
    /// ``init(rowArrays:)``.
    public var rowArrays: [[Double]] {
        (0..<rows).map { Array(elements[($0 * columns)..<(($0 + 1) * columns)]) }
    }
}

extension Matrix {
    /// Visits the rows in blocks of at most `blockRows`, each row centred on `center` and
    /// multiplied by `rowScale(i)`, in one reused row-major buffer of `rows × columns` — for
    /// passes that need the centred data (distances, scatter) without an n × d copy.
    func forEachCentredBlock(center: [Double], blockRows: Int, rowScale: (Int) -> Double = { _ in 1 },
                             _ body: (_ first: Int, _ rows: Int, _ block: inout [Double]) -> Void) {
        let d = columns
        var block = [Double]()
        block.reserveCapacity(blockRows * d)
        var first = 0
        while first < rows {
            let count = Swift.min(blockRows, rows - first)
            block.removeAll(keepingCapacity: true)
            for i in first..<(first + count) {
                let s = rowScale(i)
                for j in 0..<d { block.append(s * (elements[i * d + j] - center[j])) }
            }
            body(first, count, &block)
            first += count
        }
    }
}
