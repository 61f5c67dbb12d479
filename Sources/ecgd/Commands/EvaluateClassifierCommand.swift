import ArgumentParser
import ECGService
import ECGSignal
import Foundation
import JSONRPC
import Logging

/// `ecgd evaluate-classifier`: a model's per-class figures over a directory of WFDB records,
/// through the same `classify` code the server runs.
struct EvaluateClassifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-classifier",
        abstract: "Score a beat classifier on a directory of annotated WFDB records (AAMI EC57 style).",
        discussion: """
            Each record is classified as `classify` does it for a client (ecgd's own R-peaks on \
            the MLII lead, or lead 0, then the model), and every detected beat is matched to \
            the reference beats of the annotation file within 150 ms. Reference labels map to \
            the AAMI classes (N: N L R e j; SVEB: A a J S; VEB: V E; F: F; Q: / f Q; other beat \
            labels are not counted), and for a two-class model to normal (N) vs abnormal. A \
            reference beat that no detection matches counts as missed for its class; a \
            detection that matches no reference beat counts against the class it was given. \
            Beats in ventricular flutter episodes are not counted. The four paced records of \
            MIT-BIH (102, 104, 107, 217) are left out unless named with --records.
            """)

    @Option(name: .long, help: ArgumentHelp("Model name (a directory of --models).", valueName: "name"))
    var model: String

    @Option(name: .long, help: ArgumentHelp("Directory of WFDB records.", valueName: "dir"))
    var dataDir = "../shared/data/mitdb"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Comma-separated record names (default: every annotated record but the paced ones).", valueName: "list"))
    var records: String?

    @Option(name: .long, help: ArgumentHelp("Directory of shipped models (models/NAME/model.json).", valueName: "dir"))
    var models: String?

    @Option(name: .long, help: ArgumentHelp("Reference annotator (file extension).", valueName: "name"))
    var annotator = "atr"

    @Flag(name: .long, help: "Print JSON (per record and total confusion tables with per-class figures).")
    var json = false

    /// MIT-BIH records of paced patients, outside the AAMI classification protocol.
    static let pacedRecords: Set<String> = ["102", "104", "107", "217"]

    func run() async throws {
        bootstrapLogging(level: .warning)
        let directory = URL(fileURLWithPath: dataDir)
        let names = try recordNames(in: directory)
        var configuration = ServiceOptions.configuration(dataRoot: dataDir, models: models)
        configuration.inferenceThreads = 1
        let methods = try ECGService.makeRegistry(
            configuration: configuration, limits: TransportLimits(), logger: Logger(label: "ecgd.evaluate"))
        let logger = Logger(label: "ecgd.evaluate")
        let classes = try await Self.classes(of: model, methods: methods, logger: logger)
        let scored = try await EvaluateDetectorCommand.parallelMap(names) { name in
            try await Self.score(
                record: name, in: directory, annotator: annotator, model: model, classes: classes, methods: methods,
                logger: logger)
        }
        var total = ClassConfusion(classes: classes)
        for table in scored { total.add(table) }
        if json {
            let report: JSONValue = [
                "model": .string(model), "classes": .array(classes.map { .string($0) }),
                "records": .object(Dictionary(uniqueKeysWithValues: zip(names, scored.map(\.json)))),
                "total": total.json,
            ]
            print(String(decoding: JSONSerializer.serialize(report), as: UTF8.self))
            return
        }
        print("# \(model) on \(names.count) record(s) of \(directory.path): \(names.joined(separator: " "))")
        print(total.renderedTable())
    }

    /// Record names with a header and an annotation file, paced ones left out unless asked for.
    func recordNames(in directory: URL) throws -> [String] {
        if let records {
            return records.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let names = Set(files.filter { $0.hasSuffix(".hea") }.map { String($0.dropLast(4)) })
            .filter { files.contains("\($0).\(annotator)") && !Self.pacedRecords.contains($0) }
        guard !names.isEmpty else {
            throw ValidationError("no records with .hea and .\(annotator) files in \(directory.path)")
        }
        return names.sorted()
    }

    /// The model's classes, as `listModels` reports them after loading it.
    static func classes(of model: String, methods: MethodRegistry, logger: Logger) async throws -> [String] {
        let loaded = try await methods.call("loadModel", params: ["name": .string(model)], logger: logger)
        guard let classes = loaded["classes"]?.arrayValue?.compactMap(\.stringValue), !classes.isEmpty else {
            throw ValidationError("model \(model) reports no classes")
        }
        return classes
    }

    /// Classifies one record through `classify` and scores it against its annotations.
    static func score(
        record: String, in directory: URL, annotator: String, model: String, classes: [String],
        methods: MethodRegistry, logger: Logger
    ) async throws -> ClassConfusion {
        let base = directory.appendingPathComponent(record)
        let recording = try WFDB.readRecord(at: base)
        let annotations = try WFDB.readAnnotations(at: base.appendingPathExtension(annotator))
        let lead = Recording.defaultLead(among: recording.leadNames)
        let result = try await methods.call(
            "classify",
            params: ["model": .string(model), "signal": ["path": .string(record)], "lead": .number(Double(lead))],
            logger: logger)
        let detections: [(sample: Int, label: Int)] = (result["beats"]?.arrayValue ?? []).compactMap { beat in
            guard let sample = beat["sample"]?.intValue,
                let label = beat["label"]?.stringValue.flatMap(classes.firstIndex)
            else { return nil }
            return (sample, label)
        }
        let reference: [(sample: Int, label: Int?)] = annotations.filter(\.isBeat).map { annotation in
            (
                annotation.sample,
                AAMIClass(beatCode: annotation.code).flatMap { AAMILabels.modelClass(of: $0, classes: classes) }
            )
        }
        return ClassConfusion.score(
            reference: reference, detections: detections, classes: classes, fs: recording.fs,
            excluded: flutterEpisodes(annotations, recordLength: recording.sampleCount))
    }
}

extension ClassConfusion {
    /// Per-class figures and the confusion table as JSON.
    var json: JSONValue {
        func percent(_ x: Double) -> JSONValue { x.isFinite ? .number((x * 10000).rounded() / 100) : .null }
        let perClass = classes.indices.map { c -> (String, JSONValue) in
            (
                classes[c],
                [
                    "reference": .number(Double(referenceCount(c))), "predicted": .number(Double(predictedCount(c))),
                    "truePositives": .number(Double(truePositives(c))), "sensitivity": percent(sensitivity(c)),
                    "positivePredictivity": percent(positivePredictivity(c)), "f1": percent(f1(c)),
                ]
            )
        }
        return [
            "classes": .object(Dictionary(uniqueKeysWithValues: perClass)),
            "confusion": [
                "rows": .array((classes + ["(no reference beat)"]).map { .string($0) }),
                "columns": .array((classes + ["(missed)"]).map { .string($0) }),
                "counts": .array(counts.map { .array($0.map { .number(Double($0)) }) }),
            ],
        ]
    }

    /// Per-class Se, +P and F1, then the confusion table (rows: reference, columns: predicted).
    func renderedTable() -> String {
        func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.2f", 100 * x) : "-" }
        func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = ["class      reference  predicted     TP    Se %    +P %    F1 %"]
        for c in classes.indices {
            lines.append(
                [
                    classes[c].padding(toLength: 8, withPad: " ", startingAt: 0), pad("\(referenceCount(c))", 11),
                    pad("\(predictedCount(c))", 10), pad("\(truePositives(c))", 6), pad(percent(sensitivity(c)), 7),
                    pad(percent(positivePredictivity(c)), 7), pad(percent(f1(c)), 7),
                ].joined(separator: " "))
        }
        lines.append("")
        let corner = "reference \\ predicted"
        let width = max(corner.count, classes.map(\.count).max() ?? 0) + 1
        lines.append(
            corner.padding(toLength: width, withPad: " ", startingAt: 0)
                + (classes + ["missed"]).map { pad($0, 8) }.joined())
        for (r, row) in counts.enumerated() {
            let name = r < classes.count ? classes[r] : "(extra)"
            lines.append(
                name.padding(toLength: width, withPad: " ", startingAt: 0) + row.map { pad("\($0)", 8) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
