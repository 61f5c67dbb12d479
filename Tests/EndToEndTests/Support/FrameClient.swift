import CompressNIO
import Foundation
import JSONRPC
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One frame as a client receives it.
struct ReceivedFrame {
    /// Header fields by lower-cased name.
    var headers: [String: String]
    /// The body as sent (possibly gzip-compressed).
    var wireBody: [UInt8]
    /// The body after decoding `Content-Encoding`.
    var body: [UInt8]
    var json: JSONValue

    var contentEncoding: String? { headers["content-encoding"] }
}

/// A minimal JSON-RPC client over a pair of file descriptors (a child's pipes or a TCP socket).
///
/// Its frame reader is deliberately strict and independent of the server's decoder: every byte the
/// server writes must belong to a well-formed frame. Each instance is used by one thread at a time.
final class FrameClient: @unchecked Sendable {
    let readFD: Int32
    let writeFD: Int32
    private let ownsDescriptors: Bool
    private var buffer: [UInt8] = []
    private var ended = false
    private var closed = false

    init(readFD: Int32, writeFD: Int32, ownsDescriptors: Bool) {
        self.readFD = readFD
        self.writeFD = writeFD
        self.ownsDescriptors = ownsDescriptors
    }

    deinit { close() }

    /// Connects to `host`:`port` over TCP; `receiveBufferBytes` shrinks the socket's receive
    /// buffer (for a client that stops reading and should stall the server's writes soon).
    static func connect(port: Int, host: String = "127.0.0.1", receiveBufferBytes: Int32? = nil) throws
        -> FrameClient
    {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw E2EError("socket failed: errno \(errno)") }
        if var size = receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            Glibc.close(fd)
            throw E2EError("bad IPv4 address \(host)")
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let error = errno
            Glibc.close(fd)
            throw E2EError("cannot connect to \(host):\(port): errno \(error)")
        }
        return FrameClient(readFD: fd, writeFD: fd, ownsDescriptors: true)
    }

    /// Connects to the Unix domain socket at `path`.
    static func connect(unixSocket path: String) throws -> FrameClient {
        let fd = try unixSocket(path) { fd, address, length in Glibc.connect(fd, address, length) }
        return FrameClient(readFD: fd, writeFD: fd, ownsDescriptors: true)
    }

    /// A Unix domain socket on which `operation` (connect or bind) succeeded for `path`.
    static func unixSocket(
        _ path: String, _ operation: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw E2EError("socket failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw E2EError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                operation(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let error = errno
            Glibc.close(fd)
            throw E2EError("cannot use the socket \(path): errno \(error)")
        }
        return fd
    }

    func close() {
        guard ownsDescriptors, !closed else { return }
        closed = true
        Glibc.close(readFD)
        if writeFD != readFD { Glibc.close(writeFD) }
    }

    /// Half-closes a socket: the server sees the end of its input, the client can still read.
    func closeWrite() {
        shutdown(writeFD, Int32(SHUT_WR))
    }

    // MARK: Writing

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(writeFD, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw E2EError("write failed: errno \(errno)")
            }
            offset += n
        }
    }

    /// The wire form of a frame: the given header lines (default: just Content-Length), a blank line, the body.
    static func frame(_ body: [UInt8], headers: [String]? = nil) -> [UInt8] {
        let lines = headers ?? ["Content-Length: \(body.count)"]
        return Array((lines.map { $0 + "\r\n" }.joined() + "\r\n").utf8) + body
    }

    func send(_ message: JSONValue, gzip: Bool = false) throws {
        var body = JSONSerializer.serialize(message)
        if gzip {
            var buffer = ByteBuffer(bytes: body)
            body = Array(try buffer.compress(with: .gzip()).readableBytesView)
            try write(Self.frame(body, headers: ["Content-Length: \(body.count)", "Content-Encoding: gzip"]))
        } else {
            try write(Self.frame(body))
        }
    }

    func sendRequest(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil, gzip: Bool = false) throws {
        var object: [String: JSONValue] = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { object["params"] = params }
        try send(.object(object), gzip: gzip)
    }

    func sendNotification(_ method: String, _ params: JSONValue? = nil) throws {
        var object: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        try send(.object(object))
    }

    // MARK: Reading

    /// Reads more bytes; returns false at the end of the stream.
    private func fill() throws -> Bool {
        if ended { return false }
        var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, Int32(hangGuardSeconds * 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { throw E2EError("no data from ecgd within \(hangGuardSeconds) s") }
            break
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(readFD, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET {
                    ended = true
                    return false
                }
                throw E2EError("read failed: errno \(errno)")
            }
            if n == 0 {
                ended = true
                return false
            }
            buffer += chunk[0..<n]
            return true
        }
    }

    /// The next frame, or `nil` when the stream ends cleanly between frames. Throws on anything
    /// that is not a well-formed frame.
    func readFrame() throws -> ReceivedFrame? {
        var headerEnd: Int?
        while true {
            if let end = buffer.firstRange(of: [13, 10, 13, 10]) {
                headerEnd = end.lowerBound
                break
            }
            if buffer.count > 1024 { throw E2EError("no end of header in \(buffer.count) bytes: \(preview)") }
            if try !fill() {
                if buffer.isEmpty { return nil }
                throw E2EError("the stream ended inside a frame header: \(preview)")
            }
        }
        let headerText = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        var headers: [String: String] = [:]
        for line in headerText.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":"), line[line.index(after: colon)...].hasPrefix(" ") else {
                throw E2EError("malformed header line \(line.debugDescription)")
            }
            let name = line[..<colon].lowercased()
            guard ["content-length", "content-type", "content-encoding"].contains(name), headers[name] == nil else {
                throw E2EError("unexpected header line \(line.debugDescription)")
            }
            headers[name] = String(line[line.index(colon, offsetBy: 2)...])
        }
        guard let lengthText = headers["content-length"], lengthText.allSatisfy(\.isASCII), let length = Int(lengthText)
        else {
            throw E2EError("bad or missing Content-Length in \(headerText.debugDescription)")
        }
        let bodyStart = headerEnd! + 4
        while buffer.count < bodyStart + length {
            if try !fill() { throw E2EError("the stream ended inside a frame body") }
        }
        let wireBody = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        var body = wireBody
        switch headers["content-encoding"] {
        case nil: break
        case "gzip":
            var compressed = ByteBuffer(bytes: wireBody)
            body = Array(try compressed.decompress(with: .gzip()).readableBytesView)
        case let other?: throw E2EError("unexpected Content-Encoding \(other)")
        }
        let json = try JSONParser.parse(body)
        return ReceivedFrame(headers: headers, wireBody: wireBody, body: body, json: json)
    }

    private var preview: String { String(decoding: buffer.prefix(200), as: UTF8.self).debugDescription }

    /// The next frame, which must exist.
    func nextFrame() throws -> ReceivedFrame {
        guard let frame = try readFrame() else {
            throw E2EError("the server closed the stream; a message was expected")
        }
        return frame
    }

    /// The next message, which must exist.
    func next() throws -> JSONValue {
        try nextFrame().json
    }

    /// Sends a request and returns the next message, which must be its response.
    func call(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        try sendRequest(id, method, params)
        let response = try next()
        guard response["id"] == id, response["jsonrpc"] == "2.0" else {
            throw E2EError("expected the response to \(id), got \(response)")
        }
        return response
    }

    /// Sends `initialize` and returns its result.
    @discardableResult
    func initialize(
        acceptEncoding: [JSONValue]? = nil, clientName: String = "ecgd-e2e", token: String? = nil
    ) throws -> JSONValue {
        var params: [String: JSONValue] = ["clientInfo": ["name": .string(clientName)]]
        if let token { params["initializationOptions"] = ["token": .string(token)] }
        if let acceptEncoding { params["capabilities"] = ["acceptEncoding": .array(acceptEncoding)] }
        let response = try call("init", "initialize", .object(params))
        guard let result = response["result"] else { throw E2EError("initialize failed: \(response)") }
        return result
    }

    /// Reads and discards everything until the server closes the stream, where a frame may be cut
    /// short (a server dropping what it had not written); returns how many bytes came.
    @discardableResult
    func discardToEnd() throws -> Int {
        var total = buffer.count
        buffer.removeAll()
        while try fill() {
            total += buffer.count
            buffer.removeAll()
        }
        return total
    }

    /// Reads until the server closes the stream, which must happen cleanly between frames,
    /// and returns the messages read on the way.
    func readToEnd() throws -> [JSONValue] {
        var messages: [JSONValue] = []
        while let frame = try readFrame() { messages.append(frame.json) }
        return messages
    }
}
