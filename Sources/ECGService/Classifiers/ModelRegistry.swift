import ECGInference
import Foundation
import Logging

/// Keeps models warm for every connection of the server.
///
/// Models are found by name in `modelsDirectory/NAME/model.json` or registered by path. The
/// first request for a model starts one load, on the work pool, and every concurrent
/// request for it awaits that same load. With `maxLoaded` set, loading one model too many
/// evicts the least recently used (requests already holding it finish normally; the next
/// request loads it again).
public actor ModelRegistry {
    /// Shipped models live in `modelsDirectory/NAME/model.json`.
    public nonisolated let modelsDirectory: URL
    /// Most models kept loaded at once; nil for no limit.
    public nonisolated let maxLoaded: Int?
    private let logger: Logger
    private let work: WorkPool

    /// Loads started so far (each successful or failed load counts once).
    public private(set) var loadCount = 0
    /// Requests that found their model loading and awaited that load instead of starting one.
    public private(set) var joinedLoads = 0
    /// Runs at the start of every load, off the actor (tests use it to hold a load open).
    private let beforeLoad: (@Sendable (String) async -> Void)?

    private struct Entry {
        var model: ServedModel
        var lastUse: UInt64
    }
    private var loaded: [String: Entry] = [:]
    private var loading: [String: (id: UInt64, task: Task<ServedModel, any Error>)] = [:]
    private var registered: [String: PathModel] = [:]
    /// Listings of registered models that loaded once, for while they are evicted (a listing
    /// holds no weights).
    private var registeredListings: [String: ModelListing] = [:]
    private var clock: UInt64 = 0

    /// A registry of the models shipped in `modelsDirectory`, keeping at most `maxLoaded` loaded
    /// (nil: no limit); loads run on `work`.
    public init(
        modelsDirectory: URL, maxLoaded: Int? = nil, logger: Logger = Logger(label: "ecgd.models"),
        work: WorkPool = WorkPool()
    ) {
        self.init(modelsDirectory: modelsDirectory, maxLoaded: maxLoaded, logger: logger, work: work, beforeLoad: nil)
    }

    init(
        modelsDirectory: URL, maxLoaded: Int?, logger: Logger, work: WorkPool = WorkPool(),
        beforeLoad: (@Sendable (String) async -> Void)?
    ) {
        precondition(maxLoaded.map { $0 >= 1 } ?? true, "maxLoaded must be at least 1")
        self.modelsDirectory = modelsDirectory
        self.maxLoaded = maxLoaded
        self.logger = logger
        self.work = work
        self.beforeLoad = beforeLoad
    }

    /// The model called `name`, loading it if needed.
    public func model(named name: String) async throws(ServiceError) -> ServedModel {
        try Self.checkName(name, parameter: "params.model")
        if let entry = loaded[name] {
            clock += 1
            loaded[name]?.lastUse = clock
            return entry.model
        }
        if let pending = loading[name] {
            joinedLoads += 1
            return try await Self.value(of: pending.task)
        }
        let source: ModelSource
        if let path = registered[name] {
            source = .path(path)
        } else if let directory = shippedDirectory(name) {
            source = .directory(directory)
        } else {
            let available = Set(shippedNames()).union(registered.keys).sorted()
            throw .modelNotFound(
                "params.model: no model named \"\(name)\" (available: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
            )
        }
        return try await load(name, from: source)
    }

    /// Registers the model at `source` as `name` (replacing an earlier registration of that
    /// name) and loads it. A failed load leaves nothing registered.
    func register(_ source: PathModel, as name: String) async throws(ServiceError) -> ServedModel {
        try Self.checkName(name, parameter: "params.name")
        if shippedDirectory(name) != nil {
            throw .invalidParams("params.name: \"\(name)\" is the name of a shipped model; choose another")
        }
        if registered[name] == source, let entry = loaded[name] {
            clock += 1
            loaded[name]?.lastUse = clock
            return entry.model
        }
        forget(name)
        registered[name] = source
        do {
            return try await load(name, from: .path(source))
        } catch {
            if registered[name]?.url == source.url { forget(name) }
            throw error
        }
    }

    /// Frees the model called `name`; a model registered by path is also forgotten.
    /// Returns whether it was loaded.
    public func unload(_ name: String) -> Bool {
        let wasLoaded = loaded[name] != nil
        loaded[name] = nil
        loading[name] = nil
        if registered[name] != nil { forget(name) }
        if wasLoaded { logger.info("unloaded model", metadata: ["model": .string(name)]) }
        return wasLoaded
    }

    /// Names of the loaded models, most recently used first.
    public var loadedNames: [String] {
        loaded.sorted { $0.value.lastUse > $1.value.lastUse }.map(\.key)
    }

    /// Every shipped and registered model, loaded or not, sorted by name.
    func listing() -> [ModelListing] {
        var result: [ModelListing] = []
        for name in shippedNames() where registered[name] == nil {
            if let entry = loaded[name] {
                result.append(ModelListing(entry.model, loaded: true))
            } else {
                result.append(ModelListing(shippedAt: modelsDirectory.appendingPathComponent(name), name: name))
            }
        }
        for (name, source) in registered {
            if let entry = loaded[name] {
                result.append(ModelListing(entry.model, loaded: true))
            } else if let listing = registeredListings[name] {
                result.append(listing)
            } else {
                result.append(ModelListing(registeredAt: source, name: name))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    // MARK: Loading

    private func load(_ name: String, from source: ModelSource) async throws(ServiceError) -> ServedModel {
        clock += 1
        let id = clock
        let logger = self.logger
        let (beforeLoad, work) = (self.beforeLoad, self.work)
        // Unstructured: a request that stops waiting (cancelled) leaves the load to the others.
        let task = Task { () throws -> ServedModel in
            await beforeLoad?(name)
            let start = ContinuousClock.now
            let model = try await work.run { try source.load(name: name) }
            let elapsed = ContinuousClock.now - start
            logger.info(
                "loaded model",
                metadata: [
                    "model": .string(name), "memoryBytes": .stringConvertible(model.inference.memoryBytes),
                    "seconds": .stringConvertible(elapsed.seconds),
                ])
            return model
        }
        loading[name] = (id, task)
        loadCount += 1
        do {
            let model = try await Self.value(of: task)
            // Only the load still wanted is kept (an unload or re-registration may have happened).
            if loading[name]?.id == id {
                loading[name] = nil
                insert(model)
            }
            return model
        } catch {
            if loading[name]?.id == id { loading[name] = nil }
            throw error
        }
    }

    private func insert(_ model: ServedModel) {
        clock += 1
        loaded[model.name] = Entry(model: model, lastUse: clock)
        if registered[model.name] != nil { registeredListings[model.name] = ModelListing(model, loaded: false) }
        guard let maxLoaded else { return }
        while loaded.count > maxLoaded {
            guard
                let victim = loaded.filter({ $0.key != model.name }).min(by: { $0.value.lastUse < $1.value.lastUse })?
                    .key
            else { break }
            loaded[victim] = nil
            logger.info("evicted least recently used model", metadata: ["model": .string(victim)])
        }
    }

    private func forget(_ name: String) {
        registered[name] = nil
        registeredListings[name] = nil
        loaded[name] = nil
        loading[name] = nil
    }

    private static func value(of task: Task<ServedModel, any Error>) async throws(ServiceError) -> ServedModel {
        do {
            return try await task.value
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .modelLoadFailed("\(error)")
        }
    }

    // MARK: Shipped models

    private func shippedDirectory(_ name: String) -> URL? {
        let directory = modelsDirectory.appendingPathComponent(name, isDirectory: true)
        return FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.json").path)
            ? directory : nil
    }

    private func shippedNames() -> [String] { Self.shippedNames(in: modelsDirectory) }

    /// The names of the models `directory` ships: subdirectories with a valid name holding a model.json.
    static func shippedNames(in directory: URL) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return entries.filter { name in
            (try? checkName(name, parameter: "")) != nil
                && FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(name)/model.json").path)
        }.sorted()
    }

    /// Why `directory` serves no shipped model (missing, or holding none), or nil.
    static func warning(forModelsDirectory directory: URL) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            return "the models directory \(directory.path) does not exist (give --models DIR or set ECGD_MODELS)"
        }
        guard !shippedNames(in: directory).isEmpty else {
            return "the models directory \(directory.path) holds no model (NAME/model.json)"
        }
        return nil
    }

    /// Names are 1 to 100 letters, digits, `.`, `_` or `-`, not starting with `.`.
    static func checkName(_ name: String, parameter: String) throws(ServiceError) {
        let allowed = name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F
                || c == 0x2D
        }
        guard !name.isEmpty, name.utf8.count <= 100, allowed, !name.hasPrefix(".") else {
            throw .invalidParams(
                "\(parameter): invalid model name \"\(name)\" (1 to 100 letters, digits, '.', '_' or '-', not starting with '.')"
            )
        }
    }
}
