import CPolytailNumerics

/// Thin wrappers over LAPACKE and CBLAS. Row-major throughout; no LAPACK type,
/// stride or status code leaves this file.
enum Lapack {
    /// The lower Cholesky factor L of a symmetric positive-definite matrix (A = L Lᵀ),
    /// by LAPACKE `dpotrf`. The strict upper triangle of the result is zeroed.
    /// `info > 0` (a non-positive pivot) is a property of the data and is thrown.
    static func choleskyLower(_ a: Matrix, what: String) throws(PolytailError) -> Matrix {
        precondition(a.rows == a.columns, "Cholesky of a non-square matrix")
        let n = a.rows
        guard a.elements.allSatisfy(\.isFinite) else { throw .numericalFailure("non-finite entries in \(what)") }
        var e = a.elements
        let info = e.withUnsafeMutableBufferPointer { buf in
            LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), buf.baseAddress, Int32(n))
        }
        precondition(info >= 0, "dpotrf argument \(-info) is invalid")
        if info > 0 { throw .notPositiveDefinite(what: what) }
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { e[i * n + j] = 0 } }
        return Matrix(uncheckedRows: n, columns: n, elements: e)
    }

    /// Overwrites the row-major n × d matrix `x` with X L⁻ᵀ, i.e. solves L yᵢ = xᵢ for
    /// every row at once (CBLAS `dtrsm`). Used for Mahalanobis distances.
    static func solveLowerTransposedRight(_ lower: Matrix, _ x: inout [Double], rows n: Int) {
        let d = lower.rows
        guard n > 0, d > 0 else { return }
        lower.elements.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { b in
                cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit,
                            Int32(n), Int32(d), 1.0, l.baseAddress, Int32(d), b.baseAddress, Int32(d))
            }
        }
    }

    /// Solves L y = b for a single vector (CBLAS `dtrsv`).
    static func solveLower(_ lower: Matrix, _ b: inout [Double]) {
        let d = lower.rows
        lower.elements.withUnsafeBufferPointer { l in
            b.withUnsafeMutableBufferPointer { v in
                cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(d), l.baseAddress, Int32(d), v.baseAddress, 1)
            }
        }
    }

    /// C ← Aᵀ A for a row-major n × d matrix A (CBLAS `dsyrk`), full symmetric result.
    static func gram(_ a: [Double], rows n: Int, columns d: Int) -> [Double] {
        var c = [Double](repeating: 0, count: d * d)
        guard n > 0, d > 0 else { return c }
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n), 1.0,
                            ap.baseAddress, Int32(d), 0.0, cp.baseAddress, Int32(d))
            }
        }
        for i in 0..<d { for j in 0..<i { c[i * d + j] = c[j * d + i] } }
        return c
    }

    /// y ← Aᵀ w for a row-major n × d matrix A (CBLAS `dgemv`).
    static func transposedTimes(_ a: [Double], rows n: Int, columns d: Int, _ w: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: d)
        guard n > 0, d > 0 else { return y }
        a.withUnsafeBufferPointer { ap in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    cblas_dgemv(CblasRowMajor, CblasTrans, Int32(n), Int32(d), 1.0, ap.baseAddress, Int32(d),
                                wp.baseAddress, 1, 0.0, yp.baseAddress, 1)
                }
            }
        }
        return y
    }
}

extension Lapack {
    /// Solves A X = B for a symmetric positive-definite n × n matrix A and an n × m
    /// right-hand side B (both row-major) by LAPACKE `dposv` (Cholesky).
    /// - Throws: `.notPositiveDefinite` when the factorisation meets a non-positive pivot.
    static func solvePositiveDefinite(_ a: [Double], n: Int, _ b: [Double], columns m: Int = 1, what: String) throws(PolytailError) -> [Double] {
        precondition(a.count == n * n && b.count == n * m && n > 0)
        // LAPACKE rejects NaN input with a negative info; here that is a data problem.
        guard a.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else {
            throw .numericalFailure("non-finite entries in \(what)")
        }
        var a = a
        var x = b
        let info = a.withUnsafeMutableBufferPointer { ap in
            x.withUnsafeMutableBufferPointer { xp in
                LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), Int32(m),
                              ap.baseAddress, Int32(n), xp.baseAddress, Int32(m))
            }
        }
        precondition(info >= 0, "dposv argument \(-info) is invalid")
        if info > 0 { throw .notPositiveDefinite(what: what) }
        return x
    }
}

extension Lapack {
    /// The inverse of a symmetric positive-definite n × n matrix A (row-major) and the
    /// reciprocal of its 1-norm condition number, by LAPACKE `dpotrf` (Cholesky), `dpocon`
    /// (the condition estimate, with ‖A‖₁ from `dlansy`) and `dpotri` (the inverse from the
    /// factor). The full symmetric inverse is returned.
    /// - Returns: A⁻¹ and rcond = 1/(‖A‖₁‖A⁻¹‖₁) (estimated); rcond near the machine epsilon
    ///   means A⁻¹ carries no correct digits.
    /// - Throws: `.numericalFailure` for a non-finite entry, `.notPositiveDefinite` when the
    ///   factorisation meets a non-positive pivot.
    static func invertPositiveDefinite(_ a: [Double], n: Int, what: String) throws(PolytailError) -> (inverse: [Double], reciprocalCondition: Double) {
        precondition(a.count == n * n && n > 0)
        guard a.allSatisfy(\.isFinite) else { throw .numericalFailure("non-finite entries in \(what)") }
        var e = a
        let lower = CChar(UInt8(ascii: "L"))
        let norm = e.withUnsafeBufferPointer { LAPACKE_dlansy(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "1")), lower, Int32(n), $0.baseAddress, Int32(n)) }
        let info = e.withUnsafeMutableBufferPointer { LAPACKE_dpotrf(LAPACK_ROW_MAJOR, lower, Int32(n), $0.baseAddress, Int32(n)) }
        precondition(info >= 0, "dpotrf argument \(-info) is invalid")
        if info > 0 { throw .notPositiveDefinite(what: what) }
        var rcond = 0.0
        let conditionInfo = e.withUnsafeBufferPointer { LAPACKE_dpocon(LAPACK_ROW_MAJOR, lower, Int32(n), $0.baseAddress, Int32(n), norm, &rcond) }
        precondition(conditionInfo >= 0, "dpocon argument \(-conditionInfo) is invalid")
        let inverseInfo = e.withUnsafeMutableBufferPointer { LAPACKE_dpotri(LAPACK_ROW_MAJOR, lower, Int32(n), $0.baseAddress, Int32(n)) }
        precondition(inverseInfo >= 0, "dpotri argument \(-inverseInfo) is invalid")
        if inverseInfo > 0 { throw .notPositiveDefinite(what: what) }
        // dpotri leaves the inverse in the lower triangle: mirror it.
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { e[i * n + j] = e[j * n + i] } }
        return (e, rcond)
    }
}
