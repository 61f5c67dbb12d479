import Logging

/// Handles a request: receives the raw params (`nil` when absent) and returns the result.
public typealias MethodHandler = @Sendable (_ params: JSONValue?, _ context: RequestContext) async throws -> JSONValue

/// Handles a notification. Notifications are run one at a time, in the order they arrive.
public typealias NotificationHandler = @Sendable (_ params: JSONValue?, _ context: RequestContext) async -> Void

/// The methods an application serves, by name.
///
/// Lifecycle methods (`initialize`, `shutdown`, `exit`, `initialized`), `ping` and `$/cancelRequest`
/// are built into every connection and must not be registered here.
public struct MethodRegistry: Sendable {
    private(set) var requestHandlers: [String: MethodHandler] = [:]
    private(set) var notificationHandlers: [String: NotificationHandler] = [:]

    /// An empty registry: only the built-in methods.
    public init() {}

    /// Registers a request handler working on raw JSON.
    public mutating func register(_ method: String, handler: @escaping MethodHandler) {
        precondition(!Connection.builtInRequests.contains(method), "\(method) is built in")
        requestHandlers[method] = handler
    }

    /// Registers a request handler with typed params and result.
    ///
    /// Params are decoded by `decodeParams`; a failure answers -32602 with the path of the
    /// offending member.
    public mutating func register<Params: Decodable & Sendable, Result: Encodable & Sendable>(
        _ method: String, params: Params.Type,
        handler: @escaping @Sendable (Params, RequestContext) async throws -> Result
    ) {
        register(method) { raw, context in
            try JSONValueEncoder().encode(try await handler(try Self.decodeParams(Params.self, from: raw), context))
        }
    }

    /// Decodes a request's params the way every typed method does: absent (or null) params
    /// decode from an empty object, so types whose members are all optional accept them; a
    /// member the type does not know is refused, except `workDoneToken` and `timeoutSeconds`
    /// (the connection's).
    /// - Throws: `ResponseError.invalidParams` naming the member at fault for a `DecodingError`;
    ///   other errors (thrown by a type's own checks) as they are.
    public static func decodeParams<Params: Decodable>(_ type: Params.Type, from raw: JSONValue?) throws -> Params {
        let decoder = JSONValueDecoder(
            refusesUnknownMembers: true, ignoredTopLevelMembers: ["workDoneToken", RequestTimeout.member])
        do {
            return try decoder.decode(Params.self, from: raw == nil || raw == .null ? .object([:]) : raw!)
        } catch let error as DecodingError {
            throw ResponseError.invalidParams(error)
        }
    }

    /// Registers a notification handler.
    public mutating func onNotification(_ method: String, handler: @escaping NotificationHandler) {
        notificationHandlers[method] = handler
    }

    /// Calls `method` in-process with the code a connection would run, for one-shot tools;
    /// `progress` receives the value of each `$/progress` notification the method sends.
    /// Errors are thrown as the handler throws them (`ResponseErrorConvertible` or
    /// `ResponseError`); an unknown method throws `ResponseError.methodNotFound`.
    public func call(
        _ method: String, params: JSONValue?, logger: Logger, progress: (@Sendable (JSONValue) -> Void)? = nil
    ) async throws -> JSONValue {
        guard let handler = requestHandlers[method] else { throw ResponseError.methodNotFound(method) }
        let reporter = progress.map { sink in
            ProgressReporter(token: "in-process") { sink($0.params?["value"] ?? .null) }
        }
        let context = RequestContext(id: nil, method: method, logger: logger, progress: reporter, notify: { _ in })
        return try await handler(params, context)
    }

    /// The names of every request method a client can call, built-in ones included, sorted.
    public var requestMethods: [String] {
        (Array(requestHandlers.keys) + Connection.builtInRequests).sorted()
    }
}

/// The params of a method that takes none: absent, `null` or `{}` (plus `workDoneToken`);
/// any member is refused by `MethodRegistry.decodeParams`.
public struct NoParams: Decodable, Sendable {
    private enum NoMembers: CodingKey, CaseIterable {
        var stringValue: String { switch self {} }
        var intValue: Int? { nil }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { nil }
    }

    /// The value `{}` (or absent params) decodes to.
    public init() {}

    public init(from decoder: Decoder) throws {
        _ = try decoder.container(keyedBy: NoMembers.self)
    }
}
