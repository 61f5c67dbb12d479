import Foundation

/// A directory of this process's own (in memory where /dev/shm exists) for the files the file
/// readers are given; removed at exit.
enum Scratch {
    static let directory: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("ecgd-fuzz-\(getpid())", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.directory) }
        return url
    }()

    /// Writes `data` to `name` in the scratch directory and returns its URL.
    @discardableResult
    static func write(_ data: Data, to name: String) -> URL {
        let url = directory.appendingPathComponent(name)
        try! data.write(to: url)
        return url
    }

    /// The repository's root (the fuzz package's `ecgd` link), for fixtures.
    static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // Fuzz/Sources/ECGDFuzz/Scratch.swift
        return url
    }()

    /// The bytes of a file of the repository (a fixture), by its path from the root.
    static func fixture(_ path: String) -> Data {
        try! Data(contentsOf: repository.appendingPathComponent(path))
    }
}
