import ArgumentParser
import ECGInference
import ECGService
import Foundation
import JSON

/// `ecgd benchmark-inference`: times the inference engine on a model, printing JSON.
struct BenchmarkInferenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-inference",
        abstract: "Time the inference engine on a model (.onnx, .keras, Keras directory or model directory).",
        discussion: """
            Every model input gets the same deterministic values scripts/bench_inference.py gives \
            ONNX Runtime: element i of each input tensor is ((i * 7919) mod 1000) / 1000. After \
            warm-up runs, each of --repeat runs of one batch is timed; prints JSON with the \
            median and minimum seconds per batch and beats per second at the median.
            """)

    @Option(name: .long, help: ArgumentHelp("Model file or directory.", valueName: "path"))
    var model: String

    @Option(name: .long, help: "Beats per batch.")
    var batch = 3000

    @Option(name: .long, help: "Threads the batch is split across.")
    var threads = 1

    @Option(name: .long, help: "Timed runs.")
    var `repeat` = 20

    @Option(name: .long, help: "Untimed warm-up runs.")
    var warmup = 3

    func validate() throws {
        guard batch > 0, threads > 0, `repeat` > 0, warmup >= 0 else {
            throw ValidationError("--batch, --threads and --repeat must be positive")
        }
    }

    func run() async throws {
        var url = URL(fileURLWithPath: model)
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("model.json").path) {
            // A model directory: time the file its card names.
            url.appendPathComponent(try ModelCard.read(directory: url).file)
        }
        let clock = ContinuousClock()
        let loadStart = clock.now
        let m = try ModelLoader.load(path: url)
        let loadSeconds = (clock.now - loadStart).seconds
        var feeds: [String: Tensor] = [:]
        for input in m.inputs {
            let shape = [batch] + input.shape.dropFirst()
            let count = shape.reduce(1, *)
            feeds[input.name] = try Tensor(shape: shape, data: (0..<count).map { Float(($0 * 7919) % 1000) / 1000 })
        }
        for _ in 0..<warmup { _ = try m.run(feeds, threads: threads) }
        var times: [Double] = []
        times.reserveCapacity(`repeat`)
        for _ in 0..<`repeat` {
            let start = clock.now
            _ = try m.run(feeds, threads: threads)
            times.append((clock.now - start).seconds)
        }
        let sorted = times.sorted()
        let median =
            sorted.count % 2 == 1
            ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let report: JSONValue = [
            "engine": "ecgd", "model": .string(model), "format": .string(m.format),
            "kernel": .string(InferenceModel.kernelName),
            "batch": .number(Double(batch)), "threads": .number(Double(threads)), "repeat": .number(Double(`repeat`)),
            "loadSeconds": .number(loadSeconds), "medianSeconds": .number(median), "minSeconds": .number(sorted[0]),
            "beatsPerSecond": .number(Double(batch) / median), "memoryBytes": .number(Double(m.memoryBytes)),
            "nodes": .number(Double(m.nodeCount)),
        ]
        print(String(decoding: JSONSerializer.serialize(report), as: UTF8.self))
    }
}
