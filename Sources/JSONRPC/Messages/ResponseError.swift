/// A JSON-RPC error object: what a failed request answers.
///
/// Codes follow JSON-RPC 2.0 (-32700 ... -32603), the Language Server Protocol (-32002, -32800),
/// and the server-defined range -32099 ... -32000. Applications add their own codes in that range
/// through `ResponseErrorConvertible`.
public struct ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error code (`Code` names the ones this library sends).
    public var code: Int
    /// One sentence for a person, starting with what is at fault (such as `params.signal.fs: ...`).
    public var message: String
    /// Extra structured detail, when there is any.
    public var data: JSONValue?

    /// An error object as it will be sent.
    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "\(code): \(message)" }

    /// The JSON form of this error object.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["code": .number(Double(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}

extension ResponseError {
    /// Standard and protocol-level error codes.
    public enum Code {
        /// Invalid JSON was received: not JSON, not UTF-8, or a body that could not be decoded.
        public static let parseError = -32700
        /// The JSON is not a valid request object, or the framing was invalid.
        public static let invalidRequest = -32600
        /// The method does not exist.
        public static let methodNotFound = -32601
        /// The params have the wrong shape or values.
        public static let invalidParams = -32602
        /// An unexpected failure inside the server.
        public static let internalError = -32603
        /// A frame or decompressed body exceeds a configured limit.
        public static let payloadTooLarge = -32001
        /// A request other than `initialize` or `ping` arrived before `initialize` (as in LSP).
        public static let serverNotInitialized = -32002
        /// The connection already has the maximum number of requests in flight.
        public static let tooManyRequests = -32003
        /// The request ran longer than its timeout (the server's or its own) and was cancelled.
        public static let requestTimedOut = -32004
        /// The server requires a token and `initialize` did not present the right one (or a
        /// request came before it); the connection is closed.
        public static let unauthorized = -32005
        /// The request was cancelled by `$/cancelRequest` (as in LSP).
        public static let requestCancelled = -32800
    }

    /// -32700: the body is not JSON (or not valid gzip).
    public static func parseError(_ message: String) -> ResponseError { .init(code: Code.parseError, message: message) }
    /// -32600: the message is not a valid JSON-RPC request, or is not allowed now.
    public static func invalidRequest(_ message: String) -> ResponseError {
        .init(code: Code.invalidRequest, message: message)
    }
    /// -32601: no handler for `method`; the message names it.
    public static func methodNotFound(_ method: String) -> ResponseError {
        .init(code: Code.methodNotFound, message: "method not found: \(method)")
    }
    /// -32602: a parameter is invalid; `message` starts with its path.
    public static func invalidParams(_ message: String) -> ResponseError {
        .init(code: Code.invalidParams, message: message)
    }
    /// -32603: the server failed; nothing the client sent is at fault.
    public static func internalError(_ message: String) -> ResponseError {
        .init(code: Code.internalError, message: message)
    }
    /// -32001: a frame, body or signal exceeds a configured limit.
    public static func payloadTooLarge(_ message: String) -> ResponseError {
        .init(code: Code.payloadTooLarge, message: message)
    }
    /// -32004: the request ran for `limit` without finishing; its work was cancelled.
    public static func requestTimedOut(after limit: Duration) -> ResponseError {
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) * 1e-18
        return .init(
            code: Code.requestTimedOut, message: "request timed out after \(seconds) s: its work was cancelled",
            data: ["timeoutSeconds": .number(seconds)])
    }
    /// -32005: the connection did not present the server's token; `message` says what to send.
    public static func unauthorized(_ message: String) -> ResponseError {
        .init(code: Code.unauthorized, message: message)
    }
    /// -32800: the request was cancelled by `$/cancelRequest`.
    public static let requestCancelled = ResponseError(code: Code.requestCancelled, message: "request cancelled")

    /// An invalid-params error describing where decoding `params` failed.
    public static func invalidParams(_ error: DecodingError) -> ResponseError {
        .invalidParams(error.message(at: "params"))
    }
}

/// An error that knows which JSON-RPC error it should be reported as.
///
/// Throw such errors from method handlers to control the code, message and data of the response.
public protocol ResponseErrorConvertible: Error {
    /// The JSON-RPC error this error is answered as.
    var responseError: ResponseError { get }
}

extension ResponseError: ResponseErrorConvertible {
    /// The error itself.
    public var responseError: ResponseError { self }
}
