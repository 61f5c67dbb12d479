/// Name and shape of a model input or output; the first axis (-1) is the batch.
public struct TensorSpec: Sendable, Equatable, Codable {
    /// The tensor's name in the model.
    public let name: String
    /// Its dimensions; -1 for the batch.
    public let shape: [Int]

    /// A tensor `name` of `shape`.
    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

/// A loaded model, ready to run batches from any thread; keeps its weights and workspaces warm.
public final class InferenceModel: Sendable {
    /// The inputs `run` expects, in model order.
    public let inputs: [TensorSpec]
    /// The outputs `run` returns, in model order.
    public let outputs: [TensorSpec]
    /// "onnx" or "keras".
    public let format: String
    /// The file or directory the model came from.
    public let source: String
    private let executor: Executor

    init(graph: Graph, format: String, source: String) {
        executor = Executor(graph: graph)
        inputs = graph.inputs.map { TensorSpec(name: $0.name, shape: [-1] + graph.values[$0.value].shape) }
        outputs = graph.outputs.map { TensorSpec(name: $0.name, shape: [-1] + graph.values[$0.value].shape) }
        self.format = format
        self.source = source
    }

    /// Bytes held while warm: weights plus the workspaces of two threads.
    public var memoryBytes: Int { executor.graph.weightBytes + 2 * executor.arenaBytes }

    /// Operators left after fusion (reported by `ecgd benchmark-inference`).
    public var nodeCount: Int { executor.graph.nodes.count }

    /// The GEMM kernel models use on this machine ("avx512", "avx2" or "portable"; see ECGD_SIMD).
    public static var kernelName: String { GemmKernel.selected.name }

    /// Runs a batch. Every input must be given by name with shape [batch] + the input's
    /// per-sample shape (all inputs share one batch size) and finite values; returns every
    /// output by name. Anything else throws `ModelError.invalidInput`.
    public func run(_ feeds: [String: Tensor], threads: Int = 1) throws -> [String: Tensor] {
        var batch: Int?
        var tensors: [Tensor] = []
        for spec in inputs {
            guard let t = feeds[spec.name] else {
                throw ModelError.invalidInput(reason: "missing input '\(spec.name)' of shape \(spec.shape)")
            }
            guard t.shape.count == spec.shape.count, Array(t.shape.dropFirst()) == Array(spec.shape.dropFirst()),
                ModelLimits.elementCount(t.shape, limit: .max) == t.data.count
            else {
                throw ModelError.invalidInput(
                    reason:
                        "input '\(spec.name)' has shape \(t.shape) and \(t.data.count) values, expected \(spec.shape)")
            }
            if let i = t.data.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.invalidInput(
                    reason: "input '\(spec.name)' holds \(t.data[i]) at index \(i) (values must be finite)")
            }
            if let b = batch, b != t.shape[0] {
                throw ModelError.invalidInput(reason: "input '\(spec.name)' has batch \(t.shape[0]), others have \(b)")
            }
            batch = t.shape[0]
            tensors.append(t)
        }
        if let extra = feeds.keys.first(where: { k in !inputs.contains { $0.name == k } }) {
            throw ModelError.invalidInput(reason: "the model has no input '\(extra)'")
        }
        let n = batch ?? 0
        let counts = try outputs.map { spec in
            guard let c = ModelLimits.elementCount([n] + spec.shape.dropFirst(), limit: ModelLimits.maxBatchElements)
            else {
                throw ModelError.invalidInput(
                    reason:
                        "a batch of \(n) makes output '\(spec.name)' larger than \(ModelLimits.maxBatchElements) values (the limit); split it"
                )
            }
            return c
        }
        let buffers = counts.map { UnsafeMutablePointer<Float>.allocate(capacity: max($0, 1)) }
        defer {
            for buffer in buffers { buffer.deallocate() }
        }
        if n > 0 { execute(tensors, into: buffers, batch: n, threads: threads) }
        let results = zip(outputs, zip(buffers, counts)).map { spec, buffer in
            Tensor(
                unchecked: [n] + spec.shape.dropFirst(),
                data: Array(UnsafeBufferPointer(start: buffer.0, count: buffer.1)))
        }
        return Dictionary(uniqueKeysWithValues: zip(outputs.map(\.name), results))
    }

    private func execute(_ tensors: [Tensor], into outputs: [UnsafeMutablePointer<Float>], batch: Int, threads: Int) {
        // Pin every input buffer, then hand raw pointers to the executor.
        func pin(_ i: Int, _ acc: [UnsafePointer<Float>]) {
            if i == tensors.count {
                executor.run(batch: batch, inputs: acc, outputs: outputs, threads: threads)
                return
            }
            tensors[i].data.withUnsafeBufferPointer { pin(i + 1, acc + [$0.baseAddress!]) }
        }
        pin(0, [])
    }
}
