import JSONRPC
import XCTest

/// Request timeouts: the server's limit and a request's own `params.timeoutSeconds`.
final class ConnectionTimeoutTests: XCTestCase {
    private func harness(requestTimeout: Duration? = nil) async -> (ConnectionHarness, Probe) {
        let probe = Probe()
        let h = ConnectionHarness(
            registry: makeTestRegistry(probe), limits: TransportLimits(requestTimeout: requestTimeout))
        await h.initialize()
        return (h, probe)
    }

    func testARequestPastItsOwnTimeoutIsCancelledAndAnswersTimedOut() async {
        let (h, probe) = await harness()
        let response = await h.call(1, "sleepUntilCancelled", ["timeoutSeconds": 0.05])
        XCTAssertEqual(response?.errorCode, ResponseError.Code.requestTimedOut)
        XCTAssertEqual(response?.errorMessage, "request timed out after 0.05 s: its work was cancelled")
        XCTAssertEqual(response?["error"]?["data"], ["timeoutSeconds": 0.05])
        let started = await probe.started.take()
        XCTAssertEqual(started, "sleep")
        h.endInput()
        _ = await h.end()
    }

    func testTheServerLimitCancelsTheWorkAndCapsWhatARequestAsks() async {
        let (h, _) = await harness(requestTimeout: .milliseconds(50))
        // The handler only stops when cancelled, then throws its own error: the answer is the timeout.
        let aborted = await h.call(1, "abortWhenCancelled", ["timeoutSeconds": 3600])
        XCTAssertEqual(aborted?.errorCode, ResponseError.Code.requestTimedOut)
        XCTAssertEqual(aborted?["error"]?["data"], ["timeoutSeconds": 0.05], "the shorter of the two limits")
        let quick = await h.call(2, "typed", ["fs": 2, "timeoutSeconds": 10])
        XCTAssertEqual(quick?["result"]?["double"], 4, "timeoutSeconds is accepted by typed params")
        let limits = await h.call("ping", "ping")
        XCTAssertEqual(limits?["result"]?["pong"], true)
        h.endInput()
        _ = await h.end()
    }

    func testAnInvalidTimeoutIsRefused() async {
        let (h, _) = await harness()
        for bad: JSONValue in ["soon", 0, -1] {
            let response = await h.call(1, "echo", ["timeoutSeconds": bad])
            XCTAssertEqual(response?.errorCode, -32602)
            XCTAssertEqual(response?.errorMessage, "params.timeoutSeconds: expected a positive number of seconds")
        }
        h.endInput()
        _ = await h.end()
    }

    func testTheServerTimeoutIsReportedByInitialize() async {
        let h = ConnectionHarness(
            registry: makeTestRegistry(Probe()), limits: TransportLimits(requestTimeout: .milliseconds(2500)))
        let result = await h.initialize()
        XCTAssertEqual(result?["capabilities"]?["limits"]?["requestTimeoutSeconds"], 2.5)
        h.endInput()
        _ = await h.end()
    }
}
