import Foundation

/// The factors a fitted discriminant analysis needs to evaluate log posteriors in blocks,
/// precomputed once at fit time.
///
/// All rows are first centred at c, the mean of the class locations, so that the
/// expansion δₖ² = ‖z‖² − 2 zᵀm̃ₖ + ‖m̃ₖ‖² (shared t) and the linear form (shared normal)
/// never subtract large, nearly equal numbers for data far from the origin.
struct DiscriminantKernel: Sendable {
    enum Mode: Sendable { case sharedNormal, sharedT, perClass }

    let mode: Mode
    let normal: Bool
    let d: Int
    let k: Int
    /// c, the mean of the class locations.
    let center: [Double]
    /// μₖ, row after row (k × d).
    let locations: [Double]
    /// Lower Cholesky factors, row-major d × d: one (shared) or k (per class).
    let lowers: [[Double]]
    /// k × d. Shared normal: Σ⁻¹(μₖ − c). Shared t: m̃ₖ = L⁻¹(μₖ − c). Per class: unused.
    let classVectors: [Double]
    /// Shared normal: −½ (μₖ − c)ᵀΣ⁻¹(μₖ − c) + log πₖ. Shared t: ‖m̃ₖ‖². Per class: unused.
    let offsets: [Double]
    /// log πₖ + log-normaliser of class k (the part of log πₖ p(x | yₖ) free of x).
    let logConstants: [Double]
    /// νₖ (t only).
    let nu: [Double]

    static let blockRows = 8192

    init<Label>(conditionals: [DiscriminantAnalysis<Label>.ClassConditional], priors: [Double], shared: Bool) throws(PolytailError) {
        let k = conditionals.count
        let d = conditionals[0].location.count
        self.k = k
        self.d = d
        var normal = true
        var lowers: [[Double]] = []
        var logDets: [Double] = []
        var nu: [Double] = []
        var locations: [Double] = []
        for c in conditionals {
            switch c {
            case let .normal(n):
                lowers.append(n.lower.elements); logDets.append(n.logDeterminant); locations += n.mean
            case let .studentT(t):
                normal = false
                lowers.append(t.lower.elements); logDets.append(t.logDeterminant); locations += t.location
                nu.append(t.degreesOfFreedom)
            }
        }
        self.normal = normal
        self.nu = nu
        self.locations = locations
        var center = [Double](repeating: 0, count: d)
        for j in 0..<k { for l in 0..<d { center[l] += locations[j * d + l] / Double(k) } }
        self.center = center
        let logPriors = priors.map { log($0) }
        var logConstants = [Double](repeating: 0, count: k)
        for j in 0..<k {
            if normal {
                logConstants[j] = logPriors[j] - 0.5 * (Double(d) * 2 * Normal.logRootTwoPi + logDets[j])
            } else {
                logConstants[j] = logPriors[j] + MultivariateT.logNormalizer(nu: nu[j], d: d, logDeterminant: logDets[j])
            }
        }
        self.logConstants = logConstants
        var vectors = [Double](repeating: 0, count: k * d)
        var offsets = [Double](repeating: 0, count: k)
        if shared {
            lowers = [lowers[0]]
            // m̃ₖ = L⁻¹(μₖ − c).
            for j in 0..<k {
                var v = (0..<d).map { locations[j * d + $0] - center[$0] }
                lowers[0].withUnsafeBufferPointer { l in
                    v.withUnsafeMutableBufferPointer { DiscriminantBlas.solveLower(dimension: d, lower: l.baseAddress!, $0.baseAddress!) }
                }
                var norm2 = 0.0
                for l in 0..<d { norm2 += v[l] * v[l] }
                if normal {
                    // βₖ = L⁻ᵀ m̃ₖ = Σ⁻¹(μₖ − c); log πₖ p(x|yₖ) = βₖᵀ(x − c) − ½‖m̃ₖ‖² + log πₖ + (terms common to all k).
                    let lower = Matrix(uncheckedRows: d, columns: d, elements: lowers[0])
                    var beta = v
                    for l in stride(from: d - 1, through: 0, by: -1) {
                        var s = beta[l]
                        for m in (l + 1)..<max(l + 1, d) { s -= lower[m, l] * beta[m] }
                        beta[l] = s / lower[l, l]
                    }
                    for l in 0..<d { vectors[j * d + l] = beta[l] }
                    offsets[j] = -0.5 * norm2 + logPriors[j]
                } else {
                    for l in 0..<d { vectors[j * d + l] = v[l] }
                    offsets[j] = norm2
                }
            }
            mode = normal ? .sharedNormal : .sharedT
        } else {
            mode = .perClass
        }
        self.lowers = lowers
        self.classVectors = vectors
        self.offsets = offsets
        for v in vectors where !v.isFinite { throw .numericalFailure("non-finite discriminant coefficients") }
    }

    /// Log posteriors (or posteriors) of every row of x.
    func evaluate(_ x: Matrix, logarithmic: Bool) throws(PolytailError) -> Matrix {
        guard x.columns == d else { throw .dimensionMismatch(what: "feature columns", expected: d, got: x.columns) }
        let n = x.rows
        let k = self.k
        if n == 0 { return Matrix(uncheckedRows: 0, columns: k, elements: []) }
        let blocks = (n + Self.blockRows - 1) / Self.blockRows
        let chunks = min(blocks, Parallel.chunkCount(n, threshold: 4 * Self.blockRows))
        var firstBad: (row: Int, column: Int)? = nil
        let out = [Double](unsafeUninitializedCapacity: n * k) { buffer, initialized in
            let outBase = UncheckedSendable(value: buffer.baseAddress!)
            x.elements.withUnsafeBufferPointer { xb in
                let xBase = UncheckedSendable(value: xb.baseAddress!)
                let bad = Parallel.map(chunks, placeholder: nil as (row: Int, column: Int)?) { c in
                    let firstBlock = blocks * c / chunks, endBlock = blocks * (c + 1) / chunks
                    var scratch = Scratch(rows: Self.blockRows, d: d, k: k)
                    for b in firstBlock..<endBlock {
                        let r0 = b * Self.blockRows, r1 = min(n, r0 + Self.blockRows)
                        if let bad = evaluateBlock(xBase.value + r0 * d, rows: r1 - r0, out: outBase.value + r0 * k,
                                                   scratch: &scratch, logarithmic: logarithmic) {
                            return (r0 + bad.row, bad.column)
                        }
                    }
                    return nil
                }
                firstBad = bad.compactMap { $0 }.min { $0.row < $1.row }
            }
            if firstBad != nil { buffer.initialize(repeating: 0) }
            initialized = n * k
        }
        if let firstBad { throw .nonFiniteValue(row: firstBad.row, column: firstBad.column) }
        return Matrix(uncheckedRows: n, columns: k, elements: out)
    }

    struct Scratch {
        var y: [Double]
        var q: [Double]
        init(rows: Int, d: Int, k: Int) {
            y = [Double](repeating: 0, count: rows * d)
            q = [Double](repeating: 0, count: rows)
        }
    }

    /// Evaluates `rows` rows starting at `x` into `out` (rows × k); returns the first
    /// non-finite input entry, if any.
    private func evaluateBlock(
        _ x: UnsafePointer<Double>, rows m: Int, out: UnsafeMutablePointer<Double>,
        scratch: inout Scratch, logarithmic: Bool
    ) -> (row: Int, column: Int)? {
        let d = self.d, k = self.k
        return scratch.y.withUnsafeMutableBufferPointer { yb -> (row: Int, column: Int)? in
            let y = yb.baseAddress!
            // Copy and centre, checking finiteness on the way.
            let reference: [Double] = mode == .perClass ? Array(locations[0..<d]) : center
            for i in 0..<m {
                for l in 0..<d {
                    let v = x[i * d + l]
                    guard v.isFinite else { return (i, l) }
                    y[i * d + l] = v - reference[l]
                }
            }
            switch mode {
            case .sharedNormal:
                classVectors.withUnsafeBufferPointer { v in
                    DiscriminantBlas.gemmTransposedB(rows: m, columns: k, inner: d, y, v.baseAddress!, out)
                }
                for i in 0..<m { for j in 0..<k { out[i * k + j] += offsets[j] } }
            case .sharedT:
                lowers[0].withUnsafeBufferPointer { l in DiscriminantBlas.whiten(rows: m, dimension: d, lower: l.baseAddress!, y) }
                classVectors.withUnsafeBufferPointer { v in
                    DiscriminantBlas.gemmTransposedB(rows: m, columns: k, inner: d, y, v.baseAddress!, out)
                }
                for i in 0..<m {
                    var q = 0.0
                    for l in 0..<d { let v = y[i * d + l]; q += v * v }
                    for j in 0..<k {
                        let delta2 = max(0, q - 2 * out[i * k + j] + offsets[j])
                        out[i * k + j] = logConstants[j] - 0.5 * (nu[j] + Double(d)) * log1p(delta2 / nu[j])
                    }
                }
            case .perClass:
                for j in 0..<k {
                    if j > 0 {
                        for i in 0..<m { for l in 0..<d { y[i * d + l] = x[i * d + l] - locations[j * d + l] } }
                    }
                    lowers[j].withUnsafeBufferPointer { l in DiscriminantBlas.whiten(rows: m, dimension: d, lower: l.baseAddress!, y) }
                    let c = logConstants[j]
                    for i in 0..<m {
                        var q = 0.0
                        for l in 0..<d { let v = y[i * d + l]; q += v * v }
                        out[i * k + j] = normal ? c - 0.5 * q : c - 0.5 * (nu[j] + Double(d)) * log1p(q / nu[j])
                    }
                }
            }
            for i in 0..<m {
                if !normalizeRow(out + i * k, logarithmic: logarithmic) {
                    scaledLogJoint(x + i * d, into: out + i * k)
                    let ok = normalizeRow(out + i * k, logarithmic: logarithmic)
                    precondition(ok, "the scaled discriminant path produced a non-finite maximum")
                }
            }
            return nil
        }
    }

    /// Turns the k log-joint values at `row` into log posteriors (or posteriors) in place.
    /// Returns false, leaving the row untouched, when a value is NaN or +∞ or all are −∞.
    @inline(__always)
    private func normalizeRow(_ row: UnsafeMutablePointer<Double>, logarithmic: Bool) -> Bool {
        var top = -Double.infinity
        for j in 0..<k {
            let v = row[j]
            if v.isNaN || v == .infinity { return false }
            if v > top { top = v }
        }
        if !top.isFinite { return false }
        var s = 0.0
        if logarithmic {
            for j in 0..<k { s += exp(row[j] - top) }
            let shift = top + log(s)
            for j in 0..<k { row[j] -= shift }
        } else {
            for j in 0..<k { let e = exp(row[j] - top); row[j] = e; s += e }
            let r = 1 / s
            for j in 0..<k { row[j] *= r }
        }
        return true
    }

    /// The overflow-free path for one row: with s = max(1, maxₗ |xₗ|, maxₗ |cₗ|) and
    /// y = x/s − c/s (no overflow), distances are δₖ = s · ‖L⁻¹(y − (μₖ − c)/s)‖ kept as
    /// log δₖ, and log(1 + δₖ²/νₖ) = log1p(exp(2 log δₖ − log νₖ)) (or its argument when
    /// that exceeds 700). Normal log-joints are written relative to the class that
    /// dominates at this scale, so the differences are finite or −∞, never NaN.
    private func scaledLogJoint(_ x: UnsafePointer<Double>, into row: UnsafeMutablePointer<Double>) {
        let d = self.d, k = self.k
        var s = 1.0
        for l in 0..<d { s = max(s, abs(x[l]), abs(center[l])) }
        let y = (0..<d).map { x[$0] / s - center[$0] / s }
        if mode == .sharedNormal {
            var a = [Double](repeating: 0, count: k)
            for j in 0..<k { for l in 0..<d { a[j] += classVectors[j * d + l] * y[l] } }
            // The reference is the class with a positive prior that dominates at this scale.
            var ref = -1
            for j in 0..<k where offsets[j].isFinite {
                if ref < 0 || a[j] > a[ref] || (a[j] == a[ref] && offsets[j] > offsets[ref]) { ref = j }
            }
            for j in 0..<k {
                if !offsets[j].isFinite { row[j] = -.infinity; continue }  // a zero prior
                row[j] = j == ref ? 0 : (offsets[j] - offsets[ref]) + s * (a[j] - a[ref])
            }
            return
        }
        var w = [Double](repeating: 0, count: d)
        var logR = [Double](repeating: 0, count: k)
        var r2 = [Double](repeating: 0, count: k)
        for j in 0..<k {
            let lower = lowers[mode == .sharedT ? 0 : j]
            for l in 0..<d { w[l] = y[l] - (locations[j * d + l] / s - center[l] / s) }
            lower.withUnsafeBufferPointer { lb in
                w.withUnsafeMutableBufferPointer { DiscriminantBlas.solveLower(dimension: d, lower: lb.baseAddress!, $0.baseAddress!) }
            }
            var top = 0.0
            for l in 0..<d { top = max(top, abs(w[l])) }
            var sum = 0.0
            if top > 0 { for l in 0..<d { let v = w[l] / top; sum += v * v } }
            logR[j] = top > 0 ? log(top) + 0.5 * log(sum) : -.infinity
            r2[j] = top > 0 ? top * top * sum : 0
        }
        if normal {
            var ref = -1
            for j in 0..<k where logConstants[j].isFinite {
                if ref < 0 || r2[j] < r2[ref] { ref = j }
            }
            for j in 0..<k {
                if !logConstants[j].isFinite { row[j] = -.infinity; continue }  // a zero prior
                row[j] = j == ref ? 0 : (logConstants[j] - logConstants[ref]) - 0.5 * s * (s * (r2[j] - r2[ref]))
            }
        } else {
            let logS = log(s)
            for j in 0..<k {
                let t = 2 * (logS + logR[j]) - log(nu[j])
                let tail = t < 700 ? log1p(exp(t)) : t
                row[j] = logConstants[j] - 0.5 * (nu[j] + Double(d)) * tail
            }
        }
    }
}
