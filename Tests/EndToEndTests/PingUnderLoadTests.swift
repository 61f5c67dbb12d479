import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `ping` is answered while long `classify` calls compute: their file reads, detection and
/// inference run on the work pool, not on the threads that read frames and answer `ping`.
/// (How fast it answers is measured by scripts/bench_ping.py, not asserted here.)
final class PingUnderLoadTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func testPingIsAnsweredWhileClassifyCallsAreInFlight() throws {
        let process = try EcgdProcess([
            "--tcp", "127.0.0.1:0", "--data-root", Self.repository.appendingPathComponent("Tests/Data").path,
            "--models", Self.repository.appendingPathComponent("Tests/Data/models").path, "--log-level", "warning",
        ])
        let client = try FrameClient.connect(port: try process.listeningPort())
        try client.initialize()
        // Loaded first, so that every classify below starts computing at once.
        XCTAssertNotNil(try client.call("load", "loadModel", ["name": "demo-aami5"])["result"])

        let records = ["mitdb/208", "mitdb/119", "mitdb/101", "mitdb/208"]
        for (i, record) in records.enumerated() {
            try client.sendRequest(
                .number(Double(i)), "classify",
                ["model": "demo-aami5", "signal": ["path": .string(record)], "workDoneToken": .string("job-\(i)")])
        }
        // Each call reports `begin` once its beats are detected and cut: all of them are in flight.
        var begun: Set<String> = []
        var early: [JSONValue] = []
        while begun.count < records.count {
            let message = try client.next()
            if message["method"] == "$/progress", message["params"]?["value"]?["kind"] == "begin",
                let token = message["params"]?["token"]?.stringValue
            {
                begun.insert(token)
            } else if message["id"] != nil {
                early.append(message)
            }
        }
        try client.sendRequest("ping", "ping")
        var answeredBeforePing: [JSONValue] = []
        while true {
            let message = try client.next()
            if message["id"] == "ping" {
                XCTAssertEqual(message["result"]?["pong"], true)
                break
            }
            if message["id"] != nil { answeredBeforePing.append(message["id"]!) }
        }
        let finishedFirst = early.count + answeredBeforePing.count
        XCTAssertLessThan(
            finishedFirst, records.count,
            "every classify call finished before ping was answered: ping waited for the computation")

        // Every classify call still finishes with its beats.
        var results = 0
        while results < records.count - finishedFirst {
            let message = try client.next()
            guard message["id"] != nil else { continue }
            XCTAssertGreaterThan(message["result"]?["beats"]?.arrayValue?.count ?? 0, 1000, "\(message["error"] ?? "")")
            results += 1
        }
        client.close()
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0), process.stderr.text)
    }
}
