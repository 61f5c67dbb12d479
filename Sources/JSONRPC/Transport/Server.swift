import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Serves a `MethodRegistry` over stdio, TCP or a Unix domain socket, each client on its own
/// `Connection`.
///
/// Every transport shares one pipeline: `FrameDecoder` and `FrameEncoder` under an `NIOAsyncChannel`.
public struct Server: Sendable {
    /// The methods every connection serves.
    public let registry: MethodRegistry
    /// What `initialize` answers.
    public let description: ServerDescription
    /// Framing and per-connection limits.
    public let limits: TransportLimits
    /// How long a stopping server lets requests in flight finish and their responses be written
    /// before it cancels and drops what is left (see `Connection`).
    public let shutdownTimeout: Duration
    /// The token every connection must present in `initialize`, or nil when none is required.
    public let token: AccessToken?
    /// Where connection events and failures are logged.
    public let logger: Logger
    /// When the server was made: `ping` on any connection reports the time since as its uptime.
    private let started = ContinuousClock.now

    /// A server; nothing is read or bound until `serveStdio` or `serveTCP` is called.
    public init(
        registry: MethodRegistry, description: ServerDescription, limits: TransportLimits,
        shutdownTimeout: Duration = .seconds(5), token: AccessToken? = nil, logger: Logger
    ) {
        self.registry = registry
        self.description = description
        self.limits = limits
        self.shutdownTimeout = shutdownTimeout
        self.token = token
        self.logger = logger
    }

    private func makeConnection(logger: Logger) -> Connection {
        Connection(
            registry: registry, description: description, limits: limits, shutdownTimeout: shutdownTimeout,
            token: token, logger: logger, serverStart: started)
    }

    private typealias FrameChannel = NIOAsyncChannel<InboundFrame, Frame>

    /// `channel` with the framing pipeline, wrapped for the accept loop and held in `accepted`
    /// until the loop takes it.
    private static func makeFrameChannel(
        _ channel: Channel, limits: TransportLimits, _ accepted: AcceptedChannels<InboundFrame, Frame>
    ) throws -> FrameChannel {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(limits: limits)))
        try pipeline.addHandler(MessageToByteHandler(FrameEncoder()))
        let wrapped = try FrameChannel(wrappingChannelSynchronously: channel)
        accepted.hold(wrapped, of: channel)
        return wrapped
    }

    /// Serves every client `listener` accepts until the calling task is cancelled; then closes
    /// the listener, stops every connection (each drains within the shutdown deadline) and returns.
    ///
    /// Accepting runs in a task of its own, which cancelling the caller does not cancel: a
    /// cancelled accept loop would drop the connections accepted but not yet taken up, and NIO
    /// refuses (fatally) to drop a channel nobody closed. Closing the listener instead ends the
    /// loop after those connections, which are then served, stopped at once, and closed.
    private func serve(
        _ listener: NIOAsyncChannel<FrameChannel, Never>, accepted: AcceptedChannels<InboundFrame, Frame>,
        label: @escaping @Sendable (Channel) -> String
    ) async {
        let logger = self.logger
        let accepting = Task {
            await withDiscardingTaskGroup { group in
                do {
                    try await listener.executeThenClose { clients in
                        for try await client in clients {
                            accepted.take(client.channel)
                            let name = label(client.channel)
                            group.addTask { _ = await self.serve(client, label: name) }
                        }
                    }
                } catch {
                    logger.error("listener failed: \(error)")
                }
                group.cancelAll()
            }
        }
        await withTaskCancellationHandler {
            await accepting.value
        } onCancel: {
            listener.channel.close(promise: nil)
        }
        await accepted.closeLeftovers()
    }

    private func serve(_ channel: FrameChannel, label: String) async -> Connection.EndReason {
        var connectionLogger = logger
        connectionLogger[metadataKey: "connection"] = "\(label)"
        let connection = makeConnection(logger: connectionLogger)
        do {
            return try await channel.executeThenClose { inbound, outbound in
                await connection.run(inbound: inbound, write: { try await outbound.write($0) })
            }
        } catch {
            connectionLogger.debug("connection closed with error: \(error)")
            return .endOfInput
        }
    }

    /// Serves one client on standard input and output until it exits, input ends, or the calling
    /// task is cancelled.
    public func serveStdio() async -> Connection.EndReason {
        let transport = StdioTransport(input: STDIN_FILENO, output: STDOUT_FILENO, limits: limits)
        var connectionLogger = logger
        connectionLogger[metadataKey: "connection"] = "stdio"
        let connection = makeConnection(logger: connectionLogger)
        return await connection.run(inbound: transport.frames(), write: transport.write)
    }

    /// Listens on `host`:`port` (port 0 picks a free one) and serves every client concurrently until
    /// the calling task is cancelled; then stops accepting, lets in-flight requests finish (until
    /// the shutdown deadline), closes every connection and returns.
    ///
    /// - Parameter onListening: called once with the bound address, before the first client is accepted.
    public func serveTCP(
        host: String, port: Int, onListening: @Sendable (SocketAddress) -> Void
    ) async throws {
        let limits = self.limits
        let accepted = AcceptedChannels<InboundFrame, Frame>()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try Self.makeFrameChannel(channel, limits: limits, accepted) }
            }
        if let address = listener.channel.localAddress { onListening(address) }
        await serve(listener, accepted: accepted, label: { $0.remoteAddress.map { "\($0)" } ?? "tcp" })
    }

    /// Listens on the Unix domain socket `path` and serves every client concurrently until the
    /// calling task is cancelled, as `serveTCP` does; then removes the socket file.
    ///
    /// The socket file is created with mode 0600: only its owner (and root) may connect. A stale
    /// socket file at `path` (its server died) is replaced.
    /// - Parameter onListening: called once the socket is bound, before the first client is accepted.
    /// - Throws: when another server listens at `path`, a file there is not a socket, or binding fails;
    ///   the first two with a message that says so.
    public func serveUnixSocket(path: String, onListening: @Sendable () -> Void) async throws {
        try UnixSocketFile.clearStale(at: path)
        let limits = self.limits
        let accepted = AcceptedChannels<InboundFrame, Frame>()
        // The file is created by bind: with this mask, never accessible to others, even briefly.
        let previousMask = umask(0o177)
        let listener: NIOAsyncChannel<FrameChannel, Never>
        do {
            listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try Self.makeFrameChannel(channel, limits: limits, accepted)
                    }
                }
            umask(previousMask)
        } catch {
            umask(previousMask)
            throw error
        }
        defer { unlink(path) }
        chmod(path, 0o600)
        onListening()
        await serve(listener, accepted: accepted, label: { _ in "unix" })
    }
}
