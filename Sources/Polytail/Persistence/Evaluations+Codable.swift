import Foundation

/// Evaluations persist beside the models they describe (a robustness report kept with its
/// network). What can be derived is not stored but recomputed on decoding, as the evaluation
/// computes it — a margin analysis's ratios (JSON has no infinity for a margin of 0), a
/// robustness summary's worst attack and the fraction surviving every attack — and the rest
/// is checked, so a corrupt file throws `DecodingError.dataCorrupted`.

extension MarginAnalysis: Codable {
    private enum CodingKeys: String, CodingKey { case margins, gradientNorms, runnerUps }

    /// Reads `{"margins": […], "gradientNorms": […], "runnerUps": […]}` and recomputes the
    /// ratios R = norm/margin (+∞ at a zero margin) as ``evaluate(_:observations:labels:)`` does.
    /// - Throws: `DecodingError.dataCorrupted` for arrays of different lengths, a margin that is
    ///   not finite, a gradient norm that is not finite and ≥ 0, or a negative runner-up class.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let margins = try c.decode([Double].self, forKey: .margins)
        let norms = try c.decode([Double].self, forKey: .gradientNorms)
        let runnerUps = try c.decode([Int].self, forKey: .runnerUps)
        try validatedDecoding(decoder) { () throws(PolytailError) in
            for (what, count) in [("gradientNorms", norms.count), ("runnerUps", runnerUps.count)] where count != margins.count {
                throw .dimensionMismatch(what: what, expected: margins.count, got: count)
            }
            if let r = margins.firstIndex(where: { !$0.isFinite }) {
                throw .invalidParameter(name: "margins[\(r)]", value: margins[r], requirement: "must be finite")
            }
            if let r = norms.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                throw .invalidParameter(name: "gradientNorms[\(r)]", value: norms[r], requirement: "must be finite and ≥ 0")
            }
            if let r = runnerUps.firstIndex(where: { $0 < 0 }) {
                throw .invalidParameter(name: "runnerUps[\(r)]", value: Double(runnerUps[r]), requirement: "must be a class index ≥ 0")
            }
        }
        self.init(margins: margins, gradientNorms: norms, ratios: zip(norms, margins).map(MarginAnalysis.ratio),
                  runnerUps: runnerUps)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(margins, forKey: .margins)
        try c.encode(gradientNorms, forKey: .gradientNorms)
        try c.encode(runnerUps, forKey: .runnerUps)
    }
}

extension RobustnessSummary: Codable {
    private enum CodingKeys: String, CodingKey { case clean, attacks, survivedEveryAttack }
    private struct Attack: Codable { var name: String; var accuracy: Double }

    /// Reads `{"clean": a, "attacks": [{"name": …, "accuracy": …}, …], "survivedEveryAttack": […]}`
    /// and recomputes the worst attack and the fraction surviving every attack as
    /// ``evaluate(_:observations:labels:attacks:)`` does.
    /// - Throws: `DecodingError.dataCorrupted` for no attack or no sample, an accuracy outside
    ///   [0, 1], or a survival fraction above the worst attack's accuracy.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let clean = try c.decode(Double.self, forKey: .clean)
        let attacks = try c.decode([Attack].self, forKey: .attacks).map { (name: $0.name, accuracy: $0.accuracy) }
        let survived = try c.decode([Bool].self, forKey: .survivedEveryAttack)
        let all = Double(survived.filter { $0 }.count) / Double(max(1, survived.count))
        self = try validatedDecoding(decoder) { () throws(PolytailError) -> RobustnessSummary in
            guard !attacks.isEmpty, !survived.isEmpty else { throw .emptyData }
            for (name, value) in [("clean", clean)] + attacks.map({ ("accuracy of \($0.name)", $0.accuracy) }) where !(value >= 0 && value <= 1) {
                throw .invalidParameter(name: name, value: value, requirement: "must be an accuracy in [0, 1]")
            }
            let worst = attacks.min(by: { $0.accuracy < $1.accuracy })!
            // A sample that survives every attack survives the worst one.
            guard all <= worst.accuracy + 1e-12 else {
                throw .invalidParameter(name: "fraction surviving every attack", value: all,
                                        requirement: "must be ≤ the worst attack's accuracy \(worst.accuracy)")
            }
            return RobustnessSummary(clean: clean, attacks: attacks, worst: worst, allAttacks: all, survivedEveryAttack: survived)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(clean, forKey: .clean)
        try c.encode(attacks.map { Attack(name: $0.name, accuracy: $0.accuracy) }, forKey: .attacks)
        try c.encode(survivedEveryAttack, forKey: .survivedEveryAttack)
    }
}
