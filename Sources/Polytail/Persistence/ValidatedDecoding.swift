/// Decoding is user input: every public `Codable` type decodes its stored fields and then
/// calls its validating initialiser through ``validatedDecoding(_:_:)``, so a corrupt or
/// hand-edited JSON file throws `DecodingError.dataCorrupted` (naming the coding path and
/// what the initialiser rejected) instead of building a value that traps or reads past the
/// end of an array later.

/// Runs a validating initialiser for a decoder, turning its ``PolytailError`` into
/// `DecodingError.dataCorrupted` at the decoder's coding path.
///
/// - Parameters:
///   - decoder: the decoder whose coding path names the corrupt value.
///   - make: the validating initialiser (or any check) to run.
/// - Returns: what `make` returns.
/// - Throws: `DecodingError.dataCorrupted` whose `underlyingError` is the ``PolytailError``.
func validatedDecoding<T>(_ decoder: any Decoder, _ make: () throws(PolytailError) -> T) throws(DecodingError) -> T {
    do {
        return try make()
    } catch {
        throw DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
    }
}

/// JSON has no infinity: a degrees-of-freedom value or bound that may be +∞ (the normal
/// limit) is written as the string `"Infinity"` and any finite value as a number. One
/// encoding for `StudentT`, `MultivariateT` and `DegreesOfFreedomRule`.
extension KeyedEncodingContainer {
    /// Writes `value`, or the string `"Infinity"` when it is +∞.
    mutating func encodeAllowingInfinity(_ value: Double, forKey key: Key) throws {
        if value == .infinity { try encode("Infinity", forKey: key) } else { try encode(value, forKey: key) }
    }
}

extension KeyedDecodingContainer {
    /// Reads what ``KeyedEncodingContainer/encodeAllowingInfinity(_:forKey:)`` writes: a
    /// number, or the string `"Infinity"` for +∞.
    /// - Throws: `DecodingError.dataCorrupted` for any other string.
    func decodeAllowingInfinity(forKey key: Key) throws -> Double {
        if let text = try? decode(String.self, forKey: key) {
            guard text == "Infinity" else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                       debugDescription: "\(key.stringValue) must be a number or \"Infinity\", got \"\(text)\"")
            }
            return .infinity
        }
        return try decode(Double.self, forKey: key)
    }
}
