import Polytail

/// Two classes on a line, as in Fig. 1 of the paper: class "y0" uniform on [−2, −1],
/// class "y1" uniform on [1, 2], 100 points each, from a seeded generator.
func twoClassesOnALine() throws -> (observations: Matrix, labels: [String]) {
    var generator = PolytailRandom(seed: 1)
    let x = (0..<200).map { i in (i < 100 ? -2.0 : 1.0) + generator.uniformPositive() }
    let labels = (0..<200).map { $0 < 100 ? "y0" : "y1" }
    return (try Matrix(rows: 200, columns: 1, elements: x), labels)
}

/// p(y0 | x) of Gaussian LDA at each point of `grid`.
func gaussianLDAPosterior(at grid: [Double]) throws -> [Double] {
    let (observations, labels) = try twoClassesOnALine()
    let lda = try DiscriminantAnalysis.fit(observations, labels: labels, family: .normal).model
    let points = try Matrix(rows: grid.count, columns: 1, elements: grid)
    return try lda.posteriors(points).rowArrays.map { $0[0] }
}
