import JSONRPC
import XCTest

final class ConnectionDispatchTests: XCTestCase {
    private func initialized(limits: TransportLimits = TransportLimits()) async -> (ConnectionHarness, Probe) {
        let probe = Probe()
        let h = ConnectionHarness(registry: makeTestRegistry(probe), limits: limits)
        await h.initialize()
        return (h, probe)
    }

    // MARK: Errors

    func testUnknownMethod() async {
        let (h, _) = await initialized()
        let response = await h.call(5, "nope")
        XCTAssertEqual(response?.errorCode, -32601)
        XCTAssertEqual(response?.errorMessage, "method not found: nope")
    }

    func testInvalidJSONBodyIsAnsweredAndTheConnectionContinues() async {
        let (h, _) = await initialized()
        h.sendBytes(Array("{oops".utf8))
        let error = await h.next()?.json
        XCTAssertEqual(error?["id"], JSONValue.null)
        XCTAssertEqual(error?.errorCode, -32700)
        XCTAssertEqual(error?.errorMessage, "invalid JSON: unexpected character 'o' at byte 1")
        h.sendBytes([0x22, 0xC3, 0x22])
        expectEqual(await h.next()?.json.errorCode, -32700)
        expectEqual(await h.call(1, "ping")?["result"]?["pong"], true)
    }

    func testInvalidMessageIsAnsweredWithItsID() async {
        let (h, _) = await initialized()
        h.send(["id": 4, "method": "echo"])
        let error = await h.response(4)
        XCTAssertEqual(error?.errorCode, -32600)
        XCTAssertEqual(error?.errorMessage, #""jsonrpc" must be "2.0", found nothing"#)
        h.send(["jsonrpc": "2.0", "id": "p", "method": "echo", "params": "text"])
        expectEqual(await h.response("p")?.errorCode, -32600)
        h.send(["jsonrpc": "2.0", "id": ["no"], "method": "echo"])
        expectEqual(await h.response(nil)?.errorCode, -32600)
    }

    func testResponsesFromTheClientAreIgnored() async {
        let (h, _) = await initialized()
        h.send(["jsonrpc": "2.0", "id": 77, "result": "whatever"])
        h.send(["jsonrpc": "2.0", "id": 78, "error": ["code": 1, "message": "m"]])
        expectEqual(await h.call(1, "ping")?["result"]?["pong"], true, "nothing was written for the responses")
    }

    func testHandlerErrorsMapToResponseErrors() async {
        let (h, _) = await initialized()
        let convertible = await h.call(1, "fail", ["kind": "convertible"])
        XCTAssertEqual(
            convertible?["error"], ["code": -32050, "message": "model not found: beats", "data": ["model": "beats"]])
        let thrown = await h.call(2, "fail", ["kind": "responseError"])
        XCTAssertEqual(thrown?["error"], ["code": -32602, "message": "bad shape"])
        let decoding = await h.call(3, "fail", ["kind": "decoding"])
        XCTAssertEqual(decoding?["error"], ["code": -32602, "message": "params: expected integer, found string"])
        let other = await h.call(4, "fail", ["kind": "other"])
        XCTAssertEqual(other?["error"], ["code": -32603, "message": "internal error: disk on fire"])
        let cancelled = await h.call(5, "fail", ["kind": "cancellation"])
        XCTAssertEqual(cancelled?["error"], ["code": -32800, "message": "request cancelled"])
    }

    func testTypedHandlers() async {
        let (h, _) = await initialized()
        let ok = await h.call(1, "typed", ["fs": 360, "name": "a"])
        XCTAssertEqual(ok?["result"], ["double": 720, "name": "a", "method": "typed", "id": 1])
        let wrongType = await h.call(2, "typed", ["fs": "360"])
        XCTAssertEqual(wrongType?["error"], ["code": -32602, "message": "params.fs: expected number, found string"])
        let missing = await h.call(3, "typed")
        XCTAssertEqual(missing?["error"], ["code": -32602, "message": "params.fs: missing required member"])
        let array = await h.call(4, "typed", [360])
        XCTAssertEqual(array?.errorMessage, "params: expected object, found array")
        expectEqual(await h.call(5, "optionalOnly")?["result"], -1, "absent params decode from {}")
        expectEqual(await h.call(6, "optionalOnly", ["limit": 3])?["result"], 3)
        expectEqual(await h.call(7, "optionalOnly", ["limit": 2.5])?.errorCode, -32602)
    }

    func testHandlersCanNotifyTheClient() async {
        let (h, _) = await initialized()
        h.send(request("n", "notifyThenReturn"))
        expectEqual(await h.next()?.json, ["jsonrpc": "2.0", "method": "custom/event", "params": ["n": 1]])
        expectEqual(await h.response("n")?["result"], "returned")
    }

    // MARK: Batches

    func testMixedBatch() async {
        let (h, probe) = await initialized()
        h.send([
            request(1, "ping"),
            notification("note", ["n": 1]),
            ["jsonrpc": "2.0", "id": 2, "method": 5],
            request(3, "echo", ["x": 1]),
            7,
            request(4, "nope"),
            request("five", "fail", ["kind": "other"]),
        ])
        guard let responses = await h.next()?.json.arrayValue else {
            return XCTFail("the batch response is not an array")
        }
        XCTAssertEqual(responses.count, 6, "one response per request and per invalid element: \(responses)")
        func find(_ id: JSONValue) -> JSONValue? { responses.first { $0["id"] == id } }
        XCTAssertEqual(find(1)?["result"]?["pong"], true)
        XCTAssertEqual(find(2)?.errorMessage, #""method" must be a string, found number"#)
        XCTAssertEqual(find(3)?["result"], ["x": 1])
        XCTAssertEqual(find(nil)?.errorMessage, "a message must be a JSON object, found number")
        XCTAssertEqual(find(4)?.errorCode, -32601)
        XCTAssertEqual(find("five")?.errorCode, -32603)
        XCTAssertTrue(responses.allSatisfy { $0["jsonrpc"] == "2.0" })
        XCTAssertEqual(probe.notes.drain(), [["n": 1]], "the notification in the batch was handled")
    }

    func testBatchOfNotificationsGetsNoResponse() async {
        let (h, probe) = await initialized()
        h.send([notification("note", ["n": 1]), notification("initialized"), notification("unknown")])
        // Had the batch produced anything, it would come before this response.
        expectEqual(await h.call(9, "ping")?["result"]?["pong"], true)
        XCTAssertEqual(probe.notes.drain(), [["n": 1]])
    }

    func testEmptyBatchIsInvalid() async {
        let (h, _) = await initialized()
        h.send([])
        expectEqual(
            await h.next()?.json,
            [
                "jsonrpc": "2.0", "id": nil,
                "error": ["code": -32600, "message": "an empty batch is not a valid request"],
            ])
    }

    func testBatchBeforeInitialize() async {
        let probe = Probe()
        let h = ConnectionHarness(registry: makeTestRegistry(probe))
        h.send([request(1, "ping"), request(2, "echo")])
        guard let responses = await h.next()?.json.arrayValue else { return XCTFail("no batch response") }
        XCTAssertEqual(responses.count, 2)
        XCTAssertEqual(responses.first { $0["id"] == 1 }?["result"]?["pong"], true)
        XCTAssertEqual(responses.first { $0["id"] == 2 }?.errorCode, -32002)
    }

    func testBatchIsAnsweredOnceEveryElementIsDone() async {
        let (h, probe) = await initialized()
        h.send([request(1, "gated", ["gate": "batch"]), request(2, "ping")])
        expectEqual(await probe.started.take(), "batch")
        // A request outside the batch is answered while the batch waits for its slow element.
        expectEqual(await h.call(3, "echo", ["outside": true])?["result"], ["outside": true])
        probe.gates["batch"].open()
        guard let responses = await h.next()?.json.arrayValue else { return XCTFail("no batch response") }
        XCTAssertEqual(Set(responses.compactMap { $0["id"]?.intValue }), [1, 2])
    }

    // MARK: Concurrency

    func testRequestsRunConcurrentlyAndAreAnsweredOutOfOrder() async {
        let (h, probe) = await initialized()
        h.send(request(1, "gated", ["gate": "slow"]))
        expectEqual(await probe.started.take(), "slow")
        h.send(request(2, "echo", ["fast": true]))
        expectEqual(await h.response(2)?["result"], ["fast": true])
        probe.gates["slow"].open()
        expectEqual(await h.response(1)?["result"], ["gate": "slow"])
    }

    func testManyConcurrentRequestsAllAnswered() async {
        let (h, probe) = await initialized()
        for i in 0..<20 { h.send(request(.number(Double(i)), "gated", ["gate": "many"])) }
        for _ in 0..<20 { _ = await probe.started.take() }
        probe.gates["many"].open()
        var ids: Set<Int> = []
        for _ in 0..<20 {
            guard let response = await h.next()?.json else { return }
            XCTAssertEqual(response["result"], ["gate": "many"])
            if let id = response["id"]?.intValue { ids.insert(id) }
        }
        XCTAssertEqual(ids, Set(0..<20))
    }

    func testConcurrencyLimit() async {
        let (h, probe) = await initialized(limits: TransportLimits(maxConcurrentRequests: 2))
        h.send(request(1, "gated", ["gate": "a"]))
        h.send(request(2, "gated", ["gate": "b"]))
        let started: Set = [await probe.started.take(), await probe.started.take()]
        XCTAssertEqual(started, ["a", "b"])
        let refused = await h.call(3, "echo")
        XCTAssertEqual(
            refused?["error"], ["code": -32003, "message": "too many concurrent requests on this connection (limit 2)"])
        expectEqual(await h.call(4, "ping")?["result"]?["pong"], true, "built-in requests are not limited")
        probe.gates["a"].open()
        expectEqual(await h.response(1)?["result"], ["gate": "a"])
        // As soon as a response is out, its slot is free again.
        expectEqual(await h.call(5, "echo", [5])?["result"], [5])
        probe.gates["b"].open()
        expectEqual(await h.response(2)?["result"], ["gate": "b"])
    }

    func testDuplicateInFlightIDIsRefused() async {
        let (h, probe) = await initialized()
        h.send(request(7, "gated", ["gate": "d"]))
        expectEqual(await probe.started.take(), "d")
        let duplicate = await h.call(7, "echo")
        XCTAssertEqual(duplicate?["error"], ["code": -32600, "message": "request id 7 is already in flight"])
        // The string "7" is a different id.
        expectEqual(await h.call("7", "echo", ["s": true])?["result"], ["s": true])
        probe.gates["d"].open()
        expectEqual(await h.response(7)?["result"], ["gate": "d"])
    }

    /// A client may reuse an id as soon as it has the response.
    func testIDCanBeReusedAsSoonAsItsResponseArrives() async {
        let (h, _) = await initialized(limits: TransportLimits(maxConcurrentRequests: 1))
        for i in 0..<500 {
            let response = await h.call(1, "echo", [.number(Double(i))])
            guard response?["result"] == [.number(Double(i))] else {
                return XCTFail("round \(i): \(String(describing: response))")
            }
        }
    }

    // MARK: Cancellation

    func testCancelRequest() async {
        let (h, probe) = await initialized()
        h.send(request(10, "sleepUntilCancelled"))
        expectEqual(await probe.started.take(), "sleep")
        h.send(notification("$/cancelRequest", ["id": 10]))
        expectEqual(
            await h.next()?.json,
            ["jsonrpc": "2.0", "id": 10, "error": ["code": -32800, "message": "request cancelled"]])
    }

    func testCancelRequestWithAStringID() async {
        let (h, probe) = await initialized()
        h.send(request("long", "sleepUntilCancelled"))
        expectEqual(await probe.started.take(), "sleep")
        h.send(notification("$/cancelRequest", ["id": "long"]))
        expectEqual(await h.response("long")?.errorCode, -32800)
    }

    func testCancelledHandlerThrowingAnyErrorAnswersCancelled() async {
        let (h, probe) = await initialized()
        h.send(request(11, "abortWhenCancelled"))
        expectEqual(await probe.started.take(), "abort")
        h.send(notification("$/cancelRequest", ["id": 11]))
        expectEqual(await h.response(11)?["error"], ["code": -32800, "message": "request cancelled"])
    }

    func testHandlerThatIgnoresCancellationStillAnswers() async {
        let (h, probe) = await initialized()
        h.send(request(12, "gated", ["gate": "ignore"]))
        expectEqual(await probe.started.take(), "ignore")
        h.send(notification("$/cancelRequest", ["id": 12]))
        probe.gates["ignore"].open()
        expectEqual(await h.response(12)?["result"], ["gate": "ignore"])
    }

    func testCancellingUnknownOrFinishedRequestsDoesNothing() async {
        let (h, _) = await initialized()
        expectEqual(await h.call(1, "echo", ["done": true])?["result"], ["done": true])
        h.send(notification("$/cancelRequest", ["id": 1]))
        h.send(notification("$/cancelRequest", ["id": 999]))
        h.send(notification("$/cancelRequest", ["id": [1]]))
        h.send(notification("$/cancelRequest"))
        expectEqual(await h.call(2, "ping")?["result"]?["pong"], true, "no response to any cancellation")
        // A new request with the id of a cancelled-but-finished one is not cancelled.
        expectEqual(await h.call(1, "echo", ["again": true])?["result"], ["again": true])
    }

    // MARK: Progress

    func testProgressNotificationsPrecedeTheResponse() async {
        let (h, _) = await initialized()
        for token: JSONValue in ["tok-1", 42] {
            h.send(request(30, "progress", ["workDoneToken": token]))
            let expected: [JSONValue] = [
                ["kind": "begin", "title": "Working", "message": "starting", "percentage": 0, "cancellable": true],
                ["kind": "report", "percentage": 50, "message": "half"],
                ["kind": "report", "percentage": 100],
                ["kind": "end", "message": "done"],
            ]
            for value in expected {
                expectEqual(
                    await h.next()?.json,
                    ["jsonrpc": "2.0", "method": "$/progress", "params": ["token": token, "value": value]])
            }
            expectEqual(await h.response(30)?["result"], ["hadProgress": true])
        }
    }

    func testNoProgressWithoutAValidToken() async {
        let (h, _) = await initialized()
        for params: JSONValue in [[:], ["workDoneToken": 1.5], ["workDoneToken": ["a": 1]], ["workDoneToken": nil]] {
            expectEqual(await h.call(31, "progress", params)?["result"], ["hadProgress": false], "\(params)")
        }
    }

    // MARK: Gzip

    func testGzipRequestBodies() async {
        let (h, _) = await initialized()
        h.sendGzip(request(1, "echo", ["zipped": true]))
        let response = await h.next()
        XCTAssertEqual(response?.json["result"], ["zipped": true])
        h.sendBytes(Array("not gzip".utf8), encoding: .gzip)
        let error = await h.next()?.json
        XCTAssertEqual(error?["id"], JSONValue.null)
        XCTAssertEqual(error?.errorCode, -32700)
    }

    func testGzipResponsesOnlyWhenAcceptedAndLargeEnough() async {
        let limits = TransportLimits(gzipResponseThreshold: 200)
        for (accept, compressed) in [(["gzip"], true), (["GZIP", "identity"], true), (["br"], false), ([], false)]
            as [([JSONValue], Bool)]
        {
            let h = ConnectionHarness(registry: makeTestRegistry(Probe()), limits: limits)
            await h.initialize(acceptEncoding: accept)
            h.send(request(1, "big", ["size": 1000]))
            let big = await h.next()
            XCTAssertEqual(big?.encoding, compressed ? .gzip : .identity, "accept \(accept)")
            XCTAssertEqual(big?.json["result"]?.stringValue, String(repeating: "x", count: 1000))
            h.send(request(2, "ping"))
            expectEqual(await h.next()?.encoding, .identity, "small responses stay plain")
        }
    }

    func testNoGzipBeforeInitialize() async {
        let h = ConnectionHarness(
            registry: makeTestRegistry(Probe()), limits: TransportLimits(gzipResponseThreshold: 1))
        h.send(request(1, "ping"))
        expectEqual(await h.next()?.encoding, .identity)
        await h.initialize(acceptEncoding: ["gzip"])
        h.send(request(2, "ping"))
        expectEqual(await h.next()?.encoding, .gzip)
    }
}
