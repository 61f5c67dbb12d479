/// The order in which a connection read its requests, as the tasks serving them see it.
///
/// A shared work queue can use it to finish a connection's older requests before starting its
/// newer ones, so that a connection's many requests in flight do not all hold their inputs at
/// once while each waits for its next piece of work.
public enum RequestOrder {
    /// The position of the request the current task serves among its connection's requests
    /// (0, 1, 2, ... as they were read); 0 outside a request.
    @TaskLocal public static var position: UInt64 = 0
}
