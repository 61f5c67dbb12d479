import JSON

extension BeatRecipe {
    /// Reads an `inputSpec` parameter: a model card's `input` object (`InputSpec`), checked.
    static func decode(_ value: JSONValue?, name: String) throws(ServiceError) -> BeatRecipe {
        let input = try Params.decode(InputSpec.self, from: value, name: name)
        do {
            return try BeatRecipe(input: input, name: name)
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
