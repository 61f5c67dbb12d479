import ECGSignal
import Foundation
import JSONRPC

/// `extractBeats`: the windows and features `classify` would feed a model, for training code
/// that wants the serving preprocessing.
struct ExtractBeats {
    struct Result: Encodable, Sendable {
        /// The base64 float32 matrix of `classify`'s binary conventions.
        struct Matrix: Encodable, Sendable {
            var dtype = "float32"
            var encoding = "base64"
            var shape: [Int]
            var data: String
        }
        struct Features: Encodable, Sendable {
            var names: [String]
            var values: [[Double]]
        }
        var model: String?
        var inputSpec: BeatRecipe.Description
        /// The signal's rate and lead.
        var fs: Double
        var lead: Int
        var leadName: String
        /// R-peak of each window, in the signal's sample numbering.
        var peaks: [Int]
        /// R-peaks of beats left out (window past an edge, or missing samples).
        var skipped: [Int]
        /// `[beats, windowLength]`, or `[beats, windowLength, channels]` for several channels,
        /// at `inputSpec.samplingRate`.
        var windows: Matrix
        var features: Features
    }

    let signals: SignalDecoder
    let registry: ModelRegistry
    var work = WorkPool()

    func callAsFunction(_ params: JSONValue?, _ context: RequestContext) async throws -> JSONValue {
        let fields = try Params.object(params, known: ["signal", "lead", "peaks", "model", "inputSpec"])
        let recipe: BeatRecipe
        let modelName = try fields.string("model")
        switch (modelName, fields.members["inputSpec"]) {
        case (let name?, nil): recipe = try await registry.model(named: name).recipe
        case (nil, let spec?): recipe = try BeatRecipe.decode(spec, name: "params.inputSpec")
        case (nil, nil): throw ServiceError.invalidParams("params: give either \"model\" or \"inputSpec\"")
        case (_?, _?): throw ServiceError.invalidParams("params: give either \"model\" or \"inputSpec\", not both")
        }
        let signals = self.signals
        let (located, beats) = try await work.run {
            let located = try LeadPeaks.locate(fields, signals: signals)
            return (located, try recipe.prepare(
                signal: located.signal, fs: located.recording.fs, peaks: located.peaks, signalName: "params.signal"))
        }
        let (recording, lead) = (located.recording, located.lead)
        let width = beats.featureCount
        return try JSONValueEncoder().encode(
            Result(
                model: modelName, inputSpec: recipe.description, fs: recording.fs, lead: lead,
                leadName: located.leadName, peaks: beats.peaks, skipped: beats.skipped,
                windows: .init(
                    shape: [beats.count, recipe.windowLength] + (recipe.channels.count > 1 ? [recipe.channels.count] : []),
                    data: Self.base64(beats.windows)),
                features: .init(
                    names: recipe.input.features,
                    values: width == 0
                        ? [] : (0..<beats.count).map { i in beats.features[i * width..<(i + 1) * width].map(\.shortestDouble) })))
    }

    /// Little-endian float32 bytes in base64.
    static func base64(_ values: [Float]) -> String {
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        for (i, value) in values.enumerated() {
            let bits = value.bitPattern
            bytes[4 * i] = UInt8(truncatingIfNeeded: bits)
            bytes[4 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            bytes[4 * i + 2] = UInt8(truncatingIfNeeded: bits >> 16)
            bytes[4 * i + 3] = UInt8(truncatingIfNeeded: bits >> 24)
        }
        return Data(bytes).base64EncodedString()
    }
}
