import ArgumentParser
import ECGSignal
import Foundation

/// `ecgd score`: EC57 beat-by-beat comparison of detections with reference annotations.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score R-peak detections against a WFDB record's reference annotations (EC57).",
        discussion: """
            Compares detections with every annotated beat (N L R B A a J S V r F e j n E / f Q ?): \
            a detection within the tolerance of a reference beat matches it once; detections \
            inside ventricular flutter episodes ([ ... ]) are not counted. Without --detections \
            the built-in QRS detector runs on the MLII lead (or lead 0). Prints TP, FP, FN, \
            sensitivity and positive predictivity per record and in total (summed counts).
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "WFDB record (path without extension or the .hea file); repeat for several.", valueName: "path"))
    var record: [String]

    @Option(
        name: .long,
        help: ArgumentHelp(
            "File of detections, one sample index per line (only with a single --record).", valueName: "file"))
    var detections: String?

    @OptionGroup var reference: ReferenceOptions

    @Option(name: .long, help: ArgumentHelp("Matching window in seconds.", valueName: "seconds"))
    var tolerance = BeatScorer.defaultTolerance

    func validate() throws {
        if record.isEmpty { throw ValidationError("give at least one --record") }
        if detections != nil && record.count != 1 {
            throw ValidationError("--detections needs exactly one --record")
        }
        if !(tolerance > 0) { throw ValidationError("--tolerance must be positive") }
    }

    func run() async throws {
        var table = ScoreTable()
        for path in record {
            let url = URL(fileURLWithPath: path)
            if let detections {
                let base = url.pathExtension == "hea" ? url.deletingPathExtension() : url
                let header = try WFDB.readHeader(at: base)
                let annotations = try WFDB.readAnnotations(at: base.appendingPathExtension(reference.annotator))
                let samples = try Self.readDetections(URL(fileURLWithPath: detections))
                let score = BeatScorer.score(
                    detections: samples, annotations: annotations, fs: header.fs, tolerance: tolerance)
                table.rows.append((base.lastPathComponent, score))
            } else {
                let result = try RecordEvaluation.evaluate(
                    record: url, annotator: reference.annotator, lead: reference.lead, tolerance: tolerance)
                table.rows.append((result.record, result.score))
            }
        }
        print(table.render())
    }

    /// One integer sample index per line; blank lines and `#` comments are skipped.
    static func readDetections(_ url: URL) throws -> [Int] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ValidationError("\(url.path): cannot read the detections file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(url.path): the detections file is not UTF-8 text")
        }
        var out: [Int] = []
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let value = Int(line.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })[0]) else {
                throw ValidationError("\(url.path): line \(number + 1): expected a sample index, got \"\(line)\"")
            }
            out.append(value)
        }
        return out
    }
}
