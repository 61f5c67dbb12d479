import Foundation

/// Positioned reads of a signal file, a block at a time, so that a reader holds only the
/// block it decodes (a day-long recording is never in memory as raw bytes). I/O failures
/// become `SignalFileError`s naming the file.
final class SignalFileReader {
    let url: URL
    private let handle: FileHandle

    init(_ url: URL) throws {
        self.url = url
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            let reason = FileManager.default.fileExists(atPath: url.path) ? "cannot be read" : "no such file"
            throw SignalFileError(url: url, message: reason)
        }
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Size of the file in bytes.
    func size() throws -> Int {
        var info = stat()
        guard fstat(handle.fileDescriptor, &info) == 0 else {
            throw SignalFileError(url: url, message: "cannot be read")
        }
        return Int(info.st_size)
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`.
    func read(at offset: Int, count: Int, into buffer: UnsafeMutableRawPointer) throws {
        var done = 0
        while done < count {
            let n = pread(handle.fileDescriptor, buffer + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw SignalFileError(
                    url: url,
                    message: n == 0
                        ? "ends at byte \(offset + done), \(count - done) bytes early"
                        : "read failed at byte \(offset + done)")
            }
            done += n
        }
    }

    /// Reads exactly `count` bytes at `offset`.
    func read(at offset: Int, count: Int) throws -> Data {
        var data = Data(count: count)
        try data.withUnsafeMutableBytes { try read(at: offset, count: count, into: $0.baseAddress!) }
        return data
    }
}
