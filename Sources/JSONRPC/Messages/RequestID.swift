/// The `id` of a JSON-RPC request: a number or a string.
public enum RequestID: Sendable, Hashable, CustomStringConvertible {
    case number(Int)
    case string(String)

    /// Reads an id from its JSON form; `nil` if the value is neither an integer nor a string.
    public init?(json: JSONValue) {
        switch json {
        case .string(let s): self = .string(s)
        case .number: if let i = json.intValue { self = .number(i) } else { return nil }
        default: return nil
        }
    }

    /// The JSON form of this id.
    public var json: JSONValue {
        switch self {
        case .number(let n): .number(Double(n))
        case .string(let s): .string(s)
        }
    }

    public var description: String {
        switch self {
        case .number(let n): "\(n)"
        case .string(let s): "\"\(s)\""
        }
    }
}
