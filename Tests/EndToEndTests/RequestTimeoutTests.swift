import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Request timeouts through the binary: `--request-timeout` and `params.timeoutSeconds`.
final class RequestTimeoutTests: XCTestCase {
    private static let models = FrameClient.testData.appendingPathComponent("models").path

    /// A classify of a 30-minute record: seconds of work, far more than the timeouts below.
    private let classify: JSONValue = ["model": "demo-aami5", "signal": ["path": "mitdb/208"]]

    /// ecgd and an initialized client; `preload` loads the model first (a call that may itself
    /// take longer than a short server timeout).
    private func serve(_ extra: [String], preload: Bool) throws -> (EcgdProcess, FrameClient) {
        let process = try EcgdProcess(
            [
                "--tcp", "127.0.0.1:0", "--data-root", FrameClient.testData.path, "--models", Self.models,
                "--log-level", "warning",
            ] + extra)
        let client = try FrameClient.connect(port: try process.listeningPort())
        try client.initialize()
        if preload { XCTAssertNotNil(try client.call("load", "loadModel", ["name": "demo-aami5"])["result"]) }
        return (process, client)
    }

    private func stop(_ process: EcgdProcess) throws {
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0), "stderr:\n\(process.stderr.text)")
    }

    func testARequestsOwnTimeout() throws {
        let (process, client) = try serve([], preload: true)
        var params = classify.objectValue!
        params["timeoutSeconds"] = 0.05
        let answer = try client.call(1, "classify", .object(params))
        XCTAssertEqual(answer["error"]?["code"], -32004, "\(answer)")
        XCTAssertEqual(answer["error"]?["data"]?["timeoutSeconds"], 0.05)
        // The connection serves on; without a timeout the same call finishes.
        let full = try client.call(2, "classify", classify)
        XCTAssertGreaterThan(full["result"]?["beats"]?.arrayValue?.count ?? 0, 1000, "\(full)")
        try stop(process)
    }

    func testTheServerTimeout() throws {
        let (process, client) = try serve(["--request-timeout", "0.05"], preload: false)
        let answer = try client.call(1, "classify", classify)
        XCTAssertEqual(answer["error"]?["code"], -32004, "\(answer)")
        XCTAssertEqual(
            answer["error"]?["message"], "request timed out after 0.05 s: its work was cancelled")
        XCTAssertEqual(try client.call(2, "ping")["result"]?["pong"], true)
        try stop(process)
    }
}
