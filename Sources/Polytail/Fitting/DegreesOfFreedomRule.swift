/// How a Student-t fit chooses the degrees of freedom ν: the one ν-rule of the library.
///
/// A single-sample fit (``StudentT``, ``MultivariateT``, ``NoncentralT``) takes `.fixed` or
/// `.estimated`. A fit over several groups — the classes of ``DiscriminantAnalysis``, the
/// source and target samples of ``ImportanceWeights`` — takes any of the four:
///
/// | rule | one group | several groups |
/// |---|---|---|
/// | `.fixed(ν)` | ν | ν for every group |
/// | `.fixedPerGroup([ν])` | throws `.invalidParameter` | one ν per group, in group order |
/// | `.estimated(minimum:maximum:)` | the ML ν within the bounds | one tied ν maximising the summed (profile) likelihood of the groups |
/// | `.estimatedPerGroup(minimum:maximum:)` | throws `.invalidParameter` | each group its own ML ν |
///
/// Group order is ``DiscriminantAnalysis/classLabels`` order for discriminant analysis and
/// (source, target) for importance weights. Light-tailed data push the ML ν to infinity: with
/// the default `maximum` (+∞, none) ``StudentT/fit(_:weights:degreesOfFreedom:tolerance:maxIterations:)``
/// reports ν = ∞, the normal limit, and the other fits stop at ``StudentT/largestSearchedDF``;
/// with a finite `maximum` the fit stops there. Either way ``FitResult/dfAtBound`` says so.
public enum DegreesOfFreedomRule: Equatable, Sendable, Codable {
    /// ν is held at the given value (for every group).
    case fixed(Double)
    /// One fixed ν per group, in group order; unequal values make a t discriminant
    /// analysis one-hot in the tails (the smallest ν wins).
    case fixedPerGroup([Double])
    /// ν estimated by maximum likelihood within [`minimum`, `maximum`]; across several groups
    /// one tied ν (the paper's condition for the 1/k tail limit, Eq. 5).
    case estimated(minimum: Double = StudentT.defaultMinimumDF, maximum: Double = StudentT.defaultMaximumDF)
    /// Each group's ν estimated by maximum likelihood within [`minimum`, `maximum`].
    case estimatedPerGroup(minimum: Double = StudentT.defaultMinimumDF, maximum: Double = StudentT.defaultMaximumDF)

    /// Estimated within the default bounds (tied across groups).
    public static var estimated: DegreesOfFreedomRule { .estimated() }
    /// Estimated per group within the default bounds.
    public static var estimatedPerGroup: DegreesOfFreedomRule { .estimatedPerGroup() }
}

extension StudentT {
    /// The default lower bound for estimated degrees of freedom.
    public static let defaultMinimumDF = 1e-3
    /// The default upper bound for estimated degrees of freedom: none. ν = ∞ is the normal
    /// limit; ``StudentT/fit(_:weights:degreesOfFreedom:tolerance:maxIterations:)`` reports it
    /// when the profile likelihood is maximised there (light-tailed data), and fits that
    /// cannot represent ν = ∞ stop at ``largestSearchedDF``.
    public static let defaultMaximumDF = Double.infinity
    /// Where iterative searches for ν stop when the rule has no finite maximum: 10⁶. At that ν
    /// the t log-likelihood of light-tailed data is within about 3·10⁻⁷ (relative) of the
    /// normal's. The multivariate t, discriminant analysis, importance weights and the
    /// noncentral t report ν = 10⁶ with ``FitResult/dfAtBound`` there; the univariate
    /// ``StudentT`` fit compares with the normal and reports ν = ∞.
    public static let largestSearchedDF = 1e6
}

extension DegreesOfFreedomRule {
    var isFixed: Bool {
        switch self {
        case .fixed, .fixedPerGroup: return true
        case .estimated, .estimatedPerGroup: return false
        }
    }

    /// A fixed ν (`fixed` set, `lower` = `upper` = ν) or the estimation bounds. `upper` is
    /// finite: the rule's maximum, or ``StudentT/largestSearchedDF`` (at least 10·`lower`) when
    /// the maximum is +∞, which `unbounded` then records.
    struct Bounds { var fixed: Double?; var lower: Double; var upper: Double; var unbounded = false }

    /// The rule resolved against a number of groups.
    enum Plan {
        /// One ν per group, fixed.
        case fixed([Double])
        /// One ν for all groups, estimated within the bounds.
        case tied(Bounds)
        /// A ν per group, each estimated within the bounds.
        case perGroup(Bounds)
    }

    /// The rule of a single-sample fit.
    /// - Throws: `.invalidParameter` for a non-positive or non-finite ν or bound, for
    ///   bounds out of order, and for a per-group rule (a single sample has one group).
    func validatedBounds() throws(PolytailError) -> Bounds {
        switch self {
        case let .fixed(nu):
            return Bounds(fixed: try Self.checked(nu, name: "degreesOfFreedom"), lower: nu, upper: nu)
        case let .estimated(minimum, maximum):
            return try Self.bounds(minimum, maximum)
        case let .fixedPerGroup(values):
            throw .invalidParameter(name: "degreesOfFreedom", value: Double(values.count),
                                    requirement: "a fit of one sample takes .fixed(ν) or .estimated, not .fixedPerGroup")
        case .estimatedPerGroup:
            throw .invalidParameter(name: "degreesOfFreedom", value: 1,
                                    requirement: "a fit of one sample takes .fixed(ν) or .estimated, not .estimatedPerGroup")
        }
    }

    /// The rule resolved for `groupCount` groups.
    /// - Parameter groupName: how errors name group j (for instance `class "a"`).
    /// - Throws: `.invalidParameter` for a bad ν or bound (naming the group for
    ///   `.fixedPerGroup`); `.dimensionMismatch` when `.fixedPerGroup` does not hold one ν
    ///   per group.
    func plan(groupCount: Int, groupName: (Int) -> String) throws(PolytailError) -> Plan {
        switch self {
        case let .fixed(nu):
            return .fixed([Double](repeating: try Self.checked(nu, name: "degreesOfFreedom"), count: groupCount))
        case let .fixedPerGroup(values):
            guard values.count == groupCount else {
                throw .dimensionMismatch(what: "degrees of freedom per group (one per group, in group order)",
                                         expected: groupCount, got: values.count)
            }
            for (j, nu) in values.enumerated() { _ = try Self.checked(nu, name: "degrees of freedom of \(groupName(j))") }
            return .fixed(values)
        case let .estimated(minimum, maximum):
            return .tied(try Self.bounds(minimum, maximum))
        case let .estimatedPerGroup(minimum, maximum):
            return .perGroup(try Self.bounds(minimum, maximum))
        }
    }

    static func checked(_ nu: Double, name: String) throws(PolytailError) -> Double {
        guard nu.isFinite, nu > 0 else {
            throw .invalidParameter(name: name, value: nu, requirement: "must be finite and > 0")
        }
        return nu
    }

    static func bounds(_ minimum: Double, _ maximum: Double) throws(PolytailError) -> Bounds {
        guard minimum.isFinite, minimum > 0 else {
            throw .invalidParameter(name: "minimum degrees of freedom", value: minimum, requirement: "must be finite and > 0")
        }
        guard maximum > minimum else {
            throw .invalidParameter(name: "maximum degrees of freedom", value: maximum, requirement: "must be > the minimum (+∞ for none)")
        }
        if maximum == .infinity {
            return Bounds(fixed: nil, lower: minimum, upper: max(StudentT.largestSearchedDF, 10 * minimum), unbounded: true)
        }
        return Bounds(fixed: nil, lower: minimum, upper: maximum)
    }
}

extension DegreesOfFreedomRule {
    private enum CodingKeys: String, CodingKey { case fixed, fixedPerGroup, estimated, estimatedPerGroup }
    private enum ValueKeys: String, CodingKey { case _0 }
    private enum BoundKeys: String, CodingKey { case minimum, maximum }

    /// The shape Swift synthesises (`{"estimated":{"minimum":0.001,"maximum":50}}`), with an
    /// unbounded maximum (+∞, the default) written as the string `"Infinity"`, which JSON
    /// numbers cannot hold.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .fixed(nu):
            var v = c.nestedContainer(keyedBy: ValueKeys.self, forKey: .fixed)
            try v.encode(nu, forKey: ._0)
        case let .fixedPerGroup(values):
            var v = c.nestedContainer(keyedBy: ValueKeys.self, forKey: .fixedPerGroup)
            try v.encode(values, forKey: ._0)
        case let .estimated(minimum, maximum), let .estimatedPerGroup(minimum, maximum):
            var v = c.nestedContainer(keyedBy: BoundKeys.self, forKey: self.isPerGroup ? .estimatedPerGroup : .estimated)
            try v.encode(minimum, forKey: .minimum)
            try v.encodeAllowingInfinity(maximum, forKey: .maximum)
        }
    }

    /// Reads what ``encode(to:)`` writes; the maximum may be a number or `"Infinity"`.
    /// - Throws: `DecodingError.dataCorrupted` for a rule no fit accepts (a ν or bound that is
    ///   not finite and positive, bounds out of order, an empty `fixedPerGroup`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let key = c.allKeys.first, c.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "expected exactly one of fixed, fixedPerGroup, estimated, estimatedPerGroup"))
        }
        switch key {
        case .fixed:
            self = .fixed(try c.nestedContainer(keyedBy: ValueKeys.self, forKey: key).decode(Double.self, forKey: ._0))
        case .fixedPerGroup:
            self = .fixedPerGroup(try c.nestedContainer(keyedBy: ValueKeys.self, forKey: key).decode([Double].self, forKey: ._0))
        case .estimated, .estimatedPerGroup:
            let v = try c.nestedContainer(keyedBy: BoundKeys.self, forKey: key)
            let minimum = try v.decode(Double.self, forKey: .minimum)
            let maximum = try v.decodeAllowingInfinity(forKey: .maximum)
            self = key == .estimated ? .estimated(minimum: minimum, maximum: maximum) : .estimatedPerGroup(minimum: minimum, maximum: maximum)
        }
        // Decoding is user input: a rule no fit accepts (ν ≤ 0 or non-finite, bounds out of
        // order, no ν per group) is corrupt here rather than at the first fit.
        let rule = self
        try validatedDecoding(decoder) { () throws(PolytailError) in
            switch rule {
            case let .fixed(nu): _ = try Self.checked(nu, name: "degreesOfFreedom")
            case let .fixedPerGroup(values):
                guard !values.isEmpty else { throw .emptyData }
                for nu in values { _ = try Self.checked(nu, name: "degreesOfFreedom") }
            case let .estimated(minimum, maximum), let .estimatedPerGroup(minimum, maximum):
                _ = try Self.bounds(minimum, maximum)
            }
        }
    }

    private var isPerGroup: Bool {
        switch self {
        case .fixedPerGroup, .estimatedPerGroup: return true
        case .fixed, .estimated: return false
        }
    }
}
