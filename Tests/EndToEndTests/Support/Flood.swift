import Foundation
import JSONRPC

/// What the tests of limits and shutdown send: many requests at once, read back later or never.
extension FrameClient {
    /// The test data directory, as `--data-root`.
    static let testData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Data")

    /// Sends `count` detectPeaks requests on `record` (a 30-minute record answers about 100 KB),
    /// with ids `prefix0`, `prefix1`, ..., in one write, and reads nothing back.
    func flood(_ count: Int, record: String = "mitdb/208", prefix: String = "") throws {
        var bytes: [UInt8] = []
        for n in 0..<count {
            bytes += FrameClient.frame(
                JSONSerializer.serialize([
                    "jsonrpc": "2.0", "id": .string("\(prefix)\(n)"), "method": "detectPeaks",
                    "params": ["signal": ["path": .string(record)]],
                ]))
        }
        try write(bytes)
    }

    /// Sends `ping` and reads until its answer, returning the messages read before it: the
    /// server has then read everything sent before the ping.
    @discardableResult
    func sync() throws -> [JSONValue] {
        try sendRequest("sync", "ping")
        var before: [JSONValue] = []
        while true {
            let message = try next()
            if message["id"] == "sync" { return before }
            before.append(message)
        }
    }
}
