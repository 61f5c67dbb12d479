import Foundation
import XCTest

@testable import ECGSignal

final class ReadersWFDBTests: XCTestCase {
    private struct ExpectedRecord: Decodable {
        var fs: Double
        var units: [String]
        var names: [String]
        var leads: [[Double?]]
    }

    /// Every format fixture reads back exactly what Python wfdb reads (see make_wfdb_fixtures.py).
    func testEveryFormatMatchesPythonWFDB() throws {
        let json = try Data(contentsOf: ReaderFixtures.wfdb.appendingPathComponent("expected_records.json"))
        let expected = try JSONDecoder().decode([String: ExpectedRecord].self, from: json)
        let formats = [
            "fmt8", "fmt16", "fmt24", "fmt32", "fmt61", "fmt80", "fmt160", "fmt212", "fmt310", "fmt311", "odd212",
        ]
        XCTAssertEqual(Set(expected.keys), Set(formats))
        for name in formats {
            let record = try WFDB.readRecord(at: ReaderFixtures.wfdb.appendingPathComponent(name))
            let reference = try XCTUnwrap(expected[name])
            XCTAssertEqual(record.fs, reference.fs, name)
            XCTAssertEqual(record.units, reference.units, name)
            XCTAssertEqual(record.leadNames, reference.names, name)
            XCTAssertEqual(record.name, name)
            XCTAssertEqual(record.leads.count, reference.leads.count, name)
            for (lead, ref) in zip(record.leads, reference.leads) {
                XCTAssertEqual(lead, ref.map { $0 ?? .nan }, name)
            }
        }
    }

    func testBundledRecordPhysicalValuesAndHeader() throws {
        let record = try WFDB.readRecord(at: ReaderFixtures.mitdb.appendingPathComponent("101"))
        XCTAssertEqual(record.fs, 360)
        XCTAssertEqual(record.sampleCount, 650_000)
        XCTAssertEqual(record.leadNames, ["MLII", "V1"])
        XCTAssertEqual(record.units, ["mV", "mV"])
        XCTAssertEqual(record.comments, ["75 F 1011 654 x1", "Diapres"])
        // Values from Python wfdb.rdrecord('101').p_signal.
        XCTAssertEqual(record.leads[0][0], -0.345)
        XCTAssertEqual(record.leads[1][0], -0.16)
        XCTAssertEqual(record.leads[0][1000], -0.39)
        XCTAssertEqual(record.leads[1][1000], -0.1)

        let viaHeader = try WFDB.readRecord(at: ReaderFixtures.mitdb.appendingPathComponent("119.hea"))
        XCTAssertEqual(viaHeader.leads[0][649_999], 1.28)
        XCTAssertEqual(viaHeader.leads[1][649_999], -1.28)
        XCTAssertEqual(viaHeader.leads[0][0], -0.995)

        let header = try WFDB.readHeader(at: ReaderFixtures.mitdb.appendingPathComponent("208"))
        XCTAssertEqual(header.signals.map(\.format), [212, 212])
        XCTAssertEqual(header.signals.map(\.adcZero), [1024, 1024])
        XCTAssertEqual(header.signals.map(\.baseline), [1024, 1024])
        XCTAssertEqual(header.signals.map(\.initialValue), [1003, 1062])
        XCTAssertEqual(header.signals.map(\.checksum), [8074, 20649])
        XCTAssertEqual(header.signals.map(\.adcResolution), [11, 11])
        XCTAssertEqual(header.comments.count, 5)
    }

    func testCRLFHeaderReadsLikeLF() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        let source = ReaderFixtures.mitdb
        let text = try String(contentsOf: source.appendingPathComponent("208.hea"), encoding: .utf8)
        XCTAssertFalse(text.contains("\r"))
        try text.replacingOccurrences(of: "\n", with: "\r\n")
            .write(to: directory.appendingPathComponent("208.hea"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            at: source.appendingPathComponent("208.dat"), to: directory.appendingPathComponent("208.dat"))
        let crlf = try WFDB.readRecord(at: directory.appendingPathComponent("208"))
        let lf = try WFDB.readRecord(at: source.appendingPathComponent("208"))
        XCTAssertEqual(crlf, lf)
        XCTAssertEqual(crlf.comments.last, "PVCs and a fusion PVC.")
    }

    func testHeaderFieldsAndDefaults() throws {
        let text = """
            # leading comment\r
            rec 4 500/1000(30) 1200 12:30:05 25/12/2020\r
            rec.dat 16 100.5(-7)/uV 16 3 5 123 0 chest lead V2\r
            rec.dat 16 0/mV\r
            other.dat 80x2:1+512\r
            other.dat 80 20(4)\r
            #trailing  comment\r\n
            """
        let header = try WFDBHeader.parse(text, path: "rec.hea")
        XCTAssertEqual(header.recordName, "rec")
        XCTAssertEqual(header.fs, 500)
        XCTAssertEqual(header.counterFrequency, 1000)
        XCTAssertEqual(header.baseCounter, 30)
        XCTAssertEqual(header.sampleCount, 1200)
        XCTAssertEqual(header.baseTime, "12:30:05")
        XCTAssertEqual(header.baseDate, "25/12/2020")
        XCTAssertEqual(header.comments, ["leading comment", "trailing  comment"])
        let first = header.signals[0]
        XCTAssertEqual(first.gain, 100.5)
        XCTAssertEqual(first.baseline, -7)
        XCTAssertEqual(first.units, "uV")
        XCTAssertEqual(first.adcZero, 3)
        XCTAssertEqual(first.initialValue, 5)
        XCTAssertEqual(first.checksum, 123)
        XCTAssertEqual(first.description, "chest lead V2")
        XCTAssertEqual(first.physical(194), 2.0)
        let second = header.signals[1]
        XCTAssertEqual(second.gain, 200, "gain 0 means 200")
        XCTAssertEqual(second.baseline, 0)
        XCTAssertNil(second.checksum)
        XCTAssertEqual(second.description, "")
        let third = header.signals[2]
        XCTAssertEqual(third.format, 80)
        XCTAssertEqual(third.samplesPerFrame, 2)
        XCTAssertEqual(third.skew, 1)
        XCTAssertEqual(third.byteOffset, 512)
        XCTAssertEqual(third.gain, 200)
        XCTAssertEqual(third.units, "mV")
        XCTAssertEqual(third.adcResolution, 8)
        XCTAssertEqual(header.signals[3].baseline, 4)
        XCTAssertEqual(header.signals[3].adcZero, 0)

        let minimal = try WFDBHeader.parse("x 1\nx.dat 212\n", path: "x.hea")
        XCTAssertEqual(minimal.fs, 250)
        XCTAssertNil(minimal.sampleCount)
        XCTAssertEqual(minimal.signals[0].adcResolution, 12)
    }

    func testCorruptHeadersNameFileAndLine() {
        func parse(_ text: String) throws -> WFDBHeader { try WFDBHeader.parse(text, path: "/data/bad.hea") }
        assertSignalFileError(try parse(""), names: "bad.hea", contains: ["no record line"])
        assertSignalFileError(try parse("bad\n"), names: "bad.hea", contains: ["line 1", "signal count"])
        assertSignalFileError(
            try parse("bad 2 360\nbad.dat 212\n"), names: "bad.hea", contains: ["2 signals", "1 signal lines"])
        assertSignalFileError(
            try parse("bad 1 fast\nbad.dat 212\n"), names: "bad.hea", contains: ["line 1", "sampling frequency"])
        assertSignalFileError(
            try parse("bad 1 360\n\nbad.dat 212 2x0\n"), names: "bad.hea", contains: ["line 3", "gain"])
        assertSignalFileError(
            try parse("bad 1 360\nbad.dat 212 200(x)/mV\n"), names: "bad.hea", contains: ["line 2", "baseline"])
        assertSignalFileError(try parse("bad 1 360\nbad.dat abc\n"), names: "bad.hea", contains: ["line 2", "format"])
        assertSignalFileError(
            try parse("bad 1 360\nbad.dat 212 200 12 zero\n"), names: "bad.hea", contains: ["ADC zero"])
        assertSignalFileError(
            try parse("bad/2 1 360\n"), names: "bad.hea", contains: ["2 segments", "0 segment lines"])
        assertSignalFileError(try parse("bad/x 1 360\n"), names: "bad.hea", contains: ["line 1", "number of segments"])
        assertSignalFileError(try parse("bad/1 1 360\nseg\n"), names: "bad.hea", contains: ["line 2", "segment line"])
    }

    func testShortSignalFileIsReadAsFarAsItGoesWithAWarning() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        try FileManager.default.copyItem(
            at: ReaderFixtures.mitdb.appendingPathComponent("101.hea"), to: directory.appendingPathComponent("101.hea"))
        let data = try Data(contentsOf: ReaderFixtures.mitdb.appendingPathComponent("101.dat"))
        try data.prefix(3001).write(to: directory.appendingPathComponent("101.dat"))
        let short = try WFDB.readRecord(at: directory.appendingPathComponent("101"))
        let whole = try WFDB.readRecord(at: ReaderFixtures.mitdb.appendingPathComponent("101"))
        XCTAssertEqual(short.sampleCount, 1000, "3001 bytes of format 212 hold 1000 whole frames of two signals")
        XCTAssertEqual(short.leads.map { Array($0) }, whole.leads.map { Array($0[0..<1000]) })
        XCTAssertEqual(short.warnings.count, 1)
        for part in ["101.dat", "1000", "650000"] {
            XCTAssertTrue(short.warnings[0].contains(part), short.warnings[0])
        }
        XCTAssertEqual(whole.warnings, [])

        try FileManager.default.removeItem(at: directory.appendingPathComponent("101.dat"))
        assertSignalFileError(
            try WFDB.readRecord(at: directory.appendingPathComponent("101")), names: "101.dat",
            contains: ["no such file"])
        assertSignalFileError(
            try WFDB.readRecord(at: directory.appendingPathComponent("none")), names: "none.hea",
            contains: ["no such file"])
    }

    func testCorruptSamplesFailTheChecksum() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        for ext in ["hea", "dat"] {
            try FileManager.default.copyItem(
                at: ReaderFixtures.wfdb.appendingPathComponent("fmt16.\(ext)"),
                to: directory.appendingPathComponent("fmt16.\(ext)"))
        }
        XCTAssertNoThrow(try WFDB.readRecord(at: directory.appendingPathComponent("fmt16")))
        var data = try Data(contentsOf: directory.appendingPathComponent("fmt16.dat"))
        data[10] ^= 0x40
        try data.write(to: directory.appendingPathComponent("fmt16.dat"))
        assertSignalFileError(
            try WFDB.readRecord(at: directory.appendingPathComponent("fmt16")), names: "fmt16.dat",
            contains: ["checksum mismatch"])
    }

    func testLengthFromFileSizeWhenHeaderOmitsIt() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        try Data([1, 0, 2, 0, 255, 255, 0, 128]).write(to: directory.appendingPathComponent("s.dat"))
        try "s 2 100\ns.dat 16 10/mV\ns.dat 16 2(1)\n".write(
            to: directory.appendingPathComponent("s.hea"), atomically: true, encoding: .utf8)
        let record = try WFDB.readRecord(at: directory.appendingPathComponent("s.hea"))
        XCTAssertEqual(record.leads[0], [0.1, -0.1])
        XCTAssertEqual(record.leads[1][0], 0.5)
        XCTAssertTrue(record.leads[1][1].isNaN, "-32768 marks a missing sample")
        XCTAssertEqual(record.leadNames, ["signal0", "signal1"])

        try Data([1, 0, 2, 0, 3]).write(to: directory.appendingPathComponent("s.dat"))
        assertSignalFileError(
            try WFDB.readRecord(at: directory.appendingPathComponent("s")), names: "s.dat", contains: ["partial frame"])
    }

    func testUnsupportedSignalsAreRefusedClearly() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        try "u 1 100 4\nu.dat 999\n".write(
            to: directory.appendingPathComponent("u.hea"), atomically: true, encoding: .utf8)
        assertSignalFileError(
            try WFDB.readRecord(at: directory.appendingPathComponent("u")), names: "u.hea", contains: ["format 999"])
        try "u 0 100 4\n".write(to: directory.appendingPathComponent("u.hea"), atomically: true, encoding: .utf8)
        assertSignalFileError(
            try WFDB.readRecord(at: directory.appendingPathComponent("u")), names: "u.hea", contains: ["no signals"])
    }
}
