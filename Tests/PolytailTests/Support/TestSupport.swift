import Foundation
import Testing

/// Reference tables live in Tests/Fixtures, each made by a committed script there.
enum Fixtures {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // PolytailTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Decodes a JSON fixture. Non-finite numbers are written by the generators as the
    /// strings "nan", "inf" and "-inf" (see `decodeDouble`).
    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let data = try Data(contentsOf: url(name))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// Subnormal test values, spelt without a decimal literal: the compiler warns that a literal
/// such as `1e-310` "underflows and loses precision during conversion to 'Double'".
enum Subnormal {
    /// 2⁻¹⁰⁷⁴ ≈ 4.94·10⁻³²⁴, the smallest positive double (what the literal 5e-324 gives).
    static let smallest = Double.leastNonzeroMagnitude
    /// The double nearest 10⁻³¹⁰.
    static let tenToMinus310 = Double("1e-310")!
    /// k·2⁻¹⁰⁷⁴ (1e-323 gives k = 2, 1.5e-323 k = 3, 2e-323 k = 4, 3e-323 k = 6).
    static func multiple(_ k: Int) -> Double { Double(k) * .leastNonzeroMagnitude }
}

/// Tolerances are stated once, here, and used by name.
enum Tolerance {
    /// |a − b| / max(|b|, tiny): relative error against reference b.
    static func relativeError(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        if a.isNaN || b.isNaN { return .infinity }
        return abs(a - b) / max(abs(b), Double.leastNormalMagnitude)
    }

    /// True when a is within `relative` of b, or within `absolute` of it.
    static func isClose(_ a: Double, _ b: Double, relative: Double, absolute: Double = 0) -> Bool {
        if a == b { return true }
        if a.isNaN || b.isNaN { return false }
        return abs(a - b) <= absolute || relativeError(a, b) <= relative
    }
}

/// Expects `body` to throw exactly `expected`.
func expectError<E: Error & Equatable, R>(
    _ expected: E, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R
) {
    do {
        _ = try body()
        Issue.record("expected \(expected) but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as E {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected) but got \(error)", sourceLocation: sourceLocation)
    }
}
