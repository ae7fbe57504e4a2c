/// A fit persists as `{"model": …, "result": …}`. Both halves decode through their own
/// validating initialisers, and then the pair through ``Fitted/init(checking:result:)``: a
/// result that cannot belong to the model (a discriminant analysis's group results not one per
/// class, importance weights' not one per domain, a parameter index outside the model's
/// dimension, group row counts that do not add up) throws
/// `DecodingError.dataCorrupted` instead of being read as the fit's inference.
extension Fitted: Codable where Model: Codable {
    enum CodingKeys: String, CodingKey { case model, result }

    /// - Throws: `DecodingError` for a corrupt model or result or a result that does not fit
    ///   the model.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let model = try c.decode(Model.self, forKey: .model)
        let result = try c.decode(FitResult.self, forKey: .result)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in try Fitted(checking: model, result: result) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(result, forKey: .result)
    }
}

extension Fitted {
    /// A fitted model assembled from parts read elsewhere (a file, another process), checked
    /// for consistency: for a model fitted over groups — the classes of a
    /// ``DiscriminantAnalysis``, the source and target of ``ImportanceWeights`` — the
    /// ``FitResult/groupResults``, when present, must hold one result per group, their rows must
    /// add up to the whole's ``FitResult/observationCount``, and every vector or matrix
    /// parameter a group lists must index inside the model's dimension; so must those of a
    /// multivariate distribution's result; for a
    /// ``LinearClassifier`` the parameters must be its head's (log odds of classes 1 ..< k for
    /// softmax, every class's weights and bias for softRmax) inside its d × k shape, with the
    /// model's own values as estimates.
    /// - Parameters:
    ///   - model: the model.
    ///   - result: its fit result.
    /// - Throws: `.dimensionMismatch` naming what disagrees (`.invalidParameter` for a linear
    ///   classifier's parameter or estimate that is not the model's).
    public init(checking model: Model, result: FitResult) throws(PolytailError) {
        if let grouped = model as? any GroupedFit {
            try FitResultCheck.groups(result, groupCount: grouped.fitGroupCount, dimension: grouped.fitDimension,
                                      what: grouped.fitGroupName)
        }
        if let distribution = model as? any MultivariateDistribution {
            try FitResultCheck.indices(result.parameters, dimension: distribution.dimension, what: "fit")
        }
        if let classifier = model as? LinearClassifier { try FitResultCheck.classifier(result, model: classifier) }
        self.init(model: model, result: result)
    }
}

/// A model fitted over several groups whose ``FitResult`` lists one result per group.
protocol GroupedFit {
    var fitGroupCount: Int { get }
    var fitDimension: Int { get }
    /// How an error names the groups ("class", "domain").
    var fitGroupName: String { get }
}

extension DiscriminantAnalysis: GroupedFit {
    var fitGroupCount: Int { classCount }
    var fitDimension: Int { dimension }
    var fitGroupName: String { "class" }
}

extension ImportanceWeights: GroupedFit {
    var fitGroupCount: Int { 2 }
    var fitDimension: Int { dimension }
    var fitGroupName: String { "domain" }
}

enum FitResultCheck {
    /// The checks ``Fitted/init(checking:result:)`` makes for a fit over groups.
    static func groups(_ result: FitResult, groupCount: Int, dimension: Int, what: String) throws(PolytailError) {
        guard let groups = result.groupResults else { return }
        guard groups.count == groupCount else {
            throw .dimensionMismatch(what: "group results (one per \(what))", expected: groupCount, got: groups.count)
        }
        let rows = groups.reduce(0) { $0 &+ $1.observationCount }
        guard rows == result.observationCount else {
            throw .dimensionMismatch(what: "observations of the \(what) results (their sum)", expected: result.observationCount, got: rows)
        }
        for group in groups { try indices(group.parameters, dimension: dimension, what: what) }
    }

    /// Every vector or matrix parameter must index inside the model's dimension.
    static func indices(_ parameters: [FitParameter], dimension: Int, what: String) throws(PolytailError) {
        for parameter in parameters {
            for index in parameter.indices where index < 0 || index >= dimension {
                throw .dimensionMismatch(what: "index of the \(what) parameter \(parameter) (dimension \(dimension))",
                                         expected: dimension, got: index + 1)
            }
        }
    }
}

extension FitParameter {
    /// The zero-based indices of a vector or matrix entry of a distribution; none for scalars
    /// (and for the coefficients of a linear model, which index its design, not a dimension).
    var indices: [Int] {
        switch self {
        case let .meanComponent(j), let .locationComponent(j): return [j]
        case let .covariance(j, k), let .scatter(j, k): return [j, k]
        default: return []
        }
    }
}
