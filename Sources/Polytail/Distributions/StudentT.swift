import Foundation

/// The location-scale Student-t distribution t_ν(μ, σ), the "(noncentral) Student's t"
/// of Wang & Loog (2022, §3.1.1): with z = (x − μ)/σ,
///
///     f(x) = Γ((ν+1)/2) / (Γ(ν/2) √(νπ) σ) · (1 + z²/ν)^(−(ν+1)/2).
///
/// Its tails fall off like |x|^−(ν+1): polynomially, which is what makes a classifier
/// built on it conservative. ν = 1 is the Cauchy distribution; ν → ∞ gives the normal.
/// This is not the statistical noncentral t (see ``NoncentralT``).
public struct StudentT: UnivariateDistribution, Equatable, Codable, Hashable {
    /// ν > 0.
    public let degreesOfFreedom: Double
    /// μ.
    public let location: Double
    /// σ > 0.
    public let scale: Double

    /// - Throws: `PolytailError.invalidParameter` unless ν > 0 and finite, μ finite,
    ///   σ > 0 and finite.
    public init(degreesOfFreedom: Double, location: Double = 0, scale: Double = 1) throws(PolytailError) {
        guard degreesOfFreedom.isFinite, degreesOfFreedom > 0 else {
            throw .invalidParameter(name: "degreesOfFreedom", value: degreesOfFreedom, requirement: "must be finite and > 0")
        }
        guard location.isFinite else {
            throw .invalidParameter(name: "location", value: location, requirement: "must be finite")
        }
        guard scale.isFinite, scale > 0 else {
            throw .invalidParameter(name: "scale", value: scale, requirement: "must be finite and > 0")
        }
        self.degreesOfFreedom = degreesOfFreedom
        self.location = location
        self.scale = scale
    }

    /// log of the normalising constant without σ: log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ).
    ///
    /// The gamma ratio is taken as one log-Pochhammer symbol, log(Γ(a + ½)/Γ(a)) with
    /// a = ν/2 (GSL `lnpoch`), not as a difference of two lgamma values, which would
    /// lose about log₁₀(ν) digits and spoil the approach to the normal at large ν.
    static func logNormalizer(_ nu: Double) -> Double {
        GSL.logPochhammer(0.5 * nu, 0.5) - 0.5 * log(nu * Double.pi)
    }

    /// log(1 + z²/ν) for any z, including |z| so large that z² overflows.
    @inline(__always)
    static func logOnePlusSquare(_ z: Double, _ nu: Double) -> Double {
        let a = abs(z) / nu.squareRoot()
        if a < 1e150 { return log1p(a * a) }
        // 1 + a² = a² (1 + a⁻²) and a⁻² < 1e-300 is lost in rounding.
        return 2 * log(a)
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
        return StudentT.logNormalizer(nu) - log(scale) - 0.5 * (nu + 1) * tail
    }

    /// P(T ≤ z) for the standard t and z ≤ 0:
    /// ½ I_{ν/(ν+z²)}(ν/2, ½), or ½ − ½ I_{z²/(ν+z²)}(½, ν/2) when z²/ν < 1 so that the
    /// incomplete beta's argument never sits next to 1 (Abramowitz & Stegun 26.7.1).
    static func lowerTail(_ z: Double, _ nu: Double) -> Double {
        if z == -.infinity { return 0 }
        let a = abs(z) / nu.squareRoot()
        if a > 1 {
            // x = ν/(ν+z²) = 1/(1 + a²); for huge a, a² overflows and x underflows to 0
            // only when the tail is truly below the double range.
            let inverse = 1 / a
            let x = inverse * inverse / (1 + inverse * inverse)
            return 0.5 * GSL.incompleteBeta(0.5 * nu, 0.5, x)
        }
        let y = a * a / (1 + a * a)
        return 0.5 - 0.5 * GSL.incompleteBeta(0.5, 0.5 * nu, y)
    }

    public func cdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        let z = (x - location) / scale
        if z.isNaN { return x < location ? 0 : 1 }
        return z <= 0 ? StudentT.lowerTail(z, degreesOfFreedom) : 1 - StudentT.lowerTail(-z, degreesOfFreedom)
    }

    public func survival(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        let z = (x - location) / scale
        if z.isNaN { return x < location ? 1 : 0 }
        return z >= 0 ? StudentT.lowerTail(-z, degreesOfFreedom) : 1 - StudentT.lowerTail(z, degreesOfFreedom)
    }

    /// Starts from GSL's t quantile of the smaller tail and polishes it with Newton
    /// steps on the log of that tail, so that small p keep their relative accuracy.
    public func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return location }
        let nu = degreesOfFreedom
        let lower = p < 0.5
        let tailP = lower ? p : 1 - p
        let standard = try! StudentT(degreesOfFreedom: nu)
        var z = GSL.tPInverse(tailP, nu)  // z < 0
        if !z.isFinite || z >= 0 { z = -1 }
        for _ in 0..<8 {
            let f = StudentT.lowerTail(z, nu)
            let logPdf = standard.logDensity(z)
            guard f > 0, logPdf.isFinite else { break }
            // Newton on g(z) = log F(z) − log p: step = (log F − log p) · F / f.
            let step = (log(f) - log(tailP)) * f / exp(logPdf)
            guard step.isFinite else { break }
            let next = z - step
            z = next >= 0 ? z / 2 : next
            if abs(step) <= 1e-15 * abs(z) { break }
        }
        return location + scale * (lower ? z : -z)
    }

    public func sample(using generator: inout PolytailRandom) -> Double {
        location + scale * generator.standardT(degreesOfFreedom)
    }
}
