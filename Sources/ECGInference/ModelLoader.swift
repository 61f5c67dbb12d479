import Foundation

/// A model with its card, as the registry keeps it.
public struct LoadedModel: Sendable {
    public let card: ModelCard
    public let model: InferenceModel
    /// The directory holding model.json.
    public let directory: URL
}

/// Loads model directories (with a card) and bare model files.
public enum ModelLoader {
    /// Reads and decodes `directory/model.json`.
    public static func readCard(directory: URL) throws -> ModelCard {
        let url = directory.appendingPathComponent("model.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw ModelError.notFound(path: url.path) }
        do { return try JSONDecoder().decode(ModelCard.self, from: data) } catch {
            throw ModelError.invalidCard(path: url.path, reason: "\(error)")
        }
    }

    /// Loads the model a card describes, checking the card against the model.
    public static func load(card: ModelCard, directory: URL) throws -> LoadedModel {
        let model = try load(path: directory.appendingPathComponent(card.file))
        let cardPath = directory.appendingPathComponent("model.json").path
        guard let window = model.inputs.first(where: { $0.name == card.input.windowInput }) ?? model.inputs.first else {
            throw ModelError.invalidCard(path: cardPath, reason: "the model has no inputs")
        }
        guard window.shape.dropFirst().reduce(1, *) == card.input.windowLength else {
            throw ModelError.invalidCard(path: cardPath, reason: "window of \(card.input.windowLength) samples but input '\(window.name)' has shape \(window.shape)")
        }
        if let out = model.outputs.first {
            let width = out.shape.dropFirst().reduce(1, *)
            let expected = card.output == .sigmoid ? 1 : card.classes.count
            guard width == expected else {
                throw ModelError.invalidCard(path: cardPath, reason: "\(card.classes.count) classes (\(card.output.rawValue)) but output '\(out.name)' has shape \(out.shape)")
            }
        }
        return LoadedModel(card: card, model: model, directory: directory)
    }

    /// Loads `directory` holding model.json and the model file it names.
    public static func load(directory: URL) throws -> LoadedModel {
        try load(card: try readCard(directory: directory), directory: directory)
    }

    /// Loads a bare model: a .onnx file, a .keras archive, or a Keras directory
    /// (config.json + model.weights.h5, like the Streamlit app's model_lite/).
    public static func load(path: URL) throws -> InferenceModel {
        try load(path: path, kernel: .selected)
    }

    static func load(path: URL, kernel: GemmKernel) throws -> InferenceModel {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir) else {
            throw ModelError.notFound(path: path.path)
        }
        if isDir.boolValue {
            return InferenceModel(graph: try KerasImporter.loadDirectory(path, kernel: kernel), format: "keras", source: path.path)
        }
        switch path.pathExtension.lowercased() {
        case "onnx": return InferenceModel(graph: try ONNXImporter.load(path, kernel: kernel), format: "onnx", source: path.path)
        case "keras": return InferenceModel(graph: try KerasImporter.loadArchive(path, kernel: kernel), format: "keras", source: path.path)
        default:
            throw ModelError.unsupported(path: path.path, reason: "unknown model format (expected .onnx, .keras or a Keras directory)")
        }
    }
}
