import ECGSignal
import Foundation
import JSONRPC
import NIOCore
import XCTest

@testable import ECGService

final class SignalDecoderTests: XCTestCase {
    private var root: URL!
    private var decoder: SignalDecoder!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-signals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("inside"), withIntermediateDirectories: true)
        decoder = SignalDecoder(dataRoot: DataRoot(root), maxDecompressedBytes: 1 << 20, maxSamples: 100_000)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func expectError(
        _ value: JSONValue, code: Int, containing fragment: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try decoder.decode(value), file: file, line: line) { error in
            guard let error = error as? ServiceError else {
                return XCTFail("not a ServiceError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.responseError.code, code, "\(error)", file: file, line: line)
            XCTAssertTrue(
                error.responseError.message.contains(fragment), error.responseError.message, file: file, line: line)
        }
    }

    private static func base64<T>(_ values: [T]) -> String {
        values.withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    // MARK: Inline

    func testInlineSingleLeadAndMultiLead() throws {
        let one = try decoder.decode(["fs": 250, "data": [0.5, -0.25, 1]])
        XCTAssertEqual(one.fs, 250)
        XCTAssertEqual(one.leads, [[0.5, -0.25, 1]])

        let two = try decoder.decode(["fs": 360, "data": [[1, 2], [3, 4]], "leadNames": ["MLII", "V1"]])
        XCTAssertEqual(two.leads, [[1, 2], [3, 4]])
        XCTAssertEqual(two.leadNames, ["MLII", "V1"])
    }

    func testInlineProblems() {
        expectError(["fs": 360, "data": []], code: -32602, containing: "empty")
        expectError(["fs": 360, "data": [[1, 2], [3]]], code: -32602, containing: "different lengths")
        expectError(
            ["fs": 360, "data": [1, "2"]], code: -32602,
            containing: "params.signal.data[1]: expected number, found string")
        expectError(["data": [1, 2]], code: -32602, containing: "params.signal.fs: missing")
        expectError(["fs": 10, "data": [1, 2]], code: -32012, containing: "outside the supported 50-5000 Hz")
        expectError(["fs": 9000, "data": [1, 2]], code: -32012, containing: "outside")
        expectError(["fs": 360, "data": [1, 2], "gain": 2], code: -32602, containing: "only applies to binary data")
        expectError(["fs": 360, "data": [[1], [2]], "leads": 3], code: -32602, containing: "says 3 but data has 2")
        expectError(
            ["fs": 360, "data": [1], "leadNames": ["a", "b"]], code: -32602, containing: "2 name(s) for 1 lead(s)")
        expectError(
            ["fs": 360, "data": [1], "sampleRate": 3], code: -32602,
            containing: "params.signal.sampleRate: unknown member")
        expectError(["fs": 360], code: -32602, containing: "give either \"data\" or \"path\"")
        expectError([1, 2, 3], code: -32602, containing: "expected object, found array")
    }

    func testSampleLimit() {
        let tooMany = JSONValue.array(Array(repeating: .number(0), count: 100_001))
        expectError(["fs": 360, "data": tooMany], code: -32001, containing: "exceed the limit of 100000")
    }

    // MARK: Binary

    func testInt16WithGainAndBaselineInterleaved() throws {
        // Two leads interleaved: (lead0, lead1) per sample.
        let raw: [Int16] = [1024, 1224, 1424, 824, 1024, 1024]
        let recording = try decoder.decode([
            "fs": 360, "dtype": "int16", "leads": 2, "gain": 200, "baseline": 1024, "data": .string(Self.base64(raw)),
        ])
        XCTAssertEqual(recording.leads[0], [0, 2, 0])
        XCTAssertEqual(recording.leads[1], [1, -1, 0])
    }

    func testFloat32Float64Int32() throws {
        let f32: [Float] = [0.5, -1.25, 3]
        XCTAssertEqual(
            try decoder.decode(["fs": 360, "dtype": "float32", "data": .string(Self.base64(f32))]).leads[0],
            [0.5, -1.25, 3])
        let f64: [Double] = [0.1, 0.2]
        XCTAssertEqual(
            try decoder.decode(["fs": 360, "dtype": "float64", "data": .string(Self.base64(f64))]).leads[0], [0.1, 0.2])
        let i32: [Int32] = [-7, 70000]
        XCTAssertEqual(
            try decoder.decode(["fs": 360, "dtype": "int32", "data": .string(Self.base64(i32))]).leads[0], [-7, 70000])
    }

    func testGzipBase64AndLineBreaks() throws {
        let samples: [Float] = (0..<1000).map { Float($0) / 100 }
        var raw = ByteBuffer(bytes: samples.withUnsafeBytes { Array($0) })
        let compressed = try raw.compress(with: .gzip())
        let text = Data(compressed.readableBytesView).base64EncodedString(options: .lineLength64Characters)
        XCTAssertTrue(text.contains("\r\n"))
        let recording = try decoder.decode([
            "fs": 500, "dtype": "float32", "encoding": "gzip+base64", "data": .string(text),
        ])
        XCTAssertEqual(recording.leads[0].count, 1000)
        XCTAssertEqual(recording.leads[0][999], Double(Float(9.99)))
    }

    func testGzipBombIsRefusedAtTheLimit() throws {
        var zeros = ByteBuffer(repeating: 0, count: 8 << 20)  // 8 MiB inflates past the 1 MiB limit
        let bomb = try zeros.compress(with: .gzip())
        XCTAssertLessThan(bomb.readableBytes, 64 << 10)
        expectError(
            [
                "fs": 360, "dtype": "float32", "encoding": "gzip+base64",
                "data": .string(Data(bomb.readableBytesView).base64EncodedString()),
            ],
            code: -32001, containing: "inflates to more than the limit of 1048576 bytes")
    }

    func testBinaryProblems() {
        let nan: [Float] = [0, .nan, 1]
        expectError(
            ["fs": 360, "dtype": "float32", "data": .string(Self.base64(nan))], code: -32602,
            containing: "non-finite value (nan) at sample 1")
        let inf: [Double] = [0, 1, -.infinity]
        expectError(
            ["fs": 360, "dtype": "float64", "data": .string(Self.base64(inf))], code: -32602, containing: "at sample 2")
        let three: [Int16] = [1, 2, 3]
        expectError(
            ["fs": 360, "dtype": "int16", "leads": 2, "data": .string(Self.base64(three))], code: -32602,
            containing: "do not divide into 2 leads")
        expectError(["fs": 360, "dtype": "float32", "data": "AAAA1"], code: -32602, containing: "not valid base64")
        expectError(
            ["fs": 360, "dtype": "float32", "data": .string(Self.base64([Int16(1)]))], code: -32602,
            containing: "not a whole number of float32 samples")
        expectError(["fs": 360, "dtype": "uint8", "data": "AAAA"], code: -32602, containing: "unknown \"uint8\"")
        expectError(["fs": 360, "data": "AAAA"], code: -32602, containing: "dtype: required")
        expectError(
            ["fs": 360, "dtype": "int16", "encoding": "zstd", "data": "AAAA"], code: -32602,
            containing: "expected base64 or gzip+base64")
        expectError(
            ["fs": 360, "dtype": "int16", "encoding": "gzip+base64", "data": "AAAA"], code: -32602,
            containing: "not valid gzip")
        expectError(
            ["fs": 360, "dtype": "int16", "gain": 0, "data": "AAAA"], code: -32602, containing: "gain: must not be zero"
        )
        expectError(["fs": 360, "dtype": "int16", "data": ""], code: -32602, containing: "empty")
    }

    // MARK: Files and the data root

    func testCSVFileInsideTheRoot() throws {
        try "time,ECG\n0,0.1\n1,0.2\n2,0.3\n".write(
            to: root.appendingPathComponent("inside/a.csv"), atomically: true, encoding: .utf8)
        let recording = try decoder.decode(["path": "inside/a.csv", "fs": 360, "column": "ECG"])
        XCTAssertEqual(recording.leads, [[0.1, 0.2, 0.3]])
        expectError(["path": "inside/a.csv"], code: -32602, containing: "fs: required for CSV")
    }

    func testPathsOutsideTheRootAreRefused() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ecgd-outside-\(UUID().uuidString).csv")
        try "1\n2\n3\n".write(to: outside, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("inside/link.csv"), withDestinationURL: outside)

        expectError(["path": "inside/link.csv", "fs": 360], code: -32020, containing: "resolves outside the data root")
        expectError(
            ["path": .string("../\(outside.lastPathComponent)"), "fs": 360], code: -32020,
            containing: "resolves outside")
        expectError(["path": "inside/../../x.csv", "fs": 360], code: -32020, containing: "resolves outside")
        expectError(["path": .string(outside.path), "fs": 360], code: -32020, containing: "must be relative")
        expectError(["path": "inside/missing.csv", "fs": 360], code: -32021, containing: "does not exist")
        expectError(["path": "inside", "fs": 360, "format": "csv"], code: -32021, containing: "does not exist")
        expectError(["path": "inside/a.csv", "format": "mp3"], code: -32602, containing: "unknown \"mp3\"")
    }

    func testCorruptFilesNameTheClientPath() throws {
        try "ECG\n0.1\nabc\n".write(
            to: root.appendingPathComponent("inside/bad.csv"), atomically: true, encoding: .utf8)
        expectError(["path": "inside/bad.csv", "fs": 360], code: -32022, containing: "\"inside/bad.csv\"")
        // Ten zero samples whose header checksum says otherwise.
        try "rec 1 360 10\nrec.dat 212 200 11 1024 0 7 0 MLII\n".write(
            to: root.appendingPathComponent("inside/rec.hea"), atomically: true, encoding: .utf8)
        try Data(count: 15).write(to: root.appendingPathComponent("inside/rec.dat"))
        expectError(["path": "inside/rec"], code: -32022, containing: "\"inside/rec\": rec.dat: checksum mismatch")
    }

    func testBundledWFDBRecordByPath() throws {
        let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Data")
        let bundled = SignalDecoder(dataRoot: DataRoot(data), maxDecompressedBytes: 1 << 20)
        let recording = try bundled.decode(["path": "mitdb/119"])
        XCTAssertEqual(recording.fs, 360)
        XCTAssertEqual(recording.leadNames, ["MLII", "V1"])
        XCTAssertEqual(recording.sampleCount, 650_000)
        XCTAssertEqual(try bundled.decode(["path": "mitdb/119.hea"]).leads[0][0..<10], recording.leads[0][0..<10])
    }
}

/// Large base64 texts are decoded in parallel pieces with exactly Foundation's answer.
final class Base64PartsTests: XCTestCase {
    private func bytes(_ count: Int) -> Data {
        var state: UInt32 = 12_345
        return Data(
            (0..<count).map { _ in
                state = state &* 1_103_515_245 &+ 12_345
                return UInt8(truncatingIfNeeded: state >> 16)
            })
    }

    func testPiecesDecodeToTheWholeTextsBytes() {
        let size = Base64Parts.minimumParallelLength
        // Three lengths: no padding, one "=" and two.
        for count in [size, size + 1, size + 2] {
            let data = bytes(count)
            let text = data.base64EncodedString()
            XCTAssertGreaterThanOrEqual(text.utf8.count, Base64Parts.minimumParallelLength)
            for parts in [1, 2, 3, 8] {
                XCTAssertEqual(Base64Parts.decode(text, parts: parts), data, "\(count) bytes in \(parts) pieces")
            }
        }
    }

    func testWhatTheWholeDecoderRefusesIsRefused() {
        let text = bytes(Base64Parts.minimumParallelLength).base64EncodedString()
        var chars = Array(text.utf8)
        // Padding in the middle (where a split would end a piece) and a stray character.
        let middle = chars.count / 2 / 4 * 4
        chars[middle - 1] = UInt8(ascii: "=")
        XCTAssertNil(Data(base64Encoded: String(decoding: chars, as: UTF8.self)))
        XCTAssertNil(Base64Parts.decode(String(decoding: chars, as: UTF8.self), parts: 2))
        chars = Array(text.utf8)
        chars[12] = UInt8(ascii: "*")
        XCTAssertNil(Base64Parts.decode(String(decoding: chars, as: UTF8.self), parts: 2))
        // Short texts are decoded in one piece, as Foundation does.
        XCTAssertEqual(Base64Parts.decode("AAEC"), Data([0, 1, 2]))
        XCTAssertNil(Base64Parts.decode("AAE"))
    }
}
