import JSONRPC

/// Errors of the ecgd methods, each mapped to a documented JSON-RPC error code.
///
/// Codes (see protocol/README.md): -32602 invalid params (including invalid signals),
/// -32010 model not found, -32011 model failed to load, -32012 unsupported signal,
/// -32020 path outside the data root, -32021 file not found, -32022 unreadable or corrupt file,
/// -32001 payload too large.
public enum ServiceError: Error, ResponseErrorConvertible, Equatable {
    /// A parameter has an invalid value; the message starts with its path (`params.signal.fs: ...`).
    case invalidParams(String)
    /// No model of that name is shipped or loaded.
    case modelNotFound(String)
    /// The model file exists but could not be loaded.
    case modelLoadFailed(String)
    /// The signal is well-formed but cannot be processed (too short, unsupported rate or format).
    case unsupportedSignal(String)
    /// A path resolves outside the server's data root.
    case pathNotAllowed(String)
    /// A file does not exist under the data root.
    case fileNotFound(String)
    /// A file exists but is unreadable, truncated or corrupt.
    case fileUnreadable(String)
    /// A payload exceeds a configured limit.
    case payloadTooLarge(String)

    public var responseError: ResponseError {
        switch self {
        case .invalidParams(let m): ResponseError(code: ResponseError.Code.invalidParams, message: m)
        case .modelNotFound(let m): ResponseError(code: -32010, message: m)
        case .modelLoadFailed(let m): ResponseError(code: -32011, message: m)
        case .unsupportedSignal(let m): ResponseError(code: -32012, message: m)
        case .pathNotAllowed(let m): ResponseError(code: -32020, message: m)
        case .fileNotFound(let m): ResponseError(code: -32021, message: m)
        case .fileUnreadable(let m): ResponseError(code: -32022, message: m)
        case .payloadTooLarge(let m): ResponseError(code: ResponseError.Code.payloadTooLarge, message: m)
        }
    }
}
