import Foundation
import Polytail

var rng = PolytailRandom(seed: 42)
for (d, n, nu) in [(3, 600, 5.0), (20, 20_000, 4.0), (3, 2000, 1e7)] {
    var s = Matrix.identity(d)
    for i in 0..<d { for j in 0..<d { s[i, j] = i == j ? 1.0 + Double(i) * 0.1 : 0.3 / (1 + Double(abs(i - j))) } }
    let t = try! MultivariateT(location: (0..<d).map { Double($0) }, scatter: s, degreesOfFreedom: min(nu, 1e6))
    let x = nu > 1e6 ? try! MultivariateNormal(mean: t.location, covariance: s).sample(n, using: &rng) : t.sample(n, using: &rng)
    let t0 = Date()
    let f = try! MultivariateT.fit(x)
    print(d, n, f.distribution.degreesOfFreedom, f.result, Date().timeIntervalSince(t0))
    let nf = try! MultivariateNormal.fit(x)
    print("  normal", nf.result.logLikelihood)
}
