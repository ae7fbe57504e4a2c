import Foundation

// Plumbing shared by every script under Scripts/: progress on standard error, output folders,
// CSV and Markdown tables, percentages, quantiles and histograms. Results go to files and
// standard output; progress goes to standard error.

/// Writes one line of progress to standard error.
/// - Parameter text: the line, without its newline.
public func progress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Creates `path` (and its parents) when missing.
/// - Parameter path: a folder, relative to the working directory or absolute.
/// - Returns: the folder as a file URL.
/// - Throws: the file system's error when the folder cannot be created.
public func outputFolder(_ path: String) throws -> URL {
    let url = URL(fileURLWithPath: path, isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// 100·x with two decimals ("97.50"); "–" for NaN (an empty class).
/// - Parameter x: a fraction.
/// - Returns: the percentage as text, without the "%" sign.
public func percent(_ x: Double) -> String {
    x.isNaN ? "–" : String(format: "%.2f", 100 * x)
}

/// "m ± sd" of percentages: the mean and the sample standard deviation (n − 1; 0 for one
/// value) of the fractions `values`, times 100.
/// - Parameters:
///   - values: fractions, one per seed.
///   - decimals: digits after the point.
/// - Returns: e.g. "97.5 ± 0.4"; "–" when `values` is empty.
public func percentMeanSD(_ values: [Double], decimals: Int = 1) -> String {
    guard !values.isEmpty else { return "–" }
    let (m, sd) = meanAndStandardDeviation(values)
    return String(format: "%.\(decimals)f ± %.\(decimals)f", 100 * m, 100 * sd)
}

/// The mean and the sample standard deviation (divisor n − 1; 0 for a single value).
/// - Parameter values: the sample (NaN propagates).
/// - Returns: (NaN, NaN) for an empty sample.
public func meanAndStandardDeviation(_ values: [Double]) -> (mean: Double, sd: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let m = values.reduce(0, +) / Double(values.count)
    guard values.count > 1 else { return (m, 0) }
    let ss = values.map { ($0 - m) * ($0 - m) }.reduce(0, +)
    return (m, (ss / Double(values.count - 1)).squareRoot())
}

/// The arithmetic mean; NaN when empty.
public func mean(_ values: [Double]) -> Double {
    values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
}

/// The q-quantile of the finite values (type 7: linear interpolation between order
/// statistics, as R's default and numpy's `quantile`); NaN when there are none.
/// - Parameters:
///   - values: unsorted; non-finite entries are ignored.
///   - q: in [0, 1].
public func quantile(_ values: [Double], _ q: Double) -> Double {
    let s = values.filter(\.isFinite).sorted()
    guard !s.isEmpty else { return .nan }
    let h = q * Double(s.count - 1)
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
    return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
}

/// The median of the finite values (the mean of the two middle ones for an even count);
/// NaN when there are none.
public func median(_ values: [Double]) -> Double { quantile(values, 0.5) }

/// A Markdown table; the columns from `alignRightFrom` on are right-aligned.
/// - Parameters:
///   - header: the column titles.
///   - rows: the cells, one array per row.
///   - alignRightFrom: the first right-aligned column (the ones before it are left-aligned).
/// - Returns: the table, one line per row, ending in a newline.
public func markdownTable(_ header: [String], _ rows: [[String]], alignRightFrom: Int = 1) -> String {
    var out = "| " + header.joined(separator: " | ") + " |\n|"
    for i in header.indices { out += i < alignRightFrom ? "---|" : "---:|" }
    out += "\n"
    for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
    return out
}

/// Writes rows of text as CSV; a field holding a comma, a quote or a newline is quoted
/// (RFC 4180).
/// - Throws: the file system's error.
public func writeCSV(header: [String], rows: [[String]], to url: URL) throws {
    func field(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n")
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    var text = header.map(field).joined(separator: ",") + "\n"
    for row in rows { text += row.map(field).joined(separator: ",") + "\n" }
    try text.write(to: url, atomically: true, encoding: .utf8)
}

/// "mean ± sd over 5 seeds (1…5)": how a seeds report's heading names its seeds.
/// - Parameter seeds: the seeds, in the order they ran.
/// - Returns: the phrase; "no seeds" for none.
public func meanSDOverSeeds(_ seeds: [UInt64]) -> String {
    guard let first = seeds.first, let last = seeds.last else { return "no seeds" }
    return "mean ± sd over \(seeds.count) seed\(seeds.count == 1 ? "" : "s") (\(first)…\(last))"
}

/// Writes a report over seeds as `<name>.csv` and `<name>.md` in `folder`: the Markdown is
/// `heading` as a level-one title, `note` as a paragraph, then the table.
/// - Parameters:
///   - name: the file name without extension, e.g. "table1_seeds".
///   - heading: the title, without the leading "# ".
///   - note: one paragraph on what each seed draws and the settings.
///   - header: the column titles (both files).
///   - rows: the Markdown table's cells, one array per row.
///   - csvRows: the CSV's cells when they differ from `rows` (e.g. more decimals).
///   - alignRightFrom: the first right-aligned Markdown column.
///   - folder: where the two files go.
/// - Returns: the Markdown.
/// - Throws: the file system's error.
public func writeSeedsReport(_ name: String, heading: String, note: String, header: [String], rows: [[String]],
                             csvRows: [[String]]? = nil, alignRightFrom: Int, in folder: URL) throws -> String {
    try writeCSV(header: header, rows: csvRows ?? rows, to: folder.appendingPathComponent(name + ".csv"))
    let text = "# \(heading)\n\n\(note)\n\n" + markdownTable(header, rows, alignRightFrom: alignRightFrom)
    try text.write(to: folder.appendingPathComponent(name + ".md"), atomically: true, encoding: .utf8)
    return text
}

/// Checks that numbers about to be reported are finite.
/// - Parameters:
///   - values: the numbers.
///   - what: what they are, for the message.
/// - Throws: ``ScriptDataError`` naming `what` and the first NaN or infinite value.
public func requireFinite(_ values: [Double], _ what: String) throws {
    if let bad = values.first(where: { !$0.isFinite }) {
        throw ScriptDataError("\(what) is \(bad): the data give no finite result")
    }
}

/// Writes named numeric columns of equal length as CSV (numbers in Swift's shortest
/// round-trip form).
/// - Throws: ``ScriptDataError`` naming the file, column and row of a NaN or infinite value
///   (a result is never written with one), or the file system's error.
public func writeCSV(_ columns: [(String, [Double])], to url: URL) throws {
    for (name, values) in columns {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw ScriptDataError("\(url.path): refusing to write \(values[i]) in column \"\(name)\", row \(i + 1): the computation gave a non-finite result")
        }
    }
    var text = columns.map(\.0).joined(separator: ",") + "\n"
    let n = columns.first?.1.count ?? 0
    for i in 0..<n { text += columns.map { "\($0.1[i])" }.joined(separator: ",") + "\n" }
    try text.write(to: url, atomically: true, encoding: .utf8)
}

/// Counts of `values` in the bins [e₀, e₁), [e₁, e₂), …, [e_{m−1}, e_m] (the last bin closed);
/// values outside [e₀, e_m] and non-finite values are not counted.
/// - Parameters:
///   - values: the sample.
///   - edges: m + 1 increasing bin edges.
///   - normalise: divide by the number of values given (finite or not), so that the
///     heights are fractions of the sample and two samples of different sizes compare.
/// - Returns: m counts (or fractions); empty when fewer than two edges are given.
public func histogram(_ values: [Double], edges: [Double], normalise: Bool = false) -> [Double] {
    guard edges.count >= 2 else { return [] }
    var counts = [Double](repeating: 0, count: edges.count - 1)
    for v in values where v.isFinite && v >= edges[0] && v <= edges[edges.count - 1] {
        // Binary search for the last edge ≤ v.
        var lo = 0, hi = edges.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if edges[mid] <= v { lo = mid } else { hi = mid }
        }
        counts[lo] += 1
    }
    if normalise, !values.isEmpty { counts = counts.map { $0 / Double(values.count) } }
    return counts
}

/// m + 1 equally spaced edges from `lower` to `upper` (m ≥ 1).
public func binEdges(_ lower: Double, _ upper: Double, bins m: Int) -> [Double] {
    (0...max(m, 1)).map { lower + (upper - lower) * Double($0) / Double(max(m, 1)) }
}
