#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file of the Unix domain socket a server listens on. A socket file nobody listens on (left
/// by a server that died) is removed before binding; a live one, or a file that is not a socket,
/// is refused.
enum UnixSocketFile {
    /// Why the server cannot listen at a path: a message for the person who started it.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes `path` free for `bind`, removing a stale socket file.
    /// - Throws: `Refusal` when a server listens there, or the file there is not a socket.
    static func clearStale(at path: String) throws(Refusal) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw Refusal(description: "\(path) exists and is not a socket: remove it or choose another --socket path")
        }
        guard !isLive(path) else {
            throw Refusal(
                description: "another server is listening on \(path): stop it or choose another --socket path")
        }
        guard unlink(path) == 0 else {
            throw Refusal(description: "cannot remove the stale socket file \(path): errno \(errno)")
        }
    }

    /// Whether something accepts connections on the socket at `path` (or it cannot be told:
    /// only a refused connection proves the file stale).
    private static func isLive(_ path: String) -> Bool {
        #if canImport(Glibc)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return true }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return true }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return rc == 0 || errno != ECONNREFUSED
    }
}
