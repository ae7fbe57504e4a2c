import Polytail

/// p(y0 | x) of t-LDA: Student-t class conditionals with one ν, tied across both classes.
func tLDAPosterior(at grid: [Double], degreesOfFreedom nu: Double) throws -> [Double] {
    let (observations, labels) = try twoClassesOnALine()
    let lda = try DiscriminantAnalysis.fit(observations, labels: labels, family: .studentT(.fixed(nu))).model
    let points = try Matrix(rows: grid.count, columns: 1, elements: grid)
    return try lda.posteriors(points).rowArrays.map { $0[0] }
}
