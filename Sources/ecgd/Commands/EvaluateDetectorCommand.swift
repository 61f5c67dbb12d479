import ArgumentParser
import ECGService
import ECGSignal
import Foundation
import JSON

/// `ecgd evaluate-detector`: the QRS detector over a directory of WFDB records at several rates.
struct EvaluateDetectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-detector",
        abstract: "Run the QRS detector over a directory of WFDB records at several sampling rates.",
        discussion: """
            For every record with a header and a reference annotation file, and for every rate, \
            the MLII lead (or lead 0) is resampled to the rate (anti-aliased polyphase \
            resampling), reference beats are mapped to the new rate, the detector runs, and \
            detections are scored EC57-style (150 ms, flutter episodes not counted). Prints a \
            per-record table for each rate and a summary of totals (summed counts).
            """)

    @Option(name: .long, help: ArgumentHelp("Directory of WFDB records.", valueName: "dir"))
    var dataDir = "../shared/data/mitdb"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Comma-separated sampling rates in Hz; the record's own rate needs no resampling.", valueName: "list"))
    var rates = "360,125,250,500,1000"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Comma-separated record names (default: every record with annotations).", valueName: "list"))
    var records: String?

    @OptionGroup var reference: ReferenceOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds at the start of each record that are not scored (noise stress records: 300).", valueName: "seconds"
        ))
    var scoreFrom = 0.0

    @Flag(name: .long, help: "Detect on every lead of each record together (the reference lead first).")
    var fuseLeads = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Detector parameter to change, NAME=VALUE (a QRSDetector.Configuration member in seconds, hertz or a ratio); repeat for several. For tuning on records you do not report.",
            valueName: "name=value"))
    var set: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Target for sensitivity and positive predictivity at every rate, in percent.", valueName: "percent"))
    var target = 99.90

    @Flag(name: .long, help: "Print only the summary of totals, not the per-record tables.")
    var summaryOnly = false

    @Flag(name: .long, help: "Print JSON (per rate: per-record and total counts) instead of tables.")
    var json = false

    /// JSON output: one entry per rate.
    struct RateReport: Encodable {
        struct Row: Encodable {
            var record: String
            var tp, fp, fn: Int
            var sensitivity, positivePredictivity: Double
            init(_ name: String, _ s: BeatMatchScore) {
                record = name
                tp = s.tp
                fp = s.fp
                fn = s.fn
                sensitivity = s.sensitivity
                positivePredictivity = s.positivePredictivity
            }
        }
        var rate: Double
        var records: [Row]
        var total: Row
    }

    func validate() throws {
        guard scoreFrom >= 0 else { throw ValidationError("--score-from must not be negative") }
        guard !parsedRates.isEmpty, parsedRates.allSatisfy({ SignalDecoder.samplingRates.contains($0) }) else {
            throw ValidationError(
                "--rates must be a comma-separated list of rates in \(SignalDecoder.samplingRatesText)")
        }
    }

    var parsedRates: [Double] {
        rates.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    func recordNames() throws -> [String] {
        if let records {
            return records.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let dir = URL(fileURLWithPath: dataDir)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let names = Set(files.filter { $0.hasSuffix(".hea") }.map { String($0.dropLast(4)) })
            .filter { files.contains("\($0).\(reference.annotator)") }
        guard !names.isEmpty else {
            throw ValidationError("no records with .hea and .\(reference.annotator) files in \(dir.path)")
        }
        return names.sorted()
    }

    func run() async throws {
        let names = try recordNames()
        let dir = URL(fileURLWithPath: dataDir)
        let annotator = reference.annotator
        let lead = reference.lead
        let scoreFrom = scoreFrom
        let fuseLeads = fuseLeads
        let detector = QRSDetector(configuration: try Self.configuration(set))
        var summary: [(rate: Double, total: BeatMatchScore)] = []
        var reports: [RateReport] = []
        for rate in parsedRates {
            let started = ContinuousClock.now
            let results = try await Self.parallelMap(names) { name in
                try RecordEvaluation.evaluate(
                    record: dir.appendingPathComponent(name), annotator: annotator, rate: rate, lead: lead,
                    detector: detector, scoreFrom: scoreFrom, fuseLeads: fuseLeads)
            }
            let table = ScoreTable(rows: results.map { ($0.record, $0.score) })
            reports.append(
                RateReport(
                    rate: rate, records: table.rows.map { RateReport.Row($0.name, $0.score) },
                    total: RateReport.Row("total", table.total)))
            if !summaryOnly && !json {
                print(
                    "# \(Self.format(rate)) Hz (\(String(format: "%.1f", (ContinuousClock.now - started).seconds)) s)")
                print(table.render())
                print("")
            }
            summary.append((rate, table.total))
        }
        if json {
            print(String(decoding: JSONSerializer.serialize(try JSONValueEncoder().encode(reports)), as: UTF8.self))
            return
        }
        print("# totals per rate")
        print(ScoreTable(rows: summary.map { ("\(Self.format($0.rate)) Hz", $0.total) }).render(nameHeader: "rate"))
        let worstSe = summary.min { $0.total.sensitivity < $1.total.sensitivity }!
        let worstPP = summary.min { $0.total.positivePredictivity < $1.total.positivePredictivity }!
        let met = min(worstSe.total.sensitivity, worstPP.total.positivePredictivity) * 100 >= target
        print(
            String(
                format:
                    "target Se and +P >= %.2f %% at every rate: worst Se %.3f %% (%@ Hz), worst +P %.3f %% (%@ Hz): %@",
                target, worstSe.total.sensitivity * 100, Self.format(worstSe.rate),
                worstPP.total.positivePredictivity * 100,
                Self.format(worstPP.rate), met ? "met" : "SHORT"))
    }

    /// The default configuration with the `NAME=VALUE` changes of `--set`.
    static func configuration(_ changes: [String]) throws -> QRSDetector.Configuration {
        var c = QRSDetector.Configuration()
        for change in changes {
            let parts = change.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError("--set \(change): expected NAME=NUMBER")
            }
            guard let key = QRSDetector.Configuration.tunable[parts[0]] else {
                throw ValidationError(
                    "--set \(change): unknown parameter (known: \(QRSDetector.Configuration.tunable.keys.sorted().joined(separator: ", ")))"
                )
            }
            c[keyPath: key] = value
        }
        return c
    }

    static func format(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }

    /// Maps `items` concurrently (one task per processor at a time), keeping their order.
    static func parallelMap<T: Sendable>(
        _ items: [String], _ body: @escaping @Sendable (String) async throws -> T
    ) async throws -> [T] {
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var out = [T?](repeating: nil, count: items.count)
            var next = 0
            func submit() {
                let i = next
                next += 1
                group.addTask { (i, try await body(items[i])) }
            }
            while next < min(width, items.count) { submit() }
            for try await (i, value) in group {
                out[i] = value
                if next < items.count { submit() }
            }
            return out.map { $0! }
        }
    }
}
