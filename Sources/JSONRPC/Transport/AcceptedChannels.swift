import NIOCore
import Synchronization

/// The client channels a listener has wrapped for serving, until the accept loop takes them up.
///
/// A listener wraps each accepted client in an `NIOAsyncChannel` before handing it to the accept
/// loop, and NIO traps when such a channel is dropped without being closed. A client accepted
/// as the listener closes can be wrapped after the loop has ended and so be dropped: holding it
/// here keeps it alive, `closeLeftovers` closes whatever the loop never took, and a client
/// wrapped after that is closed as soon as it is held.
final class AcceptedChannels<Inbound: Sendable, Outbound: Sendable>: Sendable {
    private struct State {
        var waiting: [ObjectIdentifier: NIOAsyncChannel<Inbound, Outbound>] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Holds `wrapped`, the wrapper of `channel`, until `take` or `closeLeftovers`.
    func hold(_ wrapped: NIOAsyncChannel<Inbound, Outbound>, of channel: Channel) {
        let late = state.withLock { state in
            if !state.closed { state.waiting[ObjectIdentifier(channel)] = wrapped }
            return state.closed
        }
        if late { Task { await Self.close(wrapped) } }
    }

    /// The accept loop took `channel` up: it is served (and closed) from now on.
    func take(_ channel: Channel) {
        _ = state.withLock { $0.waiting.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Closes the clients the accept loop never took up, and from now on every client held.
    func closeLeftovers() async {
        let leftovers = state.withLock { state in
            defer {
                state.waiting.removeAll()
                state.closed = true
            }
            return Array(state.waiting.values)
        }
        for channel in leftovers { await Self.close(channel) }
    }

    private static func close(_ channel: NIOAsyncChannel<Inbound, Outbound>) async {
        try? await channel.executeThenClose { _, _ in }
    }
}
