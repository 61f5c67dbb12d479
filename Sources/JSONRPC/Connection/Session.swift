import Synchronization

/// State an application keeps for one connection (for example the documents an editor opened),
/// created on first use and told when the connection ends.
public protocol SessionAttachment: AnyObject, Sendable {
    /// Called once when the connection has ended and its requests have been answered: stop
    /// background work and release resources.
    func sessionEnded() async
}

/// One connection's lifetime, as handlers see it: what the client said in `initialize` and the
/// application state attached to the connection.
public final class Session: Sendable {
    /// The session of the connection whose request (or notification) the current task serves;
    /// nil outside a connection, as in one-shot tools. Shared work pools queue by it.
    @TaskLocal public static var current: Session?

    private struct State {
        var initializeParams: JSONValue?
        var attachments: [ObjectIdentifier: any SessionAttachment] = [:]
        var ended = false
    }

    private let state = Mutex(State())

    /// A session with nothing attached yet.
    public init() {}

    /// The params of the client's `initialize` request (`nil` before it, or when it had none).
    public var initializeParams: JSONValue? { state.withLock { $0.initializeParams } }

    func initialized(with params: JSONValue?) {
        state.withLock { $0.initializeParams = params }
    }

    /// The connection's attachment of type `T`, made by `make` on first use.
    public func attachment<T: SessionAttachment>(_ type: T.Type = T.self, make: () -> T) -> T {
        state.withLock { state in
            if let existing = state.attachments[ObjectIdentifier(type)] as? T { return existing }
            let made = make()
            state.attachments[ObjectIdentifier(type)] = made
            return made
        }
    }

    /// Tells every attachment that the connection ended (once).
    func end() async {
        let attachments = state.withLock { state -> [any SessionAttachment] in
            guard !state.ended else { return [] }
            state.ended = true
            return Array(state.attachments.values)
        }
        for attachment in attachments { await attachment.sessionEnded() }
    }
}
