import ECGSignal
import Foundation
import JSONRPC

/// `extractBeats`: the windows and features `classify` would feed a model, for training code
/// that wants the serving preprocessing.
struct ExtractBeats: ServiceMethod {
    struct Params: Decodable, Sendable {
        /// Read by `SignalDecoder`, `LeadRequest` and `Params.peaks`.
        var signal: JSONValue?
        var lead: JSONValue?
        var peaks: JSONValue?
        var model: String?
        /// Read by `BeatRecipe.decode`.
        var inputSpec: JSONValue?

        enum CodingKeys: String, CodingKey, CaseIterable { case signal, lead, peaks, model, inputSpec }
    }

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

    func run(_ params: Params, _ context: RequestContext) async throws -> Result {
        let recipe: BeatRecipe
        switch (params.model, params.inputSpec) {
        case (let name?, nil): recipe = try await registry.model(named: name).recipe
        case (nil, let spec?): recipe = try BeatRecipe.decode(spec, name: "params.inputSpec")
        case (nil, nil): throw ServiceError.invalidParams("params: give either \"model\" or \"inputSpec\"")
        case (_?, _?): throw ServiceError.invalidParams("params: give either \"model\" or \"inputSpec\", not both")
        }
        let signals = self.signals
        let (located, conditioned) = try await LeadPeaks.locate(
            signal: params.signal, lead: params.lead, peaks: params.peaks, signals: signals, work: work,
            alongside: { samples, fs in try recipe.conditioned(samples, fs: fs, signalName: "params.signal") })
        let (fs, lead, leadName, peaks) = (located.recording.fs, located.lead, located.leadName, located.peaks)
        let beats = try await recipe.prepare(
            conditioned: consume conditioned, fs: fs, peaks: peaks, signalName: "params.signal", work: work)
        let width = beats.featureCount
        let shape = [beats.count, recipe.windowLength] + (recipe.channels.count > 1 ? [recipe.channels.count] : [])
        let features: [[Double]] =
            width == 0
            ? [] : (0..<beats.count).map { i in beats.features[i * width..<(i + 1) * width].map(\.shortestDouble) }
        return Result(
            model: params.model, inputSpec: recipe.description, fs: fs, lead: lead,
            leadName: leadName, peaks: beats.peaks, skipped: beats.skipped,
            windows: Result.Matrix(shape: shape, data: Self.base64(beats.windows)),
            features: Result.Features(names: recipe.input.features, values: features))
    }

    /// Little-endian float32 bytes in base64.
    static func base64(_ values: [Float]) -> String {
        values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0).base64EncodedString() }
    }
}
