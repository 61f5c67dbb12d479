import Foundation

/// A problem with a signal or annotation file: names the file and what is wrong with it.
public struct SignalFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Path of the offending file.
    public var path: String
    /// What is wrong, for example `line 2: invalid gain "abc"`.
    public var message: String

    /// An error about the file at `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// An error about the file at `url`.
    public init(url: URL, message: String) {
        self.init(path: url.path, message: message)
    }

    public var description: String { "\(path): \(message)" }
}

extension SignalFileError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Reads a whole file, turning I/O failures into a `SignalFileError` naming it.
func readFileData(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url)
    } catch {
        let reason = FileManager.default.fileExists(atPath: url.path) ? "cannot be read" : "no such file"
        throw SignalFileError(url: url, message: reason)
    }
}
