/// A JSON-RPC request: a method call that expects a response.
public struct Request: Sendable, Equatable {
    /// The id the response will carry.
    public var id: RequestID
    /// The method called.
    public var method: String
    /// Its params: an object or an array, or nil when absent.
    public var params: JSONValue?

    /// A request to send or to dispatch.
    public init(id: RequestID, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }
}

/// A JSON-RPC notification: a method call without an id, never answered.
public struct Notification: Sendable, Equatable {
    /// The method called.
    public var method: String
    /// Its params: an object or an array, or nil when absent.
    public var params: JSONValue?

    /// A notification to send or to dispatch.
    public init(method: String, params: JSONValue? = nil) {
        self.method = method
        self.params = params
    }

    /// The JSON form of this notification.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        return .object(object)
    }
}

/// One incoming JSON-RPC message, validated.
public enum Message: Sendable, Equatable {
    case request(Request)
    case notification(Notification)
    /// A response from the peer (the server sends no requests, so these are only logged).
    case response(id: RequestID?)

    /// A message that is JSON but not a valid JSON-RPC message, with the id when one could be read.
    public struct Invalid: Error, Sendable, Equatable {
        /// The message's id, when it had a readable one (the error response carries it).
        public var id: RequestID?
        /// What is wrong with the message, as the error response says it.
        public var error: ResponseError
    }

    /// Validates one JSON-RPC message object.
    public init(json: JSONValue) throws(Invalid) {
        guard case .object(let object) = json else {
            throw Invalid(id: nil, error: .invalidRequest("a message must be a JSON object, found \(json.typeName)"))
        }
        var id: RequestID?
        if let rawID = object["id"] {
            guard let parsed = RequestID(json: rawID) else {
                throw Invalid(
                    id: nil, error: .invalidRequest("\"id\" must be an integer or a string, found \(rawID.typeName)"))
            }
            id = parsed
        }
        guard object["jsonrpc"] == "2.0" else {
            let found = object["jsonrpc"].map { $0.description } ?? "nothing"
            throw Invalid(id: id, error: .invalidRequest("\"jsonrpc\" must be \"2.0\", found \(found)"))
        }
        guard let rawMethod = object["method"] else {
            if object["result"] != nil || object["error"] != nil {
                self = .response(id: id)
                return
            }
            throw Invalid(id: id, error: .invalidRequest("the message has no \"method\""))
        }
        guard case .string(let method) = rawMethod else {
            throw Invalid(id: id, error: .invalidRequest("\"method\" must be a string, found \(rawMethod.typeName)"))
        }
        let params = object["params"]
        switch params {
        case nil, .object?, .array?: break
        case let other?:
            throw Invalid(
                id: id, error: .invalidRequest("\"params\" must be an object or an array, found \(other.typeName)"))
        }
        if let id {
            self = .request(Request(id: id, method: method, params: params))
        } else {
            self = .notification(Notification(method: method, params: params))
        }
    }
}

/// Builds the JSON of responses.
public enum ResponseBody {
    /// A success response.
    public static func result(_ result: JSONValue, id: RequestID) -> JSONValue {
        ["jsonrpc": "2.0", "id": id.json, "result": result]
    }

    /// An error response; `id` is `null` when it could not be determined.
    public static func error(_ error: ResponseError, id: RequestID?) -> JSONValue {
        ["jsonrpc": "2.0", "id": id?.json ?? .null, "error": error.json]
    }
}
