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

/// Calls a stop action on the first SIGTERM or SIGINT, so the server can let in-flight requests
/// finish; a second one ends the process at once, as the signal does by default.
///
/// The handlers are in place as soon as `init` returns, before the server starts; the action is set
/// once the server task exists (`onStop`). A signal that arrives in between is neither fatal nor lost.
/// (A `DispatchSource` for signals is not used: on Linux it arms itself later, on another thread, and
/// a signal that comes first is lost.) The handler only writes the signal's number to a pipe, which
/// is async-signal-safe; a thread reading the pipe restores the default handlers and runs the action.
final class StopSignals {
    private let pending = PendingStop()

    init() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { fatalError("cannot create the signal pipe: errno \(errno)") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        stopSignalPipe = fds[1]
        let (readEnd, pending) = (fds[0], pending)
        Thread {
            var number: UInt8 = 0
            var stopping = false
            while true {
                let n = read(readEnd, &number, 1)
                if n == 1 {
                    if stopping {
                        // A second signal that came before the default handlers were back.
                        kill(getpid(), Int32(number))
                        continue
                    }
                    stopping = true
                    for signalNumber in Self.numbers { signal(signalNumber, SIG_DFL) }
                    pending.fire()
                } else if n == 0 || errno != EINTR {
                    return
                }
            }
        }.start()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in
            var byte = UInt8(truncatingIfNeeded: number)
            _ = write(stopSignalPipe, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for number in Self.numbers { sigaction(number, &action, nil) }
    }

    private static let numbers = [SIGTERM, SIGINT]

    /// Sets the action; runs it at once if a signal already arrived.
    func onStop(_ action: @escaping @Sendable () -> Void) {
        pending.set(action)
    }

    /// Stops reacting: later signals are ignored.
    func cancel() {
        for number in Self.numbers { signal(number, SIG_IGN) }
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
