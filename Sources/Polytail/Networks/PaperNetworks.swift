import Foundation

extension Network {
    /// The layers of ``paperMNIST(classCount:output:using:)`` for k classes.
    ///
    /// Wang & Loog 2022 (§4.1.2, §4.2) say only "four convolutional layers and one fully
    /// connected layer", 3 × 3 kernels, trained by Adam (10⁻³, batch 32). The choices here:
    ///
    ///     28×28×1 ─conv3 same→ 28×28×8 ─pool2→ 14×14×8 ─conv3 same→ 14×14×16 ─pool2→ 7×7×16
    ///             ─conv3 valid→ 5×5×32 ─conv3 valid→ 3×3×64 ─flatten→ 576 ─dense→ k
    ///
    /// - channels double as the resolution halves (8, 16, 32, 64: the VGG rule, which keeps
    ///   every layer's work of the same order);
    /// - pooling after the first two convolutions, where the maps are large: the full-resolution
    ///   layers dominate the cost, and a 3 × 3 layer at 28 × 28 with 16 or more channels costs
    ///   more than all the others together;
    /// - 'same' padding while the maps are large (so the pools divide 28 and 14 exactly),
    ///   'valid' for the last two (7 → 5 → 3: the receptive field grows to the whole digit
    ///   without a third pool, and the dense layer's fan-in drops to 576);
    /// - 30,154 parameters for k = 10 (80 + 1,168 + 4,640 + 18,496 + 5,770), the scale of the
    ///   small MNIST networks of the adversarial literature's era, enough for ≥ 97 % test
    ///   accuracy on 4,000 training images (see `Docs/networks.md`).
    public static func paperMNISTLayers(classCount: Int) -> [Layer] {
        [
            .conv2D(outputChannels: 8, kernelSize: 3, padding: .same), .maxPool2D(size: 2),
            .conv2D(outputChannels: 16, kernelSize: 3, padding: .same), .maxPool2D(size: 2),
            .conv2D(outputChannels: 32, kernelSize: 3, padding: .valid),
            .conv2D(outputChannels: 64, kernelSize: 3, padding: .valid),
            .flatten, .dense(outputs: classCount),
        ]
    }

    /// The paper's MNIST network (four 3 × 3 convolutions and one dense layer, see
    /// ``paperMNISTLayers(classCount:)``) on 28 × 28 × 1 images, He-initialised.
    ///
    /// For softmax and softRmax twins sharing initial weights, build one and take
    /// ``withOutput(_:)``; train both from copies of one generator to share the batch order.
    /// - Parameters:
    ///   - classCount: k ≥ 2.
    ///   - output: softmax or softRmax.
    ///   - generator: draws the initial weights.
    /// - Throws: `.tooFewClasses` when k < 2.
    public static func paperMNIST(classCount: Int, output: OutputLayer,
                                  using generator: inout PolytailRandom) throws(PolytailError) -> Network {
        try Network(inputShape: try ImageShape(height: 28, width: 28, channels: 1), layers: paperMNISTLayers(classCount: classCount),
                    output: output, using: &generator)
    }
}
