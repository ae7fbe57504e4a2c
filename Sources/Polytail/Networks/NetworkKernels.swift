import Foundation

// The forward and backward passes of a ``Network`` on CBLAS sgemm.
//
// Activations are Float32, channels-last (NHWC), one observation after another. A batch of
// n observations of shape H × W × C is an (n·H·W) × C row-major matrix, so a convolution is
// one matrix product of the batch's k × k patches with the weights (im2col), and a dense
// layer one product of the n × d input with its weights:
//
//     forward:   P       = im2col(A)           (n·H′·W′) × (k·k·C)   (P = A for a dense layer)
//                A′      = relu(P W + 1 bᵀ)     (n·H′·W′) × C′
//     backward:  δ       ← δ ⊙ [A′ > 0]         (the ReLU, from the post-activation)
//                ∂W      = Pᵀ δ                 (k·k·C) × C′
//                ∂b      = δᵀ 1                 (column sums, sgemv)
//                ∂P      = δ Wᵀ                 (n·H′·W′) × (k·k·C)
//                ∂A      = col2im(∂P)           (the scatter-add adjoint of im2col)
//
// Max pooling keeps the index of each window's maximum and routes δ back to it. The ReLU
// derivative at 0 is taken as 0. The Swift loops are the O(n·H·W·k²·C) copies of im2col and
// col2im, the pooling scan and the bias/ReLU sweeps, all on unsafe pointers (hot loop,
// documented raw-pointer use: the convolutional network benchmarks of Docs/performance.md);
// the products (the O(n·H·W·k²·C·C′) work) are in BLAS.

extension SIMD8 {
    /// Eight values read from `pointer` (no alignment needed).
    @inline(__always) init(loading pointer: UnsafePointer<Scalar>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Scalar>.self)
    }

    /// Writes the eight values at `pointer` (no alignment needed).
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD8<Scalar>.self)
    }
}

/// One layer with everything its kernels need precomputed.
struct LayerPlan: Sendable {
    let layer: Layer
    let input: ImageShape
    let output: ImageShape
    /// Whether a ReLU follows (every layer with weights but the last).
    let relu: Bool
    /// Offsets of W (fan-in × fan-out, row-major) and b in the flat parameter vector.
    let weightOffset: Int
    let biasOffset: Int
    let fanIn: Int
    let fanOut: Int
    /// Zero rows/columns before the image (`same` padding) for a convolution.
    let padBefore: Int
    let kernelSize: Int
    let poolSize: Int

    /// Whether a convolution needs an explicit patch matrix (a 1 × 1 kernel without
    /// padding reads its input directly).
    var needsPatches: Bool {
        if case .conv2D = layer { return kernelSize > 1 || padBefore > 0 }
        return false
    }

    /// Rows of the layer's matrix product per observation (H′·W′ for a convolution, 1 for dense).
    var productRows: Int {
        switch layer {
        case .conv2D: return output.height * output.width
        default: return 1
        }
    }
}

/// The compiled layer sequence of a network: shapes, parameter offsets, buffer sizes.
final class NetworkPlan: Sendable {
    let inputShape: ImageShape
    let layers: [LayerPlan]
    let parameterCount: Int
    /// Parameter ranges of every weight matrix (for weight decay).
    let weightRanges: [Range<Int>]

    /// Validates the layer sequence for `inputShape`.
    /// - Throws: `.invalidParameter` (no layer, a bad size, a window that does not fit, a last
    ///   layer other than dense, too many parameters), `.tooFewClasses` when the last layer has
    ///   fewer than two outputs.
    init(inputShape: ImageShape, layers: [Layer]) throws(PolytailError) {
        guard !layers.isEmpty else {
            throw .invalidParameter(name: "layers.count", value: 0, requirement: "at least one layer")
        }
        guard case let .dense(classCount) = layers[layers.count - 1] else {
            throw .invalidParameter(name: "layers[\(layers.count - 1)]", value: Double(layers.count - 1),
                                    requirement: "the last layer must be dense (its outputs are the logits)")
        }
        guard classCount >= 2 else { throw .tooFewClasses(needed: 2, got: classCount) }
        var shape = inputShape
        var plans: [LayerPlan] = []
        var offset = 0
        var ranges: [Range<Int>] = []
        for (l, layer) in layers.enumerated() {
            let out = try layer.outputShape(shape, index: l)
            var fanIn = 0, fanOut = 0, pad = 0, k = 1, pool = 1
            let weightOffset = offset
            if let (i, o) = layer.weightShape(shape) {
                guard i <= NetworkPlan.maximumParameters / o else {
                    throw .invalidParameter(name: "layers[\(l)] weights", value: Double(i) * Double(o),
                                            requirement: "at most \(NetworkPlan.maximumParameters) entries")
                }
                fanIn = i
                fanOut = o
                ranges.append(offset..<(offset + i * o))
                offset += i * o + o
                guard offset <= NetworkPlan.maximumParameters else {
                    throw .invalidParameter(name: "parameter count", value: Double(offset),
                                            requirement: "at most \(NetworkPlan.maximumParameters)")
                }
            }
            switch layer {
            case let .conv2D(_, kernel, padding):
                k = kernel
                pad = padding == .same ? (kernel - 1) / 2 : 0
                guard out.height * out.width <= NetworkPlan.maximumParameters / fanIn else {
                    throw .invalidParameter(name: "layers[\(l)] patch matrix", value: Double(out.height * out.width) * Double(fanIn),
                                            requirement: "at most \(NetworkPlan.maximumParameters) entries per observation")
                }
            case let .maxPool2D(size): pool = size
            case .flatten, .dense: break
            }
            plans.append(LayerPlan(layer: layer, input: shape, output: out, relu: layer.hasParameters && l < layers.count - 1,
                                   weightOffset: weightOffset, biasOffset: weightOffset + fanIn * fanOut,
                                   fanIn: fanIn, fanOut: fanOut, padBefore: pad, kernelSize: k, poolSize: pool))
            shape = out
        }
        self.inputShape = inputShape
        self.layers = plans
        parameterCount = offset
        weightRanges = ranges
    }

    /// 2²⁶ parameters (256 MB of Float32) and patch entries per observation: far beyond the
    /// networks this library trains, and small enough for CBLAS's 32-bit sizes with a batch.
    static let maximumParameters = 1 << 26

    var classCount: Int { layers[layers.count - 1].output.channels }

    /// Float entries of the largest per-observation buffer, for choosing a chunk size.
    var floatsPerObservation: Int {
        var total = inputShape.size
        for p in layers {
            total += 2 * p.output.size
            if p.needsPatches { total += 2 * p.productRows * p.fanIn }
        }
        return total
    }

    /// Rows per pass for evaluating many observations: at most 256, and about 64 MB of
    /// scratch buffers.
    var chunkRows: Int { max(1, min(256, (16 << 20) / max(1, floatsPerObservation))) }
}

/// Scratch buffers for one pass over at most `capacity` observations. Owned by one pass at a
/// time (never shared between threads).
final class NetworkWorkspace {
    let plan: NetworkPlan
    let capacity: Int
    /// Whether the per-image loops (im2col, col2im, pooling) may split a large batch over
    /// cores (false when the caller already runs workspaces on separate threads).
    let parallel: Bool
    /// activations[l] is the input of layer l; activations[L] the logits (Float32).
    private(set) var activations: [UnsafeMutablePointer<Float>] = []
    /// deltas[l] is ∂J/∂activations[l].
    private(set) var deltas: [UnsafeMutablePointer<Float>] = []
    /// The patch matrix of each convolution that needs one (nil otherwise).
    private var patches: [UnsafeMutablePointer<Float>?] = []
    /// The flat index of each pooling window's maximum.
    private var argmax: [UnsafeMutablePointer<Int32>?] = []
    /// ∂P, shared by every convolution.
    private let patchDeltas: UnsafeMutablePointer<Float>
    /// Ones, for the bias gradients' column sums.
    private let ones: UnsafeMutablePointer<Float>
    /// The logits and ∂J/∂logits in Double, for the output layer.
    let logits: UnsafeMutablePointer<Double>
    let logitDeltas: UnsafeMutablePointer<Double>
    private var owned: [UnsafeMutableRawPointer] = []

    init(plan: NetworkPlan, capacity: Int, parallel: Bool = true) {
        self.plan = plan
        self.parallel = parallel
        let n = max(1, capacity)
        self.capacity = n
        func floats(_ count: Int, _ owned: inout [UnsafeMutableRawPointer]) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            owned.append(UnsafeMutableRawPointer(p))
            return p
        }
        var owned: [UnsafeMutableRawPointer] = []
        var acts = [floats(n * plan.inputShape.size, &owned)]
        var dels = [floats(n * plan.inputShape.size, &owned)]
        var maxPatch = 0, maxRows = 0
        for p in plan.layers {
            if case .flatten = p.layer {
                acts.append(acts[acts.count - 1])
                dels.append(dels[dels.count - 1])
            } else {
                acts.append(floats(n * p.output.size, &owned))
                dels.append(floats(n * p.output.size, &owned))
            }
            if p.needsPatches {
                patches.append(floats(n * p.productRows * p.fanIn, &owned))
                maxPatch = max(maxPatch, n * p.productRows * p.fanIn)
            } else {
                patches.append(nil)
            }
            if case .maxPool2D = p.layer {
                let q = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n * p.output.size))
                q.initialize(repeating: 0, count: max(1, n * p.output.size))
                owned.append(UnsafeMutableRawPointer(q))
                argmax.append(q)
            } else {
                argmax.append(nil)
            }
            maxRows = max(maxRows, n * p.productRows)
        }
        activations = acts
        deltas = dels
        patchDeltas = floats(maxPatch, &owned)
        ones = floats(maxRows, &owned)
        ones.update(repeating: 1, count: max(1, maxRows))
        let k = plan.classCount
        logits = UnsafeMutablePointer<Double>.allocate(capacity: n * k)
        logits.initialize(repeating: 0, count: n * k)
        logitDeltas = UnsafeMutablePointer<Double>.allocate(capacity: n * k)
        logitDeltas.initialize(repeating: 0, count: n * k)
        owned.append(UnsafeMutableRawPointer(logits))
        owned.append(UnsafeMutableRawPointer(logitDeltas))
        self.owned = owned
    }

    deinit { for p in owned { p.deallocate() } }

    /// The input rows (Float32), `capacity` × the input size.
    var input: UnsafeMutablePointer<Float> { activations[0] }

    /// Copies rows of a Double matrix into the input buffer (rounded to Float32).
    func load(_ x: UnsafePointer<Double>, rows n: Int) {
        let d = plan.inputShape.size
        let out = input
        for i in 0..<(n * d) { out[i] = Float(x[i]) }
    }

    // MARK: Forward

    /// Fills every activation and `logits` (Double) from the first `n` input rows.
    /// - Complexity: O(n Σ H′W′ k²C C′) in sgemm.
    func forward(_ parameters: UnsafePointer<Float>, rows n: Int) {
        precondition(n <= capacity)
        guard n > 0 else { return }
        for (l, p) in plan.layers.enumerated() {
            let a = UnsafePointer(activations[l]), out = activations[l + 1]
            switch p.layer {
            case .conv2D, .dense:
                var lhs = a
                if let patch = patches[l] {
                    im2col(p, a, patch, rows: n)
                    lhs = UnsafePointer(patch)
                }
                let m = n * p.productRows
                Blas.gemm(lhs, parameters + p.weightOffset, into: out, m: m, n: p.fanOut, k: p.fanIn)
                addBias(parameters + p.biasOffset, out, rows: m, columns: p.fanOut, relu: p.relu)
            case .maxPool2D:
                maxPool(p, a, out, argmax[l]!, rows: n)
            case .flatten:
                break
            }
        }
        let k = plan.classCount
        let z = activations[plan.layers.count]
        for i in 0..<(n * k) { logits[i] = Double(z[i]) }
    }

    /// out ← out + 1 bᵀ, then the ReLU when asked (v < 0 rather than v ≤ 0 lets NaN through).
    private func addBias(_ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows m: Int, columns c: Int, relu: Bool) {
        for r in 0..<m {
            let row = out + r * c
            if relu {
                for j in 0..<c { let v = row[j] + b[j]; row[j] = v < 0 ? 0 : v }
            } else {
                for j in 0..<c { row[j] += b[j] }
            }
        }
    }

    /// The patch matrix: row (image, y′, x′) holds the k × k × C window at (y′ − p, x′ − p),
    /// zero outside the image, in (i, j, c) order. Runs of in-image pixels of one window row
    /// are contiguous in NHWC and copied in one go.
    private func im2col(_ p: LayerPlan, _ a: UnsafePointer<Float>, _ patch: UnsafeMutablePointer<Float>, rows n: Int) {
        let (h, w, c) = (p.input.height, p.input.width, p.input.channels)
        let (ho, wo, k, pad) = (p.output.height, p.output.width, p.kernelSize, p.padBefore)
        let kc = k * c, rowLength = p.fanIn
        if c == 1 {
            // One channel (the first layer of an image network): a window row is only k values,
            // too short for a copy call each. Instead, for every kernel offset (i, j), walk the
            // output row and store the matching input pixels with stride `rowLength`.
            forEachImage(n) { b in
                let image = a + b * h * w, out = patch + b * ho * wo * rowLength
                if pad > 0 { out.update(repeating: 0, count: ho * wo * rowLength) }
                for oy in 0..<ho {
                    for i in 0..<k {
                        let iy = oy - pad + i
                        guard iy >= 0, iy < h else { continue }
                        for j in 0..<k {
                            let low = max(0, pad - j), high = min(wo, w + pad - j)
                            guard low < high else { continue }
                            let source = image + iy * w + low - pad + j, target = out + (oy * wo + low) * rowLength + i * k + j
                            for t in 0..<(high - low) { target[t * rowLength] = source[t] }
                        }
                    }
                }
            }
            return
        }
        forEachImage(n) { b in
            let image = a + b * h * w * c
            var row = patch + b * ho * wo * rowLength
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let x0 = ox - pad
                    let jLow = max(0, -x0), jHigh = min(k, w - x0)
                    for i in 0..<k {
                        let dest = row + i * kc
                        let iy = oy - pad + i
                        guard iy >= 0, iy < h, jLow < jHigh else {
                            dest.update(repeating: 0, count: kc)
                            continue
                        }
                        if jLow > 0 { dest.update(repeating: 0, count: jLow * c) }
                        (dest + jLow * c).update(from: image + (iy * w + x0 + jLow) * c, count: (jHigh - jLow) * c)
                        if jHigh < k { (dest + jHigh * c).update(repeating: 0, count: (k - jHigh) * c) }
                    }
                    row += rowLength
                }
            }
        }
    }

    /// The adjoint of ``im2col``: δA ← 0, then every patch entry's delta is added to the pixel
    /// it was copied from.
    private func col2im(_ p: LayerPlan, _ patchDelta: UnsafePointer<Float>, _ delta: UnsafeMutablePointer<Float>, rows n: Int) {
        let (h, w, c) = (p.input.height, p.input.width, p.input.channels)
        let (ho, wo, k, pad) = (p.output.height, p.output.width, p.kernelSize, p.padBefore)
        let kc = k * c, rowLength = p.fanIn
        forEachImage(n) { b in
            let image = delta + b * h * w * c
            image.update(repeating: 0, count: h * w * c)
            var row = patchDelta + b * ho * wo * rowLength
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let x0 = ox - pad
                    let jLow = max(0, -x0), jHigh = min(k, w - x0)
                    for i in 0..<k {
                        let iy = oy - pad + i
                        guard iy >= 0, iy < h, jLow < jHigh else { continue }
                        let source = row + i * kc + jLow * c
                        let target = image + (iy * w + x0 + jLow) * c
                        for t in 0..<((jHigh - jLow) * c) { target[t] += source[t] }
                    }
                    row += rowLength
                }
            }
        }
    }

    /// Max over each s × s window (stride s), per channel; records the flat index of the
    /// maximum in the batch buffer. NaN in a window wins (propagates).
    private func maxPool(_ p: LayerPlan, _ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                         _ index: UnsafeMutablePointer<Int32>, rows n: Int) {
        let (h, w, c) = (p.input.height, p.input.width, p.input.channels)
        let (ho, wo, s) = (p.output.height, p.output.width, p.poolSize)
        forEachImage(n) { b in
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let o = ((b * ho + oy) * wo + ox) * c
                    let first = ((b * h + oy * s) * w + ox * s) * c
                    var ch = 0
                    // Eight channels at a time in SIMD registers: comparisons and selects, no
                    // branch (a branch per value mispredicts on ReLU outputs half the time).
                    while ch + 8 <= c {
                        var best = SIMD8<Float>(loading: a + first + ch)
                        var at = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: first + ch)) &+ Self.lanes
                        for i in 0..<s {
                            for j in 0..<s where i > 0 || j > 0 {
                                let offset = ((b * h + oy * s + i) * w + ox * s + j) * c + ch
                                let v = SIMD8<Float>(loading: a + offset)
                                let take = (v .> best) .| ((v .!= v) .& (best .== best))
                                best.replace(with: v, where: take)
                                at.replace(with: SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: offset)) &+ Self.lanes, where: take)
                            }
                        }
                        best.store(to: out + o + ch)
                        at.store(to: index + o + ch)
                        ch += 8
                    }
                    while ch < c {
                        var best = a[first + ch], at = first + ch
                        for i in 0..<s {
                            for j in 0..<s where i > 0 || j > 0 {
                                let offset = ((b * h + oy * s + i) * w + ox * s + j) * c + ch
                                let v = a[offset]
                                if v > best || (v.isNaN && !best.isNaN) { best = v; at = offset }
                            }
                        }
                        out[o + ch] = best
                        index[o + ch] = Int32(truncatingIfNeeded: at)
                        ch += 1
                    }
                }
            }
        }
    }

    private static let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)

    /// Runs `body` for images 0..<n, split over cores when the batch is large enough to pay.
    private func forEachImage(_ n: Int, _ body: (Int) -> Void) {
        let chunks = parallel && n >= 16 ? min(n, ProcessInfo.processInfo.activeProcessorCount) : 1
        _ = Parallel.map(chunks, placeholder: ()) { t in
            for b in (n * t / chunks)..<(n * (t + 1) / chunks) { body(b) }
        }
    }

    // MARK: Backward

    /// Back-propagates ∂J/∂logits after ``forward``: `logitDeltas` (Double) for the first `n`
    /// rows is rounded into the Float32 delta of the last layer.
    /// - Parameters:
    ///   - gradients: receives ∂J/∂θ (overwritten, laid out like the parameters) when not nil.
    ///   - wantInput: when true, ∂J/∂x is left in `deltas[0]`.
    /// - Complexity: about twice ``forward``.
    func backward(_ parameters: UnsafePointer<Float>, rows n: Int, gradients: UnsafeMutablePointer<Float>?, wantInput: Bool) {
        precondition(n <= capacity)
        guard n > 0 else { return }
        let k = plan.classCount
        let top = deltas[plan.layers.count]
        for i in 0..<(n * k) { top[i] = Float(logitDeltas[i]) }
        for l in stride(from: plan.layers.count - 1, through: 0, by: -1) {
            let p = plan.layers[l]
            let delta = deltas[l + 1], out = UnsafePointer(activations[l + 1])
            let needInput = l > 0 || wantInput
            switch p.layer {
            case .conv2D, .dense:
                let m = n * p.productRows
                if p.relu { Self.reluMask(delta, out, count: m * p.fanOut) }
                if let g = gradients {
                    let lhs = patches[l].map { UnsafePointer($0) } ?? UnsafePointer(activations[l])
                    Blas.gemm(lhs, transposeA: true, UnsafePointer(delta), into: g + p.weightOffset, m: p.fanIn, n: p.fanOut, k: m)
                    Blas.columnSums(UnsafePointer(delta), rows: m, columns: p.fanOut, ones: ones, into: g + p.biasOffset)
                }
                guard needInput else { continue }
                if p.needsPatches {
                    Blas.gemm(UnsafePointer(delta), parameters + p.weightOffset, transposeB: true, into: patchDeltas,
                              m: m, n: p.fanIn, k: p.fanOut)
                    col2im(p, patchDeltas, deltas[l], rows: n)
                } else {
                    Blas.gemm(UnsafePointer(delta), parameters + p.weightOffset, transposeB: true, into: deltas[l],
                              m: m, n: p.fanIn, k: p.fanOut)
                }
            case .maxPool2D:
                guard needInput else { continue }
                let previous = deltas[l]
                previous.update(repeating: 0, count: n * p.input.size)
                let index = argmax[l]!
                for i in 0..<(n * p.output.size) { previous[Int(index[i])] += delta[i] }
            case .flatten:
                break
            }
        }
    }

    /// δ ← δ ⊙ [a > 0], eight entries at a time (a select, not a branch per entry).
    private static func reluMask(_ delta: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            var d = SIMD8<Float>(loading: delta + i)
            d.replace(with: 0, where: .!(SIMD8<Float>(loading: a + i) .> 0))
            d.store(to: delta + i)
            i += 8
        }
        while i < count {
            if !(a[i] > 0) { delta[i] = 0 }
            i += 1
        }
    }

    /// Copies ∂J/∂x (first `n` rows, after ``backward`` with `wantInput`) out as Double.
    func inputDeltas(rows n: Int, into out: UnsafeMutablePointer<Double>) {
        let d = plan.inputShape.size
        let g = deltas[0]
        for i in 0..<(n * d) { out[i] = Double(g[i]) }
    }
}
