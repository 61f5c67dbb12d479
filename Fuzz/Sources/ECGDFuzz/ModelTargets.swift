import ECGInference
import Foundation

/// The model loaders: every file either loads into a model that then runs on a small batch,
/// or throws a `ModelError` naming the file; nothing may trap.
enum ModelTargets {
    /// The `.onnx` file is the input.
    static let onnx = FuzzTarget(name: "onnx", summary: "ONNX loader (protobuf, graph building), then a run") {
        data in
        load(Scratch.write(data, to: "fuzz.onnx"))
    }

    /// The `.keras` archive (zip of config.json and model.weights.h5) is the input.
    static let keras = FuzzTarget(name: "keras", summary: "Keras 3 archive loader (zip, config.json, h5), then a run") {
        data in
        load(Scratch.write(data, to: "fuzz.keras"))
    }

    /// The `model.weights.h5` of a Keras directory is the input, next to the config.json of
    /// the `keras_seq_lite` fixture.
    static let hdf5 = FuzzTarget(name: "hdf5", summary: "HDF5 weights reader (Keras directory), then a run") { data in
        let directory = kerasDirectory
        try! data.write(to: directory.appendingPathComponent("model.weights.h5"))
        load(directory)
    }

    private static let kerasDirectory: URL = {
        let url = Scratch.directory.appendingPathComponent("keras-model", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let config = Scratch.fixture("Tests/ECGInferenceTests/Fixtures/keras_seq_lite/config.json")
        try! config.write(to: url.appendingPathComponent("config.json"))
        return url
    }()

    /// Loads `url`; a model must run on a batch of two, a failure must be a ModelError naming it.
    private static func load(_ url: URL) {
        let model: InferenceModel
        do {
            model = try ModelLoader.load(path: url)
        } catch let error as ModelError {
            if !error.description.contains(url.path) { propertyFailed("the error does not name the file: \(error)") }
            return
        } catch {
            propertyFailed("\(type(of: error)) is not a ModelError: \(error)")
        }
        let perSample = model.inputs.map { $0.shape.dropFirst().reduce(1, *) }
        guard perSample.reduce(0, +) <= 1 << 16, model.memoryBytes <= 64 << 20 else { return }
        var feeds: [String: Tensor] = [:]
        for (spec, count) in zip(model.inputs, perSample) {
            let values = (0..<(2 * count)).map { Float($0 % 7) / 3 - 1 }
            feeds[spec.name] = try! Tensor(shape: [2] + spec.shape.dropFirst(), data: values)
        }
        do { _ = try model.run(feeds) } catch { propertyFailed("loaded but does not run: \(error)") }
    }
}
