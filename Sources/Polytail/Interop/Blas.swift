import CPolytailNumerics

/// Thin wrapper over CBLAS `dgemm` for the classifiers' forward and backward passes.
/// Row-major throughout; no CBLAS enum, stride or leading dimension leaves this file.
enum Blas {
    /// C ← α·op(A)·op(B) + β·C, all row-major, by CBLAS `dgemm`.
    ///
    /// `a` is stored as an `aRows × aColumns` row-major array and op(A) is A, or Aᵀ when
    /// `transposeA`; likewise for `b`. `c` must hold op(A).rows × op(B).columns entries.
    /// With β = 0 the previous contents of `c` are ignored (BLAS does not read them).
    static func gemm(
        _ a: UnsafeBufferPointer<Double>, rows aRows: Int, columns aColumns: Int, transposeA: Bool = false,
        _ b: UnsafeBufferPointer<Double>, rows bRows: Int, columns bColumns: Int, transposeB: Bool = false,
        into c: UnsafeMutableBufferPointer<Double>, alpha: Double = 1, beta: Double = 0
    ) {
        let m = transposeA ? aColumns : aRows
        let inner = transposeA ? aRows : aColumns
        let innerB = transposeB ? bColumns : bRows
        let n = transposeB ? bRows : bColumns
        precondition(inner == innerB, "gemm: inner dimensions \(inner) and \(innerB) differ")
        precondition(a.count >= aRows * aColumns && b.count >= bRows * bColumns && c.count >= m * n,
                     "gemm: a buffer is shorter than its dimensions")
        guard m > 0, n > 0 else { return }
        guard inner > 0 else {
            // op(A)·op(B) is the zero matrix; BLAS would still scale C by β.
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(inner), alpha,
            a.baseAddress, Int32(max(1, aColumns)), b.baseAddress, Int32(max(1, bColumns)),
            beta, c.baseAddress, Int32(max(1, n)))
    }

    /// Array form of ``gemm(_:rows:columns:transposeA:_:rows:columns:transposeB:into:alpha:beta:)``.
    static func gemm(
        _ a: [Double], rows aRows: Int, columns aColumns: Int, transposeA: Bool = false,
        _ b: [Double], rows bRows: Int, columns bColumns: Int, transposeB: Bool = false,
        into c: inout [Double], alpha: Double = 1, beta: Double = 0
    ) {
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    gemm(ap, rows: aRows, columns: aColumns, transposeA: transposeA,
                         bp, rows: bRows, columns: bColumns, transposeB: transposeB,
                         into: cp, alpha: alpha, beta: beta)
                }
            }
        }
    }
}
