import CPolytailNumerics

/// CBLAS kernels for discriminant-analysis posteriors, on raw row-major blocks.
/// Internal only: no CBLAS enum, stride or leading dimension leaves this file.
enum DiscriminantBlas {
    /// C ← A Bᵀ for row-major A (m × p), B (n × p) and C (m × n), by CBLAS `dgemm`.
    /// One call turns a block of rows into its inner products with every class vector.
    static func gemmTransposedB(
        rows m: Int, columns n: Int, inner p: Int,
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>
    ) {
        guard m > 0, n > 0, p > 0 else { return }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(p),
                    1.0, a, Int32(p), b, Int32(p), 0.0, c, Int32(n))
    }

    /// X ← X L⁻ᵀ for a row-major block X (m × d) and the lower-triangular d × d factor L
    /// (CBLAS `dtrsm`): row i becomes L⁻¹ xᵢ, whose squared norm is xᵢᵀ Σ⁻¹ xᵢ when Σ = L Lᵀ.
    static func whiten(rows m: Int, dimension d: Int, lower: UnsafePointer<Double>, _ x: UnsafeMutablePointer<Double>) {
        guard m > 0, d > 0 else { return }
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit,
                    Int32(m), Int32(d), 1.0, lower, Int32(d), x, Int32(d))
    }

    /// v ← L⁻¹ v for one vector (CBLAS `dtrsv`).
    static func solveLower(dimension d: Int, lower: UnsafePointer<Double>, _ v: UnsafeMutablePointer<Double>) {
        guard d > 0 else { return }
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(d), lower, Int32(d), v, 1)
    }
}
