import NIOCore

/// How a frame's body is encoded on the wire (`Content-Encoding`).
public enum ContentEncoding: String, Sendable {
    case identity
    case gzip
}

/// One frame of the LSP base protocol: its header fields and its (still encoded) body.
public struct Frame: Sendable, Equatable {
    /// The `Content-Encoding` header (identity when absent).
    public var contentEncoding: ContentEncoding
    /// The body as it travels, still encoded.
    public var body: ByteBuffer

    /// A frame of `body`, encoded as `contentEncoding` says.
    public init(contentEncoding: ContentEncoding = .identity, body: ByteBuffer) {
        self.contentEncoding = contentEncoding
        self.body = body
    }
}

/// A problem with framing: a bad header, a body too large, an unknown encoding.
public struct FramingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON-RPC error to report to the peer.
    public var error: ResponseError
    /// Whether the frame boundary is lost, so the connection must be closed after reporting.
    public var isFatal: Bool

    public var description: String { error.message }
}

/// What the frame decoder produces: a frame, or a framing error to report.
public enum InboundFrame: Sendable, Equatable {
    case frame(Frame)
    case invalid(FramingError)
}
