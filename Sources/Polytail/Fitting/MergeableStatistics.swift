import Foundation

/// The sufficient statistics of the normal fit, accumulated block by block and mergeable:
/// the number of rows of positive weight, W = Σwᵢ, the weighted mean, Σwᵢ(xᵢ − x̄)² and the
/// range. Accumulate on shards (other machines, other threads, blocks of a file), merge in
/// any order, then ``fit()``: the result equals ``Normal/fit(_:weights:)`` on all the data to
/// rounding (each block is summed in two passes; blocks merge by Chan, Golub & LeVeque 1979,
/// M₂ = M₂ᵃ + M₂ᵇ + δ² WᵃWᵇ/(Wᵃ + Wᵇ)).
///
/// A value type, `Codable` (through validation: corrupt JSON throws), so shards can be
/// shipped as JSON.
public struct NormalStatistics: Sendable, Equatable, Codable {
    /// Rows of positive weight.
    public private(set) var observationCount: Int = 0
    /// W = Σwᵢ.
    public private(set) var totalWeight: Double = 0
    /// The weighted mean (0 while empty).
    public private(set) var mean: Double = 0
    /// Σwᵢ(xᵢ − x̄)².
    public private(set) var sumOfSquaredDeviations: Double = 0
    /// The smallest and largest observation of positive weight (+∞, −∞ while empty).
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity

    /// No observations.
    public init() {}

    /// Adds a block of observations.
    /// - Parameters:
    ///   - observations: finite values.
    ///   - weights: optional frequency weights, finite and non-negative, as many as observations.
    /// - Throws: `.nonFiniteValue(row:)` and `.invalidWeight(row:)` with rows counted within
    ///   this block, `.dimensionMismatch` for a weights array of another length. The
    ///   statistics are unchanged when it throws.
    public mutating func add(_ observations: [Double], weights: [Double]? = nil) throws(PolytailError) {
        if let weights, weights.count != observations.count {
            throw .dimensionMismatch(what: "weights", expected: observations.count, got: weights.count)
        }
        var block = NormalStatistics()
        var sum = 0.0
        for (i, x) in observations.enumerated() {
            let w = weights?[i] ?? 1
            guard x.isFinite else { throw .nonFiniteValue(row: i, column: nil) }
            guard w.isFinite, w >= 0 else { throw .invalidWeight(row: i) }
            guard w > 0 else { continue }
            block.observationCount += 1
            block.totalWeight += w
            sum += w * x
            block.minimum = Swift.min(block.minimum, x)
            block.maximum = Swift.max(block.maximum, x)
        }
        guard block.totalWeight > 0 else { return }
        block.mean = sum / block.totalWeight
        var squares = 0.0
        for (i, x) in observations.enumerated() {
            let w = weights?[i] ?? 1
            let d = x - block.mean
            squares += w * d * d
        }
        block.sumOfSquaredDeviations = squares
        self = merged(with: block)
    }

    /// These statistics and `other` together (in either order: the result is the same to rounding).
    public func merged(with other: NormalStatistics) -> NormalStatistics {
        if other.totalWeight == 0 { return self }
        if totalWeight == 0 { return other }
        var out = NormalStatistics()
        out.observationCount = observationCount + other.observationCount
        out.totalWeight = totalWeight + other.totalWeight
        let delta = other.mean - mean
        out.mean = mean + delta * (other.totalWeight / out.totalWeight)
        out.sumOfSquaredDeviations = sumOfSquaredDeviations + other.sumOfSquaredDeviations
            + delta * delta * (totalWeight * other.totalWeight / out.totalWeight)
        out.minimum = Swift.min(minimum, other.minimum)
        out.maximum = Swift.max(maximum, other.maximum)
        return out
    }

    /// The maximum-likelihood normal of everything accumulated, as ``Normal/fit(_:weights:)``.
    /// - Returns: the fit and its ``FitResult`` (the same fields as the in-memory fit).
    /// - Throws: `.emptyData` when nothing was added, `.tooFewObservations` below two rows of
    ///   positive weight, `.constantData` when every observation is equal.
    public func fit() throws(PolytailError) -> Fitted<Normal> {
        guard observationCount > 0 else { throw .emptyData }
        guard observationCount >= 2 else { throw .tooFewObservations(needed: 2, got: observationCount) }
        guard minimum < maximum else { throw .constantData(column: nil) }
        let sd = (sumOfSquaredDeviations / totalWeight).squareRoot()
        guard sd > 0, sd.isFinite else { throw .constantData(column: nil) }
        let normal = try Normal(mean: mean, standardDeviation: sd)
        let logLikelihood = -totalWeight * (log(sd) + Normal.logRootTwoPi + 0.5)
        let variance = sd * sd
        let covariance = Matrix(uncheckedRows: 2, columns: 2, elements: [variance / totalWeight, 0, 0, variance / (2 * totalWeight)])
        return Fitted(
            model: normal,
            result: FitResult(
                unchecked: [.mean, .standardDeviation], estimates: [mean, sd], covariance: covariance,
                observationCount: observationCount, sampleSize: totalWeight,
                logLikelihood: logLikelihood, parameterCount: 2, iterations: 0, converged: true))
    }

    private enum CodingKeys: String, CodingKey {
        case observationCount, totalWeight, mean, sumOfSquaredDeviations, minimum, maximum
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var s = NormalStatistics()
        s.observationCount = try c.decode(Int.self, forKey: .observationCount)
        s.totalWeight = try c.decode(Double.self, forKey: .totalWeight)
        if s.observationCount > 0 {
            s.mean = try c.decode(Double.self, forKey: .mean)
            s.sumOfSquaredDeviations = try c.decode(Double.self, forKey: .sumOfSquaredDeviations)
            s.minimum = try c.decode(Double.self, forKey: .minimum)
            s.maximum = try c.decode(Double.self, forKey: .maximum)
        }
        let valid = s.observationCount >= 0 && s.totalWeight.isFinite && s.totalWeight >= 0
            && (s.observationCount == 0) == (s.totalWeight == 0)
            && (s.observationCount == 0 || (s.mean.isFinite && s.sumOfSquaredDeviations.isFinite
                && s.sumOfSquaredDeviations >= 0 && s.minimum.isFinite && s.maximum.isFinite
                && s.minimum <= s.mean && s.mean <= s.maximum))
        guard valid else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "NormalStatistics: counts, weights, mean, spread and range are inconsistent"))
        }
        self = s
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(observationCount, forKey: .observationCount)
        try c.encode(totalWeight, forKey: .totalWeight)
        if observationCount > 0 {
            try c.encode(mean, forKey: .mean)
            try c.encode(sumOfSquaredDeviations, forKey: .sumOfSquaredDeviations)
            try c.encode(minimum, forKey: .minimum)
            try c.encode(maximum, forKey: .maximum)
        }
    }
}

/// The sums one pass of the Student-t fit takes over the data at one parameter point
/// (μ, σ, ν): Σw log(1 + z²/ν) and the weighted sums behind the gradient and Hessian of ℓ in
/// (μ, log σ, log ν), plus Σw·u for an EM step (z = (x − μ)/σ, u = (ν + 1)/(ν + z²)).
///
/// Additive: accumulate on shards, ``merged(with:)`` in any order. ``StudentT/fit(statistics:start:degreesOfFreedom:tolerance:maxIterations:pass:)``
/// asks for one such pass per Newton or EM iteration. A value type, `Codable` (through
/// validation), so a pass can be shipped between machines as JSON; the point is stored
/// exactly (μ, log σ, log ν), so every shard evaluates the same point.
public struct StudentTPass: Sendable, Equatable, Codable {
    let state: TFitter.State
    var sums = TFitter.Sums()

    /// The point: location μ.
    public var location: Double { state.mu }
    /// The point: scale σ.
    public var scale: Double { exp(state.eta) }
    /// The point: degrees of freedom ν.
    public var degreesOfFreedom: Double { exp(state.tau) }

    init(state: TFitter.State) { self.state = state }

    /// An empty pass at the point of `model` (its location, scale and ν).
    public init(at model: StudentT) {
        state = TFitter.State(mu: model.location, eta: log(model.scale), tau: log(model.degreesOfFreedom))
    }

    /// Adds a block of observations.
    /// - Parameters:
    ///   - observations: finite values.
    ///   - weights: optional frequency weights, finite and non-negative, as many as observations.
    /// - Throws: `.nonFiniteValue(row:)`, `.invalidWeight(row:)` (rows within this block),
    ///   `.dimensionMismatch`. The pass is unchanged when it throws.
    public mutating func add(_ observations: [Double], weights: [Double]? = nil) throws(PolytailError) {
        if let weights, weights.count != observations.count {
            throw .dimensionMismatch(what: "weights", expected: observations.count, got: weights.count)
        }
        for (i, x) in observations.enumerated() where !x.isFinite { throw .nonFiniteValue(row: i, column: nil) }
        if let weights {
            for (i, w) in weights.enumerated() where !(w.isFinite && w >= 0) { throw .invalidWeight(row: i) }
        }
        let w = weights ?? [Double](repeating: 1, count: observations.count)
        let block = observations.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in TFitter.accumulate(state, x: xp, w: wp) }
        }
        sums = sums + block
    }

    /// This pass and `other` (taken at the same point) together.
    /// - Throws: `.invalidParameter` when the points differ.
    public func merged(with other: StudentTPass) throws(PolytailError) -> StudentTPass {
        guard other.state == state else {
            throw .invalidParameter(name: "pass point", value: other.location,
                                    requirement: "passes merge only at the same (location, scale, degrees of freedom)")
        }
        var out = self
        out.sums = sums + other.sums
        return out
    }

    private enum CodingKeys: String, CodingKey { case location, logScale, logDegreesOfFreedom, sums }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let state = TFitter.State(
            mu: try c.decode(Double.self, forKey: .location),
            eta: try c.decode(Double.self, forKey: .logScale),
            tau: try c.decode(Double.self, forKey: .logDegreesOfFreedom))
        let sums = try c.decode(TFitter.Sums.self, forKey: .sums)
        let values = [sums.logR, sums.gMu, sums.gEta, sums.gNu, sums.hMuMu, sums.hMuEta, sums.hEtaEta,
                      sums.hMuNu, sums.hEtaNu, sums.hNuNu, sums.su]
        guard state.isFinite, values.allSatisfy(\.isFinite), sums.logR >= 0, sums.su >= 0, sums.gEta >= 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "StudentTPass: the point and the sums must be finite (and Σw log(1 + z²/ν), Σwu, Σwuz² non-negative)"))
        }
        self.state = state
        self.sums = sums
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state.mu, forKey: .location)
        try c.encode(state.eta, forKey: .logScale)
        try c.encode(state.tau, forKey: .logDegreesOfFreedom)
        try c.encode(sums, forKey: .sums)
    }
}



extension StudentT {
    /// Maximum-likelihood fit of the location-scale t to data that are not in memory — a file
    /// read again for each pass, or shards on many machines — by the same safeguarded Newton
    /// iterations as ``fit(_:weights:degreesOfFreedom:tolerance:maxIterations:)``, each
    /// iteration (and each EM or line-search step) one pass.
    ///
    /// `pass` is given an empty ``StudentTPass`` at the point the algorithm needs and must
    /// add every observation to it (e.g. accumulate a pass per shard at `pass.location`, …,
    /// and merge them). Typically 8–15 passes.
    ///
    /// - Parameters:
    ///   - statistics: the ``NormalStatistics`` of all the data (one earlier pass): the
    ///     total weight, and the start when `start` is nil.
    ///   - start: a starting t, e.g. a fit of a random subsample (fewer passes); nil starts
    ///     from the mean, the standard deviation and ν = 10, improved by three EM passes.
    ///   - rule: the `degreesOfFreedom:` argument, ν fixed or estimated within bounds.
    ///   - tolerance: as for the in-memory fit.
    ///   - maxIterations: a cap on Newton iterations.
    ///   - pass: adds every observation to the pass it is given; its errors are rethrown.
    /// - Returns: the fit; it equals the in-memory fit to about 1e-12 relative (the sums are
    ///   added in another order).
    /// - Throws: what `pass` throws; the errors of the normal statistics' ``NormalStatistics/fit()``;
    ///   `.tooFewObservations` below three rows of positive weight with ν estimated.
    public static func fit(
        statistics: NormalStatistics, start: StudentT? = nil,
        degreesOfFreedom rule: DegreesOfFreedomRule = .estimated,
        tolerance: Double = 1e-13, maxIterations: Int = 200,
        pass: (inout StudentTPass) throws(PolytailError) -> Void
    ) throws(PolytailError) -> Fitted<StudentT> {
        let normal = try statistics.fit()
        let needed = rule.isFixed ? 2 : 3
        guard statistics.observationCount >= needed else {
            throw .tooFewObservations(needed: needed, got: statistics.observationCount)
        }
        let bounds = try rule.validatedBounds()
        final class ErrorBox { var error: PolytailError? }
        let box = ErrorBox()
        return try withoutActuallyEscaping(pass) { (escapable) throws(PolytailError) -> Fitted<StudentT> in
            var fitter = TFitter(totalWeight: statistics.totalWeight, bounds: bounds) { state in
                var p = StudentTPass(state: state)
                if box.error != nil { p.sums.logR = .nan; return p.sums }
                do {
                    try escapable(&p)
                } catch {
                    box.error = (error as? PolytailError) ?? .numericalFailure(String(describing: error))
                    p.sums.logR = .nan
                    p.sums.gMu = .nan
                }
                return p.sums
            }
            var s: TFitter.State
            if let start {
                s = TFitter.State(mu: start.location, eta: log(start.scale), tau: log(bounds.fixed ?? start.degreesOfFreedom))
            } else {
                s = TFitter.State(mu: normal.model.mean, eta: log(normal.model.standardDeviation), tau: log(bounds.fixed ?? 10))
                for _ in 0..<3 { fitter.emStep(&s) }
            }
            s.tau = min(max(s.tau, log(bounds.lower)), log(bounds.upper))
            let outcome = fitter.newton(from: s, tolerance: tolerance, maxIterations: maxIterations)
            if let error = box.error { throw error }
            fitter.externalPass = nil
            return try fitted(
                outcome, start: s, bounds: bounds, totalWeight: statistics.totalWeight,
                observationCount: statistics.observationCount, weights: nil,
                normal: { () throws(PolytailError) -> Fitted<Normal> in normal })
        }
    }
}
