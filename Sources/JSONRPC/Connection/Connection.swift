import Foundation
import Logging
import Synchronization

/// One JSON-RPC session with one client, independent of the transport.
///
/// The connection reads frames, validates messages, runs requests concurrently (responses may be
/// sent out of order), answers every problem it can with a JSON-RPC error, and implements the LSP
/// lifecycle: `initialize`, `initialized`, `shutdown`, `exit`, plus `$/cancelRequest` and `ping`.
public final class Connection: Sendable {
    /// Requests every connection answers itself.
    public static let builtInRequests = ["initialize", "shutdown", "ping"]

    /// Why `run` returned.
    public enum EndReason: Sendable, Equatable {
        /// The client closed its side of the stream.
        case endOfInput
        /// The client sent `exit`; `afterShutdown` tells whether `shutdown` came first.
        case exit(afterShutdown: Bool)
        /// Framing was lost; the client was told why before the connection closed.
        case protocolError
        /// The server is stopping (the reading task was cancelled).
        case serverStopping
        /// Writing to the client failed (it closed its side or vanished): nothing can reach it any
        /// more, so reading stopped and the requests in flight were cancelled.
        case outputClosed
        /// The client stopped reading and its unwritten responses passed
        /// `TransportLimits.maxQueuedResponseBytes`: the connection was closed.
        case clientNotReading
        /// The server requires a token and the client did not present it in `initialize`: it
        /// was told so, then the connection was closed.
        case unauthorized
    }

    private enum Lifecycle {
        case awaitingInitialize
        case running
        case shutDown
    }

    private struct State {
        var lifecycle = Lifecycle.awaitingInitialize
        var inFlight: [RequestID: Task<Void, Never>] = [:]
        var cancelled: Set<RequestID> = []
        /// The `RequestOrder.position` of the next request started.
        var nextPosition: UInt64 = 0
    }

    /// The task reading frames (once `run` started it), and whether the outbox overflowed, which
    /// cancels it. Apart from `state`: messages are sent with `state` locked.
    private struct Reading {
        var reader: Task<EndReason, Never>?
        var outboxOverflowed = false
        var refused = false
        var outputClosed = false
    }

    private let registry: MethodRegistry
    private let description: ServerDescription
    private let limits: TransportLimits
    private let shutdownTimeout: Duration
    private let token: AccessToken?
    private let codec: BodyCodec
    private let logger: Logger
    private let state = Mutex(State())
    private let reading = Mutex(Reading())
    private let session = Session()
    private let serverStart: ContinuousClock.Instant
    private let outbox: Outbox

    /// A connection serving `registry`'s methods within `limits`. When the server stops, requests
    /// in flight get `shutdownTimeout` to be answered and written; what is left is then cancelled
    /// and dropped. With a `token`, the client must present it in `initialize` before anything
    /// else, or the connection is closed. `ping` reports the time since `serverStart` as the
    /// server's `uptimeSeconds` (by default now, for a server of one connection).
    public init(
        registry: MethodRegistry, description: ServerDescription, limits: TransportLimits,
        shutdownTimeout: Duration = .seconds(5), token: AccessToken? = nil, logger: Logger,
        serverStart: ContinuousClock.Instant = .now
    ) {
        self.serverStart = serverStart
        self.registry = registry
        self.description = description
        self.limits = limits
        self.shutdownTimeout = shutdownTimeout
        self.token = token
        self.codec = BodyCodec(limits: limits)
        self.logger = logger
        self.outbox = Outbox(codec: codec, logger: logger)
    }

    /// Serves the connection until the input ends, the client exits, framing is lost or the
    /// calling task is cancelled. In-flight requests finish and are answered before it returns;
    /// when the task was cancelled (the server is stopping), only until the shutdown deadline.
    ///
    /// - Parameters:
    ///   - inbound: frames from the client.
    ///   - write: sends one frame to the client.
    public func run<Inbound: AsyncSequence & Sendable>(
        inbound: Inbound, write: @escaping @Sendable (Frame) async throws -> Void
    ) async -> EndReason where Inbound.Element == InboundFrame {
        // The writer is unstructured so that stopping the server (cancelling this task) does not
        // stop answering the requests still in flight; so is the reader, so that a client that
        // stops reading its responses can be cut off (`send`).
        let writer = Task { [outbox, self] in await outbox.drain(write) { self.outputFailed() } }
        // Every request task started while reading inherits the session as `Session.current`.
        let reader = Task { [self] in await Session.$current.withValue(session) { await readLoop(inbound) } }
        let overflowed = reading.withLock { reading in
            reading.reader = reader
            return reading.outboxOverflowed || reading.refused
        }
        if overflowed { reader.cancel() }
        var reason = await withTaskCancellationHandler {
            await reader.value
        } onCancel: {
            reader.cancel()
        }
        let (overflowedNow, refused, outputClosed) = reading.withLock {
            ($0.outboxOverflowed, $0.refused, $0.outputClosed)
        }
        if outputClosed {
            reason = .outputClosed
        } else if overflowedNow {
            reason = .clientNotReading
        } else if refused {
            reason = .unauthorized
        }
        let pending = state.withLock { Array($0.inFlight.values) }
        if !pending.isEmpty { logger.debug("waiting for \(pending.count) request(s) in flight") }
        switch reason {
        case .serverStopping:
            await drain(pending, writer: writer, until: .now + shutdownTimeout, because: "shutdown deadline passed")
        case .clientNotReading:
            await drain(pending, writer: writer, until: .now, because: "the client is not reading")
        case .outputClosed:
            await drain(pending, writer: writer, until: .now, because: "the client is gone")
        case .endOfInput, .exit, .protocolError, .unauthorized:
            for task in pending { await task.value }
            await session.end()
            outbox.finish()
            await writer.value
        }
        logger.debug("connection ended: \(reason)")
        return reason
    }

    /// A write to the client failed: nothing can reach it any more, so reading stops and the
    /// requests in flight are cancelled (`run` then ends with `outputClosed`).
    private func outputFailed() {
        let reader = reading.withLock { reading in
            reading.outputClosed = true
            return reading.reader
        }
        logger.debug("the client is gone: stopping its connection")
        reader?.cancel()
        for task in state.withLock({ Array($0.inFlight.values) }) { task.cancel() }
    }

    /// Ends the connection by `deadline`: requests in flight get until then to finish and their
    /// responses to be written; requests still running are then cancelled (they stop at their
    /// next cancellation check) and unwritten responses dropped; `why` says so in the log.
    private func drain(
        _ pending: [Task<Void, Never>], writer: Task<Void, Never>, until deadline: ContinuousClock.Instant,
        because why: String
    ) async {
        if !(await waitForAll(pending, until: deadline)) {
            logger.warning("\(why): cancelling the requests in flight")
            for task in pending { task.cancel() }
            for task in pending { await task.value }
        }
        await session.end()
        outbox.finish()
        if !(await waitForAll([writer], until: deadline)) {
            // Cancelling the writer ends a write suspended on a full socket; a blocked write to a
            // pipe may stay blocked, unawaited, until the process exits.
            logger.warning("\(why): dropping the responses the client has not read")
            writer.cancel()
        }
    }

    private func readLoop<Inbound: AsyncSequence>(_ inbound: Inbound) async -> EndReason
    where Inbound.Element == InboundFrame {
        do {
            for try await event in inbound {
                switch event {
                case .invalid(let problem):
                    logger.warning("framing error: \(problem.error.message)")
                    send(ResponseBody.error(problem.error, id: nil))
                    if problem.isFatal { return .protocolError }
                case .frame(let frame):
                    let json: JSONValue
                    do {
                        json = try codec.decode(frame)
                    } catch {
                        send(ResponseBody.error(error, id: nil))
                        continue
                    }
                    if let exit = await handle(json) { return exit }
                }
            }
            return Task.isCancelled ? .serverStopping : .endOfInput
        } catch {
            if Task.isCancelled || error is CancellationError { return .serverStopping }
            logger.debug("input failed: \(error)")
            return .endOfInput
        }
    }

    /// Queues a message for the client; closes the connection when the client has left too many
    /// responses unread.
    private func send(_ message: JSONValue) {
        guard case .overflowed(let queuedBytes) = outbox.send(message) else { return }
        logger.warning(
            "closing the connection: the client is not reading its responses (\(queuedBytes) bytes queued, limit \(limits.maxQueuedResponseBytes))"
        )
        let reader = reading.withLock { reading in
            reading.outboxOverflowed = true
            return reading.reader
        }
        reader?.cancel()
    }

    // MARK: Dispatch

    /// Where the response to one request goes: straight to the client, or into a batch.
    private typealias Deliver = @Sendable (JSONValue?) -> Void

    /// Handles one body: a message or a batch. Returns an end reason when the client sent `exit`.
    private func handle(_ json: JSONValue) async -> EndReason? {
        guard case .array(let elements) = json else {
            return await handle(message: json, deliver: { [self] in if let r = $0 { send(r) } })
        }
        guard !elements.isEmpty else {
            send(ResponseBody.error(.invalidRequest("an empty batch is not a valid request"), id: nil))
            return nil
        }
        let batch = BatchCollector(count: elements.count) { [self] responses in send(.array(responses)) }
        var exit: EndReason?
        for element in elements {
            if let reason = await handle(message: element, deliver: batch.add) { exit = reason }
        }
        return exit
    }

    private func handle(message json: JSONValue, deliver: @escaping Deliver) async -> EndReason? {
        let message: Message
        do {
            message = try Message(json: json)
        } catch {
            deliver(ResponseBody.error(error.error, id: error.id))
            return nil
        }
        switch message {
        case .response(let id):
            logger.debug("ignoring a response from the client (id \(id.map { "\($0)" } ?? "null"))")
            deliver(nil)
            return nil
        case .notification(let notification):
            let exit = await handle(notification)
            deliver(nil)
            return exit
        case .request(let request):
            handle(request, deliver: deliver)
            return nil
        }
    }

    private func handle(_ notification: Notification) async -> EndReason? {
        switch notification.method {
        case "exit":
            let afterShutdown = state.withLock { $0.lifecycle == .shutDown }
            return .exit(afterShutdown: afterShutdown)
        case "initialized":
            return nil
        case "$/cancelRequest":
            guard let raw = notification.params?["id"], let id = RequestID(json: raw) else {
                logger.debug("$/cancelRequest without a valid id")
                return nil
            }
            let task = state.withLock { state -> Task<Void, Never>? in
                guard let task = state.inFlight[id] else { return nil }
                state.cancelled.insert(id)
                return task
            }
            task?.cancel()
            return nil
        default:
            guard let handler = registry.notificationHandlers[notification.method] else {
                logger.debug("ignoring unknown notification \(notification.method)")
                return nil
            }
            guard state.withLock({ $0.lifecycle == .running }) else { return nil }
            await handler(
                notification.params, context(id: nil, method: notification.method, params: notification.params))
            return nil
        }
    }

    private func handle(_ request: Request, deliver: @escaping Deliver) {
        let id = request.id
        func fail(_ error: ResponseError) { deliver(ResponseBody.error(error, id: id)) }

        let lifecycle = state.withLock { $0.lifecycle }
        if token != nil, lifecycle == .awaitingInitialize {
            if let refusal = authenticate(request) { return fail(refusal) }
        }
        if request.method == "ping" || request.method == "shutdown" {
            do {
                _ = try MethodRegistry.decodeParams(NoParams.self, from: request.params)
            } catch {
                return fail(Self.responseError(for: error, cancelled: false))
            }
        }
        switch (request.method, lifecycle) {
        case ("ping", _):
            let uptime = (ContinuousClock.now - serverStart) / .milliseconds(1) / 1000
            deliver(ResponseBody.result(["pong": true, "uptimeSeconds": .number(uptime)], id: id))
            return
        case ("initialize", .awaitingInitialize):
            deliver(ResponseBody.result(initialize(request.params), id: id))
            return
        case ("initialize", _):
            return fail(.invalidRequest("initialize may only be sent once per connection"))
        case (_, .awaitingInitialize):
            return fail(
                ResponseError(
                    code: ResponseError.Code.serverNotInitialized,
                    message: "the server is not initialized: send initialize first"))
        case (_, .shutDown):
            return fail(
                .invalidRequest("the server is shutting down: only ping and the exit notification are accepted"))
        case ("shutdown", .running):
            state.withLock { $0.lifecycle = .shutDown }
            deliver(ResponseBody.result(.null, id: id))
            return
        default:
            break
        }

        guard let handler = registry.requestHandlers[request.method] else {
            return fail(.methodNotFound(request.method))
        }
        let timeout: Duration?
        do {
            timeout = try RequestTimeout.limit(params: request.params, server: limits.requestTimeout)
        } catch {
            return fail(error)
        }
        let context = context(id: id, method: request.method, params: request.params)
        let rejection = state.withLock { current -> ResponseError? in
            if current.inFlight[id] != nil {
                return .invalidRequest("request id \(id) is already in flight")
            }
            if current.inFlight.count >= limits.maxConcurrentRequests {
                return ResponseError(
                    code: ResponseError.Code.tooManyRequests,
                    message: "too many concurrent requests on this connection (limit \(limits.maxConcurrentRequests))")
            }
            // Registered under the lock, before the task can finish and unregister itself.
            let position = current.nextPosition
            current.nextPosition += 1
            current.inFlight[id] = Task { [self] in
                let response: JSONValue
                do {
                    let result = try await RequestOrder.$position.withValue(position) {
                        try await RequestTimeout.run(timeout) { try await handler(request.params, context) }
                    }
                    response = ResponseBody.result(result, id: id)
                } catch {
                    let wasCancelled = state.withLock { $0.cancelled.contains(id) }
                    let responseError = Self.responseError(for: error, cancelled: wasCancelled)
                    if responseError.code == ResponseError.Code.internalError {
                        logger.error("\(request.method) failed: \(error)")
                    }
                    response = ResponseBody.error(responseError, id: id)
                }
                // Unregister and answer in one step: a client may reuse the id (or the slot) as soon
                // as it has the answer, and `run` must still wait for a task that has not answered.
                state.withLock {
                    $0.inFlight[id] = nil
                    $0.cancelled.remove(id)
                    deliver(response)
                }
            }
            return nil
        }
        if let rejection { fail(rejection) }
    }

    /// With a token required and no `initialize` yet: the error that refuses `request` (and
    /// closes the connection once answered), or nil when it is an `initialize` with the token.
    private func authenticate(_ request: Request) -> ResponseError? {
        let presented = request.params?["initializationOptions"]?[AccessToken.member]?.stringValue
        if request.method == "initialize", let presented, token?.matches(presented) == true { return nil }
        logger.warning(
            "refusing the connection: \(request.method == "initialize" ? "wrong or missing token" : "\(request.method) before initialize")"
        )
        let reader = reading.withLock { reading in
            reading.refused = true
            return reading.reader
        }
        reader?.cancel()
        return .unauthorized(
            request.method == "initialize"
                ? "unauthorized: initialize must present the server's token in initializationOptions.token"
                : "unauthorized: send initialize with the server's token (initializationOptions.token) first")
    }

    private static func responseError(for error: any Error, cancelled: Bool) -> ResponseError {
        switch error {
        case let convertible as any ResponseErrorConvertible: return convertible.responseError
        case let decoding as DecodingError: return .invalidParams(decoding)
        case is CancellationError: return .requestCancelled
        default: return cancelled ? .requestCancelled : .internalError("internal error: \(error)")
        }
    }

    private func context(id: RequestID?, method: String, params: JSONValue?) -> RequestContext {
        var requestLogger = logger
        if let id { requestLogger[metadataKey: "request"] = "\(id)" }
        requestLogger[metadataKey: "method"] = "\(method)"
        let notify: @Sendable (Notification) -> Void = { [self] in send($0.json) }
        return RequestContext(
            id: id, method: method, logger: requestLogger,
            progress: ProgressReporter.token(in: params).map { ProgressReporter(token: $0, notify: notify) },
            notify: notify, session: session)
    }

    private func initialize(_ params: JSONValue?) -> JSONValue {
        let encodings = params?["capabilities"]?["acceptEncoding"]?.arrayValue ?? []
        let acceptsGzip = encodings.contains { $0.stringValue?.lowercased() == "gzip" }
        state.withLock { $0.lifecycle = .running }
        if acceptsGzip { outbox.acceptGzip() }
        session.initialized(with: AccessToken.redacted(params))
        if let client = params?["clientInfo"]?["name"]?.stringValue {
            logger.info("initialized by \(client)\(acceptsGzip ? " (accepts gzip)" : "")")
        }
        var capabilities = description.capabilities
        capabilities["methods"] = .array(registry.requestMethods.map { .string($0) })
        capabilities["encodings"] = ["gzip", "identity"]
        capabilities["limits"] = limits.json
        return [
            "serverInfo": ["name": .string(description.name), "version": .string(description.version)],
            "protocolVersion": .string(description.protocolVersion),
            "capabilities": .object(capabilities),
        ]
    }
}

/// Gathers the responses of a batch and sends them as one array once every element is done.
private final class BatchCollector: Sendable {
    private let pending: Mutex<(remaining: Int, responses: [JSONValue])>
    private let complete: @Sendable ([JSONValue]) -> Void

    init(count: Int, complete: @escaping @Sendable ([JSONValue]) -> Void) {
        self.pending = Mutex((count, []))
        self.complete = complete
    }

    /// Records one element's outcome: a response, or `nil` for a notification.
    @Sendable func add(_ response: JSONValue?) {
        let finished = pending.withLock { state -> [JSONValue]? in
            if let response { state.responses.append(response) }
            state.remaining -= 1
            return state.remaining == 0 ? state.responses : nil
        }
        // A batch of notifications only gets no response at all.
        if let finished, !finished.isEmpty { complete(finished) }
    }
}
