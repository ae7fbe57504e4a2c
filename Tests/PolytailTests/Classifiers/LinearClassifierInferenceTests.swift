import Foundation
import Testing
@testable import Polytail

/// Tests/Fixtures/classifier_inference.json (make_classifier_inference.py: statsmodels MNLogit
/// and Logit by Newton's method to a score below 1e-9).
struct ClassifierInferenceFixtures: Decodable {
    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var model: String
        var observations: [[Double]]
        var labels: [Int]
        var classCount: Int
        /// (d + 1) × (k − 1): column i − 1 is class i against class 0, intercept first.
        var params: [[Double]]
        var bse: [[Double]]
        /// Covariance of params in class-by-class order (intercept first).
        var cov: [[Double]]
        var confInt95: [[Double]]
        var llf, aic, bic: Double
        var testDescription: String { name }
    }
    var cases: [Case]
    static let shared: ClassifierInferenceFixtures = try! Fixtures.load("classifier_inference.json")
}

extension Tolerance {
    /// Log-odds estimates against statsmodels MNLogit/Logit (both Newton to the last digits;
    /// measured ≤ 3e-10 relative, see the test's printout).
    static let classifierEstimateRelative = 1e-8
    /// Standard errors, covariances and Wald intervals against statsmodels (the same analytic
    /// information at two estimates that agree to ~1e-10; measured ≤ 2e-10).
    static let classifierStandardErrorRelative = 1e-8
    /// softRmax standard errors against the inverse of a central-difference Hessian of ℓ
    /// (step 10⁻⁴, truncation and rounding both ~10⁻⁷ relative).
    static let classifierNumericalHessian = 1e-5
}

@Suite("Linear classifier inference against statsmodels") struct LinearClassifierInferenceTests {
    @Test("softmax: log odds, standard errors, covariance, intervals, ℓ, AIC, BIC as statsmodels MNLogit / Logit",
          arguments: ClassifierInferenceFixtures.shared.cases)
    func statsmodels(_ c: ClassifierInferenceFixtures.Case) throws {
        let x = try Matrix(rowArrays: c.observations)
        let d = x.columns, k = c.classCount
        let fitted = try LinearClassifier.fit(x, labels: c.labels, classCount: k, output: .softmax)
        let r = fitted.result
        #expect(r.converged && r.covarianceEstimator == .observedInformation && r.covarianceOmission == nil)
        #expect(r.parameters.count == (d + 1) * (k - 1) && r.parameterCount == r.parameters.count)
        let covariance = try #require(r.covariance)
        let intervals = try #require(try r.confidenceIntervals(level: 0.95))
        var estimateError = 0.0, seError = 0.0
        for i in 1..<k {
            for u in 0...d {
                let key: FitParameter = u == 0 ? .logOddsIntercept(i) : .logOddsCoefficient(u - 1, i)
                let index = (i - 1) * (d + 1) + u
                #expect(r.parameters[index] == key)
                let estimate = try #require(r.estimate(key)), se = try #require(r.standardError(key))
                let reference = c.params[u][i - 1], referenceSE = c.bse[u][i - 1]
                // The estimate is the model's own log odds.
                let w = fitted.model.weights, b = fitted.model.bias
                #expect(estimate == (u == 0 ? b[i] - b[0] : w[u - 1, i] - w[u - 1, 0]))
                #expect(Tolerance.isClose(estimate, reference, relative: Tolerance.classifierEstimateRelative,
                                          absolute: Tolerance.classifierEstimateRelative * referenceSE),
                        "\(c.name) \(key): \(estimate) vs \(reference)")
                #expect(Tolerance.isClose(se, referenceSE, relative: Tolerance.classifierStandardErrorRelative),
                        "\(c.name) se \(key): \(se) vs \(referenceSE)")
                estimateError = max(estimateError, abs(estimate - reference) / max(abs(reference), referenceSE))
                seError = max(seError, Tolerance.relativeError(se, referenceSE))
                let interval = intervals[index]
                for (ours, theirs) in [(interval.lowerBound, c.confInt95[index][0]), (interval.upperBound, c.confInt95[index][1])] {
                    #expect(abs(ours - theirs) <= Tolerance.classifierStandardErrorRelative * (abs(theirs) + referenceSE),
                            "\(c.name) interval \(key): \(ours) vs \(theirs)")
                }
            }
        }
        let p = r.parameters.count
        for a in 0..<p {
            for b in 0..<p {
                let scale = (c.cov[a][a] * c.cov[b][b]).squareRoot()
                #expect(abs(covariance[a, b] - c.cov[a][b]) <= 2 * Tolerance.classifierStandardErrorRelative * scale,
                        "\(c.name) cov[\(a), \(b)]: \(covariance[a, b]) vs \(c.cov[a][b])")
            }
        }
        print("statsmodels \(c.model) \(c.name): estimates within \(estimateError), standard errors within \(seError), ℓ − ℓ_sm = \(r.logLikelihood - c.llf)")
        #expect(Tolerance.isClose(r.logLikelihood, c.llf, relative: 1e-12))
        #expect(Tolerance.isClose(r.aic, c.aic, relative: 1e-12))
        #expect(Tolerance.isClose(r.bic, c.bic, relative: 1e-12))
        // Our maximum is not below statsmodels' (Newton-polished to rounding level).
        #expect(r.logLikelihood >= c.llf - 1e-11 * abs(c.llf))
    }

    @Test("softRmax: standard errors equal those of a central-difference Hessian of ℓ", arguments: [2, 3])
    func softRmaxNumericalHessian(k: Int) throws {
        let (x, y) = ClassifierData.blobs(n: 90, d: 2, k: k, seed: 31, spread: 2.5)
        let fitted = try LinearClassifier.fit(x, labels: y, classCount: k, output: .softRmax)
        let r = fitted.result
        let d = x.columns, p = (d + 1) * k
        #expect(r.converged && r.parameters.count == p && r.parameterCount == p)
        let covariance = try #require(r.covariance, "softRmax k = \(k): \(String(describing: r.covarianceOmission))")
        // ℓ(ψ) with ψ = (b₀, W₀₀, …, W_{d−1,0}, b₁, …), the order of r.parameters.
        #expect(r.parameters[0] == .bias(0) && r.parameters[1] == .weight(0, 0))
        let base = fitted.model
        func logLikelihood(_ psi: [Double]) throws -> Double {
            var w = base.weights, b = base.bias
            for a in 0..<k {
                b[a] = psi[a * (d + 1)]
                for j in 0..<d { w[j, a] = psi[a * (d + 1) + 1 + j] }
            }
            let model = try LinearClassifier(weights: w, bias: b, output: .softRmax)
            return -Double(x.rows) * (try model.loss(x, labels: y))
        }
        let psi = r.estimates
        #expect(abs(try logLikelihood(psi) - r.logLikelihood) <= 1e-12 * abs(r.logLikelihood))
        var hessian = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in i..<p {
                let hi = 1e-4 * max(1, abs(psi[i])), hj = 1e-4 * max(1, abs(psi[j]))
                func at(_ si: Double, _ sj: Double) throws -> Double {
                    var v = psi
                    v[i] += si * hi
                    v[j] += sj * hj
                    return try logLikelihood(v)
                }
                let value = (try at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * hi * hj)
                hessian[i * p + j] = -value
                hessian[j * p + i] = -value
            }
        }
        let numeric = try Lapack.invertPositiveDefinite(hessian, n: p, what: "numerical information").inverse
        let worst = (0..<p).map { Tolerance.relativeError(covariance[$0, $0].squareRoot(), numeric[$0 * p + $0].squareRoot()) }.max()!
        print("softRmax k = \(k): standard errors within \(worst) of the central-difference Hessian's")
        for i in 0..<p {
            let se = covariance[i, i].squareRoot(), numericSE = numeric[i * p + i].squareRoot()
            #expect(Tolerance.isClose(se, numericSE, relative: Tolerance.classifierNumericalHessian),
                    "softRmax k = \(k) se \(r.parameters[i]): analytic \(se), numerical \(numericSE)")
        }
        // The estimates are the model's own parameters.
        #expect(r.estimate(.weight(1, k - 1)) == base.weights[1, k - 1] && r.estimate(.bias(k - 1)) == base.bias[k - 1])
    }

    @Test("the information does not depend on how its rows are blocked", arguments: OutputLayer.allCases)
    func informationBlocks(output: OutputLayer) throws {
        let (x, y) = ClassifierData.blobs(n: 150, d: 3, k: 4, seed: 9, spread: 2)
        let problem = TrainingProblem(x: x.elements, labels: y, n: 150, d: 3, k: 4, output: output, weightDecay: 0)
        var rng = PolytailRandom(seed: 4)
        let theta = (0..<16).map { _ in 0.3 * rng.standardNormal() }
        let whole = try #require(problem.information(theta, rowsPerBlock: 150))
        for block in [1, 7, 64] {
            let blocked = try #require(problem.information(theta, rowsPerBlock: block))
            let scale = whole.map(abs).max()!
            #expect(zip(whole, blocked).allSatisfy { abs($0 - $1) <= 1e-13 * scale }, "\(output), \(block) rows per block")
        }
    }

    @Test("softmax Newton polish: the gradient at the estimate is at rounding level")
    func polish() throws {
        let c = ClassifierInferenceFixtures.shared.cases[1]
        let x = try Matrix(rowArrays: c.observations)
        // A loose L-BFGS tolerance leaves the polish real work to do.
        let fitted = try LinearClassifier.fit(x, labels: c.labels, classCount: c.classCount, output: .softmax,
                                              optimizer: .lbfgs(tolerance: 1e-4))
        let r = fitted.result
        let training = try #require(r.training), history = try #require(r.objectiveHistory)
        #expect(training.gradientNorm < 1e-12, "‖∇‖∞ = \(training.gradientNorm)")
        #expect(history.count == r.iterations + 1 && history.last == training.loss)
        #expect(Tolerance.isClose(r.logLikelihood, c.llf, relative: 1e-12))
    }

    @Test("no covariance, with the reason: weight decay, non-convergence, separation, collinear variables")
    func omissions() throws {
        let (x, y) = ClassifierData.blobs(n: 60, d: 2, k: 3, seed: 5, spread: 2)
        let penalised = try LinearClassifier.fit(x, labels: y, classCount: 3, output: .softmax, weightDecay: 0.01).result
        #expect(penalised.covariance == nil && penalised.standardErrors == nil && penalised.covarianceOmission == .penalized)
        #expect(penalised.parameters.count == 6 && penalised.estimates.allSatisfy { $0.isFinite })
        #expect(try penalised.confidenceIntervals() == nil)

        let unfinished = try LinearClassifier.fit(x, labels: y, classCount: 3, output: .softRmax,
                                                  optimizer: .lbfgs(maxIterations: 1, tolerance: 1e-12)).result
        #expect(!unfinished.converged && unfinished.covariance == nil && unfinished.covarianceOmission == .notConverged)
        var generator = PolytailRandom(seed: 3)
        let adam = try LinearClassifier.fit(x, labels: y, classCount: 3, output: .softmax,
                                            optimizer: .adam(epochs: 2), using: &generator).result
        #expect(!adam.converged && adam.covarianceOmission == .notConverged)

        // Fig. 1c's two intervals are separated by a gap: softmax has no finite MLE.
        let (gx, gy) = ClassifierData.figure1c(perClass: 50, seed: 2)
        let separated = try LinearClassifier.fit(gx, labels: gy, classCount: 2, output: .softmax).result
        #expect(separated.covariance == nil && separated.covarianceOmission == .separation)
        #expect(separated.estimates.allSatisfy { $0.isFinite })

        // A repeated column: the information is singular along (1, −1).
        let doubled = try Matrix(rowArrays: x.rowArrays.map { [$0[0], $0[1], $0[1]] })
        let collinear = try LinearClassifier.fit(doubled, labels: y, classCount: 3, output: .softmax).result
        #expect(collinear.covariance == nil && collinear.covarianceOmission == .singularInformation)
    }

    @Test("above maximumCovarianceParameters the parameters are listed without a covariance")
    func tooManyParameters() throws {
        // d = 700, k = 4: (d + 1)(k − 1) = 2,103 > 2,000; random labels on 3,000 rows overlap.
        let (n, d, k) = (3_000, 700, 4)
        var rng = PolytailRandom(seed: 12)
        let x = try Matrix(rows: n, columns: d, elements: (0..<(n * d)).map { _ in rng.standardNormal() })
        let y = (0..<n).map { $0 % k }
        let r = try LinearClassifier.fit(x, labels: y, classCount: k, output: .softmax).result
        #expect((d + 1) * (k - 1) > LinearClassifier.maximumCovarianceParameters)
        #expect(r.converged && r.parameters.count == (d + 1) * (k - 1))
        #expect(r.covariance == nil && r.covarianceOmission == .tooManyParameters)
    }

    @Test("the covariance and its omission survive JSON; a result with both is refused")
    func codable() throws {
        let c = ClassifierInferenceFixtures.shared.cases[0]
        let x = try Matrix(rowArrays: c.observations)
        for weightDecay in [0.0, 0.1] {
            let result = try LinearClassifier.fit(x, labels: c.labels, classCount: c.classCount, output: .softmax,
                                                  weightDecay: weightDecay).result
            let decoded = try JSONDecoder().decode(FitResult.self, from: JSONEncoder().encode(result))
            #expect(decoded == result)
        }
        var both = try LinearClassifier.fit(x, labels: c.labels, classCount: c.classCount, output: .softmax).result
        both.covarianceOmission = .penalized
        let data = try JSONEncoder().encode(both)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FitResult.self, from: data) }
    }

    @Test("a saved classifier fit decodes only with its own head's parameters and estimates", arguments: OutputLayer.allCases)
    func savedFitBelongsToTheModel(output: OutputLayer) throws {
        let c = ClassifierInferenceFixtures.shared.cases[0]
        let x = try Matrix(rowArrays: c.observations)
        let fitted = try LinearClassifier.fit(x, labels: c.labels, classCount: c.classCount, output: output)
        let decoded = try JSONDecoder().decode(Fitted<LinearClassifier>.self, from: JSONEncoder().encode(fitted))
        #expect(decoded == fitted)
        func altered(_ change: (inout FitResult) -> Void) -> FitResult {
            var result = fitted.result
            change(&result)
            return result
        }
        let foreignKey: FitParameter = output == .softmax ? .bias(0) : .logOddsIntercept(1)
        let bad = [
            altered { $0.parameters[0] = foreignKey },                              // the other head's key
            altered { $0.parameters[1] = output == .softmax ? .logOddsCoefficient(5, 1) : .weight(5, 0) },  // j ≥ d
            altered { $0.parameters[0] = output == .softmax ? .logOddsIntercept(0) : .bias(3) },            // class out of range
            altered { $0.parameters[0] = .mean },
            altered { $0.estimates[2] += 0.5 },                                     // not the model's value
        ]
        for result in bad {
            #expect(throws: PolytailError.self) { try Fitted(checking: fitted.model, result: result) }
            let json = try JSONEncoder().encode(Fitted(model: fitted.model, result: result))
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Fitted<LinearClassifier>.self, from: json) }
        }
    }
}
