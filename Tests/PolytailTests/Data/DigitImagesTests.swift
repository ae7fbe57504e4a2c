import Foundation
import Testing
@testable import Polytail
import PolytailDatasets

/// Tolerances for this file. Pixel values are count/16 or byte/255: exact in binary
/// floating point up to one rounding, so comparisons are tight.
extension Tolerance {
    /// Mean image against numpy's mean of counts/16 (1,797 terms summed in different orders).
    static let digitsMean = 1e-13
    /// A pixel after a byte round trip: |p − ⌊255p + ½⌋/255| ≤ 1/510.
    static let idxRoundTrip = 1.0 / 510 + 1e-15
}

private struct DigitsFixture: Decodable {
    let count: Int
    let rows: Int
    let columns: Int
    let labels: [Int]
    let pixelSums: [Int]
    let pixelWeightedSums: [Int]
    let classCounts: [Int]
    let firstImage: [Int]
    let meanImage: [Double]
    let idxImagesFirst5Hex: String
    let idxLabelsFirst5Hex: String
}

private func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = hex.makeIterator()
    while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
    return out
}

/// Fresh empty folders under the temporary directory, removed with their contents when
/// the owner (a test suite instance, made anew for each test) goes away.
private final class ScratchFolders {
    private var made: [String] = []

    func make() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polytail-digits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        made.append(url.path)
        return url.path
    }

    deinit { for path in made { try? FileManager.default.removeItem(atPath: path) } }
}

/// The pixel counts 0…16 of an image scaled by 1/16.
private func counts(_ d: DigitImages, row i: Int) -> [Int] {
    (0..<d.images.columns).map { Int((d.images[i, $0] * 16).rounded()) }
}

/// Writes raw bytes, optionally gzipped, through the library's own zlib wrapper.
private func writeRaw(_ bytes: [UInt8], _ path: String, gzip: Bool = false) throws {
    try Gzip.write(bytes, to: path, compressed: gzip)
}

/// A small synthetic set whose first pixel identifies the image (i / 255 for image i).
private func numbered(_ labels: [Int], rows: Int = 2, columns: Int = 3) throws -> DigitImages {
    let width = rows * columns
    var e = [Double](repeating: 0, count: labels.count * width)
    for i in labels.indices {
        e[i * width] = Double(i % 256) / 255
        for j in 1..<width { e[i * width + j] = Double((i * 7 + j * 13) % 256) / 255 }
    }
    return try DigitImages(images: Matrix(rows: labels.count, columns: width, elements: e), labels: labels, height: rows, width: columns)
}

@Suite("Bundled UCI digits")
struct BundledDigitsTests {
    private let fixture: DigitsFixture = try! Fixtures.load("digits.json")

    @Test func matchesScikitLearn() throws {
        let d = try DigitImages.bundledUCI()
        #expect(d.count == fixture.count)
        #expect(d.height == fixture.rows && d.width == fixture.columns)
        #expect(d.images.rows == 1797 && d.images.columns == 64)
        #expect(d.labels == fixture.labels)
        #expect(counts(d, row: 0) == fixture.firstImage)
        var sums: [Int] = [], weighted: [Int] = []
        for i in 0..<d.count {
            let c = counts(d, row: i)
            sums.append(c.reduce(0, +))
            weighted.append(c.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element })
        }
        #expect(sums == fixture.pixelSums)
        #expect(weighted == fixture.pixelWeightedSums)
        var classCounts = [Int](repeating: 0, count: 10)
        for y in d.labels { classCounts[y] += 1 }
        #expect(classCounts == fixture.classCounts)
    }

    @Test func pixelsAreCountsOverSixteen() throws {
        let d = try DigitImages.bundledUCI()
        for v in d.images.elements {
            #expect(v >= 0 && v <= 1)
            #expect((v * 16).rounded() == v * 16)
        }
        for j in 0..<64 {
            var mean = 0.0
            for i in 0..<d.count { mean += d.images[i, j] }
            mean /= Double(d.count)
            #expect(Tolerance.isClose(mean, fixture.meanImage[j], relative: Tolerance.digitsMean, absolute: Tolerance.digitsMean))
        }
    }

    @Test func isDeterministic() throws {
        #expect(try DigitImages.bundledUCI() == DigitImages.bundledUCI())
    }
}

@Suite("MNIST IDX files")
struct IDXTests {
    private let scratch = ScratchFolders()
    private let fixture: DigitsFixture = try! Fixtures.load("digits.json")

    private func firstFive() throws -> DigitImages {
        try DigitImages.bundledUCI().subset(Array(0..<5))
    }

    @Test func writerMatchesPythonStructBytes() throws {
        let folder = try scratch.make()
        let paths = try firstFive().writeIDX(folder: folder, split: .test)
        #expect(paths.images.hasSuffix("t10k-images-idx3-ubyte"))
        #expect(paths.labels.hasSuffix("t10k-labels-idx1-ubyte"))
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: paths.images))) == hexBytes(fixture.idxImagesFirst5Hex))
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: paths.labels))) == hexBytes(fixture.idxLabelsFirst5Hex))
    }

    @Test(arguments: [false, true])
    func roundTrip(gzip: Bool) throws {
        let folder = try scratch.make()
        let original = try firstFive()
        let paths = try original.writeIDX(folder: folder, split: .train, gzip: gzip)
        let header = [UInt8](try Data(contentsOf: URL(fileURLWithPath: paths.images)).prefix(2))
        #expect((header == [0x1f, 0x8b]) == gzip)
        let back = try DigitImages.mnist(folder: folder, split: .train)
        #expect(back.labels == original.labels)
        #expect(back.height == 8 && back.width == 8)
        for (a, b) in zip(back.images.elements, original.images.elements) {
            #expect(abs(a - b) <= Tolerance.idxRoundTrip)
            #expect((a * 255).rounded() == a * 255)
        }
        // The URL overload reads the same.
        #expect(try DigitImages.mnist(folder: URL(fileURLWithPath: folder), split: .train) == back)
    }

    @Test func pythonBytesReadBack() throws {
        // Files written by Python's struct module (not by our writer), one of them gzipped.
        let folder = try scratch.make()
        try writeRaw(hexBytes(fixture.idxImagesFirst5Hex), folder + "/t10k-images-idx3-ubyte.gz", gzip: true)
        try writeRaw(hexBytes(fixture.idxLabelsFirst5Hex), folder + "/t10k-labels-idx1-ubyte")
        let d = try DigitImages.mnist(folder: folder, split: .test)
        #expect(d.labels == Array(fixture.labels.prefix(5)))
        let pixels = Array(hexBytes(fixture.idxImagesFirst5Hex).dropFirst(16))
        #expect(d.images.elements == pixels.map { Double($0) / 255 })
    }

    @Test func dottedFileNamesAreFound() throws {
        let folder = try scratch.make()
        try writeRaw(hexBytes(fixture.idxImagesFirst5Hex), folder + "/train-images.idx3-ubyte")
        try writeRaw(hexBytes(fixture.idxLabelsFirst5Hex), folder + "/train-labels.idx1-ubyte.gz", gzip: true)
        #expect(try DigitImages.mnist(folder: folder, split: .train).count == 5)
    }

    @Test func limitKeepsTheFirstImages() throws {
        let folder = try scratch.make()
        let original = try firstFive()
        try original.writeIDX(folder: folder, split: .train, gzip: true)
        let two = try DigitImages.mnist(folder: folder, split: .train, limit: 2)
        let all = try DigitImages.mnist(folder: folder, split: .train)
        #expect(two == (try all.subset([0, 1])))
        #expect(try DigitImages.mnist(folder: folder, split: .train, limit: 99) == all)
        #expect(try DigitImages.mnist(folder: folder, split: .train, limit: 0).count == 0)
    }

    @Test func concatenatedGzipMembersAreRead() throws {
        // gunzip reads a file of several gzip members as their concatenation; so do we.
        let folder = try scratch.make()
        let bytes = hexBytes(fixture.idxImagesFirst5Hex)
        try writeRaw(Array(bytes.prefix(100)), folder + "/a.gz", gzip: true)
        try writeRaw(Array(bytes.dropFirst(100)), folder + "/b.gz", gzip: true)
        let joined = try Data(contentsOf: URL(fileURLWithPath: folder + "/a.gz")) + Data(contentsOf: URL(fileURLWithPath: folder + "/b.gz"))
        try joined.write(to: URL(fileURLWithPath: folder + "/t10k-images-idx3-ubyte.gz"))
        try writeRaw(hexBytes(fixture.idxLabelsFirst5Hex), folder + "/t10k-labels-idx1-ubyte")
        #expect(try DigitImages.mnist(folder: folder, split: .test).count == 5)
    }
}

@Suite("MNIST IDX errors")
struct IDXErrorTests {
    private let scratch = ScratchFolders()
    private let fixture: DigitsFixture = try! Fixtures.load("digits.json")
    private var images: [UInt8] { hexBytes(fixture.idxImagesFirst5Hex) }
    private var labels: [UInt8] { hexBytes(fixture.idxLabelsFirst5Hex) }

    /// A folder with the given test-split image and label bytes (nil: no file).
    private func folder(images: [UInt8]?, labels: [UInt8]?, gzipImages: Bool = false) throws -> String {
        let f = try scratch.make()
        if let images { try writeRaw(images, f + "/t10k-images-idx3-ubyte" + (gzipImages ? ".gz" : ""), gzip: gzipImages) }
        if let labels { try writeRaw(labels, f + "/t10k-labels-idx1-ubyte") }
        return f
    }

    private func read(_ f: String) throws(DataError) -> DigitImages { try DigitImages.mnist(folder: f, split: .test) }

    @Test func missingFiles() throws {
        let f = try folder(images: nil, labels: labels)
        expectError(DataError.missingFile(folder: f, triedNames: DigitImages.MNISTSplit.test.imageFileNames)) { try read(f) }
        let g = try folder(images: images, labels: nil)
        expectError(DataError.missingFile(folder: g, triedNames: DigitImages.MNISTSplit.test.labelFileNames)) { try read(g) }
        expectError(DataError.missingFile(folder: "/no/such/folder", triedNames: DigitImages.MNISTSplit.train.imageFileNames)) {
            try DigitImages.mnist(folder: "/no/such/folder", split: .train)
        }
    }

    @Test func badMagic() throws {
        // The label file where the images belong, and vice versa.
        let f = try folder(images: labels, labels: labels)
        expectError(DataError.badMagic(path: f + "/t10k-images-idx3-ubyte", expected: 0x803, got: 0x801)) { try read(f) }
        let g = try folder(images: images, labels: images)
        expectError(DataError.badMagic(path: g + "/t10k-labels-idx1-ubyte", expected: 0x801, got: 0x803)) { try read(g) }
        // A PNG's first bytes.
        let h = try folder(images: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], labels: labels)
        expectError(DataError.badMagic(path: h + "/t10k-images-idx3-ubyte", expected: 0x803, got: 0x8950_4e47)) { try read(h) }
    }

    @Test func truncatedFiles() throws {
        let path = "/t10k-images-idx3-ubyte"
        let cut = try folder(images: Array(images.dropLast(10)), labels: labels)
        expectError(DataError.truncated(path: cut + path, expectedBytes: 16 + 5 * 64, gotBytes: 16 + 5 * 64 - 10)) { try read(cut) }
        let header = try folder(images: Array(images.prefix(9)), labels: labels)
        expectError(DataError.truncated(path: header + path, expectedBytes: 16, gotBytes: 9)) { try read(header) }
        let tiny = try folder(images: [0, 0], labels: labels)
        expectError(DataError.truncated(path: tiny + path, expectedBytes: 16, gotBytes: 2)) { try read(tiny) }
        let empty = try folder(images: [], labels: labels)
        expectError(DataError.truncated(path: empty + path, expectedBytes: 16, gotBytes: 0)) { try read(empty) }
    }

    @Test func truncatedGzip() throws {
        let f = try folder(images: images, labels: labels, gzipImages: true)
        let url = URL(fileURLWithPath: f + "/t10k-images-idx3-ubyte.gz")
        let whole = try Data(contentsOf: url)
        // Cut inside the deflate stream: fewer bytes than announced arrive.
        try whole.prefix(whole.count / 2).write(to: url)
        do {
            _ = try read(f)
            Issue.record("a truncated gzip file was read")
        } catch let DataError.truncated(path, expected, got) {
            #expect(path == url.path)
            #expect(expected == 16 + 5 * 64)
            #expect(got < expected)
        }
        // Cut inside the 8-byte trailer: every data byte arrives, the CRC does not.
        try whole.prefix(whole.count - 4).write(to: url)
        #expect(throws: DataError.corruptCompressedData(path: url.path, reason: "the gzip stream ends before its trailer")) { try read(f) }
    }

    @Test func corruptGzip() throws {
        let f = try folder(images: images, labels: labels, gzipImages: true)
        let url = URL(fileURLWithPath: f + "/t10k-images-idx3-ubyte.gz")
        var bytes = [UInt8](try Data(contentsOf: url))
        // Damage the CRC-32 in the trailer.
        bytes[bytes.count - 6] ^= 0xff
        try Data(bytes).write(to: url)
        do {
            _ = try read(f)
            Issue.record("a gzip file with a bad CRC was read")
        } catch let DataError.corruptCompressedData(path, reason) {
            #expect(path == url.path)
            #expect(!reason.isEmpty)
        }
    }

    @Test func trailingData() throws {
        let f = try folder(images: images + [1, 2, 3], labels: labels)
        expectError(DataError.trailingData(path: f + "/t10k-images-idx3-ubyte", expectedBytes: 336, gotBytes: 339)) { try read(f) }
    }

    @Test func zeroDimension() throws {
        var bad = images
        bad[12...15] = [0, 0, 0, 0]  // columns = 0
        let f = try folder(images: bad, labels: labels)
        expectError(DataError.badDimensions(path: f + "/t10k-images-idx3-ubyte", dimensions: [5, 8, 0])) { try read(f) }
    }

    @Test func countMismatch() throws {
        let f = try folder(images: images, labels: [0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 4])
        expectError(DataError.countMismatch(images: 5, labels: 4)) { try read(f) }
    }

    @Test func labelOutOfRange() throws {
        var bad = labels
        bad[8 + 3] = 10
        let f = try folder(images: images, labels: bad)
        expectError(DataError.labelOutOfRange(item: 3, label: 10)) { try read(f) }
    }

    @Test func unreadable() throws {
        // A directory where the file should be.
        let f = try folder(images: nil, labels: labels)
        try FileManager.default.createDirectory(atPath: f + "/t10k-images-idx3-ubyte", withIntermediateDirectories: false)
        do {
            _ = try read(f)
            Issue.record("a directory was read as an IDX file")
        } catch let DataError.unreadable(path, reason) {
            #expect(path == f + "/t10k-images-idx3-ubyte")
            #expect(!reason.isEmpty)
        }
    }

    @Test func negativeLimit() throws {
        let f = try folder(images: images, labels: labels)
        expectError(DataError.invalidArgument("limit must be non-negative, got -1")) {
            try DigitImages.mnist(folder: f, split: .test, limit: -1)
        }
    }

    @Test func writingBadLabelsOrToAMissingFolder() throws {
        let d = try numbered([0, 12])
        expectError(DataError.invalidArgument("IDX digit labels must lie in 0…9, got 12")) {
            try d.writeIDX(folder: try scratch.make(), split: .train)
        }
        let ok = try numbered([0, 1])
        do {
            try ok.writeIDX(folder: "/no/such/folder", split: .train)
            Issue.record("wrote into a missing folder")
        } catch let DataError.unreadable(path, _) {
            #expect(path == "/no/such/folder/train-images-idx3-ubyte")
        }
    }

    @Test(arguments: [
        DataError.missingFile(folder: "/d", triedNames: ["a", "b"]),
        .unreadable(path: "/p", reason: "Permission denied"),
        .corruptCompressedData(path: "/p", reason: "incorrect data check"),
        .badMagic(path: "/p", expected: 0x803, got: 0x801),
        .badDimensions(path: "/p", dimensions: [5, 0, 8]),
        .truncated(path: "/p", expectedBytes: 16, gotBytes: 3),
        .trailingData(path: "/p", expectedBytes: 16, gotBytes: 19),
        .countMismatch(images: 5, labels: 4),
        .labelOutOfRange(item: 3, label: 10),
        .invalidArgument("limit"),
    ])
    func descriptionsAreOneLine(error: DataError) {
        #expect(!error.description.isEmpty)
        #expect(!error.description.contains("\n"))
    }

    @Test func magicIsPrintedInHex() {
        #expect(DataError.badMagic(path: "/p", expected: 0x803, got: 0x801).description
            == "/p is not the expected IDX file: magic number 0x00000801, expected 0x00000803")
    }
}

@Suite("Digit subsets and splits")
struct DigitSubsetTests {
    private let fixture: DigitsFixture = try! Fixtures.load("digits.json")

    @Test func filterRelabels() throws {
        let d = try DigitImages.bundledUCI()
        let f = try d.filter(classLabels: [7, 3], relabel: true)
        #expect(f.count == fixture.classCounts[7] + fixture.classCounts[3])
        #expect(f.classLabels == [0, 1] && f.classCount == 2)
        let kept = d.labels.indices.filter { d.labels[$0] == 3 || d.labels[$0] == 7 }
        #expect(f.labels == kept.map { d.labels[$0] == 7 ? 0 : 1 })
        #expect(f.images == (try d.subset(kept)).images)
        let raw = try d.filter(classLabels: [7, 3])
        #expect(raw.classLabels == [3, 7])
        #expect(raw.images == f.images)
    }

    @Test func filterErrors() throws {
        let d = try DigitImages.bundledUCI()
        expectError(PolytailError.emptyData) { try d.filter(classLabels: []) }
        expectError(PolytailError.invalidParameter(name: "classes", value: 3, requirement: "each class may be listed once")) {
            try d.filter(classLabels: [3, 4, 3])
        }
        expectError(PolytailError.unknownLabel("11")) { try d.filter(classLabels: [1, 11]) }
        expectError(PolytailError.invalidParameter(name: "index", value: 1797, requirement: "must lie in 0..<1797")) {
            try d.subset([0, 1797])
        }
    }

    @Test(arguments: [(0.25, UInt64(1)), (0.5, 7), (0.1, 2022)])
    func splitIsStratifiedAndComplete(fraction: Double, seed: UInt64) throws {
        let labels = (0..<200).map { $0 % 3 == 0 ? 0 : ($0 % 3 == 1 ? 1 : 5) } + [9]  // class 9 has one image
        let d = try numbered(labels)
        let (train, test) = try d.splitSeeded(testFraction: fraction, seed: seed)
        #expect(train.count + test.count == d.count)
        // Every image lands in exactly one part (the first pixel identifies it).
        let ids = (train.images.rowArrays + test.images.rowArrays).map { Int(($0[0] * 255).rounded()) }
        #expect(ids.sorted() == Array(0..<d.count))
        for c in [0, 1, 5] {
            let n = labels.filter { $0 == c }.count
            let expected = Int((fraction * Double(n)).rounded(.toNearestOrAwayFromZero))
            #expect(test.labels.filter { $0 == c }.count == expected)
        }
        #expect(!test.labels.contains(9) && train.labels.contains(9))
        // Original order is kept within each part.
        let trainIds = train.images.rowArrays.map { Int(($0[0] * 255).rounded()) }
        #expect(trainIds == trainIds.sorted())
        // Same seed, same split; another seed, another split.
        #expect(try d.splitSeeded(testFraction: fraction, seed: seed) == (train, test))
        #expect(try d.splitSeeded(testFraction: fraction, seed: seed + 1).test != test)
    }

    @Test func splitKeepsEachClassInBothParts() throws {
        let d = try numbered([0, 0, 1, 1, 1])
        for f in [0.01, 0.99] {
            let (train, test) = try d.splitSeeded(testFraction: f, seed: 3)
            #expect(Set(train.labels) == [0, 1] && Set(test.labels) == [0, 1])
        }
    }

    @Test func splitOfTheBundledDigits() throws {
        let (train, test) = try DigitImages.bundledUCI().splitSeeded(testFraction: 0.25, seed: 42)
        #expect(train.count + test.count == 1797)
        for c in 0..<10 {
            let expected = Int((0.25 * Double(fixture.classCounts[c])).rounded(.toNearestOrAwayFromZero))
            #expect(test.labels.filter { $0 == c }.count == expected)
        }
    }

    @Test(arguments: [0.0, 1.0, -0.1, 1.5])
    func splitRejectsFraction(_ f: Double) throws {
        let d = try numbered([0, 1])
        expectError(PolytailError.invalidParameter(name: "testFraction", value: f, requirement: "must lie strictly between 0 and 1")) {
            try d.splitSeeded(testFraction: f, seed: 1)
        }
    }

    @Test func splitRejectsNaNAndEmptyData() throws {
        let d = try numbered([0, 1])
        do {
            _ = try d.splitSeeded(testFraction: .nan, seed: 1)
            Issue.record("NaN fraction accepted")
        } catch let PolytailError.invalidParameter(name, value, _) {
            #expect(name == "testFraction" && value.isNaN)
        }
        let empty = try numbered([])
        expectError(PolytailError.emptyData) { try empty.splitSeeded(testFraction: 0.5, seed: 1) }
    }

    @Test func initValidates() throws {
        let m = try Matrix(rows: 2, columns: 4, elements: [0, 0.5, 1, 0, 0, 0, 0, 0])
        expectError(PolytailError.dimensionMismatch(what: "pixels per image", expected: 6, got: 4)) {
            try DigitImages(images: m, labels: [0, 1], height: 2, width: 3)
        }
        expectError(PolytailError.dimensionMismatch(what: "number of labels", expected: 2, got: 1)) {
            try DigitImages(images: m, labels: [0], height: 2, width: 2)
        }
        expectError(PolytailError.invalidParameter(name: "height/width", value: 0, requirement: "must be at least 1")) {
            try DigitImages(images: m, labels: [0, 1], height: 0, width: 4)
        }
        var bright = m
        bright[1, 2] = 1.5
        expectError(PolytailError.invalidParameter(name: "pixel (1, 2)", value: 1.5, requirement: "must lie in [0, 1]")) {
            try DigitImages(images: bright, labels: [0, 1], height: 2, width: 2)
        }
        var nan = m
        nan[0, 3] = .nan
        expectError(PolytailError.nonFiniteValue(row: 0, column: 3)) {
            try DigitImages(images: nan, labels: [0, 1], height: 2, width: 2)
        }
        expectError(PolytailError.unknownLabel("-1")) {
            try DigitImages(images: m, labels: [0, -1], height: 2, width: 2)
        }
    }
}

@Suite("Large digit arrays")
struct LargeDigitArrayTests {
    private let scratch = ScratchFolders()

    @Test func hugePageArraysHoldWhatWasWritten() {
        // Above the 4 MiB threshold, so the madvise path runs; and below it.
        for count in [1 << 20, 1000] {
            let a = HugePages.doubles(count: count) { out in
                for i in 0..<out.count { out[i] = Double(i) }
            }
            #expect(a.count == count)
            #expect(a.enumerated().allSatisfy { Double($0.offset) == $0.element })
        }
    }

    @Test func mnistSizedImagesRoundTrip() throws {
        // 1,000 images of 28 × 28: 6.3 MB of doubles, read through the huge-page path.
        let n = 1000, side = 28
        var elements = [Double](repeating: 0, count: n * side * side)
        for k in elements.indices { elements[k] = Double((k * 31 + k / 784) % 256) / 255 }
        let labels = (0..<n).map { ($0 * 7) % 10 }
        let d = try DigitImages(images: Matrix(rows: n, columns: side * side, elements: elements), labels: labels, height: side, width: side)
        let folder = try scratch.make()
        try d.writeIDX(folder: folder, split: .train, gzip: true)
        #expect(try DigitImages.mnist(folder: folder, split: .train) == d)
    }
}


extension DigitImages {
    /// A split drawn by a fresh generator with this seed (what the scripts do with `--seed`).
    func splitSeeded(testFraction: Double, seed: UInt64) throws(PolytailError) -> (train: DigitImages, test: DigitImages) {
        var generator = PolytailRandom(seed: seed)
        return try split(testFraction: testFraction, using: &generator)
    }
}
