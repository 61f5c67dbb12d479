import ArgumentParser
import ECGService
import Foundation
import JSONRPC

/// `ecgd detect FILE`: the R-peaks of a recording, as `detectPeaks` finds them.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect the R-peaks of a WFDB, EDF or CSV recording (the detectPeaks method, in process).",
        discussion: """
            Prints one line per R-peak: its sample, time in seconds, the RR interval before it and \
            the instantaneous heart rate; --format json prints detectPeaks' result as the daemon \
            answers it. Bad input ends with exit status 1 and the method's error message.
            """)

    @OptionGroup var recording: RecordingOptions
    @OptionGroup var output: OneShotOptions

    func run() async throws {
        var params: [String: JSONValue] = ["signal": recording.signal]
        if let lead = recording.leadParam { params["lead"] = lead }
        let result = try await output.call("detectPeaks", params, dataRoot: recording.location.dataRoot)
        if output.format == .json { return output.printJSON(result) }
        let peaks = result["peaks"]?.arrayValue?.compactMap(\.intValue) ?? []
        let times = result["times"]?.arrayValue?.compactMap(\.numberValue) ?? []
        let rr = result["rr"]?.arrayValue?.compactMap(\.numberValue) ?? []
        let rows = peaks.indices.map { i in
            [
                String(peaks[i]), decimal(times[i], 4), i > 0 ? decimal(rr[i - 1], 4) : "",
                i > 0 ? decimal(60 / rr[i - 1], 1) : "",
            ]
        }
        output.printRows(header: ["sample", "time", "rr", "heart_rate"], rows: rows)
        if output.format == .table, let rate = result["heartRate"], let mean = rate["mean"]?.numberValue {
            print(
                "\(peaks.count) beats in \(decimal(result["durationSeconds"]?.numberValue, 1)) s of \(result["leadName"]?.stringValue ?? "") at \(decimal(result["fs"]?.numberValue, 0)) Hz; heart rate \(decimal(mean, 1)) bpm (\(decimal(rate["min"]?.numberValue, 1))-\(decimal(rate["max"]?.numberValue, 1)))"
            )
        }
    }
}
