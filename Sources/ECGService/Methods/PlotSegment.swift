import ECGPlot
import ECGSignal
import Foundation
import JSONRPC

/// `plotSegment`: a picture of a stretch of a recording, or of one cut beat, on ECG paper.
///
/// With a `model` the beats are detected and classified through `Classify`, so the picture
/// shows exactly what `classify` answers. Every parameter is checked before anything is
/// detected, classified or drawn.
struct PlotSegment: ServiceMethod {
    /// plotSegment's params: checked against `CodingKeys` as every method's are (unknown members
    /// refused), then read member by member by the plot readers (`PlotOptions`, `PlotWindow`,
    /// `PlotMarks`, `SignalDecoder`, `BeatsInput`), whose messages name each member's path. Most
    /// members take several shapes or depend on each other (a window in seconds or samples,
    /// sizes in several units), which is why they are not decoded into typed members here.
    struct Params: Decodable, Sendable {
        let fields: Fields

        enum CodingKeys: String, CodingKey, CaseIterable {
            case signal, lead, leads, rhythm, window, peaks, labels, probabilities, reference, highlight, beats, index,
                fs
            case features, model, layout, speed, gain, style, size, dpi, format, title, showProbabilities
        }

        init(from decoder: Decoder) throws {
            _ = try decoder.container(keyedBy: CodingKeys.self)
            let members = try decoder.singleValueContainer().decode(JSONValue.self).objectValue ?? [:]
            fields = Fields(members: members, name: "params")
        }
    }

    let signals: SignalDecoder
    let classify: Classify
    let registry: ModelRegistry
    var work: WorkPool { classify.work }

    /// Parameters of one mode only.
    static let signalOnly = ["lead", "leads", "rhythm", "window", "peaks", "probabilities", "reference", "highlight"]
    static let beatsOnly = ["index", "fs", "features"]

    /// What a mode hands to the renderer, and what the result reports.
    struct Drawing {
        var request: PlotRequest
        var options: PlotOptions
        /// The drawn beats as the result lists them.
        var beats: [JSONValue]
        var model: String?
    }

    func run(_ params: Params, _ context: RequestContext) async throws -> JSONValue {
        let fields = params.fields
        let drawing: Drawing
        switch (fields.members["signal"], fields.members["beats"]) {
        case (_?, nil):
            for key in Self.beatsOnly where fields.members[key] != nil {
                throw ServiceError.invalidParams("params.\(key): only applies with \"beats\"")
            }
            drawing = try await plotSignal(fields, context)
        case (nil, _?):
            for key in Self.signalOnly where fields.members[key] != nil {
                throw ServiceError.invalidParams("params.\(key): only applies with \"signal\"")
            }
            drawing = try await plotBeat(fields, context)
        case (nil, nil): throw ServiceError.invalidParams("params: give either \"signal\" or \"beats\"")
        case (_?, _?): throw ServiceError.invalidParams("params: give either \"signal\" or \"beats\", not both")
        }
        let plot = try await work.run { try Self.render(drawing) }
        return PlotResult.json(plot, drawing)
    }

    /// Draws, turning the renderer's errors into errors that name the parameter at fault.
    static func render(_ drawing: Drawing) throws -> RenderedPlot {
        do throws(PlotError) {
            return try ECGPlotter.render(drawing.request, size: drawing.options.size, format: drawing.options.format)
        } catch {
            throw serviceError(error, drawing.options)
        }
    }

    /// Checks that a picture of `request` fits `options`' size, before any beat is detected or classified.
    static func checkSize(_ request: PlotRequest, _ options: PlotOptions) throws {
        do throws(PlotError) {
            _ = try ECGPlotter.measure(request, size: options.size)
        } catch {
            throw serviceError(error, options)
        }
    }

    private static func serviceError(_ error: PlotError, _ options: PlotOptions) -> Error {
        let sizeGiven = options.size.width != nil || options.size.height != nil
        switch error {
        case .badLength(let side, _): return ServiceError.invalidParams("params.size.\(side.rawValue): \(error)")
        case .tooNarrow:
            return ServiceError.invalidParams(
                "params.size.width: \(error); give a lower speed, a shorter window or no dpi")
        case .tooShort: return ServiceError.invalidParams("params.size.height: \(error)")
        case .fitResolution: return ServiceError.invalidParams("params.size.width: \(error)")
        case .resolution: return ServiceError.invalidParams("params.dpi: \(error)")
        case .tooManyPixels where sizeGiven: return ServiceError.invalidParams("params.size: \(error)")
        case .tooManyPixels where options.size.dpi != nil:
            return ServiceError.invalidParams(
                "params.dpi: \(error); a lower dpi, a shorter window or a lower speed draws less")
        case .tooManyPixels:
            return ServiceError.invalidParams("params.window: \(error); a shorter window or a lower speed draws less")
        case .window(let message): return ServiceError.invalidParams("params.window: \(message)")
        case .leads(let message): return ServiceError.invalidParams("params.leads: \(message)")
        case .paper(let message): return ServiceError.invalidParams("params: \(message)")
        case .rendering(let message):
            return ResponseError.internalError("plotSegment: the picture could not be drawn (\(message))")
        }
    }
}
