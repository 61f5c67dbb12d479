import Foundation

/// Reads Keras 3 weights (`layers/<layer>/vars/<i>`) from a model.weights.h5 file.
struct HDF5Weights {
    let path: String
    /// Every variable of every layer: layer name -> variables in order.
    let layers: [String: [(shape: [Int], data: [Float])]]

    /// Parses `data`, the contents of a model.weights.h5; errors name `displayPath`.
    init(data: Data, displayPath: String) throws {
        path = displayPath
        do {
            layers = try Self.read(try HDF5File(data))
        } catch HDF5File.Failure.corrupt(let why) {
            throw ModelError.corrupt(path: displayPath, reason: "model.weights.h5: \(why)")
        } catch HDF5File.Failure.unsupported(let why) {
            throw ModelError.unsupported(path: displayPath, reason: "model.weights.h5: \(why)")
        }
    }

    /// The variables of layer `name`, checked against the expected count.
    func vars(_ key: String, count: Int, layer: String) throws -> [(shape: [Int], data: [Float])] {
        let v = layers[key] ?? []
        guard v.count == count else {
            throw ModelError.shapeMismatch(
                path: path,
                reason: "layer '\(layer)' has \(v.count) weight arrays in the h5 group layers/\(key), expected \(count)"
            )
        }
        return v
    }

    private static func read(_ file: HDF5File) throws -> [String: [(shape: [Int], data: [Float])]] {
        guard let layers = try file.member(file.root, "layers") else {
            throw HDF5File.Failure.corrupt("no 'layers' group (not a Keras 3 weights file)")
        }
        var result: [String: [(shape: [Int], data: [Float])]] = [:]
        var budget = ModelLimits.maxModelWeights
        for (name, group) in try file.children(layers) {
            guard let vars = try file.member(group, "vars") else { continue }
            let members = Dictionary(
                try file.children(vars).map { ($0.name, $0.header) }, uniquingKeysWith: { a, _ in a })
            var values: [(shape: [Int], data: [Float])] = []
            while let header = members["\(values.count)"] {
                values.append(try file.dataset(header, budget: &budget))
            }
            result[name] = values
        }
        return result
    }
}
