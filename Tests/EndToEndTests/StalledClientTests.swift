import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A client that stops reading its responses is disconnected once they pass
/// `--max-queued-response-bytes`; the others are served throughout.
final class StalledClientTests: XCTestCase {
    func testAClientThatStopsReadingIsDisconnectedAndOthersAreServed() throws {
        let limit = 1_000_000
        let process = try EcgdProcess([
            "--tcp", "127.0.0.1:0", "--data-root", FrameClient.testData.path, "--log-level", "warning",
            "--max-queued-response-bytes", "\(limit)", "--max-concurrent-requests", "100",
        ])
        let port = try process.listeningPort()
        let stalled = try FrameClient.connect(port: port, receiveBufferBytes: 4096)
        try stalled.initialize()
        let bystander = try FrameClient.connect(port: port)
        try bystander.initialize()

        // About 6 MB of answers that are never read.
        try stalled.flood(60)
        let warning = "closing the connection: the client is not reading its responses"
        XCTAssertNotNil(process.stderr.wait { $0.contains(warning) }, "stderr:\n\(process.stderr.text)")
        let received = try stalled.discardToEnd()
        XCTAssertLessThan(received, 60 * 90_000, "the server closed the connection before answering everything")

        let answer = try bystander.call("b", "detectPeaks", ["signal": ["path": "mitdb/208"]])
        XCTAssertGreaterThan(answer["result"]?["peaks"]?.arrayValue?.count ?? 0, 1000, "\(answer)")
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0), "stderr:\n\(process.stderr.text)")
    }
}
