import Foundation
import JSONRPC

/// An error of the ecgd methods: a documented JSON-RPC error code and a message that starts with
/// the path of the offending parameter (`params.signal.fs: ...`).
///
/// Codes are named in `Code` (see protocol/README.md, "Errors"); make errors with the static
/// factories, `throw .invalidParams("params.lead: ...")`.
public struct ServiceError: Error, ResponseErrorConvertible, Equatable, CustomStringConvertible {
    /// A documented error code of the ecgd methods.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// -32602: a parameter has an invalid value (including invalid signals).
        public static let invalidParams = Code(rawValue: ResponseError.Code.invalidParams)
        /// -32001: a payload exceeds a configured limit.
        public static let payloadTooLarge = Code(rawValue: ResponseError.Code.payloadTooLarge)
        /// -32010: no model of that name is shipped or loaded.
        public static let modelNotFound = Code(rawValue: -32010)
        /// -32011: the model file exists but could not be loaded.
        public static let modelLoadFailed = Code(rawValue: -32011)
        /// -32012: the signal is well-formed but cannot be processed (too short, unsupported rate).
        public static let unsupportedSignal = Code(rawValue: -32012)
        /// -32020: a path resolves outside the server's data root.
        public static let pathNotAllowed = Code(rawValue: -32020)
        /// -32021: a file does not exist under the data root.
        public static let fileNotFound = Code(rawValue: -32021)
        /// -32022: a file exists but is unreadable, truncated or corrupt.
        public static let fileUnreadable = Code(rawValue: -32022)
    }

    /// The documented code the client receives.
    public var code: Code
    /// What is wrong, starting with the parameter path at fault.
    public var message: String

    /// An error of `code`; prefer the static factories below.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The JSON-RPC error object sent to the client.
    public var responseError: ResponseError { ResponseError(code: code.rawValue, message: message) }
    public var description: String { "\(code.rawValue): \(message)" }

    /// The same error with `target` replaced by `replacement` in its message (server paths
    /// replaced by the client's spelling of them).
    func replacingInMessage(_ target: String, with replacement: String) -> ServiceError {
        ServiceError(code, message.replacingOccurrences(of: target, with: replacement))
    }

    /// -32602 with `message` (and, below, one factory for each other `Code`).
    public static func invalidParams(_ message: String) -> ServiceError { .init(.invalidParams, message) }
    public static func payloadTooLarge(_ message: String) -> ServiceError { .init(.payloadTooLarge, message) }
    public static func modelNotFound(_ message: String) -> ServiceError { .init(.modelNotFound, message) }
    public static func modelLoadFailed(_ message: String) -> ServiceError { .init(.modelLoadFailed, message) }
    public static func unsupportedSignal(_ message: String) -> ServiceError { .init(.unsupportedSignal, message) }
    public static func pathNotAllowed(_ message: String) -> ServiceError { .init(.pathNotAllowed, message) }
    public static func fileNotFound(_ message: String) -> ServiceError { .init(.fileNotFound, message) }
    public static func fileUnreadable(_ message: String) -> ServiceError { .init(.fileUnreadable, message) }
}
