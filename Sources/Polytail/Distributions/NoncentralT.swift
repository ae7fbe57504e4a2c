import Foundation

/// The (statistical) noncentral t distribution with location and scale — scipy's `nct`:
///
///     T = (Z + δ) / √(V/ν),   Z ~ N(0, 1),  V ~ χ²_ν independent,   X = μ + σ T.
///
/// With t = (x − μ)/σ and s = √(V/ν), every quantity is an expectation over V:
///
///     f_T(t)    = E_V[ s φ(t s − δ) ]
///     P(T ≤ t)  = E_V[ Φ(t s − δ) ],     P(T > t) = E_V[ Q(t s − δ) ]
///
/// (Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 2, ch. 31).
/// The density also has the power series (expand e^{tδ s} in the first expectation)
///
///     f_T(t) = ν^{ν/2} e^{−δ²/2} / (√π Γ(ν/2) (ν+t²)^{(ν+1)/2}) · Σ_j Γ((ν+j+1)/2)/j! · z^j,
///     z = t δ √2 / √(ν + t²),
///
/// whose terms all have one sign when tδ ≥ 0 (|z| < √2 |δ| keeps it short).
///
/// **Evaluation.**
/// - log-density: the series, summed outward from its largest term by two-step recurrences
///   from two anchors (log-Pochhammer symbols; from Γ-arguments ≥ 10 on by a cancellation-free
///   Stirling difference, since GSL's `lnpoch` loses log₁₀(a) digits; the odd/even anchor ratio
///   is taken directly because the two parities cancel when z < 0). When tδ < 0 the series
///   alternates; if Σ|terms| / Σ terms exceeds 10⁴ (more than four digits lost) the density
///   is taken from the integral instead.
/// - cdf, survival (and the density fallback): the integrals above in the variable
///   y = log(|t| s), in which each log-integrand L is strictly unimodal (its derivative has
///   exactly one zero, since L′ = 0 equates an increasing and a decreasing function of y). The
///   zero is bracketed and found by GSL's Brent solver (`Solvers.brentRoot`), L* = L(mode); the
///   integrand exp(L − L*) is evaluated in differenced form (the χ² part as
///   ν (v − ½ s₀² expm1(2v)), v = y − mode), so neither the O(ν log s) size of L nor the rounding
///   of y − log|t| enters it. Limits: where L < L* − 46, or on the left where the integrand has
///   become an exact exponential, whose tail is summed in closed form. The integral is taken by
///   the trapezoidal rule with step halving (geometric convergence for smooth integrands
///   negligible at both ends; Trefethen & Weideman, SIAM Review 56, 2014), falling back to
///   GSL's adaptive Gauss–Kronrod rule split at the mode; the result is L* + log ∫. This keeps
///   full relative accuracy in both far tails, for huge |t| (only log|t| is used when (x − μ)/σ
///   overflows) and tiny σ. Per call the smaller tail is integrated (guessed from t < δ, checked);
///   the other is log1p(−smaller) when the smaller is ≤ ½. Q is never formed as 1 − Φ.
/// - quantile: a bracketed Brent solve (GSL, `Solvers.brentRoot`) of log P(tail) = log p on the
///   smaller tail; ±∞ when the quantile lies beyond the double range (tiny ν).
///
/// Accuracy against mpmath (Tests/Fixtures/noncentral_t.json, ν ∈ [1, 100], |x| ≤ 50,
/// δ ∈ [−5, 5], plus tiny scales and |x| up to 10¹⁵⁰): log-pdf within 10⁻¹² absolute, cdf and
/// survival within 10⁻¹¹ relative (values down to e⁻³⁴⁰⁰⁰).
///
/// δ = 0 reduces to the location-scale Student t (``StudentT``).
public struct NoncentralT: UnivariateDistribution, Equatable, Codable, Hashable {
    /// ν > 0.
    public let degreesOfFreedom: Double
    /// δ, any finite value.
    public let noncentrality: Double
    /// μ.
    public let location: Double
    /// σ > 0.
    public let scale: Double

    /// The smallest ν evaluated: 10⁻³ (the lower bound of every ν estimate,
    /// ``StudentT/defaultMinimumDF``). Below it the tails fall off like |t|^−ν and nearly all
    /// quantiles lie beyond the double range.
    public static let minimumDegreesOfFreedom = 1e-3
    /// The largest ν evaluated: 10⁶ (the upper bound of every ν estimate,
    /// ``StudentT/defaultMaximumDF``). Beyond it the integrals' χ² weight, of width 1/√(2ν) in
    /// log s, is too narrow for the tails far out (|t| ≳ 10²⁰) to be integrated in doubles.
    public static let maximumDegreesOfFreedom = 1e6
    /// The largest |δ| evaluated: 10³. Beyond it the tails' integrands, of size e^{−δ²/2}
    /// relative to their peak, cannot be located in doubles (a normal with mean δ lies within
    /// 10⁻¹⁴ of this distribution's body at such δ only when ν is also large).
    public static let maximumNoncentrality = 1e3
    static let degreesOfFreedomRequirement = "must be finite and in [0.001, 1e6] (the range the noncentral t is evaluated for)"
    static let noncentralityRequirement = "must be finite with |noncentrality| <= 1000 (the range the noncentral t is evaluated for)"

    /// - Parameters:
    ///   - degreesOfFreedom: ν in [``minimumDegreesOfFreedom``, ``maximumDegreesOfFreedom``].
    ///   - noncentrality: δ, finite with |δ| ≤ ``maximumNoncentrality``.
    ///   - location: μ, finite.
    ///   - scale: σ, finite and > 0.
    /// - Throws: `PolytailError.invalidParameter` for a parameter outside these ranges.
    public init(degreesOfFreedom: Double, noncentrality: Double, location: Double = 0, scale: Double = 1) throws(PolytailError) {
        guard degreesOfFreedom.isFinite, degreesOfFreedom >= NoncentralT.minimumDegreesOfFreedom,
              degreesOfFreedom <= NoncentralT.maximumDegreesOfFreedom else {
            throw .invalidParameter(name: "degreesOfFreedom", value: degreesOfFreedom, requirement: NoncentralT.degreesOfFreedomRequirement)
        }
        guard noncentrality.isFinite, abs(noncentrality) <= NoncentralT.maximumNoncentrality else {
            throw .invalidParameter(name: "noncentrality", value: noncentrality, requirement: NoncentralT.noncentralityRequirement)
        }
        try LocationScale.check(location: location, scale: scale)
        self.degreesOfFreedom = degreesOfFreedom
        self.noncentrality = noncentrality
        self.location = location
        self.scale = scale
    }

    enum CodingKeys: String, CodingKey { case degreesOfFreedom, noncentrality, location, scale }

    /// Decodes through the validating initialiser.
    /// - Throws: `DecodingError.dataCorrupted` for parameters the initialiser rejects.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let nu = try c.decode(Double.self, forKey: .degreesOfFreedom)
        let delta = try c.decode(Double.self, forKey: .noncentrality)
        let location = try c.decode(Double.self, forKey: .location)
        let scale = try c.decode(Double.self, forKey: .scale)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try NoncentralT(degreesOfFreedom: nu, noncentrality: delta, location: location, scale: scale)
        }
    }

    // MARK: - Standardisation

    /// t = (x − μ)/σ as a sign and log|t|, valid when t itself overflows.
    struct Standardized {
        var t: Double        // may be ±∞ when only log|t| is representable
        var sign: Double     // −1, 0 or +1
        var logAbs: Double   // log|t| (−∞ at t = 0)
    }

    @inline(__always)
    func standardize(_ x: Double) -> Standardized {
        let difference = x - location
        let t = difference / scale
        let sign: Double = difference > 0 ? 1 : (difference < 0 ? -1 : 0)
        if t.isFinite && t != 0 || difference == 0 {
            return Standardized(t: t, sign: sign, logAbs: log(abs(t)))
        }
        // |t| overflowed (or underflowed to 0): go through logs.
        let logAbsDifference = difference.isFinite ? log(abs(difference)) : log(abs(0.5 * x - 0.5 * location)) + M_LN2
        return Standardized(t: t, sign: sign, logAbs: logAbsDifference - log(scale))
    }

    // MARK: - Density

    public func logDensity(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return -.infinity }
        let p = standardize(x)
        return NoncentralT.standardLogDensity(p, degreesOfFreedom, noncentrality) - log(scale)
    }

    /// log f_T for the standard noncentral t.
    static func standardLogDensity(_ p: Standardized, _ nu: Double, _ delta: Double) -> Double {
        // ℓ = log(1 + t²/ν) and z = tδ√2/√(ν+t²), both safe for huge |t|.
        let ell: Double
        let z: Double
        if p.logAbs < 230 {
            let t = p.t
            ell = log1p(t * t / nu)
            z = p.sign == 0 || delta == 0 ? 0 : t * delta * 1.41421356237309504880 / (nu + t * t).squareRoot()
        } else {
            let r = nu * exp(-2 * p.logAbs)
            ell = 2 * p.logAbs - log(nu) + log1p(r)
            z = p.sign * delta * 1.41421356237309504880 / (1 + r).squareRoot()
        }
        let prefactor = -0.5 * delta * delta - 0.5 * log(Double.pi * nu) - 0.5 * (nu + 1) * ell
        if let logSum = seriesLogSum(z, nu) {
            return prefactor + logSum
        }
        return integralLog(.density, nu, delta, p)
    }

    /// R(z; ν) = log Σ_j Γ((ν+j+1)/2)/(Γ(ν/2) j!) zʲ, so that
    /// log f_T(t) = −δ²/2 − ½ log(πν) − ½(ν+1) log(1 + t²/ν) + R(z; ν), z = √2 δ t/√(ν+t²).
    /// By the series where it does not cancel; otherwise from the defining integral at a
    /// (t, δ) with this z, chosen to keep the subtracted known part small: τ = t/√(ν+t²) with
    /// τ² = min(½, |z|/√(2(ν+1))) (the two terms −δ²/2 and −½(ν+1) log(1 + t²/ν) balance).
    static func seriesLog(_ z: Double, _ nu: Double) -> Double {
        if let value = seriesLogSum(z, nu) { return value }
        let tau2 = min(0.5, abs(z) / (2 * (nu + 1)).squareRoot())
        let tau = (z < 0 ? -1.0 : 1.0) * tau2.squareRoot()
        let delta = abs(z) / (2 * tau2).squareRoot()
        // t = τ √ν / √(1 − τ²); log(1 + t²/ν) = −log(1 − τ²).
        let t = tau * (nu / (1 - tau2)).squareRoot()
        let point = Standardized(t: t, sign: t > 0 ? 1 : -1, logAbs: log(abs(t)))
        let known = -0.5 * delta * delta - 0.5 * log(Double.pi * nu) + 0.5 * (nu + 1) * log1p(-tau2)
        return integralLog(.density, nu, delta, point) - known
    }

    /// log Σ_j c_j z^j with c_j = Γ((ν+j+1)/2) / (Γ(ν/2) j!), or nil when the alternating
    /// series (z < 0) would lose more than four digits to cancellation.
    static func seriesLogSum(_ z: Double, _ nu: Double) -> Double? {
        let halfNu = 0.5 * nu
        if z == 0 { return GammaRatio.log(halfNu, 0.5) }
        let z2 = z * z
        let logAbsZ = log(abs(z))
        // The largest term: |c_{j+1} z^{j+1} / c_j z^j| ≈ |z| √((ν+j+1)/2)/(j+1) = 1.
        let k = 0.25 * z2 + (z2 * z2 / 16 + 0.5 * z2 * nu).squareRoot()
        let peak = max(0, Int((k - 1).rounded(.down)))
        let anchor = GammaRatio.log(halfNu, 0.5 * Double(peak + 1)) - GSL.logGamma(Double(peak + 1)) + Double(peak) * logAbsZ
        // |term_{p+1} / term_p| = |z| Γ((ν+p+2)/2) / (Γ((ν+p+1)/2) (p+1)): taken directly, because
        // the even and odd parts cancel when z < 0 and magnify any error in their ratio.
        let second = abs(z) * exp(GammaRatio.log(0.5 * (nu + Double(peak + 1)), 0.5)) / Double(peak + 1)
        guard anchor.isFinite, second.isFinite else { return nil }
        let negative = z < 0
        @inline(__always) func signed(_ magnitude: Double, _ j: Int) -> Double {
            negative && j % 2 == 1 ? -magnitude : magnitude
        }
        var sum = signed(1, peak) + signed(second, peak + 1)
        var absSum = 1 + second
        // Upward, both parities: |u_{j+2}| = |u_j| z² ((ν+j+1)/2) / ((j+1)(j+2)).
        for (start, value) in [(peak, 1.0), (peak + 1, second)] {
            var j = start
            var u = value
            while true {
                let jd = Double(j)
                u *= z2 * 0.5 * (nu + jd + 1) / ((jd + 1) * (jd + 2))
                j += 2
                sum += signed(u, j)
                absSum += u
                if u <= 1e-18 * absSum { break }
                if j > 100_000_000 { return nil }
            }
            // Downward: |u_{j−2}| = |u_j| j (j−1) / (z² (ν+j−1)/2).
            j = start
            u = value
            while j >= 2 {
                let jd = Double(j)
                u *= jd * (jd - 1) / (z2 * 0.5 * (nu + jd - 1))
                j -= 2
                sum += signed(u, j)
                absSum += u
                if u <= 1e-18 * absSum { break }
            }
        }
        guard sum > 0, absSum <= 1e4 * sum else { return nil }
        return anchor + log(sum)
    }

    // MARK: - The integrals over V

    enum IntegralKind { case density, lower, upper }

    /// log of E_V[s φ(ts − δ)], E_V[Φ(ts − δ)] or E_V[Q(ts − δ)] for t ≠ 0, by quadrature
    /// in y = log(|t| s) entirely in the log domain (see the type's documentation).
    static func integralLog(_ kind: IntegralKind, _ nu: Double, _ delta: Double, _ p: Standardized) -> Double {
        let sigma = p.sign
        let logT = p.logAbs
        precondition(sigma != 0)
        // log of 2 h(w) with w = log V = log ν + 2(y − log|t|), h the density of log V:
        // log h(w) = ν w/2 − e^w/2 − (ν/2) log 2 − log Γ(ν/2); the 2 is dw/dy. With
        // log s = y − log|t| this is ν (log s − ½ expm1(2 log s)) + [a log a − a − log Γ(a)] + log 2,
        // a = ν/2, whose pieces stay O(1) (no cancellation of O(ν) terms at large ν).
        let constant = GammaRatio.stirlingDeficit(0.5 * nu) + M_LN2
        let logRootTwoPi = Normal.logRootTwoPi

        @inline(__always) func L(_ y: Double) -> Double {
            let logS = y - logT
            // |t| s, capped: beyond 10³⁰⁰ every normal factor is 0 or 1 in doubles.
            let ey = min(exp(y), 1e300)
            let a = sigma * ey - delta
            let weight = nu * (logS - 0.5 * expm1(2 * logS)) + constant
            switch kind {
            case .density: return logS - 0.5 * a * a - logRootTwoPi + weight
            case .lower: return GSL.logNormalP(a) + weight
            case .upper: return GSL.logNormalP(-a) + weight
            }
        }
        // dL/dy; it has exactly one zero (positive to its left, negative to its right).
        @inline(__always) func dL(_ y: Double) -> Double {
            let logS = y - logT
            // |t| s, capped: beyond 10³⁰⁰ every normal factor is 0 or 1 in doubles.
            let ey = min(exp(y), 1e300)
            let a = sigma * ey - delta
            let weight = nu - nu * exp(2 * logS)
            switch kind {
            case .density:
                return 1 - a * sigma * ey + weight
            case .lower:
                return sigma * ey * millsRatio(a) + weight
            case .upper:
                return -sigma * ey * millsRatio(-a) + weight
            }
        }

        // φ(a)/Φ(a); far in the lower tail by its asymptotic series, where the ratio of
        // two underflowing exponentials would be noise.
        @inline(__always) func millsRatio(_ a: Double) -> Double {
            if a < -1e4 { return -a - 1 / a }
            if a > 40 { return 0 }
            return exp(-0.5 * a * a - logRootTwoPi - GSL.logNormalP(a))
        }

        // Bracket the zero of dL. The weight peaks at y = log|t|, the normal factor near
        // e^y ≈ |δ| + 1; the mode lies near one of them.
        let g1 = logT
        let g2 = log(abs(delta) + 1)
        var lo = min(g1, g2) - 1
        var hi = min(max(g1, g2) + 1, 720)
        var step = 1.0
        var dlo = dL(lo)
        var guardCount = 0
        while dlo <= 0 && guardCount < 200 {
            hi = lo
            lo -= step
            step *= 2
            dlo = dL(lo)
            guardCount += 1
        }
        step = 1.0
        var dhi = dL(hi)
        guardCount = 0
        while dhi >= 0 && guardCount < 200 {
            lo = hi
            dlo = dL(lo)
            hi += step
            step *= 2
            dhi = dL(hi)
            guardCount += 1
        }
        guard dlo > 0, dhi < 0 else { return .nan }
        // The mode only anchors the integral: 10⁻⁷ (absolute and relative) is plenty.
        guard let mode = try? Solvers.brentRoot(lower: lo, upper: hi, relativeTolerance: 1e-7, absoluteTolerance: 1e-7, { y in
            // GSL's Brent solver needs finite values; only the sign of dL matters far out (where
            // e^{2 log s} overflows it is −∞).
            let d = dL(y)
            return d.isNaN ? 0 : min(max(d, -1e300), 1e300)
        }) else { return .nan }
        let top = L(mode)
        guard top.isFinite else { return top.isNaN ? .nan : -.infinity }
        // Width from the curvature of L at the mode.
        let h = 1e-4
        let curvature = (dL(mode + h) - dL(mode - h)) / (2 * h)
        let width = curvature < 0 && curvature.isFinite ? min(max(1 / (-curvature).squareRoot(), 1e-8), 1e3) : 1.0
        let drop = 46.0

        // The integrand relative to its peak, exp(D(v)) with v = y − mode, is evaluated in a
        // differenced form: D(v) = L(mode + v) − L(mode) with the χ² part written as
        // ν (v − ½ s₀² expm1(2v)) (s₀ = e^{c₀} the value of s at the mode), so that neither
        // the O(ν log s) size of L nor the rounding of y − log|t| (up to 10⁻¹³ when |t| is
        // extreme) enters the integrand.
        let c0 = mode - logT
        let s0Squared = exp(2 * c0)
        let e0 = min(exp(mode), 1e300)
        let a0 = sigma * e0 - delta
        let n0: Double
        switch kind {
        case .density: n0 = -0.5 * a0 * a0
        case .lower: n0 = GSL.logNormalP(a0)
        case .upper: n0 = GSL.logNormalP(-a0)
        }
        @inline(__always) func D(_ v: Double) -> Double {
            let chi = nu * (v - 0.5 * s0Squared * expm1(2 * v))
            let ey = min(exp(mode + v), 1e300)
            let a = sigma * ey - delta
            switch kind {
            case .density:
                // −(a² − a₀²)/2 = −(a − a₀)(a + a₀)/2 with a − a₀ = σ e^{mode} expm1(v).
                let difference = ey < 1e300 ? sigma * e0 * expm1(v) : a - a0
                return v + chi - 0.5 * difference * (a + a0)
            case .lower: return chi + (GSL.logNormalP(a) - n0)
            case .upper: return chi + (GSL.logNormalP(-a) - n0)
            }
        }

        // Left end: stop once D has dropped enough, or once the integrand is an exact
        // exponential e^{slope·v} (then its tail is added in closed form).
        let slope = kind == .density ? nu + 1 : nu
        var left = -width
        var tail = 0.0
        var exponentialTail = false
        var distance = width
        for _ in 0..<2000 {
            let value = D(left)
            if value < -drop { break }
            let ey = exp(mode + left)
            let tiny = ey * (abs(delta) + 2 + ey) < 1e-18 && nu * s0Squared * exp(2 * left) < 1e-18
            if tiny {
                tail = exp(value) / slope
                exponentialTail = true
                break
            }
            distance *= 2
            left = -distance
        }
        var right = width
        distance = width
        for _ in 0..<2000 {
            if D(right) < -drop { break }
            distance *= 2
            right = distance
        }
        let integrand: (Double) -> Double = { v in exp(D(v)) }
        let body: Double
        if let value = trapezoid(integrand, from: left, to: right, step: width,
                                 leftExponentialSlope: exponentialTail ? slope : nil) {
            body = value  // includes the exponential left tail
        } else {
            body = Solvers.integrate(from: left, to: 0, relativeTolerance: 1e-12, integrand)
                + Solvers.integrate(from: 0, to: right, relativeTolerance: 1e-12, integrand) + tail
        }
        let total = body
        guard total.isFinite, total > 0 else { return .nan }
        return top + log(total)
    }

    /// ∫ₐᵇ f by the trapezoidal rule with step halving, for smooth unimodal integrands that are
    /// negligible at both ends: then the rule converges geometrically (its error is governed by
    /// the width of the strip of analyticity, Trefethen & Weideman, SIAM Review 56 (2014)): each
    /// halving roughly squares the error, so when two successive results agree to 10⁻¹⁰ the
    /// finer one is accurate to far better (and to ≤ 10⁻¹⁰/3 even under mere O(h²) convergence).
    /// nil when that does not happen within a few halvings (the caller then uses GSL's
    /// adaptive Gauss–Kronrod rule).
    ///
    /// With `leftExponentialSlope` = s, f is taken to be exactly f(a) e^{s(v − a)} left of a, and
    /// the rule's nodes a − h, a − 2h, … are summed in closed form, h f(a) (½ + 1/expm1(s h)),
    /// so that the result is the trapezoidal rule on (−∞, b] and keeps its geometric convergence.
    static func trapezoid(_ f: (Double) -> Double, from a: Double, to b: Double, step: Double,
                          leftExponentialSlope: Double? = nil) -> Double? {
        guard b > a, step > 0 else { return nil }
        var n = max(16, Int(((b - a) / step).rounded(.up)))
        guard n <= 8192 else { return nil }
        var h = (b - a) / Double(n)
        let fa = f(a)
        var sum = 0.5 * (fa + f(b))
        for i in 1..<n { sum += f(a + Double(i) * h) }
        func tail(_ h: Double) -> Double {
            guard let slope = leftExponentialSlope else { return 0 }
            return fa * (0.5 + 1 / expm1(slope * h))
        }
        var estimate = (sum + tail(h)) * h
        for _ in 0..<5 {
            var midpoints = 0.0
            for i in 0..<n { midpoints += f(a + (Double(i) + 0.5) * h) }
            sum += midpoints
            n *= 2
            h *= 0.5
            let next = (sum + tail(h)) * h
            guard next.isFinite else { return nil }
            if abs(next - estimate) <= 1e-10 * next { return next }
            estimate = next
        }
        return nil
    }

    // MARK: - Tails

    /// (log P(T ≤ t), log P(T > t)) for the standard noncentral t: the smaller one by
    /// quadrature, the larger as log1p(−smaller) when the smaller is ≤ ½.
    static func standardLogTails(_ p: Standardized, _ nu: Double, _ delta: Double) -> (lower: Double, upper: Double) {
        if p.sign == 0 {
            // P(T ≤ 0) = P(Z ≤ −δ).
            return (GSL.logNormalP(-delta), GSL.logNormalP(delta))
        }
        let log2 = -M_LN2
        // Guess which tail is smaller; check, and integrate the other one if the guess failed.
        let lowerFirst = p.t < delta
        let first = integralLog(lowerFirst ? .lower : .upper, nu, delta, p)
        if first.isNaN { return (.nan, .nan) }
        let small: Double
        let smallIsLower: Bool
        if first <= log2 {
            small = first
            smallIsLower = lowerFirst
        } else {
            let second = integralLog(lowerFirst ? .upper : .lower, nu, delta, p)
            if second.isNaN { return (.nan, .nan) }
            if second <= first {
                small = second
                smallIsLower = !lowerFirst
            } else {
                // Both near ½ (cannot both exceed it): keep the first as computed.
                small = first
                smallIsLower = lowerFirst
            }
        }
        let large = log1p(-exp(small))
        return smallIsLower ? (small, large) : (large, small)
    }

    func logTails(_ x: Double) -> (lower: Double, upper: Double) {
        if x.isNaN { return (.nan, .nan) }
        if x == .infinity { return (0, -.infinity) }
        if x == -.infinity { return (-.infinity, 0) }
        return NoncentralT.standardLogTails(standardize(x), degreesOfFreedom, noncentrality)
    }

    /// log P(X ≤ x), accurate far below the double range of P itself.
    public func logCDF(_ x: Double) -> Double { logTails(x).lower }

    /// log P(X > x), accurate far below the double range of P itself.
    public func logSurvival(_ x: Double) -> Double { logTails(x).upper }

    public func cdf(_ x: Double) -> Double { exp(logTails(x).lower) }

    public func survival(_ x: Double) -> Double { exp(logTails(x).upper) }

    // MARK: - Quantile

    /// Solves log P(tail) = log p on the smaller tail (the lower one for p ≤ ½, the upper one
    /// with q = 1 − p otherwise) by GSL's Brent solver in t, after bracketing the root by steps
    /// that grow fourfold.
    public func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let nu = degreesOfFreedom
        let delta = noncentrality
        let lowerSide = p <= 0.5
        let target = lowerSide ? log(p) : log1p(-p)
        // g(t) is increasing in t.
        func g(_ t: Double) -> Double {
            let sign: Double = t > 0 ? 1 : (t < 0 ? -1 : 0)
            let tails = NoncentralT.standardLogTails(Standardized(t: t, sign: sign, logAbs: log(abs(t))), nu, delta)
            return lowerSide ? tails.lower - target : target - tails.upper
        }
        var start = GSL.tPInverse(p, nu) + delta
        if !start.isFinite { start = delta }
        var a = start
        var ga = g(a)
        if ga.isNaN { return .nan }
        if ga == 0 { return location + scale * a }
        var b = a
        var gb = ga
        var step = max(1, abs(start))
        var found = false
        for _ in 0..<4000 {
            b = ga > 0 ? a - step : a + step
            if !b.isFinite {
                // Try the last finite point; beyond it the quantile is ±∞ in doubles
                // (possible for tiny ν, whose tails fall off like |t|^−ν).
                b = ga > 0 ? -Double.greatestFiniteMagnitude : Double.greatestFiniteMagnitude
                gb = g(b)
                if gb.isNaN { return .nan }
                if (ga > 0) == (gb > 0) && gb != 0 { return b < 0 ? -.infinity : .infinity }
                found = true
                break
            }
            gb = g(b)
            if gb.isNaN { return .nan }
            if (ga > 0) != (gb > 0) || gb == 0 { found = true; break }
            a = b; ga = gb
            step *= 4
        }
        guard found else { return .nan }
        if gb == 0 { return location + scale * b }
        // g is increasing and changes sign on [min(a, b), max(a, b)]: GSL's Brent solver, to
        // a relative width of 2·10⁻¹⁵ (the quantile to about 10 ulps).
        var failed = false
        let root = try? Solvers.brentRoot(lower: min(a, b), upper: max(a, b), relativeTolerance: 2e-15, absoluteTolerance: 1e-300, maxIterations: 400) { t in
            let value = g(t)
            if value.isNaN { failed = true; return 0 }
            return min(max(value, -1e300), 1e300)
        }
        guard let t = root, !failed else { return .nan }
        return location + scale * t
    }

    // MARK: - Sampling

    /// μ + σ (Z + δ) / √(V/ν), with Z a standard normal and V a χ²_ν draw.
    public func sample(using generator: inout PolytailRandom) -> Double {
        let z = generator.standardNormal()
        let v = generator.chiSquared(degreesOfFreedom)
        return location + scale * (z + noncentrality) / (v / degreesOfFreedom).squareRoot()
    }
}
