import Synchronization

/// A queue that one task fills and another drains, with a hang guard on every take.
///
/// The guard is not a timing assertion: it only turns "the awaited message never comes" into a
/// test failure instead of a test run that never ends.
final class Mailbox<Item: Sendable>: Sendable {
    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Item?, Never>
    }

    private struct State {
        var items: [Item] = []
        var waiter: Waiter?
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())

    init() {}

    func put(_ item: Item) {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items.append(item)
            return nil
        }
        waiter?.continuation.resume(returning: item)
    }

    /// Makes every pending and future `take` return `nil` once the queue is empty.
    func close() {
        let waiter = state.withLock { state -> Waiter? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume(returning: nil)
    }

    /// The items that arrived and were not taken yet, without waiting.
    func drain() -> [Item] {
        state.withLock { state in
            defer { state.items.removeAll() }
            return state.items
        }
    }

    /// The next item, or `nil` if none arrives within `seconds` (a hang guard) or the box is closed.
    func take(within seconds: Int = 30) async -> Item? {
        await withCheckedContinuation { continuation in
            let outcome = state.withLock { state -> (ready: Item??, id: Int) in
                if !state.items.isEmpty { return (.some(state.items.removeFirst()), 0) }
                if state.closed { return (.some(nil), 0) }
                precondition(state.waiter == nil, "one reader at a time")
                state.nextID += 1
                state.waiter = Waiter(id: state.nextID, continuation: continuation)
                return (nil, state.nextID)
            }
            if let ready = outcome.ready {
                continuation.resume(returning: ready)
                return
            }
            let id = outcome.id
            Task { [self] in
                try? await Task.sleep(for: .seconds(seconds))
                expire(id)
            }
        }
    }

    private func expire(_ id: Int) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume(returning: nil)
    }
}

/// A barrier that handlers wait at until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init() {}

    func wait() async {
        await withCheckedContinuation { continuation in
            let proceed = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Named gates, created on first use.
final class Gates: Sendable {
    private let gates = Mutex<[String: Gate]>([:])

    init() {}

    subscript(name: String) -> Gate {
        gates.withLock { gates in
            if let gate = gates[name] { return gate }
            let gate = Gate()
            gates[name] = gate
            return gate
        }
    }
}
