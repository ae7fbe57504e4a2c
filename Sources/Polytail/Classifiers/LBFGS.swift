import Foundation

/// A compact limited-memory BFGS minimiser (Nocedal & Wright, *Numerical Optimization*,
/// 2nd ed., Algorithm 7.4 for the two-loop recursion, Algorithms 3.5–3.6 for the line
/// search) for smooth objectives with analytic gradients.
///
/// Each iteration takes the quasi-Newton direction d = −H g from the last `memory` pairs
/// (sᵢ, yᵢ) with the initial scaling H₀ = (sᵀy / yᵀy) I, then a step α satisfying the strong
/// Wolfe conditions f(x + αd) ≤ f(x) + c₁ α gᵀd and |g(x + αd)ᵀd| ≤ c₂ |gᵀd| (c₁ = 10⁻⁴,
/// c₂ = 0.9), found by bracketing and safeguarded cubic interpolation. It stops when
/// ‖g‖∞ ≤ `gradientTolerance` (converged), after `maxIterations`, or when the line search
/// can make no further progress (not converged; the best point is returned).
struct LBFGS {
    var memory = 10
    var maxIterations: Int
    var gradientTolerance: Double
    var c1 = 1e-4
    var c2 = 0.9
    var maxLineSearchSteps = 40

    struct Result {
        var x: [Double]
        var value: Double
        var gradientNorm: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
        /// f at the start and after each iteration.
        var history: [Double]
    }

    /// A point on the line: its step, value, gradient and directional derivative.
    private struct Trial {
        var alpha: Double
        var value: Double
        var gradient: [Double]
        var slope: Double
    }

    /// Minimises `objective`, which returns f(x) and writes ∇f(x) into its second argument.
    /// Returns `nil` when f or ∇f is not finite at the starting point.
    func minimize(start: [Double], _ objective: ([Double], inout [Double]) -> Double) -> Result? {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var evaluations = 1
        var f = objective(x, &g)
        guard f.isFinite, g.allSatisfy(\.isFinite) else { return nil }
        var sList: [[Double]] = []
        var yList: [[Double]] = []
        var rhoList: [Double] = []
        var iterations = 0
        var converged = infinityNorm(g) <= gradientTolerance
        var retriedSteepest = false
        var history = [f]

        while !converged && iterations < maxIterations {
            // Two-loop recursion: d = −H g.
            var q = g
            var alphas = [Double](repeating: 0, count: sList.count)
            for i in stride(from: sList.count - 1, through: 0, by: -1) {
                alphas[i] = rhoList[i] * dot(sList[i], q)
                axpy(-alphas[i], yList[i], &q)
            }
            var initialStep = 1.0
            if let s = sList.last, let y = yList.last {
                let gamma = dot(s, y) / dot(y, y)
                for i in 0..<n { q[i] *= gamma }
            } else {
                // No curvature yet: a steepest-descent step of unit length in the ∞-norm.
                initialStep = 1 / max(1, infinityNorm(g))
            }
            for i in 0..<sList.count {
                let beta = rhoList[i] * dot(yList[i], q)
                axpy(alphas[i] - beta, sList[i], &q)
            }
            var d = q.map { -$0 }
            var slope = dot(d, g)
            if !(slope < 0) {
                // Not a descent direction (lost positive definiteness): restart.
                sList.removeAll(); yList.removeAll(); rhoList.removeAll()
                d = g.map { -$0 }
                slope = dot(d, g)
                initialStep = 1 / max(1, infinityNorm(g))
            }
            guard let accepted = lineSearch(x: x, value: f, direction: d, slope: slope, initialStep: initialStep,
                                             evaluations: &evaluations, objective) else {
                if sList.isEmpty || retriedSteepest { break }
                // Retry once from steepest descent before giving up.
                sList.removeAll(); yList.removeAll(); rhoList.removeAll()
                retriedSteepest = true
                continue
            }
            retriedSteepest = false
            iterations += 1
            var s = d
            for i in 0..<n { s[i] *= accepted.alpha }
            var y = accepted.gradient
            for i in 0..<n { y[i] -= g[i] }
            for i in 0..<n { x[i] += s[i] }
            let previous = f
            f = accepted.value
            g = accepted.gradient
            history.append(f)
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                if sList.count == memory { sList.removeFirst(); yList.removeFirst(); rhoList.removeFirst() }
                sList.append(s); yList.append(y); rhoList.append(1 / sy)
            }
            converged = infinityNorm(g) <= gradientTolerance
            // No measurable decrease and a step that moved nothing: stop, not converged.
            if !converged && previous - f <= 0 && infinityNorm(s) <= 1e-16 * max(1, infinityNorm(x)) { break }
        }
        return Result(x: x, value: f, gradientNorm: infinityNorm(g), iterations: iterations,
                      evaluations: evaluations, converged: converged, history: history)
    }

    /// A step satisfying the strong Wolfe conditions (Nocedal & Wright Algorithm 3.5), or
    /// nil when none was found within `maxLineSearchSteps` evaluations.
    private func lineSearch(
        x: [Double], value f0: Double, direction d: [Double], slope d0: Double, initialStep: Double,
        evaluations: inout Int, _ objective: ([Double], inout [Double]) -> Double
    ) -> Trial? {
        let n = x.count
        var point = x
        var gradient = [Double](repeating: 0, count: n)
        func evaluate(_ alpha: Double) -> Trial {
            for i in 0..<n { point[i] = x[i] + alpha * d[i] }
            evaluations += 1
            let v = objective(point, &gradient)
            let finite = v.isFinite && gradient.allSatisfy(\.isFinite)
            return Trial(alpha: alpha, value: finite ? v : .infinity, gradient: gradient,
                         slope: finite ? dot(gradient, d) : .nan)
        }
        func sufficientDecrease(_ t: Trial) -> Bool { t.value <= f0 + c1 * t.alpha * d0 }
        // Strong Wolfe, or — where f is flat to rounding near a minimum and the decrease
        // test only sees noise — the approximate Wolfe conditions of Hager & Zhang (2005):
        // f(α) ≤ f(0) + ε|f(0)| and c₂ φ'(0) ≤ φ'(α) ≤ (2c₁ − 1) φ'(0).
        let flat = 1e-14 * abs(f0)
        func curvature(_ t: Trial) -> Bool {
            abs(t.slope) <= -c2 * d0 || (t.value <= f0 + flat && t.slope >= c2 * d0 && t.slope <= (2 * c1 - 1) * d0)
        }

        var previous = Trial(alpha: 0, value: f0, gradient: [], slope: d0)
        var alpha = initialStep
        var steps = 0
        while steps < maxLineSearchSteps {
            steps += 1
            let t = evaluate(alpha)
            if !t.value.isFinite {
                // Overshot into a region where f is not finite: shrink towards the last point.
                alpha = previous.alpha + 0.25 * (alpha - previous.alpha)
                continue
            }
            if t.value <= f0 + flat && !sufficientDecrease(t) && curvature(t) { return t }
            if !sufficientDecrease(t) || (steps > 1 && t.value >= previous.value) {
                return zoom(low: previous, high: t, f0: f0, d0: d0, budget: maxLineSearchSteps - steps,
                            evaluate: evaluate, sufficientDecrease: sufficientDecrease, curvature: curvature)
            }
            if curvature(t) { return t }
            if t.slope >= 0 {
                return zoom(low: t, high: previous, f0: f0, d0: d0, budget: maxLineSearchSteps - steps,
                            evaluate: evaluate, sufficientDecrease: sufficientDecrease, curvature: curvature)
            }
            previous = t
            alpha *= 2
        }
        return nil
    }

    /// Nocedal & Wright Algorithm 3.6: shrinks [low, high] (low the better end) by
    /// safeguarded cubic interpolation until a strong Wolfe point is found.
    private func zoom(
        low lowStart: Trial, high highStart: Trial, f0: Double, d0: Double, budget: Int,
        evaluate: (Double) -> Trial, sufficientDecrease: (Trial) -> Bool, curvature: (Trial) -> Bool
    ) -> Trial? {
        var low = lowStart
        var high = highStart
        for _ in 0..<max(0, budget) {
            let width = high.alpha - low.alpha
            if abs(width) <= 1e-16 * max(1, abs(low.alpha)) { break }
            var alpha = cubicMinimizer(low, high) ?? (low.alpha + 0.5 * width)
            // Keep the trial inside the middle 80% of the bracket.
            let lo = min(low.alpha, high.alpha) + 0.1 * abs(width)
            let hi = max(low.alpha, high.alpha) - 0.1 * abs(width)
            if !(alpha >= lo && alpha <= hi) { alpha = low.alpha + 0.5 * width }
            let t = evaluate(alpha)
            if t.value.isFinite && t.value <= f0 + 1e-14 * abs(f0) && curvature(t) { return t }
            if !t.value.isFinite || !sufficientDecrease(t) || t.value >= low.value {
                high = t
            } else {
                if curvature(t) { return t }
                if t.slope * (high.alpha - low.alpha) >= 0 { high = low }
                low = t
            }
        }
        // The bracket collapsed: accept the best point if it decreased f at all.
        return low.alpha > 0 && low.value < f0 ? low : nil
    }

    /// The minimiser of the cubic through two trials' values and slopes (N&W Eq. 3.59),
    /// or nil when it does not exist or a trial has no finite slope.
    private func cubicMinimizer(_ a: Trial, _ b: Trial) -> Double? {
        guard a.slope.isFinite, b.slope.isFinite, b.value.isFinite else { return nil }
        let d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.alpha - b.alpha)
        let discriminant = d1 * d1 - a.slope * b.slope
        guard discriminant >= 0 else { return nil }
        let d2 = (b.alpha > a.alpha ? 1.0 : -1.0) * discriminant.squareRoot()
        let denominator = b.slope - a.slope + 2 * d2
        guard denominator != 0 else { return nil }
        let alpha = b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / denominator
        return alpha.isFinite ? alpha : nil
    }
}

@inline(__always)
private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}

@inline(__always)
private func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    for i in 0..<x.count { y[i] += alpha * x[i] }
}

@inline(__always)
private func infinityNorm(_ a: [Double]) -> Double {
    var m = 0.0
    for v in a { m = max(m, abs(v)) }
    return m
}
