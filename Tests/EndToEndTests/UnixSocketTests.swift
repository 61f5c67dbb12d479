import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `ecgd --socket PATH`: a Unix domain socket, mode 0600, stale files replaced, live ones refused.
final class UnixSocketTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ecgd-sock-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var path: String { directory.appendingPathComponent("ecgd.sock").path }

    private func serve() throws -> EcgdProcess {
        let process = try EcgdProcess(["--socket", path, "--data-root", FrameClient.testData.path])
        let line = "ecgd: listening on unix:\(path)\n"
        XCTAssertNotNil(process.stderr.wait { $0.contains(line) }, "stderr:\n\(process.stderr.text)")
        return process
    }

    func testServesOverAPrivateSocketAndRemovesItWhenStopped() throws {
        let process = try serve()
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "only the owner may connect")

        let client = try FrameClient.connect(unixSocket: path)
        XCTAssertEqual(try client.initialize()["serverInfo"]?["name"], "ecgd")
        let peaks = try client.call(1, "detectPeaks", ["signal": ["path": "mitdb/208"]])
        XCTAssertGreaterThan(peaks["result"]?["peaks"]?.arrayValue?.count ?? 0, 1000, "\(peaks)")
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0), "stderr:\n\(process.stderr.text)")
        XCTAssertEqual(try client.readToEnd(), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the socket file is removed")
    }

    func testAStaleSocketFileIsReplaced() throws {
        // What a server that died leaves: a socket file nobody listens on.
        let fd = try FrameClient.unixSocket(path) { fd, address, length in bind(fd, address, length) }
        close(fd)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let process = try serve()
        let client = try FrameClient.connect(unixSocket: path)
        XCTAssertEqual(try client.call(1, "ping")["result"]?["pong"], true)
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0), "stderr:\n\(process.stderr.text)")
    }

    func testALiveSocketIsRefused() throws {
        let first = try serve()
        let second = try EcgdProcess(["--socket", path])
        XCTAssertEqual(try second.waitForExit(), .exit(1))
        XCTAssertTrue(
            second.stderr.waitForEnd()?.contains("another server is listening on \(path)") ?? false,
            "stderr:\n\(second.stderr.text)")
        // The first server is undisturbed.
        let client = try FrameClient.connect(unixSocket: path)
        XCTAssertEqual(try client.call(1, "ping")["result"]?["pong"], true)
        first.deliver(signal: SIGTERM)
        XCTAssertEqual(try first.waitForExit(), .exit(0), "stderr:\n\(first.stderr.text)")
    }

    func testAFileThatIsNotASocketIsRefused() throws {
        _ = FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        let process = try EcgdProcess(["--socket", path])
        XCTAssertEqual(try process.waitForExit(), .exit(1))
        XCTAssertTrue(
            process.stderr.waitForEnd()?.contains("exists and is not a socket") ?? false,
            "stderr:\n\(process.stderr.text)")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "keep me")
    }
}
