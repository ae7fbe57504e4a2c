import Foundation

/// The scalar an attack climbs (or, targeted, descends), per sample, in the logits z.
///
/// The paper attacks the model's own NLL. Because a defence is only as strong as the
/// strongest attack against it (Carlini et al. 2019), two adaptive losses that aim at the
/// decision boundary directly are offered too; they do not flatten in softRmax's
/// conservative tail, where the NLL gradient points away from the boundary (§3.2.1).
public enum AttackLoss: String, Sendable, Codable, CaseIterable {
    /// −log ζ_y(z), ζ the model's output layer (softmax or softRmax): the paper's loss.
    case nll
    /// −log softmax_y(z) on the raw logits, whatever the output layer.
    case crossEntropyOnLogits
    /// max_{i≠y} zᵢ − z_y = −M_z (Eq. 4): positive once the sample is misclassified.
    case margin

    /// The gradient target of this loss for labels y.
    public func target(_ labels: [Int]) -> GradientTarget {
        switch self {
        case .nll: return .loss(labels: labels)
        case .crossEntropyOnLogits: return .crossEntropyOnLogits(labels: labels)
        case .margin: return .margin(labels: labels)
        }
    }
}

/// Adversarial attacks of Wang & Loog 2022 (§2, §4.2) on any ``DifferentiableClassifier``,
/// batch and deterministic (the substitute attack is seeded). Every attack keeps its
/// output inside the clip range (the valid pixel range, [0, 1] by default) and, for the
/// iterative ones, inside the ε-ball ‖x′ − x‖_∞ ≤ ε around the original input.
///
/// sign(0) = 0 (as `torch.sign`): a pixel whose gradient vanishes is not moved. A NaN
/// gradient entry (softRmax's log-posterior exactly at a basis vector) also counts as 0.
public enum Adversarial {
    /// sign(g) ∈ {−1, 0, 1}, with NaN ↦ 0.
    @inline(__always)
    static func sign(_ g: Double) -> Double { g > 0 ? 1 : (g < 0 ? -1 : 0) }

    /// Common checks: rows, columns, finiteness, inputs inside the clip range, labels, ε.
    static func validate(_ x: Matrix, dimension d: Int, labels: [Int], classes k: Int, epsilon: Double,
                         clip: ClosedRange<Double>) throws(PolytailError) {
        guard x.rows > 0 else { throw .emptyData }
        guard x.columns == d else { throw .dimensionMismatch(what: "feature columns", expected: d, got: x.columns) }
        for i in 0..<x.elements.count {
            let v = x.elements[i]
            guard v.isFinite else { throw .nonFiniteValue(row: i / d, column: i % d) }
            guard clip.contains(v) else {
                throw .invalidParameter(name: "observations[\(i / d), \(i % d)]", value: v,
                                        requirement: "must lie in the clip range [\(clip.lowerBound), \(clip.upperBound)]")
            }
        }
        try validateLabels(labels, rows: x.rows, classes: k)
        guard epsilon.isFinite, epsilon >= 0 else {
            throw .invalidParameter(name: "epsilon", value: epsilon, requirement: "finite and non-negative")
        }
    }

    /// x′ = clamp(x + direction · step · sign(g), lower, upper) entrywise, the box being
    /// [max(lo, x₀ − ε), min(hi, x₀ + ε)] (the ε-ball ∩ the valid range) or just [lo, hi].
    static func signStep(_ x: Matrix, gradient g: Matrix, step: Double, direction: Double,
                         origin: Matrix?, epsilon: Double, clip: ClosedRange<Double>) -> Matrix {
        var out = x.elements
        let gradient = g.elements
        let lo = clip.lowerBound, hi = clip.upperBound
        for i in out.indices {
            var v = out[i] + direction * step * sign(gradient[i])
            var lower = lo, upper = hi
            if let origin {
                lower = max(lower, origin.elements[i] - epsilon)
                upper = min(upper, origin.elements[i] + epsilon)
            }
            v = min(max(v, lower), upper)
            out[i] = v
        }
        return Matrix(uncheckedRows: x.rows, columns: x.columns, elements: out)
    }

    /// FGSM (Goodfellow et al. 2015; Wang & Loog 2022, Eq. 1):
    ///
    ///     x′ = clip_{[lo, hi]}(x + ε · sign(∇ₓ J(x, y))),
    ///
    /// J the chosen ``AttackLoss``. Before clipping, every pixel with a non-zero gradient
    /// moves by exactly ε.
    /// - Parameters:
    ///   - model: the attacked classifier (white box).
    ///   - observations: n × d clean inputs, inside `clip`.
    ///   - labels: the n true labels y.
    ///   - epsilon: ε ≥ 0 (L∞ budget).
    ///   - loss: the attack loss (default the paper's NLL).
    ///   - clip: the valid value range (default [0, 1]).
    /// - Returns: the n × d adversarial inputs.
    /// - Throws: `.emptyData`, `.dimensionMismatch`, `.nonFiniteValue`, `.invalidParameter`
    ///   (ε, or an input outside `clip`), `.unknownLabel`.
    /// - Complexity: one forward and one backward pass.
    public static func fgsm(
        _ model: some DifferentiableClassifier, observations: Matrix, labels: [Int], epsilon: Double,
        loss: AttackLoss = .nll, clip: ClosedRange<Double> = 0...1
    ) throws(PolytailError) -> Matrix {
        try validate(observations, dimension: model.inputDimension, labels: labels, classes: model.classCount, epsilon: epsilon, clip: clip)
        let g = try model.inputGradients(of: loss.target(labels), at: observations)
        return signStep(observations, gradient: g, step: epsilon, direction: 1, origin: nil, epsilon: epsilon, clip: clip)
    }

    /// The targeted gradient attack (Papernot et al. 2016; Wang & Loog 2022, Eq. 2):
    ///
    ///     x′ = clip_{[lo, hi]}(x − ε · sign(∇ₓ J(x, y_t))),
    ///
    /// lowering the loss of the target class y_t (for the margin loss: raising z_t above
    /// every other logit).
    /// - Parameters:
    ///   - model: the attacked classifier.
    ///   - observations: the n clean inputs, inside `clip`.
    ///   - targets: the n target classes y_t (see ``randomTargets(labels:classCount:using:)``).
    ///   - epsilon: ε > 0.
    ///   - loss: the attack loss J.
    ///   - clip: the valid pixel range [lo, hi].
    /// - Throws: as ``fgsm(_:observations:labels:epsilon:loss:clip:)``.
    public static func targeted(
        _ model: some DifferentiableClassifier, observations: Matrix, targets: [Int], epsilon: Double,
        loss: AttackLoss = .nll, clip: ClosedRange<Double> = 0...1
    ) throws(PolytailError) -> Matrix {
        try validate(observations, dimension: model.inputDimension, labels: targets, classes: model.classCount, epsilon: epsilon, clip: clip)
        let g = try model.inputGradients(of: loss.target(targets), at: observations)
        return signStep(observations, gradient: g, step: epsilon, direction: -1, origin: nil, epsilon: epsilon, clip: clip)
    }

    /// BIM, the basic iterative method (Kurakin et al. 2017; Wang & Loog 2022, Eq. 3), with
    /// the projection the paper's reference code leaves out:
    ///
    ///     x′_{t+1} = Π(x′_t ± α · sign(∇ₓ J(x′_t, y))),   x′_0 = x,
    ///     Π = the projection onto {‖x′ − x‖_∞ ≤ ε} ∩ [lo, hi]ᵈ (entrywise clamping),
    ///
    /// '+' climbing the loss of the true labels, '−' descending that of the targets when
    /// `targets` is given. The gradient is re-evaluated at x′_t at every step.
    ///
    /// With the default α = ε/T the ε-ball cannot be left (T steps of α); the projection then
    /// matters for the pixel range (a clipped pixel must not drift back outside it) and for
    /// larger steps α (e.g. 2.5ε/T), which it keeps inside the ball.
    /// - Parameters:
    ///   - model: the attacked classifier.
    ///   - observations: the n clean inputs, inside `clip`.
    ///   - labels: the true labels y (used by the untargeted attack; checked always).
    ///   - targets: target classes for the targeted version, or nil.
    ///   - steps: T ≥ 1.
    ///   - stepSize: α > 0; nil means ε/T.
    ///   - epsilon: ε > 0, the radius of the ball.
    ///   - loss: the attack loss J.
    ///   - clip: the valid pixel range [lo, hi].
    ///   - observer: called after every step t (1…T) with x′_t.
    /// - Throws: as ``fgsm(_:observations:labels:epsilon:loss:clip:)``, and `.invalidParameter`
    ///   for steps < 1 or a bad step size; `.dimensionMismatch`/`.unknownLabel` for targets.
    /// - Complexity: T forward and backward passes.
    public static func bim(
        _ model: some DifferentiableClassifier, observations: Matrix, labels: [Int], targets: [Int]? = nil,
        epsilon: Double, steps: Int, stepSize: Double? = nil, loss: AttackLoss = .nll,
        clip: ClosedRange<Double> = 0...1, observer: ((_ step: Int, _ adversarial: Matrix) -> Void)? = nil
    ) throws(PolytailError) -> Matrix {
        try validate(observations, dimension: model.inputDimension, labels: labels, classes: model.classCount, epsilon: epsilon, clip: clip)
        if let targets { try validateLabels(targets, rows: observations.rows, classes: model.classCount) }
        guard steps >= 1 else { throw .invalidParameter(name: "steps", value: Double(steps), requirement: "at least 1") }
        let alpha = stepSize ?? epsilon / Double(steps)
        guard alpha.isFinite, alpha > 0 || epsilon == 0 else {
            throw .invalidParameter(name: "stepSize", value: alpha, requirement: "finite and positive")
        }
        let objective = loss.target(targets ?? labels)
        let direction: Double = targets == nil ? 1 : -1
        var x = observations
        for t in 1...steps {
            let g = try model.inputGradients(of: objective, at: x)
            x = signStep(x, gradient: g, step: alpha, direction: direction, origin: observations, epsilon: epsilon, clip: clip)
            observer?(t, x)
        }
        return x
    }

    /// The class means Avg_c = (1/n_c) Σ_{yᵣ=c} xᵣ (Wang & Loog 2022, §4.2.3), a k × d matrix.
    /// - Parameters:
    ///   - observations: n × d finite observations.
    ///   - labels: their n labels in 0 ..< k.
    ///   - k: the `classCount:` argument, k ≥ 2.
    /// - Returns: the k × d class means, row c the mean of class c.
    /// - Throws: `.emptyData`, `.tooFewClasses`, `.nonFiniteValue`, `.dimensionMismatch`/`.unknownLabel`
    ///   for labels, `.tooFewObservations(needed: 1, got: 0)` for a class without samples.
    public static func classMeans(_ observations: Matrix, labels: [Int], classCount k: Int) throws(PolytailError) -> Matrix {
        let n = observations.rows, d = observations.columns
        guard n > 0, d > 0 else { throw .emptyData }
        guard k >= 2 else { throw .tooFewClasses(needed: 2, got: k) }
        try validateLabels(labels, rows: n, classes: k)
        for i in 0..<(n * d) where !observations.elements[i].isFinite { throw .nonFiniteValue(row: i / d, column: i % d) }
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        for r in 0..<n {
            let c = labels[r]
            counts[c] += 1
            for j in 0..<d { sums[c * d + j] += observations.elements[r * d + j] }
        }
        for c in 0..<k {
            guard counts[c] > 0 else { throw .tooFewObservations(needed: 1, got: 0) }
            for j in 0..<d { sums[c * d + j] /= Double(counts[c]) }
        }
        return Matrix(uncheckedRows: k, columns: d, elements: sums)
    }

    /// The average-sample attack (Wang & Loog 2022, Eq. 16), gradient-free:
    ///
    ///     x′ = clip_{[lo, hi]}(x + ε · sign(Avg_t − Avg_y)),
    ///
    /// moving x toward the mean of the target class t and away from that of its own
    /// class y, never into the tail.
    /// - Parameters:
    ///   - observations: n × d clean inputs, inside `clip`.
    ///   - labels: the own classes y.
    ///   - targets: the target classes t.
    ///   - classMeans: k × d class means (``classMeans(_:labels:classCount:)``, on
    ///     training data).
    ///   - epsilon: ε > 0.
    ///   - clip: the valid pixel range [lo, hi].
    /// - Throws: as ``fgsm(_:observations:labels:epsilon:loss:clip:)``.
    /// - Complexity: O(n d).
    public static func averageSample(
        observations: Matrix, labels: [Int], targets: [Int], classMeans: Matrix, epsilon: Double,
        clip: ClosedRange<Double> = 0...1
    ) throws(PolytailError) -> Matrix {
        let k = classMeans.rows, d = classMeans.columns
        try validate(observations, dimension: d, labels: labels, classes: k, epsilon: epsilon, clip: clip)
        try validateLabels(targets, rows: observations.rows, classes: k)
        var direction = [Double](repeating: 0, count: observations.elements.count)
        for r in 0..<observations.rows {
            for j in 0..<d {
                direction[r * d + j] = classMeans.elements[targets[r] * d + j] - classMeans.elements[labels[r] * d + j]
            }
        }
        let g = Matrix(uncheckedRows: observations.rows, columns: d, elements: direction)
        return signStep(observations, gradient: g, step: epsilon, direction: 1, origin: nil, epsilon: epsilon, clip: clip)
    }

    /// One target per sample, uniform over the k − 1 classes other than its label.
    /// - Parameters:
    ///   - labels: the n true labels, in 0 ..< k.
    ///   - k: the `classCount:` argument, k ≥ 2.
    ///   - generator: draws the targets.
    /// - Returns: n targets, each different from its label.
    /// - Throws: `.tooFewClasses` for k < 2, `.unknownLabel` for a label outside 0..<k.
    public static func randomTargets(labels: [Int], classCount k: Int, using generator: inout PolytailRandom) throws(PolytailError) -> [Int] {
        guard k >= 2 else { throw .tooFewClasses(needed: 2, got: k) }
        try validateLabels(labels, rows: labels.count, classes: k)
        return labels.map { y in
            let t = Int.random(in: 0..<(k - 1), using: &generator)
            return t >= y ? t + 1 : t
        }
    }
}
