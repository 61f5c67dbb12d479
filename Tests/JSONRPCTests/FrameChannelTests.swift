import JSONRPC
import NIOCore
import NIOEmbedded
import XCTest

/// The codec inside a NIO pipeline, as the TCP transport uses it.
final class FrameChannelTests: XCTestCase {
    private let limits = TransportLimits(maxHeaderBytes: 128, maxFrameBytes: 64)

    private func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(limits: limits)))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
        return channel
    }

    private func readEvents(_ channel: EmbeddedChannel) throws -> [FrameEvent] {
        var events: [FrameEvent] = []
        while let event = try channel.readInbound(as: InboundFrame.self) { events.append(FrameEvent(event)) }
        return events
    }

    private var stream: [UInt8] {
        wireFrame(#"{"a":1}"#)
            + wireFrame(String(repeating: "z", count: 65))
            + wireFrame("[]", headers: ["Content-Length: 2", "Content-Encoding: deflate"])
            + wireFrame(#""tail""#, headers: ["Content-Type: application/json", "Content-Length: 6"])
    }

    private let expected: [ExpectedEvent] = [
        .frame(#"{"a":1}"#),
        .error(code: -32001, fatal: false, containing: "Content-Length 65 exceeds the limit of 64 bytes"),
        .error(code: -32600, fatal: false, containing: #"unsupported Content-Encoding "deflate""#),
        .frame(#""tail""#),
    ]

    func testByteByByteThroughThePipeline() throws {
        let channel = try makeChannel()
        var events: [FrameEvent] = []
        for byte in stream {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            events += try readEvents(channel)
        }
        assertEvents(events, expected)
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testEverythingInOneRead() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: stream))
        assertEvents(try readEvents(channel), expected)
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testTwoPiecesAtEveryCut() throws {
        let bytes = stream
        for cut in 0...bytes.count {
            let channel = try makeChannel()
            try channel.writeInbound(ByteBuffer(bytes: bytes[..<cut]))
            try channel.writeInbound(ByteBuffer(bytes: bytes[cut...]))
            let events = try readEvents(channel)
            if !(events.count == expected.count && zip(expected, events).allSatisfy({ $0.matches($1) })) {
                return XCTFail("cut at \(cut): \(events)")
            }
            _ = try channel.finish()
        }
    }

    func testHalfClosedInputReportsATruncatedFrame() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: wireFrame("[1]") + Array("Content-Length: 10\r\n\r\n{".utf8)))
        assertEvents(try readEvents(channel), [.frame("[1]")])
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        assertEvents(
            try readEvents(channel),
            [.error(code: -32600, fatal: true, containing: "the stream ended in the middle of a frame body")])
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testCloseReportsATruncatedHeader() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: Array("Content-Len".utf8)))
        XCTAssertNil(try channel.readInbound(as: InboundFrame.self))
        guard case .leftOvers(let inbound, _, _) = try channel.finish() else {
            return XCTFail("the truncation was not reported")
        }
        XCTAssertEqual(inbound.count, 1)
    }

    func testFatalErrorDiscardsTheRest() throws {
        let channel = try makeChannel()
        try channel.writeInbound(
            ByteBuffer(bytes: wireFrame("{}", headers: ["Content-Length: nope"]) + wireFrame("[]")))
        try channel.writeInbound(ByteBuffer(bytes: wireFrame("[]")))
        assertEvents(
            try readEvents(channel), [.error(code: -32600, fatal: true, containing: #"Content-Length "nope""#)])
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testEncoderWritesHeadersAndBody() throws {
        let channel = try makeChannel()
        try channel.writeOutbound(Frame(body: ByteBuffer(string: #"{"id":1}"#)))
        try channel.writeOutbound(Frame(contentEncoding: .gzip, body: ByteBuffer(bytes: [1, 2, 3])))
        var written = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { written.writeBuffer(&chunk) }
        XCTAssertEqual(
            Array(written.readableBytesView),
            Array("Content-Length: 8\r\n\r\n{\"id\":1}Content-Length: 3\r\nContent-Encoding: gzip\r\n\r\n".utf8) + [
                1, 2, 3,
            ])
        // What the encoder writes, the decoder reads back.
        try channel.writeInbound(written)
        assertEvents(try readEvents(channel), [.frame(#"{"id":1}"#), .frame(.gzip, [1, 2, 3])])
        XCTAssertTrue(try channel.finish().isClean)
    }
}
