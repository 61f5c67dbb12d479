import JSONRPC

/// Runs a model over many beats in chunks, reporting progress and stopping when cancelled.
enum BatchRunner {
    /// Beats per model call; cancellation is checked between chunks.
    static let chunkSize = 512

    /// Class probabilities of `count` beats (row-major `count x classes`).
    static func probabilities(
        _ model: ServedModel, windows: [Float], features: [Float], count: Int, threads: Int,
        progress: ProgressReporter?
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
            out += try model.probabilities(
                windows: windows[start * length..<end * length],
                features: features[start * featureCount..<end * featureCount],
                count: end - start, threads: threads)
            progress?.report(percentage: end * 100 / count, message: "\(end) of \(count) beats")
            start = end
            await Task.yield()
        }
        finished = true
        return out
    }
}
