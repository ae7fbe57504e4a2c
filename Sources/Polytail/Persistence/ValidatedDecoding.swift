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
