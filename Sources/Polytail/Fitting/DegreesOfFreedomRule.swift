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
/// (source, target) for importance weights. Light-tailed data push the ML ν to infinity; the
/// fit then stops at `maximum` and says so in ``FitResult/dfAtBound``.
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
    /// The default upper bound for estimated degrees of freedom. At ν = 10⁶ the t
    /// log-likelihood of light-tailed data is within about 3·10⁻⁷ (relative) of the
    /// normal's, so a fit stopped there loses nothing a user can see.
    public static let defaultMaximumDF = 1e6
}

extension DegreesOfFreedomRule {
    var isFixed: Bool {
        switch self {
        case .fixed, .fixedPerGroup: return true
        case .estimated, .estimatedPerGroup: return false
        }
    }

    /// A fixed ν (`fixed` set, `lower` = `upper` = ν) or the estimation bounds.
    struct Bounds { var fixed: Double?; var lower: Double; var upper: Double }

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
        guard maximum.isFinite, maximum > minimum else {
            throw .invalidParameter(name: "maximum degrees of freedom", value: maximum, requirement: "must be finite and > the minimum")
        }
        return Bounds(fixed: nil, lower: minimum, upper: maximum)
    }
}
