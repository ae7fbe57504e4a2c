/// JSON persistence of importance weights: fit once, save, and weigh new points later.
///
/// Stored as `{"densities": {"family": "normal" | "studentT" | "multivariateNormal" |
/// "multivariateT", "source": …, "target": …}}`; each density decodes through its own
/// validating initialiser and the pair through ``ImportanceWeights/init(_:)``, so corrupt JSON
/// throws `DecodingError.dataCorrupted`. A fit is saved as `Fitted<ImportanceWeights>`:
/// `{"model": …, "result": …}`, the result holding both domains' results.
extension ImportanceDensities: Codable {
    enum CodingKeys: String, CodingKey { case family, source, target }

    enum FamilyName: String, Codable { case normal, studentT, multivariateNormal, multivariateT }

    /// - Throws: `DecodingError` for an unknown family, a density its initialiser rejects, or a
    ///   pair that cannot make weights (``ImportanceWeights/init(_:)``: multivariate densities
    ///   of different dimensions).
    public init(from decoder: any Decoder) throws {
        self = try Self.decodePair(decoder)
        let pair = self
        _ = try validatedDecoding(decoder) { () throws(PolytailError) in try ImportanceWeights(pair) }
    }

    private static func decodePair(_ decoder: any Decoder) throws -> ImportanceDensities {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let pair: ImportanceDensities
        switch try c.decode(FamilyName.self, forKey: .family) {
        case .normal:
            pair = .normal(source: try c.decode(Normal.self, forKey: .source), target: try c.decode(Normal.self, forKey: .target))
        case .studentT:
            pair = .studentT(source: try c.decode(StudentT.self, forKey: .source), target: try c.decode(StudentT.self, forKey: .target))
        case .multivariateNormal:
            pair = .multivariateNormal(source: try c.decode(MultivariateNormal.self, forKey: .source),
                                       target: try c.decode(MultivariateNormal.self, forKey: .target))
        case .multivariateT:
            pair = .multivariateT(source: try c.decode(MultivariateT.self, forKey: .source),
                                  target: try c.decode(MultivariateT.self, forKey: .target))
        }
        return pair
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .normal(s, t):
            try c.encode(FamilyName.normal, forKey: .family); try c.encode(s, forKey: .source); try c.encode(t, forKey: .target)
        case let .studentT(s, t):
            try c.encode(FamilyName.studentT, forKey: .family); try c.encode(s, forKey: .source); try c.encode(t, forKey: .target)
        case let .multivariateNormal(s, t):
            try c.encode(FamilyName.multivariateNormal, forKey: .family); try c.encode(s, forKey: .source); try c.encode(t, forKey: .target)
        case let .multivariateT(s, t):
            try c.encode(FamilyName.multivariateT, forKey: .family); try c.encode(s, forKey: .source); try c.encode(t, forKey: .target)
        }
    }
}

extension ImportanceWeights: Codable {
    enum CodingKeys: String, CodingKey { case densities }

    /// Decodes the densities and rebuilds the weights through the validating initialiser.
    /// (Files written before the fit results moved to `Fitted<ImportanceWeights>` carry
    /// `sourceFit`/`targetFit` keys beside the densities; they are ignored.)
    /// - Throws: `DecodingError.dataCorrupted` when the two densities differ in dimension
    ///   or a density is invalid.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let densities = try c.decode(ImportanceDensities.self, forKey: .densities)
        self = try validatedDecoding(decoder) { () throws(PolytailError) in try ImportanceWeights(densities) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(densities, forKey: .densities)
    }
}
