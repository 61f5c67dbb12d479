import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Stopping the server: SIGTERM ends it within `--shutdown-timeout` even when a client never
/// reads its responses; a second signal ends it at once.
final class ShutdownTests: XCTestCase {
    private static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/Data")

    private func serve(_ extra: [String]) throws -> (EcgdProcess, Int) {
        let process = try EcgdProcess(
            ["--tcp", "127.0.0.1:0", "--data-root", Self.data.path, "--log-level", "warning"] + extra)
        return (process, try process.listeningPort())
    }

    /// Sends `count` detectPeaks requests on a 30-minute record (about 100 KB of answer each) and
    /// reads nothing back.
    private func flood(_ client: FrameClient, count: Int) throws {
        var bytes: [UInt8] = []
        for id in 0..<count {
            bytes += FrameClient.frame(
                JSONSerializer.serialize([
                    "jsonrpc": "2.0", "id": .number(Double(id)), "method": "detectPeaks",
                    "params": ["signal": ["path": "mitdb/208"]],
                ]))
        }
        try client.write(bytes)
    }

    /// Sends `ping` and reads until its answer: the server has then read everything sent before.
    private func sync(_ client: FrameClient) throws {
        try client.sendRequest("sync", "ping")
        while try client.next()["id"] != "sync" {}
    }

    func testSIGTERMWithANonReadingClientExitsWithinTheDeadline() throws {
        let timeout = 2.0
        let (process, port) = try serve(["--shutdown-timeout", "\(timeout)", "--max-concurrent-requests", "200"])
        // A small receive buffer: the server's writes stall after a few responses.
        let stalled = try FrameClient.connect(port: port, receiveBufferBytes: 4096)
        try stalled.initialize()
        try flood(stalled, count: 200)
        try sync(stalled)
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
        try flood(stalled, count: 200)
        try sync(stalled)
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
