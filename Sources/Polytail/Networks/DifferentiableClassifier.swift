import Foundation

// Hot loop (documented raw-pointer use): a gradient target is evaluated row by row on
// pointers into the n × k logits and their derivatives (no per-row arrays); every attack step
// and margin evaluation runs it on the whole batch.

/// A scalar function of one sample's logits z ∈ ℝᵏ whose input gradient ∇ₓ an attack or
/// a margin metric needs. Every case is evaluated per row of a batch.
///
/// With p = ζ(z) the model's own output layer (softmax, Eq. 8, or softRmax, Eq. 12):
/// - ``loss(labels:)``: J = −log p_y(z), the negative log-likelihood the model was
///   trained on (the attack loss of Wang & Loog 2022, Eq. 1–3);
/// - ``crossEntropyOnLogits(labels:)``: J = −log softmax_y(z) = log Σᵢ e^{zᵢ} − z_y, the
///   softmax cross-entropy on the raw logits, whatever the output layer (an adaptive loss:
///   it does not flatten in softRmax's conservative tail);
/// - ``margin(labels:)``: J = max_{i≠y} zᵢ − z_y = −M_z (Eq. 4), positive once the sample
///   is misclassified (the Carlini–Wagner margin, aimed at the decision boundary);
/// - ``output(_:)``: J = zᵢ, one logit.
public enum GradientTarget: Sendable, Equatable {
    case loss(labels: [Int])
    case crossEntropyOnLogits(labels: [Int])
    case margin(labels: [Int])
    case output(Int)

    var labels: [Int]? {
        switch self {
        case let .loss(labels), let .crossEntropyOnLogits(labels), let .margin(labels): return labels
        case .output: return nil
        }
    }

    /// The same target restricted to rows `range` of a batch (its labels sliced).
    func rows(_ range: Range<Int>) -> GradientTarget {
        switch self {
        case let .loss(labels): return .loss(labels: Array(labels[range]))
        case let .crossEntropyOnLogits(labels): return .crossEntropyOnLogits(labels: Array(labels[range]))
        case let .margin(labels): return .margin(labels: Array(labels[range]))
        case .output: return self
        }
    }

    /// Checks the labels (or the class index) against n rows and k classes.
    func validate(rows n: Int, classes k: Int) throws(PolytailError) {
        if let labels {
            try validateLabels(labels, rows: n, classes: k)
        } else if case let .output(i) = self, !(0..<k).contains(i) {
            throw .unknownLabel("output \(i) (classes are 0..<\(k))")
        }
    }

    /// The per-row values J(zᵣ) and, into `deltas` (n × k), ∂J/∂zᵣ.
    /// - Complexity: O(n k).
    /// - Parameter values: when false only the deltas are needed (the returned values are 0).
    func evaluate(logits z: UnsafePointer<Double>, rows n: Int, classes k: Int, output: OutputLayer,
                  deltas: UnsafeMutablePointer<Double>, values wanted: Bool = true) -> [Double] {
        var result = [Double](repeating: 0, count: n)
        switch self {
        case let .loss(labels), let .crossEntropyOnLogits(labels):
            let layer: OutputLayer
            if case .loss = self { layer = output } else { layer = .softmax }
            let zb = UnsafeBufferPointer(start: z, count: n * k)
            let db = UnsafeMutableBufferPointer(start: deltas, count: n * k)
            labels.withUnsafeBufferPointer { lb in
                guard wanted else {
                    // Gradients only: one batched call (one evaluation state, split over cores).
                    _ = layer.negativeLogLikelihood(logits: zb, classes: k, labels: lb, gradient: db, scale: 1)
                    return
                }
                for r in 0..<n {
                    result[r] = layer.negativeLogLikelihood(
                        logits: UnsafeBufferPointer(rebasing: zb[(r * k)..<(r * k + k)]), classes: k,
                        labels: UnsafeBufferPointer(rebasing: lb[r..<(r + 1)]),
                        gradient: UnsafeMutableBufferPointer(rebasing: db[(r * k)..<(r * k + k)]), scale: 1)
                }
            }
        case let .margin(labels):
            for r in 0..<n {
                let y = labels[r]
                let j = runnerUp(z + r * k, classes: k, excluding: y)
                for i in 0..<k { deltas[r * k + i] = 0 }
                result[r] = z[r * k + j] - z[r * k + y]
                deltas[r * k + j] = 1
                deltas[r * k + y] = -1
            }
        case let .output(i):
            for r in 0..<n {
                for c in 0..<k { deltas[r * k + c] = c == i ? 1 : 0 }
                result[r] = z[r * k + i]
            }
        }
        return result
    }
}

/// argmax_{i≠y} zᵢ (the first on ties); y itself when k = 1.
@inline(__always)
func runnerUp(_ z: UnsafePointer<Double>, classes k: Int, excluding y: Int) -> Int {
    var best = -1
    for i in 0..<k where i != y && (best < 0 || z[i] > z[best]) { best = i }
    return best < 0 ? y : best
}

/// argmax_{i≠y} zᵢ over the k logits of row r of the row-major n × k block `z`.
func runnerUp(_ z: [Double], row r: Int, classes k: Int, excluding y: Int) -> Int {
    z.withUnsafeBufferPointer { runnerUp($0.baseAddress! + r * k, classes: k, excluding: y) }
}

/// Labels must number n and lie in 0..<k.
func validateLabels(_ labels: [Int], rows n: Int, classes k: Int) throws(PolytailError) {
    guard labels.count == n else { throw .dimensionMismatch(what: "labels", expected: n, got: labels.count) }
    for y in labels where !(0..<k).contains(y) { throw .unknownLabel("\(y) (classes are 0..<\(k))") }
}

/// A classifier z = f(x) ∈ ℝᵏ, p = ζ(z), differentiable in its input: what every attack
/// and margin metric in Polytail needs.
public protocol DifferentiableClassifier: Sendable {
    /// The input dimension d.
    var inputDimension: Int { get }
    /// The number of classes k.
    var classCount: Int { get }
    /// The output layer ζ mapping logits to posteriors.
    var output: OutputLayer { get }
    /// The logits Z (n × k) of the rows of x (n × d).
    func logits(_ x: Matrix) throws(PolytailError) -> Matrix
    /// The per-row values of `target` at the rows of x.
    func objective(_ target: GradientTarget, at x: Matrix) throws(PolytailError) -> [Double]
    /// Row r is ∇ₓ of `target` for sample r alone (not the batch mean), an n × d matrix.
    func inputGradients(of target: GradientTarget, at x: Matrix) throws(PolytailError) -> Matrix
}

extension DifferentiableClassifier {
    /// The posteriors ζ(Z) (n × k), each row summing to one.
    public func posteriors(_ x: Matrix) throws(PolytailError) -> Matrix {
        // Finite for every finite input, even where the logits overflow (OutputLayer).
        try output.posteriors(of: x, logarithm: false) { (x: Matrix) throws(PolytailError) in try logits(x) }
    }

    /// log ζ(Z) (n × k), computed without forming the posteriors (finite where a posterior
    /// underflows).
    public func logPosteriors(_ x: Matrix) throws(PolytailError) -> Matrix {
        output.apply(try logits(x), logarithm: true)
    }

    /// The predicted class argmaxᵢ zᵢ of every row (the first on ties). It is also the
    /// arg-max posterior for both output layers: softmax is increasing in zᵢ, and softRmax
    /// ranks classes by ‖z − eᵢ‖² = ‖z‖² − 2zᵢ + 1, smallest first.
    public func predict(_ x: Matrix) throws(PolytailError) -> [Int] {
        let z = try logits(x)
        let k = z.columns
        return (0..<z.rows).map { r in
            var best = 0
            for i in 1..<max(1, k) where z.elements[r * k + i] > z.elements[r * k + best] { best = i }
            return best
        }
    }

    /// The fraction of rows whose prediction equals the label.
    /// - Throws: `.dimensionMismatch` / `.unknownLabel` for bad labels, `.emptyData` for no rows.
    public func accuracy(_ x: Matrix, labels: [Int]) throws(PolytailError) -> Double {
        guard x.rows > 0 else { throw .emptyData }
        try validateLabels(labels, rows: x.rows, classes: classCount)
        let predicted = try predict(x)
        var correct = 0
        for (p, y) in zip(predicted, labels) where p == y { correct += 1 }
        return Double(correct) / Double(x.rows)
    }
}
