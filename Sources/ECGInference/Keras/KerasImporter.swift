import Foundation
import JSON
import ZIPFoundation

/// Turns a Keras 3 model (config.json + model.weights.h5) into a `Graph`.
/// Keras is channels-last like the engine, so layers map one to one.
enum KerasImporter {
    /// Loads a `.keras` archive.
    static func loadArchive(_ url: URL, kernel: GemmKernel) throws -> Graph {
        let path = url.path
        let (config, weights) = try archiveEntries(url)
        return try build(
            config: config, weights: try HDF5Weights(data: weights, displayPath: path), path: path, kernel: kernel)
    }

    /// config.json and model.weights.h5 of a `.keras` archive.
    static func archiveEntries(_ url: URL) throws -> (config: Data, weights: Data) {
        let path = url.path
        try ModelLoader.checkSize(url)
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw ModelError.corrupt(path: path, reason: "not a readable zip archive")
        }
        func read(_ name: String, limit: Int) throws -> Data {
            guard let entry = archive[name] else {
                throw ModelError.corrupt(path: path, reason: "the archive has no \(name)")
            }
            guard entry.uncompressedSize <= UInt64(limit) else {
                throw ModelError.unsupported(
                    path: path, reason: "\(name) has \(entry.uncompressedSize) bytes, more than \(limit) (the limit)")
            }
            var data = Data()
            do {
                // The declared size may lie: stop a stream that outgrows it.
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    guard data.count + chunk.count <= limit else { throw ExtractionOverflow() }
                    data.append(chunk)
                }
            } catch is ExtractionOverflow {
                throw ModelError.unsupported(
                    path: path, reason: "\(name) expands to more than \(limit) bytes (the limit)")
            } catch {
                throw ModelError.corrupt(path: path, reason: "cannot extract \(name) (\(error))")
            }
            return data
        }
        return (
            try read("config.json", limit: maxConfigBytes),
            try read("model.weights.h5", limit: ModelLimits.maxFileBytes)
        )
    }

    /// config.json files larger than this are refused.
    static let maxConfigBytes = 64 << 20

    private struct ExtractionOverflow: Error {}

    /// Loads a directory holding config.json and model.weights.h5 (metadata.json is optional).
    static func loadDirectory(_ url: URL, kernel: GemmKernel) throws -> Graph {
        let configURL = url.appendingPathComponent("config.json")
        let h5 = url.appendingPathComponent("model.weights.h5")
        let config = try ModelLoader.readFile(configURL, limit: maxConfigBytes)
        let weights = try ModelLoader.readFile(h5)
        return try build(
            config: config, weights: try HDF5Weights(data: weights, displayPath: h5.path), path: url.path,
            kernel: kernel)
    }

    static func build(config: Data, weights: HDF5Weights, path: String, kernel: GemmKernel) throws -> Graph {
        guard let root = try? JSONParser.parse(config), let className = root["class_name"]?.stringValue,
            let cfg = root["config"], let layers = cfg["layers"]?.arrayValue
        else {
            throw ModelError.corrupt(path: path, reason: "config.json is not a Keras model configuration")
        }
        guard layers.count <= ModelLimits.maxNodes else {
            throw ModelError.unsupported(
                path: path, reason: "\(layers.count) layers, more than \(ModelLimits.maxNodes) (the limit)")
        }
        var converter = KerasLayers(path: path, weights: weights)
        switch className {
        case "Sequential": try converter.sequential(layers, cfg)
        case "Functional", "Model": try converter.functional(layers, cfg)
        default: throw ModelError.unsupported(path: path, reason: "model class \(className)")
        }
        return converter.b.finish(kernel: kernel)
    }
}
