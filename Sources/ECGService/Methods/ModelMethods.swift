import ECGInference
import JSONRPC

/// `loadModel`: `{"name"}` loads a shipped model; `{"path", "name", "inputSpec"?, "classes"?,
/// "output"?}` registers and loads a model under the data root. Answers the model's listing.
struct LoadModel: ServiceMethod {
    struct Params: Decodable, Sendable {
        var name: String
        var path: String?
        var inputSpec: JSONValue?
        var classes: [String]?
        var output: OutputKind?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, path, inputSpec, classes, output }
    }

    let registry: ModelRegistry
    let dataRoot: DataRoot

    func run(_ params: Params, _ context: RequestContext) async throws -> ModelListing {
        guard let path = params.path else {
            for (key, given) in [
                ("inputSpec", params.inputSpec != nil), ("classes", params.classes != nil),
                ("output", params.output != nil),
            ]
            where given {
                throw ServiceError.invalidParams("params.\(key): only applies with \"path\"")
            }
            return ModelListing(try await registry.model(named: params.name), loaded: true)
        }
        let url = try dataRoot.resolve(path, parameter: "params.path")
        let recipe = try params.inputSpec.map { value throws(ServiceError) in
            try BeatRecipe.decode(value, name: "params.inputSpec")
        }
        if let classes = params.classes, classes.count < 2 || Set(classes).count != classes.count {
            throw ServiceError.invalidParams("params.classes: give at least two distinct class names")
        }
        let source = PathModel(
            url: url, clientPath: path, recipe: recipe, classes: params.classes, output: params.output)
        return ModelListing(try await registry.register(source, as: params.name), loaded: true)
    }
}

/// `unloadModel`: `{"name"}` -> `{"unloaded": bool}`.
struct UnloadModel: ServiceMethod {
    struct Params: Decodable, Sendable {
        var name: String
        enum CodingKeys: String, CodingKey, CaseIterable { case name }
    }
    struct Result: Encodable, Sendable {
        /// Whether the model was loaded.
        var unloaded: Bool
    }

    let registry: ModelRegistry

    func run(_ params: Params, _ context: RequestContext) async throws -> Result {
        try ModelRegistry.checkName(params.name, parameter: "params.name")
        return Result(unloaded: await registry.unload(params.name))
    }
}

/// `listModels`: `{}` -> `{"models": [...]}`, every shipped and registered model, with a
/// `warning` when the models directory is missing or ships no model.
struct ListModels: ServiceMethod {
    typealias Params = NoParams
    struct Result: Encodable, Sendable {
        var models: [ModelListing]
        var warning: String?
    }

    let registry: ModelRegistry

    func run(_ params: Params, _ context: RequestContext) async throws -> Result {
        Result(
            models: await registry.listing(),
            warning: ModelRegistry.warning(forModelsDirectory: registry.modelsDirectory))
    }
}

/// The three model-registry methods over one registry.
struct ModelMethods {
    let loadModel: LoadModel
    let unloadModel: UnloadModel
    let listModels: ListModels

    init(registry: ModelRegistry, dataRoot: DataRoot) {
        loadModel = LoadModel(registry: registry, dataRoot: dataRoot)
        unloadModel = UnloadModel(registry: registry)
        listModels = ListModels(registry: registry)
    }
}
