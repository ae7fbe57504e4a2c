import Foundation

/// Exact rescaling of data by a power of two, so that fits of tiny (subnormal) or huge data
/// work on values of order one.
///
/// Squares of data below about 10⁻¹⁵⁴ underflow (the variance of distinct subnormal values is
/// 0, which read as "constant data"), and squares of data above about 10¹⁵⁴ overflow. Every
/// location-scale fit is equivariant: for y = 2ᵏx the fit of y is the fit of x with location
/// and scale multiplied by 2ᵏ, other parameters (ν, δ) unchanged, and
/// ℓ_x = ℓ_y + W·k·log 2 (f_X(x) = 2ᵏ f_Y(2ᵏx)), W = Σwᵢ. Multiplying by a power of two is
/// exact (IEEE 754 `scaleB`) except where a result leaves the double range: scaling up never
/// does here, and scaling down only loses values below 2⁻¹⁰²² of the largest, which are below
/// the resolution of any sum or spread of the data. So the fits multiply the data by 2ᵏ,
/// fit, and restate the result; data whose largest magnitude lies in [2⁻¹²⁸, 2¹²⁸) are left
/// as they are (bit for bit the same fit as before).
enum UnitScale {
    /// The range of largest magnitudes fitted as they are.
    static let band: Range<Double> = 0x1p-128..<0x1p128

    /// k such that 2ᵏ·m ∈ [1, 2) when the largest magnitude m is positive, finite and outside
    /// ``band``; 0 otherwise.
    static func exponent(largestMagnitude m: Double) -> Int {
        guard m.isFinite, m > 0, !band.contains(m) else { return 0 }
        return -Int(m.exponent)
    }

    /// The exponent for a sample: 0 when it holds a non-finite value (the data check reports it).
    static func exponent(of observations: [Double]) -> Int {
        var m = 0.0
        for x in observations {
            let a = abs(x)
            guard a.isFinite else { return 0 }
            if a > m { m = a }
        }
        return exponent(largestMagnitude: m)
    }

    /// x·2ᵏ, exact unless the result leaves the double range.
    @inline(__always)
    static func scaled(_ x: Double, _ k: Int) -> Double {
        k == 0 ? x : Double(sign: .plus, exponent: k, significand: x)
    }

    /// The fit of `data` by `fit`, on the data multiplied by 2ᵏ (k from ``exponent(of:)``) and
    /// restated for the data as given. Only fits of location-scale families go through it.
    static func fit<Model: ScaleEquivariant>(
        _ observations: [Double], _ fit: ([Double]) throws(PolytailError) -> Fitted<Model>
    ) throws(PolytailError) -> Fitted<Model> {
        let k = exponent(of: observations)
        guard k != 0 else { return try fit(observations) }
        let fitted = try fit(observations.map { scaled($0, k) })
        return Fitted(model: try fitted.model.rescaled(exponent: -k),
                      result: fitted.result.rescaledData(exponent: -k))
    }
}

/// A location-scale model whose location and scale can be multiplied by a power of two.
protocol ScaleEquivariant: Sendable {
    /// The model of the data multiplied by 2ᵏ: location and scale times 2ᵏ.
    /// - Throws: `.numericalFailure` when the scale leaves the double range.
    func rescaled(exponent k: Int) throws(PolytailError) -> Self
}

extension UnitScale {
    /// The scale 2ᵏσ, checked: a scale that underflows to 0 (a spread below the smallest
    /// double) or overflows cannot be stated.
    static func rescaledScale(_ sigma: Double, _ k: Int) throws(PolytailError) -> Double {
        let s = scaled(sigma, k)
        guard s > 0, s.isFinite else {
            throw .numericalFailure("the fitted scale \(sigma)·2^\(k) is outside the double range (the data's spread is below 5e-324)")
        }
        return s
    }
}

extension UnitScale {
    /// The location 2ᵏμ, checked: it overflows only for a fit whose location lies far outside
    /// the data (a noncentral t on a handful of rows near the double limit).
    static func rescaledLocation(_ mu: Double, _ k: Int) throws(PolytailError) -> Double {
        let m = scaled(mu, k)
        guard m.isFinite else {
            throw .numericalFailure("the fitted location \(mu)·2^\(k) is outside the double range")
        }
        return m
    }
}

extension Normal: ScaleEquivariant {
    func rescaled(exponent k: Int) throws(PolytailError) -> Normal {
        try Normal(mean: UnitScale.rescaledLocation(mean, k), standardDeviation: UnitScale.rescaledScale(standardDeviation, k))
    }
}

extension StudentT: ScaleEquivariant {
    func rescaled(exponent k: Int) throws(PolytailError) -> StudentT {
        try StudentT(degreesOfFreedom: degreesOfFreedom, location: UnitScale.rescaledLocation(location, k),
                     scale: UnitScale.rescaledScale(scale, k))
    }
}

extension NoncentralT: ScaleEquivariant {
    func rescaled(exponent k: Int) throws(PolytailError) -> NoncentralT {
        try NoncentralT(degreesOfFreedom: degreesOfFreedom, noncentrality: noncentrality,
                        location: UnitScale.rescaledLocation(location, k), scale: UnitScale.rescaledScale(scale, k))
    }
}

extension FitParameter {
    /// How the parameter scales with the data: 2ᵏx multiplies it by 2^(k·power).
    var dataPower: Int {
        switch self {
        case .mean, .standardDeviation, .location, .scale, .meanComponent, .locationComponent: return 1
        case .covariance, .scatter: return 2
        case .degreesOfFreedom, .noncentrality, .coefficient, .logOddsIntercept, .bias: return 0
        case .logOddsCoefficient, .weight: return -1
        }
    }
}

extension FitResult {
    /// The result of a fit of data y restated for the data x = 2ᵏy: estimates times
    /// 2^(k·power), covariance entries times 2^(k(pᵢ + pⱼ)), ℓ − W·k·log 2 (f_X(x) =
    /// 2⁻ᵏf_Y(2⁻ᵏx); the tail test's two log-likelihoods alike, its statistic unchanged). A
    /// covariance whose variances leave the normal double range (they are squares of
    /// spreads: 10⁻³²⁰ data have variances of 10⁻⁶⁴⁰) is dropped — `nil`, no standard
    /// errors, ``CovarianceOmission/outsideDoubleRange`` — rather than reported as 0 or ∞.
    func rescaledData(exponent k: Int) -> FitResult {
        guard k != 0 else { return self }
        var out = self
        let powers = parameters.map(\.dataPower)
        out.estimates = zip(estimates, powers).map { UnitScale.scaled($0, k * $1) }
        if let c = covariance {
            let n = c.rows
            var elements = c.elements
            for i in 0..<n {
                for j in 0..<n { elements[i * n + j] = UnitScale.scaled(elements[i * n + j], k * (powers[i] + powers[j])) }
            }
            let usable = (0..<n).allSatisfy { i in
                let v = elements[i * n + i]
                return v.isFinite && (v == 0 ? c[i, i] == 0 : v >= Double.leastNormalMagnitude)
            }
            if usable {
                out.covariance = Matrix(uncheckedRows: n, columns: n, elements: elements)
            } else {
                out.covariance = nil
                out.covarianceOmission = .outsideDoubleRange
            }
        }
        let shift = -sampleSize * Double(k) * M_LN2
        out.logLikelihood = logLikelihood + shift
        out.tailTest?.normalLogLikelihood += shift
        return out
    }
}
