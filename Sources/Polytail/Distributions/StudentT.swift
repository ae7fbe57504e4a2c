import Foundation

/// The location-scale Student-t distribution t_ν(μ, σ), the "(noncentral) Student's t"
/// of Wang & Loog (2022, §3.1.1): with z = (x − μ)/σ,
///
///     f(x) = Γ((ν+1)/2) / (Γ(ν/2) √(νπ) σ) · (1 + z²/ν)^(−(ν+1)/2).
///
/// Its tails fall off like |x|^−(ν+1): polynomially, which is what makes a classifier
/// built on it conservative. ν = 1 is the Cauchy distribution; ν = +∞ is accepted and is the
/// normal N(μ, σ²) exactly (every member evaluates the normal there; this is what a fit
/// reports when the data are no heavier-tailed than a normal). This is not the statistical
/// noncentral t (see ``NoncentralT``).
///
/// `Codable` writes ν = ∞ as the string `"Infinity"` (JSON has no infinite number) and reads
/// either a number or that string.
public struct StudentT: UnivariateDistribution, Equatable, Codable, Hashable {
    /// ν > 0; +∞ for the normal limit.
    public let degreesOfFreedom: Double
    /// μ.
    public let location: Double
    /// σ > 0.
    public let scale: Double
    /// log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log σ, computed once.
    let logConstant: Double

    /// - Parameters:
    ///   - degreesOfFreedom: ν ≥ ``minimumDegreesOfFreedom``, or +∞ for the normal limit N(μ, σ²).
    ///   - location: μ, finite.
    ///   - scale: σ > 0, finite.
    /// - Throws: `PolytailError.invalidParameter` unless ν ≥ ``minimumDegreesOfFreedom``
    ///   (+∞ allowed, NaN not), μ finite, σ > 0 and finite.
    public init(degreesOfFreedom: Double, location: Double = 0, scale: Double = 1) throws(PolytailError) {
        guard degreesOfFreedom >= StudentT.minimumDegreesOfFreedom, degreesOfFreedom.isFinite || degreesOfFreedom == .infinity else {
            throw .invalidParameter(name: "degreesOfFreedom", value: degreesOfFreedom,
                                    requirement: "must be ≥ \(StudentT.minimumDegreesOfFreedom) (+∞ for the normal limit)")
        }
        try LocationScale.check(location: location, scale: scale)
        self.degreesOfFreedom = degreesOfFreedom
        self.location = location
        self.scale = scale
        self.logConstant = StudentT.logNormalizer(degreesOfFreedom) - log(scale)
    }

    /// The smallest ν accepted, 10⁻³⁰⁰. Below it (subnormal ν such as 5·10⁻³²⁴) the gamma
    /// ratio of the normalising constant cannot be evaluated in double precision and every
    /// density would be NaN; down to it the constant, densities, tails and quantiles are
    /// finite or the documented ±∞ (a quantile beyond the double range). A t with ν this small
    /// puts almost all its mass beyond any double: P(|T| > 10³⁰⁰) ≈ 1 − 10⁻²⁹⁷.
    public static let minimumDegreesOfFreedom = 1e-300

    /// Whether ν = +∞: the distribution is the normal N(μ, σ²).
    public var isNormalLimit: Bool { degreesOfFreedom == .infinity }

    /// The normal N(μ, σ²) this t tends to as ν → ∞ (equal to it at ν = ∞).
    public var normalLimit: Normal { try! Normal(mean: location, standardDeviation: scale) }

    enum CodingKeys: String, CodingKey { case degreesOfFreedom, location, scale }

    /// Decodes through the validating initialiser.
    /// - Throws: `DecodingError.dataCorrupted` for parameters the initialiser rejects.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let nu = try c.decodeAllowingInfinity(forKey: .degreesOfFreedom)
        let location = try c.decode(Double.self, forKey: .location)
        let scale = try c.decode(Double.self, forKey: .scale)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try StudentT(degreesOfFreedom: nu, location: location, scale: scale)
        }
    }

    /// Encodes ν, μ and σ; ν = ∞ as the string `"Infinity"`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeAllowingInfinity(degreesOfFreedom, forKey: .degreesOfFreedom)
        try c.encode(location, forKey: .location)
        try c.encode(scale, forKey: .scale)
    }

    /// log of the normalising constant without σ: log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ).
    ///
    /// The gamma ratio comes from ``GammaRatio`` (an asymptotic series at large ν), not from a
    /// difference of two lgamma values, which would lose about log₁₀(ν) digits and spoil
    /// the approach to the normal at large ν.
    static func logNormalizer(_ nu: Double) -> Double {
        if nu == .infinity { return -Normal.logRootTwoPi }
        return GammaRatio.log(0.5 * nu, 0.5) - 0.5 * logNuPi(nu)
    }

    /// log(νπ), also where νπ overflows (ν above 5.7·10³⁰⁷: there log ν + log π).
    static func logNuPi(_ nu: Double) -> Double {
        nu < 1e307 ? log(nu * Double.pi) : log(nu) + log(Double.pi)
    }

    /// log(1 + z²/ν) for any z, including |z| so large that z² overflows.
    @inline(__always)
    static func logOnePlusSquare(_ z: Double, _ nu: Double) -> Double {
        let a = abs(z) / nu.squareRoot()
        if a < 1e150 { return log1p(a * a) }
        // 1 + a² = a² (1 + a⁻²) and a⁻² < 1e-300 is lost in rounding.
        if a.isFinite { return 2 * log(a) }
        // |z|/√ν overflowed (a tiny ν): log a = log|z| − ½ log ν.
        return 2 * (log(abs(z)) - 0.5 * log(nu))
    }

    /// log|x − μ| − log σ, safe when x − μ or (x − μ)/σ overflows.
    @inline(__always)
    func logAbsStandardized(_ x: Double) -> Double {
        let difference = x - location
        if difference.isFinite { return log(abs(difference)) - log(scale) }
        return log(abs(0.5 * x - 0.5 * location)) + M_LN2 - log(scale)
    }

    public func logDensity(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if isNormalLimit {
            // Normal.logDensity's expression, so that the two agree to the bit; an
            // overflowing z is a density below the smallest double.
            let z = (x - location) / scale
            return z.isFinite ? -0.5 * z * z - log(scale) - Normal.logRootTwoPi : -.infinity
        }
        let nu = degreesOfFreedom
        let z = (x - location) / scale
        let tail: Double
        if z.isFinite {
            tail = StudentT.logOnePlusSquare(z, nu)
        } else if x.isFinite {
            // |z| overflowed: log(1 + z²/ν) = 2 (log|z| − ½ log ν) to double precision.
            tail = 2 * (logAbsStandardized(x) - 0.5 * log(nu))
        } else {
            return -.infinity
        }
        return logConstant - 0.5 * (nu + 1) * tail
    }

    /// P(T ≤ −|z|) for the standard t, given |z| and log|z| (the latter alone is used when
    /// |z| is too large to square or has overflowed).
    ///
    /// With a = |z|/√ν: P = ½ I_{1/(1+a²)}(ν/2, ½) = ½ − ½ I_{a²/(1+a²)}(½, ν/2)
    /// (Abramowitz & Stegun 26.7.1; GSL `gsl_sf_beta_inc`). The second form is used when the
    /// tail is near ½ (it carries the digits of a small a), the first otherwise (no
    /// cancellation when the tail is small). Far out, where 1/(1+a²) underflows, the leading
    /// term of I_x(α, ½) = x^α ₂F₁(α, ½; α+1; x)/(α B(α, ½)) gives
    /// log P = (ν/2) log x − log(ν/2) − log B(ν/2, ½) − log 2 with relative error below x.
    static func lowerTail(absZ: Double, logAbsZ: Double, _ nu: Double) -> Double {
        exp(logLowerTail(absZ: absZ, logAbsZ: logAbsZ, nu))
    }

    /// log P(T ≤ −|z|); see ``lowerTail(absZ:logAbsZ:_:)``.
    static func logLowerTail(absZ: Double, logAbsZ: Double, _ nu: Double) -> Double {
        if absZ == 0 { return -M_LN2 }
        let logA = logAbsZ - 0.5 * log(nu)
        if logA > 20 {
            // x = 1/(1 + a²) < 5e-18: log x = −2 log a to double precision.
            let logX = -2 * logA
            let logBeta = 0.5 * log(Double.pi) - GammaRatio.log(0.5 * nu, 0.5)
            return 0.5 * nu * logX - log(0.5 * nu) - logBeta - M_LN2
        }
        if nu > maximumIncompleteBetaDF { return logUpperTailByQuadrature(absZ, nu) }
        let a = absZ / nu.squareRoot()
        let a2 = a * a
        let iy = GSL.incompleteBeta(0.5, 0.5 * nu, a2 / (1 + a2))
        if iy <= 0.5 { return log(0.5 - 0.5 * iy) }
        return log(0.5 * GSL.incompleteBeta(0.5 * nu, 0.5, 1 / (1 + a2)))
    }

    /// Above this ν, GSL's incomplete beta with the parameter ν/2 loses digits (measured
    /// against mpmath: 10⁻⁷ relative at ν = 10⁶) or fails, and the tail is integrated instead.
    static let maximumIncompleteBetaDF = 500.0

    /// log ∫_{z₀}^∞ f(s) ds for the standard t, z₀ ≥ 0, by GSL's `qagiu` on the density
    /// scaled by f(z₀) (a positive integrand, so the relative accuracy of the quadrature,
    /// 10⁻¹³, carries over to tails of any size).
    static func logUpperTailByQuadrature(_ z0: Double, _ nu: Double) -> Double {
        let c = logNormalizer(nu)
        let half = 0.5 * (nu + 1)
        let logF0 = c - half * logOnePlusSquare(z0, nu)
        // s = z₀ + v/k with k the decay rate of f at z₀, so that the integrand falls off
        // over v = O(1) whatever ν and z₀ (qagiu fails on a spike next to its endpoint).
        let k = max(1, 2 * half * z0 / (nu + z0 * z0))
        // log(1 + s²/ν) − log(1 + z₀²/ν) = log1p((2z₀δ + δ²)/(ν + z₀²)), δ = s − z₀: no
        // cancellation between two nearly equal logarithms.
        let denominator = nu + z0 * z0
        let integral = Solvers.integrateToInfinity(from: 0) { v in
            let delta = v / k
            return exp(-half * log1p((2 * z0 + delta) * delta / denominator))
        }
        return logF0 + log(integral / k)
    }

    /// (|z|, log|z|) for z = (x − μ)/σ, with log|z| exact even when |z| overflows.
    @inline(__always)
    func standardizedMagnitude(_ x: Double) -> (Double, Double) {
        let z = abs((x - location) / scale)
        if z.isFinite { return (z, log(z)) }
        return (z, logAbsStandardized(x))
    }

    public func cdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return x < 0 ? 0 : 1 }
        if isNormalLimit { return GSL.normalP((x - location) / scale) }
        let (z, logZ) = standardizedMagnitude(x)
        let tail = StudentT.lowerTail(absZ: z, logAbsZ: logZ, degreesOfFreedom)
        return x <= location ? tail : 1 - tail
    }

    public func survival(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return x < 0 ? 1 : 0 }
        if isNormalLimit { return GSL.normalQ((x - location) / scale) }
        let (z, logZ) = standardizedMagnitude(x)
        let tail = StudentT.lowerTail(absZ: z, logAbsZ: logZ, degreesOfFreedom)
        return x >= location ? tail : 1 - tail
    }

    /// log P(X ≤ x), finite even where the cdf underflows (e.g. |x| = 10¹⁵⁰ with σ = 10⁻²⁰⁰).
    public func logCDF(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return x < 0 ? -.infinity : 0 }
        if isNormalLimit { return GSL.logNormalP((x - location) / scale) }
        let (z, logZ) = standardizedMagnitude(x)
        let logTail = StudentT.logLowerTail(absZ: z, logAbsZ: logZ, degreesOfFreedom)
        return x <= location ? logTail : log1p(-exp(logTail))
    }

    /// log P(X > x), finite even where the survival function underflows.
    public func logSurvival(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return x < 0 ? 0 : -.infinity }
        if isNormalLimit { return GSL.logNormalP(-(x - location) / scale) }
        let (z, logZ) = standardizedMagnitude(x)
        let logTail = StudentT.logLowerTail(absZ: z, logAbsZ: logZ, degreesOfFreedom)
        return x >= location ? logTail : log1p(-exp(logTail))
    }

    /// Solves log P(T ≤ −e^u) = log p for u = log|z| by Newton's method. log P is close to
    /// linear in u in the tail (slope −ν), so this converges from far away; the start is
    /// the better of GSL's `gsl_cdf_tdist_Pinv` and the far-tail inversion of
    /// the internal `logLowerTail(absZ:logAbsZ:_:)`. Small p keep their relative accuracy.
    public func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return location }
        if isNormalLimit { return normalLimit.quantile(p) }
        let nu = degreesOfFreedom
        let lower = p < 0.5
        let tailP = lower ? p : 1 - p
        if nu > 1e10 {
            // Cornish–Fisher expansion about the normal quantile z (Abramowitz & Stegun
            // 26.7.5): t = z + z(z² + 1)/(4ν) + z(5z⁴ + 16z² + 3)/(96ν²) + O(z⁷/ν³); for ν > 10¹⁰
            // and |z| ≤ 38 (every p ≥ 10⁻³⁰⁸) the omitted terms are below 10⁻²⁰ relative. (The
            // root search below starts from the far-tail formula, which is meaningless there.)
            let z = GSL.normalQInverse(tailP), z2 = z * z
            let t = z + z * (z2 + 1) / (4 * nu) + z * (5 * z2 * z2 + 16 * z2 + 3) / (96 * nu * nu)
            return lower ? location - scale * t : location + scale * t
        }
        let logP = log(tailP)
        let standard = try! StudentT(degreesOfFreedom: nu)
        func residual(_ u: Double) -> Double {
            StudentT.logLowerTail(absZ: exp(u), logAbsZ: u, nu) - logP
        }
        // Candidate starts: GSL's quantile, and the inversion of the far-tail formula.
        let logBeta = 0.5 * log(Double.pi) - GammaRatio.log(0.5 * nu, 0.5)
        let uTail = 0.5 * log(nu) - (logP + log(0.5 * nu) + logBeta + M_LN2) / nu
        var u = uTail
        let gslZ = GSL.tPInverse(tailP, nu)
        if gslZ.isFinite, gslZ < 0 {
            let rGSL = residual(log(-gslZ)), rTail = residual(uTail)
            if rGSL.isFinite && !(abs(rTail) < abs(rGSL)) { u = log(-gslZ) }
        }
        if !u.isFinite { u = 0 }
        for _ in 0..<60 {
            let r = residual(u)
            guard r.isFinite else { break }
            // d/du log P(T ≤ −e^u) = −e^u f(e^u) / P.
            let logTail = r + logP
            let slope = -exp(u + standard.logDensity(-exp(u)) - logTail)
            guard slope.isFinite, slope < 0 else { break }
            var step = r / slope
            // Keep steps sane when far from the root.
            step = max(min(step, 5), -5)
            u -= step
            if abs(step) <= 4e-16 * max(1, abs(u)) { break }
        }
        let z = exp(u)
        return lower ? location - scale * z : location + scale * z
    }

    public func sample(using generator: inout PolytailRandom) -> Double {
        if isNormalLimit { return location + scale * generator.standardNormal() }
        return location + scale * generator.standardT(degreesOfFreedom)
    }
}
