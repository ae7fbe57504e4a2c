import CPolytailNumerics

/// The only door to GNU GSL. Nothing of GSL's (types, status codes) leaves this file
/// and its siblings in `Interop/`.
enum GSL {
    /// GSL's default error handler calls `abort()`. It is switched off once, lazily,
    /// before the first GSL call; every caller then checks the returned status.
    private static let handlerOff: Void = {
        _ = gsl_set_error_handler_off()
    }()

    @inline(__always) static func prepare() { _ = handlerOff }

    /// Runs a `_e` special function and returns its value, or NaN on any GSL error.
    @inline(__always)
    private static func value(_ body: (UnsafeMutablePointer<gsl_sf_result>) -> Int32) -> Double {
        prepare()
        var result = gsl_sf_result(val: .nan, err: .nan)
        let status = body(&result)
        return status == GSL_SUCCESS ? result.val : .nan
    }

    /// log Γ(x) for x > 0 (NaN elsewhere).
    static func logGamma(_ x: Double) -> Double {
        guard x > 0 else { return .nan }
        return value { gsl_sf_lngamma_e(x, $0) }
    }

    /// log(Γ(a + x) / Γ(a)), computed without the cancellation of two lgamma values
    /// (GSL `gsl_sf_lnpoch_e`). Needed for the Student-t constant at large df.
    static func logPochhammer(_ a: Double, _ x: Double) -> Double {
        value { gsl_sf_lnpoch_e(a, x, $0) }
    }

    /// ψ(x), the digamma function.
    static func digamma(_ x: Double) -> Double { value { gsl_sf_psi_e(x, $0) } }

    /// ψ′(x), the trigamma function.
    static func trigamma(_ x: Double) -> Double { value { gsl_sf_psi_1_e(x, $0) } }

    /// The regularised incomplete beta function I_x(a, b).
    static func incompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        value { gsl_sf_beta_inc_e(a, b, x, $0) }
    }

    /// Standard normal lower tail Φ(x), accurate (relatively) far into the tail.
    static func normalP(_ x: Double) -> Double { prepare(); return gsl_cdf_ugaussian_P(x) }
    /// Standard normal upper tail 1 − Φ(x), computed directly (never as 1 − P).
    static func normalQ(_ x: Double) -> Double { prepare(); return gsl_cdf_ugaussian_Q(x) }
    /// log Φ(x) for every x, without underflow: log1p(−Q(x)) above 5 (Q computed directly);
    /// GSL's `gsl_sf_log_erfc` in between; and, below −10⁸, where that fails for arguments
    /// near −10⁸⁰, the leading asymptotic term log φ(x) − log|x| (Φ(x) = φ(x)/|x| · (1 − 1/x² + …),
    /// so the correction is below 10⁻¹⁶).
    static func logNormalP(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x > 5 { return log1p(-normalQ(x)) }
        if x < -1e8 { return -0.5 * x * x - log(-x) - Normal.logRootTwoPi }
        // Φ(x) = erfc(−x/√2) / 2.
        return value { gsl_sf_log_erfc_e(-x * 0.70710678118654752440, $0) } - 0.69314718055994530942
    }
    /// Inverse of Φ.
    static func normalPInverse(_ p: Double) -> Double { prepare(); return gsl_cdf_ugaussian_Pinv(p) }
    /// Inverse of the upper tail 1 − Φ.
    static func normalQInverse(_ q: Double) -> Double { prepare(); return gsl_cdf_ugaussian_Qinv(q) }
    /// The Student-t quantile (a starting point; ``StudentT/quantile(_:)`` polishes it).
    static func tPInverse(_ p: Double, _ nu: Double) -> Double { prepare(); return gsl_cdf_tdist_Pinv(p, nu) }
}
