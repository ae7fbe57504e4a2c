import Foundation
import Polytail

/// A trained network under the name of its output layer.
public struct TrainedModel: Sendable {
    /// "softmax" or "softRmax".
    public var name: String { output.rawValue }
    public let output: OutputLayer
    public let network: Network
    /// Accuracy on the training images at the returned parameters: the fit's
    /// ``TrainingSummary/trainingAccuracy`` (every network fit reports one; it is recomputed
    /// from the training images should a fit not), so always a number in [0, 1].
    public let trainingAccuracy: Double
    /// Accuracy on the task's clean test images.
    public let testAccuracy: Double
}

/// Fits the softmax and the softRmax network to `task.train` from the same seed, so with
/// the same initial hidden weights and the same batch order: the output layer is the only
/// difference (Wang & Loog 2022, §4.2). Progress goes to standard error.
/// - Parameters:
///   - task: the training and test images.
///   - settings: the architecture and its training.
///   - seed: seeds initialisation and batch order of both twins.
/// - Returns: [softmax, softRmax].
/// - Throws: the errors of ``NetworkSettings/fit(_:labels:classCount:height:width:output:seed:)``.
public func fitTwins(_ task: DigitsTask, settings: NetworkSettings, seed: UInt64) throws -> [TrainedModel] {
    try [OutputLayer.softmax, .softRmax].map { output in
        let start = Date()
        let fitted = try settings.fit(
            task.train.images, labels: task.train.labels, classCount: task.classCount,
            height: task.train.height, width: task.train.width, output: output, seed: seed)
        let network = fitted.model
        let trainingAccuracy = try fitted.result.training?.trainingAccuracy
            ?? network.accuracy(task.train.images, labels: task.train.labels)
        let accuracy = try network.accuracy(task.test.images, labels: task.test.labels)
        progress(String(format: "  [%@] %@: trained in %.1f s, training accuracy %.2f %%, test accuracy %.2f %%",
                        task.name, output.rawValue, Date().timeIntervalSince(start), 100 * trainingAccuracy, 100 * accuracy))
        return TrainedModel(output: output, network: network, trainingAccuracy: trainingAccuracy, testAccuracy: accuracy)
    }
}

extension AttackLoss {
    /// The short name the tables use: "nll", "ce(z)", "margin".
    public var tableName: String {
        switch self {
        case .nll: return "nll"
        case .crossEntropyOnLogits: return "ce(z)"
        case .margin: return "margin"
        }
    }

    /// The name the figures use: "NLL", "CE on z", "margin".
    public var figureName: String {
        switch self {
        case .nll: return "NLL"
        case .crossEntropyOnLogits: return "CE on z"
        case .margin: return "margin"
        }
    }
}
