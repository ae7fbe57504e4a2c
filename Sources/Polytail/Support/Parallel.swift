import Dispatch
import Foundation

/// Wraps a value whose cross-thread use the caller guarantees to be safe.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}

/// Concurrent loops over chunks. `map` writes each chunk's result through a buffer pointer
/// into its own slot of one array (documented raw-pointer use: concurrent writers to
/// distinct elements, which a Swift array cannot take by value).
enum Parallel {
    /// Number of chunks to split `n` items of cheap per-item work into: one below
    /// `threshold` items (threads do not pay there), else twice the active cores.
    static func chunkCount(_ n: Int, threshold: Int = 100_000) -> Int {
        n >= threshold ? max(1, ProcessInfo.processInfo.activeProcessorCount * 2) : 1
    }

    /// `n` rows in contiguous chunks (``chunkCount(_:threshold:)``), `body` on each, on all
    /// cores for large `n`, and the parts combined in chunk order — a sum that does not
    /// depend on timing.
    static func reduceChunks<T>(_ n: Int, zero: T, _ combine: (T, T) -> T, _ body: (Range<Int>) -> T) -> T {
        let chunks = chunkCount(n)
        return map(chunks, placeholder: zero) { c in
            body((n * c / chunks)..<(n * (c + 1) / chunks))
        }.reduce(zero, combine)
    }

    /// Runs `body(c)` for c in 0..<count, concurrently, and returns the results in order.
    /// Each call writes only its own slot, so no synchronisation is needed.
    static func map<T>(_ count: Int, placeholder: T, _ body: (Int) -> T) -> [T] {
        if count == 1 { return [body(0)] }
        var results = [T](repeating: placeholder, count: count)
        withoutActuallyEscaping(body) { escapable in
            results.withUnsafeMutableBufferPointer { out in
                let shared = UncheckedSendable(value: (out, escapable))
                DispatchQueue.concurrentPerform(iterations: count) { c in
                    shared.value.0[c] = shared.value.1(c)
                }
            }
        }
        return results
    }
}
