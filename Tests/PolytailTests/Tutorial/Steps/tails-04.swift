import Polytail

/// The four models of the tutorial far from the data: p(y0 | x) at x = −50 and x = +50.
func tailPosteriors() throws -> [String: [Double]] {
    let far = [-50.0, 50.0]
    return [
        "Gaussian LDA": try gaussianLDAPosterior(at: far),
        "t-LDA, ν = 1": try tLDAPosterior(at: far, degreesOfFreedom: 1),
        "softmax": try regressorPosterior(at: far, output: .softmax),
        "softRmax": try regressorPosterior(at: far, output: .softRmax),
    ]
}
