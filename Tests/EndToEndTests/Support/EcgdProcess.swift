import Foundation
import Synchronization
import XCTest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Errors of the end-to-end harness, with messages that say what to do.
struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// How long the harness waits for anything before declaring a hang. A guard, not an assertion.
let hangGuardSeconds = 30

/// Finds the `ecgd` executable that `swift build` put next to the test bundle.
enum EcgdBinary {
    static func url() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["ECGD_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        var directories: [URL] = []
        // On Linux the test bundle is an executable (…/debug/ecgdPackageTests.xctest); on macOS a bundle.
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent())
        directories.append(Bundle.main.bundleURL)
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for directory in directories {
            let candidate = directory.appendingPathComponent("ecgd")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
                !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        throw E2EError(
            "the ecgd executable is not built: run `swift build` before `swift test` (or set ECGD_BINARY). Looked in: "
                + directories.map(\.path).joined(separator: ", "))
    }
}

/// Collects everything a child writes to one pipe, on a thread of its own, so the child never
/// blocks on a full pipe.
final class OutputCollector: Sendable {
    private let state = Mutex<(bytes: [UInt8], ended: Bool)>(([], false))
    private let changed = NSCondition()

    init(fd: Int32) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                changed.lock()
                if n <= 0 {
                    state.withLock { $0.ended = true }
                } else {
                    state.withLock { $0.bytes += chunk[0..<n] }
                }
                changed.broadcast()
                changed.unlock()
                if n <= 0 { break }
            }
            close(fd)
        }
        thread.start()
    }

    var text: String { String(decoding: state.withLock { $0.bytes }, as: UTF8.self) }

    /// Waits until the collected text satisfies `predicate` and returns it; `nil` on a hang or at the end.
    func wait(until predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(TimeInterval(hangGuardSeconds))
        changed.lock()
        defer { changed.unlock() }
        while true {
            let (bytes, ended) = state.withLock { ($0.bytes, $0.ended) }
            let text = String(decoding: bytes, as: UTF8.self)
            if predicate(text) { return text }
            if ended || !changed.wait(until: deadline) { return nil }
        }
    }

    /// Waits for the end of the stream and returns everything.
    func waitForEnd() -> String? {
        let deadline = Date().addingTimeInterval(TimeInterval(hangGuardSeconds))
        changed.lock()
        defer { changed.unlock() }
        while !state.withLock({ $0.ended }) {
            if !changed.wait(until: deadline) { return nil }
        }
        return text
    }
}

/// A running `ecgd`, spawned with its standard input, output and error on pipes.
final class EcgdProcess: @unchecked Sendable {
    let pid: pid_t
    /// The write end of the child's standard input; -1 once closed.
    private(set) var stdinFD: Int32
    /// The read end of the child's standard output.
    let stdoutFD: Int32
    let stderr: OutputCollector
    private var exitStatus: Int32?

    /// How the process ended.
    enum Termination: Equatable {
        case exit(Int32)
        case signal(Int32)
    }

    /// Starts ecgd with `arguments`, in `workingDirectory` when given (else the test's own).
    init(_ arguments: [String], workingDirectory: String? = nil) throws {
        let path = try EcgdBinary.url().path
        // A test process must survive writing to a child that has exited.
        signal(SIGPIPE, SIG_IGN)

        func makePipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw E2EError("pipe failed: errno \(errno)") }
            // Close-on-exec, so that no other child inherits them (the child gets its copies by dup2).
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (fds[0], fds[1])
        }
        let input = try makePipe()
        let output = try makePipe()
        let errors = try makePipe()

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)

        // The child starts with default signal handling and nothing blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGPIPE, SIGTERM, SIGINT] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        // The child inherits the working directory (tests do not run in parallel in one process).
        let testDirectory = FileManager.default.currentDirectoryPath
        if let workingDirectory, !FileManager.default.changeCurrentDirectoryPath(workingDirectory) {
            throw E2EError("cannot change to \(workingDirectory)")
        }
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        _ = FileManager.default.changeCurrentDirectoryPath(testDirectory)
        close(input.read)
        close(output.write)
        close(errors.write)
        guard rc == 0 else {
            close(input.write)
            close(output.read)
            close(errors.read)
            throw E2EError("could not start \(path): error \(rc)")
        }
        self.pid = pid
        self.stdinFD = input.write
        self.stdoutFD = output.read
        self.stderr = OutputCollector(fd: errors.read)
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        if stdinFD >= 0 { close(stdinFD) }
        close(stdoutFD)
    }

    /// A client speaking frames over the child's standard input and output.
    func client() -> FrameClient {
        FrameClient(readFD: stdoutFD, writeFD: stdinFD, ownsDescriptors: false)
    }

    /// Closes the child's standard input (end of input for `--stdio`).
    func closeStdin() {
        if stdinFD >= 0 {
            close(stdinFD)
            stdinFD = -1
        }
    }

    /// Sends `signal` (e.g. `SIGTERM`) to the process.
    func deliver(signal number: Int32) {
        kill(pid, number)
    }

    /// Waits for the process to end; kills it and throws if it does not end in time.
    func waitForExit() throws -> Termination {
        let deadline = Date().addingTimeInterval(TimeInterval(hangGuardSeconds))
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { throw E2EError("waitpid failed: errno \(errno)") }
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                exitStatus = status
                throw E2EError("ecgd did not exit within \(hangGuardSeconds) s; killed it. stderr:\n\(stderr.text)")
            }
            usleep(5_000)
        }
        exitStatus = status
        let signalNumber = status & 0x7F
        return signalNumber == 0 ? .exit((status >> 8) & 0xFF) : .signal(signalNumber)
    }

    /// Waits for `ecgd --tcp` to announce its port on standard error.
    func listeningPort() throws -> Int {
        let prefix = "ecgd: listening on "
        guard
            let text = stderr.wait(until: {
                $0.contains(prefix) && $0[$0.range(of: prefix)!.upperBound...].contains("\n")
            })
        else {
            throw E2EError("ecgd never said it was listening. stderr:\n\(stderr.text)")
        }
        let line = text[text.range(of: prefix)!.upperBound...].prefix { $0 != "\n" }
        guard let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]) else {
            throw E2EError("cannot read the port from \"\(line)\"")
        }
        return port
    }

    /// The address line printed by `ecgd --tcp`, e.g. `127.0.0.1:40123`.
    func listeningAddress() throws -> String {
        _ = try listeningPort()
        let prefix = "ecgd: listening on "
        let text = stderr.text
        return String(text[text.range(of: prefix)!.upperBound...].prefix { $0 != "\n" })
    }
}

/// Runs `body` on `count` threads at once and returns the errors they threw.
func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
    let failures = Mutex<[String]>([])
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            do {
                try body(index)
            } catch {
                failures.withLock { $0.append("thread \(index): \(error)") }
            }
            group.leave()
        }
        thread.start()
    }
    if group.wait(timeout: .now() + .seconds(4 * hangGuardSeconds)) == .timedOut {
        failures.withLock { $0.append("threads did not finish within \(4 * hangGuardSeconds) s") }
    }
    return failures.withLock { $0 }
}
