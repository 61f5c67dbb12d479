import ECGInference
import Foundation
import JSON

/// Where a model is loaded from, and how.
enum ModelSource: Sendable {
    /// A shipped model: `modelsDirectory/NAME` holding model.json.
    case directory(URL)
    /// A model given by path to `loadModel`.
    case path(PathModel)
}

/// A model registered by path: a directory with a model card, a Keras directory, or a bare
/// .onnx / .keras file (which needs the caller's input spec).
struct PathModel: Sendable, Equatable {
    /// The resolved location.
    var url: URL
    /// The path as the client wrote it (used in messages instead of server paths).
    var clientPath: String
    /// Overrides the card's input spec; required for bare files.
    var recipe: BeatRecipe?
    /// Class names in output order; for bare files with one sigmoid output, normal/abnormal.
    var classes: [String]?
    var output: OutputKind?
}

extension ModelSource {
    /// Loads the model (slow: reads and prepares the weights). Call off the registry's executor.
    func load(name: String) throws(ServiceError) -> ServedModel {
        switch self {
        case .directory(let directory):
            let card = try ModelCard.read(directory: directory)
            let cardName = directory.appendingPathComponent("model.json").path
            let recipe = try Self.recipe(card: card, directory: directory)
            let model = try Self.loadModel(directory.appendingPathComponent(card.file), shownAs: nil)
            do {
                return try ServedModel(
                    name: name, card: card, recipe: recipe, inference: model, origin: .directory,
                    inputName: "\(cardName): input", classesName: "\(cardName): classes")
            } catch {
                throw .modelLoadFailed(error.message)
            }
        case .path(let source):
            return try source.load(name: name)
        }
    }

    /// The card's input spec, checked.
    static func recipe(card: ModelCard, directory: URL) throws(ServiceError) -> BeatRecipe {
        do {
            return try BeatRecipe(
                input: card.input, name: "\(directory.appendingPathComponent("model.json").path): input")
        } catch {
            throw .modelLoadFailed(error.message)
        }
    }

    /// Loads a model file or Keras directory; messages show `shownAs` instead of the server path.
    static func loadModel(_ url: URL, shownAs clientPath: String?) throws(ServiceError) -> InferenceModel {
        do {
            return try ModelLoader.load(path: url)
        } catch {
            var message = "\(error)"
            if let clientPath { message = message.replacingOccurrences(of: url.path, with: clientPath) }
            throw .modelLoadFailed(message)
        }
    }
}

extension PathModel {
    func load(name: String) throws(ServiceError) -> ServedModel {
        do {
            return try loadUnchecked(name: name)
        } catch {
            // Messages name files as the client knows them, not by their place on the server.
            throw error.replacingInMessage(url.path, with: clientPath)
        }
    }

    private func loadUnchecked(name: String) throws(ServiceError) -> ServedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .fileNotFound("params.path: \"\(clientPath)\" does not exist under the data root")
        }
        let cardURL = url.appendingPathComponent("model.json")
        if isDirectory.boolValue && FileManager.default.fileExists(atPath: cardURL.path) {
            return try loadWithCard(name: name)
        }
        guard let recipe else {
            throw .invalidParams(
                "params.inputSpec: required for \"\(clientPath)\", a model without a model card (model.json)")
        }
        let model = try ModelSource.loadModel(url, shownAs: clientPath)
        let width = model.outputs.first.map { $0.shape.dropFirst().reduce(1, *) } ?? 0
        let output = self.output ?? (width == 1 ? .sigmoid : .softmax)
        guard let classes = classes ?? (output == .sigmoid ? ["normal", "abnormal"] : nil) else {
            throw .invalidParams(
                "params.classes: required for \"\(clientPath)\": name the model's \(width) output classes in order")
        }
        let card = ModelCard(
            name: name, version: "unversioned", classes: classes, output: output, file: url.lastPathComponent,
            input: recipe.input, provenance: .object(["path": .string(clientPath)]))
        do {
            return try ServedModel(
                name: name, card: card, recipe: recipe, inference: model, origin: .path(clientPath),
                inputName: "params.inputSpec", classesName: "params.classes")
        } catch {
            throw .invalidParams(error.message)
        }
    }

    private func loadWithCard(name: String) throws(ServiceError) -> ServedModel {
        var card = try ModelCard.read(directory: url)
        card.name = name
        if let classes { card.classes = classes }
        if let output { card.output = output }
        let recipe: BeatRecipe
        if let given = self.recipe {
            recipe = given
        } else {
            recipe = try ModelSource.recipe(card: card, directory: url)
        }
        card.input = recipe.input
        let model = try ModelSource.loadModel(url.appendingPathComponent(card.file), shownAs: nil)
        do {
            return try ServedModel(
                name: name, card: card, recipe: recipe, inference: model, origin: .path(clientPath),
                inputName: "\(clientPath)/model.json: input", classesName: "\(clientPath)/model.json: classes")
        } catch {
            throw .modelLoadFailed(error.message)
        }
    }
}
