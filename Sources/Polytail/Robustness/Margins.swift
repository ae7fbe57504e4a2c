import Foundation

/// Per-sample prediction margins and magnitude-margin ratios (Wang & Loog 2022, §4.2.4).
///
/// With y the true label and j = argmax_{i≠y} zᵢ the runner-up class:
///
///     M_z = z_y − z_j                                   (Eq. 4)
///     R   = ‖∇ₓz_y − ∇ₓz_j‖₂ / (z_y − z_j)              (Eq. 17, with m = ‖∇ₓ(z_y − z_j)‖)
///
/// A first-order change of M_z under a perturbation η is (∇z_y − ∇z_j)ᵀη, so R is the
/// sensitivity of the margin relative to the margin itself: lower R, harder to flip. For a
/// linear model z = Wᵀx + b, R = ‖w_y − w_j‖ / (z_y − z_j). Misclassified samples have
/// M_z < 0 and so R < 0; they are kept (filter on `margins[r] > 0` for the paper's
/// histograms, which use correctly classified samples).
public struct MarginAnalysis: Sendable, Equatable {
    /// M_z per sample.
    public let margins: [Double]
    /// ‖∇ₓz_y − ∇ₓz_j‖₂ per sample.
    public let gradientNorms: [Double]
    /// R = gradientNorm / margin per sample; +∞ where M_z = 0 (±0), whatever the gradient
    /// norm: a sample on the decision boundary is flipped by any perturbation, the most
    /// sensitive case (0/0 would otherwise give NaN). NaN only for NaN logits.
    public let ratios: [Double]
    /// The runner-up class j per sample.
    public let runnerUps: [Int]

    /// Margins and ratios of every row of `observations` (an evaluation of a fitted model, not a fit).
    /// - Parameters:
    ///   - model: any differentiable classifier.
    ///   - observations: n × d.
    ///   - labels: n labels in 0 ..< k.
    /// - Returns: the margins, gradient norms, ratios and runner-up classes.
    /// - Throws: `.emptyData`, `.dimensionMismatch`, `.unknownLabel`.
    /// - Complexity: one forward and one backward pass.
    public static func evaluate(_ model: some DifferentiableClassifier, observations: Matrix, labels: [Int]) throws(PolytailError) -> MarginAnalysis {
        guard observations.rows > 0 else { throw .emptyData }
        let z = try model.logits(observations)
        try validateLabels(labels, rows: observations.rows, classes: model.classCount)
        // ∇ₓ(z_j − z_y): the margin loss; its norm is that of ∇z_y − ∇z_j.
        let g = try model.inputGradients(of: .margin(labels: labels), at: observations)
        let k = z.columns, d = g.columns
        var margins: [Double] = [], norms: [Double] = [], ratios: [Double] = [], runners: [Int] = []
        for r in 0..<observations.rows {
            let y = labels[r]
            let j = runnerUp(z.elements, row: r, classes: k, excluding: y)
            let m = z.elements[r * k + y] - z.elements[r * k + j]
            var sum = 0.0
            for c in 0..<d { sum += g.elements[r * d + c] * g.elements[r * d + c] }
            let norm = sum.squareRoot()
            margins.append(m)
            norms.append(norm)
            ratios.append(ratio(norm, m))
            runners.append(j)
        }
        return MarginAnalysis(margins: margins, gradientNorms: norms, ratios: ratios, runnerUps: runners)
    }
}

extension MarginAnalysis {
    /// R = norm/margin, +∞ at a zero margin (see ``ratios``): for the evaluation and decoding.
    static func ratio(_ norm: Double, _ margin: Double) -> Double { margin == 0 ? .infinity : norm / margin }
}

/// Accuracy under several attacks and under the worst of them.
public struct RobustnessSummary: Sendable, Equatable {
    /// Accuracy on the clean inputs.
    public let clean: Double
    /// (attack name, accuracy on its adversarial inputs), in the order given.
    public let attacks: [(name: String, accuracy: Double)]
    /// The attack with the lowest accuracy (the model's worst attack) and that accuracy.
    public let worst: (name: String, accuracy: Double)
    /// The fraction of samples classified correctly under every attack (the per-sample
    /// worst case, ≤ `worst.accuracy`).
    public let allAttacks: Double
    /// Per sample: true when it is classified correctly under every attack (its mean is
    /// `allAttacks`; grouped by label it gives the per-class worst case of Table 2).
    public let survivedEveryAttack: [Bool]

    public static func == (a: RobustnessSummary, b: RobustnessSummary) -> Bool {
        a.clean == b.clean && a.allAttacks == b.allAttacks && a.worst == b.worst && a.survivedEveryAttack == b.survivedEveryAttack
            && a.attacks.elementsEqual(b.attacks, by: { $0 == $1 })
    }

    /// Evaluates `model` on clean inputs and on each attack's adversarial inputs.
    /// - Parameters:
    ///   - model: the classifier to evaluate.
    ///   - observations: the n clean inputs.
    ///   - labels: their true labels.
    ///   - attacks: (name, adversarial inputs) pairs, each with the rows of `observations`.
    /// - Throws: `.emptyData` (no rows or no attacks), `.dimensionMismatch`, `.unknownLabel`.
    public static func evaluate(_ model: some DifferentiableClassifier, observations: Matrix, labels: [Int],
                                attacks: [(name: String, adversarial: Matrix)]) throws(PolytailError) -> RobustnessSummary {
        guard observations.rows > 0, !attacks.isEmpty else { throw .emptyData }
        let clean = try model.accuracy(observations, labels: labels)
        var survived = [Bool](repeating: true, count: observations.rows)
        var results: [(name: String, accuracy: Double)] = []
        for (name, x) in attacks {
            guard x.rows == observations.rows else { throw .dimensionMismatch(what: "\(name) rows", expected: observations.rows, got: x.rows) }
            let predicted = try model.predict(x)
            var correct = 0
            for r in 0..<x.rows {
                if predicted[r] == labels[r] { correct += 1 } else { survived[r] = false }
            }
            results.append((name, Double(correct) / Double(x.rows)))
        }
        let worst = results.min(by: { $0.accuracy < $1.accuracy })!
        let all = Double(survived.filter { $0 }.count) / Double(observations.rows)
        return RobustnessSummary(clean: clean, attacks: results, worst: worst, allAttacks: all, survivedEveryAttack: survived)
    }

    /// Accuracy per true class (Table 2 of the paper): entry c is the fraction of rows of
    /// class c predicted as c (NaN for a class with no rows).
    /// - Throws: `.emptyData`, `.dimensionMismatch`, `.unknownLabel`.
    public static func perClassAccuracy(_ model: some DifferentiableClassifier, observations: Matrix,
                                        labels: [Int]) throws(PolytailError) -> [Double] {
        guard observations.rows > 0 else { throw .emptyData }
        try validateLabels(labels, rows: observations.rows, classes: model.classCount)
        let predicted = try model.predict(observations)
        var correct = [Int](repeating: 0, count: model.classCount), total = correct
        for (p, y) in zip(predicted, labels) {
            total[y] += 1
            if p == y { correct[y] += 1 }
        }
        return zip(correct, total).map { $1 > 0 ? Double($0) / Double($1) : .nan }
    }
}
