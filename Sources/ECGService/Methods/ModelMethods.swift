import ECGInference
import JSONRPC

/// `loadModel`, `unloadModel` and `listModels`.
struct ModelMethods {
    let registry: ModelRegistry
    let dataRoot: DataRoot

    /// `{"name"}` loads a shipped model; `{"path", "name", "inputSpec"?, "classes"?, "output"?}`
    /// registers and loads a model under the data root. Returns the model's listing.
    func loadModel(_ params: JSONRPC.JSONValue?, _ context: RequestContext) async throws -> JSONRPC.JSONValue {
        let fields = try Params.object(params, known: ["name", "path", "inputSpec", "classes", "output"])
        let name = try fields.requiredString("name")
        let model: ServedModel
        if let path = try fields.string("path") {
            let url = try dataRoot.resolve(path, parameter: "params.path")
            let recipe = try fields.members["inputSpec"].map { value throws(ServiceError) in
                try BeatRecipe.decode(value, name: "params.inputSpec")
            }
            var output: OutputKind?
            if let outputName = try fields.string("output") {
                guard let kind = OutputKind(rawValue: outputName) else {
                    throw ServiceError.invalidParams("params.output: unknown \"\(outputName)\" (expected softmax, sigmoid or logits)")
                }
                output = kind
            }
            let classes = try fields.strings("classes")
            if let classes, classes.count < 2 || Set(classes).count != classes.count {
                throw ServiceError.invalidParams("params.classes: give at least two distinct class names")
            }
            model = try await registry.register(
                PathModel(url: url, clientPath: path, recipe: recipe, classes: classes, output: output), as: name)
        } else {
            for key in ["inputSpec", "classes", "output"] where fields.members[key] != nil {
                throw ServiceError.invalidParams("params.\(key): only applies with \"path\"")
            }
            model = try await registry.model(named: name)
        }
        return try JSONValueEncoder().encode(ModelListing(model, loaded: true))
    }

    /// `{"name"}` -> `{"unloaded": bool}`.
    func unloadModel(_ params: JSONRPC.JSONValue?, _ context: RequestContext) async throws -> JSONRPC.JSONValue {
        let fields = try Params.object(params, known: ["name"])
        let name = try fields.requiredString("name")
        try ModelRegistry.checkName(name, parameter: "params.name")
        return ["unloaded": .bool(await registry.unload(name))]
    }

    /// `{}` -> `{"models": [...]}`.
    func listModels(_ params: JSONRPC.JSONValue?, _ context: RequestContext) async throws -> JSONRPC.JSONValue {
        _ = try Params.object(params, known: [])
        struct Result: Encodable { var models: [ModelListing] }
        return try JSONValueEncoder().encode(Result(models: await registry.listing()))
    }
}
