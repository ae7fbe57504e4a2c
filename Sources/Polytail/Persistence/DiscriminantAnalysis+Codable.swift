import Foundation

extension DiscriminantAnalysis.ClassConditional: Codable {
    private enum CodingKeys: String, CodingKey { case family, distribution }

    /// Decodes `{"family": "normal" | "t", "distribution": {…}}` through the distributions'
    /// validating initialisers.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .family) {
        case "normal": self = .normal(try c.decode(MultivariateNormal.self, forKey: .distribution))
        case "t": self = .studentT(try c.decode(MultivariateT.self, forKey: .distribution))
        case let other:
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.family],
                debugDescription: "unknown class-conditional family \"\(other)\" (normal or t)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .normal(n):
            try c.encode("normal", forKey: .family)
            try c.encode(n, forKey: .distribution)
        case let .studentT(t):
            try c.encode("t", forKey: .family)
            try c.encode(t, forKey: .distribution)
        }
    }
}

/// A fitted discriminant analysis persists as JSON (`polytail lda --save-model`): the class
/// labels, priors, class conditionals and whether the scatter is shared (encode the
/// ``Fitted`` value to keep the ``FitResult`` beside it; a `result` member written by earlier
/// versions inside the model is ignored).
/// Decoding is user input: it goes through the validating initialiser and throws
/// `DecodingError.dataCorrupted` — never traps — for labels that are not distinct and
/// ascending, priors that are not finite, non-negative and summing to 1 (within 1e-9),
/// counts that disagree, class conditionals of mixed families or dimensions, a "shared"
/// scatter that differs between classes, and any matrix the distributions reject.
extension DiscriminantAnalysis: Codable where Label: Codable {
    private enum CodingKeys: String, CodingKey { case classLabels, priors, conditionals, sharedScatter }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let labels = try c.decode([Label].self, forKey: .classLabels)
        let priors = try c.decode([Double].self, forKey: .priors)
        let conditionals = try c.decode([ClassConditional].self, forKey: .conditionals)
        let shared = try c.decode(Bool.self, forKey: .sharedScatter)
        func corrupt(_ why: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "discriminant analysis: \(why)"))
        }
        let k = labels.count
        guard k >= 2 else { throw corrupt("needs at least two class labels, got \(k)") }
        guard zip(labels, labels.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw corrupt("class labels must be distinct and in ascending order")
        }
        guard priors.count == k, conditionals.count == k else {
            throw corrupt("\(k) class labels but \(priors.count) priors and \(conditionals.count) class conditionals")
        }
        guard priors.allSatisfy({ $0.isFinite && $0 >= 0 }), abs(priors.reduce(0, +) - 1) <= 1e-9 else {
            throw corrupt("priors must be finite, non-negative and sum to 1")
        }
        let dimension = conditionals[0].location.count
        let normal = { (c: ClassConditional) -> Bool in if case .normal = c { return true } else { return false } }
        guard conditionals.allSatisfy({ $0.location.count == dimension && normal($0) == normal(conditionals[0]) }) else {
            throw corrupt("class conditionals must share one family and one dimension")
        }
        if shared {
            let matrices = conditionals.map { c -> Matrix in
                switch c {
                case let .normal(n): return n.covariance
                case let .studentT(t): return t.scatter
                }
            }
            guard matrices.allSatisfy({ $0 == matrices[0] }) else { throw corrupt("a shared scatter differs between classes") }
        }
        self = try validatedDecoding(decoder) { () throws(PolytailError) in
            try DiscriminantAnalysis(classLabels: labels, priors: priors, conditionals: conditionals, shared: shared)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(classLabels, forKey: .classLabels)
        try c.encode(priors, forKey: .priors)
        try c.encode(conditionals, forKey: .conditionals)
        try c.encode(kernel.mode != .perClass, forKey: .sharedScatter)
    }
}
