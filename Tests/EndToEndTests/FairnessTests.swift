import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The work pool is shared fairly: one client's flood of requests does not starve another's one.
final class FairnessTests: XCTestCase {
    func testASingleRequestIsAnsweredWhileAnotherClientsFloodIsQueued() throws {
        let count = 150
        let process = try EcgdProcess([
            "--tcp", "127.0.0.1:0", "--data-root", FrameClient.testData.path, "--log-level", "warning",
            "--max-concurrent-work", "1", "--max-concurrent-requests", "\(count)",
        ])
        let port = try process.listeningPort()
        let flooder = try FrameClient.connect(port: port)
        try flooder.initialize()
        let single = try FrameClient.connect(port: port)
        try single.initialize()

        try flooder.flood(count, prefix: "f")
        // Every request of the flood is read (and queued for the one work slot) before the other
        // client asks.
        var answered = try flooder.sync()
        let answer = try single.call("one", "detectPeaks", ["signal": ["path": "mitdb/208"]])
        XCTAssertGreaterThan(answer["result"]?["peaks"]?.arrayValue?.count ?? 0, 1000, "\(answer)")

        // Now cancel the whole flood: what was still queued answers -32800. First come, first
        // served, the flood would have been computed entirely before the single request.
        var cancels: [UInt8] = []
        for n in 0..<count {
            cancels += FrameClient.frame(
                JSONSerializer.serialize([
                    "jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": .string("f\(n)")],
                ]))
        }
        try flooder.write(cancels)
        while answered.count < count { answered.append(try flooder.next()) }
        let cancelled = answered.filter { $0["error"]?["code"] == -32800 }.count
        let completed = answered.filter { $0["result"] != nil }.count
        XCTAssertEqual(
            cancelled + completed, count, "\(answered.filter { $0["result"] == nil && $0["error"]?["code"] != -32800 })"
        )
        XCTAssertGreaterThan(
            cancelled, count / 2, "the single request waited for \(completed) of the flood's \(count) requests")

        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0), "stderr:\n\(process.stderr.text)")
    }
}
