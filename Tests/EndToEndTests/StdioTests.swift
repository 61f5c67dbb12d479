import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `ecgd --stdio` as a subprocess, the way notebooks and editors spawn it.
final class StdioTests: XCTestCase {
    private func spawn(_ extra: [String] = []) throws -> (EcgdProcess, FrameClient) {
        let process = try EcgdProcess(["--stdio"] + extra)
        return (process, process.client())
    }

    func testInitializePingShutdownExit() throws {
        let (process, client) = try spawn()
        let result = try client.initialize()
        XCTAssertEqual(result["serverInfo"]?["name"], "ecgd")
        XCTAssertNotNil(result["serverInfo"]?["version"]?.stringValue)
        XCTAssertNotNil(result["protocolVersion"]?.stringValue)
        let methods = result["capabilities"]?["methods"]?.arrayValue ?? []
        for method in ["initialize", "ping", "shutdown"] { XCTAssertTrue(methods.contains(.string(method)), method) }
        XCTAssertEqual(result["capabilities"]?["encodings"], ["gzip", "identity"])
        XCTAssertEqual(
            result["capabilities"]?["limits"]?["maxFrameBytes"], .number(Double(TransportLimits().maxFrameBytes)))

        try client.sendNotification("initialized", [:])
        let ping = try client.call(1, "ping")
        XCTAssertEqual(ping["result"]?["pong"], true)
        XCTAssertNotNil(ping["result"]?["uptimeSeconds"]?.numberValue)

        XCTAssertEqual(try client.call(2, "shutdown")["result"], JSONValue.null)
        try client.sendNotification("exit")
        XCTAssertEqual(try client.readToEnd(), [], "nothing follows exit")
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    /// The server asks for 1 MiB pipes (Linux), so that a signal of a few megabytes crosses in a
    /// few trips; a client's pipes to it hold that much once it has answered.
    func testPipesToTheServerHoldAMebibyte() throws {
        #if os(Linux)
            let (process, client) = try spawn()
            try client.initialize()
            let getPipeSize: Int32 = 1032  // F_GETPIPE_SZ
            XCTAssertEqual(fcntl(process.stdinFD, getPipeSize), 1 << 20)
            XCTAssertEqual(fcntl(process.stdoutFD, getPipeSize), 1 << 20)
            process.closeStdin()
            XCTAssertEqual(try process.waitForExit(), .exit(0))
        #endif
    }

    func testExitWithoutShutdownExitsWithCode1() throws {
        let (process, client) = try spawn()
        try client.initialize()
        try client.sendNotification("exit")
        XCTAssertEqual(try client.readToEnd(), [])
        XCTAssertEqual(try process.waitForExit(), .exit(1))
    }

    func testEndOfInputExitsCleanly() throws {
        let (process, client) = try spawn()
        try client.initialize()
        try client.sendRequest(1, "ping")
        process.closeStdin()
        // The request sent just before the end of input is still answered.
        let messages = try client.readToEnd()
        XCTAssertEqual(messages.count, 1)
        XCTAssertEqual(messages.first?["result"]?["pong"], true)
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testEndOfInputBeforeAnythingExitsCleanly() throws {
        let (process, client) = try spawn()
        process.closeStdin()
        XCTAssertEqual(try client.readToEnd(), [])
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testBatch() throws {
        let (process, client) = try spawn()
        try client.initialize()
        try client.send([
            ["jsonrpc": "2.0", "id": 1, "method": "ping"],
            ["jsonrpc": "2.0", "method": "initialized", "params": [:]],
            ["jsonrpc": "2.0", "id": "two", "method": "ping"],
            ["jsonrpc": "2.0", "id": 3, "method": "no/such/method"],
            ["jsonrpc": "1.0", "id": 4, "method": "ping"],
        ])
        guard let responses = try client.next().arrayValue else { return XCTFail("the batch response is not an array") }
        XCTAssertEqual(responses.count, 4)
        func response(_ id: JSONValue) -> JSONValue? { responses.first { $0["id"] == id } }
        XCTAssertEqual(response(1)?["result"]?["pong"], true)
        XCTAssertEqual(response("two")?["result"]?["pong"], true)
        XCTAssertEqual(response(3)?["error"]?["code"], -32601)
        XCTAssertEqual(response(4)?["error"]?["code"], -32600)

        try client.send([["jsonrpc": "2.0", "method": "initialized"]])
        try client.send([])
        XCTAssertEqual(
            try client.next(),
            [
                "jsonrpc": "2.0", "id": nil,
                "error": ["code": -32600, "message": "an empty batch is not a valid request"],
            ],
            "a batch of notifications gets no response, so the next message answers the empty batch")
        process.closeStdin()
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testErrorsKeepTheConnectionUsable() throws {
        let (process, client) = try spawn()
        // Before initialize.
        let early = try client.call(1, "detectPeaks", [:])
        XCTAssertEqual(early["error"]?["code"], -32002)
        try client.initialize()

        try client.write(FrameClient.frame(Array(#"{"jsonrpc":"2.0","id":2,"method":"ping""#.utf8)))
        let parse = try client.next()
        XCTAssertEqual(parse["id"], JSONValue.null)
        XCTAssertEqual(parse["error"]?["code"], -32700)
        XCTAssertEqual(parse["error"]?["message"], "invalid JSON: unexpected end of input at byte 39")

        try client.write(FrameClient.frame([0x22, 0xFF, 0x22]))
        XCTAssertEqual(try client.next()["error"]?["code"], -32700)

        let unknown = try client.call(3, "no/such/method")
        XCTAssertEqual(unknown["error"], ["code": -32601, "message": "method not found: no/such/method"])

        try client.send(["jsonrpc": "2.0", "id": 4])
        XCTAssertEqual(
            try client.next(),
            ["jsonrpc": "2.0", "id": 4, "error": ["code": -32600, "message": #"the message has no "method""#]])

        try client.send(["jsonrpc": "2.0", "id": 5, "method": "ping", "params": 5])
        XCTAssertEqual(try client.next()["error"]?["code"], -32600)

        // A recoverable framing problem: the body is skipped and the error has no id.
        try client.write(FrameClient.frame(Array("{}".utf8), headers: ["Content-Length: 2", "Content-Encoding: br"]))
        let encoding = try client.next()
        XCTAssertEqual(encoding["id"], JSONValue.null)
        XCTAssertEqual(encoding["error"]?["code"], -32600)

        // Params of the wrong shape: -32602 naming the offending member (detectPeaks is the first method
        // with params; its decoder names members the same way as JSONValueDecoder).
        let params = try client.call(7, "detectPeaks", ["signal": "not an object"])
        XCTAssertEqual(params["error"]?["code"], -32602)
        XCTAssertEqual(params["error"]?["message"], "params.signal: expected object, found string")

        XCTAssertEqual(try client.call(6, "ping")["result"]?["pong"], true)
        process.closeStdin()
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testLostFramingIsReportedThenTheConnectionCloses() throws {
        let (process, client) = try spawn()
        try client.initialize()
        try client.write(Array("Content-Length: twelve\r\n\r\n{}".utf8) + FrameClient.frame(Array("{}".utf8)))
        let messages = try client.readToEnd()
        XCTAssertEqual(messages.count, 1, "\(messages)")
        XCTAssertEqual(messages.first?["id"], JSONValue.null)
        XCTAssertEqual(messages.first?["error"]?["code"], -32600)
        XCTAssertEqual(
            messages.first?["error"]?["message"],
            #"Content-Length "twelve" is not a number: expected a non-negative integer"#)
        XCTAssertEqual(try process.waitForExit(), .exit(1))
    }

    func testHeaderLongerThanTheLimitIsFatal() throws {
        let (process, client) = try spawn(["--max-header-bytes", "64"])
        try client.initialize()
        try client.write(Array(("X-Padding: " + String(repeating: "a", count: 100) + "\r\n").utf8))
        let messages = try client.readToEnd()
        XCTAssertEqual(
            messages.map { $0["error"]?["message"] }, ["the header block exceeds 64 bytes without an empty line"])
        XCTAssertEqual(try process.waitForExit(), .exit(1))
    }

    func testFrameLargerThanTheLimitIsRefusedAndTheConnectionKeepsWorking() throws {
        let (process, client) = try spawn(["--max-frame-bytes", "1000"])
        let result = try client.initialize()
        XCTAssertEqual(result["capabilities"]?["limits"]?["maxFrameBytes"], 1000)
        let padding = String(repeating: "x", count: 2000 - 60)
        let big: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "ping", "params": ["padding": .string(padding)]]
        let bytes = JSONSerializer.serialize(big)
        XCTAssertGreaterThanOrEqual(bytes.count, 2000)
        try client.write(FrameClient.frame(bytes))
        let error = try client.next()
        XCTAssertEqual(error["id"], JSONValue.null, "the id is inside the skipped body")
        XCTAssertEqual(error["error"]?["code"], -32001)
        XCTAssertEqual(
            error["error"]?["message"], .string("Content-Length \(bytes.count) exceeds the limit of 1000 bytes"))
        XCTAssertEqual(try client.call(2, "ping")["result"]?["pong"], true)
        process.closeStdin()
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testGzipBombIsRefusedAndTheConnectionKeepsWorking() throws {
        let (process, client) = try spawn(["--max-decompressed-bytes", "100000"])
        try client.initialize()
        let huge: JSONValue = [
            "jsonrpc": "2.0", "id": 1, "method": "ping",
            "params": ["zeros": .string(String(repeating: "0", count: 10_000_000))],
        ]
        try client.send(huge, gzip: true)
        let error = try client.next()
        XCTAssertEqual(error["error"]?["code"], -32001)
        XCTAssertEqual(
            error["error"]?["message"], "the gzip-encoded body inflates to more than the limit of 100000 bytes")
        XCTAssertEqual(try client.call(2, "ping")["result"]?["pong"], true)
        process.closeStdin()
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testGzipBothWays() throws {
        let (process, client) = try spawn(["--gzip-threshold", "1"])
        try client.sendRequest("init", "initialize", ["capabilities": ["acceptEncoding": ["gzip"]]])
        let initialize = try client.nextFrame()
        XCTAssertEqual(initialize.json["id"], "init")
        XCTAssertEqual(
            initialize.contentEncoding, "gzip", "the client accepts gzip, so even this response is compressed")
        XCTAssertEqual(initialize.wireBody.prefix(2), [0x1F, 0x8B], "gzip magic")

        try client.sendRequest(1, "ping", nil, gzip: true)
        let ping = try client.nextFrame()
        XCTAssertEqual(ping.contentEncoding, "gzip")
        XCTAssertEqual(ping.json["id"], 1)
        XCTAssertEqual(ping.json["result"]?["pong"], true)
        process.closeStdin()
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testNoGzipForClientsThatDoNotAcceptIt() throws {
        let (process, client) = try spawn(["--gzip-threshold", "1"])
        try client.initialize()
        try client.sendRequest(1, "ping", nil, gzip: true)
        let ping = try client.nextFrame()
        XCTAssertNil(ping.contentEncoding)
        XCTAssertEqual(ping.json["result"]?["pong"], true)
        process.closeStdin()
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testCancellationNotificationsAreAcceptedSilently() throws {
        let (process, client) = try spawn()
        try client.initialize()
        try client.sendNotification("$/cancelRequest", ["id": 12345])
        try client.sendNotification("$/cancelRequest", ["id": "nope"])
        XCTAssertEqual(try client.call(1, "ping")["result"]?["pong"], true, "no response to the cancellations")
        process.closeStdin()
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    /// The repository's directories, for tests that need sample records and shipped models.
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A long classify reports progress; `$/cancelRequest` then stops it with -32800, and the
    /// session goes on serving.
    func testCancellingAClassifyInFlight() throws {
        let (process, client) = try spawn([
            "--data-root", Self.repository.appendingPathComponent("Tests/Data").path,
            "--models", Self.repository.appendingPathComponent("Tests/Data/models").path,
        ])
        try client.initialize()
        try client.sendRequest(
            7, "classify", ["model": "demo-aami5", "signal": ["path": "mitdb/208"], "workDoneToken": "job-7"])
        // Wait until the work has begun, so the cancellation reaches a request in flight.
        var kinds: [String] = []
        while true {
            let message = try client.next()
            XCTAssertEqual(message["method"], "$/progress", "unexpected message before progress: \(message)")
            XCTAssertEqual(message["params"]?["token"], "job-7")
            if let kind = message["params"]?["value"]?["kind"]?.stringValue { kinds.append(kind) }
            if kinds.last == "begin" { break }
        }
        try client.sendNotification("$/cancelRequest", ["id": 7])
        var response: JSONValue?
        while response == nil {
            let message = try client.next()
            if message["id"] == 7 { response = message }
        }
        XCTAssertEqual(response?["error"]?["code"], -32800, "\(String(describing: response))")
        XCTAssertEqual(try client.call(8, "ping")["result"]?["pong"], true)
        try client.sendRequest(9, "shutdown")
        try client.sendNotification("exit")
        _ = try client.readToEnd()
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    /// Every byte on stdout belongs to a frame, even with the most verbose logging; logs go to stderr.
    func testStdoutCarriesOnlyFramesAndLogsGoToStderr() throws {
        let (process, client) = try spawn(["--log-level", "trace"])
        try client.initialize(clientName: "stdout-check")
        try client.sendNotification("initialized", [:])
        for id in 0..<20 { try client.sendRequest(.number(Double(id)), "ping") }
        try client.write(FrameClient.frame(Array("not json".utf8)))
        try client.sendRequest(99, "no/such/method")
        try client.sendRequest(100, "shutdown")
        try client.sendNotification("exit")
        // readToEnd fails on any byte that is not part of a well-formed frame.
        let messages = try client.readToEnd()
        XCTAssertEqual(messages.count, 23, "20 pings, a parse error, an unknown method, shutdown")
        XCTAssertEqual(messages.last, ["jsonrpc": "2.0", "id": 100, "result": nil])
        XCTAssertEqual(try process.waitForExit(), .exit(0))
        let logs = process.stderr.waitForEnd() ?? ""
        XCTAssertTrue(logs.contains("initialized by stdout-check"), "stderr:\n\(logs)")
        XCTAssertFalse(logs.contains("Content-Length"), "frames leaked to stderr")
    }

    func testSIGTERMExitsCleanly() throws {
        let (process, client) = try spawn()
        try client.initialize()
        XCTAssertEqual(try client.call(1, "ping")["result"]?["pong"], true)
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try client.readToEnd(), [])
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testSIGINTExitsCleanly() throws {
        let (process, client) = try spawn()
        try client.initialize()
        process.deliver(signal: SIGINT)
        XCTAssertEqual(try client.readToEnd(), [])
        XCTAssertEqual(try process.waitForExit(), .exit(0))
    }

    func testChoosingBothTransportsIsAUsageError() throws {
        let process = try EcgdProcess(["--stdio", "--tcp", "127.0.0.1:0"])
        guard case .exit(let code) = try process.waitForExit() else { return XCTFail("killed by a signal") }
        XCTAssertNotEqual(code, 0)
        let stderr = process.stderr.waitForEnd() ?? ""
        XCTAssertTrue(stderr.contains("choose exactly one transport"), stderr)
    }
}
