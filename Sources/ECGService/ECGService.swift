import Foundation
import JSONRPC
import Logging

/// The ecgd service: its identity and the methods it serves.
public enum ECGService {
    /// The ecgd release version.
    public static let version = "0.1.0"
    /// The version of the ecgd method protocol (protocol/README.md).
    public static let protocolVersion = "1.0"

    /// What ecgd says about itself in `initialize`.
    public static var serverDescription: ServerDescription {
        ServerDescription(
            name: "ecgd", version: version, protocolVersion: protocolVersion,
            capabilities: [
                "signalEncodings": ["base64", "gzip+base64"],
                "signalDtypes": ["int16", "int32", "float32", "float64"],
                "fileFormats": ["wfdb", "csv", "edf"],
                "samplingRates": [
                    "min": .number(SignalDecoder.samplingRates.lowerBound),
                    "max": .number(SignalDecoder.samplingRates.upperBound),
                ],
            ].merging(EditorMethods.capabilities) { ecgd, _ in ecgd })
    }

    /// Every ecgd method, ready to serve.
    public static func makeRegistry(
        configuration: ServiceConfiguration, limits: TransportLimits, logger: Logger
    ) throws -> MethodRegistry {
        let signals = SignalDecoder(
            dataRoot: DataRoot(configuration.dataRoot), maxDecompressedBytes: limits.maxDecompressedBytes)
        // One model registry for the whole server: every connection shares the warm models.
        // Blocking and CPU-long work runs on NIO's blocking pool, off the cooperative threads.
        let work = WorkPool()
        let models = ModelRegistry(
            modelsDirectory: configuration.modelsDirectory, maxLoaded: configuration.maxLoadedModels, logger: logger,
            work: work)
        let modelMethods = ModelMethods(registry: models, dataRoot: DataRoot(configuration.dataRoot))
        var registry = MethodRegistry()
        registry.register("detectPeaks", handler: DetectPeaks(signals: signals).callAsFunction)
        registry.register("loadModel", handler: modelMethods.loadModel)
        registry.register("unloadModel", handler: modelMethods.unloadModel)
        registry.register("listModels", handler: modelMethods.listModels)
        let classify = Classify(
            signals: signals, registry: models, threads: configuration.inferenceThreads, work: work)
        registry.register("classify", handler: classify.callAsFunction)
        registry.register("extractBeats", handler: ExtractBeats(signals: signals, registry: models, work: work).callAsFunction)
        registry.register("plotSegment", handler: PlotSegment(signals: signals, classify: classify, registry: models).callAsFunction)
        EditorMethods(analyzer: DocumentAnalyzer(classify: classify, registry: models), defaults: configuration.documents)
            .register(in: &registry)
        return registry
    }
}

/// Where the service finds its files.
public struct ServiceConfiguration: Sendable {
    /// `signal.path` parameters are resolved inside this directory and may not leave it.
    public var dataRoot: URL
    /// Shipped models live in `modelsDirectory/NAME/model.json`.
    public var modelsDirectory: URL
    /// Most models kept loaded at once (the least recently used is evicted); nil for no limit.
    public var maxLoadedModels: Int?
    /// Threads one model call may use.
    public var inferenceThreads: Int
    /// How editors' documents are analysed unless a client's `initializationOptions` say otherwise.
    public var documents: DocumentSettings

    public init(
        dataRoot: URL, modelsDirectory: URL, maxLoadedModels: Int? = nil,
        inferenceThreads: Int = min(2, ProcessInfo.processInfo.activeProcessorCount),
        documents: DocumentSettings = DocumentSettings()
    ) {
        self.dataRoot = dataRoot
        self.modelsDirectory = modelsDirectory
        self.maxLoadedModels = maxLoadedModels
        self.inferenceThreads = max(1, inferenceThreads)
        self.documents = documents
    }

    /// `./models` when it exists, else the `models/` directory of the checkout the binary was built in.
    public static func defaultModelsDirectory() -> URL {
        let local = URL(fileURLWithPath: "models", isDirectory: true)
        if FileManager.default.fileExists(atPath: local.path) { return local }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // .build/<config>/ecgd -> repository root
        return executable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models", isDirectory: true)
    }
}
