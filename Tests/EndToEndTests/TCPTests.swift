import Foundation
import JSONRPC
import Synchronization
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `ecgd --tcp` on an ephemeral port, with several clients at once.
final class TCPTests: XCTestCase {
    private func serve(_ extra: [String] = []) throws -> (EcgdProcess, Int) {
        let process = try EcgdProcess(["--tcp", "127.0.0.1:0"] + extra)
        return (process, try process.listeningPort())
    }

    private func stop(_ process: EcgdProcess, file: StaticString = #filePath, line: UInt = #line) throws {
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0), "stderr:\n\(process.stderr.text)", file: file, line: line)
    }

    func testBindsToLoopbackByDefault() throws {
        let process = try EcgdProcess(["--tcp", ":0"])
        let address = try process.listeningAddress()
        XCTAssertTrue(address.hasPrefix("127.0.0.1:"), address)
        let port = try process.listeningPort()
        XCTAssertGreaterThan(port, 0)
        let client = try FrameClient.connect(port: port)
        XCTAssertEqual(try client.initialize()["serverInfo"]?["name"], "ecgd")
        XCTAssertEqual(try client.call(1, "ping")["result"]?["pong"], true)
        try stop(process)
    }

    /// A health check's ping on a new connection reports how long the server has been up.
    func testPingUptimeIsTheServersOnEveryConnection() throws {
        let (process, port) = try serve()
        let first = try FrameClient.connect(port: port)
        try first.initialize()
        let earlier = try XCTUnwrap(try first.call(1, "ping")["result"]?["uptimeSeconds"]?.numberValue)
        let second = try FrameClient.connect(port: port)
        let later = try XCTUnwrap(try second.call(1, "ping")["result"]?["uptimeSeconds"]?.numberValue)
        XCTAssertGreaterThanOrEqual(later, earlier, "the second connection's ping counted from its own start")
        try stop(process)
    }

    /// Eight clients work at once while a ninth sends garbage and is disconnected.
    func testManyClientsAtOnceAndAGarbageClient() throws {
        let (process, port) = try serve()
        let clients = try (0..<8).map { index -> FrameClient in
            let client = try FrameClient.connect(port: port)
            try client.initialize(clientName: "client-\(index)")
            return client
        }

        let garbage = try FrameClient.connect(port: port)
        try garbage.write(Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        let answer = try garbage.readToEnd()
        XCTAssertEqual(answer.count, 1, "\(answer)")
        XCTAssertEqual(answer.first?["id"], JSONValue.null)
        XCTAssertEqual(answer.first?["error"]?["code"], -32600)

        let failures = runConcurrently(clients.count + 1) { index in
            if index == clients.count {
                // Another garbage client while the others are busy.
                let bad = try FrameClient.connect(port: port)
                try bad.write(Array("Content-Length: -1\r\n\r\n".utf8))
                let messages = try bad.readToEnd()
                guard messages.count == 1, messages[0]["error"]?["code"] == -32600 else {
                    throw E2EError("garbage client got \(messages)")
                }
                return
            }
            let client = clients[index]
            for n in 0..<50 {
                let id = JSONValue.string("c\(index)-\(n)")
                let response = try client.call(id, "ping")
                guard response["result"]?["pong"] == true else { throw E2EError("bad response \(response)") }
            }
        }
        XCTAssertEqual(failures, [])

        for client in clients {
            XCTAssertEqual(try client.call("bye", "shutdown")["result"], JSONValue.null)
            try client.sendNotification("exit")
            XCTAssertEqual(try client.readToEnd(), [], "the server closes the connection after exit")
        }
        try stop(process)
    }

    func testPipelinedRequestsAreAllAnswered() throws {
        let (process, port) = try serve()
        let client = try FrameClient.connect(port: port)
        try client.initialize()
        var bytes: [UInt8] = []
        for id in 0..<200 {
            bytes += FrameClient.frame(
                JSONSerializer.serialize(["jsonrpc": "2.0", "id": .number(Double(id)), "method": "ping"]))
        }
        try client.write(bytes)
        var ids: Set<Int> = []
        for _ in 0..<200 {
            let response = try client.next()
            XCTAssertEqual(response["result"]?["pong"], true)
            if let id = response["id"]?.intValue { ids.insert(id) }
        }
        XCTAssertEqual(ids, Set(0..<200))
        try stop(process)
    }

    func testFrameLimitOverTCP() throws {
        let (process, port) = try serve(["--max-frame-bytes", "1000"])
        let client = try FrameClient.connect(port: port)
        let bystander = try FrameClient.connect(port: port)
        try client.initialize()
        try bystander.initialize()
        let body = JSONSerializer.serialize(
            [
                "jsonrpc": "2.0", "id": 1, "method": "ping",
                "params": ["padding": .string(String(repeating: "y", count: 2000))],
            ])
        try client.write(FrameClient.frame(body))
        let error = try client.next()
        XCTAssertEqual(error["id"], JSONValue.null)
        XCTAssertEqual(error["error"]?["code"], -32001)
        XCTAssertEqual(
            error["error"]?["message"], .string("Content-Length \(body.count) exceeds the limit of 1000 bytes"))
        XCTAssertEqual(try client.call(2, "ping")["result"]?["pong"], true)
        XCTAssertEqual(try bystander.call(3, "ping")["result"]?["pong"], true)
        try stop(process)
    }

    func testExitClosesOnlyThatConnection() throws {
        let (process, port) = try serve()
        let leaving = try FrameClient.connect(port: port)
        let staying = try FrameClient.connect(port: port)
        try leaving.initialize()
        try staying.initialize()
        try leaving.sendNotification("exit")
        XCTAssertEqual(try leaving.readToEnd(), [])
        XCTAssertEqual(try staying.call(1, "ping")["result"]?["pong"], true)
        let newcomer = try FrameClient.connect(port: port)
        try newcomer.initialize()
        XCTAssertEqual(try newcomer.call(2, "ping")["result"]?["pong"], true)
        try stop(process)
    }

    func testHalfClosedClientGetsItsResponsesThenTheEnd() throws {
        let (process, port) = try serve()
        let client = try FrameClient.connect(port: port)
        try client.initialize()
        try client.sendRequest(1, "ping")
        try client.sendRequest(2, "ping")
        client.closeWrite()
        let messages = try client.readToEnd()
        XCTAssertEqual(Set(messages.compactMap { $0["id"]?.intValue }), [1, 2])
        try stop(process)
    }

    func testAbruptDisconnectsDoNotDisturbOthers() throws {
        let (process, port) = try serve()
        let survivor = try FrameClient.connect(port: port)
        try survivor.initialize()
        for _ in 0..<5 {
            let quitter = try FrameClient.connect(port: port)
            try quitter.initialize()
            try quitter.write(Array("Content-Length: 100\r\n\r\n{\"jsonrpc\"".utf8))
            quitter.close()
        }
        XCTAssertEqual(try survivor.call(1, "ping")["result"]?["pong"], true)
        try stop(process)
    }

    func testGzipOverTCP() throws {
        let (process, port) = try serve(["--gzip-threshold", "1"])
        let client = try FrameClient.connect(port: port)
        try client.initialize(acceptEncoding: ["gzip"])
        try client.sendRequest(1, "ping", nil, gzip: true)
        let frame = try client.nextFrame()
        XCTAssertEqual(frame.contentEncoding, "gzip")
        XCTAssertEqual(frame.json["result"]?["pong"], true)
        try stop(process)
    }

    func testSIGTERMWithClientsConnectedExitsCleanly() throws {
        let (process, port) = try serve()
        let idle = try FrameClient.connect(port: port)
        let initialized = try FrameClient.connect(port: port)
        try initialized.initialize()
        XCTAssertEqual(try initialized.call(1, "ping")["result"]?["pong"], true)
        try stop(process)
        XCTAssertEqual(try idle.readToEnd(), [], "connections are closed when the server stops")
        XCTAssertEqual(try initialized.readToEnd(), [])
        XCTAssertThrowsError(try FrameClient.connect(port: port), "the port is no longer served")
    }
}
