import Foundation

/// log(Γ(a + h) / Γ(a)) for a > 0, h ≥ 0, accurate when a is large.
///
/// GSL's `gsl_sf_lnpoch` and a difference of two `lgamma` values both lose digits as a
/// grows (measured against mpmath: 7·10⁻¹⁰ absolute at a = 10⁶ and h = ½, 10⁻⁷ at a = 10⁸),
/// which would spoil the Student-t constant at large ν. For a ≥ max(30, 4h²) this uses
/// the asymptotic expansion of the log-gamma function with a shift
/// (DLMF 5.11.8 / Abramowitz & Stegun 6.1.40):
///
///     log Γ(a + h) − log Γ(a) = h log a + Σₙ₌₂ (−1)ⁿ (Bₙ(h) − Bₙ) / (n(n−1) aⁿ⁻¹),
///
/// Bₙ(h) the Bernoulli polynomials, summed until the terms stop mattering (n ≤ 12);
/// otherwise GSL's `lnpoch`, which is accurate at moderate a.
enum GammaRatio {
    /// Bernoulli numbers B₀ … B₁₂.
    private static let bernoulli: [Double] = [
        1, -0.5, 1.0 / 6, 0, -1.0 / 30, 0, 1.0 / 42, 0, -1.0 / 30, 0, 5.0 / 66, 0, -691.0 / 2730,
    ]

    static func log(_ a: Double, _ h: Double) -> Double {
        guard a > 0, h >= 0, a.isFinite, h.isFinite else { return .nan }
        if h == 0 { return 0 }
        guard a >= max(30, 4 * h * h) else { return GSL.logPochhammer(a, h) }
        var hPowers = [Double](repeating: 1, count: 13)  // hᵏ
        for k in 1...12 { hPowers[k] = hPowers[k - 1] * h }
        var sum = h * Foundation.log(a)
        var aPower = a  // a^(n−1)
        for n in 2...12 {
            // Bₙ(h) − Bₙ = Σₖ₌₀ⁿ⁻¹ C(n, k) Bₖ h^(n−k). Odd n with h = ½ give zero terms, so
            // the sum runs to n = 12 without an early exit (cheap terms).
            var poly = 0.0
            var binomial = 1.0  // C(n, k)
            for k in 0..<n {
                if k > 0 { binomial = binomial * Double(n - k + 1) / Double(k) }
                poly += binomial * bernoulli[k] * hPowers[n - k]
            }
            sum += (n % 2 == 0 ? 1.0 : -1.0) * poly / (Double(n * (n - 1)) * aPower)
            aPower *= a
        }
        return sum
    }

    /// x log x − log Γ(x) for x > 0. Above x = 30 from Stirling's series,
    /// ½ log x + x − ½ log 2π − 1/(12x) + 1/(360x³) − 1/(1260x⁵) + 1/(1680x⁷) (error < 10⁻¹⁶),
    /// so that the two large terms never cancel; below, directly.
    static func xLogXMinusLogGamma(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return .nan }
        if x < 30 { return x * Foundation.log(x) - GSL.logGamma(x) }
        let r = 1 / x, r2 = r * r
        let series = r * (-1.0 / 12 + r2 * (1.0 / 360 + r2 * (-1.0 / 1260 + r2 / 1680)))
        return 0.5 * Foundation.log(x) + x - 0.91893853320467274178 + series
    }
}
