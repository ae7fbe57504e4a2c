/// Checks shared by every fit: finiteness of data and weights, enough observations,
/// a non-constant sample. Returns the weights to use (all ones when none were given).
enum DataValidation {
    static func checkUnivariate(_ data: [Double], weights: [Double]?, parameters: Int) throws(PolytailError) -> [Double] {
        guard !data.isEmpty else { throw .emptyData }
        for (i, x) in data.enumerated() where !x.isFinite { throw .nonFiniteValue(row: i, column: nil) }
        let w = try checkWeights(weights, count: data.count)
        let effective = w.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        guard effective >= parameters else { throw .tooFewObservations(needed: parameters, got: effective) }
        var first: Double? = nil
        var constant = true
        for (x, wi) in zip(data, w) where wi > 0 {
            if let f = first { if x != f { constant = false; break } } else { first = x }
        }
        if constant { throw .constantData(column: nil) }
        return w
    }

    /// The number of positive weights: the observations a weighted fit uses.
    static func positiveCount(_ w: [Double]) -> Int { w.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    static func checkWeights(_ weights: [Double]?, count: Int) throws(PolytailError) -> [Double] {
        guard let weights else { return [Double](repeating: 1, count: count) }
        guard weights.count == count else {
            throw .dimensionMismatch(what: "weights", expected: count, got: weights.count)
        }
        var total = 0.0
        for (i, w) in weights.enumerated() {
            guard w.isFinite, w >= 0 else { throw .invalidWeight(row: i) }
            total += w
        }
        guard total > 0 else { throw .invalidWeight(row: nil) }
        return weights
    }
}

extension DataValidation {
    /// Matrix data: at least one row and column, finite entries, valid weights, at least
    /// `minimumRows` rows of positive weight, and no constant column.
    static func checkMatrix(_ data: Matrix, weights: [Double]?, minimumRows: Int) throws(PolytailError) -> [Double] {
        guard data.rows > 0, data.columns > 0 else { throw .emptyData }
        let d = data.columns
        for i in 0..<data.rows {
            for j in 0..<d where !data.elements[i * d + j].isFinite { throw .nonFiniteValue(row: i, column: j) }
        }
        let w = try checkWeights(weights, count: data.rows)
        let effective = w.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        guard effective >= minimumRows else { throw .tooFewObservations(needed: minimumRows, got: effective) }
        // One row-major pass: a column is constant while it equals its first weighted row.
        var first: [Double]? = nil
        var varies = [Bool](repeating: false, count: d)
        for i in 0..<data.rows where w[i] > 0 {
            guard let f = first else { first = Array(data.elements[(i * d)..<(i * d + d)]); continue }
            for j in 0..<d where data.elements[i * d + j] != f[j] { varies[j] = true }
        }
        if let j = varies.firstIndex(of: false) { throw .constantData(column: j) }
        return w
    }
}
