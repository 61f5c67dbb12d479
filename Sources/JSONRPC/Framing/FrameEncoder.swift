import NIOCore

/// Writes frames: `Content-Length` (and `Content-Encoding` when not identity) headers, a blank line,
/// then the body.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    /// An encoder; frames carry their own encoding.
    public init() {}

    public func encode(data: Frame, out: inout ByteBuffer) throws {
        Self.write(data, into: &out)
    }

    /// Appends the wire form of `frame` to `out`.
    public static func write(_ frame: Frame, into out: inout ByteBuffer) {
        out.writeString("Content-Length: \(frame.body.readableBytes)\r\n")
        if frame.contentEncoding != .identity {
            out.writeString("Content-Encoding: \(frame.contentEncoding.rawValue)\r\n")
        }
        out.writeString("\r\n")
        var body = frame.body
        out.writeBuffer(&body)
    }
}
