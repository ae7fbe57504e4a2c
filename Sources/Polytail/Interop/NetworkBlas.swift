import CPolytailNumerics

/// CBLAS kernels for the dense layers of ``MultilayerPerceptron``: row-major `dgemm` on
/// raw buffers. No CBLAS type, stride or leading dimension leaves this file.
enum NetworkBlas {
    /// C ← α op(A) op(B) + β C with op(A) m × k, op(B) k × n and C m × n, all row-major
    /// and dense (leading dimensions are the stored column counts).
    /// - Parameters:
    ///   - transposeA: use Aᵀ (A is then stored k × m).
    ///   - transposeB: use Bᵀ (B is then stored n × k).
    /// - Complexity: O(m n k) flops in the system BLAS (OpenBLAS when installed).
    static func gemm(
        _ a: UnsafePointer<Double>, transposeA: Bool = false,
        _ b: UnsafePointer<Double>, transposeB: Bool = false,
        into c: UnsafeMutablePointer<Double>,
        m: Int, n: Int, k: Int, alpha: Double = 1, beta: Double = 0
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // C ← β C: BLAS would do the same, but an empty inner dimension is legal here.
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(n))
    }

    /// y ← α x + y (CBLAS `daxpy`) on `count` contiguous entries.
    static func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        guard count > 0 else { return }
        cblas_daxpy(Int32(count), alpha, x, 1, y, 1)
    }
}
