import Foundation

/// Labelled greyscale images of handwritten digits, one image per row of `images`.
///
/// Pixels are scaled to [0, 1] (0 = background) and stored row by row, so row i of
/// `images` is image i flattened to `height · width` features — the input the
/// classifiers of the robustness experiments (paper §5, MNIST) take.
///
/// Two sources: the 8 × 8 UCI digits shipped in the `PolytailDatasets` module
/// (`DigitImages.bundledUCI()`, works offline), and the MNIST IDX files from a folder the caller names (``mnist(folder:split:limit:)-(URL,_,_)``).
public struct DigitImages: Equatable, Sendable {
    /// n × (height · width) pixel intensities in [0, 1]; `images.rows` is the image count.
    public let images: Matrix
    /// The class of each image; 0…9 as read, or 0..<k after ``filter(classLabels:relabel:)``.
    public let labels: [Int]
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int

    /// The number of images.
    public var count: Int { labels.count }

    /// Images from pixel intensities and labels.
    ///
    /// - Parameters:
    ///   - images: n × (height · width), every entry finite and in [0, 1].
    ///   - labels: n non-negative class labels.
    ///   - height: image height in pixels (≥ 1).
    ///   - width: image width in pixels (≥ 1).
    /// - Throws: `PolytailError.invalidParameter` for a height or width below 1 or whose
    ///   product overflows, `.dimensionMismatch` when the sizes disagree,
    ///   `.nonFiniteValue` / `.invalidParameter` for a pixel outside [0, 1],
    ///   `.unknownLabel` for a negative label.
    public init(images: Matrix, labels: [Int], height: Int, width: Int) throws(PolytailError) {
        guard height >= 1, width >= 1 else {
            throw .invalidParameter(name: "height/width", value: Double(min(height, width)), requirement: "must be at least 1")
        }
        let pixels = try Matrix.elementCount(rows: height, columns: width)
        guard images.columns == pixels else {
            throw .dimensionMismatch(what: "pixels per image", expected: pixels, got: images.columns)
        }
        guard images.rows == labels.count else {
            throw .dimensionMismatch(what: "number of labels", expected: images.rows, got: labels.count)
        }
        for (k, v) in images.elements.enumerated() where !(v >= 0 && v <= 1) {
            let (i, j) = k.quotientAndRemainder(dividingBy: images.columns)
            if !v.isFinite { throw .nonFiniteValue(row: i, column: j) }
            throw .invalidParameter(name: "pixel (\(i), \(j))", value: v, requirement: "must lie in [0, 1]")
        }
        if let bad = labels.first(where: { $0 < 0 }) { throw .unknownLabel(String(bad)) }
        self.init(unchecked: images, labels: labels, height: height, width: width)
    }

    init(unchecked images: Matrix, labels: [Int], height: Int, width: Int) {
        self.images = images
        self.labels = labels
        self.height = height
        self.width = width
    }

    /// The distinct class labels, ascending.
    public var classLabels: [Int] { Array(Set(labels)).sorted() }
    /// The number of distinct class labels.
    public var classCount: Int { classLabels.count }

    /// The images whose indices are given, in that order.
    ///
    /// - Throws: `PolytailError.invalidParameter` for an index outside 0..<count.
    /// - Complexity: O(indices.count · height · width).
    public func subset(_ indices: [Int]) throws(PolytailError) -> DigitImages {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw .invalidParameter(name: "index", value: Double(bad), requirement: "must lie in 0..<\(count)")
        }
        return gather(indices)
    }

    private func gather(_ indices: [Int]) -> DigitImages {
        let pixels = images.columns
        var elements = [Double]()
        elements.reserveCapacity(indices.count * pixels)
        for i in indices { elements.append(contentsOf: images.elements[(i * pixels)..<((i + 1) * pixels)]) }
        return DigitImages(
            unchecked: Matrix(uncheckedRows: indices.count, columns: pixels, elements: elements),
            labels: indices.map { labels[$0] }, height: height, width: width)
    }

    /// The images of the given classes, in their original order.
    ///
    /// - Parameters:
    ///   - wanted: the labels to keep (the `classLabels:` argument), distinct, each present in the data.
    ///   - relabel: when true, label `wanted[k]` becomes k, so the result has labels
    ///     0..<classLabels.count (what a k-class classifier expects); when false labels are kept.
    /// - Throws: `PolytailError.emptyData` for an empty list, `.invalidParameter` for a
    ///   repeated class, `.unknownLabel` for a class with no image.
    /// - Complexity: O(count · height · width).
    public func filter(classLabels wanted: [Int], relabel: Bool = false) throws(PolytailError) -> DigitImages {
        guard !wanted.isEmpty else { throw .emptyData }
        var position: [Int: Int] = [:]
        for (k, c) in wanted.enumerated() {
            guard position[c] == nil else {
                throw .invalidParameter(name: "classes", value: Double(c), requirement: "each class may be listed once")
            }
            position[c] = k
        }
        let present = Set(labels)
        if let missing = wanted.first(where: { !present.contains($0) }) { throw .unknownLabel(String(missing)) }
        let kept = labels.indices.filter { position[labels[$0]] != nil }
        let picked = gather(kept)
        guard relabel else { return picked }
        // Every kept label is a key of `position` (that is how `kept` was chosen).
        return DigitImages(
            unchecked: picked.images, labels: picked.labels.map { position[$0] ?? 0 }, height: height, width: width)
    }

    /// A stratified random split into a training and a test part.
    ///
    /// In each class of n_c images, ⌊f · n_c + ½⌋ images (f = `testFraction`), clamped to
    /// 1…n_c − 1 when n_c ≥ 2, go to the test part, chosen by a Fisher–Yates shuffle
    /// driven by `generator`; a class with one image goes to training. Both parts keep the
    /// original order of the images, so equally seeded generators give the same split on
    /// every machine.
    ///
    /// - Parameters:
    ///   - testFraction: f, strictly between 0 and 1.
    ///   - generator: draws the shuffles (classes in ascending order).
    /// - Returns: the two parts; together they hold every image exactly once.
    /// - Throws: `PolytailError.invalidParameter` for f outside (0, 1), `.emptyData`
    ///   when there are no images.
    /// - Complexity: O(count · height · width).
    public func split(testFraction: Double, using generator: inout PolytailRandom) throws(PolytailError) -> (train: DigitImages, test: DigitImages) {
        guard testFraction > 0, testFraction < 1 else {
            throw .invalidParameter(name: "testFraction", value: testFraction, requirement: "must lie strictly between 0 and 1")
        }
        guard count > 0 else { throw .emptyData }
        var byClass: [Int: [Int]] = [:]
        for (i, y) in labels.enumerated() { byClass[y, default: []].append(i) }
        var isTest = [Bool](repeating: false, count: count)
        for c in byClass.keys.sorted() {
            var members = byClass[c]!
            let n = members.count
            guard n >= 2 else { continue }
            let take = min(max(Int((testFraction * Double(n)).rounded(.toNearestOrAwayFromZero)), 1), n - 1)
            members.shuffle(using: &generator)
            for i in members.prefix(take) { isTest[i] = true }
        }
        let test = (0..<count).filter { isTest[$0] }
        let train = (0..<count).filter { !isTest[$0] }
        return (gather(train), gather(test))
    }
}

// MARK: - MNIST IDX files

extension DigitImages {
    /// Which half of MNIST to read.
    public enum MNISTSplit: String, Sendable, CaseIterable {
        /// 60,000 training images: train-images-idx3-ubyte, train-labels-idx1-ubyte.
        case train
        /// 10,000 test images: t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
        case test

        var prefix: String { self == .train ? "train" : "t10k" }

        /// Accepted names of the image file, in the order they are tried: the official
        /// name, the dotted variant some mirrors use, each plain then gzipped.
        var imageFileNames: [String] { Self.names(prefix + "-images", "idx3-ubyte") }
        /// Accepted names of the label file.
        var labelFileNames: [String] { Self.names(prefix + "-labels", "idx1-ubyte") }

        private static func names(_ stem: String, _ kind: String) -> [String] {
            ["\(stem)-\(kind)", "\(stem)-\(kind).gz", "\(stem).\(kind)", "\(stem).\(kind).gz"]
        }
    }

    /// MNIST (or any data in its IDX layout, e.g. Fashion-MNIST) from the standard files
    /// in `folder`, gzipped or not.
    ///
    /// Looks for `train-images-idx3-ubyte` / `train-labels-idx1-ubyte` (split `.train`)
    /// or `t10k-images-idx3-ubyte` / `t10k-labels-idx1-ubyte` (split `.test`), each
    /// also with a `.gz` suffix or with a dot before `idx` (the first that exists wins).
    /// Checks the magic numbers (0x00000803 images, 0x00000801 labels), that no
    /// dimension is zero, that each file holds exactly the bytes its header announces,
    /// that the counts agree and that labels lie in 0…9. Pixels are scaled by 1/255.
    ///
    /// - Parameters:
    ///   - folder: the directory holding the files.
    ///   - split: `.train` or `.test`.
    ///   - limit: keep only the first `limit` images (the files are still checked whole).
    ///     The full training set takes 60,000 × 784 doubles ≈ 376 MB.
    /// - Throws: `DataError` naming the file and what was wrong.
    /// - Complexity: O(file sizes).
    public static func mnist(folder: URL, split: MNISTSplit, limit: Int? = nil) throws(DataError) -> DigitImages {
        try mnist(folder: folder.path, split: split, limit: limit)
    }

    /// ``mnist(folder:split:limit:)`` with the folder as a path.
    public static func mnist(folder: String, split: MNISTSplit, limit: Int? = nil) throws(DataError) -> DigitImages {
        if let limit, limit < 0 { throw .invalidArgument("limit must be non-negative, got \(limit)") }
        let imagePath = try locate(split.imageFileNames, in: folder)
        let labelPath = try locate(split.labelFileNames, in: folder)
        let imageFile = try IDXFile.read(path: imagePath, dimensionCount: 3, limit: limit)
        let labelFile = try IDXFile.read(path: labelPath, dimensionCount: 1, limit: limit)
        return try fromIDX(images: imageFile, labels: labelFile, imagePath: imagePath)
    }

    static func fromIDX(images: IDXFile, labels: IDXFile, imagePath: String) throws(DataError) -> DigitImages {
        let n = images.dimensions[0], height = images.dimensions[1], width = images.dimensions[2]
        guard n == labels.dimensions[0] else { throw .countMismatch(images: n, labels: labels.dimensions[0]) }
        var labelValues = [Int]()
        labelValues.reserveCapacity(n)
        for (i, b) in labels.bytes.enumerated() {
            guard b <= 9 else { throw .labelOutOfRange(item: i, label: Int(b)) }
            labelValues.append(Int(b))
        }
        let elements = HugePages.doubles(count: images.bytes.count) { out in
            for (i, byte) in images.bytes.enumerated() { out[i] = Double(byte) / 255 }
        }
        return DigitImages(
            unchecked: Matrix(uncheckedRows: n, columns: height * width, elements: elements),
            labels: labelValues, height: height, width: width)
    }

    private static func locate(_ names: [String], in folder: String) throws(DataError) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .unreadable(path: folder, reason: "not a directory (give the folder that holds the IDX files)")
        }
        let base = URL(fileURLWithPath: folder, isDirectory: true)
        for name in names {
            let path = base.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw .missingFile(folder: folder, triedNames: names)
    }

    /// Writes the images and labels as the two IDX files of `split` in `folder`
    /// (`…-images-idx3-ubyte` and `…-labels-idx1-ubyte`, with `.gz` appended and
    /// gzip-compressed when `gzip` is true), pixels rounded to bytes as ⌊255 · p + ½⌋.
    /// Reading them back with ``mnist(folder:split:limit:)-(URL,_,_)`` returns these images up to
    /// that rounding.
    ///
    /// - Throws: `DataError.invalidArgument` for labels outside 0…9,
    ///   `.unreadable` when a file cannot be written.
    /// - Returns: the paths written (images, labels).
    @discardableResult
    public func writeIDX(folder: String, split: MNISTSplit, gzip: Bool = false) throws(DataError) -> (images: String, labels: String) {
        if let bad = labels.first(where: { $0 < 0 || $0 > 9 }) {
            throw .invalidArgument("IDX digit labels must lie in 0…9, got \(bad)")
        }
        let base = URL(fileURLWithPath: folder, isDirectory: true)
        let suffix = gzip ? ".gz" : ""
        let imagePath = base.appendingPathComponent(split.imageFileNames[0] + suffix).path
        let labelPath = base.appendingPathComponent(split.labelFileNames[0] + suffix).path
        let pixels = images.elements.map { UInt8((min(max($0, 0), 1) * 255).rounded(.toNearestOrAwayFromZero)) }
        try IDXFile(dimensions: [count, height, width], bytes: pixels).write(to: imagePath, gzip: gzip)
        try IDXFile(dimensions: [count], bytes: labels.map { UInt8($0) }).write(to: labelPath, gzip: gzip)
        return (imagePath, labelPath)
    }
}
