import Foundation
import XCTest

@testable import ECGSignal

final class ReadersEDFTests: XCTestCase {
    private struct Expected: Decodable {
        var labels: [String]
        var fs: [Double]
        var signals: [[Double]]
        var annotations: [[AnnotationField]]
    }

    private enum AnnotationField: Decodable {
        case number(Double)
        case text(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else {
                self = .text(try container.decode(String.self))
            }
        }
    }

    private let edf = ReaderFixtures.fixtures.appendingPathComponent("edf")

    /// What pyedflib reads from the fixtures (scripts/fixtures/make_edf_fixtures.py).
    private func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: edf.appendingPathComponent("expected_edf.json"))
        return try XCTUnwrap(JSONDecoder().decode([String: Expected].self, from: data)[name])
    }

    private func assertClose(_ a: [Double], _ b: [Double], scale: Double = 1, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, line: line)
        for (x, y) in zip(a, b) where abs(x - y * scale) > 1e-9 * max(1, abs(x)) {
            XCTFail("\(x) != \(y * scale)", line: line)
            return
        }
    }

    /// A copy of a fixture in a temporary directory, with `patch` applied to its bytes.
    private func patchedCopy(_ name: String, _ patch: (inout Data) -> Void) throws -> URL {
        var data = try Data(contentsOf: edf.appendingPathComponent(name))
        patch(&data)
        let url = try ReaderFixtures.temporaryDirectory().appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    private func overwrite(_ data: inout Data, at offset: Int, _ text: String, width: Int) {
        let padded = text.padding(toLength: width, withPad: " ", startingAt: 0)
        data.replaceSubrange(offset..<(offset + width), with: Array(padded.utf8))
    }

    func testPlainEDFPicksECGSignalsAndScales() throws {
        let reference = try expected("plain.edf")
        let url = edf.appendingPathComponent("plain.edf")
        let recording = try EDFReader.read(at: url)
        XCTAssertEqual(recording.leadNames, ["ECG I", "ECG II"])
        XCTAssertEqual(recording.fs, 256)
        XCTAssertEqual(recording.units, ["mV", "mV"])
        XCTAssertEqual(recording.sampleCount, 1024)
        XCTAssertEqual(recording.name, "plain")
        assertClose(recording.leads[0], reference.signals[0], scale: 0.001)
        assertClose(recording.leads[1], reference.signals[1])

        let raw = try EDFReader.read(at: url, labels: ["ecg i"], toMillivolts: false)
        XCTAssertEqual(raw.units, ["uV"])
        assertClose(raw.leads[0], reference.signals[0])

        let resp = try EDFReader.read(at: url, labels: ["Resp"])
        XCTAssertEqual(resp.fs, 32)
        XCTAssertEqual(resp.units, ["Ohm"])
        assertClose(resp.leads[0], reference.signals[2])

        XCTAssertEqual(try EDFReader.readAnnotations(at: url), [])
    }

    func testHeaderFields() throws {
        let header = try EDFReader.readHeader(at: edf.appendingPathComponent("plus.edf"))
        XCTAssertTrue(header.isEDFPlus)
        XCTAssertFalse(header.isDiscontinuous)
        XCTAssertEqual(header.startDate, "02.01.20")
        XCTAssertEqual(header.startTime, "03.04.05")
        XCTAssertEqual(header.recordCount, 4)
        XCTAssertEqual(header.recordDuration, 1)
        XCTAssertEqual(header.headerBytes, 256 * 4)
        XCTAssertEqual(header.signals.map(\.label), ["Pleth", "ECG", "EDF Annotations"])
        XCTAssertEqual(header.signals.map(\.samplesPerRecord).prefix(2), [125, 500])
        XCTAssertEqual(header.signals[1].physicalMinimum, -10)
        XCTAssertEqual(header.signals[1].digitalMaximum, 32767)
        XCTAssertEqual(header.signals[1].transducer, "AgAgCl electrode")
        XCTAssertEqual(header.signals[1].prefiltering, "HP:0.5Hz LP:40Hz")
        XCTAssertTrue(header.patient.contains("Test_Patient"))
        XCTAssertFalse(try EDFReader.readHeader(at: edf.appendingPathComponent("plain.edf")).isEDFPlus)
    }

    func testEDFPlusSkipsAnnotationsAndOtherRatesAndParsesTALs() throws {
        let reference = try expected("plus.edf")
        let url = edf.appendingPathComponent("plus.edf")
        let recording = try EDFReader.read(at: url)
        XCTAssertEqual(recording.leadNames, ["ECG"])
        XCTAssertEqual(recording.fs, 500)
        assertClose(recording.leads[0], reference.signals[1])

        let annotations = try EDFReader.readAnnotations(at: url)
        let wanted = reference.annotations.map { fields -> EDFAnnotation in
            guard case .number(let onset) = fields[0], case .number(let duration) = fields[1],
                case .text(let text) = fields[2]
            else {
                fatalError("bad expected annotation")
            }
            return EDFAnnotation(onset: onset, duration: duration < 0 ? nil : duration, text: text)
        }
        XCTAssertEqual(annotations, wanted)
        XCTAssertEqual(annotations.map(\.text), ["Recording starts", "PVC", "Noise"])

        assertSignalFileError(
            try EDFReader.read(at: url, labels: ["ECG", "Pleth"]), names: "plus.edf",
            contains: ["different sampling rates", "500.0 Hz", "125.0 Hz"])
        assertSignalFileError(
            try EDFReader.read(at: url, labels: ["EDF Annotations"]), names: "plus.edf",
            contains: ["no signal labelled", "Pleth, ECG"])
    }

    func testUnknownRecordCountIsTakenFromTheFileSize() throws {
        let url = try patchedCopy("plain.edf") { self.overwrite(&$0, at: 236, "-1", width: 8) }
        XCTAssertEqual(try EDFReader.readHeader(at: url).recordCount, 4)
        XCTAssertEqual(try EDFReader.read(at: url), try EDFReader.read(at: edf.appendingPathComponent("plain.edf")))
    }

    func testDiscontinuousTruncatedAndCorruptFilesAreRefused() throws {
        let discontinuous = try patchedCopy("plus.edf") { self.overwrite(&$0, at: 192, "EDF+D", width: 44) }
        assertSignalFileError(
            try EDFReader.read(at: discontinuous), names: "plus.edf", contains: ["EDF+D", "discontinuous"])

        let truncated = try patchedCopy("plain.edf") { $0.removeLast(100) }
        assertSignalFileError(
            try EDFReader.read(at: truncated), names: "plain.edf",
            contains: ["truncated", "4 data records", "3 whole records"])
        let headerOnly = try patchedCopy("plain.edf") { $0 = $0.prefix(600) }
        assertSignalFileError(try EDFReader.read(at: headerOnly), names: "plain.edf", contains: ["truncated", "1024"])
        let tiny = try patchedCopy("plain.edf") { $0 = $0.prefix(100) }
        assertSignalFileError(try EDFReader.readHeader(at: tiny), names: "plain.edf", contains: ["truncated", "256"])

        let notEDF = try patchedCopy("plain.edf") { self.overwrite(&$0, at: 0, "X", width: 8) }
        assertSignalFileError(try EDFReader.read(at: notEDF), names: "plain.edf", contains: ["not an EDF file"])
        let badCount = try patchedCopy("plain.edf") { self.overwrite(&$0, at: 252, "x", width: 4) }
        assertSignalFileError(
            try EDFReader.read(at: badCount), names: "plain.edf", contains: ["number of signals", "\"x\""])
        let badSize = try patchedCopy("plain.edf") { self.overwrite(&$0, at: 184, "768", width: 8) }
        assertSignalFileError(
            try EDFReader.read(at: badSize), names: "plain.edf", contains: ["size 768", "expected 1024"])
        // Digital maximum of signal 2 (fields: 256 + 128 * 3 signals + 8 * index).
        let flat = try patchedCopy("plain.edf") { self.overwrite(&$0, at: 256 + 128 * 3 + 8, "-2048", width: 8) }
        assertSignalFileError(
            try EDFReader.read(at: flat), names: "plain.edf", contains: ["range of signal 2 (ECG II) is empty"])
        let badMinimum = try patchedCopy("plain.edf") { self.overwrite(&$0, at: 256 + 104 * 3, "low", width: 8) }
        assertSignalFileError(
            try EDFReader.read(at: badMinimum), names: "plain.edf", contains: ["physical minimum of signal 1 (ECG I)"])
    }

    /// A long EDF (9,000 one-second records of two 250 Hz ECG signals, 9 MB) is read in
    /// parallel parts: every sample lands where it belongs, in physical units.
    func testLongFileReadsEverySampleInPlace() throws {
        let (records, rate) = (9_000, 250)
        func digital(_ signal: Int, _ i: Int) -> Int16 {
            Int16(truncatingIfNeeded: (i &* 2_654_435_761 &+ signal &* 97) % 60_001 - 30_000)
        }
        func field(_ text: String, _ width: Int) -> [UInt8] {
            Array(text.padding(toLength: width, withPad: " ", startingAt: 0).utf8)
        }
        let signals = 2
        var bytes = field("0", 8) + field("X X X long", 80) + field("Startdate 01-JAN-2026 X X X", 80)
        bytes += field("01.01.26", 8) + field("00.00.00", 8) + field("\(256 * (signals + 1))", 8) + field("", 44)
        bytes += field("\(records)", 8) + field("1", 8) + field("\(signals)", 4)
        for (width, values) in [
            (16, ["ECG I", "ECG II"]), (80, ["", ""]), (8, ["mV", "uV"]), (8, ["-5", "-3000"]), (8, ["5", "3000"]),
            (8, ["-32768", "-32768"]), (8, ["32767", "32767"]), (80, ["", ""]), (8, ["\(rate)", "\(rate)"]),
            (32, ["", ""]),
        ] {
            for value in values { bytes += field(value, width) }
        }
        for r in 0..<records {
            for signal in 0..<signals {
                for k in 0..<rate {
                    let v = UInt16(bitPattern: digital(signal, r * rate + k))
                    bytes += [UInt8(v & 0xFF), UInt8(v >> 8)]
                }
            }
        }
        let url = try ReaderFixtures.temporaryDirectory().appendingPathComponent("long.edf")
        try Data(bytes).write(to: url)

        let recording = try EDFReader.read(at: url)
        XCTAssertEqual(recording.leadNames, ["ECG I", "ECG II"])
        XCTAssertEqual(recording.fs, 250)
        for (signal, (low, high, toMillivolts)) in [(-5.0, 5.0, 1.0), (-3000, 3000, 0.001)].enumerated() {
            let lead = recording.leads[signal]
            XCTAssertEqual(lead.count, records * rate)
            let scale = (high - low) / 65_535
            let wrong = lead.indices.filter { i in
                lead[i] != (low + Double(Int(digital(signal, i)) + 32_768) * scale) * toMillivolts
            }
            XCTAssertEqual(wrong.count, 0, "signal \(signal): first wrong samples \(wrong.prefix(3))")
        }
        let second = try EDFReader.read(at: url, labels: ["ECG II"])
        XCTAssertEqual(second.leads, [recording.leads[1]])
    }
}
