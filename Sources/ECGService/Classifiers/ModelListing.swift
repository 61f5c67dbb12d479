import ECGInference
import Foundation
import JSON

/// What `listModels` and `loadModel` say about a model.
struct ModelListing: Encodable, Sendable {
    var name: String
    var version: String?
    var description: String?
    var task: String?
    var clinicallyMeaningful: Bool?
    var classes: [String]?
    /// "softmax", "sigmoid" or "logits".
    var output: String?
    /// The network's own classes and the served class each counts towards, when they differ.
    var outputClasses: [OutputClass]?
    /// Decision rules applied to the network's probabilities.
    var gates: [ClassGate]?
    var inputSpec: BeatRecipe.Description?
    /// "directory" (shipped in the models directory) or "path" (registered by `loadModel`).
    var source: String
    /// The model file: relative to the models directory, or the client's path.
    var path: String
    var loaded: Bool
    /// "onnx" or "keras", once loaded.
    var format: String?
    /// The model's inputs and outputs, once loaded.
    var inputs: [TensorSpec]?
    var outputs: [TensorSpec]?
    /// Memory held while loaded.
    var memoryBytes: Int?
    var provenance: JSONValue?
    var metrics: JSONValue?
    /// Why a shipped model's card cannot be read.
    var error: String?

    init(_ model: ServedModel, loaded: Bool) {
        name = model.name
        switch model.origin {
        case .directory:
            source = "directory"
            path = "\(model.name)/\(model.card.file)"
        case .path(let clientPath):
            source = "path"
            path = clientPath
        }
        self.loaded = loaded
        if loaded {
            format = model.inference.format
            inputs = model.inference.inputs
            outputs = model.inference.outputs
            memoryBytes = model.inference.memoryBytes
        }
        describe(model.card, recipe: model.recipe)
    }

    /// A shipped model that is not loaded, described from its card.
    init(shippedAt directory: URL, name: String) {
        self.name = name
        source = "directory"
        path = "\(name)/model.json"
        loaded = false
        do throws(ServiceError) {
            let card = try ModelCard.read(directory: directory)
            let recipe = try ModelSource.recipe(card: card, directory: directory)
            describe(card, recipe: recipe)
            path = "\(name)/\(card.file)"
        } catch {
            self.error = error.responseError.message
        }
    }

    /// Fills in what the model card and its beat recipe say.
    private mutating func describe(_ card: ModelCard, recipe: BeatRecipe) {
        version = card.version
        description = card.description
        task = card.task
        clinicallyMeaningful = card.clinicallyMeaningful
        classes = card.classes
        output = card.output.rawValue
        outputClasses = card.outputClasses
        gates = card.gates
        inputSpec = recipe.description
        provenance = card.provenance
        metrics = card.metrics
    }

    /// A registered model that never loaded.
    init(registeredAt source: PathModel, name: String) {
        self.name = name
        self.source = "path"
        path = source.clientPath
        loaded = false
        classes = source.classes
        output = source.output?.rawValue
        inputSpec = source.recipe?.description
    }
}
