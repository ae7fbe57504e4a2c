// Shared pieces of the benchmark executables (their options are ArgumentParser structs read by
// `parseAsScript`: `--help`, exit 2 on a bad command line): progress on stderr, best-of-N wall-clock
// timing, a scratch folder for the data handed to the Python peers, and running a peer.
import Dispatch
import Foundation

/// Writes one line of progress to stderr (results go to stdout).
public func log(_ text: String) { FileHandle.standardError.write((text + "\n").data(using: .utf8)!) }

/// The best wall-clock time of `repeats` runs of `body`, and the value of the last run.
public func time<T>(_ repeats: Int, _ body: () throws -> T) rethrows -> (seconds: Double, value: T) {
    var best = Double.infinity
    var value: T? = nil
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        value = try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (best, value!)
}

/// A temporary folder, removed by `remove()`.
public struct ScratchFolder {
    public let url: URL
    public init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Warns when the benchmark was built without optimisation.
public func warnIfDebug(_ name: String) {
    #if DEBUG
    log("warning: this is a debug build; benchmark with `swift run -c release \(name)`")
    #endif
}

/// Runs the Python peer `script` with `arguments` and returns its stdout, or nil with a
/// one-line reason when python3 cannot start or the script fails (the benchmark then
/// reports the peer as not measured instead of stopping).
public func runPythonPeer(_ script: URL, _ arguments: [String]) -> (output: Data?, note: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    do {
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            return (nil, "python3 \(script.lastPathComponent) exited with status \(process.terminationStatus)")
        }
        return (data, "")
    } catch {
        return (nil, "python3 could not be started: \(error)")
    }
}

/// The lines of a peer's output decoded as `T`, one JSON object a line (others skipped).
public func decodeLines<T: Decodable>(_ data: Data, as type: T.Type = T.self) -> [T] {
    String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
        try? JSONDecoder().decode(T.self, from: Data($0.utf8))
    }
}

/// The CPU model from /proc/cpuinfo ("unknown CPU" elsewhere) and the 1-minute load average
/// ("?" when unknown), for the line that says where a benchmark ran.
public func machineDescription() -> (cpu: String, load: String) {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
    return (cpu, load)
}
