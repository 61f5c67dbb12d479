import JSONRPC
import NIOCore
import NIOPosix

/// Runs blocking and CPU-long work (reading signal and model files, QRS detection, cutting beats,
/// inference, drawing) on a blocking thread pool instead of Swift's cooperative pool, a bounded
/// number of pieces at once, shared fairly between connections.
///
/// The cooperative pool has one thread per core. A method that computed there for seconds would
/// hold a thread every connection needs for reading frames and answering `ping`; a handful of
/// long `classify` calls would stall the whole server. Methods therefore stay on the cooperative
/// pool only to parse params and await `run`.
///
/// Work beyond the limit waits in a queue per connection (`Session.current`), served
/// round-robin: one client's thousands of requests do not starve another's one. Within a
/// connection, older requests (`RequestOrder`) go first. Copies of a pool share its limit and
/// queues.
public struct WorkPool: Sendable {
    private let pool: NIOThreadPool
    private let scheduler: FairScheduler

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
        return try await pool.runIfActive(body)
    }
}
