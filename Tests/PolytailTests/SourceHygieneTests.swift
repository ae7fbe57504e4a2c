import Foundation
import Testing

/// Rules about the source tree itself that a reviewer would otherwise check by hand.
@Suite("Source hygiene")
struct SourceHygieneTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // PolytailTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the package
        .appendingPathComponent("Sources")

    /// Every Swift file below `Sources/`, as (path relative to it, text).
    static func swiftFiles() throws -> [(path: String, text: String)] {
        let root = sources.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [(String, String)] = []
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            files.append((relative, try String(contentsOfFile: root + "/" + relative, encoding: .utf8)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    @Test("raw pointers only in Interop/ and in files that say why (a documented hot loop or C interop)")
    func rawPointersAreDocumented() throws {
        let files = try Self.swiftFiles()
        #expect(files.count > 50)
        let pointer = /Unsafe[A-Za-z]*Pointer|withUnsafe/
        var undocumented: [String] = []
        for (path, text) in files where !path.hasPrefix("Polytail/Interop/") && text.contains(pointer) {
            if !text.localizedCaseInsensitiveContains("documented raw-pointer use") { undocumented.append(path) }
        }
        #expect(undocumented.isEmpty, "raw pointers without a comment saying why: \(undocumented)")
    }

    @Test("log √(2π) is written once (Normal.logRootTwoPi)")
    func logRootTwoPiOnce() throws {
        let literal = try Self.swiftFiles().filter { $0.text.contains("0.918938533204672") }.map(\.path)
        #expect(literal == ["Polytail/Distributions/Normal.swift"])
    }
}
