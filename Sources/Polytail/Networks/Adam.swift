import Foundation

// Hot loop (documented raw-pointer use): one update per mini-batch over every parameter
// (≈ 10⁵ for the paper's networks), the moments updated in place through buffer pointers.

/// Adam (Kingma & Ba 2015, Algorithm 1) with the paper's settings β₁ = 0.9, β₂ = 0.999,
/// ε̂ = 10⁻⁸: for every parameter θ with gradient g at step t,
///
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,
///     θ ← θ − α m̂ / (√v̂ + ε̂),   m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ).
///
/// The one Adam of the library: networks (Float32 parameters) and the linear classifier's
/// Adam path (Double) both step through it.
struct Adam<Scalar: BinaryFloatingPoint> {
    static var beta1: Double { 0.9 }
    static var beta2: Double { 0.999 }
    static var epsilon: Double { 1e-8 }

    /// The step size α.
    let learningRate: Double
    /// Steps taken.
    private(set) var step = 0
    private var first: [Scalar]
    private var second: [Scalar]

    /// Zero moments for `count` parameters.
    init(count: Int, learningRate: Double) {
        self.learningRate = learningRate
        first = [Scalar](repeating: 0, count: count)
        second = [Scalar](repeating: 0, count: count)
    }

    /// One update of every θᵢ with gradient gᵢ.
    /// - Complexity: O(count).
    mutating func update(_ theta: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>) {
        precondition(theta.count == first.count && gradient.count == first.count)
        step += 1
        let b1 = Scalar(Self.beta1), b2 = Scalar(Self.beta2), eps = Scalar(Self.epsilon)
        let oneMinusB1 = Scalar(1 - Self.beta1), oneMinusB2 = Scalar(1 - Self.beta2)
        // α / (1 − β₁ᵗ) and 1 / (1 − β₂ᵗ), folded once per step.
        let stepSize = Scalar(learningRate / (1 - pow(Self.beta1, Double(step))))
        let inverseC2 = Scalar(1 / (1 - pow(Self.beta2, Double(step))))
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                for i in 0..<theta.count {
                    let g = gradient[i]
                    m[i] = b1 * m[i] + oneMinusB1 * g
                    v[i] = b2 * v[i] + oneMinusB2 * g * g
                    theta[i] -= stepSize * m[i] / ((v[i] * inverseC2).squareRoot() + eps)
                }
            }
        }
    }

    /// Array form of ``update(_:gradient:)``.
    mutating func update(_ theta: inout [Scalar], gradient: [Scalar]) {
        theta.withUnsafeMutableBufferPointer { t in
            gradient.withUnsafeBufferPointer { g in update(t, gradient: g) }
        }
    }
}
