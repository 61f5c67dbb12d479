import ArgumentParser
import ECGSignal
import Foundation

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

    @Option(name: .long, help: ArgumentHelp(
        "Comma-separated sampling rates in Hz; the record's own rate needs no resampling.", valueName: "list"))
    var rates = "360,125,250,500,1000"

    @Option(name: .long, help: ArgumentHelp(
        "Comma-separated record names (default: every record with annotations).", valueName: "list"))
    var records: String?

    @OptionGroup var reference: ReferenceOptions

    @Option(name: .long, help: ArgumentHelp(
        "Seconds at the start of each record that are not scored (noise stress records: 300).", valueName: "seconds"))
    var scoreFrom = 0.0

    @Flag(name: .long, help: "Detect on every lead of each record together (the reference lead first).")
    var fuseLeads = false

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
                record = name; tp = s.tp; fp = s.fp; fn = s.fn
                sensitivity = s.sensitivity; positivePredictivity = s.positivePredictivity
            }
        }
        var rate: Double
        var records: [Row]
        var total: Row
    }

    func validate() throws {
        guard scoreFrom >= 0 else { throw ValidationError("--score-from must not be negative") }
        guard !parsedRates.isEmpty, parsedRates.allSatisfy({ $0 >= 50 && $0 <= 5000 }) else {
            throw ValidationError("--rates must be a comma-separated list of rates between 50 and 5000 Hz")
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
        let annotator = reference.annotator, lead = reference.lead, scoreFrom = scoreFrom, fuseLeads = fuseLeads
        var summary: [(rate: Double, total: BeatMatchScore)] = []
        var reports: [RateReport] = []
        for rate in parsedRates {
            let started = Date()
            let results = try await Self.parallelMap(names) { name in
                try RecordEvaluation.evaluate(
                    record: dir.appendingPathComponent(name), annotator: annotator, rate: rate, lead: lead,
                    scoreFrom: scoreFrom, fuseLeads: fuseLeads)
            }
            let table = ScoreTable(rows: results.map { ($0.record, $0.score) })
            reports.append(RateReport(
                rate: rate, records: table.rows.map { RateReport.Row($0.name, $0.score) },
                total: RateReport.Row("total", table.total)))
            if !summaryOnly && !json {
                print("# \(Self.format(rate)) Hz (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
                print(table.render())
                print("")
            }
            summary.append((rate, table.total))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(reports), as: UTF8.self))
            return
        }
        print("# totals per rate")
        print(ScoreTable(rows: summary.map { ("\(Self.format($0.rate)) Hz", $0.total) }).render(nameHeader: "rate"))
    }

    static func format(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }

    /// Maps `items` concurrently (one task per processor at a time), keeping their order.
    static func parallelMap<T: Sendable>(
        _ items: [String], _ body: @escaping @Sendable (String) throws -> T
    ) async throws -> [T] {
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var out = [T?](repeating: nil, count: items.count)
            var next = 0
            func submit() {
                let i = next
                next += 1
                group.addTask { (i, try body(items[i])) }
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
