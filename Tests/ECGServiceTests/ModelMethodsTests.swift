import Foundation
import XCTest

@testable import ECGService
@testable import JSONRPC

final class ModelMethodsTests: XCTestCase {
    let registry = ServiceTestSupport.registry()
    /// The data root is the repository, so the fixture models are reachable by path.
    var methods: ModelMethods { ModelMethods(registry: registry, dataRoot: DataRoot(ServiceTestSupport.repository)) }

    private func listing(_ name: String) async throws -> JSONValue? {
        let result = try await methods.listModels(nil, ServiceTestSupport.context())
        return try XCTUnwrap(result["models"]?.arrayValue).first { $0["name"]?.stringValue == name }
    }

    func testListLoadUnload() async throws {
        var entry = try await listing("demo-aami5")
        XCTAssertEqual(entry?["loaded"], false)
        XCTAssertNil(entry?["memoryBytes"])
        XCTAssertEqual(entry?["classes"], ["N", "SVEB", "VEB", "F", "Q"])
        XCTAssertEqual(entry?["inputSpec"]?["samplesBefore"], 180)
        XCTAssertEqual(entry?["source"], "directory")
        let kachuee = try await listing("kachuee187-demo")
        XCTAssertEqual(kachuee?["inputSpec"]?["segmentation"], "kachuee")

        let loaded = try await methods.loadModel(["name": "demo-aami5"], ServiceTestSupport.context())
        XCTAssertEqual(loaded["loaded"], true)
        XCTAssertEqual(loaded["format"], "onnx")
        XCTAssertGreaterThan(try XCTUnwrap(loaded["memoryBytes"]?.intValue), 10_000)
        entry = try await listing("demo-aami5")
        XCTAssertEqual(entry?["loaded"], true)

        let first = try await methods.unloadModel(["name": "demo-aami5"], ServiceTestSupport.context())
        XCTAssertEqual(first, ["unloaded": true])
        let second = try await methods.unloadModel(["name": "demo-aami5"], ServiceTestSupport.context())
        XCTAssertEqual(second, ["unloaded": false])
    }

    func testBareKerasFileByPathAgreesWithTheShippedOnnx() async throws {
        let spec: JSONValue = [
            "samplingRate": 125, "samplesBefore": 0, "samplesAfter": 187, "normalization": "minmax",
            "segmentation": "kachuee",
        ]
        await ServiceTestSupport.assertError(code: -32602) {
            _ = try await self.methods.loadModel(
                ["name": "k", "path": "Tests/Data/models/kachuee187-demo/model.keras"], ServiceTestSupport.context())
        }
        let loaded = try await methods.loadModel(
            ["name": "kachuee-keras", "path": "Tests/Data/models/kachuee187-demo/model.keras", "inputSpec": spec],
            ServiceTestSupport.context())
        XCTAssertEqual(loaded["format"], "keras")
        XCTAssertEqual(loaded["source"], "path")
        XCTAssertEqual(loaded["path"], "Tests/Data/models/kachuee187-demo/model.keras")
        XCTAssertEqual(loaded["classes"], ["normal", "abnormal"], "one sigmoid unit reads as normal/abnormal")
        let entry = try await listing("kachuee-keras")
        XCTAssertEqual(entry?["loaded"], true)

        // The Keras file and the shipped ONNX file are the same model.
        let beats: JSONValue = .array(
            (0..<4).map { r in .array((0..<187).map { .number(Double(($0 * (r + 2)) % 37) / 37) }) })
        let classify = Classify(signals: ServiceTestSupport.signals(), registry: registry, threads: 1)
        let keras = try await classify(["model": "kachuee-keras", "beats": beats], ServiceTestSupport.context())
        let onnx = try await classify(["model": "kachuee187-demo", "beats": beats], ServiceTestSupport.context())
        for (a, b) in zip(try XCTUnwrap(keras["beats"]?.arrayValue), try XCTUnwrap(onnx["beats"]?.arrayValue)) {
            XCTAssertEqual(
                try XCTUnwrap(a["probabilities"]?["abnormal"]?.numberValue),
                try XCTUnwrap(b["probabilities"]?["abnormal"]?.numberValue), accuracy: 1e-5)
        }

        let unloaded = try await methods.unloadModel(["name": "kachuee-keras"], ServiceTestSupport.context())
        XCTAssertEqual(unloaded, ["unloaded": true])
        let gone = try await listing("kachuee-keras")
        XCTAssertNil(gone, "a model loaded by path is forgotten when unloaded")
    }

    func testPathsStayInsideTheDataRoot() async {
        await ServiceTestSupport.assertError(code: -32020) {
            _ = try await self.methods.loadModel(["name": "x", "path": "/etc/passwd"], ServiceTestSupport.context())
        }
        await ServiceTestSupport.assertError(code: -32020) {
            _ = try await self.methods.loadModel(
                ["name": "x", "path": "../outside.onnx"], ServiceTestSupport.context())
        }
        await ServiceTestSupport.assertError(code: -32021) {
            _ = try await self.methods.loadModel(
                [
                    "name": "x", "path": "models/none.onnx",
                    "inputSpec": ["samplingRate": 360, "samplesBefore": 1, "samplesAfter": 1],
                ], ServiceTestSupport.context())
        }
    }

    func testModelDirectoryByPathKeepsItsCard() async throws {
        let loaded = try await methods.loadModel(
            ["name": "aami-copy", "path": "Tests/Data/models/demo-aami5"], ServiceTestSupport.context())
        XCTAssertEqual(loaded["name"], "aami-copy")
        XCTAssertEqual(loaded["classes"], ["N", "SVEB", "VEB", "F", "Q"])
        XCTAssertEqual(loaded["version"], "0.1.0")
    }
}
