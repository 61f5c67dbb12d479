import Foundation

/// Loads model files: ONNX, Keras 3 archives and Keras directories. (Model cards, which say what
/// a model's inputs and outputs mean, are ECGService's.)
public enum ModelLoader {
    /// The bytes of `url`: notFound when it cannot be read, unsupported when it is larger than `limit`.
    static func readFile(_ url: URL, limit: Int = ModelLimits.maxFileBytes) throws -> Data {
        try checkSize(url, limit: limit)
        do { return try Data(contentsOf: url) } catch { throw ModelError.notFound(path: url.path) }
    }

    /// notFound when `url` does not exist; unsupported when it (or the file a symbolic link
    /// leads to) is not a regular file, or is larger than `limit` bytes.
    static func checkSize(_ url: URL, limit: Int = ModelLimits.maxFileBytes) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)
        else {
            throw ModelError.notFound(path: url.path)
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ModelError.unsupported(path: url.path, reason: "not a regular file")
        }
        guard let size = (attributes[.size] as? NSNumber)?.intValue, size <= limit else {
            throw ModelError.unsupported(path: url.path, reason: "more than \(limit) bytes (the limit)")
        }
    }

    /// Loads a model: a .onnx file, a .keras archive, or a Keras directory (config.json +
    /// model.weights.h5, like the Streamlit app's model_lite/).
    /// - Throws: `ModelError` naming the file.
    public static func load(path: URL) throws -> InferenceModel {
        try load(path: path, kernel: .selected)
    }

    static func load(path: URL, kernel: GemmKernel) throws -> InferenceModel {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir) else {
            throw ModelError.notFound(path: path.path)
        }
        if isDir.boolValue {
            return InferenceModel(
                graph: try KerasImporter.loadDirectory(path, kernel: kernel), format: "keras", source: path.path)
        }
        switch path.pathExtension.lowercased() {
        case "onnx":
            return InferenceModel(graph: try ONNXImporter.load(path, kernel: kernel), format: "onnx", source: path.path)
        case "keras":
            return InferenceModel(
                graph: try KerasImporter.loadArchive(path, kernel: kernel), format: "keras", source: path.path)
        default:
            throw ModelError.unsupported(
                path: path.path, reason: "unknown model format (expected .onnx, .keras or a Keras directory)")
        }
    }
}
