import Foundation

/// Log-gamma differences that large arguments would spoil.
///
/// GSL's `gsl_sf_lnpoch` and a difference of two `lgamma` values both lose about log₁₀(a)
/// digits as a grows (measured against mpmath: 3·10⁻¹⁰ absolute at a = 5·10⁵, 10⁻⁷ at
/// a = 10⁸), which would spoil the Student-t constant at large ν. From a ≥ 10 on, the
/// difference of Stirling series is taken in a cancellation-free form (Abramowitz &
/// Stegun 6.1.40):
///
///     log Γ(a + h) − log Γ(a) = (a − ½) log1p(h/a) + h log(a + h) − h + S(a + h) − S(a),
///     S(z) = 1/(12z) − 1/(360z³) + 1/(1260z⁵) − 1/(1680z⁷) + 1/(1188z⁹) − 691/(360360z¹¹),
///
/// exact but for the truncation of S (below 10⁻¹⁵ for z ≥ 10); below a = 10, GSL's `lnpoch`,
/// which is accurate there.
enum GammaRatio {
    /// log(Γ(a + h) / Γ(a)) for a > 0, h ≥ 0 (NaN otherwise).
    static func log(_ a: Double, _ h: Double) -> Double {
        guard a > 0, h >= 0, a.isFinite, h.isFinite else { return .nan }
        if h == 0 { return 0 }
        guard a >= 10 else { return GSL.logPochhammer(a, h) }
        let b = a + h
        return (a - 0.5) * log1p(h / a) + h * Foundation.log(b) - h + (stirlingTail(b) - stirlingTail(a))
    }

    /// S(z) = log Γ(z) − (z − ½) log z + z − ½ log 2π by its asymptotic series (z ≥ 10).
    @inline(__always)
    static func stirlingTail(_ z: Double) -> Double {
        let r = 1 / z
        let r2 = r * r
        return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * 691.0 / 360360)))))
    }

    /// x log x − x − log Γ(x) for x > 0, without the cancellation of its large terms:
    /// ½ log(x/2π) − S(x) from x = 10 on, directly below. (It is the log of the χ² weight's
    /// normalisation in the noncentral t's integrals.)
    static func stirlingDeficit(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return .nan }
        if x < 10 { return x * Foundation.log(x) - x - GSL.logGamma(x) }
        return 0.5 * Foundation.log(x / (2 * Double.pi)) - stirlingTail(x)
    }
}
