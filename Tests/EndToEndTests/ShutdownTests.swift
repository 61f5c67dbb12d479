import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Stopping the server: SIGTERM ends it within `--shutdown-timeout` even when a client never
/// reads its responses; a second signal ends it at once.
final class ShutdownTests: XCTestCase {
    private func serve(_ extra: [String]) throws -> (EcgdProcess, Int) {
        let process = try EcgdProcess(
            ["--tcp", "127.0.0.1:0", "--data-root", FrameClient.testData.path, "--log-level", "warning"] + extra)
        return (process, try process.listeningPort())
    }

    func testSIGTERMWithANonReadingClientExitsWithinTheDeadline() throws {
        let timeout = 2.0
        let (process, port) = try serve(["--shutdown-timeout", "\(timeout)", "--max-concurrent-requests", "200"])
        // A small receive buffer: the server's writes stall after a few responses.
        let stalled = try FrameClient.connect(port: port, receiveBufferBytes: 4096)
        try stalled.initialize()
        try stalled.flood(200)
        try stalled.sync()
        let observer = try FrameClient.connect(port: port)
        try observer.initialize()

        let signalled = Date()
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0), "stderr:\n\(process.stderr.text)")
        let elapsed = Date().timeIntervalSince(signalled)
        // Generous slack for a loaded machine; without the deadline it never exits (the harness
        // kills it after 30 s).
        XCTAssertLessThan(elapsed, timeout + 15, "exited \(elapsed) s after SIGTERM")
        XCTAssertTrue(
            process.stderr.text.contains("shutdown deadline passed"), "stderr:\n\(process.stderr.text)")
        XCTAssertEqual(try observer.readToEnd(), [], "the other connection is closed cleanly")
    }

    func testASecondSignalEndsTheProcessAtOnce() throws {
        let (process, port) = try serve(["--shutdown-timeout", "600", "--max-concurrent-requests", "200"])
        let stalled = try FrameClient.connect(port: port, receiveBufferBytes: 4096)
        try stalled.initialize()
        try stalled.flood(200)
        try stalled.sync()
        process.deliver(signal: SIGTERM)
        // The first signal stops the listener; once a new connection is refused, it was handled.
        var stopped = false
        for _ in 0..<(hangGuardSeconds * 100) {
            if (try? FrameClient.connect(port: port)) == nil {
                stopped = true
                break
            }
            usleep(10_000)
        }
        XCTAssertTrue(stopped, "the server kept accepting connections after SIGTERM")
        process.deliver(signal: SIGINT)
        XCTAssertEqual(try process.waitForExit(), .signal(SIGINT), "stderr:\n\(process.stderr.text)")
    }
}
