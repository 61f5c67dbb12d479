import JSONRPC
import XCTest

final class ConnectionLifecycleTests: XCTestCase {
    private func harness(limits: TransportLimits = TransportLimits()) -> (ConnectionHarness, Probe) {
        let probe = Probe()
        return (ConnectionHarness(registry: makeTestRegistry(probe), limits: limits), probe)
    }

    func testRequestsBeforeInitializeAreRefusedButPingIsAllowed() async {
        let (h, _) = harness()
        let echo = await h.call(1, "echo", ["a": 1])
        XCTAssertEqual(echo?.errorCode, -32002)
        XCTAssertEqual(echo?.errorMessage, "the server is not initialized: send initialize first")
        expectEqual(await h.call("s", "shutdown")?.errorCode, -32002)
        expectEqual(await h.call(2, "nope")?.errorCode, -32002, "even unknown methods wait for initialize")

        let ping = await h.call(3, "ping")
        XCTAssertEqual(ping?["result"]?["pong"], true)
        XCTAssertGreaterThanOrEqual(ping?["result"]?["uptimeSeconds"]?.numberValue ?? -1, 0)

        await h.initialize()
        expectEqual(await h.call(4, "echo", ["a": 1])?["result"], ["a": 1])
        h.endInput()
        let reason = await h.end()
        XCTAssertEqual(reason, .endOfInput)
    }

    func testInitializeResult() async {
        let limits = TransportLimits(
            maxHeaderBytes: 111, maxFrameBytes: 2222, maxDecompressedBytes: 33333, maxConcurrentRequests: 4,
            gzipResponseThreshold: 555, maxQueuedResponseBytes: 6666)
        let (h, _) = harness(limits: limits)
        let result = await h.initialize()
        XCTAssertEqual(result?["serverInfo"], ["name": "test-server", "version": "9.8.7"])
        XCTAssertEqual(result?["protocolVersion"], "4.5")
        let capabilities = result?["capabilities"]
        XCTAssertEqual(capabilities?["custom"], ["x": true], "application capabilities are merged in")
        XCTAssertEqual(capabilities?["encodings"], ["gzip", "identity"])
        XCTAssertEqual(
            capabilities?["limits"],
            [
                "maxHeaderBytes": 111, "maxFrameBytes": 2222, "maxDecompressedBytes": 33333, "maxConcurrentRequests": 4,
                "gzipResponseThreshold": 555, "maxQueuedResponseBytes": 6666,
            ])
        let methods = capabilities?["methods"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertEqual(methods, methods.sorted())
        XCTAssertEqual(
            Set(methods),
            [
                "initialize", "shutdown", "ping", "echo", "gated", "sleepUntilCancelled", "abortWhenCancelled",
                "progress", "fail",
                "typed", "optionalOnly", "notifyThenReturn", "big",
            ])
        XCTAssertEqual(methods, makeTestRegistry(Probe()).requestMethods)
    }

    func testPingReportsTheServersUptimeNotTheConnections() async {
        let h = ConnectionHarness(
            registry: makeTestRegistry(Probe()), serverStart: ContinuousClock.now - .seconds(3600))
        let uptime = await h.call(1, "ping")?["result"]?["uptimeSeconds"]?.numberValue ?? 0
        XCTAssertGreaterThanOrEqual(uptime, 3600, "a new connection of a server up for an hour")
        h.endInput()
        _ = await h.end()
    }

    func testSecondInitializeIsRefused() async {
        let (h, _) = harness()
        await h.initialize()
        let again = await h.call(2, "initialize", [:])
        XCTAssertEqual(again?.errorCode, -32600)
        XCTAssertEqual(again?.errorMessage, "initialize may only be sent once per connection")
    }

    func testShutdownThenRequestsAreRefusedAndExitEnds() async {
        let (h, _) = harness()
        await h.initialize()
        h.send(notification("initialized", [:]))
        let shutdown = await h.call(1, "shutdown")
        XCTAssertEqual(shutdown?["result"], JSONValue.null)
        XCTAssertNil(shutdown?["error"])

        let echo = await h.call(2, "echo")
        XCTAssertEqual(echo?.errorCode, -32600)
        XCTAssertEqual(
            echo?.errorMessage, "the server is shutting down: only ping and the exit notification are accepted")
        expectEqual(await h.call(3, "shutdown")?.errorCode, -32600)
        expectEqual(await h.call(4, "initialize", [:])?.errorCode, -32600)
        expectEqual(await h.call(5, "ping")?["result"]?["pong"], true, "ping works in every state")

        h.send(notification("exit"))
        let reason = await h.end()
        XCTAssertEqual(reason, .exit(afterShutdown: true))
    }

    func testPingAndShutdownTakeNoParams() async {
        let (h, _) = harness()
        await h.initialize()
        expectEqual(await h.call(1, "ping", ["workDoneToken": "t"])?["result"]?["pong"], true)
        let ping = await h.call(2, "ping", ["bogus": 1])
        XCTAssertEqual(ping?.errorCode, -32602)
        XCTAssertEqual(
            ping?.errorMessage, "params.bogus: unknown member (expected one of timeoutSeconds, workDoneToken)")
        expectEqual(await h.call(3, "shutdown", ["bogus": 1])?.errorCode, -32602)
        expectEqual(await h.call(4, "echo", ["x": 1])?["result"], ["x": 1], "the refused shutdown did not shut down")
    }

    func testExitWithoutShutdown() async {
        let (h, _) = harness()
        await h.initialize()
        h.send(notification("exit"))
        let reason = await h.end()
        XCTAssertEqual(reason, .exit(afterShutdown: false))
    }

    func testExitBeforeInitialize() async {
        let (h, _) = harness()
        h.send(notification("exit"))
        let reason = await h.end()
        XCTAssertEqual(reason, .exit(afterShutdown: false))
    }

    func testNothingIsReadAfterExit() async {
        let (h, _) = harness()
        await h.initialize()
        h.send(notification("exit"))
        h.send(request(9, "ping"))
        let reason = await h.end()
        XCTAssertEqual(reason, .exit(afterShutdown: false))
        XCTAssertTrue(h.output.drain().isEmpty, "a request after exit was answered")
    }

    func testEndOfInput() async {
        let (h, _) = harness()
        await h.initialize()
        h.endInput()
        let reason = await h.end()
        XCTAssertEqual(reason, .endOfInput)
    }

    func testExitWaitsForRequestsInFlight() async {
        let (h, probe) = harness()
        await h.initialize()
        h.send(request(1, "gated", ["gate": "g"]))
        expectEqual(await probe.started.take(), "g")
        h.send(notification("exit"))
        probe.gates["g"].open()
        let reason = await h.end()
        XCTAssertEqual(reason, .exit(afterShutdown: false))
        XCTAssertEqual(h.output.drain().map(\.json), [["jsonrpc": "2.0", "id": 1, "result": ["gate": "g"]]])
    }

    func testStoppingTheServerLetsRequestsInFlightFinish() async {
        let (h, probe) = harness()
        await h.initialize()
        h.send(request(1, "gated", ["gate": "g"]))
        expectEqual(await probe.started.take(), "g")
        h.run.cancel()
        probe.gates["g"].open()
        let reason = await h.end()
        XCTAssertEqual(reason, .serverStopping)
        XCTAssertEqual(h.output.drain().map(\.json), [["jsonrpc": "2.0", "id": 1, "result": ["gate": "g"]]])
    }

    func testAFailedWriteEndsTheConnectionAndCancelsTheRequestsInFlight() async {
        let (h, probe) = harness()
        await h.initialize()
        h.send(request(1, "sleepUntilCancelled"))
        expectEqual(await probe.started.take(), "sleep")
        h.breakOutput()
        h.send(request(2, "ping"))  // its answer cannot be written
        // The input never ends: the connection must stop on its own, without the hour-long request.
        let reason = await h.end()
        XCTAssertEqual(reason, .outputClosed)
        XCTAssertTrue(h.output.drain().isEmpty)
    }

    func testFatalFramingErrorIsReportedThenEndsTheConnection() async {
        let (h, _) = harness()
        await h.initialize()
        h.sendWire(wireFrame("{}", headers: ["Content-Type: application/json"]))
        let error = await h.next()?.json
        XCTAssertEqual(
            error,
            ["jsonrpc": "2.0", "id": nil, "error": ["code": -32600, "message": "the header has no Content-Length"]])
        let reason = await h.end()
        XCTAssertEqual(reason, .protocolError)
    }

    func testRecoverableFramingErrorKeepsTheConnection() async {
        let (h, _) = harness()
        await h.initialize()
        h.sendWire(wireFrame(String(repeating: " ", count: 2000)), limits: TransportLimits(maxFrameBytes: 1000))
        let error = await h.next()?.json
        XCTAssertEqual(error?["id"], JSONValue.null)
        XCTAssertEqual(error?.errorCode, -32001)
        XCTAssertEqual(error?.errorMessage, "Content-Length 2000 exceeds the limit of 1000 bytes")
        expectEqual(await h.call(1, "ping")?["result"]?["pong"], true)
    }

    func testNotificationHandlersRunOnlyWhileRunning() async {
        let (h, probe) = harness()
        h.send(notification("note", ["n": 1]))  // before initialize: ignored
        await h.initialize()
        h.send(notification("note", ["n": 2]))
        h.send(notification("note", ["n": 3]))
        h.send(notification("unknown/notification", ["n": 4]))
        expectEqual(await h.call(1, "shutdown")?["result"], JSONValue.null)
        h.send(notification("note", ["n": 5]))  // after shutdown: ignored
        expectEqual(await h.call(2, "ping")?["result"]?["pong"], true, "notifications get no response")
        XCTAssertEqual(probe.notes.drain(), [["n": 2], ["n": 3]])
    }
}
