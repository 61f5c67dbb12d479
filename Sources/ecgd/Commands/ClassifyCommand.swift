import ArgumentParser
import ECGService
import Foundation
import JSONRPC

/// `ecgd classify FILE --model NAME`: the class of every beat, as `classify` finds it.
struct ClassifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract:
            "Classify every beat of a recording, or of a beats CSV, with a model (the classify method, in process).",
        discussion: """
            A recording (WFDB, EDF, CSV of samples) is detected, cut and classified; a CSV of one \
            beat per row (such as the Kachuee heartbeat CSVs: 187 values and a label) is classified \
            row by row, with accuracy and a confusion matrix against its label column. Prints one \
            line per beat and the class counts; --format json prints classify's result as the \
            daemon answers it. Progress goes to standard error.
            """)

    @OptionGroup var recording: RecordingOptions

    @Option(name: .long, help: ArgumentHelp("The model (a shipped model's name).", valueName: "name"))
    var model: String

    @Flag(name: .long, help: "Read the CSV as one beat per row (default: when its rows have 32 values or more).")
    var beats = false

    @Flag(name: .long, help: "The beats CSV has no label column.")
    var noLabelColumn = false

    @OptionGroup var output: OneShotOptions

    func run() async throws {
        var params: [String: JSONValue] = ["model": .string(model)]
        let isCSV = recording.file.lowercased().hasSuffix(".csv")
        var text: String?
        if isCSV { text = try? String(contentsOfFile: recording.file, encoding: .utf8) }
        if let text, beats || CSVHead.isBeatsCSV(text) {
            params["beats"] = ["csv": .string(text), "lastColumnIsLabel": .bool(!noLabelColumn)]
        } else {
            if beats { throw ValidationError("--beats needs a readable CSV file") }
            params["signal"] = recording.signal
            if let lead = recording.leadParam { params["lead"] = lead }
        }
        let result = try await output.call("classify", params, dataRoot: recording.location.dataRoot)
        if output.format == .json { return output.printJSON(result) }

        let classes = result["classes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let beatList = result["beats"]?.arrayValue ?? []
        let byRow = params["beats"] != nil
        var header = byRow ? ["line", "label", "probability"] : ["sample", "time", "label", "probability"]
        let withTruth = beatList.first?["trueLabel"] != nil
        if withTruth { header.append("true_label") }
        if output.format == .csv { header += classes.map { "p_\($0)" } }
        let rows = beatList.map { beat -> [String] in
            var row =
                byRow
                ? [beat["line"]?.intValue.map(String.init) ?? ""]
                : [beat["sample"]?.intValue.map(String.init) ?? "", decimal(beat["time"]?.numberValue, 4)]
            row += [beat["label"]?.stringValue ?? "", decimal(beat["probability"]?.numberValue, 4)]
            if withTruth { row.append(beat["trueLabel"]?.stringValue ?? "") }
            if output.format == .csv { row += classes.map { decimal(beat["probabilities"]?[$0]?.numberValue, 4) } }
            return row
        }
        output.printRows(header: header, rows: rows)
        if output.format == .table {
            let counts = classes.map { "\($0) \(result["summary"]?["counts"]?[$0]?.intValue ?? 0)" }
            var summary = "\(beatList.count) beats by \(model): \(counts.joined(separator: ", "))"
            if let accuracy = result["accuracy"]?.numberValue {
                summary += "; accuracy \(decimal(accuracy * 100, 2)) %"
            }
            print(summary)
        }
    }
}
