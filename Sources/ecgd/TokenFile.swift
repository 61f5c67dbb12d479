import ArgumentParser
import Foundation
import JSONRPC

/// `--token-file`: the access token, read from a file only its owner may read.
enum TokenFile {
    /// The token in the file at `path` (its first line, surrounding white space removed).
    /// - Throws: `ValidationError` when the file is missing, readable by group or others, or empty.
    static func read(_ path: String) throws -> AccessToken {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ValidationError("--token-file \(path): cannot read it (errno \(errno))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ValidationError(
                "--token-file \(path): mode \(String(info.st_mode & 0o777, radix: 8)) lets others read the token; make it 0600 (chmod 600 \(path))"
            )
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("--token-file \(path): cannot read it as UTF-8 text")
        }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard let token = AccessToken(line.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--token-file \(path): the file holds no token")
        }
        return token
    }

    /// Whether `host` is a loopback address (`127.0.0.0/8`, `::1`, `localhost`): binding anywhere
    /// else requires a token.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
