import JSONRPC
import NIOCore
import XCTest

/// Parses UTF-8 text, failing the test (rather than crashing) on an error.
func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue {
    do {
        return try JSONParser.parse(Array(text.utf8))
    } catch {
        XCTFail("\(text) does not parse: \(error)", file: file, line: line)
        return .null
    }
}

/// A `JSONParseError` as a test can build one: equal when reason and offset are.
struct ParseFailure: Equatable, CustomStringConvertible {
    var reason: JSONParseError.Reason
    var offset: Int
    var description: String

    init(_ reason: JSONParseError.Reason, _ offset: Int) {
        self.reason = reason
        self.offset = offset
        self.description = "\(reason) at byte \(offset)"
    }

    init(_ error: JSONParseError) {
        reason = error.reason
        offset = error.offset
        description = error.description
    }

    static func == (a: ParseFailure, b: ParseFailure) -> Bool { a.reason == b.reason && a.offset == b.offset }
}

/// The parse error for `bytes`, or `nil` (after failing the test) if they parse.
func parseError(
    _ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth, file: StaticString = #filePath, line: UInt = #line
)
    -> ParseFailure?
{
    do {
        let value = try JSONParser.parse(bytes, maxDepth: maxDepth)
        XCTFail("expected a parse error, parsed \(value)", file: file, line: line)
        return nil
    } catch {
        return ParseFailure(error)
    }
}

func parseError(
    _ text: String, maxDepth: Int = JSONParser.defaultMaxDepth, file: StaticString = #filePath, line: UInt = #line
)
    -> ParseFailure?
{
    parseError(Array(text.utf8), maxDepth: maxDepth, file: file, line: line)
}

extension ByteBuffer {
    /// The readable bytes as a string (lossy for invalid UTF-8), for assertions.
    var text: String { String(decoding: readableBytesView, as: UTF8.self) }
}

/// The wire form of one frame, written by hand so that tests do not depend on `FrameEncoder`.
func wireFrame(_ body: [UInt8], headers: [String]? = nil) -> [UInt8] {
    let lines = headers ?? ["Content-Length: \(body.count)"]
    return Array((lines.map { $0 + "\r\n" }.joined() + "\r\n").utf8) + body
}

func wireFrame(_ body: String, headers: [String]? = nil) -> [UInt8] {
    wireFrame(Array(body.utf8), headers: headers)
}

/// `XCTAssertEqual` without autoclosures, so that arguments may contain `await`.
func expectEqual<T: Equatable>(
    _ actual: T, _ expected: T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual, expected, message, file: file, line: line)
}
