import Foundation
import Testing
@testable import Polytail
@testable import PolytailCLI

/// Tolerances of the mergeable-statistics suite: sums added in another order (shards,
/// blocks) agree with the in-memory fit to rounding; Newton's optimum to its tolerance.
enum MergeableTolerance {
    /// Normal fit from merged shards vs. the two-pass in-memory fit (relative).
    static let normal = 1e-13
    /// t fit by passes vs. in memory: parameters (relative; Newton's stopping rule on the
    /// decrement leaves them within about 1e-9) and log-likelihood (relative).
    static let tParameters = 1e-8
    static let tLogLikelihood = 1e-13
}

@Suite struct MergeableStatisticsTests {
    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-300)
    }

    static func sample(_ n: Int, seed: UInt64, nu: Double = 3) -> [Double] {
        var g = PolytailRandom(seed: seed)
        let t = try! StudentT(degreesOfFreedom: nu, location: 2, scale: 0.5)
        return (0..<n).map { _ in t.sample(using: &g) }
    }

    /// Splits `x` (and `w`) into `count` shards of random sizes.
    static func shards(_ x: [Double], _ w: [Double]?, count: Int, seed: UInt64) -> [([Double], [Double]?)] {
        var g = PolytailRandom(seed: seed)
        var cuts = (0..<(count - 1)).map { _ in Int.random(in: 0...x.count, using: &g) }.sorted()
        cuts = [0] + cuts + [x.count]
        return (0..<count).map { k in
            let r = cuts[k]..<cuts[k + 1]
            return (Array(x[r]), w.map { Array($0[r]) })
        }
    }

    @Test(arguments: [false, true])
    func normalFromShardsEqualsInMemory(weighted: Bool) throws {
        let x = Self.sample(5_000, seed: 1)
        var g = PolytailRandom(seed: 2)
        let w: [Double]? = weighted ? x.map { _ in Double(Int.random(in: 0...3, using: &g)) } : nil
        let reference = try Normal.fit(x, weights: w)
        var orders: [[Double]] = []
        for seed in [3, 4, 5] as [UInt64] {
            var parts = Self.shards(x, w, count: 7, seed: seed).map { (x, w) in
                var s = NormalStatistics()
                try! s.add(x, weights: w)
                return s
            }
            parts.shuffle(using: &g)
            let merged = parts.reduce(NormalStatistics()) { $0.merged(with: $1) }
            let fit = try merged.fit()
            #expect(Self.close(fit.model.mean, reference.model.mean, MergeableTolerance.normal))
            #expect(Self.close(fit.model.standardDeviation, reference.model.standardDeviation, MergeableTolerance.normal))
            #expect(Self.close(fit.result.logLikelihood, reference.result.logLikelihood, MergeableTolerance.normal))
            #expect(fit.result.observationCount == reference.result.observationCount)
            orders.append([fit.model.mean, fit.model.standardDeviation])
        }
        // Shard order and sizes do not matter (beyond rounding).
        for o in orders { #expect(Self.close(o[0], orders[0][0], MergeableTolerance.normal)) }
    }

    @Test(arguments: [DegreesOfFreedomRule.estimated, .fixed(4)])
    func tByPassesOverShardsEqualsInMemory(rule: DegreesOfFreedomRule) throws {
        let x = Self.sample(20_000, seed: 7)
        let reference = try StudentT.fit(x, degreesOfFreedom: rule)
        let shardData = Self.shards(x, nil, count: 5, seed: 8)
        var statistics = NormalStatistics()
        for (xs, _) in shardData { var s = NormalStatistics(); try s.add(xs); statistics = statistics.merged(with: s) }
        for (start, order) in [(nil, [0, 1, 2, 3, 4]), (try StudentT(degreesOfFreedom: 5, location: 1.9, scale: 0.6), [4, 2, 0, 3, 1])] as [(StudentT?, [Int])] {
            var passes = 0
            let fit = try StudentT.fit(statistics: statistics, start: start, degreesOfFreedom: rule) { (pass: inout StudentTPass) throws(PolytailError) in
                passes += 1
                // Each shard makes its own pass at the point, shipped as JSON, merged in any order.
                var merged = pass
                for k in order {
                    var part = pass
                    try part.add(shardData[k].0)
                    let shipped = try! JSONDecoder().decode(StudentTPass.self, from: JSONEncoder().encode(part))
                    #expect(shipped == part)
                    merged = try merged.merged(with: shipped)
                }
                pass = merged
            }
            #expect(Self.close(fit.model.location, reference.model.location, MergeableTolerance.tParameters))
            #expect(Self.close(fit.model.scale, reference.model.scale, MergeableTolerance.tParameters))
            #expect(Self.close(fit.model.degreesOfFreedom, reference.model.degreesOfFreedom, MergeableTolerance.tParameters))
            #expect(Self.close(fit.result.logLikelihood, reference.result.logLikelihood, MergeableTolerance.tLogLikelihood))
            #expect(fit.result.converged && passes < 30)
            #expect(fit.result.standardErrors?.count == reference.result.standardErrors?.count)
        }
    }

    @Test func passErrorsAreRethrownAndPointsMustMatch() throws {
        var statistics = NormalStatistics()
        try statistics.add([1, 2, 3, 5, 8])
        expectError(PolytailError.emptyData) {
            try StudentT.fit(statistics: statistics) { (_: inout StudentTPass) throws(PolytailError) in throw .emptyData }
        }
        let a = StudentTPass(at: try StudentT(degreesOfFreedom: 3, location: 0, scale: 1))
        let b = StudentTPass(at: try StudentT(degreesOfFreedom: 3, location: 1, scale: 1))
        #expect(throws: PolytailError.self) { try a.merged(with: b) }
        var c = a
        expectError(PolytailError.nonFiniteValue(row: 1, column: nil)) { try c.add([1, .nan]) }
        expectError(PolytailError.invalidWeight(row: 0)) { try c.add([1], weights: [-1]) }
        #expect(c == a)
        var s = NormalStatistics()
        expectError(PolytailError.dimensionMismatch(what: "weights", expected: 2, got: 1)) { try s.add([1, 2], weights: [1]) }
        expectError(PolytailError.emptyData) { try s.fit() }
        try s.add([4])
        expectError(PolytailError.tooFewObservations(needed: 2, got: 1)) { try s.fit() }
        try s.add([4, 4])
        expectError(PolytailError.constantData(column: nil)) { try s.fit() }
    }

    @Test func codableRoundTripAndCorruptInput() throws {
        var s = NormalStatistics()
        try s.add([1, 2.5, -3], weights: [1, 2, 0.5])
        let json = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(NormalStatistics.self, from: json) == s)
        #expect(try JSONDecoder().decode(NormalStatistics.self, from: JSONEncoder().encode(NormalStatistics())) == NormalStatistics())
        let corrupt = [
            #"{"observationCount":3,"totalWeight":-1,"mean":0,"sumOfSquaredDeviations":1,"minimum":-1,"maximum":1}"#,
            #"{"observationCount":3,"totalWeight":2,"mean":5,"sumOfSquaredDeviations":1,"minimum":-1,"maximum":1}"#,
            #"{"observationCount":3,"totalWeight":2,"mean":0,"sumOfSquaredDeviations":-1,"minimum":-1,"maximum":1}"#,
            #"{"observationCount":0,"totalWeight":2}"#,
            #"{"observationCount":-1,"totalWeight":0}"#,
        ]
        for text in corrupt {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(NormalStatistics.self, from: Data(text.utf8)) }
        }
        var p = StudentTPass(at: try StudentT(degreesOfFreedom: 3, location: 0.1, scale: 0.7))
        try p.add([0.3, -2, 5])
        #expect(try JSONDecoder().decode(StudentTPass.self, from: JSONEncoder().encode(p)) == p)
        var text = String(decoding: try JSONEncoder().encode(p), as: UTF8.self)
        text = text.replacingOccurrences(of: #""su":"#, with: #""su":-"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StudentTPass.self, from: Data(text.utf8)) }
    }

    /// `polytail fit --stream` gives the in-memory fit; blocks of 65,536 rows make several
    /// blocks per pass here.
    @Test(arguments: ["t", "normal"])
    func cliStreamEqualsInMemory(family: String) throws {
        let x = Self.sample(150_000, seed: 11)
        var g = PolytailRandom(seed: 12)
        let w = x.map { _ in Double(Int.random(in: 1...3, using: &g)) }
        var text = "x,w\n"
        for (v, wi) in zip(x, w) { text += "\(v),\(wi)\n" }
        let path = try TempFiles.write(text, name: "stream.csv").path
        for extra in [[], ["--weights", "w"]] {
            let memory = runPolytail(arguments: ["fit", path, "--family", family, "--columns", "x"] + extra)
            let streamed = runPolytail(arguments: ["fit", path, "--family", family, "--columns", "x", "--stream"] + extra)
            #expect(memory.exitCode == 0 && streamed.exitCode == 0, "\(streamed.stderr)")
            let a = try JSONSerialization.jsonObject(with: Data(memory.stdout.utf8)) as! [String: Any]
            let b = try JSONSerialization.jsonObject(with: Data(streamed.stdout.utf8)) as! [String: Any]
            for key in ["location", "scale", "logLikelihood"] {
                #expect(Self.close(a[key] as! Double, b[key] as! Double, MergeableTolerance.tParameters), "\(key)")
            }
            #expect(a["n"] as? Int == b["n"] as? Int)
            #expect((b["passes"] as? Int ?? 0) >= 1)
        }
        let stdin = runPolytail(arguments: ["fit", "-", "--family", "t", "--stream"])
        if family == "t" { #expect(stdin.exitCode == 2 && stdin.stderr.contains("standard input")) }
        let multi = runPolytail(arguments: ["fit", path, "--family", family, "--stream"])
        #expect(multi.exitCode == 2 && multi.stderr.contains("one column"))
    }
}
