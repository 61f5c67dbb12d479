import Foundation
import XCTest

@testable import ECGService
@testable import JSONRPC

/// `params.arrays`: base64 typed arrays carry exactly the numbers the JSON arrays carry.
final class ArrayEncodingTests: XCTestCase {
    /// A typed array decoded back into JSON numbers (NaN as null, as JSON writes it).
    static func decoded(_ value: JSONValue?, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let object = try XCTUnwrap(value?.objectValue, "expected a typed array", file: file, line: line)
        XCTAssertEqual(object["encoding"], "base64", file: file, line: line)
        let data = [UInt8](try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(object["data"]?.stringValue))))
        func words(_ size: Int) -> [UInt64] {
            stride(from: 0, to: data.count, by: size).map { i in
                (0..<size).reduce(UInt64(0)) { $0 | UInt64(data[i + $1]) << (8 * UInt64($1)) }
            }
        }
        switch object["dtype"]?.stringValue {
        case "int32": return .array(words(4).map { .number(Double(Int32(truncatingIfNeeded: $0))) })
        case "int64": return .array(words(8).map { .number(Double(Int64(bitPattern: $0))) })
        case "float64":
            return .array(words(8).map { Double(bitPattern: $0) }.map { $0.isFinite ? .number($0) : .null })
        default:
            XCTFail("unexpected dtype \(object["dtype"] ?? .null)", file: file, line: line)
            return .null
        }
    }

    func testIntegersAreInt32UnlessOneDoesNotFit() throws {
        let small = ArrayEncoding.base64.integers([0, -7, 650_000, Int(Int32.max)])
        XCTAssertEqual(small["dtype"], "int32")
        XCTAssertEqual(try Self.decoded(small), ArrayEncoding.json.integers([0, -7, 650_000, Int(Int32.max)]))
        let large = ArrayEncoding.base64.integers([1, Int(Int32.max) + 1])
        XCTAssertEqual(large["dtype"], "int64")
        XCTAssertEqual(try Self.decoded(large), [1, .number(Double(Int32.max) + 1)])
        XCTAssertEqual(try Self.decoded(ArrayEncoding.base64.integers([])), [])
    }

    func testDoublesKeepEveryBitAndNaNIsNullInJSON() throws {
        let values = [0.1, -1e-300, 1.0 / 3, .nan, 86_399.999_999]
        let typed = ArrayEncoding.base64.doubles(values)
        XCTAssertEqual(typed["dtype"], "float64")
        XCTAssertEqual(try Self.decoded(typed), ArrayEncoding.json.doubles(values))
        XCTAssertEqual(ArrayEncoding.json.doubles(values).arrayValue?[3], .null)
    }

    func testUnknownEncodingIsInvalidParams() async {
        let detect = DetectPeaks(signals: ServiceTestSupport.signals())
        let message = await ServiceTestSupport.assertError(code: -32602) {
            _ = try await detect(["signal": ["path": "mitdb/119"], "arrays": "binary"], ServiceTestSupport.context())
        }
        XCTAssertEqual(message, "params.arrays: unknown \"binary\" (expected json or base64)")
    }

    func testDetectPeaksTypedArraysMatchJSON() async throws {
        let detect = DetectPeaks(signals: ServiceTestSupport.signals())
        let json = try await detect(["signal": ["path": "mitdb/119"]], ServiceTestSupport.context())
        let typed = try await detect(
            ["signal": ["path": "mitdb/119"], "arrays": "base64"], ServiceTestSupport.context())
        XCTAssertGreaterThan(json["peaks"]?.arrayValue?.count ?? 0, 1_500)
        for key in ["peaks", "times", "rr", "instantaneousHeartRate"] {
            XCTAssertEqual(try Self.decoded(typed[key]), json[key], key)
        }
        for key in ["fs", "lead", "heartRate", "quality", "sampleCount"] {
            XCTAssertEqual(typed[key], json[key], key)
        }
    }

    func testClassifyTypedColumnsMatchJSONColumns() async throws {
        let classify = Classify(
            signals: ServiceTestSupport.signals(), registry: ServiceTestSupport.registry(), threads: 2)
        let params: JSONValue = ["model": "demo-aami5", "signal": ["path": "mitdb/119"], "beatsLayout": "columns"]
        let json = try await classify(params, ServiceTestSupport.context())
        var typedParams = try XCTUnwrap(params.objectValue)
        typedParams["arrays"] = "base64"
        let typed = try await classify(.object(typedParams), ServiceTestSupport.context())
        let columns = try XCTUnwrap(json["beatColumns"]?.objectValue)
        let typedColumns = try XCTUnwrap(typed["beatColumns"]?.objectValue)
        XCTAssertEqual(Set(typedColumns.keys), Set(columns.keys))
        XCTAssertEqual(typedColumns["label"], columns["label"])
        for key in ["sample", "time", "probability"] {
            XCTAssertEqual(try Self.decoded(typedColumns[key]), columns[key], key)
        }
        for (name, values) in try XCTUnwrap(columns["probabilities"]?.objectValue) {
            XCTAssertEqual(try Self.decoded(typedColumns["probabilities"]?[name]), values, name)
        }
        XCTAssertEqual(typed["summary"], json["summary"])

        let message = await ServiceTestSupport.assertError(code: -32602) {
            _ = try await classify(
                ["model": "demo-aami5", "signal": ["path": "mitdb/119"], "arrays": "base64"],
                ServiceTestSupport.context())
        }
        XCTAssertEqual(message, "params.arrays: \"base64\" needs \"beatsLayout\": \"columns\"")
    }
}
