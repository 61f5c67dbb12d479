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
        let data = try readFile(url, limit: maxCardBytes)
        let card: ModelCard
        do { card = try JSONDecoder().decode(ModelCard.self, from: data) } catch {
            throw ModelError.invalidCard(path: url.path, reason: "\(error)")
        }
        try checkFile(card.file, cardPath: url.path)
        return card
    }

    /// A card's `file` must name something inside its directory: no absolute path, no "..".
    private static func checkFile(_ file: String, cardPath: String) throws {
        let parts = file.split(separator: "/", omittingEmptySubsequences: false)
        guard !file.isEmpty, !file.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            throw ModelError.invalidCard(path: cardPath, reason: "file '\(file)' must be a path inside the model directory")
        }
    }

    /// model.json files larger than this are refused.
    static let maxCardBytes = 1 << 20

    /// The bytes of `url`: notFound when it cannot be read, unsupported when it is larger than `limit`.
    static func readFile(_ url: URL, limit: Int = ModelLimits.maxFileBytes) throws -> Data {
        try checkSize(url, limit: limit)
        do { return try Data(contentsOf: url) } catch { throw ModelError.notFound(path: url.path) }
    }

    /// notFound when `url` does not exist; unsupported when it (or the file a symbolic link
    /// leads to) is not a regular file, or is larger than `limit` bytes.
    static func checkSize(_ url: URL, limit: Int = ModelLimits.maxFileBytes) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path) else {
            throw ModelError.notFound(path: url.path)
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ModelError.unsupported(path: url.path, reason: "not a regular file")
        }
        guard let size = (attributes[.size] as? NSNumber)?.intValue, size <= limit else {
            throw ModelError.unsupported(path: url.path, reason: "more than \(limit) bytes (the limit)")
        }
    }

    /// Loads the model a card describes (`card.file`, relative to `directory`), checking the
    /// card against the model.
    public static func load(card: ModelCard, directory: URL) throws -> LoadedModel {
        try checkFile(card.file, cardPath: directory.appendingPathComponent("model.json").path)
        let model = try load(path: directory.appendingPathComponent(card.file))
        try check(card, against: model, cardPath: directory.appendingPathComponent("model.json").path)
        return LoadedModel(card: card, model: model, directory: directory)
    }

    /// Loads a bare model file or Keras directory with a card the caller supplies (its `file`
    /// is ignored); the card is checked against the model.
    public static func load(path: URL, card: ModelCard) throws -> LoadedModel {
        let model = try load(path: path)
        try check(card, against: model, cardPath: "card supplied for \(path.path)")
        return LoadedModel(card: card, model: model, directory: path.deletingLastPathComponent())
    }

    private static func check(_ card: ModelCard, against model: InferenceModel, cardPath: String) throws {
        let spec = card.input
        guard spec.samplesBefore >= 0, spec.samplesAfter >= 0, spec.samplesBefore <= ModelLimits.maxTensorElements,
              spec.samplesAfter <= ModelLimits.maxTensorElements, spec.samplingRate.isFinite, spec.samplingRate > 0 else {
            throw ModelError.invalidCard(path: cardPath, reason: "input window (\(spec.samplesBefore) + \(spec.samplesAfter) samples at \(spec.samplingRate) Hz) out of range")
        }
        guard !card.classes.isEmpty, card.output != .sigmoid || card.classes.count == 2 else {
            throw ModelError.invalidCard(path: cardPath, reason: "\(card.classes.count) classes for a \(card.output.rawValue) output")
        }
        guard let window = model.inputs.first(where: { $0.name == card.input.windowInput }) ?? model.inputs.first else {
            throw ModelError.invalidCard(path: cardPath, reason: "the model has no inputs")
        }
        guard window.shape.dropFirst().reduce(1, *) == card.input.windowLength else {
            throw ModelError.invalidCard(path: cardPath, reason: "window of \(card.input.windowLength) samples but input '\(window.name)' has shape \(window.shape)")
        }
        let featureInputs = model.inputs.filter { $0.name != window.name }
        if card.input.features.isEmpty {
            guard featureInputs.isEmpty else {
                throw ModelError.invalidCard(path: cardPath, reason: "the model has inputs \(featureInputs.map(\.name)) but the card lists no features")
            }
        } else {
            guard featureInputs.count == 1,
                  let f = model.inputs.first(where: { $0.name == card.input.featureInput }) ?? featureInputs.first,
                  f.shape.dropFirst().reduce(1, *) == card.input.features.count else {
                throw ModelError.invalidCard(path: cardPath, reason: "\(card.input.features.count) features but the model's other inputs are \(featureInputs)")
            }
        }
        if let out = model.outputs.first {
            let width = out.shape.dropFirst().reduce(1, *)
            let expected = card.output == .sigmoid ? 1 : card.classes.count
            guard width == expected else {
                throw ModelError.invalidCard(path: cardPath, reason: "\(card.classes.count) classes (\(card.output.rawValue)) but output '\(out.name)' has shape \(out.shape)")
            }
        }
    }

    /// Loads `directory` holding model.json and the model file it names.
    public static func load(directory: URL) throws -> LoadedModel {
        try load(card: try readCard(directory: directory), directory: directory)
    }

    /// Loads a bare model: a .onnx file, a .keras archive, a Keras directory (config.json +
    /// model.weights.h5, like the Streamlit app's model_lite/), or the file a model directory's
    /// card names.
    public static func load(path: URL) throws -> InferenceModel {
        try load(path: path, kernel: .selected)
    }

    static func load(path: URL, kernel: GemmKernel) throws -> InferenceModel {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir) else {
            throw ModelError.notFound(path: path.path)
        }
        if isDir.boolValue {
            let fm = FileManager.default
            if fm.fileExists(atPath: path.appendingPathComponent("model.json").path),
               !fm.fileExists(atPath: path.appendingPathComponent("config.json").path) {
                let card = try readCard(directory: path)
                let file = path.appendingPathComponent(card.file)
                if fm.fileExists(atPath: file.appendingPathComponent("model.json").path),
                   !fm.fileExists(atPath: file.appendingPathComponent("config.json").path) {
                    throw ModelError.invalidCard(path: path.appendingPathComponent("model.json").path,
                                                 reason: "file '\(card.file)' is another model directory")
                }
                return try load(path: file, kernel: kernel)
            }
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
