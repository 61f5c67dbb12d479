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
            ])
    }

    /// Every ecgd method, ready to serve.
    public static func makeRegistry(
        configuration: ServiceConfiguration, limits: TransportLimits, logger: Logger
    ) throws -> MethodRegistry {
        let signals = SignalDecoder(
            dataRoot: DataRoot(configuration.dataRoot), maxDecompressedBytes: limits.maxDecompressedBytes)
        var registry = MethodRegistry()
        registry.register("detectPeaks", handler: DetectPeaks(signals: signals).callAsFunction)
        return registry
    }
}

/// Where the service finds its files.
public struct ServiceConfiguration: Sendable {
    /// `signal.path` parameters are resolved inside this directory and may not leave it.
    public var dataRoot: URL
    /// Shipped models live in `modelsDirectory/NAME/model.json`.
    public var modelsDirectory: URL

    public init(dataRoot: URL, modelsDirectory: URL) {
        self.dataRoot = dataRoot
        self.modelsDirectory = modelsDirectory
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
