import ECGService
import Foundation
import JSONRPC
import Logging
import NIOCore

/// The whole request path in process: bytes through `FrameDecoder`, `BodyCodec` (gzip, the
/// JSON parser), a real `Connection` and ecgd's `MethodRegistry` (params decoding and the
/// methods themselves, over a small data root of fixtures and the test models).
///
/// An input whose first byte is below `methods.count` is one call of `methods[byte]`: the rest
/// of the input is its params' JSON text, framed after an `initialize` (a notification is
/// followed by a `textDocument/hover` request). Any other input is the client's byte stream
/// as it is (so seeds start with their own `initialize` frame), read in two parts.
///
/// Properties: every frame the server writes decodes and parses; no answer is an internal
/// error; a request of the first kind gets exactly one answer.
enum RPCTarget {
    static let target = FuzzTarget(
        name: "rpc", summary: "frames, gzip, JSON, Connection and every method's params, in process"
    ) { data in
        let stream: [UInt8]
        var expectedAnswers: Int?
        if let first = data.first, Int(first) < methods.count {
            let (method, isNotification) = methods[Int(first)]
            stream = call(method, params: data.dropFirst(), isNotification: isNotification)
            expectedAnswers = isNotification ? nil : 2
        } else {
            stream = [UInt8](data)
        }
        let written = serve(stream)
        var answers = 0
        for message in decodeAll(written) {
            if message["error"]?["code"]?.intValue == ResponseError.Code.internalError {
                propertyFailed("internal error: \(message)")
            }
            if message["result"] != nil || message["error"] != nil { answers += 1 }
        }
        if let expectedAnswers, answers != expectedAnswers {
            propertyFailed("\(answers) answers to \(expectedAnswers) requests")
        }
    }

    /// Every method a client can call (requests) or send (notifications), the built-in ones
    /// included, and one that does not exist.
    static let methods: [(name: String, isNotification: Bool)] =
        registry.requestMethods.map { ($0, false) } + [("noSuchMethod", false)]
        + ["textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "$/cancelRequest", "initialized"]
        .map { ($0, true) }

    static let limits = TransportLimits(maxFrameBytes: 1 << 20, maxDecompressedBytes: 4 << 20)

    /// The data root: the fixtures of `Tests/ECGSignalTests` and the 12-lead synthetic record,
    /// copied (a symbolic link out of the root would be refused).
    static let configuration: ServiceConfiguration = {
        let root = Scratch.directory.appendingPathComponent("data", isDirectory: true)
        let fm = FileManager.default
        let copies = [
            ("Tests/ECGSignalTests/Fixtures/wfdb", "wfdb"), ("Tests/ECGSignalTests/Fixtures/edf", "edf"),
            ("Tests/Data/ptbxl-synthetic", "ptbxl"),
        ]
        for (from, to) in copies {
            let source = Scratch.repository.appendingPathComponent(from)
            let target = root.appendingPathComponent(to, isDirectory: true)
            try! fm.createDirectory(at: target, withIntermediateDirectories: true)
            for name in try! fm.contentsOfDirectory(atPath: source.path) where !name.hasSuffix(".json") {
                var isDirectory: ObjCBool = false
                let file = source.appendingPathComponent(name)
                if fm.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    try! fm.copyItem(at: file, to: target.appendingPathComponent(name))
                }
            }
        }
        var csv = "time,I,II\n"
        for i in 0..<500 { csv += "\(Double(i) / 250),\(sin(Double(i) / 10)),\(cos(Double(i) / 7))\n" }
        try! Data(csv.utf8).write(to: root.appendingPathComponent("signal.csv"))
        return ServiceConfiguration(
            dataRoot: root, modelsDirectory: Scratch.repository.appendingPathComponent("Tests/Data/models"),
            inferenceThreads: 1)
    }()

    static let logger = Logger(label: "ecgd-fuzz") { _ in SwiftLogNoOpLogHandler() }

    static let registry = try! ECGService.makeRegistry(configuration: configuration, limits: limits, logger: logger)

    static let description = ECGService.serverDescription(configuration: configuration)

    /// An `initialize` frame, then a call of `method` whose params are `params` as text (no
    /// params member when empty), then for a notification a hover request.
    static func call(_ method: String, params: Data, isNotification: Bool) -> [UInt8] {
        var stream = frame(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#.utf8)
        var body = Array(#"{"jsonrpc":"2.0","#.utf8) + (isNotification ? [] : Array(#""id":1,"#.utf8))
        body += Array(#""method":"#.utf8) + JSONSerializer.serialize(.string(method))
        if !params.isEmpty { body += Array(#","params":"#.utf8) + params }
        body += Array("}".utf8)
        stream += frame(body)
        if isNotification {
            stream += frame(
                #"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///fuzz.csv"},"position":{"line":1,"character":0}}}"#
                    .utf8)
        }
        return stream
    }

    static func frame<Body: Collection<UInt8>>(_ body: Body) -> [UInt8] {
        Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    /// Serves `stream` on a fresh connection until it ends; returns the frames written.
    static func serve(_ stream: [UInt8]) -> [Frame] {
        var decoder = FrameDecoder(limits: limits)
        var events: [InboundFrame] = []
        let half = stream.count / 2
        var buffer = ByteBuffer()
        for part in [stream[..<half], stream[half...]] {
            buffer.writeBytes(part)
            while let event = decoder.next(from: &buffer) { events.append(event) }
        }
        events += decoder.finish(&buffer)
        let inbound = AsyncStream<InboundFrame> { continuation in
            for event in events { continuation.yield(event) }
            continuation.finish()
        }
        let written = Written()
        let done = DispatchSemaphore(value: 0)
        Task {
            let connection = Connection(registry: registry, description: description, limits: limits, logger: logger)
            _ = await connection.run(inbound: inbound) { frame in written.append(frame) }
            done.signal()
        }
        done.wait()
        return written.frames
    }

    /// Decodes the frames the server wrote, as a client would.
    static func decodeAll(_ frames: [Frame]) -> [JSONValue] {
        let codec = BodyCodec(limits: TransportLimits(maxFrameBytes: 1 << 30, maxDecompressedBytes: 1 << 30))
        return frames.map { frame in
            do { return try codec.decode(frame) } catch {
                propertyFailed("the server wrote a frame that does not decode: \(error)")
            }
        }
    }
}

/// The frames a connection writes, from its writer task.
private final class Written: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Frame] = []

    func append(_ frame: Frame) { lock.withLock { list.append(frame) } }
    var frames: [Frame] { lock.withLock { list } }
}
