import ECGInference
import JSONRPC

extension BeatRecipe {
    /// Reads an `inputSpec` parameter: the `input` object of a model card, plus an optional
    /// `segmentation` ("window", the default, or "kachuee").
    static func decode(_ value: JSONRPC.JSONValue?, name: String) throws(ServiceError) -> BeatRecipe {
        guard let value, value != .null else { throw .invalidParams("\(name): missing required member") }
        guard case .object(let members) = value else {
            throw .invalidParams("\(name): expected object, found \(value.typeName)")
        }
        let known: Set<String> = [
            "samplingRate", "samplesBefore", "samplesAfter", "normalization", "features", "windowInput", "featureInput",
            "segmentation", "channels", "highpass",
        ]
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidParams("\(name).\(unknown): unknown member (expected one of \(known.sorted().joined(separator: ", ")))")
        }
        let fields = Fields(members: members, name: name)
        func required<T>(_ key: String, _ value: T?) throws(ServiceError) -> T {
            guard let value else { throw .invalidParams("\(name).\(key): missing required member") }
            return value
        }
        let normalizationName = try fields.string("normalization") ?? "none"
        guard let normalization = Normalization(rawValue: normalizationName) else {
            throw .invalidParams("\(name).normalization: unknown \"\(normalizationName)\" (expected zscore, minmax or none)")
        }
        let segmentationName = try fields.string("segmentation") ?? Segmentation.window.rawValue
        guard let segmentation = Segmentation(rawValue: segmentationName) else {
            throw .invalidParams("\(name).segmentation: unknown \"\(segmentationName)\" (expected window or kachuee)")
        }
        let input = InputSpec(
            samplingRate: try required("samplingRate", fields.number("samplingRate")),
            samplesBefore: try required("samplesBefore", fields.integer("samplesBefore")),
            samplesAfter: try required("samplesAfter", fields.integer("samplesAfter")),
            normalization: normalization, features: try fields.strings("features") ?? [],
            windowInput: try fields.string("windowInput"), featureInput: try fields.string("featureInput"),
            channels: try fields.strings("channels"), highpass: try fields.number("highpass"))
        do {
            return try BeatRecipe(input: input, segmentation: segmentation, name: name)
        } catch {
            throw .invalidParams(error.message)
        }
    }

    /// The recipe as the `inputSpec` of method results.
    var description: Description {
        Description(
            samplingRate: input.samplingRate, samplesBefore: input.samplesBefore, samplesAfter: input.samplesAfter,
            windowLength: windowLength, normalization: input.normalization.rawValue, features: input.features,
            segmentation: segmentation.rawValue, channels: channels.map(\.rawValue), highpass: input.highpass,
            windowInput: input.windowInput, featureInput: input.featureInput)
    }

    /// The `inputSpec` object of method results.
    struct Description: Encodable, Sendable {
        var samplingRate: Double
        var samplesBefore: Int
        var samplesAfter: Int
        var windowLength: Int
        var normalization: String
        var features: [String]
        var segmentation: String
        var channels: [String]
        var highpass: Double?
        var windowInput: String?
        var featureInput: String?
    }
}
