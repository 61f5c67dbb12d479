/// A JSON-RPC error object: what a failed request answers.
///
/// Codes follow JSON-RPC 2.0 (-32700 ... -32603), the Language Server Protocol (-32002, -32800),
/// and the server-defined range -32099 ... -32000. Applications add their own codes in that range
/// through `ResponseErrorConvertible`.
public struct ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

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
        /// The request was cancelled by `$/cancelRequest` (as in LSP).
        public static let requestCancelled = -32800
    }

    public static func parseError(_ message: String) -> ResponseError { .init(code: Code.parseError, message: message) }
    public static func invalidRequest(_ message: String) -> ResponseError {
        .init(code: Code.invalidRequest, message: message)
    }
    public static func methodNotFound(_ method: String) -> ResponseError {
        .init(code: Code.methodNotFound, message: "method not found: \(method)")
    }
    public static func invalidParams(_ message: String) -> ResponseError {
        .init(code: Code.invalidParams, message: message)
    }
    public static func internalError(_ message: String) -> ResponseError {
        .init(code: Code.internalError, message: message)
    }
    public static func payloadTooLarge(_ message: String) -> ResponseError {
        .init(code: Code.payloadTooLarge, message: message)
    }
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
    var responseError: ResponseError { get }
}

extension ResponseError: ResponseErrorConvertible {
    public var responseError: ResponseError { self }
}
