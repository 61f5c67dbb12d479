import Foundation
import JSON
import TestSupport
import XCTest

/// The round-trip property of the parser and serializer (the unit-test twin of the `json` fuzz
/// target in Fuzz/): over seeded random values, serialize, parse: the same value; serialize
/// again: the same bytes. And the same value spelt in other legal ways (escapes, whitespace,
/// exponents) parses to it too.
final class JSONRoundTripTests: XCTestCase {
    func testSerializedValuesParseBackToThemselves() throws {
        var random = SplitMix64(seed: 13)
        for i in 0..<2000 {
            let value = randomValue(&random, depth: 0)
            let bytes = JSONSerializer.serialize(value)
            let parsed = try JSONParser.parse(bytes)
            XCTAssertEqual(parsed, value, "case \(i): \(String(decoding: bytes, as: UTF8.self))")
            XCTAssertEqual(JSONSerializer.serialize(parsed), bytes, "case \(i): serialization is not stable")
        }
    }

    func testOtherSpellingsOfAValueParseToIt() throws {
        var random = SplitMix64(seed: 14)
        for i in 0..<2000 {
            let value = randomValue(&random, depth: 0)
            var text: [UInt8] = []
            spell(value, &random, into: &text)
            XCTAssertEqual(
                try JSONParser.parse(text), value, "case \(i): \(String(decoding: text, as: UTF8.self))")
        }
    }

    // MARK: Generated values

    private func randomValue(_ r: inout SplitMix64, depth: Int) -> JSONValue {
        switch r.below(depth > 4 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(r.below(2) == 0)
        case 2: return .number(randomNumber(&r))
        case 3: return .string(randomString(&r))
        case 4: return .array((0..<r.below(5)).map { _ in randomValue(&r, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<r.below(5) { members[randomString(&r)] = randomValue(&r, depth: depth + 1) }
            return .object(members)
        }
    }

    /// Finite numbers: integers (around 2^53 too), fractions, tiny and huge magnitudes, negative zero.
    private func randomNumber(_ r: inout SplitMix64) -> Double {
        switch r.below(6) {
        case 0: return Double(r.below(2001) - 1000)
        case 1: return Double(9_007_199_254_740_992 - r.below(4)) * (r.below(2) == 0 ? 1 : -1)
        case 2:  // any finite double (JSON has no NaN or infinity)
            let n = Double(bitPattern: r.next())
            return n.isFinite ? n : Double(bitPattern: r.next() & ~(UInt64(1) << 62))
        case 3: return Double(r.below(1_000_000)) / 1000
        case 4:
            return [-0.0, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 2.2250738585072014e-308, 0.1, 1e21][
                r.below(6)]
        default: return Double.random(in: -1e6...1e6, using: &r)
        }
    }

    /// ASCII, controls, quotes and backslashes, Latin, CJK and astral-plane characters.
    private func randomString(_ r: inout SplitMix64) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<r.below(8) {
            let ranges: [ClosedRange<UInt32>] = [
                0x20...0x7E, 0x00...0x1F, 0x22...0x22, 0x5C...0x5C, 0xA0...0x7FF,
                0x4E00...0x9FFF, 0x1F600...0x1F64F, 0xE000...0xFFFD,
            ]
            let range = r.pick(ranges)
            scalars.append(
                Unicode.Scalar(range.lowerBound + UInt32(r.below(Int(range.upperBound - range.lowerBound) + 1)))!)
        }
        return String(scalars)
    }

    // MARK: Other spellings

    /// Writes `value` as legal JSON the serializer does not write: random whitespace, escaped
    /// characters (surrogate pairs for the astral plane), numbers with exponents and fractions.
    private func spell(_ value: JSONValue, _ r: inout SplitMix64, into out: inout [UInt8]) {
        func space() { for _ in 0..<r.below(3) { out.append(r.pick([0x20, 0x09, 0x0A, 0x0D])) } }
        space()
        switch value {
        case .null, .bool: JSONSerializer.write(value, into: &out)
        case .number(let n):
            if n != 0, n == n.rounded(), abs(n) < 1e15, r.below(2) == 0 {
                out += Array("\(Int64(n))0e\(r.pick(["-1", "-01"]))".utf8)  // 120e-1 = 12
            } else if n.isFinite {
                out += Array((r.below(2) == 0 ? "\(n)" : "\(n)".uppercased()).utf8)
            } else {
                JSONSerializer.write(value, into: &out)
            }
        case .string(let s): spell(s, &r, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                spell(element, &r, into: &out)
            }
            space()
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                space()
                spell(key, &r, into: &out)
                space()
                out.append(UInt8(ascii: ":"))
                spell(members[key]!, &r, into: &out)
            }
            space()
            out.append(UInt8(ascii: "}"))
        }
        space()
    }

    private func spell(_ s: String, _ r: inout SplitMix64, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            if !mustEscape, r.below(3) != 0 {
                out += Array(String(scalar).utf8)
            } else if scalar == "/" || (scalar == "\\" && r.below(2) == 0) {
                out += Array("\\\(scalar)".utf8)
            } else {
                for unit in String(scalar).utf16 {
                    out += Array(String(format: r.below(2) == 0 ? "\\u%04x" : "\\u%04X", unit).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
