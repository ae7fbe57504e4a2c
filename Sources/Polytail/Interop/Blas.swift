import CPolytailNumerics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The CBLAS kernels of the classifiers, networks and discriminant analysis (the
/// factorisations live in ``Lapack``). Row-major throughout; no CBLAS enum, stride or
/// leading dimension leaves this file.
package enum Blas {
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
        // With an empty inner dimension A and B may be empty buffers (no base address); the
        // product then only scales C and reads neither.
        let unread = UnsafePointer(c.baseAddress!)
        gemm(a.baseAddress ?? unread, transposeA: transposeA, b.baseAddress ?? unread, transposeB: transposeB,
             into: c.baseAddress!, m: m, n: n, k: inner, alpha: alpha, beta: beta)
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

    /// C ← α op(A) op(B) + β C on raw buffers, with op(A) m × k, op(B) k × n and C m × n, all
    /// row-major and dense (leading dimensions are the stored column counts), by CBLAS `dgemm`
    /// for Double and `sgemm` for Float (the products of the network layers). Generic over the
    /// scalar: the two forms share every check, and the compiler specialises the call for each
    /// type (the checks run once per product, never per element).
    /// - Parameters:
    ///   - transposeA: use Aᵀ (A is then stored k × m).
    ///   - transposeB: use Bᵀ (B is then stored n × k).
    /// - Complexity: O(m n k) flops in the system BLAS (OpenBLAS when installed).
    static func gemm<Scalar: BlasScalar>(
        _ a: UnsafePointer<Scalar>, transposeA: Bool = false,
        _ b: UnsafePointer<Scalar>, transposeB: Bool = false,
        into c: UnsafeMutablePointer<Scalar>,
        m: Int, n: Int, k: Int, alpha: Scalar = 1, beta: Scalar = 0
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // op(A)·op(B) is the zero matrix; BLAS would still scale C by β (an empty inner
            // dimension is legal here).
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        Scalar.cblasGemm(transposeA: transposeA, transposeB: transposeB, m: Int32(m), n: Int32(n), k: Int32(k),
                         alpha: alpha, a: a, lda: Int32(transposeA ? m : k), b: b, ldb: Int32(transposeB ? k : n),
                         beta: beta, c: c, ldc: Int32(n))
    }

    /// y ← Aᵀ 1, the column sums of a row-major m × n Float32 matrix (CBLAS `sgemv`), given
    /// `ones` with at least m entries equal to 1.
    static func columnSums(_ a: UnsafePointer<Float>, rows m: Int, columns n: Int, ones: UnsafePointer<Float>,
                           into y: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        guard m > 0 else {
            y.update(repeating: 0, count: n)
            return
        }
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(n), 1, a, Int32(n), ones, 1, 0, y, 1)
    }

    /// C ← A Bᵀ for row-major A (m × p), B (n × p) and C (m × n): one call turns a block of
    /// rows into its inner products with every class vector.
    static func gemmTransposedB(
        rows m: Int, columns n: Int, inner p: Int,
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>
    ) {
        gemm(a, b, transposeB: true, into: c, m: m, n: n, k: p)
    }

    /// y ← α x + y (CBLAS `daxpy`) on `count` contiguous entries.
    static func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        guard count > 0 else { return }
        cblas_daxpy(Int32(count), alpha, x, 1, y, 1)
    }

    /// v ← L⁻¹ v for one vector and a row-major lower-triangular d × d factor L (CBLAS `dtrsv`).
    static func solveLower(dimension d: Int, lower: UnsafePointer<Double>, _ v: UnsafeMutablePointer<Double>) {
        guard d > 0 else { return }
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(d), lower, Int32(d), v, 1)
    }
}

extension Blas {
    /// Runs `body` with the BLAS's own threads off (OpenBLAS `openblas_set_num_threads(1)`),
    /// for callers that split their work over cores themselves: on a few cores, the BLAS's
    /// worker threads spin (`sched_yield`) between the small products of a training step and
    /// take the cores the caller's own threads need. Nested and concurrent scopes are counted:
    /// the first to enter saves the thread count, the last to leave restores it, so a product
    /// another thread runs meanwhile is only slower, never wrong. (scikit-learn guards its own
    /// parallel loops the same way, through threadpoolctl.) A BLAS without these
    /// functions (the reference BLAS) is single-threaded already and `body` just runs.
    static func withoutThreads<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        BlasThreads.shared.enter()
        defer { BlasThreads.shared.leave() }
        return try body()
    }

    /// One BLAS thread for the rest of the process, for the `polytail` command: OpenBLAS
    /// starts its workers when it is loaded, and an idle worker spins (`sched_yield`) for about
    /// 0.1 s before it sleeps; the command's products are d × d, while its fits' passes over the
    /// data run on every core themselves. Sets one thread and stops the workers, unless the
    /// user chose a number (`OPENBLAS_NUM_THREADS`, `GOTO_NUM_THREADS`, `OMP_NUM_THREADS`).
    /// Does nothing with a BLAS without these functions. (Setting the environment from inside
    /// the process comes too late: OpenBLAS reads it when it is loaded.)
    package static func useOneThreadForTheProcess() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_NUM_THREADS"] == nil, env["GOTO_NUM_THREADS"] == nil, env["OMP_NUM_THREADS"] == nil else { return }
        BlasThreads.shared.useOneThreadForTheProcess()
    }
}

/// The process-wide count of ``Blas/withoutThreads(_:)`` scopes, and OpenBLAS's thread
/// controls looked up at run time (`dlsym`), so the library still links against a BLAS
/// without them.
private final class BlasThreads: @unchecked Sendable {
    static let shared = BlasThreads()

    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32
    private typealias Shutdown = @convention(c) () -> Int32
    private let set: SetThreads?
    private let get: GetThreads?
    private let shutdown: Shutdown?
    private let lock = NSLock()
    private var depth = 0
    private var saved: Int32 = 1

    private init() {
        let process = dlopen(nil, RTLD_NOW)
        func symbol(_ name: String) -> UnsafeMutableRawPointer? { process.flatMap { dlsym($0, name) } }
        set = symbol("openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
        get = symbol("openblas_get_num_threads").map { unsafeBitCast($0, to: GetThreads.self) }
        shutdown = symbol("blas_thread_shutdown_").map { unsafeBitCast($0, to: Shutdown.self) }
    }

    /// See ``Blas/useOneThreadForTheProcess()``.
    func useOneThreadForTheProcess() {
        guard let set, let shutdown else { return }
        lock.lock()
        defer { lock.unlock() }
        set(1)
        _ = shutdown()
        if depth > 0 { saved = 1 }
    }

    func enter() {
        guard let set, let get else { return }
        lock.lock()
        defer { lock.unlock() }
        if depth == 0 {
            saved = get()
            if saved != 1 { set(1) }
        }
        depth += 1
    }

    func leave() {
        guard let set else { return }
        lock.lock()
        defer { lock.unlock() }
        depth -= 1
        if depth == 0, saved != 1 { set(saved) }
    }
}

/// A scalar CBLAS multiplies in ``Blas/gemm(_:transposeA:_:transposeB:into:m:n:k:alpha:beta:)``:
/// Double (`cblas_dgemm`) and Float (`cblas_sgemm`), row-major.
protocol BlasScalar: BinaryFloatingPoint {
    static func cblasGemm(transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32, alpha: Self,
                          a: UnsafePointer<Self>, lda: Int32, b: UnsafePointer<Self>, ldb: Int32,
                          beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int32)
}

extension Double: BlasScalar {
    @inline(__always)
    static func cblasGemm(transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32, alpha: Double,
                          a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32,
                          beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

extension Float: BlasScalar {
    @inline(__always)
    static func cblasGemm(transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32, alpha: Float,
                          a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}
