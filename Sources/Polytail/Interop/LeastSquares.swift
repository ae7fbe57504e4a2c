import CPolytailNumerics

extension Lapack {
    /// The minimum-norm least-squares solution of A x ≈ b for a row-major m × n matrix A,
    /// by LAPACKE `dgelsy`: a QR factorisation with column pivoting, A P = Q R, whose
    /// leading triangle R₁₁ is the largest one with an estimated reciprocal condition
    /// number ≥ `rcond` (incremental condition estimation). That size is the numerical
    /// rank; when it is below n the trailing part is annihilated by a complete orthogonal
    /// factorisation and the minimum-norm solution returned.
    ///
    /// No normal equations are formed, so the conditioning is that of A, not of AᵀA.
    /// - Returns: the n solution entries and the numerical rank.
    static func leastSquares(_ a: [Double], rows m: Int, columns n: Int, _ b: [Double], rcond: Double) -> (solution: [Double], rank: Int) {
        precondition(a.count == m * n && b.count == m && m > 0 && n > 0)
        var a = a
        // dgelsy overwrites a max(m, n) × 1 right-hand side with the solution.
        var x = b + [Double](repeating: 0, count: max(0, n - m))
        var pivots = [Int32](repeating: 0, count: n)
        var rank: Int32 = 0
        let info = a.withUnsafeMutableBufferPointer { ap in
            x.withUnsafeMutableBufferPointer { xp in
                pivots.withUnsafeMutableBufferPointer { jp in
                    LAPACKE_dgelsy(LAPACK_ROW_MAJOR, Int32(m), Int32(n), 1, ap.baseAddress, Int32(n),
                                   xp.baseAddress, 1, jp.baseAddress, rcond, &rank)
                }
            }
        }
        // dgelsy has no data-dependent failure (info > 0 is never returned).
        precondition(info == 0, "dgelsy failed with info \(info)")
        return (Array(x[0..<n]), Int(rank))
    }
}
