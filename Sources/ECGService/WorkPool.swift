import NIOPosix

/// Runs blocking and CPU-long work (reading signal and model files, QRS detection, cutting beats,
/// inference, drawing) on NIO's blocking thread pool instead of Swift's cooperative pool.
///
/// The cooperative pool has one thread per core. A method that computed there for seconds would
/// hold a thread every connection needs for reading frames and answering `ping`; a handful of
/// long `classify` calls would stall the whole server. Methods therefore stay on the cooperative
/// pool only to parse params and await `run`.
public struct WorkPool: Sendable {
    private let pool: NIOThreadPool

    /// Work on `pool`; by default NIO's shared blocking pool (one thread per core).
    public init(_ pool: NIOThreadPool = .singleton) {
        self.pool = pool
    }

    /// Runs `body` on a pool thread and returns its result. Throws `CancellationError` without
    /// running `body` when the calling task is cancelled before a thread takes it up.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await pool.runIfActive(body)
    }
}
