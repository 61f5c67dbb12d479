import CompressNIO
import JSONRPC
import NIOCore
import XCTest

/// An `InboundFrame` reduced to comparable values.
enum FrameEvent: Equatable, CustomStringConvertible {
    case frame(ContentEncoding, [UInt8])
    case error(code: Int, fatal: Bool, message: String)

    init(_ inbound: InboundFrame) {
        switch inbound {
        case .frame(let frame): self = .frame(frame.contentEncoding, Array(frame.body.readableBytesView))
        case .invalid(let problem):
            self = .error(code: problem.error.code, fatal: problem.isFatal, message: problem.error.message)
        }
    }

    var description: String {
        switch self {
        case .frame(let encoding, let body):
            "frame(\(encoding), \(String(decoding: body, as: UTF8.self).debugDescription))"
        case .error(let code, let fatal, let message): "error(\(code), \(fatal ? "fatal" : "recoverable"), \(message))"
        }
    }
}

/// What a test expects of one event; error messages are matched by substring.
enum ExpectedEvent: CustomStringConvertible {
    case frame(ContentEncoding, [UInt8])
    case error(code: Int, fatal: Bool, containing: String)

    static func frame(_ body: String) -> ExpectedEvent { .frame(.identity, Array(body.utf8)) }

    func matches(_ event: FrameEvent) -> Bool {
        switch (self, event) {
        case (.frame(let e, let b), .frame(let e2, let b2)): e == e2 && b == b2
        case (.error(let code, let fatal, let text), .error(let code2, let fatal2, let message)):
            code == code2 && fatal == fatal2 && message.contains(text)
        default: false
        }
    }

    var description: String {
        switch self {
        case .frame(let encoding, let body):
            "frame(\(encoding), \(String(decoding: body, as: UTF8.self).debugDescription))"
        case .error(let code, let fatal, let text): "error(\(code), \(fatal ? "fatal" : "recoverable"), …\(text)…)"
        }
    }
}

func assertEvents(
    _ actual: [FrameEvent], _ expected: [ExpectedEvent], _ note: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    let ok = actual.count == expected.count && zip(expected, actual).allSatisfy { $0.matches($1) }
    if !ok {
        XCTFail("\(note())\nexpected \(expected)\n     got \(actual)", file: file, line: line)
    }
}

/// Feeds `bytes` to a fresh decoder in pieces split at `cuts`, then ends the stream.
func decodeFrames(_ bytes: [UInt8], cuts: [Int] = [], limits: TransportLimits, atEnd: Bool = true) -> [FrameEvent] {
    var decoder = FrameDecoder(limits: limits)
    var buffer = ByteBuffer()
    var events: [FrameEvent] = []
    var start = 0
    for cut in cuts + [bytes.count] {
        buffer.writeBytes(bytes[start..<cut])
        start = cut
        while let event = decoder.next(from: &buffer) { events.append(FrameEvent(event)) }
    }
    if atEnd { events += decoder.finish(&buffer).map(FrameEvent.init) }
    return events
}

/// Gzip-compresses `bytes`.
func gzipped(_ bytes: [UInt8]) -> [UInt8] {
    var buffer = ByteBuffer(bytes: bytes)
    let compressed = try! buffer.compress(with: .gzip())
    return Array(compressed.readableBytesView)
}

func gunzipped(_ bytes: ByteBuffer) throws -> [UInt8] {
    var buffer = bytes
    return Array(try buffer.decompress(with: .gzip()).readableBytesView)
}
