import Foundation
import Polytail

// The bundled data sets, kept out of the core statistics target: the UCI digits table is a
// 1,800-line literal (Scripts/Data/export_digits.py writes UCIDigitsData.swift).

extension DigitImages {
    /// The 1,797 UCI handwritten digits (8 × 8 pixels) shipped inside the library.
    ///
    /// Source: "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak
    /// (1998), UCI Machine Learning Repository, licence CC BY 4.0 — the copy in
    /// scikit-learn (`sklearn.datasets.load_digits`), exported once by
    /// Scripts/Data/export_digits.py. Each pixel is a count 0…16 of set cells in a 4 × 4
    /// block of the original 32 × 32 bitmap; it is returned as count / 16 ∈ [0, 1].
    /// Labels are 0…9, about 180 images per class, in scikit-learn's order.
    ///
    /// Needs no file: the data are compiled into this module (a string literal, not a SwiftPM
    /// resource, so a binary copied out of `.build` still finds them). Their SHA-256 is
    /// recorded in ``bundledUCIDigest`` and checked by the tests.
    /// - Returns: 1,797 images of 8 × 8 pixels with their labels.
    /// - Throws: `PolytailError.dimensionMismatch` only if the embedded table is damaged.
    /// - Complexity: O(1,797 · 64); about a millisecond in a release build.
    public static func bundledUCI() throws(PolytailError) -> DigitImages {
        let n = UCIDigitsData.count
        let pixels = UCIDigitsData.rows * UCIDigitsData.columns
        var elements = [Double]()
        elements.reserveCapacity(n * pixels)
        var labels = [Int]()
        labels.reserveCapacity(n)
        var line = 0
        var field = 0  // 0: label, 1: colon, 2...: pixels
        for byte in UCIDigitsData.text.utf8 {
            if byte == UInt8(ascii: "\n") {
                guard field == pixels + 2 else {
                    throw .dimensionMismatch(what: "bundled digits: pixels on line \(line + 1)", expected: pixels, got: max(field - 2, 0))
                }
                line += 1
                field = 0
                continue
            }
            switch field {
            case 0:
                guard let d = digit(byte), d < 10 else { throw .unknownLabel("bundled digits, line \(line + 1)") }
                labels.append(d)
            case 1:
                guard byte == UInt8(ascii: ":") else { throw .dimensionMismatch(what: "bundled digits: label on line \(line + 1)", expected: 1, got: 2) }
            default:
                guard let d = digit(byte), d <= 16, field < pixels + 2 else {
                    throw .dimensionMismatch(what: "bundled digits: pixels on line \(line + 1)", expected: pixels, got: field - 1)
                }
                elements.append(Double(d) / 16)
            }
            field += 1
        }
        if field != 0 {
            guard field == pixels + 2 else {
                throw .dimensionMismatch(what: "bundled digits: pixels on line \(line + 1)", expected: pixels, got: max(field - 2, 0))
            }
            line += 1
        }
        guard line == n else { throw .dimensionMismatch(what: "bundled digits: images", expected: n, got: line) }
        return try DigitImages(images: Matrix(rows: n, columns: pixels, elements: elements),
                               labels: labels, height: UCIDigitsData.rows, width: UCIDigitsData.columns)
    }

    /// The recorded SHA-256 (hex) of ``bundledUCI()``'s canonical bytes: the pixel counts
    /// 0…16 (pixel · 16) as uint8, image by image and row by row, then the labels as uint8 —
    /// the digest `hashlib.sha256(X.astype(uint8).tobytes() + y.astype(uint8).tobytes())` of
    /// scikit-learn's `load_digits()`. A test recomputes it from the decoded data, so any change
    /// to the table fails.
    public static var bundledUCIDigest: String { UCIDigitsData.sha256 }

    /// The value of a base-17 digit "0"…"9", "A"…"G".
    private static func digit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "G"): return Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }
}
