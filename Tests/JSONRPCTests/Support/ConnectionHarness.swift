import CompressNIO
import JSONRPC
import Logging
import NIOCore
import Synchronization
import XCTest

/// One message the connection wrote, decoded.
struct Written: Sendable {
    var encoding: ContentEncoding
    var json: JSONValue
}

/// Drives `Connection.run(inbound:write:)` with frames the test sends and collects what it writes.
final class ConnectionHarness: Sendable {
    let connection: Connection
    let run: Task<Connection.EndReason, Never>
    let output: Mailbox<Written>
    private let input: AsyncStream<InboundFrame>.Continuation
    private let outputSwitch = OutputSwitch()

    static let description = ServerDescription(
        name: "test-server", version: "9.8.7", protocolVersion: "4.5", capabilities: ["custom": ["x": true]])

    init(
        registry: MethodRegistry, limits: TransportLimits = TransportLimits(),
        serverStart: ContinuousClock.Instant = .now
    ) {
        let (inbound, input) = AsyncStream.makeStream(of: InboundFrame.self)
        self.input = input
        let connection = Connection(
            registry: registry, description: Self.description, limits: limits,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), serverStart: serverStart)
        self.connection = connection
        let output = Mailbox<Written>()
        self.output = output
        let outputSwitch = self.outputSwitch
        run = Task {
            let reason = await connection.run(inbound: inbound) { frame in
                if outputSwitch.isBroken { throw HarnessOutputClosed() }
                var body = frame.body
                if frame.contentEncoding == .gzip { body = try body.decompress(with: .gzip()) }
                output.put(Written(encoding: frame.contentEncoding, json: try JSONParser.parse(body.readableBytesView)))
            }
            output.close()
            return reason
        }
    }

    // MARK: Sending

    func send(_ message: JSONValue) {
        sendBytes(JSONSerializer.serialize(message))
    }

    func sendBytes(_ bytes: [UInt8], encoding: ContentEncoding = .identity) {
        input.yield(.frame(Frame(contentEncoding: encoding, body: ByteBuffer(bytes: bytes))))
    }

    func sendGzip(_ message: JSONValue) {
        sendBytes(gzipped(JSONSerializer.serialize(message)), encoding: .gzip)
    }

    /// Sends what a `FrameDecoder` with `limits` makes of raw wire bytes, framing errors included.
    func sendWire(_ bytes: [UInt8], limits: TransportLimits = TransportLimits()) {
        var decoder = FrameDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: bytes)
        while let event = decoder.next(from: &buffer) { input.yield(event) }
    }

    func endInput() {
        input.finish()
    }

    /// Makes every later write fail (the client stopped reading and closed its side).
    func breakOutput() {
        outputSwitch.breakIt()
    }

    // MARK: Receiving

    /// The next message written, failing the test if none comes.
    func next(file: StaticString = #filePath, line: UInt = #line) async -> Written? {
        let written = await output.take()
        if written == nil { XCTFail("the connection wrote nothing more", file: file, line: line) }
        return written
    }

    /// The next message, which must be the response to `id`.
    func response(_ id: JSONValue, file: StaticString = #filePath, line: UInt = #line) async -> JSONValue? {
        guard let written = await next(file: file, line: line) else { return nil }
        XCTAssertEqual(written.json["id"], id, "unexpected message \(written.json)", file: file, line: line)
        XCTAssertEqual(written.json["jsonrpc"], "2.0", file: file, line: line)
        return written.json
    }

    /// Sends a request and returns its response, which must be the next message written.
    func call(
        _ id: JSONValue, _ method: String, _ params: JSONValue? = nil, file: StaticString = #filePath,
        line: UInt = #line
    )
        async -> JSONValue?
    {
        send(request(id, method, params))
        return await response(id, file: file, line: line)
    }

    /// Sends `initialize` and returns its result.
    @discardableResult
    func initialize(acceptEncoding: [JSONValue]? = nil, file: StaticString = #filePath, line: UInt = #line) async
        -> JSONValue?
    {
        var params: [String: JSONValue] = ["clientInfo": ["name": "harness"]]
        if let acceptEncoding { params["capabilities"] = ["acceptEncoding": .array(acceptEncoding)] }
        let response = await call("init", "initialize", .object(params), file: file, line: line)
        XCTAssertNotNil(
            response?["result"], "initialize failed: \(String(describing: response))", file: file, line: line)
        return response?["result"]
    }

    /// Waits for `run` to return.
    func end() async -> Connection.EndReason {
        await run.value
    }
}

func request(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) -> JSONValue {
    var object: [String: JSONValue] = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
    if let params { object["params"] = params }
    return .object(object)
}

func notification(_ method: String, _ params: JSONValue? = nil) -> JSONValue {
    var object: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
    if let params { object["params"] = params }
    return .object(object)
}

extension JSONValue {
    /// The error code of a response, if it is an error response.
    var errorCode: Int? { self["error"]?["code"]?.intValue }
    var errorMessage: String? { self["error"]?["message"]?.stringValue }
}

/// Once broken, every write of the harness fails, as writing to a client that closed its side does.
private final class OutputSwitch: Sendable {
    private let broken = Mutex(false)
    var isBroken: Bool { broken.withLock { $0 } }
    func breakIt() { broken.withLock { $0 = true } }
}

/// What the harness's writes throw once `breakOutput` was called.
struct HarnessOutputClosed: Error {}
