import Foundation
import XCTest

@testable import ECGSignal

final class ReadersAnnotationTests: XCTestCase {
    private func annotations(_ record: String) throws -> [Annotation] {
        try WFDB.readAnnotations(at: ReaderFixtures.mitdb.appendingPathComponent("\(record).atr"))
    }

    private func counts(_ annotations: [Annotation]) -> [String: Int] {
        annotations.reduce(into: [:]) { $0[$1.code, default: 0] += 1 }
    }

    /// Counts computed once with Python wfdb.rdann on the bundled records.
    func testBundledRecordCountsMatchPythonWFDB() throws {
        let a101 = try annotations("101")
        XCTAssertEqual(a101.count, 1874)
        XCTAssertEqual(a101.filter(\.isBeat).count, 1865)
        XCTAssertEqual(counts(a101), ["+": 1, "N": 1860, "~": 4, "|": 4, "Q": 2, "A": 3])
        XCTAssertEqual(a101[0], Annotation(sample: 7, code: "+", aux: "(N"))
        XCTAssertEqual(a101[1], Annotation(sample: 83, code: "N"))
        XCTAssertEqual(a101[2].sample, 396)
        XCTAssertEqual(a101.filter { $0.subtype != 0 }.count, 6)

        let a119 = try annotations("119")
        XCTAssertEqual(a119.count, 2094)
        XCTAssertEqual(a119.filter(\.isBeat).count, 1987)
        XCTAssertEqual(counts(a119), ["+": 103, "N": 1543, "V": 444, "~": 4])
        XCTAssertEqual(a119.filter { $0.aux != nil }.count, 103)
        XCTAssertEqual(a119.first { $0.sample == 7610 }?.aux, "(B")

        let a208 = try annotations("208")
        XCTAssertEqual(a208.count, 3040)
        XCTAssertEqual(a208.filter(\.isBeat).count, 2955)
        XCTAssertEqual(counts(a208), ["+": 53, "F": 373, "V": 992, "N": 1586, "~": 24, "|": 8, "S": 2, "Q": 2])
        XCTAssertEqual(a208[1], Annotation(sample: 46, code: "F"))
        XCTAssertEqual(a208.first { $0.sample == 22415 }?.aux, "(T")
        let subtypes = a208.reduce(into: [Int: Int]()) { $0[$1.subtype, default: 0] += 1 }
        XCTAssertEqual(subtypes, [0: 1951, 1: 1062, 3: 15, 2: 11, -1: 1])
        XCTAssertTrue(a208.allSatisfy { $0.channel == 0 && $0.number == 0 })
        XCTAssertEqual(a208.map(\.sample), a208.map(\.sample).sorted())

        let classes = a208.compactMap { AAMIClass(beatCode: $0.code) }
            .reduce(into: [AAMIClass: Int]()) { $0[$1, default: 0] += 1 }
        XCTAssertEqual(classes, [.N: 1586, .VEB: 992, .F: 373, .SVEB: 2, .Q: 2])
    }

    private struct ExpectedAnnotation: Decodable {
        var sample: Int
        var code: String
        var subtype: Int
        var channel: Int
        var number: Int
        var aux: String?
    }

    /// synthetic.atr (written by Python wfdb.wrann) uses SKIP, NUM, SUB, CHN and AUX entries.
    func testEveryEntryTypeMatchesPythonWFDB() throws {
        let json = try Data(contentsOf: ReaderFixtures.wfdb.appendingPathComponent("expected_synthetic_atr.json"))
        let expected = try JSONDecoder().decode([ExpectedAnnotation].self, from: json).map {
            Annotation(
                sample: $0.sample, code: $0.code, subtype: $0.subtype, channel: $0.channel, number: $0.number,
                aux: $0.aux)
        }
        let read = try WFDB.readAnnotations(at: ReaderFixtures.wfdb.appendingPathComponent("synthetic.atr"))
        XCTAssertEqual(read, expected)
        XCTAssertEqual(read.last?.sample, 70_000_400, "SKIP intervals beyond 16 bits")
        XCTAssertEqual(read.map(\.channel), [0, 0, 1, 1, 1, 0, 0, 3, 3])
        XCTAssertEqual(flutterEpisodes(read), [2001..<90101])
    }

    func testHandWrittenEntries() throws {
        // N at 10; SKIP +100000; V at 100000+5 with NUM 3, CHN 1, SUB -2, AUX "ab c" (odd, padded);
        // then N at +1 (inherits NUM and CHN); end.
        var words: [UInt16] = [
            1 << 10 | 10, 59 << 10, 0x0001, 0x86A0, 5 << 10 | 5, 60 << 10 | 3, 62 << 10 | 1, 61 << 10 | 0xFE,
            63 << 10 | 3,
        ]
        var bytes = words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        bytes += Array("abc".utf8) + [0]
        words = [1 << 10 | 1, 0]
        bytes += words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let read = try WFDB.parseAnnotations(Data(bytes), path: "hand.atr")
        XCTAssertEqual(
            read,
            [
                Annotation(sample: 10, code: "N"),
                Annotation(sample: 100_015, code: "V", subtype: -2, channel: 1, number: 3, aux: "abc"),
                Annotation(sample: 100_016, code: "N", subtype: 0, channel: 1, number: 3),
            ])
    }

    func testTruncatedAndCorruptAnnotationFilesNameTheFile() throws {
        let data = try Data(contentsOf: ReaderFixtures.mitdb.appendingPathComponent("101.atr"))
        assertSignalFileError(
            try WFDB.parseAnnotations(data.dropLast(2), path: "/x/101.atr"), names: "101.atr",
            contains: ["end-of-file marker"])
        assertSignalFileError(
            try WFDB.parseAnnotations(data.dropLast(1), path: "/x/101.atr"), names: "101.atr", contains: ["odd size"])
        assertSignalFileError(
            try WFDB.parseAnnotations(Data([0x00, 59 << 2, 0, 0]), path: "s.atr"), names: "s.atr",
            contains: ["byte 0", "SKIP"])
        assertSignalFileError(
            try WFDB.parseAnnotations(Data([5, 4, 9, 63 << 2, 65, 66]), path: "a.atr"), names: "a.atr",
            contains: ["byte 2", "AUX"])
        assertSignalFileError(
            try WFDB.parseAnnotations(Data([1, 60 << 2, 0, 0]), path: "n.atr"), names: "n.atr",
            contains: ["NUM", "before any annotation"])
        assertSignalFileError(
            try WFDB.readAnnotations(at: URL(fileURLWithPath: "/nonexistent/zz.atr")), names: "zz.atr",
            contains: ["no such file"])
    }

    func testBeatCodesAndAAMIMapping() {
        XCTAssertEqual(BeatCodes.all, Set("NLRBAaJSVrFejnE/fQ?".map(String.init)))
        let mapping: [AAMIClass: String] = [.N: "NLRej", .SVEB: "AaJS", .VEB: "VE", .F: "F", .Q: "/fQ"]
        for (aami, codes) in mapping {
            for code in codes { XCTAssertEqual(AAMIClass(beatCode: String(code)), aami, String(code)) }
        }
        for code in ["B", "r", "n", "?", "+", "~", "|", "[", "]", "!", "x"] {
            XCTAssertNil(AAMIClass(beatCode: code), code)
        }
        XCTAssertEqual(AnnotationCodes.mnemonic(32), "[")
        XCTAssertEqual(AnnotationCodes.code("r"), 41)
        XCTAssertEqual(AnnotationCodes.mnemonic(45), "45")
    }

    func testFlutterEpisodes() {
        let annotations = [
            Annotation(sample: 900, code: "]"),
            Annotation(sample: 10, code: "N"),
            Annotation(sample: 100, code: "["),
            Annotation(sample: 150, code: "!"),
            Annotation(sample: 200, code: "]"),
            Annotation(sample: 500, code: "["),
        ]
        XCTAssertEqual(flutterEpisodes(Array(annotations.prefix(5))), [100..<201])
        XCTAssertEqual(flutterEpisodes(annotations, recordLength: 1000), [100..<201, 500..<901])
        XCTAssertEqual(flutterEpisodes([Annotation(sample: 500, code: "[")], recordLength: 1000), [500..<1000])
        XCTAssertEqual(flutterEpisodes([Annotation(sample: 5, code: "N")]), [])
    }
}
