/// Why a model could not be loaded or run; every case names the file when there is one.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or directory does not exist.
    case notFound(path: String)
    /// The file is unreadable, truncated or not the format its name says.
    case corrupt(path: String, reason: String)
    /// A node uses an operator (or layer class) the engine does not implement.
    case unsupportedOperator(path: String, opType: String, node: String)
    /// A feature of the model (attribute, configuration, layout) the engine does not implement.
    case unsupported(path: String, reason: String)
    /// Shapes in the model, or between the model and its inputs, do not agree.
    case shapeMismatch(path: String, reason: String)
    /// The tensors passed to `run` do not fit the model.
    case invalidInput(reason: String)

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such model file"
        case .corrupt(let path, let reason): return "\(path): corrupt or truncated model: \(reason)"
        case .unsupportedOperator(let path, let op, let node):
            return "\(path): unsupported operator \(op) in node '\(node)'"
        case .unsupported(let path, let reason): return "\(path): unsupported model: \(reason)"
        case .shapeMismatch(let path, let reason): return "\(path): shape mismatch: \(reason)"
        case .invalidInput(let reason): return "invalid model input: \(reason)"
        }
    }
}
