import CPolytailNumerics

/// Boxes a Swift closure so that it can cross GSL's `void *params`.
private final class ScalarFunctionBox {
    let body: (Double) -> Double
    init(_ body: @escaping (Double) -> Double) { self.body = body }
}

private final class VectorFunctionBox {
    let body: ([Double]) -> Double
    let dimension: Int
    init(_ body: @escaping ([Double]) -> Double, dimension: Int) {
        self.body = body
        self.dimension = dimension
    }
}

/// Calls `body` with a `gsl_function` that forwards to the Swift closure `f` through
/// GSL's `void *params`, keeping the closure alive for the duration of the call.
private func withGSLFunction<T>(_ f: @escaping (Double) -> Double, _ body: (inout gsl_function) throws(PolytailError) -> T) throws(PolytailError) -> T {
    GSL.prepare()
    let box = ScalarFunctionBox(f)
    return try withExtendedLifetime(box) { () throws(PolytailError) -> T in
        var function = gsl_function(
            function: { x, params in
                Unmanaged<ScalarFunctionBox>.fromOpaque(params!).takeUnretainedValue().body(x)
            },
            params: Unmanaged.passUnretained(box).toOpaque()
        )
        return try body(&function)
    }
}

/// An adaptive GSL quadrature: allocates the workspace, runs `rule`, and keeps the
/// estimate when GSL succeeded or its error estimate is still within `acceptable`.
private func adaptiveQuadrature(
    _ f: @escaping (Double) -> Double, limit: Int, acceptable: (Double, Double) -> Bool,
    _ rule: (inout gsl_function, UnsafeMutablePointer<gsl_integration_workspace>, inout Double, inout Double) -> Int32
) -> Double {
    (try? withGSLFunction(f) { (function: inout gsl_function) throws(PolytailError) -> Double in
        guard let workspace = gsl_integration_workspace_alloc(limit) else { return .nan }
        defer { gsl_integration_workspace_free(workspace) }
        var result = 0.0, error = 0.0
        let status = rule(&function, workspace, &result, &error)
        // GSL_EROUND / GSL_EMAXITER still leave the best estimate; accept it when its error
        // estimate is small enough, otherwise report NaN.
        if status == GSL_SUCCESS || acceptable(result, error) { return result }
        return .nan
    }) ?? .nan
}

enum Solvers {
    /// A root of `f` in the bracket [lower, upper] by Brent's method (GSL
    /// `gsl_root_fsolver_brent`). `f(lower)` and `f(upper)` must differ in sign. Stops when
    /// the bracket is narrower than `absoluteTolerance + relativeTolerance · min(|lower|, |upper|)`
    /// (GSL `gsl_root_test_interval`).
    static func brentRoot(
        lower: Double, upper: Double,
        relativeTolerance: Double = 1e-13, absoluteTolerance: Double = 0, maxIterations: Int = 200,
        _ f: @escaping (Double) -> Double
    ) throws(PolytailError) -> Double {
        try withGSLFunction(f) { (function: inout gsl_function) throws(PolytailError) -> Double in
            guard let solver = gsl_root_fsolver_alloc(polytail_root_brent()) else {
                throw .numericalFailure("could not allocate a root finder")
            }
            defer { gsl_root_fsolver_free(solver) }
            guard gsl_root_fsolver_set(solver, &function, lower, upper) == GSL_SUCCESS else {
                throw .numericalFailure("root not bracketed in [\(lower), \(upper)]")
            }
            for _ in 0..<maxIterations {
                guard gsl_root_fsolver_iterate(solver) == GSL_SUCCESS else {
                    throw .numericalFailure("root finder failed (non-finite function value)")
                }
                let lo = gsl_root_fsolver_x_lower(solver)
                let hi = gsl_root_fsolver_x_upper(solver)
                if gsl_root_test_interval(lo, hi, absoluteTolerance, relativeTolerance) == GSL_SUCCESS {
                    return gsl_root_fsolver_root(solver)
                }
            }
            return gsl_root_fsolver_root(solver)
        }
    }

    /// A minimiser of `f` by Brent's method (GSL `gsl_min_fminimizer_brent`: golden-section
    /// steps safeguarding parabolic interpolation), from a bracket `lower < guess < upper` with
    /// f(guess) below both f(lower) and f(upper). Stops when the bracket is narrower than
    /// `absoluteTolerance + relativeTolerance · min(|lower|, |upper|)` (`gsl_min_test_interval`)
    /// or after `maxIterations`. A non-finite value of `f` counts as the largest double (a
    /// rejected point: GSL refuses infinities and NaN).
    /// - Returns: the minimiser and f there.
    /// - Throws: `.numericalFailure` when the three points do not bracket a minimum.
    static func brentMinimize(
        lower: Double, guess: Double, upper: Double,
        relativeTolerance: Double = 0, absoluteTolerance: Double = 1e-8, maxIterations: Int = 200,
        _ f: @escaping (Double) -> Double
    ) throws(PolytailError) -> (x: Double, value: Double) {
        try withGSLFunction({ x in
            let y = f(x)
            return y.isFinite ? y : .greatestFiniteMagnitude
        }) { (function: inout gsl_function) throws(PolytailError) -> (x: Double, value: Double) in
            guard let minimizer = gsl_min_fminimizer_alloc(polytail_min_brent()) else {
                throw .numericalFailure("could not allocate a minimiser")
            }
            defer { gsl_min_fminimizer_free(minimizer) }
            guard gsl_min_fminimizer_set(minimizer, &function, guess, lower, upper) == GSL_SUCCESS else {
                throw .numericalFailure("no minimum bracketed by [\(lower), \(guess), \(upper)]")
            }
            for _ in 0..<maxIterations {
                guard gsl_min_fminimizer_iterate(minimizer) == GSL_SUCCESS else { break }
                let lo = gsl_min_fminimizer_x_lower(minimizer), hi = gsl_min_fminimizer_x_upper(minimizer)
                if gsl_min_test_interval(lo, hi, absoluteTolerance, relativeTolerance) == GSL_SUCCESS { break }
            }
            return (gsl_min_fminimizer_x_minimum(minimizer), gsl_min_fminimizer_f_minimum(minimizer))
        }
    }

    struct SimplexResult {
        var minimizer: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
    }

    /// Minimises `f` by the Nelder–Mead simplex (GSL `nmsimplex2`), stopping when the
    /// simplex size falls below `sizeTolerance` or after `maxIterations`.
    static func simplexMinimize(
        start: [Double], step: [Double], sizeTolerance: Double = 1e-10, maxIterations: Int = 5000,
        _ f: @escaping ([Double]) -> Double
    ) throws(PolytailError) -> SimplexResult {
        GSL.prepare()
        let n = start.count
        let box = VectorFunctionBox(f, dimension: n)
        return try withExtendedLifetime(box) { () throws(PolytailError) -> SimplexResult in
            var function = gsl_multimin_function(
                f: { v, params in
                    let box = Unmanaged<VectorFunctionBox>.fromOpaque(params!).takeUnretainedValue()
                    var x = [Double](repeating: 0, count: box.dimension)
                    for i in 0..<box.dimension { x[i] = gsl_vector_get(v, i) }
                    let y = box.body(x)
                    // GSL's simplex copes with +inf (a rejected point) but not with NaN.
                    return y.isNaN ? .infinity : y
                },
                n: n,
                params: Unmanaged.passUnretained(box).toOpaque()
            )
            guard let x0 = gsl_vector_alloc(n), let s0 = gsl_vector_alloc(n) else {
                throw .numericalFailure("could not allocate vectors")
            }
            defer { gsl_vector_free(x0); gsl_vector_free(s0) }
            for i in 0..<n { gsl_vector_set(x0, i, start[i]); gsl_vector_set(s0, i, step[i]) }
            guard let minimizer = gsl_multimin_fminimizer_alloc(polytail_multimin_nmsimplex2(), n) else {
                throw .numericalFailure("could not allocate a minimiser")
            }
            defer { gsl_multimin_fminimizer_free(minimizer) }
            guard gsl_multimin_fminimizer_set(minimizer, &function, x0, s0) == GSL_SUCCESS else {
                throw .numericalFailure("the objective is not finite at the starting point")
            }
            var converged = false
            var iterations = 0
            while iterations < maxIterations {
                iterations += 1
                if gsl_multimin_fminimizer_iterate(minimizer) != GSL_SUCCESS { break }
                let size = gsl_multimin_fminimizer_size(minimizer)
                if gsl_multimin_test_size(size, sizeTolerance) == GSL_SUCCESS {
                    converged = true
                    break
                }
            }
            var best = [Double](repeating: 0, count: n)
            let xv = gsl_multimin_fminimizer_x(minimizer)
            for i in 0..<n { best[i] = gsl_vector_get(xv, i) }
            return SimplexResult(
                minimizer: best, value: gsl_multimin_fminimizer_minimum(minimizer),
                iterations: iterations, converged: converged)
        }
    }

    /// ∫ₐᵇ f(x) dx by GSL's adaptive Gauss–Kronrod rule (`gsl_integration_qag`, 61 points).
    /// Returns NaN when GSL reports a failure it could not recover from.
    static func integrate(
        from a: Double, to b: Double, absoluteTolerance: Double = 0, relativeTolerance: Double = 1e-12,
        _ f: @escaping (Double) -> Double
    ) -> Double {
        let limit = 200
        return adaptiveQuadrature(f, limit: limit, acceptable: { r, e in e <= max(absoluteTolerance, 1e-9 * abs(r)) }) {
            function, workspace, result, error in
            gsl_integration_qag(&function, a, b, absoluteTolerance, relativeTolerance, limit,
                                Int32(GSL_INTEG_GAUSS61), workspace, &result, &error)
        }
    }

    /// ∫ₐ^∞ f(x) dx by GSL's `gsl_integration_qagiu` (the half-line mapped onto (0, 1]
    /// and integrated adaptively). Returns NaN when GSL reports an unrecovered failure.
    static func integrateToInfinity(
        from a: Double, absoluteTolerance: Double = 0, relativeTolerance: Double = 1e-13,
        _ f: @escaping (Double) -> Double
    ) -> Double {
        let limit = 500
        return adaptiveQuadrature(f, limit: limit, acceptable: { r, e in e <= max(absoluteTolerance, 1e-11 * abs(r)) }) {
            function, workspace, result, error in
            gsl_integration_qagiu(&function, a, absoluteTolerance, relativeTolerance, limit,
                                  workspace, &result, &error)
        }
    }
}
