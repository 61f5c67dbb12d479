import ECGInference
import Foundation

/// A loaded model with its card and beat recipe, ready to classify beats from any thread.
public struct ServedModel: Sendable {
    /// Where a model was loaded from.
    public enum Origin: Sendable, Equatable {
        /// `modelsDirectory/NAME/model.json`.
        case directory
        /// A path given to `loadModel` (as the client wrote it).
        case path(String)
    }

    /// The name clients use.
    public let name: String
    /// The model card: classes, output kind, input spec, provenance.
    public let card: ModelCard
    /// How beats are cut and fed to the model, checked against it.
    public let recipe: BeatRecipe
    /// The network itself, run by `probabilities`.
    public let inference: InferenceModel
    /// Where the model was loaded from.
    public let origin: Origin
    let windowInput: TensorSpec
    let featureInput: TensorSpec?
    let output: TensorSpec
    /// The card's gates and output classes, resolved.
    let mapping: OutputMapping

    /// Pairs a model with its card, checking that the card's input spec, features and classes
    /// fit the model's inputs and output; messages start with `inputName` (input problems) or
    /// `classesName` (class problems).
    init(
        name: String, card: ModelCard, recipe: BeatRecipe, inference model: InferenceModel, origin: Origin,
        inputName: String, classesName: String
    )
        throws(InvalidRecipe)
    {
        func width(_ spec: TensorSpec) -> Int { spec.shape.dropFirst().reduce(1, *) }
        let inputs = model.inputs
        let window: TensorSpec
        if let wanted = recipe.input.windowInput {
            guard let found = inputs.first(where: { $0.name == wanted }) else {
                throw InvalidRecipe(
                    "\(inputName).windowInput: the model has no input \"\(wanted)\" (inputs: \(inputs.map(\.name).joined(separator: ", ")))"
                )
            }
            window = found
        } else {
            guard let first = inputs.first else { throw InvalidRecipe("\(inputName): the model has no inputs") }
            window = first
        }
        guard width(window) == recipe.windowValues else {
            throw InvalidRecipe(
                "\(inputName): a window of \(recipe.windowLength) samples x \(recipe.channels.count) channel(s) does not fit input \"\(window.name)\" of shape \(window.shape)"
            )
        }
        var features: TensorSpec?
        if recipe.featureCount > 0 {
            let wanted = recipe.input.featureInput
            guard let found = inputs.first(where: { wanted == nil ? $0.name != window.name : $0.name == wanted }) else {
                throw InvalidRecipe(
                    "\(inputName).features: the model has no feature input\(wanted.map { " \"\($0)\"" } ?? "") (inputs: \(inputs.map(\.name).joined(separator: ", ")))"
                )
            }
            guard width(found) == recipe.featureCount else {
                throw InvalidRecipe(
                    "\(inputName).features: \(recipe.featureCount) feature(s) do not fit input \"\(found.name)\" of shape \(found.shape)"
                )
            }
            features = found
        }
        guard inputs.count == (features == nil ? 1 : 2) else {
            throw InvalidRecipe(
                "\(inputName): the model has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))) but the input spec feeds \(features == nil ? 1 : 2)"
            )
        }
        guard let output = model.outputs.first else { throw InvalidRecipe("\(inputName): the model has no outputs") }
        let mapping = try OutputMapping(card: card, features: recipe.input.features, classesName: classesName)
        let expected = card.output == .sigmoid ? 1 : mapping.networkClasses
        guard card.classes.count >= 2, card.output != .sigmoid || card.classes.count == 2, width(output) == expected
        else {
            throw InvalidRecipe(
                "\(classesName): \(mapping.networkClasses) \(card.outputClasses == nil ? "classes" : "output classes") (\(card.output.rawValue)) do not fit output \"\(output.name)\" of shape \(output.shape)"
            )
        }
        self.name = name
        self.card = card
        self.recipe = recipe
        self.inference = model
        self.origin = origin
        self.windowInput = window
        self.featureInput = features
        self.output = output
        self.mapping = mapping
    }

    /// Class names in output order.
    public var classes: [String] { card.classes }

    /// Class probabilities of `count` beats, row-major `count x classes.count` (see
    /// `OutputKind.probabilities`; then the card's gates and output classes), from `windows` (`count x recipe.windowValues`, prepared by
    /// the recipe) and `features` (`count x recipe.featureCount`).
    /// - Throws: `ModelError.invalidInput` when the counts do not fit the model or a value is
    ///   not finite.
    func probabilities(windows: ArraySlice<Float>, features: ArraySlice<Float>, count: Int, threads: Int) throws
        -> [Float]
    {
        var feeds = [windowInput.name: try Tensor(shape: [count] + windowInput.shape.dropFirst(), data: Array(windows))]
        if let featureInput {
            feeds[featureInput.name] = try Tensor(
                shape: [count] + featureInput.shape.dropFirst(), data: Array(features))
        }
        let width = card.output == .sigmoid ? 1 : mapping.networkClasses
        guard let raw = try inference.run(feeds, threads: threads)[output.name]?.data, raw.count == count * width else {
            throw ModelError.invalidInput(
                reason: "output '\(output.name)' does not hold \(width) value(s) for each of \(count) beats")
        }
        let network = card.output.probabilities(raw, count: count, classes: mapping.networkClasses)
        return mapping.apply(network, features: features, featureCount: recipe.featureCount, count: count)
    }
}
