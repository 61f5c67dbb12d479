import JSONRPC

/// Runs a model over many beats in chunks on the work pool, reporting progress and stopping when
/// cancelled.
enum BatchRunner {
    /// Beats per model call; cancellation is checked between chunks.
    static let chunkSize = 512

    /// Class probabilities of `count` beats (row-major `count x classes`).
    static func probabilities(
        _ model: ServedModel, windows: [Float], features: [Float], count: Int, threads: Int,
        work: WorkPool, progress: ProgressReporter?
    ) async throws -> [Float] {
        let length = model.recipe.windowValues
        let featureCount = model.recipe.featureCount
        progress?.begin(title: "classify", message: "\(count) beats with \(model.name)", percentage: 0)
        var finished = false
        defer { progress?.end(message: finished ? "\(count) beats classified" : "stopped") }
        var out: [Float] = []
        out.reserveCapacity(count * model.classes.count)
        var start = 0
        while start < count {
            try Task.checkCancellation()
            let end = min(count, start + chunkSize)
            let (windowChunk, featureChunk) = (
                windows[start * length..<end * length], features[start * featureCount..<end * featureCount]
            )
            let (chunkStart, chunkEnd) = (start, end)
            out += try await work.run {
                try model.probabilities(
                    windows: windowChunk, features: featureChunk, count: chunkEnd - chunkStart, threads: threads)
            }
            progress?.report(percentage: end * 100 / count, message: "\(end) of \(count) beats")
            start = end
        }
        finished = true
        return out
    }
}
