import Synchronization

/// Waits until every task in `tasks` has finished or `deadline` has passed, whichever comes first.
///
/// Unlike awaiting each task's value, this returns at the deadline even when a task never ends
/// (a response that can never be written to a client that stopped reading); such tasks keep
/// running, unawaited.
/// - Returns: whether every task finished before the deadline.
func waitForAll(_ tasks: [Task<Void, Never>], until deadline: ContinuousClock.Instant) async -> Bool {
    if tasks.isEmpty { return true }
    let outcome = FirstOutcome()
    let finished = await withCheckedContinuation { continuation in
        outcome.set(continuation)
        outcome.watch(
            Task {
                for task in tasks { await task.value }
                outcome.resume(true)
            })
        outcome.watch(
            Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                outcome.resume(false)
            })
    }
    outcome.cancelWatchers()
    return finished
}

/// The continuation of `waitForAll`, resumed once by whichever of its watchers comes first.
private final class FirstOutcome: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Bool, Never>?, watchers: [Task<Void, Never>])>(
        (nil, []))

    func set(_ continuation: CheckedContinuation<Bool, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func watch(_ task: Task<Void, Never>) {
        state.withLock { $0.watchers.append(task) }
    }

    func resume(_ value: Bool) {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: value)
    }

    /// Stops the deadline's sleep once the outcome is known (the other watcher has ended or keeps
    /// waiting on tasks that cancelling it would not stop).
    func cancelWatchers() {
        for task in state.withLock({ $0.watchers }) { task.cancel() }
    }
}
