import Logging
import Synchronization

/// The messages a connection has queued for its client, encoded as they are queued and written in
/// order by `drain`.
///
/// The bytes queued but not yet written are bounded: a client that stops reading stalls the
/// writes while its responses keep coming, and when a message would take the backlog past
/// `maxQueuedBytes` the outbox overflows. It then drops every later message and the connection
/// closes (see `Connection`). A message alone in the outbox is accepted whatever its size.
final class Outbox: Sendable {
    private struct State {
        var acceptsGzip = false
        var queuedBytes = 0
        var overflowed = false
    }

    /// What `send` did with a message.
    enum Outcome {
        /// Queued for writing.
        case queued
        /// Queued bytes passed the limit with this message: dropped, like everything after it.
        case overflowed(queuedBytes: Int)
        /// Dropped: the outbox overflowed before.
        case dropped
    }

    private let codec: BodyCodec
    private let maxQueuedBytes: Int
    private let logger: Logger
    private let state = Mutex(State())
    private let stream: AsyncStream<Frame>
    private let continuation: AsyncStream<Frame>.Continuation

    /// An empty outbox encoding with `codec` and holding at most `codec.limits.maxQueuedResponseBytes`.
    init(codec: BodyCodec, logger: Logger) {
        self.codec = codec
        self.maxQueuedBytes = codec.limits.maxQueuedResponseBytes
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Frame.self)
    }

    /// From now on, messages at least as large as the gzip threshold are gzip-encoded.
    func acceptGzip() {
        state.withLock { $0.acceptsGzip = true }
    }

    /// Encodes `message` and queues it, unless that takes the unwritten bytes past the limit.
    func send(_ message: JSONValue) -> Outcome {
        let gzip = state.withLock { $0.acceptsGzip }
        let frame = codec.encode(message, allowGzip: gzip)
        let size = frame.body.readableBytes
        let outcome = state.withLock { state -> Outcome in
            if state.overflowed { return .dropped }
            // One message is always accepted on its own: only a backlog overflows.
            if state.queuedBytes > 0, state.queuedBytes + size > maxQueuedBytes {
                state.overflowed = true
                return .overflowed(queuedBytes: state.queuedBytes + size)
            }
            state.queuedBytes += size
            return .queued
        }
        if case .queued = outcome { continuation.yield(frame) }
        return outcome
    }

    /// No more messages: `drain` returns once the queued ones are written.
    func finish() {
        continuation.finish()
    }

    /// Writes the queued messages in order until `finish` (or until the calling task is
    /// cancelled). After the first write that fails, `onFailure` is called and the rest are
    /// dropped: the client can no longer be reached.
    func drain(_ write: @Sendable (Frame) async throws -> Void, onFailure: @Sendable () -> Void) async {
        var failed = false
        for await frame in stream {
            if !failed {
                do {
                    try await write(frame)
                } catch {
                    logger.debug("dropping messages: the client is gone (\(error))")
                    failed = true
                    onFailure()
                }
            }
            state.withLock { $0.queuedBytes -= frame.body.readableBytes }
        }
    }
}
