import ECGSignal
import Foundation
import XCTest

@testable import ECGService
@testable import JSONRPC

final class ClassifyTests: XCTestCase {
    let registry = ServiceTestSupport.registry()
    var classify: Classify { Classify(signals: ServiceTestSupport.signals(), registry: registry, threads: 2) }
    var extract: ExtractBeats { ExtractBeats(signals: ServiceTestSupport.signals(), registry: registry) }

    private func beats(_ result: JSONValue) throws -> [JSONValue] { try XCTUnwrap(result["beats"]?.arrayValue) }

    /// Every beat has a label among the classes and probabilities over all of them summing to 1.
    private func checkBeats(_ result: JSONValue, classes: [String], file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        XCTAssertEqual(result["classes"], .array(classes.map { .string($0) }), file: file, line: line)
        var counts: [String: Int] = [:]
        for beat in try beats(result) {
            let label = try XCTUnwrap(beat["label"]?.stringValue)
            XCTAssertTrue(classes.contains(label), label, file: file, line: line)
            counts[label, default: 0] += 1
            let probabilities = try XCTUnwrap(beat["probabilities"]?.objectValue)
            XCTAssertEqual(Set(probabilities.keys), Set(classes), file: file, line: line)
            let values = probabilities.values.compactMap(\.numberValue)
            XCTAssertEqual(values.reduce(0, +), 1, accuracy: 1e-5, file: file, line: line)
            XCTAssertEqual(probabilities[label]?.numberValue, values.max(), file: file, line: line)
            XCTAssertEqual(beat["probability"]?.numberValue, values.max(), file: file, line: line)
        }
        for cls in classes {
            XCTAssertEqual(result["summary"]?["counts"]?[cls]?.intValue, counts[cls] ?? 0, cls, file: file, line: line)
        }
    }

    func testClassifySignalGivesOneResultPerDetectedBeat() async throws {
        let result = try await classify(
            ["model": "demo-aami5", "signal": ["path": "mitdb/119"]], ServiceTestSupport.context())
        let recording = try WFDB.readRecord(at: ServiceTestSupport.dataRoot.appendingPathComponent("mitdb/119.hea"))
        let peaks = QRSDetector().detect(recording.leads[0], fs: recording.fs)
        let samples = try beats(result).map { try XCTUnwrap($0["sample"]?.intValue) }
        let skipped = try XCTUnwrap(result["skipped"]?.arrayValue).compactMap(\.intValue)
        XCTAssertGreaterThan(samples.count, 1500)
        XCTAssertEqual((samples + skipped).sorted(), peaks, "every detected beat is classified or reported as skipped")
        XCTAssertTrue(
            skipped.allSatisfy { $0 < 180 || $0 + 180 > recording.sampleCount }, "only edge beats are skipped")
        for beat in try beats(result).prefix(5) {
            XCTAssertEqual(
                try XCTUnwrap(beat["time"]?.numberValue), Double(try XCTUnwrap(beat["sample"]?.intValue)) / 360,
                accuracy: 1e-12)
        }
        try checkBeats(result, classes: ["N", "SVEB", "VEB", "F", "Q"])
        let rate = try XCTUnwrap(result["summary"]?["heartRate"]?["mean"]?.numberValue)
        XCTAssertEqual(rate, 60 * Double(peaks.count - 1) / (Double(peaks.last! - peaks.first!) / 360), accuracy: 2)
        XCTAssertEqual(result["model"], "demo-aami5")
        XCTAssertEqual(result["leadName"], .string(recording.leadNames[0]))
    }

    func testMostConfidentAbnormalIsTheTopNonFirstClassBeat() async throws {
        let result = try await classify(
            ["model": "demo-aami5", "signal": ["path": "mitdb/208"]], ServiceTestSupport.context())
        let abnormal = try beats(result).filter { $0["label"] != "N" }
        let top = result["summary"]?["mostConfidentAbnormal"]
        if abnormal.isEmpty {
            XCTAssertEqual(top, .null)
        } else {
            let best = abnormal.compactMap { $0["probability"]?.numberValue }.max()
            XCTAssertEqual(top?["probability"]?.numberValue, best)
            XCTAssertNotEqual(top?["label"], "N")
        }
    }

    func testBinaryModelGivesBothProbabilities() async throws {
        let result = try await classify(
            ["model": "kachuee187-demo", "signal": ["path": "mitdb/119"]], ServiceTestSupport.context())
        let recording = try WFDB.readRecord(at: ServiceTestSupport.dataRoot.appendingPathComponent("mitdb/119.hea"))
        let peaks = QRSDetector().detect(recording.leads[0], fs: recording.fs)
        // The card asks for Kachuee segmentation, which keeps every beat (short ones are zero-padded).
        XCTAssertEqual(try beats(result).compactMap { $0["sample"]?.intValue }, peaks)
        XCTAssertEqual(result["skipped"], [])
        try checkBeats(result, classes: ["normal", "abnormal"])
    }

    func testBeatsModeMatchesSignalMode() async throws {
        // The windows extractBeats returns, sent back as beats, classify exactly like the signal.
        let extracted = try await extract(
            ["model": "demo-aami5", "signal": ["path": "mitdb/208"]], ServiceTestSupport.context())
        let fromSignal = try await classify(
            ["model": "demo-aami5", "signal": ["path": "mitdb/208"]], ServiceTestSupport.context())
        var matrix = try XCTUnwrap(extracted["windows"]?.objectValue)
        matrix["beatLength"] = 360
        matrix["shape"] = nil
        let fromBeats = try await classify(
            ["model": "demo-aami5", "beats": .object(matrix)], ServiceTestSupport.context())
        let a = try beats(fromSignal)
        let b = try beats(fromBeats)
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x["label"], y["label"])
            XCTAssertEqual(
                try XCTUnwrap(x["probability"]?.numberValue), try XCTUnwrap(y["probability"]?.numberValue),
                accuracy: 1e-4)
        }
        XCTAssertEqual(b.first?["index"], 0)
    }

    func testBeatsWithLabelsGiveAccuracyAndConfusionMatrix() async throws {
        let extracted = try await extract(
            ["model": "demo-aami5", "signal": ["path": "mitdb/119"]], ServiceTestSupport.context())
        let values = try ServiceTestSupport.floats(extracted["windows"])
        let count = values.count / 360
        let rows: [JSONValue] = (0..<count).map { i in
            .array(values[i * 360..<(i + 1) * 360].map { .number(Double($0)) })
        }
        // True labels: class names and indices mixed, cycling through the classes.
        let classes = ["N", "SVEB", "VEB", "F", "Q"]
        let labels: [JSONValue] = (0..<count).map { i in i % 2 == 0 ? .string(classes[i % 5]) : .number(Double(i % 5)) }
        let result = try await classify(
            ["model": "demo-aami5", "beats": .array(rows), "labels": .array(labels)], ServiceTestSupport.context())
        try checkBeats(result, classes: classes)
        let matrix = try XCTUnwrap(result["confusionMatrix"]?["matrix"]?.arrayValue).map {
            try XCTUnwrap($0.arrayValue).compactMap(\.intValue)
        }
        XCTAssertEqual(result["confusionMatrix"]?["classes"], .array(classes.map { .string($0) }))
        XCTAssertEqual(matrix.count, 5)
        XCTAssertEqual(matrix.flatMap { $0 }.reduce(0, +), count)
        for (k, row) in matrix.enumerated() {
            XCTAssertEqual(
                row.reduce(0, +), (0..<count).filter { $0 % 5 == k }.count,
                "row \(k) counts the beats truly of class \(k)")
        }
        let predicted = try beats(result).map { try XCTUnwrap($0["label"]?.stringValue) }
        for (k, cls) in classes.enumerated() {
            XCTAssertEqual(matrix.map { $0[k] }.reduce(0, +), predicted.filter { $0 == cls }.count, "column \(k)")
        }
        let correct = (0..<count).filter { predicted[$0] == classes[$0 % 5] }.count
        XCTAssertEqual(try XCTUnwrap(result["accuracy"]?.numberValue), Double(correct) / Double(count), accuracy: 1e-12)
        XCTAssertEqual((0..<5).map { matrix[$0][$0] }.reduce(0, +), correct)
        XCTAssertEqual(try beats(result)[3]["trueLabel"], "F")
    }

    func testKachueeCSVBeatsWithLabelColumn() async throws {
        // Three beats of a Kachuee CSV (187 values + a 0/1 label), with a header line.
        let header = (0..<187).map { "c\($0)" }.joined(separator: ",") + ",label"
        let rows = (0..<3).map { r in
            (0..<187).map { String(Double(($0 * (r + 3)) % 50) / 50) }.joined(separator: ",") + ",\(r % 2).0"
        }
        let csv = ([header] + rows).joined(separator: "\n") + "\n"
        let result = try await classify(
            ["model": "kachuee187-demo", "beats": ["csv": .string(csv)]], ServiceTestSupport.context())
        try checkBeats(result, classes: ["normal", "abnormal"])
        XCTAssertEqual(try beats(result).map { $0["line"] }, [2, 3, 4])
        XCTAssertEqual(try beats(result).map { $0["trueLabel"] }, ["normal", "abnormal", "normal"])
        let matrix = try XCTUnwrap(result["confusionMatrix"]?["matrix"]?.arrayValue).flatMap { $0.arrayValue ?? [] }
            .compactMap(\.intValue)
        XCTAssertEqual(matrix.reduce(0, +), 3)

        await ServiceTestSupport.assertError(code: -32602) {
            _ = try await self.classify(
                ["model": "kachuee187-demo", "beats": ["csv": .string(csv)], "labels": ["normal", "weird", "normal"]],
                ServiceTestSupport.context())
        }
    }

    /// `beatsLayout: columns` lists what `rows` lists, member by member, and nothing else changes.
    private func assertColumnsMatchRows(_ params: JSONValue, file: StaticString = #filePath, line: UInt = #line)
        async throws
    {
        let rows = try await classify(params, ServiceTestSupport.context())
        guard case .object(var members) = params else { return XCTFail("params must be an object") }
        members["beatsLayout"] = "columns"
        let columns = try await classify(.object(members), ServiceTestSupport.context())
        XCTAssertNil(columns["beats"], file: file, line: line)
        XCTAssertNil(rows["beatColumns"], file: file, line: line)
        let table = try XCTUnwrap(columns["beatColumns"]?.objectValue, file: file, line: line)
        let beats = try beats(rows)
        let classes = try XCTUnwrap(rows["classes"]?.arrayValue).compactMap(\.stringValue)
        let memberNames = Set(beats.first?.objectValue?.keys.map { $0 } ?? [])
        XCTAssertEqual(Set(table.keys), memberNames, file: file, line: line)
        for name in memberNames where name != "probabilities" {
            XCTAssertEqual(table[name], .array(beats.map { $0[name] ?? .null }), name, file: file, line: line)
        }
        for cls in classes {
            XCTAssertEqual(
                table["probabilities"]?[cls], .array(beats.map { $0["probabilities"]?[cls] ?? .null }), cls,
                file: file, line: line)
        }
        for key in ["model", "classes", "summary", "skipped", "confusionMatrix", "accuracy"] {
            XCTAssertEqual(columns[key], rows[key], key, file: file, line: line)
        }
    }

    func testColumnsLayoutListsTheSameBeats() async throws {
        try await assertColumnsMatchRows(["model": "demo-aami5", "signal": ["path": "mitdb/119"]])
        let csv = "0.1,0.2,0.3\n"  // too short for the model: an error in both layouts
        await ServiceTestSupport.assertError(code: -32602) {
            _ = try await self.classify(
                ["model": "kachuee187-demo", "beats": ["csv": .string(csv)], "beatsLayout": "columns"],
                ServiceTestSupport.context())
        }
        let rows: [JSONValue] = (0..<4).map { r in .array((0..<187).map { .number(Double(($0 * (r + 2)) % 9) / 9) }) }
        try await assertColumnsMatchRows(
            ["model": "kachuee187-demo", "beats": .array(rows), "labels": ["normal", "abnormal", "normal", "normal"]])
    }

    func testUnknownBeatsLayoutIsInvalidParams() async {
        let message = await ServiceTestSupport.assertError(code: -32602) {
            _ = try await self.classify(
                ["model": "demo-aami5", "signal": ["path": "mitdb/119"], "beatsLayout": "table"],
                ServiceTestSupport.context())
        }
        XCTAssertEqual(message, "params.beatsLayout: unknown \"table\" (expected rows or columns)")
    }

    func testBeatLengthMismatchIsInvalidParams() async {
        let message = await ServiceTestSupport.assertError(code: -32602) {
            _ = try await self.classify(
                ["model": "demo-aami5", "beats": [.array(Array(repeating: 0.5, count: 187))]],
                ServiceTestSupport.context())
        }
        XCTAssertTrue(message?.contains("187") ?? false, message ?? "")
        XCTAssertTrue(message?.contains("360") ?? false, message ?? "")
    }

    func testInvalidParams() async {
        let context = ServiceTestSupport.context()
        for params: JSONValue in [
            ["model": "demo-aami5"],
            ["model": "demo-aami5", "signal": ["path": "mitdb/119"], "beats": [[1]]],
            ["model": "demo-aami5", "signal": ["path": "mitdb/119"], "colour": "red"],
            ["model": "demo-aami5", "beats": ["data": "AAAA", "dtype": "float32"]],
            ["model": "demo-aami5", "beats": [[1, "x"]]],
            ["model": "demo-aami5", "signal": ["path": "mitdb/119"], "peaks": [10, 5]],
        ] {
            await ServiceTestSupport.assertError(code: -32602) { _ = try await self.classify(params, context) }
        }
        await ServiceTestSupport.assertError(code: -32010) {
            _ = try await self.classify(["model": "absent", "beats": [[1]]], context)
        }
    }

    func testProgressIsReportedFromBeginToEnd() async throws {
        let log = ProgressLog()
        let zeros = Data(count: 1200 * 360 * 4).base64EncodedString()
        let result = try await classify(
            ["model": "demo-aami5", "beats": ["dtype": "float32", "data": .string(zeros), "shape": [1200, 360]]],
            ServiceTestSupport.context(progress: log))
        XCTAssertEqual(try beats(result).count, 1200)
        XCTAssertEqual(log.kinds, ["begin", "report", "report", "report", "end"], "three chunks of at most 512 beats")
        // Chunks of 512, 512 and 176 beats, two at a time: they may finish in either order, so
        // the report after one or two chunks counts 512 or 176, then 1024 or 688 beats.
        let percentages = log.all.compactMap { $0["percentage"]?.intValue }
        XCTAssertEqual(percentages.count, 4)
        XCTAssertEqual(percentages.first, 0)
        XCTAssertTrue([42, 14].contains(percentages[1]), "\(percentages)")
        XCTAssertTrue([85, 57].contains(percentages[2]), "\(percentages)")
        XCTAssertEqual(percentages.last, 100)
    }

    func testCancellationStopsALongClassify() async throws {
        let beatCount = 40 * BatchRunner.chunkSize
        let zeros = Data(count: beatCount * 360 * 4).base64EncodedString()
        let params: JSONValue = [
            "model": "demo-aami5", "beats": ["dtype": "float32", "data": .string(zeros), "beatLength": 360],
        ]
        let log = ProgressLog()
        let canceller = Canceller()
        log.onEach { value in if value["kind"] == "report" { canceller.cancel() } }
        let classify = self.classify
        let task = Task { try await classify(params, ServiceTestSupport.context(progress: log)) }
        canceller.set { task.cancel() }
        do {
            _ = try await task.value
            XCTFail("a cancelled classify must not return a result")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        let reports = log.kinds.filter { $0 == "report" }.count
        XCTAssertGreaterThanOrEqual(reports, 1)
        XCTAssertLessThan(reports, 40, "the model stopped before the last chunk")
        XCTAssertEqual(log.kinds.last, "end")
        XCTAssertEqual(log.all.last?["message"], "stopped")
    }

    /// The direct JSONValue of a beat is the object its Encodable conformance writes.
    func testClassifiedBeatJSONValueMatchesItsEncodable() throws {
        let beats = [
            ClassifiedBeat(
                sample: 370, time: 1.0277, label: "VEB", probability: 0.75, probabilities: ["N": 0.25, "VEB": 0.75]),
            ClassifiedBeat(
                index: 3, line: 5, label: "N", probability: 1, probabilities: ["N": 1, "VEB": 0], trueLabel: "VEB"),
        ]
        for beat in beats {
            let viaEncodable = try JSONParser.parse(Array(try JSONEncoder().encode(beat)))
            XCTAssertEqual(beat.jsonValue, viaEncodable)
            XCTAssertEqual(try JSONValueEncoder().encode(beat), viaEncodable)
        }
        let nan = ClassifiedBeat(label: "N", probability: .nan, probabilities: ["N": .nan])
        XCTAssertEqual(nan.jsonValue["probability"], .null)
        XCTAssertEqual(nan.jsonValue["probabilities"]?["N"], .null)
    }
}
