/// A card's `gates` and `outputClasses`, checked and resolved to indices: how the network's
/// class probabilities become the served classes' probabilities.
struct OutputMapping: Sendable {
    /// A gate resolved to output and feature indices.
    private struct Gate: Sendable {
        var gated: Int
        var feature: Int
        var above: Float
    }

    /// Number of network output classes (values per beat once outputs are probabilities).
    let networkClasses: Int
    /// Number of served classes.
    let servedClasses: Int
    private let gates: [Gate]
    /// The served class of each network output; nil when they are the same classes.
    private let merge: [Int]?

    /// Resolves `card`'s gates and output classes against its classes and `features` (the
    /// input spec's, in order); messages start with `classesName`.
    init(card: ModelCard, features: [String], classesName: String) throws(InvalidRecipe) {
        var network = card.classes
        if let outputs = card.outputClasses {
            network = outputs.map(\.name)
            guard card.output != .sigmoid else {
                throw InvalidRecipe("\(classesName): outputClasses needs a softmax or logits output, not sigmoid")
            }
            guard Set(network).count == network.count else {
                throw InvalidRecipe("\(classesName): outputClasses names an output class twice")
            }
            var served: [Int] = []
            for output in outputs {
                guard let index = card.classes.firstIndex(of: output.servedClass) else {
                    throw InvalidRecipe(
                        "\(classesName): output class \"\(output.name)\" counts towards \"\(output.servedClass)\", which is not one of the classes (\(card.classes.joined(separator: ", ")))"
                    )
                }
                served.append(index)
            }
            if let unserved = card.classes.indices.first(where: { !served.contains($0) }) {
                throw InvalidRecipe("\(classesName): no output class counts towards \"\(card.classes[unserved])\"")
            }
            merge = served
        } else {
            merge = nil
        }
        var gates: [Gate] = []
        for gate in card.gates ?? [] {
            guard let gated = network.firstIndex(of: gate.gatedClass) else {
                throw InvalidRecipe(
                    "\(classesName): gate class \"\(gate.gatedClass)\" is not an output class (\(network.joined(separator: ", ")))"
                )
            }
            guard let feature = features.firstIndex(of: gate.feature) else {
                throw InvalidRecipe(
                    "\(classesName): gate feature \"\(gate.feature)\" is not one of the input features (\(features.joined(separator: ", ")))"
                )
            }
            guard gate.above.isFinite else { throw InvalidRecipe("\(classesName): gate threshold must be finite") }
            gates.append(Gate(gated: gated, feature: feature, above: Float(gate.above)))
        }
        self.networkClasses = network.count
        self.servedClasses = card.classes.count
        self.gates = gates
    }

    /// The served probabilities (`count x servedClasses`, row-major) from the network's
    /// (`count x networkClasses`): gates first, in card order, then outputs summed into their
    /// served classes. `features` holds `featureCount` values per beat.
    func apply(_ probabilities: [Float], features: ArraySlice<Float>, featureCount: Int, count: Int) -> [Float] {
        var p = probabilities
        if !gates.isEmpty {
            let base = features.startIndex
            for i in 0..<count {
                let row = i * networkClasses
                for gate in gates where features[base + i * featureCount + gate.feature] > gate.above {
                    Self.close(gate.gated, in: &p[row..<(row + networkClasses)])
                }
            }
        }
        guard let merge else { return p }
        var served = [Float](repeating: 0, count: count * servedClasses)
        for i in 0..<count {
            for (j, target) in merge.enumerated() {
                served[i * servedClasses + target] += p[i * networkClasses + j]
            }
        }
        return served
    }

    /// Sets class `closed` of one beat's probabilities to 0 and rescales the others to sum to
    /// 1; when they hold nothing at all, they share it equally.
    private static func close(_ closed: Int, in row: inout ArraySlice<Float>) {
        let position = row.startIndex + closed
        row[position] = 0
        let rest = row.reduce(0, +)
        let others = Float(row.count - 1)
        for j in row.indices where j != position {
            row[j] = rest > 0 ? row[j] / rest : 1 / others
        }
    }
}
