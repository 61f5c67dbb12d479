import Foundation

/// The directory that `signal.path` parameters are confined to.
///
/// A path is accepted only if it is relative and, once `..` components and symbolic links are
/// resolved, still lies inside the root.
public struct DataRoot: Sendable {
    /// The root, with symbolic links resolved.
    public let url: URL

    /// The data root `url` (`--data-root`), symbolic links resolved.
    public init(_ url: URL) {
        self.url = url.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// Resolves `path` (as given by a client) to a file inside the root.
    /// - Parameters:
    ///   - path: the client's path, relative to the root.
    ///   - reportedPath: how errors name the path (the client's own spelling, by default `path`).
    public func resolve(
        _ path: String, reportedAs reportedPath: String? = nil, parameter: String
    ) throws(ServiceError) -> URL {
        let shown = reportedPath ?? path
        guard !path.isEmpty else { throw .invalidParams("\(parameter): must not be empty") }
        guard !path.hasPrefix("/"), !path.hasPrefix("~") else {
            throw .pathNotAllowed("\(parameter): \"\(shown)\" must be relative to the data root")
        }
        guard !path.contains("\0") else { throw .invalidParams("\(parameter): contains a NUL byte") }
        let candidate = url.appendingPathComponent(path).standardizedFileURL.resolvingSymlinksInPath()
        let root = url.path.hasSuffix("/") ? url.path : url.path + "/"
        guard candidate.path.hasPrefix(root) else {
            throw .pathNotAllowed("\(parameter): \"\(shown)\" resolves outside the data root")
        }
        return candidate
    }
}
