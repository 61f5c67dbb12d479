import JSONRPC
import Logging
import NIOCore
import XCTest

/// A client that stops reading: writes never complete while responses keep coming.
final class ConnectionBackpressureTests: XCTestCase {
    private func request(_ id: Int, _ method: String, _ params: JSONValue? = nil) -> InboundFrame {
        var object: [String: JSONValue] = ["jsonrpc": "2.0", "id": .number(Double(id)), "method": .string(method)]
        if let params { object["params"] = params }
        return .frame(Frame(body: ByteBuffer(bytes: JSONSerializer.serialize(.object(object)))))
    }

    func testTooManyUnwrittenBytesCloseTheConnection() async {
        let connection = Connection(
            registry: makeTestRegistry(Probe()), description: ConnectionHarness.description,
            limits: TransportLimits(maxQueuedResponseBytes: 10_000),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let (inbound, input) = AsyncStream.makeStream(of: InboundFrame.self)
        input.yield(request(0, "initialize"))
        for id in 1...20 { input.yield(request(id, "big", ["size": 2000])) }
        // The input stays open: only the limit can end the connection.
        let reason = await connection.run(inbound: inbound) { _ in
            try await Task.sleep(for: .seconds(3600))
        }
        XCTAssertEqual(reason, .clientNotReading)
        input.finish()
    }

    func testAResponseLargerThanTheLimitAloneIsWritten() async {
        let h = ConnectionHarness(
            registry: makeTestRegistry(Probe()), limits: TransportLimits(maxQueuedResponseBytes: 1000))
        await h.initialize()
        let big = await h.call(1, "big", ["size": 5000])
        XCTAssertEqual(big?["result"]?.stringValue?.count, 5000)
        h.endInput()
        let reason = await h.end()
        XCTAssertEqual(reason, .endOfInput)
    }
}
