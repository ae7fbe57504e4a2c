import Foundation
import Testing
@testable import Polytail

struct RegressorFixtures: Decodable {
    struct Fit: Decodable {
        var weightDecay: Double
        var weights: [[Double]]
        var bias: [Double]
        var posteriors: [[Double]]
        var polishedPosteriors: [[Double]]
        var objective: Double
    }
    var description: String
    var features: [[Double]]
    var labels: [Int]
    var classes: Int
    var fits: [Fit]

    static let shared: RegressorFixtures? = try? Fixtures.load("regressor.json", as: RegressorFixtures.self)
}

extension Tolerance {
    /// Posteriors against scikit-learn, which stops at a gradient of ~1e-8 (tol = 1e-12).
    static let sklearnPosterior = 1e-6
    /// Posteriors against the Newton-polished optimum, after L-BFGS to ‖∇‖∞ ≤ 1e-10.
    static let polishedPosterior = 1e-8
    /// Objective at the optimum, relative.
    static let objective = 1e-12
    /// Analytic gradients against central differences (h = 1e-6), relative to max(1, |g|).
    static let finiteDifference = 1e-6
}

/// Small seeded data sets for property tests.
enum ClassifierData {
    static func blobs(n: Int, d: Int, k: Int, seed: UInt64, spread: Double = 1) -> (Matrix, [Int]) {
        var rng = PolytailRandom(seed: seed)
        let centres = (0..<k).map { _ in (0..<d).map { _ in 2 * rng.standardNormal() } }
        var rows: [[Double]] = []
        var labels: [Int] = []
        for r in 0..<n {
            let y = r % k
            rows.append(centres[y].map { $0 + spread * rng.standardNormal() })
            labels.append(y)
        }
        return (try! Matrix(rowArrays: rows), labels)
    }

    /// The paper's Fig. 1c: class 0 ~ U[−1, 0], class 1 ~ U[1, 2], one feature.
    static func figure1c(perClass: Int, seed: UInt64) -> (Matrix, [Int]) {
        var rng = PolytailRandom(seed: seed)
        var x: [Double] = []
        var y: [Int] = []
        for _ in 0..<perClass { x.append(-rng.uniformPositive()); y.append(0) }
        for _ in 0..<perClass { x.append(1 + rng.uniformPositive()); y.append(1) }
        return (try! Matrix(rows: x.count, columns: 1, elements: x), y)
    }
}

@Suite("Linear classifier against scikit-learn") struct LinearClassifierReferenceTests {
    @Test("multinomial logistic regression on iris matches LogisticRegression(C = 1/(nλ))")
    func iris() throws {
        let fixture = try #require(RegressorFixtures.shared)
        let x = try Matrix(rowArrays: fixture.features)
        for reference in fixture.fits {
            let fitted = try LinearClassifier.fit(
                x, labels: fixture.labels, classCount: fixture.classes, output: .softmax,
                weightDecay: reference.weightDecay, optimizer: .lbfgs(maxIterations: 1000, tolerance: 1e-10))
            #expect(fitted.result.converged)
            #expect(Tolerance.isClose(fitted.result.training!.loss, reference.objective, relative: Tolerance.objective))
            let p = try fitted.model.posteriors(x)
            var sklearnGap = 0.0, polishedGap = 0.0
            for r in 0..<x.rows {
                for i in 0..<fixture.classes {
                    sklearnGap = max(sklearnGap, abs(p[r, i] - reference.posteriors[r][i]))
                    polishedGap = max(polishedGap, abs(p[r, i] - reference.polishedPosteriors[r][i]))
                }
            }
            #expect(sklearnGap <= Tolerance.sklearnPosterior, "λ = \(reference.weightDecay): gap to sklearn \(sklearnGap)")
            #expect(polishedGap <= Tolerance.polishedPosterior, "λ = \(reference.weightDecay): gap to optimum \(polishedGap)")
            // W is identified by the penalty (its class columns sum to zero at the optimum); b only
            // up to a shift. W is d × k (fan-in × fan-out); scikit-learn's coef_ is k × d.
            let w = fitted.model.weights
            #expect(w.rows == x.columns && w.columns == fixture.classes)
            for i in 0..<fixture.classes {
                for j in 0..<x.columns { #expect(abs(w[j, i] - reference.weights[i][j]) < 1e-5) }
            }
            let b = fitted.model.bias, rb = reference.bias
            let shift = b.reduce(0, +) / 3 - rb.reduce(0, +) / 3
            for i in 0..<3 { #expect(abs(b[i] - shift - rb[i]) < 1e-5) }
            // The loss method reproduces the training objective.
            let loss = try fitted.model.loss(x, labels: fixture.labels, weightDecay: reference.weightDecay)
            #expect(Tolerance.isClose(loss, fitted.result.training!.loss, relative: 1e-14))
            // The FitResult: ℓ = Σ log p_y(x) at the estimate, against scikit-learn's polished
            // posteriors (each within polishedPosterior, so ℓ within Σ gap / p_y), and the
            // identified parameter count (d + 1)(k − 1) of softmax in AIC and BIC.
            let r = fitted.result
            var referenceLogLikelihood = 0.0, bound = 0.0
            for (row, y) in fixture.labels.enumerated() {
                let py = reference.polishedPosteriors[row][y]
                referenceLogLikelihood += log(py)
                bound += Tolerance.polishedPosterior / py
            }
            #expect(abs(r.logLikelihood - referenceLogLikelihood) <= bound, "ℓ \(r.logLikelihood) vs \(referenceLogLikelihood)")
            #expect(r.observationCount == x.rows && r.parameterCount == (x.columns + 1) * (fixture.classes - 1))
            #expect(Tolerance.isClose(r.aic, -2 * r.logLikelihood + 2 * Double(r.parameterCount), relative: 1e-15))
            #expect(Tolerance.isClose(r.bic, -2 * r.logLikelihood + Double(r.parameterCount) * log(Double(x.rows)), relative: 1e-15))
            // The objective is the mean NLL plus the penalty on W.
            let penalty = 0.5 * reference.weightDecay * w.elements.reduce(0) { $0 + $1 * $1 }
            #expect(Tolerance.isClose(r.training!.loss, -r.logLikelihood / Double(x.rows) + penalty, relative: 1e-12))
            // A penalised fit lists the log odds against class 0 but no covariance, and says why.
            #expect(r.parameters.count == r.parameterCount && r.covariance == nil && r.covarianceOmission == .penalized)
            #expect(r.estimate(.logOddsCoefficient(1, 2)) == w[1, 2] - w[1, 0])
        }
    }
}

@Suite("Linear classifier training and gradients") struct LinearClassifierTests {
    static let outputs = OutputLayer.allCases

    @Test("analytic objective gradient equals central differences",
          arguments: OutputLayer.allCases, [0.0, 0.3])
    func objectiveGradient(output: OutputLayer, weightDecay: Double) {
        let (x, y) = ClassifierData.blobs(n: 24, d: 3, k: 4, seed: 17)
        let problem = TrainingProblem(x: x.elements, labels: y, n: 24, d: 3, k: 4, output: output, weightDecay: weightDecay)
        var rng = PolytailRandom(seed: 2)
        for _ in 0..<3 {
            let theta = (0..<16).map { _ in 0.5 * rng.standardNormal() }
            var gradient = [Double](repeating: 0, count: 16)
            _ = problem.objective(theta, gradient: &gradient)
            for i in 0..<16 {
                let h = 1e-6
                var plus = theta, minus = theta
                plus[i] += h; minus[i] -= h
                let numeric = (problem.value(plus) - problem.value(minus)) / (2 * h)
                #expect(abs(numeric - gradient[i]) <= Tolerance.finiteDifference * max(1, abs(gradient[i])),
                        "\(output) λ = \(weightDecay) θ[\(i)]: analytic \(gradient[i]), numeric \(numeric)")
            }
        }
    }

    @Test("input gradients of every target equal central differences of the objective", arguments: OutputLayer.allCases)
    func inputGradients(output: OutputLayer) throws {
        var rng = PolytailRandom(seed: 8)
        let w = try Matrix(rows: 4, columns: 3, elements: (0..<12).map { _ in rng.standardNormal() })  // d × k
        let model = try LinearClassifier(weights: w, bias: [0.1, -0.2, 0.3], output: output)
        let x = try Matrix(rows: 2, columns: 4, elements: (0..<8).map { _ in rng.standardNormal() })
        let labels = [1, 2]
        for target in [GradientTarget.loss(labels: labels), .crossEntropyOnLogits(labels: labels), .margin(labels: labels), .output(2)] {
            let g = try model.inputGradients(of: target, at: x)
            for r in 0..<2 {
                for j in 0..<4 {
                    let h = 1e-6
                    var plus = x, minus = x
                    plus[r, j] += h; minus[r, j] -= h
                    let numeric = (try model.objective(target, at: plus)[r] - model.objective(target, at: minus)[r]) / (2 * h)
                    #expect(abs(numeric - g[r, j]) <= Tolerance.finiteDifference * max(1, abs(g[r, j])), "\(output) \(target) x[\(r), \(j)]")
                }
            }
        }
        // The logit target's gradient is the logit's column of W.
        let g = try model.inputGradients(of: .output(2), at: x)
        for j in 0..<4 { #expect(g[0, j] == w[j, 2] && g[1, j] == w[j, 2]) }
    }

    @Test("L-BFGS drives the gradient to zero and the loss down", arguments: OutputLayer.allCases, [0.0, 0.01])
    func lbfgsConverges(output: OutputLayer, weightDecay: Double) throws {
        let (x, y) = ClassifierData.blobs(n: 120, d: 2, k: 3, seed: 4, spread: 1.5)
        let fitted = try LinearClassifier.fit(x, labels: y, classCount: 3, output: output,
                                              weightDecay: weightDecay, optimizer: .lbfgs(maxIterations: 2000, tolerance: 1e-8))
        let r = fitted.result
        let gradientNorm = try #require(r.training).gradientNorm, history = try #require(r.objectiveHistory)
        #expect(r.converged, "\(output) λ = \(weightDecay): ‖∇‖ = \(gradientNorm) after \(r.iterations)")
        #expect(gradientNorm <= 1e-8)
        #expect(abs(history.first! - log(3.0)) < 1e-14)  // the mean of n terms −log(1/3)
        #expect(history.last! < history.first!)
        #expect(r.parameterCount == (output == .softmax ? 3 * 2 : 3 * 3))
        // Monotone, up to the rounding the approximate-Wolfe acceptance allows near the optimum.
        #expect(zip(history, history.dropFirst()).allSatisfy { $1 <= $0 + 1e-14 * abs($0) })
        // At the optimum the full gradient, recomputed, is small.
        let problem = TrainingProblem(x: x.elements, labels: y, n: 120, d: 2, k: 3, output: output, weightDecay: weightDecay)
        var g = [Double](repeating: 0, count: 9)
        _ = problem.objective(fitted.model.parameters, gradient: &g)
        #expect(g.map(abs).max()! <= 1e-8)
        let accuracy = zip(try fitted.model.predict(x), y).filter { $0 == $1 }.count
        #expect(Double(accuracy) / 120 > 0.7)
        #expect(r.training?.trainingAccuracy == Double(accuracy) / 120 && r.training!.steps >= r.iterations)
    }

    @Test("Fig. 1c: softRmax is conservative (1/2) in both tails, softmax saturates")
    func figure1c() throws {
        let (x, y) = ClassifierData.figure1c(perClass: 100, seed: 1)
        let far = try Matrix(rows: 4, columns: 1, elements: [-1e6, -1e3, 1e3, 1e6])
        let soft = try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softRmax)
        let hard = try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, weightDecay: 1e-3)
        #expect(soft.result.converged && hard.result.converged)
        for model in [soft.model, hard.model] {
            #expect(try model.predict(x) == y)
        }
        let ps = try soft.model.posteriors(far)
        for r in 0..<4 { #expect(abs(ps[r, 0] - 0.5) < (r == 0 || r == 3 ? 1e-5 : 1e-2), "softRmax p0 at \(far[r, 0]) = \(ps[r, 0])") }
        let ph = try hard.model.posteriors(far)
        #expect(ph[0, 0] == 1 && ph[3, 0] == 0, "softmax should saturate: \(ph[0, 0]), \(ph[3, 0])")
    }

    @Test("tail limit along random directions: 1/k for softRmax, one-hot for softmax", arguments: [2, 3, 5])
    func tailLimit(k: Int) throws {
        let (x, y) = ClassifierData.blobs(n: 30 * k, d: 3, k: k, seed: UInt64(k))
        var rng = PolytailRandom(seed: 99)
        for output in OutputLayer.allCases {
            let model = try LinearClassifier.fit(x, labels: y, classCount: k, output: output, weightDecay: 0.01).model
            for _ in 0..<20 {
                let v = (0..<3).map { _ in rng.standardNormal() }
                let p = try model.posteriors(try Matrix(rows: 1, columns: 3, elements: v.map { 1e6 * $0 })).elements
                if output == .softRmax {
                    #expect(p.allSatisfy { abs($0 - 1 / Double(k)) < 1e-4 }, "softRmax at 1e6·v: \(p)")
                } else {
                    #expect(p.max()! > 1 - 1e-12, "softmax at 1e6·v: \(p)")
                }
            }
        }
    }

    @Test("Adam: seeded runs repeat bit for bit and approach the L-BFGS optimum")
    func adam() throws {
        let fixture = try #require(RegressorFixtures.shared)
        let x = try Matrix(rowArrays: fixture.features)
        let optimizer = ClassifierOptimizer.adam(epochs: 300, batchSize: 16, learningRate: 0.05)
        var g1 = PolytailRandom(seed: 42), g2 = PolytailRandom(seed: 42)
        let a = try LinearClassifier.fit(x, labels: fixture.labels, classCount: 3, output: .softmax, weightDecay: 0.01, optimizer: optimizer, using: &g1)
        let b = try LinearClassifier.fit(x, labels: fixture.labels, classCount: 3, output: .softmax, weightDecay: 0.01, optimizer: optimizer, using: &g2)
        #expect(a == b)
        let history = try #require(a.result.objectiveHistory), objective = try #require(a.result.training).loss
        #expect(a.result.iterations == 300)
        #expect(history.count == 301 && history.last == objective)
        #expect(objective < history[0])
        #expect(objective - fixture.fits[0].objective < 5e-3, "Adam \(objective) vs optimum \(fixture.fits[0].objective)")
        var g3 = PolytailRandom(seed: 7)
        let c = try LinearClassifier.fit(x, labels: fixture.labels, classCount: 3, output: .softRmax, weightDecay: 0.01,
                                         optimizer: .adam(epochs: 50, batchSize: 32, learningRate: 0.01), using: &g3)
        #expect(c.result.training!.loss < c.result.objectiveHistory![0])
        // Adam needs a generator: the generator-free form refuses it.
        #expect(throws: PolytailError.self) {
            try LinearClassifier.fit(x, labels: fixture.labels, classCount: 3, output: .softmax, optimizer: optimizer)
        }
        #expect(c.result.training!.loss < c.result.objectiveHistory![0])
    }
}

@Suite("dgemm wrapper") struct BlasTests {
    @Test("C = α op(A) op(B) + β C for every transpose combination", arguments: [false, true], [false, true])
    func gemm(transposeA: Bool, transposeB: Bool) {
        var rng = PolytailRandom(seed: 21)
        let (m, inner, n) = (3, 4, 5)
        let a = (0..<(m * inner)).map { _ in rng.standardNormal() }   // stored m × inner or inner × m
        let b = (0..<(inner * n)).map { _ in rng.standardNormal() }
        let c0 = (0..<(m * n)).map { _ in rng.standardNormal() }
        func opA(_ i: Int, _ l: Int) -> Double { transposeA ? a[l * m + i] : a[i * inner + l] }
        func opB(_ l: Int, _ j: Int) -> Double { transposeB ? b[j * inner + l] : b[l * n + j] }
        var c = c0
        Blas.gemm(a, rows: transposeA ? inner : m, columns: transposeA ? m : inner, transposeA: transposeA,
                  b, rows: transposeB ? n : inner, columns: transposeB ? inner : n, transposeB: transposeB,
                  into: &c, alpha: 2, beta: 0.5)
        for i in 0..<m {
            for j in 0..<n {
                let expected = 2 * (0..<inner).reduce(0.0) { $0 + opA(i, $1) * opB($1, j) } + 0.5 * c0[i * n + j]
                #expect(abs(c[i * n + j] - expected) < 1e-13)
            }
        }
    }
}

@Suite("Linear classifier errors") struct LinearClassifierErrorTests {
    let x = try! Matrix(rowArrays: [[0, 1], [1, 0], [2, 2], [3, 1]])
    let y = [0, 1, 0, 1]

    @Test("bad training data is a thrown error")
    func dataErrors() throws {
        expectError(PolytailError.emptyData) {
            try LinearClassifier.fit(try Matrix(rows: 0, columns: 2, elements: []), labels: [], classCount: 2, output: .softmax)
        }
        expectError(PolytailError.emptyData) {
            try LinearClassifier.fit(try Matrix(rows: 2, columns: 0, elements: []), labels: [0, 1], classCount: 2, output: .softmax)
        }
        expectError(PolytailError.dimensionMismatch(what: "labels", expected: 4, got: 3)) {
            try LinearClassifier.fit(x, labels: [0, 1, 0], classCount: 2, output: .softRmax)
        }
        expectError(PolytailError.unknownLabel("2 at row 3 (classes are 0..<2)")) {
            try LinearClassifier.fit(x, labels: [0, 1, 0, 2], classCount: 2, output: .softmax)
        }
        expectError(PolytailError.unknownLabel("-1 at row 0 (classes are 0..<2)")) {
            try LinearClassifier.fit(x, labels: [-1, 1, 0, 1], classCount: 2, output: .softmax)
        }
        var bad = x
        bad[2, 1] = .nan
        expectError(PolytailError.nonFiniteValue(row: 2, column: 1)) {
            try LinearClassifier.fit(bad, labels: y, classCount: 2, output: .softmax)
        }
        bad[2, 1] = 0
        bad[3, 0] = -.infinity
        expectError(PolytailError.nonFiniteValue(row: 3, column: 0)) {
            try LinearClassifier.fit(bad, labels: y, classCount: 2, output: .softRmax)
        }
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) {
            try LinearClassifier.fit(x, labels: [1, 1, 1, 1], classCount: 3, output: .softmax)
        }
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) {
            try LinearClassifier.fit(x, labels: [0, 0, 0, 0], classCount: 1, output: .softmax)
        }
    }

    @Test("bad settings are a thrown error")
    func settingErrors() {
        expectError(PolytailError.invalidParameter(name: "weightDecay", value: -1, requirement: "must be finite and non-negative")) {
            try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, weightDecay: -1)
        }
        #expect(throws: PolytailError.self) {
            try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, weightDecay: .nan)
        }
        expectError(PolytailError.invalidParameter(name: "maxIterations", value: 0, requirement: "must be at least 1")) {
            try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, optimizer: .lbfgs(maxIterations: 0))
        }
        expectError(PolytailError.invalidParameter(name: "tolerance", value: 0, requirement: "must be positive and finite")) {
            try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, optimizer: .lbfgs(tolerance: 0))
        }
        var g = PolytailRandom(seed: 1)
        expectError(PolytailError.invalidParameter(name: "epochs", value: 0, requirement: "must be at least 1")) {
            try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, optimizer: .adam(epochs: 0), using: &g)
        }
        expectError(PolytailError.invalidParameter(name: "batchSize", value: 0, requirement: "must be at least 1")) {
            try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, optimizer: .adam(epochs: 1, batchSize: 0), using: &g)
        }
        expectError(PolytailError.invalidParameter(name: "learningRate", value: -0.1, requirement: "must be positive and finite")) {
            try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, optimizer: .adam(epochs: 1, learningRate: -0.1), using: &g)
        }
        expectError(PolytailError.invalidParameter(name: "tolerance", value: .infinity, requirement: "must be positive and finite")) {
            try LinearClassifier.fit(x, labels: y, classCount: 2, output: .softmax, optimizer: .adam(epochs: 1, tolerance: .infinity), using: &g)
        }
    }

    @Test("bad parameters and inputs to a classifier are a thrown error")
    func modelErrors() throws {
        let w = try Matrix(rowArrays: [[1, 0], [0, 1]])
        expectError(PolytailError.tooFewClasses(needed: 2, got: 1)) {
            try LinearClassifier(weights: try Matrix(rowArrays: [[1], [0]]), bias: [0], output: .softmax)
        }
        expectError(PolytailError.emptyData) {
            try LinearClassifier(weights: try Matrix(rows: 0, columns: 2, elements: []), bias: [0, 0], output: .softmax)
        }
        expectError(PolytailError.dimensionMismatch(what: "bias", expected: 2, got: 3)) {
            try LinearClassifier(weights: w, bias: [0, 0, 0], output: .softmax)
        }
        expectError(PolytailError.nonFiniteValue(row: 1, column: 0)) {
            try LinearClassifier(weights: try Matrix(rowArrays: [[1, 0], [.nan, 1]]), bias: [0, 0], output: .softmax)
        }
        expectError(PolytailError.nonFiniteValue(row: 2, column: 1)) {
            try LinearClassifier(weights: w, bias: [0, .infinity], output: .softmax)
        }
        let model = try LinearClassifier(weights: w, bias: [0, 0], output: .softRmax)
        let wrong = try Matrix(rowArrays: [[1, 2, 3]])
        let mismatch = PolytailError.dimensionMismatch(what: "feature columns", expected: 2, got: 3)
        expectError(mismatch) { try model.logits(wrong) }
        expectError(mismatch) { try model.posteriors(wrong) }
        expectError(mismatch) { try model.logPosteriors(wrong) }
        expectError(mismatch) { try model.predict(wrong) }
        expectError(mismatch) { try model.loss(wrong, labels: [0]) }
        expectError(mismatch) { try model.inputGradients(of: .loss(labels: [0]), at: wrong) }
        expectError(PolytailError.dimensionMismatch(what: "labels", expected: 4, got: 1)) {
            try model.inputGradients(of: .loss(labels: [0]), at: x)
        }
        expectError(PolytailError.unknownLabel("5 (classes are 0..<2)")) {
            try model.inputGradients(of: .loss(labels: [5]), at: try Matrix(rowArrays: [[1, 2]]))
        }
        // A single-class label set is fine for evaluating a loss (it is not a fit).
        #expect(try model.loss(try Matrix(rowArrays: [[2, 2], [3, 1]]), labels: [0, 0]).isFinite)
    }
}
