import Dispatch
import Foundation
import Logging
import Synchronization

/// Routes every log line to standard error (in stdio mode, stdout carries only protocol frames).
func bootstrapLogging(level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}

/// Calls a stop action on SIGTERM or SIGINT, so the server can let in-flight requests finish.
///
/// The handlers are in place as soon as `init` returns, before the server starts; the action is set
/// once the server task exists (`onStop`). A signal that arrives in between is neither fatal nor lost.
/// (A `DispatchSource` for signals is not used: on Linux it arms itself later, on another thread, and
/// a signal that comes first is lost.) The handler only writes a byte to a pipe, which is
/// async-signal-safe; a thread reading the pipe runs the action.
final class StopSignals {
    private let pending = PendingStop()

    init() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { fatalError("cannot create the signal pipe: errno \(errno)") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        stopSignalPipe = fds[1]
        let (readEnd, pending) = (fds[0], pending)
        Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n == 1 { pending.fire() } else if n == 0 || errno != EINTR { return }
            }
        }.start()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(stopSignalPipe, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for number in [SIGTERM, SIGINT] { sigaction(number, &action, nil) }
    }

    /// Sets the action; runs it at once if a signal already arrived.
    func onStop(_ action: @escaping @Sendable () -> Void) {
        pending.set(action)
    }

    /// Stops reacting: later signals are ignored.
    func cancel() {
        for number in [SIGTERM, SIGINT] { signal(number, SIG_IGN) }
    }
}

/// The write end of the pipe the signal handler writes to; set before the handler is installed.
nonisolated(unsafe) private var stopSignalPipe: Int32 = -1

/// The stop action and whether a stop was requested before it was set.
private final class PendingStop: Sendable {
    private let state = Mutex<(action: (@Sendable () -> Void)?, requested: Bool)>((nil, false))

    func fire() {
        let action = state.withLock { state in
            state.requested = true
            return state.action
        }
        action?()
    }

    func set(_ action: @escaping @Sendable () -> Void) {
        let requested = state.withLock { state in
            state.action = action
            return state.requested
        }
        if requested { action() }
    }
}
