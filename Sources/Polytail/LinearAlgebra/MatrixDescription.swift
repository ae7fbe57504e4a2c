extension Matrix: CustomStringConvertible {
    /// The matrix one row per line, as `print` shows it: a `rows × columns` header, then each
    /// row as `[a, b, …]` with every entry at full (round-trip) precision. Large matrices are
    /// shortened as NumPy shortens them: more than 12 rows show the first 6 and the last 3,
    /// more than 12 columns the first 6 and the last 3, with `…` between.
    public var description: String {
        func shown(_ count: Int) -> [Int?] {
            count <= 12 ? Array(0..<count) : Array(0..<6) + [nil] + Array((count - 3)..<count)
        }
        var lines = ["\(rows) × \(columns) Matrix"]
        for i in shown(rows) {
            guard let i else { lines.append("… (\(rows - 9) more rows)"); continue }
            let entries = shown(columns).map { j in j.map { "\(self[i, $0])" } ?? "…" }
            lines.append("[" + entries.joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n")
    }
}
