import JSONRPC
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking and CPU-long work (reading signal and model files, QRS detection, cutting beats,
/// inference, drawing, building large results) on a blocking thread pool instead of Swift's
/// cooperative pool, a bounded number of pieces at once, shared fairly between connections, at
/// a lower scheduling priority than the threads that serve connections.
///
/// The cooperative pool has one thread per core. A method that computed there for seconds would
/// hold a thread every connection needs for reading frames and answering `ping`; a handful of
/// long `classify` calls would stall the whole server. Methods therefore stay on the cooperative
/// pool only to parse params and await `run`. And since the pool's threads would otherwise share
/// the cores equally with the cooperative ones, each runs its work `niceIncrement` steps nicer
/// (Linux), so that a `ping` or a frame arriving preempts them at once.
///
/// Work beyond the limit waits in a queue per connection (`Session.current`), served
/// round-robin: one client's thousands of requests do not starve another's one. Within a
/// connection, older requests (`RequestOrder`) go first. Copies of a pool share its limit and
/// queues.
public struct WorkPool: Sendable {
    private let pool: NIOThreadPool
    private let scheduler: FairScheduler

    /// How much nicer than the process the pool's threads run its work (Linux nice steps: at
    /// +10 a thread gets about a tenth of the CPU share of a default one when both want it).
    public static let niceIncrement: Int32 = 10

    /// Work on `pool` (by default NIO's shared blocking pool, one thread per core), at most
    /// `maxConcurrent` pieces at once (by default one per core).
    public init(_ pool: NIOThreadPool = .singleton, maxConcurrent: Int = System.coreCount) {
        self.pool = pool
        self.scheduler = FairScheduler(slots: maxConcurrent)
    }

    /// Work on `threads` threads at once: NIO's shared pool when it has that many, else a pool of
    /// its own, started here and kept for the life of the process.
    public init(threads: Int) {
        if threads == System.coreCount {
            self.init()
        } else {
            let pool = NIOThreadPool(numberOfThreads: max(1, threads))
            pool.start()
            self.init(pool, maxConcurrent: threads)
        }
    }

    /// Runs `body` on a pool thread, once its connection's turn has come, and returns its result.
    /// Throws `CancellationError` without running `body` when the calling task is cancelled
    /// before a thread takes it up.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await scheduler.acquire(for: Session.current.map(ObjectIdentifier.init), position: RequestOrder.position)
        defer { scheduler.release() }
        return try await pool.runIfActive {
            Self.lowerThreadPriority()
            return try body()
        }
    }

    /// `body` over `count` items split into at most `parts` contiguous ranges of at least
    /// `minimum` items, the ranges run at once on pool threads; the results in range order.
    /// One request's CPU work so uses every core when the server is otherwise idle.
    func split<T: Sendable>(
        _ count: Int, parts: Int, minimum: Int = 1, _ body: @escaping @Sendable (Range<Int>) throws -> T
    ) async throws -> [T] {
        let n = max(1, min(parts, count / max(1, minimum)))
        let ranges = (0..<n).map { i in (i * count / n)..<((i + 1) * count / n) }
        guard n > 1 else { return [try await run { try body(0..<count) }] }
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for (i, range) in ranges.enumerated() {
                group.addTask { (i, try await run { try body(range) }) }
            }
            var results = [T?](repeating: nil, count: n)
            for try await (i, result) in group { results[i] = result }
            return results.map { $0! }
        }
    }

    /// The process's nice value, read once: pool threads run at it plus `niceIncrement`.
    private static let processNice: Int32 = {
        #if os(Linux)
            errno = 0
            let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            return errno == 0 ? nice : 0
        #else
            return 0
        #endif
    }()

    /// Makes the calling thread (a pool thread) nicer. On Linux the nice value belongs to each
    /// thread, and `PRIO_PROCESS` with id 0 names the calling one; setting it again on every work
    /// item is a cheap system call.
    private static func lowerThreadPriority() {
        #if os(Linux)
            let target = min(19, processNice + niceIncrement)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, target)
        #endif
    }
}
