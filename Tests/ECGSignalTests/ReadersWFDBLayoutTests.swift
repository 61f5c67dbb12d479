import Foundation
import XCTest

@testable import ECGSignal

/// The WFDB layouts of real archives (multi-frequency, skew, FLAC, multi-segment, short files)
/// against what wfdb-python reads from the same files (see make_wfdb_layout_fixtures.py).
final class ReadersWFDBLayoutTests: XCTestCase {
    private struct Expected: Decodable {
        struct Signal: Decodable {
            var samplesPerFrame: Int
            var signal: [Double?]
            var frame: [Double?]
            // swift-format-ignore: AlwaysUseLowerCamelCase
            // The fixture's member name (the WFDB library's smoothed reading).
            var wfdb_smooth: [Double?]
        }
        var fs: Double
        var frames: Int
        var names: [String]
        var signals: [Signal]
    }

    private static let directory = ReaderFixtures.wfdb.appendingPathComponent("layouts")

    private func expected() throws -> [String: Expected] {
        let json = try Data(contentsOf: Self.directory.appendingPathComponent("expected_layouts.json"))
        return try JSONDecoder().decode([String: Expected].self, from: json)
    }

    private func read(_ name: String, _ resolution: WFDBResolution = .frame, signals: [Int]? = nil) throws -> Recording
    {
        try WFDB.readRecord(at: Self.directory.appendingPathComponent(name), resolution: resolution) { names in
            signals ?? Array(names.indices)
        }
    }

    /// NaN-aware equality of a lead with wfdb's values (nil: missing).
    private func assertSame(
        _ lead: [Double], _ reference: [Double?], accuracy: Double = 0, _ message: String, line: UInt = #line
    ) {
        XCTAssertEqual(lead.count, reference.count, message, line: line)
        for (i, (value, ref)) in zip(lead, reference).enumerated() {
            guard let ref else {
                XCTAssertTrue(value.isNaN, "\(message) [\(i)]: \(value), expected missing", line: line)
                continue
            }
            if accuracy == 0 {
                XCTAssertEqual(value, ref, "\(message) [\(i)]", line: line)
            } else {
                XCTAssertEqual(value, ref, accuracy: accuracy * max(1, abs(ref)), "\(message) [\(i)]", line: line)
            }
        }
    }

    func testFrameResolutionIsTheMeanOfEachFrame() throws {
        for (name, reference) in try expected() where name != "short" {
            let record = try read(name)
            XCTAssertEqual(record.fs, reference.fs, name)
            XCTAssertEqual(record.leadNames, reference.names, name)
            XCTAssertEqual(record.sampleCount, reference.frames, name)
            XCTAssertEqual(record.warnings, [], name)
            for (lead, signal) in zip(record.leads, reference.signals) {
                assertSame(lead, signal.frame, accuracy: 1e-12, "\(name) frame means")
            }
        }
    }

    func testFrameMeansStayWithinOneADCUnitOfWFDBsTruncatedMeans() throws {
        let record = try read("multifreq")
        let reference = try XCTUnwrap(try expected()["multifreq"])
        let gains = try WFDB.readHeader(at: Self.directory.appendingPathComponent("multifreq")).signals.map(\.gain)
        for (lead, (signal, gain)) in zip(record.leads, zip(reference.signals, gains)) {
            for (value, truncated) in zip(lead, signal.wfdb_smooth) where value.isFinite {
                XCTAssertLessThan(abs(value - truncated!), 1 / gain + 1e-12)
            }
        }
    }

    func testSignalResolutionReadsEverySampleExactly() throws {
        for (name, reference) in try expected() where name != "short" {
            for (index, signal) in reference.signals.enumerated() {
                let record = try read(name, .signal, signals: [index])
                XCTAssertEqual(record.fs, reference.fs * Double(signal.samplesPerFrame), name)
                assertSame(record.leads[0], signal.signal, "\(name) signal \(index)")
            }
        }
    }

    func testSignalsWithDifferentSamplesPerFrameNeedTheFrameRate() {
        assertSignalFileError(
            try read("multifreq", .signal), names: "multifreq.hea", contains: ["ECG", "RESP", "samples per frame"])
    }

    func testOnlyTheChosenSignalsAreReadInTheOrderAsked() throws {
        let reference = try XCTUnwrap(try expected()["flac24"])
        let record = try read("flac24", signals: [2, 0])
        XCTAssertEqual(record.leadNames, ["V3", "V1"])
        assertSame(record.leads[0], reference.signals[2].signal, "V3")
        assertSame(record.leads[1], reference.signals[0].signal, "V1")
    }

    func testSkewedSignalEndsInMissingSamples() throws {
        let record = try read("skew")
        XCTAssertTrue(record.leads[1].suffix(3).allSatisfy(\.isNaN))
        XCTAssertTrue(record.leads[1].dropLast(3).allSatisfy(\.isFinite))
    }

    func testMultiSegmentRecordJoinsSegmentsWithGapsAsNaN() throws {
        let record = try read("multiseg")
        XCTAssertEqual(record.leadNames, ["II", "V", "PLETH"])
        // II is in both segments, V only in the last, PLETH only in the first; frames 100-139 are a gap.
        XCTAssertTrue(record.leads[0][100..<140].allSatisfy(\.isNaN))
        XCTAssertTrue(record.leads[0][0..<100].allSatisfy(\.isFinite))
        XCTAssertTrue(record.leads[1][0..<140].allSatisfy(\.isNaN))
        XCTAssertTrue(record.leads[2][100...].allSatisfy(\.isNaN))
        let pleth = try read("multiseg", signals: [2])
        XCTAssertTrue(zip(pleth.leads[0], record.leads[2]).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    func testShortFileIsReadAsFarAsItGoes() throws {
        let reference = try XCTUnwrap(try expected()["short"])
        let record = try read("short")
        // The file lacks the last sample of the second signal: the last frame is incomplete.
        XCTAssertEqual(record.sampleCount, reference.frames - 1)
        for (lead, signal) in zip(record.leads, reference.signals) {
            assertSame(lead, Array(signal.signal.dropLast()), "short")
        }
        XCTAssertEqual(record.warnings.count, 1)
        XCTAssertTrue(record.warnings[0].contains("39 of the 40 frames"), record.warnings[0])
    }

    func testCorruptFLACStreamNamesTheFile() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        for ext in ["hea", "dat"] {
            try FileManager.default.copyItem(
                at: Self.directory.appendingPathComponent("flac16.\(ext)"),
                to: directory.appendingPathComponent("flac16.\(ext)"))
        }
        var data = try Data(contentsOf: directory.appendingPathComponent("flac16.dat"))
        for i in stride(from: data.count / 2, to: data.count, by: 7) { data[i] ^= 0x5A }
        try data.write(to: directory.appendingPathComponent("flac16.dat"))
        assertSignalFileError(
            try WFDB.readRecord(at: directory.appendingPathComponent("flac16")), names: "flac16.dat", contains: ["FLAC"]
        )
        try Data("not flac at all".utf8).write(to: directory.appendingPathComponent("flac16.dat"))
        assertSignalFileError(
            try WFDB.readRecord(at: directory.appendingPathComponent("flac16")), names: "flac16.dat", contains: ["FLAC"]
        )
    }
}
