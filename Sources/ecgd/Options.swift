import ArgumentParser
import ECGService
import Foundation
import JSONRPC

/// Where the service finds files and models.
struct ServiceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory that `signal.path` parameters are resolved in; paths outside it are refused.",
            valueName: "dir"))
    var dataRoot: String = "."

    @Option(name: .long, help: ServiceOptions.modelsHelp)
    var models: String?

    /// `--models`, with the default this binary would use.
    static let modelsHelp = ArgumentHelp(
        "Directory of shipped models (NAME/model.json). Default: $ECGD_MODELS, else the models of this build (now \(ServiceConfiguration.defaultModelsDirectory().path)).",
        valueName: "dir")

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Most models kept loaded at once; loading one more evicts the least recently used (default: no limit).",
            valueName: "n"))
    var maxModels: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Model for editors' CSV documents (default: one that fits each document; a client's initializationOptions.model overrides).",
            valueName: "name"))
    var documentModel: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Sampling rate of raw ECG CSV documents (default: from a time column, else 360).", valueName: "hz"))
    var documentFs: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Most pieces of CPU-heavy work (file reads, detection, inference, drawing) run at once for all clients; more wait, queued fairly per connection (default: one per core).",
            valueName: "n"))
    var maxConcurrentWork: Int?

    func validate() throws {
        if let maxModels, maxModels < 1 { throw ValidationError("--max-models must be at least 1") }
        if let maxConcurrentWork, maxConcurrentWork < 1 {
            throw ValidationError("--max-concurrent-work must be at least 1")
        }
    }

    func configuration() -> ServiceConfiguration {
        var configuration = Self.configuration(dataRoot: dataRoot, models: models)
        configuration.maxLoadedModels = maxModels
        if let maxConcurrentWork { configuration.maxConcurrentWork = maxConcurrentWork }
        configuration.documents = DocumentSettings(model: documentModel, fs: documentFs)
        return configuration
    }

    /// The service configuration for a data root and an optional models directory (default:
    /// the shipped models).
    static func configuration(dataRoot: String, models: String?) -> ServiceConfiguration {
        ServiceConfiguration(
            dataRoot: URL(fileURLWithPath: dataRoot),
            modelsDirectory: models.map { URL(fileURLWithPath: $0) } ?? ServiceConfiguration.defaultModelsDirectory())
    }
}

/// Transport limits, each with a safe default.
struct LimitOptions: ParsableArguments {
    private static let defaults = TransportLimits()

    @Option(name: .long, help: ArgumentHelp("Largest header block in bytes.", valueName: "bytes"))
    var maxHeaderBytes = defaults.maxHeaderBytes

    @Option(name: .long, help: ArgumentHelp("Largest frame body (Content-Length) in bytes.", valueName: "bytes"))
    var maxFrameBytes = defaults.maxFrameBytes

    @Option(
        name: .long,
        help: ArgumentHelp("Largest body or signal after gzip decompression, in bytes.", valueName: "bytes"))
    var maxDecompressedBytes = defaults.maxDecompressedBytes

    @Option(name: .long, help: ArgumentHelp("Most requests in flight per connection.", valueName: "n"))
    var maxConcurrentRequests = defaults.maxConcurrentRequests

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Gzip responses of at least this many bytes for clients that accept gzip.", valueName: "bytes"))
    var gzipThreshold = defaults.gzipResponseThreshold

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Most bytes of responses a connection may have queued unread; a client that stops reading and lets more pile up is disconnected.",
            valueName: "bytes"))
    var maxQueuedResponseBytes = defaults.maxQueuedResponseBytes

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Cancel a request that runs longer, answering -32004 (default: no limit); a request may ask for less with params.timeoutSeconds.",
            valueName: "seconds"))
    var requestTimeout: Double?

    func validate() throws {
        if let requestTimeout, !(requestTimeout > 0 && requestTimeout.isFinite) {
            throw ValidationError("--request-timeout must be a positive number of seconds")
        }
        for (name, value) in [
            ("--max-header-bytes", maxHeaderBytes), ("--max-frame-bytes", maxFrameBytes),
            ("--max-decompressed-bytes", maxDecompressedBytes), ("--max-concurrent-requests", maxConcurrentRequests),
            ("--max-queued-response-bytes", maxQueuedResponseBytes),
        ] where value <= 0 {
            throw ValidationError("\(name) must be positive")
        }
    }

    var transportLimits: TransportLimits {
        TransportLimits(
            maxHeaderBytes: maxHeaderBytes, maxFrameBytes: maxFrameBytes, maxDecompressedBytes: maxDecompressedBytes,
            maxConcurrentRequests: maxConcurrentRequests, gzipResponseThreshold: gzipThreshold,
            maxQueuedResponseBytes: maxQueuedResponseBytes, requestTimeout: requestTimeout.map { .seconds($0) })
    }
}

/// The reference annotations and the lead that `score` and `evaluate-detector` compare on.
struct ReferenceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Reference annotator (file extension).", valueName: "name"))
    var annotator = "atr"

    @Option(name: .long, help: ArgumentHelp("Lead to detect on (default: MLII if named, else 0).", valueName: "index"))
    var lead: Int?
}
