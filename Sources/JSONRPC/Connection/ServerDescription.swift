/// What a server says about itself in its `initialize` result.
public struct ServerDescription: Sendable {
    /// `serverInfo.name`.
    public var name: String
    /// `serverInfo.version`.
    public var version: String
    /// The version of the application protocol spoken over JSON-RPC.
    public var protocolVersion: String
    /// Application capabilities, merged into `capabilities` next to `methods`, `encodings` and `limits`.
    public var capabilities: [String: JSONValue]

    /// What a server says about itself; `capabilities` default to none beyond the built-in ones.
    public init(name: String, version: String, protocolVersion: String, capabilities: [String: JSONValue] = [:]) {
        self.name = name
        self.version = version
        self.protocolVersion = protocolVersion
        self.capabilities = capabilities
    }
}
