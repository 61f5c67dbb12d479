import Dispatch
import Foundation

/// Long reads split into consecutive parts of blocks decoded in parallel, each into its own
/// samples of the outputs, so that a day-long file reads at the speed of all cores.
enum ParallelRead {
    /// Parts for a read of `blocks` blocks: one per core (at most 8), each of at least four
    /// blocks, so that short reads stay on one thread.
    static func parts(blocks: Int) -> Int {
        max(1, min(blocks / 4, ProcessInfo.processInfo.activeProcessorCount, 8))
    }

    /// Runs `body` on `parts` consecutive ranges covering `0 ..< blocks`, in parallel, and
    /// returns their results in order; when parts fail, rethrows the error of the first, the
    /// one a sequential read would have met.
    static func map<T>(blocks: Int, parts: Int, _ body: (Range<Int>) throws -> T) throws -> [T] {
        var outcomes = [Result<T, any Error>?](repeating: nil, count: parts)
        // Each part touches only its own result and the outputs' own samples.
        withoutActuallyEscaping(body) { body in
            let body = UncheckedSendable(body)
            outcomes.withUnsafeMutableBufferPointer { results in
                let results = UncheckedSendable(results)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let range = (part * blocks / parts)..<((part + 1) * blocks / parts)
                    results.value[part] = Result { try body.value(range) }
                }
            }
        }
        return try outcomes.map { try $0!.get() }
    }

    /// Runs `body` with the base address of each array's storage (nil for an empty array),
    /// for parts that each write their own elements.
    static func withPointers<T>(
        _ arrays: inout [[Double]], _ body: ([UnsafeMutablePointer<Double>?]) throws -> T
    ) rethrows -> T {
        try arrays.withUnsafeMutableBufferPointer { arrays in
            func nest(_ i: Int, _ pointers: [UnsafeMutablePointer<Double>?]) throws -> T {
                guard i < arrays.count else { return try body(pointers) }
                return try arrays[i].withUnsafeMutableBufferPointer { try nest(i + 1, pointers + [$0.baseAddress]) }
            }
            return try nest(0, [])
        }
    }
}
