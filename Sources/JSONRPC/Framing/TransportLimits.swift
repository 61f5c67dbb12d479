/// Limits that protect a server from oversized or abusive input, one set per server.
public struct TransportLimits: Sendable, Equatable {
    /// Largest header block (all header lines and the blank line), in bytes.
    public var maxHeaderBytes: Int
    /// Largest body as sent on the wire (`Content-Length`), in bytes.
    public var maxFrameBytes: Int
    /// Largest body after gzip decompression, in bytes. A gzip bomb is stopped at this size.
    public var maxDecompressedBytes: Int
    /// Most requests one connection may have in flight at once.
    public var maxConcurrentRequests: Int
    /// Responses at least this large are gzip-encoded for clients that accept gzip.
    public var gzipResponseThreshold: Int
    /// Most bytes of responses and notifications one connection may have queued but not yet
    /// written; a client that stops reading and lets more pile up is disconnected.
    public var maxQueuedResponseBytes: Int
    /// How long a request may run before it is cancelled and answers -32004 (nil: no limit).
    /// A request may ask for less with `params.timeoutSeconds`, never for more.
    public var requestTimeout: Duration?

    /// Limits; each defaults to a safe value for a local server.
    public init(
        maxHeaderBytes: Int = 8 * 1024,
        maxFrameBytes: Int = 64 * 1024 * 1024,
        maxDecompressedBytes: Int = 256 * 1024 * 1024,
        maxConcurrentRequests: Int = 32,
        gzipResponseThreshold: Int = 16 * 1024,
        maxQueuedResponseBytes: Int = 64 * 1024 * 1024,
        requestTimeout: Duration? = nil
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxFrameBytes = maxFrameBytes
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxConcurrentRequests = maxConcurrentRequests
        self.gzipResponseThreshold = gzipResponseThreshold
        self.maxQueuedResponseBytes = maxQueuedResponseBytes
        self.requestTimeout = requestTimeout
    }

    /// The limits as reported in `initialize` (`requestTimeoutSeconds` only when there is one).
    public var json: JSONValue {
        var limits: [String: JSONValue] = [
            "maxHeaderBytes": .number(Double(maxHeaderBytes)),
            "maxFrameBytes": .number(Double(maxFrameBytes)),
            "maxDecompressedBytes": .number(Double(maxDecompressedBytes)),
            "maxConcurrentRequests": .number(Double(maxConcurrentRequests)),
            "gzipResponseThreshold": .number(Double(gzipResponseThreshold)),
            "maxQueuedResponseBytes": .number(Double(maxQueuedResponseBytes)),
        ]
        if let requestTimeout {
            let parts = requestTimeout.components
            limits["requestTimeoutSeconds"] = .number(Double(parts.seconds) + Double(parts.attoseconds) * 1e-18)
        }
        return .object(limits)
    }
}
