/// The secret every connection must present in `initialize` (`initializationOptions.token`)
/// before anything else, when the server requires one.
///
/// It is compared in constant time (the time taken does not depend on where a guess differs)
/// and never appears in a description or a log.
public struct AccessToken: Sendable, CustomStringConvertible {
    private let secret: [UInt8]

    /// The token `secret` (at least one byte).
    public init?(_ secret: String) {
        guard !secret.isEmpty else { return nil }
        self.secret = Array(secret.utf8)
    }

    /// The member of `initialize`'s `initializationOptions` a client presents the token in.
    public static let member = "token"

    /// Whether `presented` is the token, compared in time that depends only on the lengths.
    public func matches(_ presented: String) -> Bool {
        let guess = Array(presented.utf8)
        var difference = UInt8(guess.count == secret.count ? 0 : 1)
        for index in 0..<secret.count {
            difference |= secret[index] ^ (index < guess.count ? guess[index] : 0)
        }
        return difference == 0
    }

    /// `initialize` params as handlers see them (`Session.initializeParams`): without the token.
    static func redacted(_ params: JSONValue?) -> JSONValue? {
        guard case .object(var members) = params, case .object(var options)? = members["initializationOptions"]
        else { return params }
        options[member] = nil
        members["initializationOptions"] = .object(options)
        return .object(members)
    }

    public var description: String { "AccessToken(redacted)" }
}
