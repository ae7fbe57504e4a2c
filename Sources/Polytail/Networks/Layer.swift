import Foundation

/// How a ``Layer/conv2D(outputChannels:kernelSize:padding:)`` layer treats the image border.
public enum Padding: String, Sendable, Codable, CaseIterable {
    /// Zero-pads so that the output keeps the input's height and width: (k − 1)/2 zeros
    /// before and the rest after (TensorFlow's and JAX's `"SAME"` for stride 1).
    case same
    /// No padding: the output shrinks to (H − k + 1) × (W − k + 1).
    case valid
}

/// The geometry of one observation as it flows through a ``Network``: `height` × `width`
/// pixels of `channels` values each, stored channels-last (NHWC: entry (y, x, c) of a row is
/// at (y · width + x) · channels + c). A flat vector of d values is 1 × 1 × d.
public struct ImageShape: Hashable, Sendable, Codable {
    public let height: Int
    public let width: Int
    public let channels: Int

    /// A shape of positive sides.
    /// - Throws: `.invalidParameter` when a side is not positive or the size overflows.
    public init(height: Int, width: Int, channels: Int) throws(PolytailError) {
        for (name, v) in [("height", height), ("width", width), ("channels", channels)] where v <= 0 || v > ImageShape.maximumSide {
            throw .invalidParameter(name: name, value: Double(v), requirement: "must be in 1...\(ImageShape.maximumSide)")
        }
        guard height * width <= ImageShape.maximumSize / channels else {
            throw .invalidParameter(name: "height × width × channels", value: Double(height) * Double(width) * Double(channels),
                                    requirement: "at most \(ImageShape.maximumSize)")
        }
        self.height = height
        self.width = width
        self.channels = channels
    }

    init(uncheckedHeight height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// A flat vector of `d` values (1 × 1 × d): the input of a multilayer perceptron.
    public static func flat(_ d: Int) throws(PolytailError) -> ImageShape {
        try ImageShape(height: 1, width: 1, channels: d)
    }

    /// The number of values, height × width × channels.
    public var size: Int { height * width * channels }

    /// Sides and sizes are kept below 2²⁴ so that every buffer index of a batch fits CBLAS's
    /// 32-bit integers (and no product of them overflows).
    static let maximumSide = 1 << 24
    static let maximumSize = 1 << 24

    /// Decodes through ``init(height:width:channels:)``.
    /// - Throws: `DecodingError.dataCorrupted` for a side outside 1…2²⁴ or a size above 2²⁴.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let (height, width, channels) = (try c.decode(Int.self, forKey: .height), try c.decode(Int.self, forKey: .width),
                                         try c.decode(Int.self, forKey: .channels))
        self = try validatedDecoding(decoder) { () throws(PolytailError) in try ImageShape(height: height, width: width, channels: channels) }
    }
}

/// One layer of a ``Network``. Every layer with weights (convolution and dense) is followed
/// by a ReLU, max(0, ·), except the last, whose outputs are the logits z.
public enum Layer: Hashable, Sendable, Codable {
    /// A k × k convolution with stride 1 from C_in to `outputChannels` channels:
    ///
    ///     out(y, x, o) = b_o + Σ_{i,j<k} Σ_c in(y + i − p, x + j − p, c) · W[(i·k + j)·C_in + c, o],
    ///
    /// p the padding before the image (0 for ``Padding/valid``), out-of-image pixels zero.
    /// W is stored fan-in × fan-out, (k · k · C_in) × C_out (JAX's HWIO kernel reshaped), so a
    /// batch is one matrix product of its k × k patches (im2col) with W.
    case conv2D(outputChannels: Int, kernelSize: Int, padding: Padding)
    /// Non-overlapping `size` × `size` max pooling (stride `size`); a trailing border smaller
    /// than a window is dropped (floor), as in Keras and `jax.lax.reduce_window` with `"VALID"`.
    case maxPool2D(size: Int)
    /// Reshapes H × W × C to 1 × 1 × (H·W·C) (channels-last order); no computation.
    case flatten
    /// A dense layer z = x W + b with W fan-in × fan-out; it reads its input flattened.
    case dense(outputs: Int)

    /// Whether the layer has weights and biases.
    var hasParameters: Bool {
        switch self {
        case .conv2D, .dense: return true
        case .maxPool2D, .flatten: return false
        }
    }

    /// Checks what the layer is on its own, whatever its input: a kernel of 1…64 pixels, and
    /// output channels, dense outputs and pooling windows in 1…2²⁴. ``outputShape(_:index:)``
    /// (hence every ``Network``) and decoding both run it; whether a window fits its input
    /// image is checked when the layer is built into a network.
    /// - Parameter name: how the error names the layer (`layers[l]`).
    /// - Throws: `.invalidParameter` naming the layer's field.
    func validate(name: String) throws(PolytailError) {
        let limit = ImageShape.maximumSide
        switch self {
        case let .conv2D(outputChannels, k, _):
            guard k >= 1, k <= 64 else {
                throw .invalidParameter(name: "\(name).kernelSize", value: Double(k), requirement: "must be in 1...64")
            }
            guard outputChannels >= 1, outputChannels <= limit else {
                throw .invalidParameter(name: "\(name).outputChannels", value: Double(outputChannels), requirement: "must be in 1...\(limit)")
            }
        case let .maxPool2D(size):
            guard size >= 1, size <= limit else {
                throw .invalidParameter(name: "\(name).size", value: Double(size), requirement: "must be in 1...\(limit)")
            }
        case .flatten:
            break
        case let .dense(outputs):
            guard outputs >= 1, outputs <= limit else {
                throw .invalidParameter(name: "\(name).outputs", value: Double(outputs), requirement: "must be in 1...\(limit)")
            }
        }
    }

    /// The shape of this layer's output for an input of shape `s`.
    /// - Throws: `.invalidParameter` for a size out of range (`validate(name:)`) or a window
    ///   larger than the image.
    func outputShape(_ s: ImageShape, index l: Int) throws(PolytailError) -> ImageShape {
        try validate(name: "layers[\(l)]")
        switch self {
        case let .conv2D(outputChannels, k, padding):
            switch padding {
            case .same:
                return try ImageShape(height: s.height, width: s.width, channels: outputChannels)
            case .valid:
                guard s.height >= k, s.width >= k else {
                    throw .invalidParameter(name: "layers[\(l)].kernelSize", value: Double(k),
                                            requirement: "a 'valid' kernel must fit the \(s.height) × \(s.width) input")
                }
                return try ImageShape(height: s.height - k + 1, width: s.width - k + 1, channels: outputChannels)
            }
        case let .maxPool2D(size):
            guard size <= s.height, size <= s.width else {
                throw .invalidParameter(name: "layers[\(l)].size", value: Double(size),
                                        requirement: "must be in 1...min(height, width) = 1...\(min(s.height, s.width))")
            }
            return ImageShape(uncheckedHeight: s.height / size, width: s.width / size, channels: s.channels)
        case .flatten:
            return ImageShape(uncheckedHeight: 1, width: 1, channels: s.size)
        case let .dense(outputs):
            return ImageShape(uncheckedHeight: 1, width: 1, channels: outputs)
        }
    }

    /// (fan-in, fan-out) of the weight matrix for an input of shape `s`.
    func weightShape(_ s: ImageShape) -> (fanIn: Int, fanOut: Int)? {
        switch self {
        case let .conv2D(outputChannels, k, _): return (k * k * s.channels, outputChannels)
        case let .dense(outputs): return (s.size, outputs)
        case .maxPool2D, .flatten: return nil
        }
    }
}

extension Layer {
    /// The stored form of a layer: the same cases, so decoding reads what the synthesised
    /// encoding writes (`{"dense": {"outputs": 10}}`, `{"flatten": {}}`).
    private enum Stored: Decodable {
        case conv2D(outputChannels: Int, kernelSize: Int, padding: Padding)
        case maxPool2D(size: Int)
        case flatten
        case dense(outputs: Int)
    }

    /// Decodes a layer through `validate(name:)`: a kernel outside 1…64, or a channel, output
    /// or window count outside 1…2²⁴ throws `DecodingError.dataCorrupted` naming the field
    /// (`layers[l].kernelSize` inside a network's `layers`).
    public init(from decoder: any Decoder) throws {
        let layer: Layer
        switch try Stored(from: decoder) {
        case let .conv2D(c, k, p): layer = .conv2D(outputChannels: c, kernelSize: k, padding: p)
        case let .maxPool2D(size): layer = .maxPool2D(size: size)
        case .flatten: layer = .flatten
        case let .dense(outputs): layer = .dense(outputs: outputs)
        }
        let name = decoder.codingPath.last?.intValue.map { "layers[\($0)]" } ?? "layer"
        try validatedDecoding(decoder) { () throws(PolytailError) in try layer.validate(name: name) }
        self = layer
    }
}
