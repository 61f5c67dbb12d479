import NIOCore

/// Splits a byte stream into LSP base-protocol frames.
///
/// A frame is a header block of `Name: value` lines, each ending in `\r\n`, then an empty line,
/// then exactly `Content-Length` bytes of body. Problems become `InboundFrame.invalid` events rather
/// than thrown errors, so the connection can answer them. When the frame boundary can still be
/// found (a known `Content-Length`), the error is recoverable and decoding continues with the next
/// frame; otherwise it is fatal and all further input is discarded.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = InboundFrame

    private enum State {
        case header
        case body(length: Int, encoding: ContentEncoding, problem: ResponseError?)
        case skipping(remaining: Int)
        case failed
    }

    private let limits: TransportLimits
    private var state = State.header

    /// A decoder enforcing `limits.maxHeaderBytes` and `limits.maxFrameBytes`.
    public init(limits: TransportLimits) {
        self.limits = limits
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let event = next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(event))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        for event in finish(&buffer) { context.fireChannelRead(wrapInboundOut(event)) }
        return .needMoreData
    }

    /// Called at the end of the stream: returns the frames still complete in `buffer`, then an error
    /// if the stream stopped in the middle of a frame.
    public mutating func finish(_ buffer: inout ByteBuffer) -> [InboundFrame] {
        var events: [InboundFrame] = []
        while let event = next(from: &buffer) { events.append(event) }
        let pendingData = buffer.readableBytesView.contains { !$0.isWhitespace }
        switch state {
        case .body, .skipping:
            events.append(.invalid(fatal("the stream ended in the middle of a frame body")))
        case .header where pendingData:
            events.append(.invalid(fatal("the stream ended in the middle of a frame header")))
        default: break
        }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        state = .failed
        return events
    }

    /// Consumes what it can from `buffer` and returns the next event, or `nil` if more data is needed.
    /// Exposed for tests and for transports that do not use a NIO pipeline.
    public mutating func next(from buffer: inout ByteBuffer) -> InboundFrame? {
        while true {
            switch state {
            case .failed:
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                return nil
            case .skipping(let remaining):
                let n = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: n)
                if n == remaining {
                    state = .header
                    continue
                }
                state = .skipping(remaining: remaining - n)
                return nil
            case .body(let length, let encoding, let problem):
                guard buffer.readableBytes >= length else { return nil }
                let body = buffer.readSlice(length: length)!
                state = .header
                if let problem { return .invalid(FramingError(error: problem, isFatal: false)) }
                return .frame(Frame(contentEncoding: encoding, body: body))
            case .header:
                return parseHeader(from: &buffer)
            }
        }
    }

    private mutating func fatal(_ message: String) -> FramingError {
        state = .failed
        return FramingError(error: .invalidRequest(message), isFatal: true)
    }

    private mutating func parseHeader(from buffer: inout ByteBuffer) -> InboundFrame? {
        let view = buffer.readableBytesView
        let searchLimit = min(view.count, limits.maxHeaderBytes)
        guard let end = Self.headerEnd(in: view, searchLimit: searchLimit) else {
            if view.count >= limits.maxHeaderBytes {
                return .invalid(fatal("the header block exceeds \(limits.maxHeaderBytes) bytes without an empty line"))
            }
            return nil
        }
        let headerBytes = buffer.readBytes(length: end)!
        buffer.moveReaderIndex(forwardBy: 4)  // \r\n\r\n

        var contentLength: Int?
        var encoding = ContentEncoding.identity
        var problem: ResponseError?
        for rawLine in headerBytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.allSatisfy({ $0 < 0x80 }) else {
                problem = problem ?? .invalidRequest("a header line contains non-ASCII bytes")
                continue
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else {
                problem =
                    problem ?? .invalidRequest("malformed header line \"\(text.prefix(80))\": expected \"Name: value\"")
                continue
            }
            let name = text[..<colon].trimmingSpaces.lowercased()
            let value = String(text[text.index(after: colon)...].trimmingSpaces)
            switch name {
            case "content-length":
                guard !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let n = Int(value) else {
                    let kind = value.hasPrefix("-") ? "negative" : "not a number"
                    return .invalid(
                        fatal("Content-Length \"\(value.prefix(40))\" is \(kind): expected a non-negative integer"))
                }
                if let previous = contentLength, previous != n {
                    return .invalid(fatal("conflicting Content-Length headers (\(previous) and \(n))"))
                }
                contentLength = n
            case "content-type":
                let parts = value.lowercased().split(separator: ";").map { $0.trimmingSpaces }
                let mediaTypes: Set<Substring> = ["application/vscode-jsonrpc", "application/json"]
                if let media = parts.first, !mediaTypes.contains(media) {
                    problem = problem ?? .invalidRequest("unsupported Content-Type \"\(value)\"")
                }
                for parameter in parts.dropFirst() where parameter.hasPrefix("charset=") {
                    let charset = parameter.dropFirst("charset=".count).trimmingCharacters(in: "\"")
                    if charset != "utf-8" && charset != "utf8" {
                        problem =
                            problem ?? .invalidRequest("unsupported charset \"\(charset)\": only utf-8 is accepted")
                    }
                }
            case "content-encoding":
                guard let known = ContentEncoding(rawValue: value.lowercased()) else {
                    problem =
                        problem ?? .invalidRequest("unsupported Content-Encoding \"\(value)\": use gzip or identity")
                    continue
                }
                encoding = known
            default:
                continue  // unknown header fields are ignored, as in LSP
            }
        }
        guard let length = contentLength else {
            return .invalid(fatal("the header has no Content-Length"))
        }
        if length > limits.maxFrameBytes {
            state = .skipping(remaining: length)
            return .invalid(
                FramingError(
                    error: .payloadTooLarge(
                        "Content-Length \(length) exceeds the limit of \(limits.maxFrameBytes) bytes"),
                    isFatal: false))
        }
        state = .body(length: length, encoding: encoding, problem: problem)
        return next(from: &buffer)
    }

    /// The offset of the `\r\n\r\n` that ends the header block, if it occurs within `searchLimit` bytes.
    private static func headerEnd(in view: ByteBufferView, searchLimit: Int) -> Int? {
        guard searchLimit >= 4 else { return nil }
        var i = view.startIndex
        let last = view.startIndex + searchLimit - 4
        while i <= last {
            if view[i] == 0x0D, view[i + 1] == 0x0A, view[i + 2] == 0x0D, view[i + 3] == 0x0A {
                return i - view.startIndex
            }
            i += 1
        }
        return nil
    }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: Substring {
        let s = Substring(self)
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = s.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return s[first...last]
    }

    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}
