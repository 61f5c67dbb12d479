import JSONRPC
import TestSupport
import XCTest

final class JSONSerializerTests: XCTestCase {
    private func text(_ value: JSONValue) -> String {
        String(decoding: JSONSerializer.serialize(value), as: UTF8.self)
    }

    func testCompactOutputWithSortedKeys() {
        let value: JSONValue = ["b": 1, "a": [true, false, nil], "c": ["z": "x", "y": [:]], "A": []]
        XCTAssertEqual(text(value), #"{"A":[],"a":[true,false,null],"b":1,"c":{"y":{},"z":"x"}}"#)
        XCTAssertEqual(value.description, text(value))
    }

    func testNumbers() {
        let cases: [(Double, String)] = [
            (0, "0"), (-5, "-5"), (10, "10"), (-1_234_567_890, "-1234567890"), (1.5, "1.5"), (0.1, "0.1"),
            (-0.25, "-0.25"), (1e-7, "1e-07"),
            (9_007_199_254_740_991, "9007199254740991"), (-9_007_199_254_740_991, "-9007199254740991"),
            (1e300, "1e+300"), (.leastNonzeroMagnitude, "5e-324"),
        ]
        for (number, expected) in cases {
            XCTAssertEqual(text(.number(number)), expected)
        }
    }

    func testNonFiniteNumbersBecomeNull() {
        XCTAssertEqual(text([.number(.nan), .number(.infinity), .number(-.infinity)]), "[null,null,null]")
    }

    func testLargeAndFractionalNumbersRoundTripExactly() throws {
        for n in [
            9_007_199_254_740_992, 1.8e19, 123456789.123456789, 1.7976931348623157e308, 2.2250738585072014e-308,
            -1e-300,
        ] {
            let parsed = try JSONParser.parse(JSONSerializer.serialize(.number(n)))
            XCTAssertEqual(parsed.numberValue?.bitPattern, n.bitPattern, "\(n) came back as \(parsed)")
        }
    }

    func testStringEscapes() {
        XCTAssertEqual(text("quote\" backslash\\ slash/"), #""quote\" backslash\\ slash/""#)
        XCTAssertEqual(text("\n\r\t"), #""\n\r\t""#)
        XCTAssertEqual(text("\u{0}\u{1}\u{8}\u{C}\u{1F}"), #""\u0000\u0001\u0008\u000c\u001f""#)
        // DEL and non-ASCII characters are written as raw UTF-8.
        XCTAssertEqual(text("\u{7F}é€😀"), "\"\u{7F}é€😀\"")
        XCTAssertEqual(text(["ke\"y": 1]), #"{"ke\"y":1}"#)
    }

    func testWriteAppends() {
        var out = Array("prefix:".utf8)
        JSONSerializer.write([1, "a"], into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"prefix:[1,"a"]"#)
    }

    /// parse(serialize(v)) == v for random trees, including every control character, surrogate-range
    /// neighbours, astral characters and arbitrary finite doubles.
    func testRandomValuesRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let value = randomValue(&rng, depth: 0)
            let bytes = JSONSerializer.serialize(value)
            XCTAssertEqual(try JSONParser.parse(bytes), value)
            // Serialization is deterministic and canonical: serializing the parsed value gives the same bytes.
            XCTAssertEqual(JSONSerializer.serialize(try JSONParser.parse(bytes)), bytes)
        }
    }

    private func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        let kind = Int.random(in: 0..<(depth < 4 ? 7 : 5), using: &rng)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            if Bool.random(using: &rng) { return .number(Double(Int.random(in: -1_000_000...1_000_000, using: &rng))) }
            var d: Double
            repeat { d = Double(bitPattern: rng.next()) } while !d.isFinite
            return .number(d)
        case 3, 4: return .string(randomString(&rng))
        case 5:
            let count = Int.random(in: 0..<6, using: &rng)
            var elements: [JSONValue] = []
            for _ in 0..<count { elements.append(randomValue(&rng, depth: depth + 1)) }
            return .array(elements)
        default:
            let count = Int.random(in: 0..<6, using: &rng)
            var members: [String: JSONValue] = [:]
            for _ in 0..<count { members[randomString(&rng)] = randomValue(&rng, depth: depth + 1) }
            return .object(members)
        }
    }

    private func randomString(_ rng: inout SplitMix64) -> String {
        let pools: [ClosedRange<UInt32>] = [
            0x00...0x7F, 0x00...0x1F, 0x80...0x7FF, 0xD000...0xD7FF, 0xE000...0xFFFF, 0x1_0000...0x10_FFFF,
        ]
        var scalars = String.UnicodeScalarView()
        let count = Int.random(in: 0..<12, using: &rng)
        for _ in 0..<count {
            let pool = pools[Int.random(in: 0..<pools.count, using: &rng)]
            scalars.append(Unicode.Scalar(UInt32.random(in: pool, using: &rng))!)
        }
        return String(scalars)
    }
}

final class JSONValueTests: XCTestCase {
    func testAccessors() {
        let value: JSONValue = ["s": "x", "n": 2.5, "i": 3, "b": true, "a": [1], "o": ["k": nil]]
        XCTAssertEqual(value["s"]?.stringValue, "x")
        XCTAssertEqual(value["n"]?.numberValue, 2.5)
        XCTAssertNil(value["n"]?.intValue)
        XCTAssertEqual(value["i"]?.intValue, 3)
        XCTAssertEqual(value["b"]?.boolValue, true)
        XCTAssertEqual(value["a"]?.arrayValue, [1])
        XCTAssertEqual(value["o"]?.objectValue, ["k": .null])
        XCTAssertEqual(value["o"]?["k"], .null)
        XCTAssertNil(value["missing"])
        XCTAssertNil(value["s"]?["k"], "subscripting a non-object gives nil")
        XCTAssertNil(value["s"]?.numberValue)
        XCTAssertNil(JSONValue.string("1").intValue)
    }

    func testIntValueOnlyForExactIntegersWithinDoublePrecision() {
        XCTAssertEqual(JSONValue.number(9_007_199_254_740_992).intValue, 9_007_199_254_740_992)
        XCTAssertNil(JSONValue.number(9_007_199_254_740_994).intValue)
        XCTAssertEqual(JSONValue.number(-42).intValue, -42)
        XCTAssertNil(JSONValue.number(1e300).intValue)
        XCTAssertNil(JSONValue.number(.nan).intValue)
        XCTAssertNil(JSONValue.number(.infinity).intValue)
    }

    func testTypeNames() {
        let names = ([nil, true, 1, "s", [], [:]] as [JSONValue]).map(\.typeName)
        XCTAssertEqual(names, ["null", "boolean", "number", "string", "array", "object"])
    }
}
