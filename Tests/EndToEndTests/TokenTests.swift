import Foundation
import JSONRPC
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `--token-file`: required off loopback; every connection presents the token in `initialize`.
final class TokenTests: XCTestCase {
    private let secret = "s3cret-\(UUID().uuidString)"
    private var tokenFile: String!

    override func setUpWithError() throws {
        tokenFile =
            FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-token-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(
            atPath: tokenFile, contents: Data("\(secret)\n".utf8), attributes: [.posixPermissions: 0o600])
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: tokenFile)
    }

    func testANonLoopbackAddressRequiresATokenFile() throws {
        let process = try EcgdProcess(["--tcp", "0.0.0.0:0"])
        XCTAssertNotEqual(try process.waitForExit(), .exit(0))
        XCTAssertTrue(process.stderr.waitForEnd()?.contains("requires --token-file") ?? false, process.stderr.text)
    }

    func testATokenFileOthersCanReadIsRefused() throws {
        chmod(tokenFile, 0o644)
        let process = try EcgdProcess(["--tcp", "127.0.0.1:0", "--token-file", tokenFile])
        XCTAssertNotEqual(try process.waitForExit(), .exit(0))
        let text = process.stderr.waitForEnd() ?? ""
        XCTAssertTrue(text.contains("mode 644 lets others read the token; make it 0600"), text)
        XCTAssertFalse(text.contains(secret), "the token is never printed")
    }

    func testEveryConnectionMustPresentTheToken() throws {
        let process = try EcgdProcess(["--tcp", "0.0.0.0:0", "--token-file", tokenFile, "--log-level", "debug"])
        let port = try process.listeningPort()

        let missing = try FrameClient.connect(port: port)
        let refused = try missing.call("init", "initialize", ["clientInfo": ["name": "no token"]])
        XCTAssertEqual(refused["error"]?["code"], -32005, "\(refused)")
        XCTAssertEqual(try missing.readToEnd(), [], "the connection is closed")

        let wrong = try FrameClient.connect(port: port)
        let answer = try wrong.call("init", "initialize", ["initializationOptions": ["token": "guess"]])
        XCTAssertEqual(answer["error"]?["code"], -32005)
        XCTAssertEqual(try wrong.readToEnd(), [])

        let early = try FrameClient.connect(port: port)
        let ping = try early.call(1, "ping")
        XCTAssertEqual(ping["error"]?["code"], -32005, "nothing, not even ping, before the token")
        XCTAssertEqual(
            ping["error"]?["message"],
            "unauthorized: send initialize with the server's token (initializationOptions.token) first")
        XCTAssertEqual(try early.readToEnd(), [])

        let good = try FrameClient.connect(port: port)
        XCTAssertEqual(try good.initialize(token: secret)["serverInfo"]?["name"], "ecgd")
        XCTAssertEqual(try good.call(1, "ping")["result"]?["pong"], true)
        process.deliver(signal: SIGTERM)
        XCTAssertEqual(try process.waitForExit(), .exit(0))
        let log = process.stderr.waitForEnd() ?? ""
        XCTAssertTrue(log.contains("refusing the connection: wrong or missing token"), log)
        XCTAssertFalse(log.contains(secret), "the token is never logged")
    }
}
