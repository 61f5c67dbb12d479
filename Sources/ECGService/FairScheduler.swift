import Synchronization

/// A fixed number of slots for CPU-heavy work, shared by every connection: a task waiting for one
/// is queued by its owner (the connection it serves), and owners are served round-robin, so an
/// owner with thousands of queued tasks delays another owner's single task by at most one turn.
///
/// Within an owner, the task of the oldest request (`RequestOrder.position`) goes first, so that
/// a request's next step comes before a newer request's first: a connection's requests finish one
/// after another instead of all holding their inputs while they wait.
final class FairScheduler: Sendable {
    /// Whose task waits: a connection's session, or nil for in-process callers.
    typealias Owner = ObjectIdentifier?

    private struct Waiter {
        let id: UInt64
        let position: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var free: Int
        var queues: [Owner: [Waiter]] = [:]
        /// Owners with queued tasks, the one to serve next first.
        var turns: [Owner] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    /// `slots` tasks may hold a slot at once (at least one).
    init(slots: Int) {
        state = Mutex(State(free: max(1, slots)))
    }

    /// Waits for a slot, behind `owner`'s tasks of requests older than `position`; call `release`
    /// once done with it.
    /// - Throws: `CancellationError`, without a slot, when the calling task is cancelled before
    ///   it gets one.
    func acquire(for owner: Owner, position: UInt64 = 0) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64? in
            if state.free > 0, state.turns.isEmpty {
                state.free -= 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Under the lock, as the cancellation handler looks for the waiter: either the task
                // is already cancelled here, or the handler runs later and finds the waiter.
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    if state.queues[owner] == nil { state.turns.append(owner) }
                    var queue = state.queues[owner, default: []]
                    let index = queue.firstIndex { $0.position > position } ?? queue.endIndex
                    queue.insert(Waiter(id: id, position: position, continuation: continuation), at: index)
                    state.queues[owner] = queue
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard var queue = state.queues[owner], let index = queue.firstIndex(where: { $0.id == id }) else {
                    return nil
                }
                let waiter = queue.remove(at: index)
                if queue.isEmpty {
                    state.queues[owner] = nil
                    state.turns.removeAll { $0 == owner }
                } else {
                    state.queues[owner] = queue
                }
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives the slot to the first task of the owner whose turn it is, or frees it.
    func release() {
        let next = state.withLock { state -> Waiter? in
            guard !state.turns.isEmpty else {
                state.free += 1
                return nil
            }
            let owner = state.turns.removeFirst()
            var queue = state.queues[owner]!
            let waiter = queue.removeFirst()
            if queue.isEmpty {
                state.queues[owner] = nil
            } else {
                state.queues[owner] = queue
                state.turns.append(owner)
            }
            return waiter
        }
        next?.continuation.resume()
    }
}
