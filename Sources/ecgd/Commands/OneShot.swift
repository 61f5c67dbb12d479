import ArgumentParser
import ECGService
import Foundation
import JSONRPC
import Logging
import Synchronization

/// What the one-shot commands (`detect`, `classify`, `plot`) share: the file to read, how to
/// print, and a call of the service's own method handler, in process.
struct RecordingOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "A WFDB record (path without extension, or the .hea file), an EDF file or a CSV file.", valueName: "file"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("Sampling rate of a CSV file, in Hz.", valueName: "hz"))
    var fs: Double?

    @Option(
        name: .long, help: ArgumentHelp("The CSV column to read (default: every signal column).", valueName: "name"))
    var column: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Lead to analyse: index or name (default: MLII if named, else 0).", valueName: "lead"))
    var lead: String?

    /// The file as a service sees it: the directory is the data root, the name the signal path.
    var location: (dataRoot: URL, path: String) {
        let url = URL(fileURLWithPath: file)
        return (url.deletingLastPathComponent(), url.lastPathComponent)
    }

    /// The `signal` parameter naming the file.
    var signal: JSONValue {
        var signal: [String: JSONValue] = ["path": .string(location.path)]
        if let fs { signal["fs"] = .number(fs) }
        if let column { signal["column"] = .string(column) }
        return .object(signal)
    }

    /// The `lead` parameter: an index or a name.
    var leadParam: JSONValue? {
        lead.map { Int($0).map { .number(Double($0)) } ?? .string($0) }
    }
}

/// How one-shot results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// Aligned columns for people.
    case table
    /// Comma-separated, with a header line.
    case csv
    /// The method's JSON result, as the daemon would answer it.
    case json
}

/// Options every one-shot command has.
struct OneShotOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Output: table, csv or json.", valueName: "format"))
    var format = OutputFormat.table

    @Flag(name: .long, help: "Show progress on standard error even when it is not a terminal.")
    var progress = false

    @Flag(name: .long, help: "No progress on standard error.")
    var quiet = false

    @Option(name: .long, help: ServiceOptions.modelsHelp)
    var models: String?

    /// Calls `method` of the ecgd service in this process, as the daemon would serve it, with the
    /// data root at `dataRoot`. A JSON-RPC error is printed with its message and ends the command
    /// with exit status 1.
    func call(_ method: String, _ params: [String: JSONValue], dataRoot: URL) async throws -> JSONValue {
        bootstrapLogging(level: .warning)
        let limits = TransportLimits()
        let configuration = ServiceOptions.configuration(dataRoot: dataRoot.path, models: models)
        let logger = Logger(label: "ecgd")
        let registry = try ECGService.makeRegistry(configuration: configuration, limits: limits, logger: logger)
        let line = ProgressLine()
        let showProgress = !quiet && (progress || isatty(STDERR_FILENO) == 1)
        do {
            return try await registry.call(
                method, params: .object(params), logger: logger, progress: showProgress ? line.show : nil)
        } catch let error as any ResponseErrorConvertible {
            let response = error.responseError
            FileHandle.standardError.write(Data("ecgd \(method): \(response.message) (error \(response.code))\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Prints rows as `format` says: aligned columns or CSV (JSON is printed by the caller).
    func printRows(header: [String], rows: [[String]]) {
        var out = ""
        if format == .csv {
            out = ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n")
        } else {
            let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
            out = ([header] + rows).map { row in
                row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }.joined(separator: "\n")
        }
        print(out)
    }

    /// Prints a JSON value on one line.
    func printJSON(_ value: JSONValue) {
        FileHandle.standardOutput.write(Data(JSONSerializer.serialize(value) + [0x0A]))
    }
}

/// `$/progress` values on standard error: one line redrawn on a terminal, a line each otherwise.
final class ProgressLine: Sendable {
    private let title = Mutex("")
    private let redraw = isatty(STDERR_FILENO) == 1

    @Sendable func show(_ value: JSONValue) {
        let title = self.title.withLock { title in
            if let new = value["title"]?.stringValue { title = new }
            return title
        }
        let percentage = value["percentage"]?.intValue.map { " \($0)%" } ?? ""
        let text = "\(title):\(percentage) \(value["message"]?.stringValue ?? "")"
        let end = value["kind"]?.stringValue == "end"
        let line =
            redraw
            ? "\r\(text.padding(toLength: max(text.count, 60), withPad: " ", startingAt: 0))\(end ? "\n" : "")"
            : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// A number printed with `digits` decimals.
func decimal(_ value: Double?, _ digits: Int) -> String {
    value.map { String(format: "%.\(digits)f", $0) } ?? ""
}
