import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Polytail
@testable import PolytailCLI

/// Tolerances of the mergeable-statistics suite: sums added in another order (shards,
/// blocks) agree with the in-memory fit to rounding; Newton's optimum to its tolerance.
enum MergeableTolerance {
    /// Normal fit from merged shards vs. the two-pass in-memory fit (relative).
    static let normal = 1e-13
    /// Multivariate normal from merged shards vs. in memory: the scatter entries and ℓ
    /// (through log det Σ̂, which adds the entries' relative errors) agree to a few 1e-12.
    static let multivariateNormal = 1e-11
    /// t fit by passes vs. in memory: parameters (relative) and log-likelihood (relative).
    /// From another start Newton stops at another point of the flat top: at n = 20,000 the
    /// two log-likelihoods differ by one ulp (3.6e-12) while ν differs by 2.7e-7 relative
    /// (ℓ changes by ½·I_νν·δν² ≈ 1e-10 there, below the stopping rule's 1e-13·|ℓ|).
    static let tParameters = 1e-6
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
        // Two data columns: the multivariate normal by one pass; the multivariate t refused.
        let multi = runPolytail(arguments: ["fit", path, "--family", family, "--stream"])
        if family == "t" {
            #expect(multi.exitCode == 2 && multi.stderr.contains("multivariate t") && multi.stdout.isEmpty)
        } else {
            #expect(multi.exitCode == 0, "\(multi.stderr)")
        }
    }

    /// Several columns: merged shards, in any order, give the in-memory multivariate normal.
    @Test(arguments: [false, true])
    func multivariateNormalFromShardsEqualsInMemory(weighted: Bool) throws {
        var g = PolytailRandom(seed: 21)
        let n = 3_000, d = 3
        var elements: [Double] = []
        for _ in 0..<n {
            let z = (0..<d).map { _ in Double.random(in: -1...1, using: &g) }
            elements += [10 + z[0], -5 + z[0] + 0.5 * z[1], 1e3 + z[2] * 0.01 + z[1]]
        }
        let x = try Matrix(rows: n, columns: d, elements: elements)
        let w: [Double]? = weighted ? (0..<n).map { _ in Double(Int.random(in: 0...3, using: &g)) } : nil
        let reference = try MultivariateNormal.fit(x, weights: w)
        var cuts = (0..<6).map { _ in Int.random(in: 0...n, using: &g) }.sorted()
        cuts = [0] + cuts + [n]
        var parts: [MultivariateNormalStatistics] = []
        for k in 0..<(cuts.count - 1) {
            let r = cuts[k]..<cuts[k + 1]
            var s = try MultivariateNormalStatistics(dimension: d)
            try s.add(Matrix(rows: r.count, columns: d, elements: Array(elements[(r.lowerBound * d)..<(r.upperBound * d)])),
                      weights: w.map { Array($0[r]) })
            parts.append(s)
        }
        parts.shuffle(using: &g)
        var merged = try MultivariateNormalStatistics(dimension: d)
        for p in parts { merged = try merged.merged(with: p) }
        let fit = try merged.fit()
        for j in 0..<d {
            #expect(Self.close(fit.model.mean[j], reference.model.mean[j], MergeableTolerance.normal))
            for k in 0..<d {
                #expect(Self.close(fit.model.covariance[j, k], reference.model.covariance[j, k], MergeableTolerance.multivariateNormal))
            }
        }
        #expect(Self.close(fit.result.logLikelihood, reference.result.logLikelihood, MergeableTolerance.multivariateNormal))
        #expect(fit.result.observationCount == reference.result.observationCount)
        #expect(fit.result.parameters == reference.result.parameters)
        // JSON round trip, and corrupt statistics are refused.
        let data = try JSONEncoder().encode(merged)
        #expect(try JSONDecoder().decode(MultivariateNormalStatistics.self, from: data) == merged)
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: #""dimension":3"#, with: #""dimension":2"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(MultivariateNormalStatistics.self, from: Data(text.utf8)) }
    }

    @Test func multivariateNormalStatisticsErrors() throws {
        #expect(throws: PolytailError.self) { try MultivariateNormalStatistics(dimension: 0) }
        var s = try MultivariateNormalStatistics(dimension: 2)
        #expect(throws: PolytailError.emptyData) { try s.fit() }
        #expect(throws: PolytailError.dimensionMismatch(what: "columns", expected: 2, got: 1)) {
            try s.add(Matrix(rows: 2, columns: 1, elements: [1, 2]))
        }
        #expect(throws: PolytailError.nonFiniteValue(row: 1, column: 0)) {
            try s.add(Matrix(rows: 2, columns: 2, elements: [1, 2, .infinity, 3]))
        }
        #expect(throws: PolytailError.invalidWeight(row: 0)) {
            try s.add(Matrix(rows: 1, columns: 2, elements: [1, 2]), weights: [-1])
        }
        #expect(s.observationCount == 0)
        try s.add(Matrix(rows: 2, columns: 2, elements: [1, 5, 2, 5]))
        #expect(throws: PolytailError.tooFewObservations(needed: 3, got: 2)) { try s.fit() }
        try s.add(Matrix(rows: 1, columns: 2, elements: [3, 5]))
        #expect(throws: PolytailError.constantData(column: 1)) { try s.fit() }
        #expect(throws: PolytailError.self) { try s.merged(with: MultivariateNormalStatistics(dimension: 3)) }
    }

    /// Several columns by `polytail fit --stream --family normal` equal the in-memory fit,
    /// with and without weights and missing rows dropped.
    @Test func cliStreamsSeveralColumns() throws {
        var g = PolytailRandom(seed: 31)
        var text = "a,b,w\n"
        for i in 0..<140_000 {
            let a = Double.random(in: -1...1, using: &g), b = a + Double.random(in: -1...1, using: &g)
            text += i % 1000 == 7 ? "NA,\(b),1\n" : "\(a),\(b),\(Int.random(in: 1...3, using: &g))\n"
        }
        let path = try TempFiles.write(text, name: "stream-columns.csv").path
        for extra in [["--columns", "a,b"], ["--weights", "w"]] {
            let args = ["fit", path, "--family", "normal", "--missing", "drop"] + extra
            let memory = runPolytail(arguments: args)
            let streamed = runPolytail(arguments: args + ["--stream"])
            #expect(memory.exitCode == 0 && streamed.exitCode == 0, "\(streamed.stderr)")
            let a = try JSONSerialization.jsonObject(with: Data(memory.stdout.utf8)) as! [String: Any]
            let b = try JSONSerialization.jsonObject(with: Data(streamed.stdout.utf8)) as! [String: Any]
            #expect(a["n"] as? Int == b["n"] as? Int && b["droppedRows"] as? Int == 140)
            #expect(Self.close(a["logLikelihood"] as! Double, b["logLikelihood"] as! Double, MergeableTolerance.multivariateNormal))
            let la = a["location"] as! [Double], lb = b["location"] as! [Double]
            #expect(zip(la, lb).allSatisfy { Self.close($0, $1, MergeableTolerance.multivariateNormal) })
            let sa = (a["scatter"] as! [[Double]]).flatMap { $0 }, sb = (b["scatter"] as! [[Double]]).flatMap { $0 }
            #expect(zip(sa, sb).allSatisfy { Self.close($0, $1, MergeableTolerance.multivariateNormal) })
            #expect(b["passes"] as? Int == 1)
        }
        // A bad cell in a later block names its line.
        let bad = text + "1,oops,1\n"
        let badPath = try TempFiles.write(bad, name: "stream-columns-bad.csv").path
        let failed = runPolytail(arguments: ["fit", badPath, "--family", "normal", "--missing", "drop", "--stream"])
        #expect(failed.exitCode == 1 && failed.stderr.contains("line 140002") && failed.stdout.isEmpty, "\(failed.stderr)")
    }

    /// The t by passes from standard input: copied to a temporary file (removed afterwards),
    /// the same fit as from the file.
    @Test func cliStreamsTheTFromStandardInput() throws {
        let x = Self.sample(70_000, seed: 41)
        let text = "x\n" + x.map { "\($0)" }.joined(separator: "\n") + "\n"
        let path = try TempFiles.write(text, name: "stream-stdin.csv").path
        let fromFile = runPolytail(arguments: ["fit", path, "--stream"])
        // Standard input is this process's: point it at the file for the one call.
        let saved = dup(0)
        let input = open(path, O_RDONLY)
        #expect(saved >= 0 && input >= 0)
        dup2(input, 0)
        let fromStdin = runPolytail(arguments: ["fit", "-", "--stream"])
        dup2(saved, 0)
        Glibc.close(input)
        Glibc.close(saved)
        #expect(fromFile.exitCode == 0 && fromStdin.exitCode == 0, "\(fromStdin.stderr)")
        #expect(fromFile.stdout == fromStdin.stdout)
        // Only the spooled copy's passes: nothing left in the temporary folder.
        let folder = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.hasPrefix("polytail-stdin-") } ?? []
        #expect(left.isEmpty, "\(left)")
    }

    /// The copy of standard input reads a pipe to its end and fails in one line on a bad descriptor.
    @Test func spoolingCopiesAPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let payload = Array(repeating: Array("x\n1.5\n".utf8), count: 1000).flatMap { $0 }
        let writeEnd = fds[1]
        let writer = Thread {
            payload.withUnsafeBytes { _ = write(writeEnd, $0.baseAddress, $0.count) }
            Glibc.close(writeEnd)
        }
        writer.start()
        let path = try FitCommand.spoolStandardInput(fds[0])
        Glibc.close(fds[0])
        defer { unlink(path) }
        #expect(FileManager.default.contents(atPath: path) == Data(payload))
        #expect(throws: FitCommand.Failure.self) { try FitCommand.spoolStandardInput(-1) }
    }
}
