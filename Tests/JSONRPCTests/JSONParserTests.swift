import JSONRPC
import NIOCore
import TestSupport
import XCTest

final class JSONParserTests: XCTestCase {
    // MARK: Values

    func testParsesEveryKindOfValue() {
        let value = json(#" { "a" : [ 1 , -2.5 , true , false , null , "x" , { } , [ ] ] , "b" : { "c" : "d" } } "#)
        XCTAssertEqual(
            value,
            .object([
                "a": .array([
                    .number(1), .number(-2.5), .bool(true), .bool(false), .null, .string("x"), .object([:]), .array([]),
                ]),
                "b": .object(["c": .string("d")]),
            ]))
    }

    func testSurroundingWhitespaceIsAllowedButOnlyJSONWhitespace() {
        XCTAssertEqual(json(" \t\r\n 1 \n\t\r "), .number(1))
        // Form feed and vertical tab are not JSON whitespace.
        XCTAssertEqual(parseError("\u{0C}1")?.reason, .unexpectedCharacter(0x0C))
        XCTAssertEqual(parseError("1\u{0B}")?.reason, .trailingCharacters)
        // A no-break space (U+00A0) is not whitespace either.
        XCTAssertEqual(parseError("\u{A0}1"), ParseFailure(.unexpectedCharacter(0xC2), 0))
    }

    func testDuplicateKeysKeepTheLastValue() {
        XCTAssertEqual(json(#"{"a":1,"a":2}"#), ["a": 2])
    }

    func testInputsOfEveryCollectionKindParseTheSame() throws {
        let text = #"{"k":[1,"é",null]}"#
        let bytes = Array(text.utf8)
        let expected = try JSONParser.parse(bytes)
        XCTAssertEqual(try JSONParser.parse(text.utf8), expected)
        XCTAssertEqual(try JSONParser.parse(ByteBuffer(string: text).readableBytesView), expected)
        // A collection without contiguous storage goes through the copying path.
        XCTAssertEqual(try JSONParser.parse(bytes.lazy.map { $0 }), expected)
        // A slice with a non-zero start index: offsets are relative to the slice.
        let padded = Array("xx[1,]".utf8)
        XCTAssertEqual(parseError(Array(padded[2...]))?.offset, 3)
        do {
            _ = try JSONParser.parse(padded[2...])
            XCTFail("parsed an invalid slice")
        } catch {
            XCTAssertEqual(ParseFailure(error), ParseFailure(.unexpectedCharacter(UInt8(ascii: "]")), 3))
        }
    }

    // MARK: Numbers

    func testIntegers() {
        XCTAssertEqual(json("0"), .number(0))
        XCTAssertEqual(json("7"), .number(7))
        XCTAssertEqual(json("-12"), .number(-12))
        XCTAssertEqual(json("9007199254740991"), .number(9_007_199_254_740_991))
        XCTAssertEqual(json("123456789012345678901234567890"), .number(123456789012345678901234567890.0))
    }

    func testNegativeZeroKeepsItsSign() {
        guard case .number(let n) = json("-0") else { return XCTFail("not a number") }
        XCTAssertEqual(n, 0)
        XCTAssertEqual(n.sign, .minus)
        guard case .number(let m) = json("-0.0e5") else { return XCTFail("not a number") }
        XCTAssertEqual(m.sign, .minus)
        guard case .number(let p) = json("0") else { return XCTFail("not a number") }
        XCTAssertEqual(p.sign, .plus)
    }

    func testFractionsAndExponents() {
        let cases: [(String, Double)] = [
            ("0.1", 0.1), ("-2.5", -2.5), ("1e3", 1000), ("1E3", 1000), ("1e+3", 1000), ("1e-3", 0.001),
            ("2.5E-2", 0.025), ("0.000123", 0.000123), ("100e-2", 1), ("0e0", 0), ("0e100000", 0),
            ("1e22", 1e22), ("1e23", 1e23), ("1e-22", 1e-22), ("1e-23", 1e-23),
            ("0.30000000000000004", 0.30000000000000004),
            ("9007199254740993", 9_007_199_254_740_992),  // rounds to even
            ("2.2250738585072014e-308", 2.2250738585072014e-308),
            ("2.2250738585072011e-308", Double("2.2250738585072011e-308")!),  // subnormal boundary
            ("4.9406564584124654e-324", .leastNonzeroMagnitude),
            ("1.7976931348623157e308", 1.7976931348623157e308),
            ("1e-400", 0),  // underflow to zero is representable
        ]
        for (text, expected) in cases {
            guard case .number(let n) = json(text) else {
                XCTFail("\(text) is not a number")
                continue
            }
            XCTAssertEqual(n.bitPattern, expected.bitPattern, "\(text) parsed as \(n), expected \(expected)")
        }
    }

    func testNumbersTooLargeForADoubleAreRefused() {
        for text in ["1e400", "-1e400", "1.7976931348623159e308", "1e100000000000000000000", "[1, 2e999]"] {
            let error = parseError(text)
            XCTAssertEqual(error?.reason, .invalidNumber, text)
        }
        XCTAssertEqual(parseError("[1, 2e999]")?.offset, 4)
    }

    func testMalformedNumbersAreRefusedAtTheirStart() {
        let cases: [(String, ParseFailure)] = [
            ("01", ParseFailure(.invalidNumber, 0)),
            ("-01", ParseFailure(.invalidNumber, 0)),
            ("00", ParseFailure(.invalidNumber, 0)),
            ("[1, 012]", ParseFailure(.invalidNumber, 4)),
            ("1.", ParseFailure(.invalidNumber, 0)),
            ("1.e5", ParseFailure(.invalidNumber, 0)),
            ("1e", ParseFailure(.invalidNumber, 0)),
            ("1e+", ParseFailure(.invalidNumber, 0)),
            ("-", ParseFailure(.invalidNumber, 0)),
            ("-a", ParseFailure(.invalidNumber, 0)),
            ("[-]", ParseFailure(.invalidNumber, 1)),
            ("+1", ParseFailure(.unexpectedCharacter(UInt8(ascii: "+")), 0)),
            (".5", ParseFailure(.unexpectedCharacter(UInt8(ascii: ".")), 0)),
            ("0x10", ParseFailure(.trailingCharacters, 1)),
            ("1.5.2", ParseFailure(.trailingCharacters, 3)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(parseError(text), expected, text)
        }
    }

    func testNaNAndInfinityLiteralsAreRefused() {
        XCTAssertEqual(parseError("NaN"), ParseFailure(.unexpectedCharacter(UInt8(ascii: "N")), 0))
        XCTAssertEqual(parseError("Infinity"), ParseFailure(.unexpectedCharacter(UInt8(ascii: "I")), 0))
        XCTAssertEqual(parseError("-Infinity"), ParseFailure(.invalidNumber, 0))
        XCTAssertEqual(parseError("[1, NaN]"), ParseFailure(.unexpectedCharacter(UInt8(ascii: "N")), 4))
        XCTAssertEqual(parseError(#"{"x": -NaN}"#), ParseFailure(.invalidNumber, 6))
    }

    /// The fast path (short mantissa, small exponent) and the slow path (anything else) must both
    /// agree bit for bit with the standard library's correctly rounded conversion.
    func testRandomNumbersAgreeWithDoubleParsing() {
        var rng = SplitMix64(seed: 0x5EED)
        var fastPathCandidates = 0
        var checked = 0
        for _ in 0..<20_000 {
            let text = randomNumberText(&rng)
            let expected = Double(text)!
            if expected.isFinite {
                guard case .number(let n) = json(text) else { return XCTFail("\(text) is not a number") }
                XCTAssertEqual(n.bitPattern, expected.bitPattern, "\(text): parsed \(n), expected \(expected)")
                checked += 1
            } else {
                XCTAssertEqual(parseError(text)?.reason, .invalidNumber, text)
            }
            let digits = text.filter(\.isNumber).count
            if digits <= 15 && !text.contains("e") { fastPathCandidates += 1 }
        }
        // Both paths are exercised.
        XCTAssertGreaterThan(fastPathCandidates, 2_000)
        XCTAssertGreaterThan(checked - fastPathCandidates, 2_000)
    }

    private func randomNumberText(_ rng: inout SplitMix64) -> String {
        func digit() -> Character {
            // Plenty of zeros: leading fraction zeros and trailing integer zeros are special cases.
            Int.random(in: 0..<10, using: &rng) < 3
                ? "0" : Character(Unicode.Scalar(UInt8(ascii: "1") + UInt8.random(in: 0...8, using: &rng)))
        }
        var text = Bool.random(using: &rng) ? "-" : ""
        let longInteger = Bool.random(using: &rng)
        let integerDigits = Int.random(in: 1...(longInteger ? 24 : 6), using: &rng)
        if integerDigits == 1 && Bool.random(using: &rng) {
            text.append("0")
        } else {
            text.append(Character(Unicode.Scalar(UInt8(ascii: "1") + UInt8.random(in: 0...8, using: &rng))))
            for _ in 1..<integerDigits { text.append(digit()) }
        }
        if Bool.random(using: &rng) {
            text.append(".")
            let longFraction = Bool.random(using: &rng)
            let fractionDigits = Int.random(in: 1...(longFraction ? 24 : 6), using: &rng)
            for _ in 0..<fractionDigits { text.append(digit()) }
        }
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: text += "e\(Int.random(in: -30...30, using: &rng))"
        case 1: text += "E+\(Int.random(in: 0...330, using: &rng))"
        case 2: text += "e-\(Int.random(in: 0...340, using: &rng))"
        default: break
        }
        return text
    }

    // MARK: Strings

    func testEscapes() {
        XCTAssertEqual(json(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{08}\u{0C}\n\r\t"))
        XCTAssertEqual(json(#""\u0041\u00e9\u00E9\u20AC\u0000""#), .string("Aéé€\u{0}"))
        XCTAssertEqual(json(#""é😀 \n after""#), .string("é😀 \n after"))
        XCTAssertEqual(json(#"{"k\ney": "v"}"#), ["k\ney": "v"])
    }

    func testSurrogatePairs() {
        XCTAssertEqual(json(#""\uD83D\uDE00""#), .string("😀"))
        XCTAssertEqual(json(#""\ud83d\ude00x""#), .string("😀x"))
        XCTAssertEqual(json(#""\uDBFF\uDFFF""#), .string("\u{10FFFF}"))
        let invalid: [(String, Int)] = [
            (#""\uD83D""#, 1),  // lone high surrogate at the end
            (#""\uD83Dx""#, 1),  // high surrogate followed by a plain character
            (#""ab\uD83D\u0041""#, 3),  // high surrogate followed by a non-surrogate escape
            (#""\uD83D\uD83D""#, 1),  // two high surrogates
            (#""\uDE00""#, 1),  // lone low surrogate
        ]
        for (text, offset) in invalid {
            XCTAssertEqual(parseError(text), ParseFailure(.invalidEscape, offset), text)
        }
    }

    func testBadEscapes() {
        XCTAssertEqual(parseError(#""\x""#), ParseFailure(.invalidEscape, 1))
        XCTAssertEqual(parseError(#""ab\'""#), ParseFailure(.invalidEscape, 3))
        XCTAssertEqual(parseError(#""\u12G4""#), ParseFailure(.invalidEscape, 5))
        XCTAssertEqual(parseError(#""\u12"#)?.reason, .unexpectedEnd)
        XCTAssertEqual(parseError(#""\"#)?.reason, .unexpectedEnd)
    }

    func testUnterminatedStrings() {
        XCTAssertEqual(parseError(#""abc"#), ParseFailure(.unexpectedEnd, 4))
        XCTAssertEqual(parseError(#""a\nbc"#), ParseFailure(.unexpectedEnd, 6))
    }

    func testInvalidUTF8InStringsIsRefused() {
        let sequences: [[UInt8]] = [
            [0xFF],  // never valid
            [0x80],  // stray continuation byte
            [0xC0, 0x80],  // overlong NUL
            [0xE0, 0x80, 0x80],  // overlong
            [0xED, 0xA0, 0x80],  // UTF-8-encoded surrogate
            [0xE2, 0x82],  // truncated sequence
            [0xF4, 0x90, 0x80, 0x80],  // beyond U+10FFFF
        ]
        let quote = UInt8(ascii: "\"")
        for bad in sequences {
            // Fast path (no escape), slow path (after an escape), and in an object key.
            XCTAssertEqual(
                parseError([quote, UInt8(ascii: "a")] + bad + [quote]), ParseFailure(.invalidUTF8, 1), "\(bad)")
            XCTAssertEqual(
                parseError([quote, UInt8(ascii: "\\"), UInt8(ascii: "n")] + bad + [quote]),
                ParseFailure(.invalidUTF8, 1), "\(bad)")
            XCTAssertEqual(
                parseError(Array(#"{"ok":1,""#.utf8) + bad + Array(#"":2}"#.utf8)),
                ParseFailure(.invalidUTF8, 9), "\(bad)")
        }
        // Outside strings, a non-ASCII byte is just an unexpected character.
        XCTAssertEqual(parseError([0xFF]), ParseFailure(.unexpectedCharacter(0xFF), 0))
        XCTAssertEqual(parseError([0xFF])?.description, "unexpected byte 0xff at byte 0")
    }

    func testUnescapedControlCharactersAreRefused() {
        for c in UInt8(0)..<0x20 {
            XCTAssertEqual(
                parseError([0x22, UInt8(ascii: "a"), c, UInt8(ascii: "b"), 0x22]),
                ParseFailure(.controlCharacterInString, 2), "byte \(c)")
            XCTAssertEqual(
                parseError([0x22, UInt8(ascii: "\\"), UInt8(ascii: "t"), c, 0x22]),
                ParseFailure(.controlCharacterInString, 3), "byte \(c) after an escape")
        }
        // DEL is not a control character in JSON.
        XCTAssertEqual(json("\"\u{7F}\""), .string("\u{7F}"))
    }

    /// Long strings are scanned eight bytes at a time: a quote, an escape, a control character or
    /// a multi-byte character is found wherever it falls in or across those words.
    func testSpecialBytesAtEveryOffsetOfALongString() {
        for length in [7, 8, 9, 16, 31] {
            for offset in 0..<length {
                let plain = Array(repeating: UInt8(ascii: "A"), count: length)
                var escaped = plain
                escaped.replaceSubrange(offset..<(offset + 1), with: Array(#"\""#.utf8))
                XCTAssertEqual(
                    try? JSONParser.parse([0x22] + escaped + [0x22]),
                    .string(
                        String(repeating: "A", count: offset) + "\""
                            + String(repeating: "A", count: length - offset - 1)),
                    "escaped quote at \(offset) of \(length)")
                var control = plain
                control[offset] = 0x1F
                XCTAssertEqual(
                    parseError([0x22] + control + [0x22]), ParseFailure(.controlCharacterInString, offset + 1),
                    "control at \(offset) of \(length)")
                let (first, second) = (String(repeating: "A", count: offset), String(repeating: "B", count: length))
                XCTAssertEqual(
                    try? JSONParser.parse(Array("[\"\(first)\",\"\(second)\"]".utf8)),
                    .array([.string(first), .string(second)]), "a quote ends the string at \(offset)")
                var accented = plain
                accented.replaceSubrange(offset..<(offset + 1), with: Array("é".utf8))
                XCTAssertEqual(
                    try? JSONParser.parse([0x22] + accented + [0x22]),
                    .string(String(decoding: accented, as: UTF8.self)), "é at \(offset) of \(length)")
            }
        }
    }

    // MARK: Structure

    func testLiterals() {
        XCTAssertEqual(parseError("tru"), ParseFailure(.unexpectedEnd, 3))
        XCTAssertEqual(parseError("trux"), ParseFailure(.unexpectedCharacter(UInt8(ascii: "x")), 3))
        XCTAssertEqual(parseError("nulL"), ParseFailure(.unexpectedCharacter(UInt8(ascii: "L")), 3))
        XCTAssertEqual(parseError("True"), ParseFailure(.unexpectedCharacter(UInt8(ascii: "T")), 0))
        XCTAssertEqual(parseError("[fals]"), ParseFailure(.unexpectedCharacter(UInt8(ascii: "]")), 5))
    }

    func testStructuralErrorsReportTheirOffset() {
        let cases: [(String, ParseFailure)] = [
            ("", ParseFailure(.unexpectedEnd, 0)),
            ("   ", ParseFailure(.unexpectedEnd, 3)),
            ("[", ParseFailure(.unexpectedEnd, 1)),
            ("[1,", ParseFailure(.unexpectedEnd, 3)),
            ("[1 2]", ParseFailure(.unexpectedCharacter(UInt8(ascii: "2")), 3)),
            ("[1,]", ParseFailure(.unexpectedCharacter(UInt8(ascii: "]")), 3)),
            (#"{"a":1,}"#, ParseFailure(.unexpectedCharacter(UInt8(ascii: "}")), 7)),
            (#"{"a" 1}"#, ParseFailure(.unexpectedCharacter(UInt8(ascii: "1")), 5)),
            (#"{"a":1 "b":2}"#, ParseFailure(.unexpectedCharacter(UInt8(ascii: "\"")), 7)),
            ("{a:1}", ParseFailure(.unexpectedCharacter(UInt8(ascii: "a")), 1)),
            (#"{"a":}"#, ParseFailure(.unexpectedCharacter(UInt8(ascii: "}")), 5)),
            (#"{"a""#, ParseFailure(.unexpectedEnd, 4)),
            ("'a'", ParseFailure(.unexpectedCharacter(UInt8(ascii: "'")), 0)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(parseError(text), expected, text)
        }
        XCTAssertEqual(parseError(#"{"a":1,}"#)?.description, "unexpected character '}' at byte 7")
    }

    func testTrailingGarbageIsRefused() {
        XCTAssertEqual(parseError("{} x"), ParseFailure(.trailingCharacters, 3))
        XCTAssertEqual(parseError("1 2"), ParseFailure(.trailingCharacters, 2))
        XCTAssertEqual(parseError("[1]]"), ParseFailure(.trailingCharacters, 3))
        XCTAssertEqual(parseError("{}{}"), ParseFailure(.trailingCharacters, 2))
        XCTAssertEqual(parseError([UInt8(ascii: "1"), 0]), ParseFailure(.trailingCharacters, 1))
        XCTAssertEqual(parseError("{} x")?.description, "unexpected data after the JSON value at byte 3")
    }

    func testDepthLimit() {
        let limit = JSONParser.defaultMaxDepth
        XCTAssertNoThrow(
            try JSONParser.parse(
                Array((String(repeating: "[", count: limit) + String(repeating: "]", count: limit)).utf8)))
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        XCTAssertEqual(parseError(tooDeep), ParseFailure(.tooDeep(limit: limit), limit))

        // Objects count as levels too, and the limit can be lowered.
        XCTAssertNoThrow(try JSONParser.parse(Array(#"{"a":[{"b":1}]}"#.utf8), maxDepth: 3))
        XCTAssertEqual(
            parseError(#"{"a":[{"b":{}}]}"#, maxDepth: 3), ParseFailure(.tooDeep(limit: 3), 11))
        XCTAssertEqual(parseError("[[[[1]]]]", maxDepth: 3)?.description, "nesting deeper than 3 levels at byte 3")

        // Hostile nesting is refused instead of exhausting the stack.
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        XCTAssertEqual(parseError(hostile)?.reason, .tooDeep(limit: limit))
    }
}
