import Foundation

/// Fit settings persist beside the models they made (a configuration file, a saved
/// experiment): each decodes through the checks the fit itself runs, so a setting no fit
/// accepts throws `DecodingError.dataCorrupted` at reading rather than at the first fit.
/// `DiscriminantAnalysis.Family`, `.Scatter`, `.CovarianceEstimate`, `ImportanceWeights.Family`
/// and `LeastSquaresCovariance` are plain cases (a ν rule inside a family decodes through
/// `DegreesOfFreedomRule`'s checks); the two below carry values.

extension DiscriminantAnalysis.Priors: Codable where Label: Codable {
    private enum CodingKeys: String, CodingKey { case empirical, equal, given }

    /// Reads `{"empirical": {}}`, `{"equal": {}}` or `{"given": {"priors": [label, π, …]}}`
    /// (Swift's dictionary encoding); given priors go through `validateValues(_:)`.
    /// - Throws: `DecodingError.dataCorrupted` for a prior that is not finite and ≥ 0, priors
    ///   that do not sum to 1, or not exactly one case.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let key = c.allKeys.first, c.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "expected exactly one of empirical, equal, given"))
        }
        switch key {
        case .empirical: self = .empirical
        case .equal: self = .equal
        case .given:
            let table = try c.nestedContainer(keyedBy: GivenKeys.self, forKey: .given).decode([Label: Double].self, forKey: .priors)
            try validatedDecoding(decoder) { () throws(PolytailError) in try Self.validateValues(table) }
            self = .given(table)
        }
    }

    private enum GivenKeys: String, CodingKey { case priors }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .empirical: _ = c.nestedContainer(keyedBy: GivenKeys.self, forKey: .empirical)
        case .equal: _ = c.nestedContainer(keyedBy: GivenKeys.self, forKey: .equal)
        case let .given(table):
            var nested = c.nestedContainer(keyedBy: GivenKeys.self, forKey: .given)
            try nested.encode(table, forKey: .priors)
        }
    }
}

extension ClassifierOptimizer: Codable {
    /// The stored form: the same cases and labels, Swift's synthesised JSON
    /// (`{"adam": {"epochs": 10, "batchSize": 32, "learningRate": 0.001, "tolerance": 0.0001}}`).
    private enum Stored: Codable {
        case lbfgs(maxIterations: Int, tolerance: Double)
        case adam(epochs: Int, batchSize: Int, learningRate: Double, tolerance: Double)
    }

    /// Decodes through `validate()`, the fit's own checks.
    /// - Throws: `DecodingError.dataCorrupted` for iterations, epochs or a batch size below 1,
    ///   a learning rate or tolerance that is not positive and finite.
    public init(from decoder: any Decoder) throws {
        let optimizer: ClassifierOptimizer
        switch try Stored(from: decoder) {
        case let .lbfgs(maxIterations, tolerance): optimizer = .lbfgs(maxIterations: maxIterations, tolerance: tolerance)
        case let .adam(epochs, batchSize, learningRate, tolerance):
            optimizer = .adam(epochs: epochs, batchSize: batchSize, learningRate: learningRate, tolerance: tolerance)
        }
        try validatedDecoding(decoder) { () throws(PolytailError) in try optimizer.validate() }
        self = optimizer
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case let .lbfgs(maxIterations, tolerance): try Stored.lbfgs(maxIterations: maxIterations, tolerance: tolerance).encode(to: encoder)
        case let .adam(epochs, batchSize, learningRate, tolerance):
            try Stored.adam(epochs: epochs, batchSize: batchSize, learningRate: learningRate, tolerance: tolerance).encode(to: encoder)
        }
    }
}

extension CSVReadOptions: Codable {
    private enum CodingKeys: String, CodingKey { case delimiter, missing, missingMarkers, concurrent }

    /// Reads `{"delimiter": ",", "missing": "error", "missingMarkers": ["NA"], "concurrent": true}`;
    /// the delimiter goes through the reader's own check.
    /// - Throws: `DecodingError.dataCorrupted` (its underlying error ``CSVError/invalidDelimiter(_:)``)
    ///   for a delimiter that is not one ASCII character other than a double quote, CR or LF.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .delimiter)
        do {
            guard let delimiter = text.first, text.count == 1 else { throw CSVError.invalidDelimiter(text) }
            _ = try CSVScanner.delimiterByte(delimiter)
            self.init(delimiter: delimiter, missing: try c.decode(MissingValues.self, forKey: .missing),
                      missingMarkers: try c.decode(Set<String>.self, forKey: .missingMarkers),
                      concurrent: try c.decode(Bool.self, forKey: .concurrent))
        } catch let error as CSVError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.delimiter],
                                                    debugDescription: error.description, underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(String(delimiter), forKey: .delimiter)
        try c.encode(missing, forKey: .missing)
        try c.encode(missingMarkers.sorted(), forKey: .missingMarkers)
        try c.encode(concurrent, forKey: .concurrent)
    }
}

extension SubstituteSettings: Codable {
    private enum CodingKeys: String, CodingKey { case hidden, output, epochs, batchSize, learningRate, weightDecay }

    /// Decodes through the checks the substitute's training runs: each hidden width a valid
    /// dense layer (1…2²⁴ outputs), and `Network.fit`'s own checks of epochs, batch size,
    /// learning rate and weight decay.
    /// - Throws: `DecodingError.dataCorrupted` naming the setting.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(hidden: try c.decode([Int].self, forKey: .hidden), output: try c.decode(OutputLayer.self, forKey: .output),
                  epochs: try c.decode(Int.self, forKey: .epochs), batchSize: try c.decode(Int.self, forKey: .batchSize),
                  learningRate: try c.decode(Double.self, forKey: .learningRate), weightDecay: try c.decode(Double.self, forKey: .weightDecay))
        let settings = self
        try validatedDecoding(decoder) { () throws(PolytailError) in
            for (i, width) in settings.hidden.enumerated() { try Layer.dense(outputs: width).validate(name: "hidden[\(i)]") }
            try Network.checkTrainingSettings(epochs: settings.epochs, batchSize: settings.batchSize, learningRate: settings.learningRate,
                                              weightDecay: settings.weightDecay, tolerance: 0)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hidden, forKey: .hidden)
        try c.encode(output, forKey: .output)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(weightDecay, forKey: .weightDecay)
    }
}
