import Foundation
import Polytail
import PolytailDatasets

/// One classification task of the robustness experiments: training and test images with
/// labels 0..<classCount.
public struct DigitsTask: Sendable {
    /// "10 classes" or "3 vs 7".
    public var name: String
    /// "all" or "3v7" (used in file names).
    public var tag: String
    public var train: DigitImages
    public var test: DigitImages
    /// The original digit of every class index (e.g. [3, 7] for the binary task).
    public var digits: [Int]
    /// The number of classes k.
    public var classCount: Int { digits.count }

    /// A task from its parts.
    public init(name: String, tag: String, train: DigitImages, test: DigitImages, digits: [Int]) {
        self.name = name; self.tag = tag; self.train = train; self.test = test; self.digits = digits
    }
}

/// Where the images of an experiment come from: the bundled UCI 8×8 digits with a seeded
/// stratified 80/20 split, or MNIST IDX files (their own train/test split).
public struct DataSource: Sendable, CustomStringConvertible {
    /// A folder with the MNIST IDX files, or nil for the bundled UCI digits.
    public var folder: String?
    /// Keep the first N images of each MNIST file.
    public var limit: Int?
    /// Keep the first N images of the MNIST test file (overrides `limit` for the test part).
    public var testLimit: Int?
    /// Seed of the stratified split of the bundled digits.
    public var seed: UInt64

    /// A data source.
    /// - Parameters:
    ///   - folder: MNIST IDX folder, or nil for the bundled digits.
    ///   - limit: first N images of each MNIST file.
    ///   - testLimit: first N MNIST test images (default `limit`).
    ///   - seed: seed of the bundled digits' split.
    public init(folder: String?, limit: Int? = nil, testLimit: Int? = nil, seed: UInt64) {
        self.folder = folder; self.limit = limit; self.testLimit = testLimit; self.seed = seed
    }

    /// True for MNIST files.
    public var isMNIST: Bool { folder != nil }

    /// A short name: "UCI digits 8×8" or "MNIST (IDX files in FOLDER)".
    public var name: String {
        guard let folder else { return "UCI digits 8×8" }
        return "MNIST (IDX files in \(URL(fileURLWithPath: folder).lastPathComponent))"
    }

    /// A one-line description for reports.
    public var description: String {
        guard let folder else { return "bundled UCI digits (8×8, 1,797 images), stratified 80/20 split, seed \(seed)" }
        return "MNIST IDX files in \(folder)" + (limit.map { ", first \($0) training images" } ?? "")
            + ((testLimit ?? limit).map { ", first \($0) test images" } ?? "")
    }

    /// The full 10-class data, split; pixels in [0, 1].
    /// - Throws: `DataError` for unreadable MNIST files, `PolytailError` for a bad split.
    public func load() throws -> (train: DigitImages, test: DigitImages) {
        if let folder {
            let train = try DigitImages.mnist(folder: folder, split: .train, limit: limit)
            let test = try DigitImages.mnist(folder: folder, split: .test, limit: testLimit ?? limit)
            return (train, test)
        }
        var generator = PolytailRandom(seed: seed)
        return try DigitImages.bundledUCI().split(testFraction: 0.2, using: &generator)
    }

    /// The tasks named by `tags`, in that order: "all" (10 classes) and "3v7" (3 → 0, 7 → 1).
    /// - Throws: `PolytailError.invalidParameter` for another tag; the errors of ``load()``.
    public func tasks(_ tags: [String]) throws -> [DigitsTask] {
        let (train, test) = try load()
        return try tags.map { tag in
            switch tag {
            case "all":
                return DigitsTask(name: "10 classes", tag: "all", train: train, test: test, digits: Array(0..<10))
            case "3v7":
                return DigitsTask(name: "3 vs 7", tag: "3v7",
                                  train: try train.filter(classLabels: [3, 7], relabel: true),
                                  test: try test.filter(classLabels: [3, 7], relabel: true), digits: [3, 7])
            default:
                throw PolytailError.invalidParameter(name: "task \(tag)", value: .nan, requirement: "one of all, 3v7")
            }
        }
    }
}
