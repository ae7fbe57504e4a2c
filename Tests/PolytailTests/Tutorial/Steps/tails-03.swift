import Polytail

/// p(y0 | x) of the linear regressor z = x W + b with the given output layer, fitted by
/// L-BFGS with a small weight decay to class 0 on [−1, 0] and class 1 on [1, 2].
func regressorPosterior(at grid: [Double], output: OutputLayer) throws -> [Double] {
    var generator = PolytailRandom(seed: 2)
    let x = (0..<200).map { i in (i < 100 ? -1.0 : 1.0) + generator.uniformPositive() }
    let labels = (0..<200).map { $0 < 100 ? 0 : 1 }
    let observations = try Matrix(rows: 200, columns: 1, elements: x)
    let fit = try LinearClassifier.fit(observations, labels: labels, classCount: 2, output: output,
                                       weightDecay: 1e-3, optimizer: .lbfgs(maxIterations: 5000, tolerance: 1e-9))
    let points = try Matrix(rows: grid.count, columns: 1, elements: grid)
    return try fit.model.posteriors(points).rowArrays.map { $0[0] }
}
