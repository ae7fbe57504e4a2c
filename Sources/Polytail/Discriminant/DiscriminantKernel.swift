import Foundation

/// The factors a fitted discriminant analysis needs to evaluate log posteriors in blocks,
/// precomputed once at fit time.
///
/// Whitening uses W = L⁻¹ (Σ = L Lᵀ), formed once, so a block Y of centred rows is
/// whitened by one `dgemm` (Y Wᵀ) rather than a `dtrsm`: OpenBLAS's triangular solve with
/// many rows and a small triangle runs at a fraction of its `dgemm` speed (measured here,
/// d = 50). Rows of t models are centred at c, the mean of the class locations, first, so
/// that the expansion δₖ² = ‖z‖² − 2 zᵀm̃ₖ + ‖m̃ₖ‖² never subtracts large, nearly equal
/// numbers for data far from the origin.
///
/// Hot loop (documented raw-pointer use): a block of 8192 rows is centred, multiplied
/// (`dgemm`) and normalised through buffer pointers into scratch and output buffers that
/// are allocated once per call and shared by the cores (Docs/performance.md, the
/// discriminant benchmark); nothing else in discriminant analysis uses raw pointers.
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
    /// Lower Cholesky factors, row-major d × d: one (shared) or k (per class). Used by the
    /// overflow-free path.
    let lowers: [[Double]]
    /// k × d. Shared normal: β̃ₖ = Σ⁻¹(μₖ − c). Shared t: m̃ₖ = L⁻¹(μₖ − c). Per class: unused.
    let classVectors: [Double]
    /// Shared normal: −½ ‖m̃ₖ‖² + log πₖ. Shared t: ‖m̃ₖ‖². Per class: unused.
    let offsets: [Double]
    /// Shared normal: offsetsₖ − β̃ₖᵀc, for the product with uncentred rows.
    let rawOffsets: [Double]
    /// The matrix every block is multiplied by (`wideRows` × d, applied as Y · wideᵀ).
    /// Shared normal: the k rows β̃ₖ. Shared t: the d rows of W, then the k rows β̃ₖ
    /// (so that column d + k of the product is zᵀm̃ₖ). Per class: W₁, …, W_k stacked.
    let wide: [Double]
    let wideRows: Int
    /// Per class: Wₖ(μₖ − c), k × d.
    let shifts: [Double]
    /// log πₖ + log-normaliser of class k (the part of log πₖ p(x | yₖ) free of x).
    let logConstants: [Double]
    /// νₖ (t only).
    let nu: [Double]
    /// Rows per block.
    let blockRows: Int

    init<Label>(conditionals: [DiscriminantAnalysis<Label>.ClassConditional], priors: [Double], shared: Bool) throws(PolytailError) {
        let k = conditionals.count
        let d = conditionals[0].location.count
        self.k = k
        self.d = d
        let components = conditionals.map(\.component)
        let normal = components.allSatisfy { $0.nu == nil }
        var lowers = components.map(\.lower.elements)
        let nu = components.compactMap(\.nu)
        // A t class at ν = ∞ (the normal limit) has no ν to evaluate with: a discriminant
        // analysis is normal or t with finite ν in every class.
        guard normal || nu.count == k else {
            throw .invalidParameter(name: "degreesOfFreedom", value: .infinity,
                                    requirement: "t class conditionals need a finite ν (ν = ∞ is the normal family)")
        }
        let locations = components.flatMap(\.location)
        self.normal = normal
        self.nu = nu
        self.locations = locations
        var center = [Double](repeating: 0, count: d)
        for j in 0..<k { for l in 0..<d { center[l] += locations[j * d + l] / Double(k) } }
        self.center = center
        let logPriors = priors.map { log($0) }
        var logConstants = [Double](repeating: 0, count: k)
        for j in 0..<k { logConstants[j] = logPriors[j] + components[j].logNormalizer }
        self.logConstants = logConstants

        /// W = L⁻¹, row-major, by d triangular solves against the unit vectors.
        func inverse(_ lower: [Double]) -> [Double] {
            var w = [Double](repeating: 0, count: d * d)
            for l in 0..<d {
                var e = [Double](repeating: 0, count: d)
                e[l] = 1
                lower.withUnsafeBufferPointer { lb in
                    e.withUnsafeMutableBufferPointer { Blas.solveLower(dimension: d, lower: lb.baseAddress!, $0.baseAddress!) }
                }
                for r in 0..<d { w[r * d + l] = e[r] }
            }
            return w
        }
        func times(_ w: [Double], _ v: [Double]) -> [Double] {
            (0..<d).map { r in var s = 0.0; for l in 0..<d { s += w[r * d + l] * v[l] }; return s }
        }

        var vectors = [Double](repeating: 0, count: k * d)
        var offsets = [Double](repeating: 0, count: k)
        var rawOffsets = [Double](repeating: 0, count: k)
        var wide: [Double] = []
        var shifts: [Double] = []
        if shared {
            lowers = [lowers[0]]
            let w = inverse(lowers[0])
            var betas: [Double] = []
            for j in 0..<k {
                let m = times(w, (0..<d).map { locations[j * d + $0] - center[$0] })  // m̃ₖ
                var norm2 = 0.0
                for l in 0..<d { norm2 += m[l] * m[l] }
                // β̃ₖ = Wᵀ m̃ₖ = Σ⁻¹(μₖ − c).
                let beta = (0..<d).map { l in var s = 0.0; for r in 0..<d { s += w[r * d + l] * m[r] }; return s }
                betas += beta
                if normal {
                    // log πₖ p(x|yₖ) = β̃ₖᵀ(x − c) − ½‖m̃ₖ‖² + log πₖ + (terms common to all k).
                    for l in 0..<d { vectors[j * d + l] = beta[l] }
                    offsets[j] = -0.5 * norm2 + logPriors[j]
                    var bc = 0.0
                    for l in 0..<d { bc += beta[l] * center[l] }
                    rawOffsets[j] = offsets[j] - bc
                } else {
                    for l in 0..<d { vectors[j * d + l] = m[l] }
                    offsets[j] = norm2
                }
            }
            mode = normal ? .sharedNormal : .sharedT
            wide = normal ? betas : w + betas
            wideRows = normal ? k : d + k
            blockRows = 8192
        } else {
            for j in 0..<k {
                let w = inverse(lowers[j])
                wide += w
                shifts += times(w, (0..<d).map { locations[j * d + $0] - center[$0] })
            }
            mode = .perClass
            wideRows = k * d
            blockRows = max(256, 8192 / k)
        }
        self.lowers = lowers
        self.classVectors = vectors
        self.offsets = offsets
        self.rawOffsets = rawOffsets
        self.wide = wide
        self.shifts = shifts
        for v in wide + shifts where !v.isFinite { throw .numericalFailure("non-finite discriminant coefficients") }
    }

    /// Log posteriors (or posteriors) of every row of x.
    ///
    /// Blocks of ``blockRows`` rows are processed one after the other, so memory stays
    /// bounded; inside a block the `dgemm` uses OpenBLAS's own threads and the element-wise
    /// passes (centring, log1p, log-sum-exp) are split over the cores. (Running whole blocks
    /// on separate threads instead makes concurrent OpenBLAS calls queue on its thread pool:
    /// measured slower.)
    func evaluate(_ x: Matrix, logarithmic: Bool) throws(PolytailError) -> Matrix {
        guard x.columns == d else { throw .dimensionMismatch(what: "feature columns", expected: d, got: x.columns) }
        let n = x.rows
        let k = self.k
        if n == 0 { return Matrix(uncheckedRows: 0, columns: k, elements: []) }
        var firstBad: (row: Int, column: Int)? = nil
        let out = [Double](unsafeUninitializedCapacity: n * k) { buffer, initialized in
            let rows = min(n, blockRows)
            var y = [Double](repeating: 0, count: mode == .sharedNormal ? 0 : rows * d)
            var z = [Double](repeating: 0, count: mode == .sharedNormal ? 0 : rows * wideRows)
            x.elements.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    z.withUnsafeMutableBufferPointer { zb in
                        var r0 = 0
                        while r0 < n {
                            let r1 = min(n, r0 + blockRows)
                            if let bad = evaluateBlock(xb.baseAddress! + r0 * d, rows: r1 - r0, out: buffer.baseAddress! + r0 * k,
                                                       centred: yb.baseAddress, product: zb.baseAddress, logarithmic: logarithmic) {
                                firstBad = (r0 + bad.row, bad.column)
                                break
                            }
                            r0 = r1
                        }
                    }
                }
            }
            if firstBad != nil { buffer.initialize(repeating: 0) }
            initialized = n * k
        }
        if let firstBad { throw .nonFiniteValue(row: firstBad.row, column: firstBad.column) }
        return Matrix(uncheckedRows: n, columns: k, elements: out)
    }

    /// Runs `body` on consecutive row ranges covering 0..<m, one per core when m is large;
    /// returns the smallest row any part reported.
    private func forEachPart(_ m: Int, _ body: (Range<Int>) -> (row: Int, column: Int)?) -> (row: Int, column: Int)? {
        let parts = m >= 2048 ? ProcessInfo.processInfo.activeProcessorCount : 1
        let results = Parallel.map(parts, placeholder: nil as (row: Int, column: Int)?) { c in
            body((m * c / parts)..<(m * (c + 1) / parts))
        }
        return results.compactMap { $0 }.min { $0.row < $1.row }
    }

    /// Evaluates `m` rows starting at `x` into `out` (m × k), with scratch `centred`
    /// (m × d) and `product` (m × wideRows); returns the first non-finite input entry, if any.
    private func evaluateBlock(
        _ x: UnsafePointer<Double>, rows m: Int, out: UnsafeMutablePointer<Double>,
        centred: UnsafeMutablePointer<Double>?, product: UnsafeMutablePointer<Double>?, logarithmic: Bool
    ) -> (row: Int, column: Int)? {
        let d = self.d, k = self.k, wideRows = self.wideRows
        if mode == .sharedNormal {
            // One product with the uncentred rows; a non-finite input makes its row's
            // products non-finite (NaN or ±∞ times any β), caught below.
            wide.withUnsafeBufferPointer { v in
                Blas.gemmTransposedB(rows: m, columns: k, inner: d, x, v.baseAddress!, out)
            }
        } else {
            let y = centred!, z = product!
            let pointers = UncheckedSendable(value: (x, y))
            if let bad = forEachPart(m, { range in
                let (x, y) = pointers.value
                for i in range {
                    for l in 0..<d {
                        let v = x[i * d + l]
                        guard v.isFinite else { return (i, l) }
                        y[i * d + l] = v - center[l]
                    }
                }
                return nil
            }) { return bad }
            wide.withUnsafeBufferPointer { v in
                Blas.gemmTransposedB(rows: m, columns: wideRows, inner: d, y, v.baseAddress!, z)
            }
        }
        // Element-wise: log-joint values, then the log-sum-exp normalisation.
        let pointers = UncheckedSendable(value: (x, product, out))
        return forEachPart(m) { range in
            let (x, product, out) = pointers.value
            return offsets.withUnsafeBufferPointer { offsets in
                logConstants.withUnsafeBufferPointer { constants in
                    nu.withUnsafeBufferPointer { nu in
                        shifts.withUnsafeBufferPointer { shifts in
                            rawOffsets.withUnsafeBufferPointer { rawOffsets -> (row: Int, column: Int)? in
                                let dd = Double(d)
                                for i in range {
                                    let row = out + i * k
                                    switch mode {
                                    case .sharedNormal:
                                        for j in 0..<k { row[j] += rawOffsets[j] }
                                    case .sharedT:
                                        let zi = product! + i * wideRows
                                        var q = 0.0
                                        for l in 0..<d { q += zi[l] * zi[l] }
                                        for j in 0..<k {
                                            let delta2 = max(0, q - 2 * zi[d + j] + offsets[j])
                                            row[j] = constants[j] - 0.5 * (nu[j] + dd) * log1p(delta2 / nu[j])
                                        }
                                    case .perClass:
                                        let zi = product! + i * wideRows
                                        for j in 0..<k {
                                            var q = 0.0
                                            for l in 0..<d { let v = zi[j * d + l] - shifts[j * d + l]; q += v * v }
                                            row[j] = normal ? constants[j] - 0.5 * q : constants[j] - 0.5 * (nu[j] + dd) * log1p(q / nu[j])
                                        }
                                    }
                                    if !normalizeRow(row, logarithmic: logarithmic) {
                                        for l in 0..<d where !x[i * d + l].isFinite { return (i, l) }
                                        scaledLogJoint(x + i * d, into: row)
                                        let ok = normalizeRow(row, logarithmic: logarithmic)
                                        precondition(ok, "the scaled discriminant path produced a non-finite maximum")
                                    }
                                }
                                return nil
                            }
                        }
                    }
                }
            }
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
                w.withUnsafeMutableBufferPointer { Blas.solveLower(dimension: d, lower: lb.baseAddress!, $0.baseAddress!) }
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
