import ECGSignal
import Foundation
import XCTest

@testable import ECGService
@testable import JSONRPC

final class DetectPeaksTests: XCTestCase {
    var detect: DetectPeaks { DetectPeaks(signals: ServiceTestSupport.signals()) }

    private func run(_ params: JSONValue) async throws -> JSONValue {
        try await detect(params, ServiceTestSupport.context())
    }

    /// Five minutes of record 101's MLII lead in millivolts.
    private func record101() throws -> [Double] {
        let recording = try WFDB.readRecord(at: ServiceTestSupport.dataRoot.appendingPathComponent("mitdb/101"))
        return Array(recording.leads[0][0..<108_000])
    }

    func testFlatStretchIsReportedUnreadableInSamplesAndSeconds() async throws {
        var samples = try record101()
        for i in 36_000..<54_000 { samples[i] = 0 }  // 100 s to 150 s: the lead is off
        let result = try await run([
            "signal": ["fs": 360, "data": .array(samples.map { .number($0) }), "leadNames": ["MLII"]]
        ])
        let quality = try XCTUnwrap(result["quality"]?.arrayValue)
        XCTAssertEqual(quality.count, 1)
        XCTAssertEqual(quality[0]["leadName"], "MLII")
        let intervals = try XCTUnwrap(quality[0]["intervals"]?.arrayValue)
        let unreadable = intervals.filter { $0["level"] == "unreadable" }
        XCTAssertEqual(unreadable.count, 1, "\(intervals)")
        let start = try XCTUnwrap(unreadable.first?["start"]?.intValue)
        let end = try XCTUnwrap(unreadable.first?["end"]?.intValue)
        // The flat stretch, to the 2-second windows it covers, and nothing far beyond.
        XCTAssertLessThanOrEqual(start, 36_000 + 720)
        XCTAssertGreaterThanOrEqual(start, 36_000 - 1_440)
        XCTAssertGreaterThanOrEqual(end, 54_000 - 720)
        XCTAssertLessThanOrEqual(end, 54_000 + 1_440)
        XCTAssertEqual(unreadable.first?["startTime"]?.numberValue, Double(start) / 360)
        XCTAssertEqual(unreadable.first?["endTime"]?.numberValue, Double(end) / 360)
        XCTAssertEqual(quality[0]["unreadableSeconds"]?.numberValue, Double(end - start) / 360)
        // No beats are invented in the flat stretch, and the rest keeps its beats.
        let peaks = try XCTUnwrap(result["peaks"]?.arrayValue).compactMap(\.intValue)
        XCTAssertEqual(peaks.filter { (36_200..<53_800).contains($0) }, [])
        XCTAssertGreaterThan(peaks.count, 280)
    }

    func testCleanRecordHasNoUnreadableStretch() async throws {
        let result = try await run(["signal": ["path": "mitdb/101"]])
        let quality = try XCTUnwrap(result["quality"]?.arrayValue?.first)
        XCTAssertEqual(quality["unreadableSeconds"]?.numberValue, 0)
        XCTAssertLessThan(try XCTUnwrap(quality["noisySeconds"]?.numberValue), 60, "of 30 minutes")
        XCTAssertEqual(result["warnings"], .array([]))
    }

    func testSeveralLeadsByNameIndexOrAll() async throws {
        let both = try await run(["signal": ["path": "mitdb/119"], "leads": "all"])
        XCTAssertEqual(both["leads"], [0, 1])
        XCTAssertEqual(both["leadNames"], ["MLII", "V1"])
        XCTAssertEqual(both["lead"], 0)
        XCTAssertEqual(both["quality"]?.arrayValue?.compactMap { $0["leadName"]?.stringValue }, ["MLII", "V1"])
        let reversed = try await run(["signal": ["path": "mitdb/119"], "leads": ["V1", 0]])
        XCTAssertEqual(reversed["leads"], [1, 0])
        XCTAssertEqual(reversed["leadName"], "V1")
        let one = try await run(["signal": ["path": "mitdb/119"], "lead": "V1"])
        XCTAssertEqual(one["leads"], [1])
        XCTAssertEqual(one["quality"]?.arrayValue?.count, 1)
        // On a clean record the first lead's beats stand where it reads well.
        let single = try await run(["signal": ["path": "mitdb/119"]])
        let fusedPeaks = Set(try XCTUnwrap(both["peaks"]?.arrayValue).compactMap(\.intValue))
        let singlePeaks = try XCTUnwrap(single["peaks"]?.arrayValue).compactMap(\.intValue)
        XCTAssertGreaterThan(Double(singlePeaks.filter(fusedPeaks.contains).count), 0.99 * Double(singlePeaks.count))
    }

    func testLeadParametersAreChecked() async {
        let signal: JSONValue = ["path": "mitdb/119"]
        for (params, fragment) in [
            (["signal": signal, "lead": 0, "leads": [1]] as JSONValue, "either \"lead\" or \"leads\""),
            (["signal": signal, "leads": []], "params.leads: must not be empty"),
            (["signal": signal, "leads": ["MLII", "aVR"]], "params.leads[1]: no lead named \"aVR\""),
            (["signal": signal, "leads": [0, "MLII"]], "params.leads[1]: lead MLII is already listed"),
            (["signal": signal, "leads": [2]], "params.leads[0]: lead 2 does not exist"),
            (["signal": signal, "leads": "some"], "params.leads: expected an array"),
            (["signal": signal, "lead": 3], "params.lead: lead 3 does not exist"),
            (["signal": signal, "peaks": [1]], "params.peaks: unknown member"),
        ] {
            let message = await ServiceTestSupport.assertError(code: -32602) { _ = try await self.run(params) }
            XCTAssertTrue(message?.contains(fragment) ?? false, "\(message ?? "") lacks \(fragment)")
        }
    }

    func testOnlyTheLeadsAskedForAreRead() async throws {
        // Two signals in two files, the second file missing: lead 0 reads, lead 1 cannot.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-leads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let source = try WFDB.readRecord(at: ServiceTestSupport.dataRoot.appendingPathComponent("mitdb/101"))
        let samples = source.leads[0][0..<36_000].map { Int16(($0 * 200).rounded()) }
        let checksum = Int16(truncatingIfNeeded: samples.reduce(0) { $0 + Int($1) })
        try Data(samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
            .write(to: root.appendingPathComponent("a.dat"))
        try "two 2 360 36000\na.dat 16 200 16 0 0 \(checksum) 0 MLII\nb.dat 16 200 16 0 0 0 0 V1\n"
            .write(to: root.appendingPathComponent("two.hea"), atomically: true, encoding: .utf8)
        let detect = DetectPeaks(signals: ServiceTestSupport.signals(dataRoot: root))
        let result = try await detect(["signal": ["path": "two"], "lead": "MLII"], ServiceTestSupport.context())
        XCTAssertGreaterThan(result["peaks"]?.arrayValue?.count ?? 0, 100)
        let message = await ServiceTestSupport.assertError(code: -32022) {
            _ = try await detect(["signal": ["path": "two"], "lead": "V1"], ServiceTestSupport.context())
        }
        XCTAssertTrue(message?.contains("b.dat") ?? false, message ?? "")
    }

    func testShortFileIsAnalysedWithAWarning() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-short-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("mitdb"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let bundled = ServiceTestSupport.dataRoot.appendingPathComponent("mitdb")
        try FileManager.default.copyItem(
            at: bundled.appendingPathComponent("101.hea"), to: root.appendingPathComponent("mitdb/101.hea"))
        let data = try Data(contentsOf: bundled.appendingPathComponent("101.dat"))
        try data.prefix(data.count - 3).write(to: root.appendingPathComponent("mitdb/101.dat"))
        let detect = DetectPeaks(signals: ServiceTestSupport.signals(dataRoot: root))
        let result = try await detect(["signal": ["path": "mitdb/101"]], ServiceTestSupport.context())
        XCTAssertEqual(result["sampleCount"], 649_999)
        let warnings = try XCTUnwrap(result["warnings"]?.arrayValue)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].stringValue?.contains("649999 of the 650000 frames") ?? false, "\(warnings)")
    }
}
