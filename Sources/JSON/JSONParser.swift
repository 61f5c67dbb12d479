/// Why a JSON text could not be parsed, with the byte offset where it went wrong.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedCharacter(UInt8)
        case invalidNumber
        case invalidEscape
        case invalidUTF8
        case controlCharacterInString
        case tooDeep(limit: Int)
        case trailingCharacters
    }

    /// What went wrong at `offset`.
    public let reason: Reason
    /// Byte offset into the text.
    public let offset: Int

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedCharacter(let c):
            what =
                (0x20..<0x7F).contains(c)
                ? "unexpected character '\(Character(Unicode.Scalar(c)))'" : "unexpected byte 0x\(String(c, radix: 16))"
        case .invalidNumber: what = "invalid number"
        case .invalidEscape: what = "invalid escape sequence in string"
        case .invalidUTF8: what = "string is not valid UTF-8"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .tooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .trailingCharacters: what = "unexpected data after the JSON value"
        }
        return "\(what) at byte \(offset)"
    }
}

/// A strict RFC 8259 JSON parser working directly on UTF-8 bytes.
///
/// It refuses NaN and Infinity (which JSON has no syntax for), limits nesting depth so that hostile
/// input cannot exhaust the stack, and reports the byte offset of the first error.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let defaultMaxDepth = 512

    /// Parses one JSON value that must span the whole of `bytes` (surrounding whitespace allowed).
    public static func parse<Bytes: Collection>(_ bytes: Bytes, maxDepth: Int = defaultMaxDepth) throws(JSONParseError)
        -> JSONValue where Bytes.Element == UInt8
    {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(buffer: buffer, maxDepth: maxDepth) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            try parse(buffer: buffer, maxDepth: maxDepth)
        }
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(JSONParseError) -> JSONValue {
        var parser = Cursor(bytes: buffer, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == buffer.count else {
            throw JSONParseError(reason: .trailingCharacters, offset: parser.index)
        }
        return value
    }
}

private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func fail(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(reason: reason, offset: offset ?? index)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    func peek() throws(JSONParseError) -> UInt8 {
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        return bytes[index]
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case let c: throw fail(.unexpectedCharacter(c))
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = index
        for expected in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == expected else {
                throw fail(.unexpectedCharacter(bytes[index]), at: index == start ? start : index)
            }
            index += 1
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            let c = try peek()
            index += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { return .array(elements) }
            throw fail(.unexpectedCharacter(c), at: index - 1)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
        index += 1  // {
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let c = try peek()
            guard c == UInt8(ascii: "\"") else { throw fail(.unexpectedCharacter(c)) }
            let key = try parseString()
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw fail(.unexpectedCharacter(colon)) }
            index += 1
            skipWhitespace()
            members[key] = try parseValue(depth: depth)
            skipWhitespace()
            let next = try peek()
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") { return .object(members) }
            throw fail(.unexpectedCharacter(next), at: index - 1)
        }
    }

    /// Moves `index` past whole 8-byte words holding no quote, backslash or control character
    /// (the bulk of a long base64 string), stopping at the word that holds one.
    private mutating func skipPlainWords() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // A byte of `x` is zero when the returned word has its high bit set (for bytes < 0x80).
        func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let raw = UnsafeRawBufferPointer(bytes)
        while index + 8 <= bytes.count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // Control characters are bytes below 0x20: (byte & 0xE0) == 0 for ASCII bytes.
            let special =
                zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C)) | zeroBytes(word & (ones &* 0xE0))
            if special != 0 { return }
            index += 8
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes. Eight bytes at a time while none of them ends the fast path.
        skipPlainWords()
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard let s = String(validating: slice, as: UTF8.self) else { throw fail(.invalidUTF8, at: start) }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail(.controlCharacterInString) }
            index += 1
        }
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let c = bytes[index]
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(validating: utf8, as: UTF8.self) else { throw fail(.invalidUTF8, at: start) }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &utf8)
                default: throw fail(.invalidEscape, at: index - 2)
                }
            default:
                if c < 0x20 { throw fail(.controlCharacterInString) }
                utf8.append(c)
                index += 1
            }
        }
        throw fail(.unexpectedEnd)
    }

    mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail(.unexpectedEnd) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidEscape)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func appendUnicodeEscape(to utf8: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = index - 2
        var code = try readHex4()
        if (0xD800..<0xDC00).contains(code) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw fail(.invalidEscape, at: escapeStart) }
            index += 2
            let low = try readHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail(.invalidEscape, at: escapeStart) }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(code) {
            throw fail(.invalidEscape, at: escapeStart)
        }
        guard let scalar = Unicode.Scalar(code) else { throw fail(.invalidEscape, at: escapeStart) }
        utf8.append(contentsOf: String(Character(scalar)).utf8)
    }

    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var sawDigit = false

        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        // Integer part: a single 0, or a non-zero digit followed by digits.
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail(.invalidNumber, at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            sawDigit = true
            if index < bytes.count, isDigit(bytes[index]) { throw fail(.invalidNumber, at: start) }
        } else {
            while index < bytes.count, isDigit(bytes[index]) {
                accumulate(bytes[index], &mantissa, &significantDigits, &exponent, fraction: false)
                index += 1
                sawDigit = true
            }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail(.invalidNumber, at: start) }
            while index < bytes.count, isDigit(bytes[index]) {
                accumulate(bytes[index], &mantissa, &significantDigits, &exponent, fraction: true)
                index += 1
            }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var expNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                expNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail(.invalidNumber, at: start) }
            var e = 0
            while index < bytes.count, isDigit(bytes[index]) {
                if e < 100_000 { e = e * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                index += 1
            }
            exponent += expNegative ? -e : e
        }
        precondition(sawDigit)

        // Clinger's fast path: exact when the mantissa and the power of ten are both exact doubles.
        if significantDigits <= 15, mantissa < (1 << 53), (-22...22).contains(exponent) {
            var value = Double(mantissa)
            if exponent < 0 { value /= Self.powersOfTen[-exponent] } else { value *= Self.powersOfTen[exponent] }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw fail(.invalidNumber, at: start) }
        return value
    }

    private func accumulate(
        _ c: UInt8, _ mantissa: inout UInt64, _ significantDigits: inout Int, _ exponent: inout Int, fraction: Bool
    ) {
        let digit = UInt64(c - UInt8(ascii: "0"))
        if significantDigits == 0 && digit == 0 {
            if fraction { exponent -= 1 }
            return
        }
        if significantDigits < 19 {
            mantissa = mantissa * 10 + digit
            significantDigits += 1
            if fraction { exponent -= 1 }
        } else {
            significantDigits += 1  // forces the slow path
            if !fraction { exponent += 1 }
        }
    }

    static let powersOfTen: [Double] = (0...22).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }
}
