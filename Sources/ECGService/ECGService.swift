import Foundation
import JSONRPC
import Logging

/// The ecgd service: its identity and the methods it serves.
public enum ECGService {
    /// The ecgd release version.
    public static let version = "0.1.0"
    /// The version of the ecgd method protocol (protocol/README.md).
    public static let protocolVersion = "1.0"

    /// What ecgd says about itself in `initialize`: besides its formats and rates, how many
    /// models `configuration`'s models directory ships, with a warning when it ships none.
    public static func serverDescription(configuration: ServiceConfiguration) -> ServerDescription {
        var models: [String: JSONValue] = ["shipped": .number(Double(configuration.shippedModelCount))]
        if let warning = configuration.modelsDirectoryWarning { models["warning"] = .string(warning) }
        return ServerDescription(
            name: "ecgd", version: version, protocolVersion: protocolVersion,
            capabilities: [
                "models": .object(models),
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
        // Blocking and CPU-long work runs on a blocking pool, off the cooperative threads, a
        // bounded number of pieces at once for the whole server, shared fairly by connections.
        let work = WorkPool(threads: configuration.maxConcurrentWork)
        let models = ModelRegistry(
            modelsDirectory: configuration.modelsDirectory, maxLoaded: configuration.maxLoadedModels, logger: logger,
            work: work)
        let modelMethods = ModelMethods(registry: models, dataRoot: DataRoot(configuration.dataRoot))
        var methods = MethodRegistry()
        methods.register("detectPeaks", DetectPeaks(signals: signals, work: work), encodingOn: work)
        methods.register("loadModel", modelMethods.loadModel)
        methods.register("unloadModel", modelMethods.unloadModel)
        methods.register("listModels", modelMethods.listModels)
        let classify = Classify(
            signals: signals, registry: models, threads: configuration.inferenceThreads, work: work)
        methods.register("classify", classify, encodingOn: work)
        methods.register("extractBeats", ExtractBeats(signals: signals, registry: models, work: work), encodingOn: work)
        methods.register(
            "plotSegment", PlotSegment(signals: signals, classify: classify, registry: models), encodingOn: work)
        EditorMethods(
            analyzer: DocumentAnalyzer(classify: classify, registry: models), defaults: configuration.documents
        )
        .register(in: &methods)
        return methods
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
    /// Most pieces of CPU-heavy work (file reads, detection, inference, drawing) running at once
    /// for the whole server; more wait their connection's turn.
    public var maxConcurrentWork: Int
    /// How editors' documents are analysed unless a client's `initializationOptions` say otherwise.
    public var documents: DocumentSettings

    /// Where the service finds signals and models, and how much it keeps and uses.
    public init(
        dataRoot: URL, modelsDirectory: URL, maxLoadedModels: Int? = nil,
        inferenceThreads: Int = min(2, ProcessInfo.processInfo.activeProcessorCount),
        documents: DocumentSettings = DocumentSettings(),
        maxConcurrentWork: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.dataRoot = dataRoot
        self.modelsDirectory = modelsDirectory
        self.maxLoadedModels = maxLoadedModels
        self.inferenceThreads = max(1, inferenceThreads)
        self.documents = documents
        self.maxConcurrentWork = max(1, maxConcurrentWork)
    }

    /// The shipped models wherever the binary is started from: `$ECGD_MODELS` when set; else
    /// `PREFIX/share/ecgd/models` for a binary installed as `PREFIX/bin/ecgd`; else the
    /// `models/` directory of the package the binary was built in (the nearest directory above
    /// the executable holding `Package.swift` and `models/`); else `./models`.
    public static func defaultModelsDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL = URL(fileURLWithPath: CommandLine.arguments[0])
    ) -> URL {
        if let given = environment["ECGD_MODELS"], !given.isEmpty {
            return URL(fileURLWithPath: given, isDirectory: true)
        }
        let fm = FileManager.default
        var directory = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = directory.deletingLastPathComponent().appendingPathComponent(
            "share/ecgd/models", isDirectory: true)
        if fm.fileExists(atPath: installed.path) { return installed }
        while directory.path != "/" {
            let models = directory.appendingPathComponent("models", isDirectory: true)
            if fm.fileExists(atPath: directory.appendingPathComponent("Package.swift").path),
                fm.fileExists(atPath: models.path)
            {
                return models
            }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: "models", isDirectory: true)
    }

    /// How many models `modelsDirectory` ships.
    public var shippedModelCount: Int { ModelRegistry.shippedNames(in: modelsDirectory).count }

    /// Why no shipped model can be served (the directory is missing, or holds no model), or nil.
    public var modelsDirectoryWarning: String? { ModelRegistry.warning(forModelsDirectory: modelsDirectory) }
}
