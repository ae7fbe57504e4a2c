/// Every error Polytail throws.
///
/// Each case says what was wrong and, where it applies, where: rows and columns are
/// zero-based indices into the data the caller passed.
public enum PolytailError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter is outside its domain, e.g. a negative scale or degrees of freedom.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// The data hold no observations.
    case emptyData
    /// Fewer observations than the model has parameters (or than it needs).
    case tooFewObservations(needed: Int, got: Int)
    /// A NaN or infinite value in the data.
    case nonFiniteValue(row: Int, column: Int?)
    /// A weight that is negative, NaN or infinite, or weights that sum to zero.
    case invalidWeight(row: Int?)
    /// A column (or the only variable) takes one value: its scale cannot be estimated.
    case constantData(column: Int?)
    /// Arrays whose lengths or dimensions should agree do not.
    case dimensionMismatch(what: String, expected: Int, got: Int)
    /// A matrix that must be positive definite is not (numerically).
    case notPositiveDefinite(what: String)
    /// A matrix is singular or rank deficient.
    case singularMatrix(what: String)
    /// A numerical routine failed; the text says which and why.
    case numericalFailure(String)
    /// A label that the model was not trained on, or one that cannot be used.
    case unknownLabel(String)
    /// Fewer distinct classes than a classifier needs.
    case tooFewClasses(needed: Int, got: Int)
    /// A design matrix whose columns are linearly dependent (numerically).
    case rankDeficient(what: String, rank: Int, columns: Int)

    /// A least-squares fit whose residuals are all zero or at the rounding error of the fitted
    /// values: the response lies on the fitted model, the error variance's estimate is 0 and
    /// the likelihood is unbounded (the regression analogue of ``constantData(column:)``).
    case perfectFit

    public var description: String {
        switch self {
        case let .invalidParameter(name, value, requirement):
            return "invalid parameter \(name) = \(value): \(requirement)"
        case .emptyData:
            return "the data are empty"
        case let .tooFewObservations(needed, got):
            return "too few observations: need at least \(needed), got \(got)"
        case let .nonFiniteValue(row, column):
            if let column { return "non-finite value at row \(row), column \(column)" }
            return "non-finite value at row \(row)"
        case let .invalidWeight(row):
            if let row { return "invalid weight at row \(row): weights must be finite and non-negative" }
            return "invalid weights: they must be finite, non-negative and not all zero"
        case let .constantData(column):
            if let column { return "column \(column) is constant: its scale cannot be estimated" }
            return "the data are constant: the scale cannot be estimated"
        case let .dimensionMismatch(what, expected, got):
            return "dimension mismatch in \(what): expected \(expected), got \(got)"
        case let .notPositiveDefinite(what):
            return "\(what) is not positive definite"
        case let .singularMatrix(what):
            return "\(what) is singular"
        case let .numericalFailure(text):
            return "numerical failure: \(text)"
        case let .unknownLabel(label):
            return "unknown label \"\(label)\""
        case let .tooFewClasses(needed, got):
            return "too few classes: need at least \(needed), got \(got)"
        case .perfectFit:
            return "the response lies on the fitted model to rounding error (every residual is 0): the error variance cannot be estimated and the likelihood is unbounded"
        case let .rankDeficient(what, rank, columns):
            return "\(what) is rank deficient: rank \(rank) < \(columns) columns"
        }
    }
}
