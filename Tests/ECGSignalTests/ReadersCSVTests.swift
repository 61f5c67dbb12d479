import Foundation
import XCTest

@testable import ECGSignal

final class ReadersCSVTests: XCTestCase {
    func testSingleColumnWithoutHeader() throws {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["0.1", "0.2", "-0.3", "4e-1", ""].joined(separator: ending)
            let recording = try CSVSignalReader.parse(text, path: "one.csv", fs: 250)
            XCTAssertEqual(recording.leads, [[0.1, 0.2, -0.3, 0.4]])
            XCTAssertEqual(recording.leadNames, ["column0"])
            XCTAssertEqual(recording.fs, 250)
        }
    }

    func testNamedColumnsAndDefaultSkipsTime() throws {
        let text = "\u{FEFF}time,ECG,Resp\r\n0.000,0.5,7\r\n0.004,0.25,8\r\n\r\n0.008,-1,9\r\n"
        let all = try CSVSignalReader.parse(text, path: "named.csv", fs: 250)
        XCTAssertEqual(all.leadNames, ["ECG", "Resp"])
        XCTAssertEqual(all.leads, [[0.5, 0.25, -1], [7, 8, 9]])
        let ecg = try CSVSignalReader.parse(text, path: "named.csv", fs: 250, columns: [.name("ecg")])
        XCTAssertEqual(ecg.leadNames, ["ECG"])
        XCTAssertEqual(ecg.leads, [[0.5, 0.25, -1]])
        let byIndex = try CSVSignalReader.parse(text, path: "named.csv", fs: 250, columns: [.index(2), .index(0)])
        XCTAssertEqual(byIndex.leads, [[7, 8, 9], [0, 0.004, 0.008]])
        XCTAssertEqual(byIndex.leadNames, ["Resp", "time"])
    }

    func testSemicolonWithDecimalCommaAndTab() throws {
        let semicolon = try CSVSignalReader.parse("MLII;V1\n1,5;2\n\"-0,25\";3\n", path: "s.csv", fs: 360)
        XCTAssertEqual(semicolon.leads, [[1.5, -0.25], [2, 3]])
        XCTAssertEqual(semicolon.leadNames, ["MLII", "V1"])
        let tab = try CSVSignalReader.parse("1\t2\n3\t4\n", path: "t.csv", fs: 360)
        XCTAssertEqual(tab.leads, [[1, 3], [2, 4]])
        XCTAssertEqual(tab.leadNames, ["column0", "column1"])
    }

    func testBadCellsAreRejectedWithRowAndColumn() {
        assertSignalFileError(
            try CSVSignalReader.parse("ECG\n0.1\nNaN\n", path: "/d/nan.csv", fs: 360), names: "nan.csv",
            contains: ["row 3, column 1", "not a finite number"])
        assertSignalFileError(
            try CSVSignalReader.parse("a,b\n1,2\n3,\n", path: "/d/empty.csv", fs: 360, columns: [.name("b")]),
            names: "empty.csv", contains: ["row 3, column 2", "empty cell"])
        XCTAssertEqual(
            try CSVSignalReader.parse("a,b\n1,2\n3,\n", path: "ok.csv", fs: 360, columns: [.name("a")]).leads,
            [[1, 3]],
            "cells of other columns are not checked")
        assertSignalFileError(
            try CSVSignalReader.parse("1,2\n3\n", path: "short.csv", fs: 360), names: "short.csv",
            contains: ["row 2", "column 2 is missing"])
        assertSignalFileError(
            try CSVSignalReader.parse("x\n1\n", path: "h.csv", fs: 360, hasHeader: false), names: "h.csv",
            contains: ["row 1, column 1", "\"x\" is not a number"])
        assertSignalFileError(
            try CSVSignalReader.parse("1\ninf\n", path: "inf.csv", fs: 360), names: "inf.csv",
            contains: ["row 2", "finite"])
    }

    func testColumnChoiceErrors() {
        assertSignalFileError(
            try CSVSignalReader.parse("time,ECG\n0,1\n", path: "c.csv", fs: 360, columns: [.name("V5")]),
            names: "c.csv", contains: ["no column named \"V5\"", "time, ECG"])
        assertSignalFileError(
            try CSVSignalReader.parse("0,1\n", path: "c.csv", fs: 360, columns: [.name("ECG")]),
            names: "c.csv", contains: ["no header line"])
        assertSignalFileError(
            try CSVSignalReader.parse("0,1\n", path: "c.csv", fs: 360, columns: [.index(2)]),
            names: "c.csv", contains: ["out of range", "2 columns"])
        assertSignalFileError(
            try CSVSignalReader.parse("ECG\n", path: "c.csv", fs: 360), names: "c.csv", contains: ["no data rows"])
        assertSignalFileError(
            try CSVSignalReader.parse("\n\n", path: "c.csv", fs: 360), names: "c.csv", contains: ["no data"])
        assertSignalFileError(
            try CSVSignalReader.parse("1\n", path: "c.csv", fs: 0), names: "c.csv", contains: ["sampling rate"])
    }

    func testRecordRoundTripThroughAFile() throws {
        let record = try WFDB.readRecord(at: ReaderFixtures.mitdb.appendingPathComponent("101"))
        let count = 5000
        var text = "MLII,V1\n"
        for t in 0..<count { text += "\(record.leads[0][t]),\(record.leads[1][t])\n" }
        let directory = try ReaderFixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("r101.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let read = try CSVSignalReader.read(at: url, fs: 360)
        XCTAssertEqual(read.name, "r101")
        XCTAssertEqual(read.leadNames, ["MLII", "V1"])
        XCTAssertEqual(read.leads[0], Array(record.leads[0].prefix(count)))
        XCTAssertEqual(read.leads[1], Array(record.leads[1].prefix(count)))
        assertSignalFileError(
            try CSVSignalReader.read(at: directory.appendingPathComponent("missing.csv"), fs: 360),
            names: "missing.csv", contains: ["no such file"])
    }

    // MARK: - Beats CSV

    /// Rows as numpy.savetxt writes the Kachuee CSVs: 187 values then the label, all "%.18e".
    private func kachueeText(rows: Int) -> (String, [[Double]]) {
        var beats: [[Double]] = []
        var lines: [String] = []
        for r in 0..<rows {
            let beat = (0..<187).map { i in i < 120 ? Double((i * 7 + r * 13) % 100) / 99 : 0 }
            beats.append(beat)
            lines.append((beat + [Double(r % 2)]).map { String(format: "%.18e", $0) }.joined(separator: ","))
        }
        return (lines.joined(separator: "\n") + "\n", beats)
    }

    func testKachueeFormat() throws {
        let (text, beats) = kachueeText(rows: 4)
        let table = try BeatsCSVReader.parse(text, path: "ptbdb.csv")
        XCTAssertEqual(table.beatLength, 187)
        XCTAssertEqual(table.beats.count, 4)
        for (read, written) in zip(table.beats, beats) {
            for (a, b) in zip(read, written) { XCTAssertEqual(a, b, accuracy: 1e-15) }
        }
        XCTAssertEqual(table.labels, ["0", "1", "0", "1"])
        XCTAssertEqual(table.integerLabels, [0, 1, 0, 1])
        XCTAssertEqual(table.lineNumbers, [1, 2, 3, 4])
    }

    func testSegmentsWithoutLabelsAndStringLabelsWithHeader() throws {
        let segment = (0..<360).map { sin(Double($0) / 20) }
        let text = [segment, segment.map { -$0 }].map { $0.map { "\($0)" }.joined(separator: "\t") }.joined(
            separator: "\r\n")
        let table = try BeatsCSVReader.parse(text, path: "seg.tsv", lastColumnIsLabel: false)
        XCTAssertEqual(table.beats, [segment, segment.map { -$0 }])
        XCTAssertNil(table.labels)
        XCTAssertNil(table.integerLabels)

        let labelled = try BeatsCSVReader.parse("s0;s1;label\n0,5;1;N\n2;3;V\n", path: "l.csv")
        XCTAssertEqual(labelled.beats, [[0.5, 1], [2, 3]])
        XCTAssertEqual(labelled.labels, ["N", "V"])
        XCTAssertNil(labelled.integerLabels)
        XCTAssertEqual(labelled.lineNumbers, [2, 3])
    }

    func testBadBeatRowsAreReportedPerLine() throws {
        let text = "1,2,3,0\n4,5,0\n7,x,9,1\n1,2,3,\n\n6,6,6,2\n1,2,nan,0\n"
        let (table, issues) = BeatsCSVReader.check(text)
        XCTAssertEqual(table.beats, [[1, 2, 3], [6, 6, 6]])
        XCTAssertEqual(table.integerLabels, [0, 2])
        XCTAssertEqual(table.lineNumbers, [1, 6])
        XCTAssertEqual(
            issues,
            [
                TextFileIssue(line: 2, message: "has 3 columns, expected 4"),
                TextFileIssue(line: 3, column: 2, message: "\"x\" is not a number"),
                TextFileIssue(line: 4, column: 4, message: "empty label"),
                TextFileIssue(line: 7, column: 3, message: "\"nan\" is not a finite number"),
            ])
        assertSignalFileError(
            try BeatsCSVReader.parse(text, path: "/d/bad.csv"), names: "bad.csv", contains: ["row 2", "expected 4"])
        assertSignalFileError(try BeatsCSVReader.parse("", path: "e.csv"), names: "e.csv", contains: ["no beats"])
        assertSignalFileError(
            try BeatsCSVReader.parse("1\n2\n", path: "one.csv"), names: "one.csv", contains: ["at least 2"])
    }

    func testBeatsFileIsRead() throws {
        let (text, _) = kachueeText(rows: 3)
        let url = try ReaderFixtures.temporaryDirectory().appendingPathComponent("beats.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(try BeatsCSVReader.read(at: url).beats.count, 3)
        try (text + "0.5,0.5\n").write(to: url, atomically: true, encoding: .utf8)
        assertSignalFileError(
            try BeatsCSVReader.read(at: url), names: "beats.csv", contains: ["row 4", "has 2 columns, expected 188"])
    }
}

final class ReadersFormatDispatchTests: XCTestCase {
    func testFormatFromExtensionAndLeadChoice() throws {
        XCTAssertEqual(SignalFileFormat(pathExtension: "HEA"), .wfdb)
        XCTAssertEqual(SignalFileFormat(pathExtension: ""), .wfdb)
        XCTAssertEqual(SignalFileFormat(pathExtension: "tsv"), .csv)
        XCTAssertEqual(SignalFileFormat(pathExtension: "edf"), .edf)
        XCTAssertNil(SignalFileFormat(pathExtension: "mat"))

        XCTAssertEqual(SignalFileFormat(path: "mitdb/208"), .wfdb)
        XCTAssertEqual(SignalFileFormat(path: "records/rec.v2"), .wfdb, "an unknown extension is part of a record name")
        XCTAssertEqual(SignalFileFormat(path: "uploads/ecg.CSV"), .csv)

        let dat = ReaderFixtures.mitdb.appendingPathComponent("119.dat")
        var offered: [String] = []
        let v1 = try SignalFileFormat.wfdb.read(at: dat) { names in
            offered = names
            return [1]
        }
        XCTAssertEqual(offered, ["MLII", "V1"], "the chooser sees the header's signal names")
        XCTAssertEqual(v1.leadNames, ["V1"])
        XCTAssertEqual(v1.units, ["mV"])
        XCTAssertEqual(v1.leads[0][649_999], -1.28)
        struct Refused: Error {}
        XCTAssertThrowsError(try SignalFileFormat.wfdb.read(at: dat) { _ in throw Refused() }) { error in
            XCTAssertTrue(error is Refused, "what the chooser throws comes through: \(error)")
        }

        let edf = ReaderFixtures.fixtures.appendingPathComponent("edf/plain.edf")
        let edfLeads = try SignalFileFormat.edf.read(at: edf) { names in [names.firstIndex(of: "ECG II")!] }
        XCTAssertEqual(edfLeads.leadNames, ["ECG II"])

        let csv = try ReaderFixtures.temporaryDirectory().appendingPathComponent("x.csv")
        try "time,ECG\n0,1.5\n1,2.5\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SignalFileFormat.csv.read(at: csv, fs: 2).leads, [[1.5, 2.5]])
        XCTAssertEqual(try SignalFileFormat.csv.read(at: csv, fs: 2, column: "ECG") { _ in [0] }.leadNames, ["ECG"])
        assertSignalFileError(try SignalFileFormat.csv.read(at: csv), names: "x.csv", contains: ["sampling rate"])
    }
}
