import Foundation
import Polytail

var rng = PolytailRandom(seed: 42)
for (nu, n) in [(3.0, 1000), (1.0, 1000), (1e9, 1000), (5.0, 1_000_000)] {
    let d = try! StudentT(degreesOfFreedom: min(nu, 1e6), location: 1, scale: 2)
    var x = d.sample(n, using: &rng)
    if nu > 1e8 { x = (0..<n).map { _ in rng.standardNormal() } }
    let t0 = Date()
    let f = try! StudentT.fit(x)
    let dt = Date().timeIntervalSince(t0)
    print(nu, n, f.distribution, f.result, dt)
    if n == 1000 {
        let s = x.map { "\($0)" }.joined(separator: ",")
        try! s.write(toFile: "/tmp/tdata_\(Int(min(nu, 1e6))).txt", atomically: true, encoding: .utf8)
    }
    let nf = try! Normal.fit(x)
    print("  normal LL", nf.result.logLikelihood)
}
