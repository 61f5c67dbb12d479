import JSONRPC

/// Runs a model over many beats in chunks on the work pool, reporting progress and stopping when
/// cancelled.
enum BatchRunner {
    /// Most beats per model call; cancellation is checked between chunks.
    static let chunkSize = 512

    /// Class probabilities of `count` beats (row-major `count x classes`), up to `threads` chunks
    /// at once. Each chunk runs on one work-pool thread, so that all inference runs on the pool's
    /// lower-priority threads (none on the cooperative pool's), and the pool shares its threads
    /// between concurrent requests chunk by chunk.
    static func probabilities(
        _ model: ServedModel, windows: [Float], features: [Float], count: Int, threads: Int,
        work: WorkPool, progress: ProgressReporter?
    ) async throws -> [Float] {
        let length = model.recipe.windowValues
        let featureCount = model.recipe.featureCount
        progress?.begin(title: "classify", message: "\(count) beats with \(model.name)", percentage: 0)
        var finished = false
        defer { progress?.end(message: finished ? "\(count) beats classified" : "stopped") }
        // Small batches are still split across the threads, but not below 64 beats a chunk.
        let size = max(64, min(chunkSize, (count + max(1, threads) - 1) / max(1, threads)))
        let chunks = stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
        var results = [[Float]](repeating: [], count: chunks.count)
        try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            var next = 0
            var done = 0
            while next < chunks.count || done < next {
                if next < chunks.count, next - done < max(1, threads) {
                    let (index, range) = (next, chunks[next])
                    let (windowChunk, featureChunk) = (
                        windows[range.lowerBound * length..<range.upperBound * length],
                        features[range.lowerBound * featureCount..<range.upperBound * featureCount]
                    )
                    group.addTask {
                        try Task.checkCancellation()
                        let probabilities = try await work.run {
                            try model.probabilities(
                                windows: windowChunk, features: featureChunk, count: range.count, threads: 1)
                        }
                        return (index, probabilities)
                    }
                    next += 1
                    continue
                }
                guard let (index, probabilities) = try await group.next() else { break }
                results[index] = probabilities
                done += 1
                let classified = results.reduce(0) { $0 + $1.count } / max(1, model.classes.count)
                progress?.report(percentage: classified * 100 / count, message: "\(classified) of \(count) beats")
            }
        }
        finished = true
        return results.flatMap { $0 }
    }
}
