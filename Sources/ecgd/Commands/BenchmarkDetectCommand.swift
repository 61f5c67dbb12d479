import ArgumentParser
import ECGService
import ECGSignal
import Foundation
import JSON

/// `ecgd benchmark-detect`: in-process timing of the QRS detector on one record.
struct BenchmarkDetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-detect",
        abstract: "Time the QRS detector in-process on one WFDB record; prints JSON.",
        discussion: """
            Reads the record once, runs the detector once to warm up, then times --repeat runs \
            of detection alone (filtering, feature, decisions and R-peak refinement) on the MLII \
            lead (or lead 0). Reports wall-clock and process CPU times (the latter, all threads \
            together, is steadier on a busy machine). Build in release (swift build -c release) for meaningful figures.
            """)

    @Option(
        name: .long, help: ArgumentHelp("WFDB record (path without extension or the .hea file).", valueName: "path"))
    var record: String

    @Option(name: .long, help: ArgumentHelp("Number of timed runs.", valueName: "n"))
    var `repeat` = 20

    @Option(name: .long, help: ArgumentHelp("Lead to detect on (default: MLII if named, else 0).", valueName: "index"))
    var lead: Int?

    func validate() throws {
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
    }

    func run() async throws {
        let url = URL(fileURLWithPath: record)
        let base = url.pathExtension == "hea" ? url.deletingPathExtension() : url
        var leadIndex = 0
        let recording = try WFDB.readRecord(at: base) { names in
            leadIndex = lead ?? Recording.defaultLead(among: names)
            guard names.indices.contains(leadIndex) else {
                throw ValidationError("lead \(leadIndex) does not exist (record has \(names.count))")
            }
            return [leadIndex]
        }
        let signal = recording.leads[0]
        let detector = QRSDetector()
        var beats = detector.detect(signal, fs: recording.fs).count
        var times: [Double] = []
        var cpuTimes: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<`repeat` {
            let cpuStart = Self.processCPUMilliseconds()
            let elapsed = clock.measure { beats = detector.detect(signal, fs: recording.fs).count }
            cpuTimes.append(Self.processCPUMilliseconds() - cpuStart)
            times.append(elapsed.seconds * 1e3)
        }
        let report: JSONValue = [
            "record": .string(base.lastPathComponent), "fs": .number(recording.fs),
            "samples": .number(Double(signal.count)),
            "seconds": .number(Double(signal.count) / recording.fs), "beats": .number(Double(beats)),
            "repeat": .number(Double(`repeat`)), "median_ms": .number(Self.median(times)),
            "min_ms": .number(times.min()!),
            "mean_ms": .number(times.reduce(0, +) / Double(times.count)),
            "median_cpu_ms": .number(Self.median(cpuTimes)),
        ]
        print(String(decoding: JSONSerializer.serialize(report), as: UTF8.self))
    }

    static func median(_ values: [Double]) -> Double {
        let v = values.sorted()
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    /// CPU time of the process, every thread (long recordings are detected in parallel
    /// spans); excludes time spent waiting for a busy machine's cores.
    static func processCPUMilliseconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
    }
}
