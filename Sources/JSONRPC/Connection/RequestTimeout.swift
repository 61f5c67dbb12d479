/// How long a request may run: the server's `TransportLimits.requestTimeout` and the request's
/// own `params.timeoutSeconds`, whichever is shorter. A request past it is cancelled and answers
/// `ResponseError.requestTimedOut`.
enum RequestTimeout {
    /// The params member with which a client sets one request's timeout, in seconds. Every
    /// method accepts it (`MethodRegistry.decodeParams` leaves it to the connection).
    static let member = "timeoutSeconds"

    /// The timeout of a request with `params` on a server whose own limit is `server` (nil: none).
    /// - Throws: `ResponseError.invalidParams` when `params.timeoutSeconds` is not a positive number.
    static func limit(params: JSONValue?, server: Duration?) throws(ResponseError) -> Duration? {
        guard case .object(let members) = params, let value = members[member] else { return server }
        guard let seconds = value.numberValue, seconds > 0, seconds.isFinite else {
            throw .invalidParams("params.\(member): expected a positive number of seconds")
        }
        let requested = Duration.milliseconds(Int64(min(seconds, 1e9) * 1000))
        guard let server else { return requested }
        return min(requested, server)
    }

    /// Runs `body`, cancelling it once it has run for `limit` (nil: no limit).
    /// - Throws: `ResponseError.requestTimedOut` when the limit came first (once `body` has
    ///   stopped); otherwise what `body` throws.
    static func run(
        _ limit: Duration?, _ body: @escaping @Sendable () async throws -> JSONValue
    ) async throws -> JSONValue {
        guard let limit else { return try await body() }
        return try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            if let result = try await group.next()! { return result }
            // The limit came first: cancel the work and wait for it to stop.
            group.cancelAll()
            _ = try? await group.next()
            throw ResponseError.requestTimedOut(after: limit)
        }
    }
}
