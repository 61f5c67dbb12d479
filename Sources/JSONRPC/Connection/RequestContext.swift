import Logging

/// What a method handler knows about the request it is serving.
public struct RequestContext: Sendable {
    /// The request id; `nil` when serving a notification.
    public let id: RequestID?
    /// The method name.
    public let method: String
    /// A logger carrying the connection and request as metadata. Logs go to stderr.
    public let logger: Logger
    /// Present when the client asked for progress with a `workDoneToken`.
    public let progress: ProgressReporter?
    /// Sends a notification to the client of this connection.
    public let notify: @Sendable (Notification) -> Void
    /// The connection this request came on: its `initialize` params and application state.
    public let session: Session

    init(
        id: RequestID?, method: String, logger: Logger, progress: ProgressReporter?,
        notify: @escaping @Sendable (Notification) -> Void, session: Session = Session()
    ) {
        self.id = id
        self.method = method
        self.logger = logger
        self.progress = progress
        self.notify = notify
        self.session = session
    }
}

/// Sends LSP work-done progress (`$/progress`) for one request.
public struct ProgressReporter: Sendable {
    /// The client's `workDoneToken`.
    public let token: JSONValue
    let notify: @Sendable (Notification) -> Void

    /// A reporter for `token` that hands each `$/progress` notification to `notify`.
    public init(token: JSONValue, notify: @escaping @Sendable (Notification) -> Void) {
        self.token = token
        self.notify = notify
    }

    /// Reads the `workDoneToken` of `params`, if it is a string or an integer.
    static func token(in params: JSONValue?) -> JSONValue? {
        switch params?["workDoneToken"] {
        case .string(let s)?: .string(s)
        case let n? where n.intValue != nil: n
        default: nil
        }
    }

    /// Announces the start of the work.
    public func begin(title: String, message: String? = nil, percentage: Int? = 0, cancellable: Bool = true) {
        var value: [String: JSONValue] = ["kind": "begin", "title": .string(title), "cancellable": .bool(cancellable)]
        if let message { value["message"] = .string(message) }
        if let percentage { value["percentage"] = .number(Double(percentage)) }
        send(value)
    }

    /// Reports intermediate progress, `percentage` from 0 to 100.
    public func report(percentage: Int? = nil, message: String? = nil) {
        var value: [String: JSONValue] = ["kind": "report"]
        if let message { value["message"] = .string(message) }
        if let percentage { value["percentage"] = .number(Double(min(100, max(0, percentage)))) }
        send(value)
    }

    /// Announces the end of the work.
    public func end(message: String? = nil) {
        var value: [String: JSONValue] = ["kind": "end"]
        if let message { value["message"] = .string(message) }
        send(value)
    }

    private func send(_ value: [String: JSONValue]) {
        notify(Notification(method: "$/progress", params: ["token": token, "value": .object(value)]))
    }
}
