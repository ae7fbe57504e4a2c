import Foundation

/// The sufficient statistics of the normal fit, accumulated block by block and mergeable:
/// the number of rows of positive weight, W = Σwᵢ, the weighted mean, Σwᵢ(xᵢ − x̄)² and the
/// range. Accumulate on shards (other machines, other threads, blocks of a file), merge in
/// any order, then ``fit()``: the result equals ``Normal/fit(_:weights:)`` on all the data to
/// rounding (each block is summed in two passes; blocks merge by Chan, Golub & LeVeque 1979,
/// M₂ = M₂ᵃ + M₂ᵇ + δ² WᵃWᵇ/(Wᵃ + Wᵇ)).
///
/// Weights and data of any magnitude: each block's weights are divided by their largest
/// value M (as the in-memory fits do, so equal weights of 5·10⁻³²⁴ or 10³⁰⁰ on every row give
/// exactly the unweighted sums), and a block whose largest |x| lies outside [2⁻¹²⁸, 2¹²⁸) is
/// summed multiplied by a power of two 2⁻ᵇ (exact; distinct subnormal data keep a positive
/// spread). The sums are kept in that frame (M, b); merging brings two frames to the larger
/// M and b.
///
/// A value type, `Codable` (through validation: corrupt JSON throws), so shards can be
/// shipped as JSON.
public struct NormalStatistics: Sendable, Equatable, Codable {
    /// Rows of positive weight.
    public private(set) var observationCount: Int = 0
    /// W = Σwᵢ = W̃·M, M the weight scale of the frame.
    public var totalWeight: Double { scaledWeight * weightScale }
    /// The weighted mean (0 while empty).
    public var mean: Double { UnitScale.scaled(scaledMean, dataExponent) }
    /// Σwᵢ(xᵢ − x̄)² (it can underflow to 0 or overflow to +∞ where the fit does not: the fit
    /// uses the sums in their frame).
    public var sumOfSquaredDeviations: Double { UnitScale.scaled(scaledSquares * weightScale, 2 * dataExponent) }
    /// The smallest and largest observation of positive weight (+∞, −∞ while empty).
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity

    /// The frame: weights are stored divided by M (1 without weights), data by 2ᵇ (b = 0 for
    /// ordinary magnitudes).
    var weightScale = 1.0, dataExponent = 0
    /// W/M, x̄·2⁻ᵇ and M₂·2⁻²ᵇ/M.
    var scaledWeight = 0.0, scaledMean = 0.0, scaledSquares = 0.0

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
        var largestWeight = 0.0, largestMagnitude = 0.0
        for (i, x) in observations.enumerated() {
            let w = weights?[i] ?? 1
            guard x.isFinite else { throw .nonFiniteValue(row: i, column: nil) }
            guard w.isFinite, w >= 0 else { throw .invalidWeight(row: i) }
            guard w > 0 else { continue }
            block.observationCount += 1
            largestWeight = Swift.max(largestWeight, w)
            largestMagnitude = Swift.max(largestMagnitude, abs(x))
            block.minimum = Swift.min(block.minimum, x)
            block.maximum = Swift.max(block.maximum, x)
        }
        guard block.observationCount > 0 else { return }
        // The block's frame: its sums are taken on wᵢ/M and xᵢ·2⁻ᵇ (M = 1 and b = 0 for
        // unweighted data of ordinary magnitude, where this is the plain two-pass sum).
        let m = weights == nil ? 1 : largestWeight
        let b = -UnitScale.exponent(largestMagnitude: largestMagnitude)
        block.weightScale = m
        block.dataExponent = b
        var total = 0.0, sum = 0.0
        for (i, x) in observations.enumerated() {
            let w = (weights?[i] ?? 1) / m
            guard w > 0 else { continue }
            total += w
            sum += w * UnitScale.scaled(x, -b)
        }
        block.scaledWeight = total
        block.scaledMean = block.clampedMean(sum / total)
        var squares = 0.0
        for (i, x) in observations.enumerated() {
            let w = (weights?[i] ?? 1) / m
            let d = UnitScale.scaled(x, -b) - block.scaledMean
            squares += w * d * d
        }
        block.scaledSquares = squares
        self = merged(with: block)
    }

    /// The weighted mean can round outside the range of the data (Σwx/Σw of a constant
    /// block); it lies in it.
    func clampedMean(_ scaled: Double) -> Double {
        Swift.min(Swift.max(scaled, UnitScale.scaled(minimum, -dataExponent)), UnitScale.scaled(maximum, -dataExponent))
    }

    /// These statistics in the frame (M, b) with M ≥ weightScale, b ≥ dataExponent (exact for
    /// b; the weights' ratio rounds once, and only when the frames differ).
    func inFrame(weightScale m: Double, dataExponent b: Int) -> NormalStatistics {
        guard m != weightScale || b != dataExponent else { return self }
        var out = self
        let ratio = weightScale / m
        out.weightScale = m
        out.dataExponent = b
        out.scaledWeight = scaledWeight * ratio
        out.scaledMean = UnitScale.scaled(scaledMean, dataExponent - b)
        out.scaledSquares = UnitScale.scaled(scaledSquares * ratio, 2 * (dataExponent - b))
        return out
    }

    /// These statistics and `other` together (in either order: the result is the same to rounding).
    public func merged(with other: NormalStatistics) -> NormalStatistics {
        if other.observationCount == 0 { return self }
        if observationCount == 0 { return other }
        let m = Swift.max(weightScale, other.weightScale)
        let b = Swift.max(dataExponent, other.dataExponent)
        let x = inFrame(weightScale: m, dataExponent: b), y = other.inFrame(weightScale: m, dataExponent: b)
        var out = NormalStatistics()
        out.weightScale = m
        out.dataExponent = b
        out.observationCount = observationCount + other.observationCount
        out.scaledWeight = x.scaledWeight + y.scaledWeight
        let delta = y.scaledMean - x.scaledMean
        out.scaledMean = x.scaledMean + delta * (y.scaledWeight / out.scaledWeight)
        out.scaledSquares = x.scaledSquares + y.scaledSquares
            + delta * delta * (x.scaledWeight * (y.scaledWeight / out.scaledWeight))
        out.minimum = Swift.min(minimum, other.minimum)
        out.maximum = Swift.max(maximum, other.maximum)
        out.scaledMean = out.clampedMean(out.scaledMean)
        return out
    }

    /// The maximum-likelihood normal of everything accumulated, as ``Normal/fit(_:weights:)``.
    /// - Returns: the fit and its ``FitResult`` (the same fields as the in-memory fit).
    /// - Throws: `.emptyData` when nothing was added, `.tooFewObservations` below two rows of
    ///   positive weight, `.constantData` when every observation is equal,
    ///   `.invalidParameter` ("sum of weights") when W exceeds the double range.
    public func fit() throws(PolytailError) -> Fitted<Normal> {
        let framed = try fitInFrame()
        // Restated for the weights and data as given: ℓ, W and the information scale with M,
        // the estimates with 2ᵇ.
        let result = DataValidation.frequencyScaled(framed.result, by: weightScale)
        return Fitted(model: try framed.model.rescaled(exponent: dataExponent),
                      result: result.rescaledData(exponent: dataExponent))
    }

    /// The fit of the data and weights of the frame (divided by 2ᵇ and M).
    func fitInFrame() throws(PolytailError) -> Fitted<Normal> {
        guard observationCount > 0 else { throw .emptyData }
        guard observationCount >= 2 else { throw .tooFewObservations(needed: 2, got: observationCount) }
        guard minimum < maximum else { throw .constantData(column: nil) }
        guard totalWeight.isFinite else {
            throw .invalidParameter(name: "sum of weights", value: totalWeight,
                                    requirement: "must be finite: the weights are frequencies; divide them by a common factor")
        }
        let w = scaledWeight
        let sd = (scaledSquares / w).squareRoot()
        guard sd > 0, sd.isFinite else { throw .constantData(column: nil) }
        let normal = try Normal(mean: scaledMean, standardDeviation: sd)
        let logLikelihood = -w * (log(sd) + Normal.logRootTwoPi + 0.5)
        let variance = sd * sd
        let covariance = Matrix(uncheckedRows: 2, columns: 2, elements: [variance / w, 0, 0, variance / (2 * w)])
        return Fitted(
            model: normal,
            result: FitResult(
                unchecked: [.mean, .standardDeviation], estimates: [scaledMean, sd], covariance: covariance,
                observationCount: observationCount, sampleSize: w,
                logLikelihood: logLikelihood, parameterCount: 2, iterations: 0, converged: true))
    }

    private enum CodingKeys: String, CodingKey {
        case observationCount, totalWeight, mean, sumOfSquaredDeviations, minimum, maximum
        case weightScale, dataExponent
    }

    /// Decodes through validation. `totalWeight`, `mean` and `sumOfSquaredDeviations` are
    /// stored in the frame given by the optional `weightScale` M and `dataExponent` b
    /// (W/M, x̄·2⁻ᵇ, M₂·2⁻²ᵇ/M; M = 1 and b = 0 when absent).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var s = NormalStatistics()
        s.observationCount = try c.decode(Int.self, forKey: .observationCount)
        s.scaledWeight = try c.decode(Double.self, forKey: .totalWeight)
        s.weightScale = try c.decodeIfPresent(Double.self, forKey: .weightScale) ?? 1
        s.dataExponent = try c.decodeIfPresent(Int.self, forKey: .dataExponent) ?? 0
        if s.observationCount > 0 {
            s.scaledMean = try c.decode(Double.self, forKey: .mean)
            s.scaledSquares = try c.decode(Double.self, forKey: .sumOfSquaredDeviations)
            s.minimum = try c.decode(Double.self, forKey: .minimum)
            s.maximum = try c.decode(Double.self, forKey: .maximum)
        }
        // |b| ≤ 1100 spans every double (2⁻¹⁰⁷⁴ … 2¹⁰²³) and keeps 2b far from overflow.
        let frame = s.weightScale.isFinite && s.weightScale > 0 && abs(s.dataExponent) <= 1100
        let valid = frame && s.observationCount >= 0 && s.scaledWeight.isFinite && s.scaledWeight >= 0
            && (s.observationCount == 0) == (s.scaledWeight == 0)
            && (s.observationCount == 0 || (s.scaledMean.isFinite && s.scaledSquares.isFinite
                && s.scaledSquares >= 0 && s.minimum.isFinite && s.maximum.isFinite
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
        try c.encode(scaledWeight, forKey: .totalWeight)
        if weightScale != 1 { try c.encode(weightScale, forKey: .weightScale) }
        if dataExponent != 0 { try c.encode(dataExponent, forKey: .dataExponent) }
        if observationCount > 0 {
            try c.encode(scaledMean, forKey: .mean)
            try c.encode(scaledSquares, forKey: .sumOfSquaredDeviations)
            try c.encode(minimum, forKey: .minimum)
            try c.encode(maximum, forKey: .maximum)
        }
    }
}

/// The sufficient statistics of the multivariate normal fit, accumulated block by block and
/// mergeable, as ``NormalStatistics`` is for one column: the rows of positive weight, W = Σwᵢ,
/// the weighted mean vector, the scatter Σwᵢ(xᵢ − x̄)(xᵢ − x̄)ᵀ and each column's range. Each
/// block is centred on its own mean (CBLAS `dsyrk`, as the in-memory fit); blocks merge by
/// Chan, Golub & LeVeque (1979) in d dimensions: M = Mᵃ + Mᵇ + δδᵀ WᵃWᵇ/(Wᵃ + Wᵇ). ``fit()``
/// equals ``MultivariateNormal/fit(_:weights:)`` on all the data to rounding.
///
/// A value type, `Codable` (through validation: corrupt JSON throws).
public struct MultivariateNormalStatistics: Sendable, Equatable, Codable {
    /// The number of columns d.
    public let dimension: Int
    /// Rows of positive weight.
    public private(set) var observationCount: Int = 0
    /// W = Σwᵢ.
    public private(set) var totalWeight: Double = 0
    /// The weighted mean (zeros while empty).
    public private(set) var mean: [Double]
    /// Σwᵢ(xᵢ − x̄)(xᵢ − x̄)ᵀ, d × d row-major (zeros while empty).
    public private(set) var scatter: [Double]
    /// Each column's smallest and largest value over rows of positive weight.
    public private(set) var minimum: [Double]
    public private(set) var maximum: [Double]

    /// No observations of `dimension` columns.
    /// - Throws: `.invalidParameter` unless `dimension` ≥ 1.
    public init(dimension: Int) throws(PolytailError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "must be at least 1")
        }
        self.dimension = dimension
        mean = Array(repeating: 0, count: dimension)
        scatter = Array(repeating: 0, count: dimension * dimension)
        minimum = Array(repeating: .infinity, count: dimension)
        maximum = Array(repeating: -.infinity, count: dimension)
    }

    /// Adds a block of observations, one per row.
    /// - Parameters:
    ///   - observations: n × d finite values.
    ///   - weights: optional frequency weights, finite and non-negative, one per row.
    /// - Throws: `.dimensionMismatch` for another number of columns or weights,
    ///   `.nonFiniteValue(row:column:)` and `.invalidWeight(row:)` with rows counted within
    ///   this block. The statistics are unchanged when it throws.
    public mutating func add(_ observations: Matrix, weights: [Double]? = nil) throws(PolytailError) {
        let d = dimension, n = observations.rows
        guard observations.columns == d else {
            throw .dimensionMismatch(what: "columns", expected: d, got: observations.columns)
        }
        if let weights, weights.count != n { throw .dimensionMismatch(what: "weights", expected: n, got: weights.count) }
        let x = observations.elements
        var block = try MultivariateNormalStatistics(dimension: d)
        var w = [Double](repeating: 1, count: n)
        for i in 0..<n {
            for j in 0..<d where !x[i * d + j].isFinite { throw .nonFiniteValue(row: i, column: j) }
            if let weights {
                guard weights[i].isFinite, weights[i] >= 0 else { throw .invalidWeight(row: i) }
                w[i] = weights[i]
            }
            guard w[i] > 0 else { continue }
            block.observationCount += 1
            block.totalWeight += w[i]
            for j in 0..<d {
                block.minimum[j] = Swift.min(block.minimum[j], x[i * d + j])
                block.maximum[j] = Swift.max(block.maximum[j], x[i * d + j])
            }
        }
        guard block.totalWeight > 0 else { return }
        guard block.totalWeight.isFinite else {
            throw .invalidParameter(name: "sum of weights", value: block.totalWeight, requirement: "must be finite")
        }
        block.mean = Lapack.transposedTimes(x, rows: n, columns: d, w).map { $0 / block.totalWeight }
        block.scatter = try MultivariateFitting.scatter(observations, center: block.mean, weights: w, divisor: 1).elements
        self = try merged(with: block)
    }

    /// These statistics and `other` together (in either order: the same to rounding).
    /// - Throws: `.dimensionMismatch` when the dimensions differ.
    public func merged(with other: MultivariateNormalStatistics) throws(PolytailError) -> MultivariateNormalStatistics {
        guard other.dimension == dimension else {
            throw .dimensionMismatch(what: "dimension", expected: dimension, got: other.dimension)
        }
        if other.totalWeight == 0 { return self }
        if totalWeight == 0 { return other }
        let d = dimension
        var out = self
        out.observationCount = observationCount + other.observationCount
        out.totalWeight = totalWeight + other.totalWeight
        let delta = (0..<d).map { other.mean[$0] - mean[$0] }
        let share = other.totalWeight / out.totalWeight
        let cross = totalWeight * other.totalWeight / out.totalWeight
        for j in 0..<d {
            out.mean[j] = mean[j] + delta[j] * share
            out.minimum[j] = Swift.min(minimum[j], other.minimum[j])
            out.maximum[j] = Swift.max(maximum[j], other.maximum[j])
            for k in 0..<d {
                out.scatter[j * d + k] = scatter[j * d + k] + other.scatter[j * d + k] + delta[j] * delta[k] * cross
            }
        }
        return out
    }

    /// The maximum-likelihood multivariate normal of everything accumulated, as
    /// ``MultivariateNormal/fit(_:weights:)``.
    /// - Returns: the fit and its ``FitResult`` (the same fields as the in-memory fit).
    /// - Throws: `.emptyData` when nothing was added, `.tooFewObservations` below d + 1 rows
    ///   of positive weight, `.constantData(column:)` for a constant column,
    ///   `.singularMatrix` for collinear columns.
    public func fit() throws(PolytailError) -> Fitted<MultivariateNormal> {
        guard observationCount > 0 else { throw .emptyData }
        guard observationCount > dimension else {
            throw .tooFewObservations(needed: dimension + 1, got: observationCount)
        }
        if let j = (0..<dimension).first(where: { minimum[$0] == maximum[$0] }) { throw .constantData(column: j) }
        let covariance = Matrix(uncheckedRows: dimension, columns: dimension, elements: scatter.map { $0 / totalWeight })
        return try MultivariateNormal.fitted(mean: mean, covariance: covariance, totalWeight: totalWeight,
                                             observationCount: observationCount, weights: nil)
    }

    private enum CodingKeys: String, CodingKey {
        case dimension, observationCount, totalWeight, mean, scatter, minimum, maximum
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = try c.decode(Int.self, forKey: .dimension)
        guard d >= 1, d <= 1 << 16 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "MultivariateNormalStatistics: the dimension must be between 1 and 65536"))
        }
        var s = try MultivariateNormalStatistics(dimension: d)
        s.observationCount = try c.decode(Int.self, forKey: .observationCount)
        s.totalWeight = try c.decode(Double.self, forKey: .totalWeight)
        if s.observationCount > 0 {
            s.mean = try c.decode([Double].self, forKey: .mean)
            s.scatter = try c.decode([Double].self, forKey: .scatter)
            s.minimum = try c.decode([Double].self, forKey: .minimum)
            s.maximum = try c.decode([Double].self, forKey: .maximum)
        }
        let shapes = s.mean.count == d && s.scatter.count == d * d && s.minimum.count == d && s.maximum.count == d
        let valid = shapes && s.observationCount >= 0 && s.totalWeight.isFinite && s.totalWeight >= 0
            && (s.observationCount == 0) == (s.totalWeight == 0)
            && (s.observationCount == 0 || ((0..<d).allSatisfy { j in
                s.mean[j].isFinite && s.minimum[j] <= s.mean[j] && s.mean[j] <= s.maximum[j]
                    && s.minimum[j].isFinite && s.maximum[j].isFinite && s.scatter[j * d + j] >= 0
            } && s.scatter.allSatisfy(\.isFinite)
                && (0..<d).allSatisfy { j in (0..<d).allSatisfy { k in s.scatter[j * d + k] == s.scatter[k * d + j] } }))
        guard valid else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "MultivariateNormalStatistics: counts, weights, mean, scatter and ranges are inconsistent"))
        }
        self = s
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dimension, forKey: .dimension)
        try c.encode(observationCount, forKey: .observationCount)
        try c.encode(totalWeight, forKey: .totalWeight)
        if observationCount > 0 {
            try c.encode(mean, forKey: .mean)
            try c.encode(scatter, forKey: .scatter)
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
    /// The frame of the ``NormalStatistics`` the fit started from: observations are summed as
    /// x·2⁻ᵇ with weights w/M, and `state` is the point in that frame (M = 1, b = 0 for
    /// unweighted data of ordinary magnitude).
    var weightScale = 1.0, dataExponent = 0

    /// The point: location μ.
    public var location: Double { UnitScale.scaled(state.mu, dataExponent) }
    /// The point: scale σ.
    public var scale: Double { UnitScale.scaled(exp(state.eta), dataExponent) }
    /// The point: degrees of freedom ν.
    public var degreesOfFreedom: Double { exp(state.tau) }

    init(state: TFitter.State, weightScale: Double = 1, dataExponent: Int = 0) {
        self.state = state
        self.weightScale = weightScale
        self.dataExponent = dataExponent
    }

    /// An empty pass at the point of `model` (its location, scale and ν), for data and
    /// weights of ordinary magnitude. Inside ``StudentT/fit(statistics:start:degreesOfFreedom:tolerance:maxIterations:pass:)``
    /// start each shard from a copy of the pass given (`var part = pass`): it carries the
    /// frame in which tiny or huge data are summed.
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
        var w = weights ?? [Double](repeating: 1, count: observations.count)
        var observations = observations
        if weightScale != 1 { w = w.map { $0 / weightScale } }
        if dataExponent != 0 { observations = observations.map { UnitScale.scaled($0, -dataExponent) } }
        sums = sums + TFitter.accumulate(state, x: observations, w: w)
    }

    /// This pass and `other` (taken at the same point) together.
    /// - Throws: `.invalidParameter` when the points differ.
    public func merged(with other: StudentTPass) throws(PolytailError) -> StudentTPass {
        guard other.state == state, other.weightScale == weightScale, other.dataExponent == dataExponent else {
            throw .invalidParameter(name: "pass point", value: other.location,
                                    requirement: "passes merge only at the same (location, scale, degrees of freedom)")
        }
        var out = self
        out.sums = sums + other.sums
        return out
    }

    private enum CodingKeys: String, CodingKey { case location, logScale, logDegreesOfFreedom, sums, weightScale, dataExponent }

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
        let m = try c.decodeIfPresent(Double.self, forKey: .weightScale) ?? 1
        let b = try c.decodeIfPresent(Int.self, forKey: .dataExponent) ?? 0
        guard m.isFinite, m > 0, abs(b) <= 1100 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "StudentTPass: the weight scale must be finite and positive, the data exponent in [-1100, 1100]"))
        }
        self.state = state
        self.sums = sums
        self.weightScale = m
        self.dataExponent = b
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state.mu, forKey: .location)
        try c.encode(state.eta, forKey: .logScale)
        try c.encode(state.tau, forKey: .logDegreesOfFreedom)
        try c.encode(sums, forKey: .sums)
        if weightScale != 1 { try c.encode(weightScale, forKey: .weightScale) }
        if dataExponent != 0 { try c.encode(dataExponent, forKey: .dataExponent) }
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
    /// - Returns: the fit; its log-likelihood equals the in-memory fit's to about 1e-13
    ///   relative (the sums are added in another order), its parameters to within about
    ///   1e-5 of their standard errors (where the likelihood is flat to rounding).
    /// - Throws: what `pass` throws; the errors of the normal statistics' ``NormalStatistics/fit()``;
    ///   `.tooFewObservations` below three rows of positive weight with ν estimated.
    public static func fit(
        statistics: NormalStatistics, start: StudentT? = nil,
        degreesOfFreedom rule: DegreesOfFreedomRule = .estimated,
        tolerance: Double = 1e-13, maxIterations: Int = 200,
        pass: (inout StudentTPass) throws(PolytailError) -> Void
    ) throws(PolytailError) -> Fitted<StudentT> {
        // Everything below runs in the statistics' frame (data ·2⁻ᵇ, weights /M; b = 0, M = 1
        // for unweighted data of ordinary magnitude), restated for the data and weights as given.
        let m = statistics.weightScale, b = statistics.dataExponent
        let normal = try statistics.fitInFrame()
        let needed = rule.isFixed ? 2 : 3
        guard statistics.observationCount >= needed else {
            throw .tooFewObservations(needed: needed, got: statistics.observationCount)
        }
        let bounds = try rule.validatedBounds()
        final class ErrorBox { var error: PolytailError? }
        let box = ErrorBox()
        return try withoutActuallyEscaping(pass) { (escapable) throws(PolytailError) -> Fitted<StudentT> in
            var fitter = TFitter(totalWeight: statistics.scaledWeight, bounds: bounds) { state in
                var p = StudentTPass(state: state, weightScale: m, dataExponent: b)
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
                s = TFitter.State(mu: UnitScale.scaled(start.location, -b), eta: log(UnitScale.scaled(start.scale, -b)),
                                  tau: log(bounds.fixed ?? start.degreesOfFreedom))
            } else {
                s = TFitter.State(mu: normal.model.mean, eta: log(normal.model.standardDeviation), tau: log(bounds.fixed ?? 10))
                for _ in 0..<3 { fitter.emStep(&s) }
            }
            s.tau = min(max(s.tau, log(bounds.lower)), log(bounds.upper))
            let outcome = fitter.newton(from: s, tolerance: tolerance, maxIterations: maxIterations)
            if let error = box.error { throw error }
            fitter.externalPass = nil
            let framed = try fitted(
                outcome, start: s, bounds: bounds, totalWeight: statistics.scaledWeight,
                observationCount: statistics.observationCount, weights: nil,
                normal: { () throws(PolytailError) -> Fitted<Normal> in normal })
            let result = DataValidation.frequencyScaled(framed.result, by: m)
            return Fitted(model: try framed.model.rescaled(exponent: b), result: result.rescaledData(exponent: b))
        }
    }
}
