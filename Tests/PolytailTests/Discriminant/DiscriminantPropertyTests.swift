import Foundation
import Testing
@testable import Polytail

extension Tolerance {
    /// Rows of posteriors sum to one within this (absolute).
    static let posteriorSum = 1e-13
}

/// What the maths promises, on seeded simulated data.
@Suite("Discriminant analysis: properties") struct DiscriminantPropertyTests {
    typealias DA = DiscriminantAnalysis<Int>

    /// k classes in d dimensions, t₄-distributed around separated means.
    static func sample(k: Int = 3, d: Int = 3, perClass: Int = 80, seed: UInt64 = 11) -> (Matrix, [Int]) {
        var g = PolytailRandom(seed: seed)
        var e: [Double] = []
        var labels: [Int] = []
        for c in 0..<k {
            for _ in 0..<perClass {
                let s = (g.chiSquared(4) / 4).squareRoot()
                for j in 0..<d { e.append(Double(j == c % d ? 3 * c : 0) + g.standardNormal() / s * (1 + 0.2 * Double(j))) }
                labels.append(c)
            }
        }
        return (Matrix(uncheckedRows: k * perClass, columns: d, elements: e), labels)
    }

    /// Two classes of 100 uniform values each, on [−2, −1] and [1, 2]: lighter-tailed than any t.
    static func lightTailedSample() -> (Matrix, [Int]) {
        var g = PolytailRandom(seed: 3)
        let x0 = (0..<100).map { _ in -2 + g.uniformPositive() }, x1 = (0..<100).map { _ in 1 + g.uniformPositive() }
        return (Matrix(uncheckedRows: 200, columns: 1, elements: x0 + x1), [Int](repeating: 0, count: 100) + [Int](repeating: 1, count: 100))
    }

    static func directions(_ count: Int, d: Int, seed: UInt64 = 5) -> [[Double]] {
        var g = PolytailRandom(seed: seed)
        return (0..<count).map { _ in
            let v = (0..<d).map { _ in g.standardNormal() }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / n }
        }
    }

    static let models: [(DA.Family, DA.Scatter)] = [
        (.normal, .shared), (.normal, .perClass), (.studentT(.fixed(3)), .shared), (.studentT(.estimated()), .shared),
        (.studentT(.estimatedPerGroup()), .shared), (.studentT(.estimated()), .perClass), (.studentT(.estimatedPerGroup()), .perClass),
    ]

    @Test("posteriors sum to one, equal exp(log posteriors), and predict is their arg-max", arguments: models.indices)
    func sumToOne(_ m: Int) throws {
        let (x, y) = Self.sample()
        let (family, scatter) = Self.models[m]
        let modelFit = try DA.fit(x, labels: y, family: family, scatter: scatter)
        let model = modelFit.model
        #expect(modelFit.result.converged)
        var rows = x.rowArrays
        for (r, u) in Self.directions(10, d: 3).enumerated() { rows.append(u.map { $0 * pow(10, Double(r % 8)) }) }
        let z = try Matrix(rowArrays: rows)
        let p = try model.posteriors(z), lp = try model.logPosteriors(z)
        let labels = try model.predict(z)
        for i in 0..<z.rows {
            var s = 0.0
            for j in 0..<3 {
                #expect(!p[i, j].isNaN && !lp[i, j].isNaN)
                s += p[i, j]
                #expect(abs(exp(lp[i, j]) - p[i, j]) <= 1e-14)
            }
            #expect(abs(s - 1) <= Tolerance.posteriorSum)
            let best = (0..<3).max { lp[i, $0] < lp[i, $1] }!
            #expect(labels[i] == model.classLabels[best])
        }
    }

    @Test("tied-ν t-LDA posteriors go to the priors at |x| → ∞ in every direction", arguments: [false, true])
    func tLimit(_ equalPriors: Bool) throws {
        let (x, y) = Self.sample(k: 4, d: 3)
        let modelFit = try DA.fit(x, labels: y, family: .studentT(.estimated()), priors: equalPriors ? .equal : .given([0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4]))
        let model = modelFit.model
        let nu = model.conditionals[0].degreesOfFreedom!
        #expect(model.conditionals.allSatisfy { $0.degreesOfFreedom == nu } && nu < 50)
        for u in Self.directions(20, d: 3) {
            for (radius, tolerance) in [(1e6, 1e-4), (1e12, 1e-10), (1e300, 1e-13)] {
                let p = try model.posteriors(Matrix(rowArrays: [u.map { $0 * radius }]))
                for j in 0..<4 {
                    #expect(abs(p[0, j] - model.priors[j]) <= tolerance, "radius \(radius), class \(j): \(p[0, j])")
                }
            }
        }
    }

    @Test("Gaussian LDA and QDA posteriors go to one-hot at |x| → ∞", arguments: [DA.Scatter.shared, .perClass])
    func normalLimit(_ scatter: DA.Scatter) throws {
        let (x, y) = Self.sample(k: 4, d: 3)
        let modelFit = try DA.fit(x, labels: y, scatter: scatter)
        let model = modelFit.model
        for u in Self.directions(20, d: 3) {
            for radius in [1e6, 1e300] {
                let p = try model.posteriors(Matrix(rowArrays: [u.map { $0 * radius }]))
                let top = (0..<4).map { p[0, $0] }.max()!
                #expect(top == 1, "radius \(radius): \(top)")
            }
        }
    }

    @Test("unequal ν: the class with the smallest ν takes the tails")
    func unequalDF() throws {
        let (x, y) = Self.sample(k: 3, d: 2)
        let modelFit = try DA.fit(x, labels: y, family: .studentT(.fixedPerGroup([5, 2, 8])), priors: .equal)
        let model = modelFit.model
        for u in Self.directions(10, d: 2) {
            let p = try model.posteriors(Matrix(rowArrays: [u.map { $0 * 1e6 }]))
            #expect(p[0, 1] > 1 - 1e-9)
        }
    }

    @Test("per-class t with per-class ν equals MultivariateT.fit on each class")
    func perClassEqualsMultivariateT() throws {
        let (x, y) = Self.sample(k: 3, d: 3, perClass: 120, seed: 12)
        let modelFit = try DA.fit(x, labels: y, family: .studentT(.estimatedPerGroup()), scatter: .perClass)
        let model = modelFit.model
        for c in 0..<3 {
            let rows = x.rowArrays.enumerated().filter { y[$0.offset] == c }.map(\.element)
            let fit = try MultivariateT.fit(Matrix(rowArrays: rows))
            guard case let .studentT(t) = model.conditionals[c] else { Issue.record("not a t"); continue }
            #expect(Tolerance.isClose(t.degreesOfFreedom, fit.model.degreesOfFreedom, relative: 1e-6))
            for j in 0..<3 { #expect(Tolerance.isClose(t.location[j], fit.model.location[j], relative: 1e-7, absolute: 1e-8)) }
            for e in 0..<9 { #expect(Tolerance.isClose(t.scatter.elements[e], fit.model.scatter.elements[e], relative: 1e-7, absolute: 1e-8)) }
            let group = modelFit.result.groupResults![c]
            #expect(Tolerance.isClose(group.logLikelihood, fit.result.logLikelihood, relative: 1e-12))
            // The class's own parameters and their covariance are those of its own fit.
            #expect(group.parameters == fit.result.parameters && group.observationCount == rows.count)
            let a = try #require(group.standardErrors), b = try #require(fit.result.standardErrors)
            for (u, v) in zip(a, b) { #expect(Tolerance.isClose(u, v, relative: 1e-5)) }
        }
        #expect(modelFit.result.parameterCount == 3 * (3 + 6 + 1))
    }

    @Test("normal QDA and LDA: per-class results are the class's multivariate-normal fit")
    func normalGroupResults() throws {
        let (x, y) = Self.sample(k: 3, d: 2, perClass: 80, seed: 13)
        let qdaFit = try DA.fit(x, labels: y, family: .normal, scatter: .perClass)
        let qda = qdaFit.model
        let ldaFit = try DA.fit(x, labels: y, family: .normal, scatter: .shared)
        let lda = ldaFit.model
        for c in 0..<3 {
            let rows = x.rowArrays.enumerated().filter { y[$0.offset] == c }.map(\.element)
            let fit = try MultivariateNormal.fit(Matrix(rowArrays: rows))
            let group = qdaFit.result.groupResults![c]
            #expect(group.parameters == fit.result.parameters)
            for (u, v) in zip(group.estimates, fit.result.estimates) { #expect(Tolerance.isClose(u, v, relative: 1e-12, absolute: 1e-14)) }
            for (u, v) in zip(group.standardErrors!, fit.result.standardErrors!) { #expect(Tolerance.isClose(u, v, relative: 1e-12)) }
            // The class conditional itself is that fit's normal.
            guard case let .normal(own) = qda.conditionals[c] else { Issue.record("not normal"); continue }
            for (u, v) in zip(own.mean + own.covariance.elements, fit.model.mean + fit.model.covariance.elements) {
                #expect(Tolerance.isClose(u, v, relative: 1e-12, absolute: 1e-14))
            }
            // Shared covariance: the class's means only, Cov(μ̂ₖ) = Σ̂/nₖ.
            let shared = ldaFit.result.groupResults![c]
            #expect(shared.parameters == [.meanComponent(0), .meanComponent(1)])
            let sigma = lda.conditionals[c]
            guard case let .normal(m) = sigma else { Issue.record("not normal"); continue }
            #expect(Tolerance.isClose(shared.standardError(.meanComponent(1))!, (m.covariance[1, 1] / Double(rows.count)).squareRoot(), relative: 1e-13))
        }
        #expect(qdaFit.result.parameterCount == 3 * (2 + 3) && ldaFit.result.parameterCount == 3 * 2 + 3)
        #expect(abs(qdaFit.result.logLikelihood - qdaFit.result.groupResults!.reduce(0) { $0 + $1.logLikelihood }) <= 1e-9)
    }

    @Test("the t-LDA fit is a maximum: moving ν, a location or the scatter lowers ℓ", arguments: [false, true])
    func tFitIsMaximum(_ perClassDF: Bool) throws {
        let (x, y) = Self.sample(k: 3, d: 2, perClass: 150, seed: 21)
        let modelFit = try DA.fit(x, labels: y, family: .studentT(perClassDF ? .estimatedPerGroup() : .estimated()))
        let model = modelFit.model
        let groups = (0..<3).map { c in try! Matrix(rowArrays: x.rowArrays.enumerated().filter { y[$0.offset] == c }.map(\.element)) }
        func ll(_ ts: [MultivariateT]) -> Double { zip(ts, groups).reduce(0) { $0 + $1.0.logLikelihood($1.1) } }
        let ts = model.conditionals.map { c -> MultivariateT in if case let .studentT(t) = c { return t }; fatalError() }
        let best = ll(ts)
        #expect(Tolerance.isClose(best, modelFit.result.logLikelihood, relative: 1e-12))
        #expect(!modelFit.result.dfAtBound)
        for factor in [1 - 1e-3, 1 + 1e-3] {
            let moved = try ts.map { try MultivariateT(location: $0.location, scatter: $0.scatter, degreesOfFreedom: $0.degreesOfFreedom * factor) }
            #expect(ll(moved) < best)
            let scaled = try ts.map { t in
                try MultivariateT(location: t.location, scatter: Matrix(rows: 2, columns: 2, elements: t.scatter.elements.map { $0 * factor }),
                                  degreesOfFreedom: t.degreesOfFreedom)
            }
            #expect(ll(scaled) < best)
            var shifted = ts
            shifted[1] = try MultivariateT(location: [ts[1].location[0] + factor - 1, ts[1].location[1]], scatter: ts[1].scatter,
                                           degreesOfFreedom: ts[1].degreesOfFreedom)
            #expect(ll(shifted) < best)
        }
    }

    @Test("t-LDA with a huge fixed ν approaches Gaussian LDA")
    func largeDF() throws {
        let (x, y) = Self.sample()
        let normal = try DA.fit(x, labels: y).model
        let t = try DA.fit(x, labels: y, family: .studentT(.fixed(1e9))).model
        let pn = try normal.posteriors(x), pt = try t.posteriors(x)
        for e in 0..<pn.elements.count { #expect(abs(pn.elements[e] - pt.elements[e]) <= 1e-6) }
    }

    @Test("light-tailed classes stop ν at the bound and say so")
    func lightTails() throws {
        let (x, y) = Self.lightTailedSample()
        let modelFit = try DA.fit(x, labels: y, family: .studentT(.estimatedPerGroup()))
        let model = modelFit.model
        #expect(modelFit.result.groupResults!.allSatisfy(\.dfAtBound) && modelFit.result.dfAtBound)
        #expect(model.conditionals.allSatisfy { $0.degreesOfFreedom == StudentT.largestSearchedDF })
    }

    @Test("blocked, parallel evaluation equals row-by-row evaluation", arguments: models.indices)
    func blocks(_ m: Int) throws {
        let (x, y) = Self.sample(k: 3, d: 3, perClass: 60)
        let (family, scatter) = Self.models[m]
        let modelFit = try DA.fit(x, labels: y, family: family, scatter: scatter)
        let model = modelFit.model
        var g = PolytailRandom(seed: 99)
        let n = 40_000
        let z = Matrix(uncheckedRows: n, columns: 3, elements: (0..<(3 * n)).map { _ in 4 * g.standardNormal() })
        let all = try model.logPosteriors(z)
        for i in stride(from: 0, to: n, by: 997) {
            let one = try model.logPosteriors(Matrix(rowArrays: [Array(z.elements[(3 * i)..<(3 * i + 3)])]))
            for j in 0..<3 { #expect(abs(one[0, j] - all[i, j]) <= 1e-12 * max(1, abs(one[0, j]))) }
        }
    }
}
