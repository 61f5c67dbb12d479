import ECGInference
import Foundation
import Logging
import XCTest

@testable import ECGService

final class ModelRegistryTests: XCTestCase {
    func testConcurrentFirstRequestsLoadOnce() async throws {
        // The load is held open until the 23 other requests are waiting for it.
        let holder = RegistryHolder()
        let registry = ModelRegistry(
            modelsDirectory: ServiceTestSupport.modelsDirectory, maxLoaded: nil, logger: Logger(label: "test"),
            beforeLoad: { _ in
                while let registry = holder.registry, await registry.joinedLoads < 23 { await Task.yield() }
            })
        holder.registry = registry
        let models = try await withThrowingTaskGroup(of: ServedModel.self) { group in
            for _ in 0..<24 { group.addTask { try await registry.model(named: "demo-aami5") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(models.count, 24)
        let loads = await registry.loadCount
        XCTAssertEqual(loads, 1)
        let joined = await registry.joinedLoads
        XCTAssertEqual(joined, 23)
        XCTAssertTrue(
            models.allSatisfy { $0.inference === models[0].inference }, "every request got the same loaded model")
        _ = try await registry.model(named: "demo-aami5")
        let loadsAfter = await registry.loadCount
        XCTAssertEqual(loadsAfter, 1, "a warm model is not loaded again")
    }

    func testLeastRecentlyUsedIsEvicted() async throws {
        let registry = ServiceTestSupport.registry(maxLoaded: 2)
        _ = try await registry.model(named: "demo-aami5")
        _ = try await registry.model(named: "kachuee187-demo")
        _ = try await registry.model(named: "demo-aami5")  // now the most recently used
        let keras = PathModel(
            url: ServiceTestSupport.modelsDirectory.appendingPathComponent("kachuee187-demo/model.keras"),
            clientPath: "kachuee187-demo/model.keras",
            recipe: try BeatRecipe(
                input: InputSpec(
                    samplingRate: 125, samplesBefore: 0, samplesAfter: 187, normalization: .none, segmentation: .kachuee
                ),
                name: "test"))
        _ = try await registry.register(keras, as: "kachuee-keras")
        var loaded = await registry.loadedNames
        XCTAssertEqual(loaded, ["kachuee-keras", "demo-aami5"])
        var loads = await registry.loadCount
        XCTAssertEqual(loads, 3)

        // The evicted model loads again on demand, evicting the now least recently used.
        _ = try await registry.model(named: "kachuee187-demo")
        loaded = await registry.loadedNames
        XCTAssertEqual(loaded, ["kachuee187-demo", "kachuee-keras"])
        loads = await registry.loadCount
        XCTAssertEqual(loads, 4)
        // An evicted path model is still registered and reloads by name.
        _ = try await registry.model(named: "demo-aami5")
        let evicted = await registry.listing().first { $0.name == "kachuee-keras" }
        XCTAssertEqual(evicted?.loaded, false)
        XCTAssertNil(evicted?.memoryBytes)
        XCTAssertEqual(evicted?.classes, ["normal", "abnormal"])
        let again = try await registry.model(named: "kachuee-keras")
        XCTAssertEqual(again.card.classes, ["normal", "abnormal"])
        loaded = await registry.loadedNames
        XCTAssertEqual(loaded, ["kachuee-keras", "demo-aami5"])
    }

    func testUnknownModelListsTheAvailableOnes() async {
        let registry = ServiceTestSupport.registry()
        let message = await ServiceTestSupport.assertError(code: -32010) {
            _ = try await registry.model(named: "no-such-model")
        }
        XCTAssertTrue(message?.contains("demo-aami5") ?? false, message ?? "")
        XCTAssertTrue(message?.contains("kachuee187-demo") ?? false, message ?? "")
        await ServiceTestSupport.assertError(code: -32602) {
            _ = try await registry.model(named: "../models/demo-aami5")
        }
        let loads = await registry.loadCount
        XCTAssertEqual(loads, 0)
    }

    func testLoadFailureNamesTheFileAndRegistersNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-registry-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.onnx")
        try Data("not a model".utf8).write(to: broken)
        let registry = ServiceTestSupport.registry()
        let source = PathModel(
            url: broken, clientPath: "broken.onnx",
            recipe: try BeatRecipe(
                input: InputSpec(samplingRate: 360, samplesBefore: 90, samplesAfter: 90, normalization: .zScore),
                name: "test"))
        let message = await ServiceTestSupport.assertError(code: -32011) {
            _ = try await registry.register(source, as: "broken")
        }
        XCTAssertTrue(message?.contains("broken.onnx") ?? false, message ?? "")
        XCTAssertFalse(
            message?.contains(directory.path) ?? true, "the message shows the client's path, not the server's")
        let names = await registry.listing().map(\.name)
        XCTAssertFalse(names.contains("broken"))
        await ServiceTestSupport.assertError(code: -32010) { _ = try await registry.model(named: "broken") }
    }

    func testShippedNamesCannotBeTakenByPath() async throws {
        let registry = ServiceTestSupport.registry()
        let source = PathModel(
            url: ServiceTestSupport.modelsDirectory.appendingPathComponent("demo-aami5"), clientPath: "demo-aami5")
        await ServiceTestSupport.assertError(code: -32602) { _ = try await registry.register(source, as: "demo-aami5") }
        let copy = try await registry.register(source, as: "aami-copy")
        XCTAssertEqual(copy.card.classes, ["N", "SVEB", "VEB", "F", "Q"])
        XCTAssertEqual(copy.origin, .path("demo-aami5"))
    }

    func testUnloadFreesAndForgetsPathModels() async throws {
        let registry = ServiceTestSupport.registry()
        _ = try await registry.model(named: "demo-aami5")
        var unloaded = await registry.unload("demo-aami5")
        XCTAssertTrue(unloaded)
        unloaded = await registry.unload("demo-aami5")
        XCTAssertFalse(unloaded)
        let names = await registry.listing().map(\.name)
        XCTAssertTrue(names.contains("demo-aami5"), "a shipped model stays listed after unloading")
        _ = try await registry.model(named: "demo-aami5")
        let loads = await registry.loadCount
        XCTAssertEqual(loads, 2)
    }
}

/// Lets a registry's load hook see the registry it belongs to.
final class RegistryHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: ModelRegistry?
    var registry: ModelRegistry? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
