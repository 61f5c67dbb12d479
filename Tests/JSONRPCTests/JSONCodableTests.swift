import JSONRPC
import XCTest

private struct Signal: Codable, Equatable {
    var fs: Double
    var samples: [Double]
    var lead: String?
    var gain: Int?
}

private enum Kind: String, Codable, Equatable {
    case png, svg
}

private struct Item: Codable, Equatable {
    var value: Int
    var tags: [String]
}

private struct Params: Codable, Equatable {
    var signal: Signal
    var name: String
    var kind: Kind
    var items: [Item]
    var flags: [Bool]?
    var extra: JSONValue?
    var scores: [String: Double]?
    var small: UInt8?
}

private let validParams: JSONValue = [
    "signal": ["fs": 360, "samples": [0.5, -1, 2e-3], "lead": "MLII"],
    "name": "rec",
    "kind": "svg",
    "items": [["value": 1, "tags": []], ["value": -2, "tags": ["a", "b"]]],
    "extra": ["anything": [1, nil]],
    "scores": ["N": 0.9, "V": 0.1],
]

final class JSONCodableTests: XCTestCase {
    private let decoder = JSONValueDecoder()
    private let encoder = JSONValueEncoder()

    /// The decoding error for `value`, or `nil` (after failing the test) if it decodes.
    private func decodingError<T: Decodable>(
        _ type: T.Type, _ value: JSONValue, file: StaticString = #filePath, line: UInt = #line
    ) -> DecodingError? {
        do {
            let decoded = try decoder.decode(T.self, from: value)
            XCTFail("expected a DecodingError, decoded \(decoded)", file: file, line: line)
        } catch let error as DecodingError {
            return error
        } catch {
            XCTFail("expected a DecodingError, got \(error)", file: file, line: line)
        }
        return nil
    }

    /// The invalid-params message for decoding `Params` from `value` modified by `edit`.
    private func message(
        _ edit: (inout [String: JSONValue]) -> Void, file: StaticString = #filePath, line: UInt = #line
    )
        -> String?
    {
        var object = validParams.objectValue!
        edit(&object)
        guard let error = decodingError(Params.self, .object(object), file: file, line: line) else { return nil }
        let response = ResponseError.invalidParams(error)
        XCTAssertEqual(response.code, -32602, file: file, line: line)
        return response.message
    }

    private func codingPath(_ error: DecodingError?) -> [String] {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?: context = c
        case .keyNotFound(let key, let c)?: return (c.codingPath + [key]).map(\.stringValue)
        default: return []
        }
        return context.codingPath.map(\.stringValue)
    }

    func testDecodesNestedStructsOptionalsEnumsAndRawJSON() throws {
        let params = try decoder.decode(Params.self, from: validParams)
        XCTAssertEqual(
            params,
            Params(
                signal: Signal(fs: 360, samples: [0.5, -1, 0.002], lead: "MLII", gain: nil),
                name: "rec", kind: .svg,
                items: [Item(value: 1, tags: []), Item(value: -2, tags: ["a", "b"])],
                flags: nil, extra: ["anything": [1, nil]], scores: ["N": 0.9, "V": 0.1], small: nil))
    }

    func testExplicitNullOptionalsDecodeAsNil() throws {
        var object = validParams.objectValue!
        object["flags"] = JSONValue.null
        object["small"] = JSONValue.null
        let params = try decoder.decode(Params.self, from: .object(object))
        XCTAssertNil(params.flags)
        XCTAssertNil(params.small)
    }

    func testWrongTypeNamesTheMemberPath() {
        XCTAssertEqual(
            message { $0["signal"] = ["fs": "360", "samples": []] }, "params.signal.fs: expected number, found string")
        XCTAssertEqual(message { $0["name"] = 5 }, "params.name: expected string, found number")
        XCTAssertEqual(message { $0["signal"] = [1] }, "params.signal: expected object, found array")
        XCTAssertEqual(message { $0["items"] = ["value": 1] }, "params.items: expected array, found object")
        XCTAssertEqual(message { $0["flags"] = [true, "no"] }, "params.flags[1]: expected boolean, found string")
        XCTAssertEqual(message { $0["scores"] = ["N": true] }, "params.scores.N: expected number, found boolean")
    }

    func testWrongTypeInsideArraysNamesTheIndex() {
        XCTAssertEqual(
            message { $0["signal"] = ["fs": 1, "samples": [1, 2, "x"]] },
            "params.signal.samples[2]: expected number, found string")
        XCTAssertEqual(
            message { $0["signal"] = ["fs": 1, "samples": "1,2"] },
            "params.signal.samples: expected array of numbers, found string")
        XCTAssertEqual(
            message { $0["items"] = [["value": 1, "tags": []], ["value": 2, "tags": ["ok", nil]]] },
            "params.items[1].tags[1]: expected string, found null")
    }

    func testMissingMembersAreNamed() {
        XCTAssertEqual(message { $0["signal"] = ["samples": []] }, "params.signal.fs: missing required member")
        XCTAssertEqual(message { $0.removeValue(forKey: "name") }, "params.name: missing required member")
        XCTAssertEqual(
            message { $0["items"] = [["tags": []]] }, "params.items[0].value: missing required member")
        let error = decodingError(Params.self, ["name": "x"])
        guard case .keyNotFound? = error else {
            return XCTFail("expected keyNotFound, got \(String(describing: error))")
        }
    }

    func testNullForARequiredMemberIsAWrongType() {
        XCTAssertEqual(message { $0["name"] = JSONValue.null }, "params.name: expected string, found null")
    }

    func testIntegersMustBeExactAndInRange() {
        XCTAssertEqual(
            message { $0["items"] = [["value": 1.5, "tags": []]] },
            "params.items[0].value: expected integer in range of Int, found 1.5")
        XCTAssertEqual(message { $0["small"] = 300 }, "params.small: expected integer in range of UInt8, found 300.0")
        XCTAssertEqual(message { $0["small"] = -1 }, "params.small: expected integer in range of UInt8, found -1.0")
        XCTAssertEqual(message { $0["small"] = "1" }, "params.small: expected integer, found string")
        XCTAssertEqual(try decoder.decode(Int64.self, from: -9_007_199_254_740_991), -9_007_199_254_740_991)
        XCTAssertEqual(try decoder.decode(UInt16.self, from: 65535), 65535)
    }

    func testInvalidEnumValueNamesThePath() {
        let text = message { $0["kind"] = "gif" }
        XCTAssertTrue(text?.hasPrefix("params.kind: ") ?? false, text ?? "nil")
        XCTAssertTrue(text?.contains("gif") ?? false, text ?? "nil")
    }

    func testWrongRootType() {
        XCTAssertEqual(
            decodingError(Params.self, [1, 2]).map { ResponseError.invalidParams($0).message },
            "params: expected object, found array")
        XCTAssertEqual(codingPath(decodingError(Params.self, [1, 2])), [])
    }

    func testCodingPathsOfTheDecodingErrorItself() {
        var object = validParams.objectValue!
        object["items"] = [["value": 1, "tags": []], ["value": 2, "tags": [3]]]
        XCTAssertEqual(codingPath(decodingError(Params.self, .object(object))), ["items", "1", "tags", "0"])
    }

    func testUnkeyedContainerRunningOutOfElements() {
        struct Pair: Decodable {
            var a: Int
            var b: Int
            init(from decoder: Decoder) throws {
                var container = try decoder.unkeyedContainer()
                a = try container.decode(Int.self)
                b = try container.decode(Int.self)
            }
        }
        XCTAssertEqual(try decoder.decode(Pair.self, from: [3, 4]).b, 4)
        let error = decodingError(Pair.self, [3])
        guard case .valueNotFound(_, let context)? = error else { return XCTFail("expected valueNotFound") }
        XCTAssertEqual(context.debugDescription, "array has only 1 elements")
    }

    func testDecodingJSONValueIsTheIdentity() throws {
        XCTAssertEqual(try decoder.decode(JSONValue.self, from: validParams), validParams)
        XCTAssertEqual(try decoder.decode([JSONValue].self, from: [1, "a", nil]), [1, "a", nil])
    }

    // MARK: Encoding

    func testEncodesStructsAndOmitsAbsentOptionals() throws {
        let signal = Signal(fs: 250, samples: [1, 0.5], lead: nil, gain: 3)
        XCTAssertEqual(try encoder.encode(signal), ["fs": 250, "samples": [1, 0.5], "gain": 3])
    }

    func testNonFiniteNumbersEncodeAsNull() throws {
        let signal = Signal(fs: .nan, samples: [1, .infinity, -.infinity], lead: "I", gain: nil)
        XCTAssertEqual(try encoder.encode(signal), ["fs": nil, "samples": [1, nil, nil], "lead": "I"])
        XCTAssertEqual(try encoder.encode([Float.nan, 1.5]), [nil, 1.5])
    }

    func testEncodesEveryIntegerTypeEnumsArraysAndDictionaries() throws {
        struct All: Encodable {
            var i8: Int8 = -8, u64: UInt64 = 64, i: Int = -1, ints: [Int] = [1, 2], kind = Kind.png
            var nested: [[String: [Bool]]] = [["x": [true]]]
            var raw: JSONValue = ["k": "v"]
        }
        XCTAssertEqual(
            try encoder.encode(All()),
            [
                "i8": -8, "u64": 64, "i": -1, "ints": [1, 2], "kind": "png", "nested": [["x": [true]]],
                "raw": ["k": "v"],
            ])
    }

    func testEncodeThenDecodeRoundTrips() throws {
        let params = try decoder.decode(Params.self, from: validParams)
        let encoded = try encoder.encode(params)
        XCTAssertEqual(encoded, validParams)
        XCTAssertEqual(try decoder.decode(Params.self, from: encoded), params)
    }

    func testEncodingAJSONValueIsTheIdentity() throws {
        XCTAssertEqual(try encoder.encode(validParams), validParams)
    }
}

/// A type that says it builds its own JSON; its Encodable form is deliberately different so
/// the tests see which path the encoder took.
private struct Prebuilt: Encodable, JSONValueRepresentable {
    var jsonValue: JSONValue { ["direct": true] }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("through Encodable")
    }
}

private struct Holder: Encodable {
    var one = Prebuilt()
    var many = [Prebuilt(), Prebuilt()]
    var optional: Prebuilt? = Prebuilt()
}

final class JSONValueRepresentableTests: XCTestCase {
    func testEncoderTakesTheDirectValueAtEveryLevel() throws {
        let encoder = JSONValueEncoder()
        XCTAssertEqual(try encoder.encode(Prebuilt()), ["direct": true])
        XCTAssertEqual(
            try encoder.encode(Holder()),
            [
                "one": ["direct": true], "many": [["direct": true], ["direct": true]], "optional": ["direct": true],
            ])
    }
}
