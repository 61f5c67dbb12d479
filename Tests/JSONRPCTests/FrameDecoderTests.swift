import JSONRPC
import NIOCore
import NIOTestUtils
import TestSupport
import XCTest

final class FrameDecoderTests: XCTestCase {
    private let limits = TransportLimits(maxHeaderBytes: 256, maxFrameBytes: 100)

    private let ping = #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#

    // MARK: Well-formed streams

    func testOneFrame() {
        assertEvents(decodeFrames(wireFrame(ping), limits: limits), [.frame(ping)])
    }

    func testEmptyBody() {
        assertEvents(decodeFrames(wireFrame(""), limits: limits), [.frame("")])
    }

    func testManyFramesInOneRead() {
        var stream: [UInt8] = []
        var expected: [ExpectedEvent] = []
        for i in 0..<200 {
            let body = #"{"jsonrpc":"2.0","id":\#(i),"method":"ping"}"#
            stream += wireFrame(body)
            expected.append(.frame(body))
        }
        assertEvents(decodeFrames(stream, limits: limits), expected)
    }

    func testHeaderVariants() {
        let body = "[1]"
        let variants: [[String]] = [
            ["Content-Length: 3"],
            ["content-length: 3"],
            ["CONTENT-LENGTH:3"],
            ["Content-Length: \t 3 \t"],
            ["Content-Length: 3", "Content-Length: 3"],  // a repeated, agreeing length is fine
            ["X-Unknown: whatever: with colons", "Content-Length: 3"],
            ["Content-Type: application/vscode-jsonrpc; charset=utf-8", "Content-Length: 3"],
            ["Content-Length: 3", "Content-Type: application/vscode-jsonrpc; charset=utf8"],
            ["Content-Length: 3", "Content-Type: application/vscode-jsonrpc"],
            ["Content-Length: 3", "Content-Type: application/json"],
            ["Content-Length: 3", #"Content-Type: Application/JSON; Charset="UTF-8""#],
            ["Content-Length: 3", "Content-Encoding: identity"],
            ["Content-Length: 003"],
        ]
        for headers in variants {
            assertEvents(decodeFrames(wireFrame(body, headers: headers), limits: limits), [.frame(body)], "\(headers)")
        }
    }

    func testGzipFrames() {
        let compressed = gzipped(Array(ping.utf8))
        for encoding in ["gzip", "GZip", " gzip "] {
            let frame = wireFrame(
                compressed, headers: ["Content-Length: \(compressed.count)", "Content-Encoding:\(encoding)"])
            // The decoder passes the body on still encoded; BodyCodec inflates it.
            assertEvents(decodeFrames(frame, limits: limits), [.frame(.gzip, compressed)], encoding)
        }
    }

    /// SwiftNIO's own check of a decoder: each stream whole, byte by byte and in other pieces,
    /// the streams in every order one after another, and no bytes left over at the end.
    func testNIODecoderVerifier() throws {
        let compressed = gzipped(Array(ping.utf8))
        func frame(_ body: String) -> InboundFrame { .frame(Frame(body: ByteBuffer(string: body))) }
        let pairs: [(ByteBuffer, [InboundFrame])] = [
            (ByteBuffer(bytes: wireFrame(ping)), [frame(ping)]),
            (ByteBuffer(bytes: wireFrame("")), [frame("")]),
            (
                ByteBuffer(bytes: wireFrame("[1]", headers: ["content-length: 3", "Content-Type: application/json"])),
                [frame("[1]")]
            ),
            (
                ByteBuffer(
                    bytes: wireFrame(
                        compressed, headers: ["Content-Length: \(compressed.count)", "Content-Encoding: gzip"])),
                [.frame(Frame(contentEncoding: .gzip, body: ByteBuffer(bytes: compressed)))]
            ),
            (ByteBuffer(bytes: wireFrame("[2]") + wireFrame("[3]")), [frame("[2]"), frame("[3]")]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { FrameDecoder(limits: limits) }
    }

    /// A stream mixing every kind of frame, including recoverable errors (which the verifier
    /// above cannot take, its outputs being exact values), decodes identically however it is
    /// split: in two pieces at every cut point, byte by byte, and in random pieces.
    func testSplitAtEveryByteBoundary() {
        let compressed = gzipped(Array(ping.utf8))
        let oversized = String(repeating: "x", count: 150)
        let stream =
            wireFrame(
                ping,
                headers: [
                    "Content-Type: application/vscode-jsonrpc; charset=utf-8", "Content-Length: \(ping.utf8.count)",
                ])
            + wireFrame(compressed, headers: ["Content-Length: \(compressed.count)", "Content-Encoding: gzip"])
            + wireFrame(oversized)
            + wireFrame("{}", headers: ["Content-Length: 2", "No colon here"])
            + wireFrame("")
            + wireFrame("[2]", headers: ["content-length: 3", "content-encoding: br"])
            + wireFrame(#"{"last":true}"#)
        let expected: [ExpectedEvent] = [
            .frame(ping),
            .frame(.gzip, compressed),
            .error(code: -32001, fatal: false, containing: "Content-Length 150 exceeds the limit of 100 bytes"),
            .error(code: -32600, fatal: false, containing: #"malformed header line "No colon here""#),
            .frame(""),
            .error(code: -32600, fatal: false, containing: #"unsupported Content-Encoding "br""#),
            .frame(#"{"last":true}"#),
        ]
        let whole = decodeFrames(stream, limits: limits)
        assertEvents(whole, expected)

        for cut in 0...stream.count {
            let events = decodeFrames(stream, cuts: [cut], limits: limits)
            if events != whole { return XCTFail("split at \(cut): \(events)") }
        }
        XCTAssertEqual(decodeFrames(stream, cuts: Array(1..<stream.count), limits: limits), whole, "byte by byte")

        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let cuts = (0..<Int.random(in: 1...12, using: &rng)).map { _ in
                Int.random(in: 0...stream.count, using: &rng)
            }.sorted()
            let events = decodeFrames(stream, cuts: cuts, limits: limits)
            if events != whole { return XCTFail("split at \(cuts): \(events)") }
        }
    }

    func testFrameIsNotDeliveredBeforeItsLastByte() {
        let bytes = wireFrame(ping)
        var decoder = FrameDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: bytes.dropLast())
        XCTAssertNil(decoder.next(from: &buffer))
        buffer.writeBytes(bytes.suffix(1))
        guard case .frame(let frame)? = decoder.next(from: &buffer) else { return XCTFail("no frame") }
        XCTAssertEqual(frame.body.text, ping)
        XCTAssertEqual(buffer.readableBytes, 0)
        XCTAssertNil(decoder.next(from: &buffer))
    }

    // MARK: Limits

    func testBodyAtTheLimitIsAcceptedAndOneMoreByteIsNot() {
        let atLimit = String(repeating: "1", count: 100)
        let overLimit = String(repeating: "1", count: 101)
        assertEvents(
            decodeFrames(wireFrame(atLimit) + wireFrame(overLimit) + wireFrame("2"), limits: limits),
            [
                .frame(atLimit),
                .error(code: -32001, fatal: false, containing: "Content-Length 101 exceeds the limit of 100 bytes"),
                .frame("2"),
            ])
    }

    func testOverLimitBodyIsSkippedEvenWhenItArrivesLater() {
        // Only the header of the oversized frame has arrived when the error is reported.
        var decoder = FrameDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: Array("Content-Length: 1000\r\n\r\n".utf8))
        guard case .invalid(let problem)? = decoder.next(from: &buffer) else { return XCTFail("no error") }
        XCTAssertEqual(problem.error.code, -32001)
        XCTAssertFalse(problem.isFatal)
        for _ in 0..<10 {
            buffer.writeBytes([UInt8](repeating: UInt8(ascii: "{"), count: 100))
            XCTAssertNil(decoder.next(from: &buffer))
        }
        buffer.writeBytes(wireFrame("[]"))
        guard case .frame(let frame)? = decoder.next(from: &buffer) else { return XCTFail("the next frame is lost") }
        XCTAssertEqual(frame.body.text, "[]")
    }

    func testHeaderAtTheLimitIsAcceptedAndOneMoreByteIsNot() {
        let frame = wireFrame("{}")  // "Content-Length: 2\r\n\r\n" is 21 bytes
        XCTAssertEqual(frame.count, 23)
        assertEvents(decodeFrames(frame, limits: TransportLimits(maxHeaderBytes: 21)), [.frame("{}")])
        assertEvents(
            decodeFrames(frame, limits: TransportLimits(maxHeaderBytes: 20)),
            [.error(code: -32600, fatal: true, containing: "the header block exceeds 20 bytes without an empty line")])
    }

    func testHeaderTooLongIsFatalAsSoonAsTheLimitIsReached() {
        let limits = TransportLimits(maxHeaderBytes: 64)
        var decoder = FrameDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: Array("X-Padding: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 52))
        XCTAssertEqual(buffer.readableBytes, 63)
        XCTAssertNil(decoder.next(from: &buffer), "63 bytes may still become a valid header")
        buffer.writeBytes(Array("a".utf8))
        guard case .invalid(let problem)? = decoder.next(from: &buffer) else { return XCTFail("no error at 64 bytes") }
        XCTAssertTrue(problem.isFatal)
        XCTAssertEqual(problem.error.code, -32600)
        XCTAssertEqual(problem.error.message, "the header block exceeds 64 bytes without an empty line")
        // Everything after a fatal error is discarded.
        buffer.writeBytes(wireFrame("{}"))
        XCTAssertNil(decoder.next(from: &buffer))
        XCTAssertEqual(buffer.readableBytes, 0)
        XCTAssertTrue(decoder.finish(&buffer).isEmpty)
    }

    // MARK: Fatal header errors

    func testContentLengthProblemsAreFatal() {
        let cases: [([String], String)] = [
            (["Content-Type: application/json"], "the header has no Content-Length"),
            ([], "the header has no Content-Length"),
            (["Content-Length: -5"], #"Content-Length "-5" is negative"#),
            (["Content-Length: abc"], #"Content-Length "abc" is not a number"#),
            (["Content-Length: 5x"], #"Content-Length "5x" is not a number"#),
            (["Content-Length: +5"], #"Content-Length "+5" is not a number"#),
            (["Content-Length: 0x10"], #"Content-Length "0x10" is not a number"#),
            (["Content-Length: 1.5"], #"Content-Length "1.5" is not a number"#),
            (["Content-Length: 1 2"], #"Content-Length "1 2" is not a number"#),
            (["Content-Length:"], #"Content-Length "" is not a number"#),
            (["Content-Length: 99999999999999999999999"], "is not a number"),
            (["Content-Length: 2", "Content-Length: 3"], "conflicting Content-Length headers (2 and 3)"),
        ]
        for (headers, message) in cases {
            // A valid frame follows; it must not be decoded, since the boundary is lost.
            let stream = wireFrame("{}", headers: headers) + wireFrame("[]")
            assertEvents(
                decodeFrames(stream, limits: limits), [.error(code: -32600, fatal: true, containing: message)],
                "\(headers)")
        }
    }

    func testFatalErrorMessageIsExact() {
        guard
            case .error(_, _, let message)? = decodeFrames(
                wireFrame("", headers: ["Content-Length: -1"]), limits: limits
            ).first
        else { return XCTFail("no error") }
        XCTAssertEqual(message, #"Content-Length "-1" is negative: expected a non-negative integer"#)
    }

    func testHeaderWithOnlyLineFeedsNeverEnds() {
        // LSP requires \r\n; a bare \n\n does not end the header, so the stream ends inside it.
        assertEvents(
            decodeFrames(Array("Content-Length: 2\n\n{}".utf8), limits: limits),
            [.error(code: -32600, fatal: true, containing: "the stream ended in the middle of a frame header")])
    }

    // MARK: Recoverable header errors

    func testRecoverableHeaderProblemsSkipTheBody() {
        let cases: [([String], String)] = [
            (["Content-Length: 2", "Garbage"], #"malformed header line "Garbage": expected "Name: value""#),
            (
                ["Content-Length: 2", "Content-Encoding: br"],
                #"unsupported Content-Encoding "br": use gzip or identity"#
            ),
            (["Content-Length: 2", "Content-Encoding: gzip, identity"], "unsupported Content-Encoding"),
            (["Content-Length: 2", "Content-Type: text/plain"], #"unsupported Content-Type "text/plain""#),
            (
                ["Content-Length: 2", "Content-Type: application/json; charset=latin1"],
                #"unsupported charset "latin1""#
            ),
            (
                ["Content-Length: 2", "Content-Type: application/json; charset=utf-16"],
                #"unsupported charset "utf-16""#
            ),
        ]
        for (headers, message) in cases {
            let stream = wireFrame("{}", headers: headers) + wireFrame("[]")
            assertEvents(
                decodeFrames(stream, limits: limits),
                [.error(code: -32600, fatal: false, containing: message), .frame("[]")], "\(headers)")
        }
    }

    func testNonASCIIHeaderLineIsRecoverable() {
        let header = Array("Content-Length: 2\r\nX-Name: caf".utf8) + [0xC3, 0xA9] + Array("\r\n\r\n{}".utf8)
        assertEvents(
            decodeFrames(header + wireFrame("[]"), limits: limits),
            [.error(code: -32600, fatal: false, containing: "non-ASCII"), .frame("[]")])
    }

    // MARK: End of stream

    func testTruncatedStreams() {
        let frame = wireFrame(ping)
        let headerLength = frame.count - ping.utf8.count
        for cut in 1..<frame.count {
            let expected =
                cut < headerLength
                ? "the stream ended in the middle of a frame header" : "the stream ended in the middle of a frame body"
            assertEvents(
                decodeFrames(wireFrame("{}") + frame[..<cut], limits: limits),
                [.frame("{}"), .error(code: -32600, fatal: true, containing: expected)], "cut at \(cut)")
        }
    }

    func testTruncatedOversizedBody() {
        assertEvents(
            decodeFrames(wireFrame(String(repeating: "x", count: 150)).dropLast(1).map { $0 }, limits: limits),
            [
                .error(code: -32001, fatal: false, containing: "exceeds the limit"),
                .error(code: -32600, fatal: true, containing: "the stream ended in the middle of a frame body"),
            ])
    }

    func testCleanEndAfterCompleteFramesAndWhitespace() {
        assertEvents(decodeFrames(wireFrame("1") + Array("\r\n \t\n".utf8), limits: limits), [.frame("1")])
        assertEvents(decodeFrames([], limits: limits), [])
    }

    func testFinishReturnsFramesStillInTheBuffer() {
        var decoder = FrameDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: wireFrame("1") + wireFrame("2") + Array("Content".utf8))
        let events = decoder.finish(&buffer).map(FrameEvent.init)
        assertEvents(
            events,
            [.frame("1"), .frame("2"), .error(code: -32600, fatal: true, containing: "middle of a frame header")])
        XCTAssertEqual(buffer.readableBytes, 0)
        buffer.writeBytes(wireFrame("3"))
        XCTAssertNil(decoder.next(from: &buffer), "nothing is decoded after the end")
    }
}
