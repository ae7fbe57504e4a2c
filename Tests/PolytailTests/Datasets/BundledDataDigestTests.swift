import Foundation
import Testing
import Polytail
import PolytailDatasets

/// The bundled data cannot change unnoticed: their canonical bytes hash to the digest recorded
/// in PolytailDatasets and to the one scikit-learn's `load_digits()` gives
/// (Tests/Fixtures/make_digits.py).
@Suite("Bundled data sets: recorded SHA-256")
struct BundledDataDigestTests {
    private struct Digest: Decodable { let sha256: String }

    @Test("the test's SHA-256 reproduces the FIPS 180-4 examples")
    func hashAgreesWithStandardVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("the UCI digits hash to their recorded digest and to scikit-learn's")
    func uciDigitsDigest() throws {
        let digits = try DigitImages.bundledUCI()
        // Canonical bytes: pixel counts 0…16 as uint8, image by image and row by row, then the labels.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.images.elements.count + digits.count)
        for v in digits.images.elements {
            let count = v * 16
            #expect(count == count.rounded() && (0...16).contains(count))
            bytes.append(UInt8(count))
        }
        for y in digits.labels { bytes.append(UInt8(y)) }
        let digest = SHA256.hex(bytes)
        #expect(digest == DigitImages.bundledUCIDigest)
        let sklearn: Digest = try Fixtures.load("digits.json")
        #expect(digest == sklearn.sha256)
        // One changed pixel changes the digest.
        bytes[100] ^= 1
        #expect(SHA256.hex(bytes) != DigitImages.bundledUCIDigest)
    }
}
