import Foundation
import JSONRPC
import XCTest

/// The shipped models are found wherever ecgd is started from, and a models directory that
/// serves nothing is said so in `initialize` and `listModels`.
final class ModelsDirectoryTests: XCTestCase {
    private func session(_ arguments: [String], in directory: String) throws -> (EcgdProcess, FrameClient, JSONValue) {
        let process = try EcgdProcess(["--stdio", "--log-level", "error"] + arguments, workingDirectory: directory)
        let client = process.client()
        return (process, client, try client.initialize())
    }

    private func finish(_ process: EcgdProcess, _ client: FrameClient) throws {
        XCTAssertEqual(try client.call("bye", "shutdown")["result"], JSONValue.null)
        try client.sendNotification("exit")
        _ = try client.readToEnd()
        XCTAssertEqual(try process.waitForExit(), .exit(0), process.stderr.text)
    }

    /// Started in `/` without `--models`, ecgd serves the `models/` of the package it was built
    /// in: the models it ships there, or (while it ships none) a warning naming that directory.
    func testShippedModelsAreFoundFromAnyWorkingDirectory() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().resolvingSymlinksInPath()
        let models = repository.appendingPathComponent("models")
        let shipped = ((try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: models.appendingPathComponent("\($0)/model.json").path)
        }.sorted()
        let (process, client, initialized) = try session([], in: "/")
        let capabilities = initialized["capabilities"]?["models"]
        XCTAssertEqual(capabilities?["shipped"]?.intValue, shipped.count)
        let listing = try client.call(1, "listModels")["result"]
        let names = listing?["models"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        XCTAssertEqual(names.sorted(), shipped)
        if shipped.isEmpty {
            let warning = capabilities?["warning"]?.stringValue ?? ""
            XCTAssertTrue(warning.contains("\(models.path) holds no model"), warning)
            XCTAssertEqual(listing?["warning"]?.stringValue, warning)
        } else {
            XCTAssertNil(capabilities?["warning"])
            XCTAssertNil(listing?["warning"])
        }
        try finish(process, client)
    }

    func testAMissingModelsDirectoryIsReported() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ecgd-no-models-\(UUID().uuidString)"
        ).path
        let (process, client, initialized) = try session(["--models", missing], in: "/")
        XCTAssertEqual(initialized["capabilities"]?["models"]?["shipped"], 0)
        let warning = initialized["capabilities"]?["models"]?["warning"]?.stringValue ?? ""
        XCTAssertTrue(warning.contains("does not exist"), warning)
        let listing = try client.call(1, "listModels")["result"]
        XCTAssertEqual(listing?["models"], [])
        XCTAssertEqual(listing?["warning"]?.stringValue, warning)
        let load = try client.call(2, "loadModel", ["name": "demo-aami5"])
        XCTAssertEqual(load["error"]?["code"], -32010)
        try finish(process, client)
    }
}
