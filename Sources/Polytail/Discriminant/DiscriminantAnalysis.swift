import Foundation

/// Discriminant analysis with normal or Student-t class conditionals (Wang & Loog,
/// CVPR 2022, §3.1.1).
///
/// By Bayes' rule (Eq. 6) the posterior of class yⱼ is
///
///     p(yⱼ | x) = πⱼ p(x | yⱼ) / Σₖ πₖ p(x | yₖ),
///
/// evaluated here in the log domain as log πⱼ + log p(x | yⱼ) − logsumexpₖ(log πₖ + log p(x | yₖ)).
///
/// - With normal class conditionals and a shared covariance (LDA) the log-odds are linear
///   in x, so every posterior tends to 0 or 1 as ‖x‖ → ∞ (Eq. 7): the model is
///   overconfident in the tails.
/// - With Student-t class conditionals, log p(x | yₖ) = cₖ − ½(νₖ + d) log(1 + δₖ²/νₖ),
///   δₖ² = (x − μₖ)ᵀ Σₖ⁻¹ (x − μₖ). With a shared scatter Σ and one ν for all classes,
///   δₖ²/δⱼ² → 1 and cₖ = cⱼ, so p(yⱼ | x) → πⱼ (1/k under equal priors) in every direction:
///   the paper's conservativeness, Eq. 5. With unequal νₖ the class with the smallest ν
///   has the heaviest tail, p(x | yₖ) ∝ ‖x‖^{−(νₖ+d)}, and takes posterior 1 in the tails.
///   With per-class scatters and a tied ν the limit is
///   πⱼ |Σⱼ|^{−½} (uᵀΣⱼ⁻¹u)^{−(ν+d)/2} / Σₖ (same), u = x/‖x‖: not one-hot, but direction-dependent.
///
/// Fit with ``fit(_:labels:family:scatter:priors:covariance:tolerance:maxIterations:)``;
/// evaluate with ``logPosteriors(_:)``, ``posteriors(_:)`` and ``predict(_:)``.
public struct DiscriminantAnalysis<Label: Hashable & Comparable & Sendable>: Sendable {
    /// The family of the class-conditional densities.
    public enum Family: Sendable, Equatable, Codable {
        /// Multivariate normal N(μₖ, Σₖ).
        case normal
        /// Multivariate Student t with location μₖ, scatter Σₖ and νₖ degrees of freedom chosen
        /// by the rule: `.fixed(ν)` or `.estimated` give every class one ν (the tail limit is
        /// the priors, Eq. 5); `.fixedPerGroup([ν])` (in ``classLabels`` order) and
        /// `.estimatedPerGroup` give each class its own — unequal values make the posterior
        /// one-hot in the tails (the smallest ν wins).
        case studentT(DegreesOfFreedomRule)
    }

    /// Whether the covariance (normal) or scatter (t) matrix is shared by the classes.
    public enum Scatter: String, Sendable, Equatable, Codable {
        /// One matrix for all classes: linear (normal) discriminant analysis and its t analogue.
        case shared
        /// A matrix per class: quadratic discriminant analysis.
        case perClass
    }

    /// The class priors πₖ.
    ///
    /// The priors are not parameters of the fit's ``FitResult``: its log-likelihood is the
    /// class-conditional ℓ = Σᵢ log p(xᵢ | yᵢ), given the labels, and AIC, BIC and every listed
    /// parameter with its covariance belong to that likelihood (`.equal` and `.given` priors are
    /// not estimated at all). Empirical priors are the maximum-likelihood estimates of a
    /// separate multinomial model of the labels, whose information is block-diagonal to the
    /// class conditionals'; their covariance is the closed form
    /// Var π̂ₖ = πₖ(1 − πₖ)/n, Cov(π̂ⱼ, π̂ₖ) = −πⱼπₖ/n (n = `result.observationCount`), which
    /// no fit changes. MASS's `lda` and scikit-learn report the priors without errors too.
    ///
    /// `Codable` when the labels are: given priors decode through `validateValues(_:)`.
    public enum Priors: Sendable, Equatable {
        /// πₖ = nₖ / n, the class frequencies in the training data.
        case empirical
        /// πₖ = 1/k.
        case equal
        /// Given priors, one per class, non-negative and summing to 1 (within 1e-9).
        case given([Label: Double])

        /// Checks given priors whatever the classes: each finite and ≥ 0 (in label order),
        /// summing to 1 within 10⁻⁹. The fit runs it once the table's labels are known to be
        /// its classes; decoding runs it on the table alone.
        /// - Throws: `.invalidParameter` naming the prior or the sum.
        static func validateValues(_ table: [Label: Double]) throws(PolytailError) {
            for label in table.keys.sorted() {
                let p = table[label]!
                guard p.isFinite, p >= 0 else {
                    throw .invalidParameter(name: "prior of class \"\(label)\"", value: p, requirement: "must be finite and ≥ 0")
                }
            }
            let sum = table.keys.sorted().reduce(0.0) { $0 + table[$1]! }
            guard abs(sum - 1) <= 1e-9 else {
                throw .invalidParameter(name: "sum of the priors", value: sum, requirement: "must be 1 (within 1e-9)")
            }
        }
    }

    /// The divisor of the normal covariance estimates (t scatters are always ML).
    public enum CovarianceEstimate: String, Sendable, Equatable, Codable {
        /// Maximum likelihood: divide by n (shared, pooled) or nₖ (per class).
        /// Shared ML matches scikit-learn's `LinearDiscriminantAnalysis`.
        case maximumLikelihood
        /// Unbiased: divide by n − k (shared) or nₖ − 1 (per class). Per class it matches
        /// scikit-learn's `QuadraticDiscriminantAnalysis`.
        case unbiased
    }

    /// A fitted class-conditional density.
    public enum ClassConditional: Sendable, Equatable {
        case normal(MultivariateNormal)
        case studentT(MultivariateT)

        /// log p(x | y) of every observation (NaN rows when the column count is wrong).
        /// - Parameter observations: n × d.
        /// - Returns: n log-densities.
        public func logDensities(_ observations: Matrix) -> [Double] {
            component.logDensities(observations)
        }

        /// The density in the whitened form every evaluation uses.
        var component: WhitenedComponent {
            switch self {
            case let .normal(n): return WhitenedComponent(n)
            case let .studentT(t): return WhitenedComponent(t)
            }
        }

        /// The location μ.
        public var location: [Double] {
            switch self {
            case let .normal(n): return n.mean
            case let .studentT(t): return t.location
            }
        }

        /// ν for a t class conditional, nil for a normal one.
        public var degreesOfFreedom: Double? {
            if case let .studentT(t) = self { return t.degreesOfFreedom }
            return nil
        }
    }

    /// The distinct class labels, sorted ascending (numerically for integers,
    /// lexicographically for strings). Column j of ``posteriors(_:)`` belongs to `classLabels[j]`.
    public let classLabels: [Label]
    /// πₖ, in the order of ``classLabels``.
    public let priors: [Double]
    /// The fitted class conditionals, in the order of ``classLabels``. With a shared scatter
    /// every entry holds the same matrix.
    public let conditionals: [ClassConditional]
    /// Precomputed factors for block evaluation.
    let kernel: DiscriminantKernel

    /// The number of classes k.
    public var classCount: Int { classLabels.count }
    /// The number of variables d.
    public var dimension: Int { kernel.d }

    init(classLabels: [Label], priors: [Double], conditionals: [ClassConditional], shared: Bool) throws(PolytailError) {
        self.classLabels = classLabels
        self.priors = priors
        self.conditionals = conditionals
        self.kernel = try DiscriminantKernel(conditionals: conditionals, priors: priors, shared: shared)
    }

    /// log p(yⱼ | xᵢ) for every observation i and class j (column order of ``classLabels``), by
    /// log-sum-exp: ℓᵢⱼ = log πⱼ + log p(xᵢ | yⱼ), log p(yⱼ | xᵢ) = ℓᵢⱼ − maxₖ ℓᵢₖ − log Σₖ exp(ℓᵢₖ − maxₖ ℓᵢₖ).
    /// Rows whose fast evaluation overflows (‖x‖ beyond about 10¹⁵⁰ in whitened units) are
    /// redone by a scaled, overflow-free path, so no entry is NaN.
    ///
    /// Rows are processed in blocks of 8192 in parallel. Shared normal: one `dgemm` of the
    /// centred block against Σ⁻¹(μₖ − c). Shared t: one `dtrsm` (whitening by the Cholesky
    /// factor), one `dgemm` against the whitened means, then δ² = ‖z‖² − 2 zᵀm̃ₖ + ‖m̃ₖ‖².
    /// Per-class matrices: one `dtrsm` per class.
    /// - Parameter observations: n × d, finite.
    /// - Returns: an n × k matrix of log posteriors (≤ 0; a zero prior gives −∞).
    /// - Throws: `.dimensionMismatch` when the observations have not d columns;
    ///   `.nonFiniteValue` at the first row (and its column) holding NaN or ±∞.
    /// - Complexity: O(n d k) shared normal, O(n d (d + k)) shared t, O(n d² k) per class.
    public func logPosteriors(_ observations: Matrix) throws(PolytailError) -> Matrix {
        try kernel.evaluate(observations, logarithmic: true)
    }

    /// p(yⱼ | xᵢ), the exponentials of ``logPosteriors(_:)`` computed in the same pass
    /// (each row sums to 1 up to rounding).
    /// - Parameter observations: n × d, finite.
    /// - Returns: an n × k matrix, columns in ``classLabels`` order.
    /// - Throws: as ``logPosteriors(_:)``.
    public func posteriors(_ observations: Matrix) throws(PolytailError) -> Matrix {
        try kernel.evaluate(observations, logarithmic: false)
    }

    /// The maximum a-posteriori label of every observation (ties go to the earlier class).
    /// - Parameter observations: n × d, finite.
    /// - Returns: n labels from ``classLabels``.
    /// - Throws: as ``logPosteriors(_:)``.
    public func predict(_ observations: Matrix) throws(PolytailError) -> [Label] {
        let lp = try kernel.evaluate(observations, logarithmic: true)
        let k = classCount
        return (0..<lp.rows).map { i in
            var best = 0
            for j in 1..<k where lp.elements[i * k + j] > lp.elements[i * k + best] { best = j }
            return classLabels[best]
        }
    }

    /// The fraction of observations whose ``predict(_:)`` label equals the given one.
    /// - Parameters:
    ///   - observations: n × d, finite.
    ///   - labels: n true labels (a label the model has not seen simply counts as wrong).
    /// - Returns: the accuracy in [0, 1].
    /// - Throws: `.emptyData` for no observations; `.dimensionMismatch` when the label count
    ///   is not n; as ``logPosteriors(_:)``.
    public func accuracy(_ observations: Matrix, labels: [Label]) throws(PolytailError) -> Double {
        guard observations.rows > 0 else { throw .emptyData }
        guard labels.count == observations.rows else {
            throw .dimensionMismatch(what: "labels", expected: observations.rows, got: labels.count)
        }
        return classificationAccuracy(try predict(observations), labels)
    }
}

