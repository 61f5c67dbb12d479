import ArgumentParser
import ECGService
import Foundation
import JSONRPC

/// `ecgd plot FILE --start S --end E -o out.png`: a stretch of a recording on ECG paper, as
/// `plotSegment` draws it.
struct PlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a stretch of a recording on ECG paper (the plotSegment method, in process).",
        discussion: """
            Writes a PNG, SVG or PDF, chosen by the extension of -o. With --model the beats are \
            detected, classified and labelled as classify labels them; with --reference the \
            record's annotations are drawn too. Prints the beats drawn (--format table, csv or \
            json; json prints plotSegment's result without the picture). Bad input ends with exit \
            status 1 and the method's error message.
            """)

    @OptionGroup var recording: RecordingOptions

    @Option(name: .long, help: ArgumentHelp("Start of the stretch, in seconds (default 0).", valueName: "seconds"))
    var start: Double?

    @Option(
        name: .long,
        help: ArgumentHelp("End of the stretch, in seconds (default: 10 s after the start).", valueName: "seconds"))
    var end: Double?

    @Option(
        name: .shortAndLong, help: ArgumentHelp("The picture to write: a .png, .svg or .pdf file.", valueName: "file"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("Label the beats with this model's classes.", valueName: "name"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("strip, stack or 12lead (default: strip).", valueName: "layout"))
    var layout: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Leads to stack, comma-separated names or indices (--layout stack; default: every lead).",
            valueName: "leads"))
    var leads: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Draw this annotator's reference beats, such as atr (WFDB records).", valueName: "annotator")
    )
    var reference: String?

    @Option(name: .long, help: ArgumentHelp("Paper speed in mm/s (default 25).", valueName: "mm/s"))
    var speed: Double?

    @Option(name: .long, help: ArgumentHelp("Gain in mm/mV (default 10).", valueName: "mm/mV"))
    var gain: Double?

    @Option(name: .long, help: ArgumentHelp("ecg (standard paper) or plain (default: ecg).", valueName: "style"))
    var style: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Picture width in pixels (default: from the paper at 100 dpi).", valueName: "pixels"))
    var width: Int?

    @Option(name: .long, help: ArgumentHelp("Picture height in pixels.", valueName: "pixels"))
    var height: Int?

    @Flag(name: .long, help: "Print each label's probability next to it.")
    var showProbabilities = false

    @OptionGroup var report: OneShotOptions

    func validate() throws {
        guard Self.formats.contains(imageFormat) else {
            throw ValidationError("-o must name a .png, .svg or .pdf file")
        }
    }

    func run() async throws {
        let result = try await report.call("plotSegment", params, dataRoot: recording.location.dataRoot)
        guard let data = result["data"]?.stringValue,
            let bytes = imageFormat == "svg" ? Data(data.utf8) : Data(base64Encoded: data)
        else {
            throw ValidationError("plotSegment answered no picture")
        }
        do {
            try bytes.write(to: URL(fileURLWithPath: output))
        } catch {
            FileHandle.standardError.write(
                Data("ecgd plot: cannot write \(output): \(error.localizedDescription)\n".utf8))
            throw ExitCode(1)
        }
        if report.format == .json {
            guard case .object(var members) = result else { return }
            members["data"] = nil
            return report.printJSON(.object(members))
        }
        let beats = result["beats"]?.arrayValue ?? []
        report.printRows(
            header: ["sample", "time", "label", "probability"],
            rows: beats.map { beat in
                [
                    beat["sample"]?.intValue.map(String.init) ?? "", decimal(beat["time"]?.numberValue, 3),
                    beat["label"]?.stringValue ?? "", decimal(beat["probability"]?.numberValue, 4),
                ]
            })
        if report.format == .table {
            let width = result["width"]?.intValue ?? 0
            let height = result["height"]?.intValue ?? 0
            print("wrote \(output): \(width)x\(height) \(imageFormat), \(beats.count) beats")
        }
    }

    private static let formats: Set<String> = ["png", "svg", "pdf"]

    private var imageFormat: String { URL(fileURLWithPath: output).pathExtension.lowercased() }

    /// The `plotSegment` params the options describe.
    private var params: [String: JSONValue] {
        var params: [String: JSONValue] = ["signal": recording.signal, "format": .string(imageFormat)]
        var window: [String: JSONValue] = [:]
        if let start { window["start"] = .number(start) }
        if let end { window["end"] = .number(end) }
        if !window.isEmpty { params["window"] = .object(window) }
        if let lead = recording.leadParam { params["lead"] = lead }
        if let leads {
            params["leads"] = .array(
                leads.split(separator: ",").map { name in
                    let name = name.trimmingCharacters(in: .whitespaces)
                    return Int(name).map { .number(Double($0)) } ?? .string(name)
                })
        }
        if let model { params["model"] = .string(model) }
        if let layout { params["layout"] = .string(layout) }
        if let reference { params["reference"] = .string(reference) }
        if let speed { params["speed"] = .number(speed) }
        if let gain { params["gain"] = .number(gain) }
        if let style { params["style"] = .string(style) }
        var size: [String: JSONValue] = [:]
        if let width { size["width"] = .number(Double(width)) }
        if let height { size["height"] = .number(Double(height)) }
        if !size.isEmpty { params["size"] = .object(size) }
        if showProbabilities { params["showProbabilities"] = true }
        return params
    }
}
