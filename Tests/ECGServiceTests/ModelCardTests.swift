import ECGInference
import ECGSignal
import Foundation
import JSONRPC
import XCTest

@testable import ECGService

/// Model cards: read once, checked against their models by `ServedModel`, and the one place
/// model outputs become class probabilities.
final class ModelCardTests: XCTestCase {
    private let models = ServiceTestSupport.modelsDirectory

    private func served(_ directory: URL, card given: ModelCard? = nil) throws -> ServedModel {
        let card = try given ?? ModelCard.read(directory: directory)
        let model = try ModelSource.loadModel(directory.appendingPathComponent(card.file), shownAs: nil)
        let recipe = try ModelSource.recipe(card: card, directory: directory)
        return try ServedModel(
            name: card.name, card: card, recipe: recipe, inference: model, origin: .directory, inputName: "input",
            classesName: "classes")
    }

    func testDemoAAMI5Card() throws {
        let model = try served(models.appendingPathComponent("demo-aami5"))
        XCTAssertEqual(model.card.classes, ["N", "SVEB", "VEB", "F", "Q"])
        XCTAssertEqual(model.card.clinicallyMeaningful, false)
        XCTAssertEqual(
            model.card.input,
            InputSpec(samplingRate: 360, samplesBefore: 180, samplesAfter: 180, normalization: .zScore))
        XCTAssertEqual(model.inference.inputs, [TensorSpec(name: "beat", shape: [-1, 360, 1])])
        XCTAssertGreaterThan(model.inference.memoryBytes, 0)
        let windows = (0..<1440).map { sinf(Float($0) * 0.05) }
        let p = try model.probabilities(windows: windows[...], features: [], count: 4, threads: 2)
        for row in 0..<4 { XCTAssertEqual(p[(row * 5)..<(row * 5 + 5)].reduce(0, +), 1, accuracy: 1e-5) }
    }

    func testKachueeCardSegmentationAndAlternates() throws {
        let directory = models.appendingPathComponent("kachuee187-demo")
        let model = try served(directory)
        XCTAssertEqual(model.card.output, .sigmoid)
        XCTAssertEqual(model.card.input.windowLength, 187)
        XCTAssertEqual(model.recipe.segmentation, .kachuee, "input.segmentation is read with the rest of the card")
        XCTAssertFalse(model.card.alternateFiles?.isEmpty ?? true)
        for file in model.card.alternateFiles ?? [] {
            var card = model.card
            card.file = file
            XCTAssertEqual(try served(directory, card: card).inference.format, "keras")
        }
    }

    func testCardContradictingTheModelIsRefused() throws {
        let directory = models.appendingPathComponent("demo-aami5")
        var card = try ModelCard.read(directory: directory)
        card.input.samplesAfter = 100
        XCTAssertThrowsError(try served(directory, card: card))
        card = try ModelCard.read(directory: directory)
        card.classes = ["N", "abnormal"]
        XCTAssertThrowsError(try served(directory, card: card))
        card = try ModelCard.read(directory: directory)
        card.input.samplesBefore = .max
        XCTAssertEqual(card.input.windowLength, .max, "the window length saturates instead of overflowing")
        XCTAssertThrowsError(try served(directory, card: card))
    }

    func testCardFileMustStayInsideTheDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var card = try ModelCard.read(directory: models.appendingPathComponent("demo-aami5"))
        for file in ["../kachuee187-demo/model.onnx", "/etc/passwd", ".", ""] {
            card.file = file
            try Data(JSONSerializer.serialize(try JSONValueEncoder().encode(card))).write(
                to: directory.appendingPathComponent("model.json"))
            XCTAssertThrowsError(try ModelCard.read(directory: directory)) { error in
                XCTAssertEqual((error as? ServiceError)?.code, .modelLoadFailed, file)
                XCTAssertTrue("\(error)".contains("inside the model directory"), "\(error)")
            }
        }
    }

    func testCardRoundTripsThroughJSON() throws {
        let card = try ModelCard.read(directory: models.appendingPathComponent("kachuee187-demo"))
        let again = try JSONValueDecoder().decode(ModelCard.self, from: try JSONValueEncoder().encode(card))
        XCTAssertEqual(card, again)
        XCTAssertNotNil(card.provenance?["madeBy"], "free-form provenance is kept")
    }

    func testSigmoidOutputGivesTwoClassProbabilities() throws {
        let model = try served(models.appendingPathComponent("kachuee187-demo"))
        let n = 3
        let windows = (0..<(n * 187)).map { Float(($0 * 31) % 97) / 97 }
        let p = try model.probabilities(windows: windows[...], features: [], count: n, threads: 2)
        let raw = try model.inference.run(["input": Tensor(shape: [n, 187, 1], data: windows)])["probability"]!.data
        XCTAssertEqual(p.count, n * 2)
        for i in 0..<n {
            XCTAssertEqual(p[2 * i + 1], raw[i])
            XCTAssertEqual(p[2 * i] + p[2 * i + 1], 1, accuracy: 1e-6)
        }
        XCTAssertThrowsError(try model.probabilities(windows: [1, 2], features: [], count: 1, threads: 1))
        var nan = [Float](repeating: 0, count: 187)
        nan[3] = .nan
        XCTAssertThrowsError(try model.probabilities(windows: nan[...], features: [], count: 1, threads: 1))
    }

    /// The two-input Keras fixture in a temporary directory with a five-class card, and its
    /// golden window and feature inputs (five beats).
    private func withMultiInputModel(
        _ body: (_ directory: URL, _ card: ModelCard, _ windows: [Float], _ features: [Float], _ expected: [Float])
            throws -> Void
    ) throws {
        let fixtures = ServiceTestSupport.repository.appendingPathComponent("Tests/ECGInferenceTests/Fixtures")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(
            at: fixtures.appendingPathComponent("keras_multi.keras"), to: directory.appendingPathComponent("m.keras"))
        let card = ModelCard(
            name: "multi", version: "0", classes: ["N", "SVEB", "VEB", "F", "Q"], output: .softmax, file: "m.keras",
            input: InputSpec(
                samplingRate: 360, samplesBefore: 32, samplesAfter: 32, normalization: .none,
                features: ["preRR", "postRR", "localRR", "previousToNext"]))
        let golden = try JSONParser.parse(Data(contentsOf: fixtures.appendingPathComponent("keras_multi.golden.json")))
        func floats(_ value: JSONValue?) -> [Float] {
            value?["data"]?.arrayValue?.compactMap { $0.numberValue.map(Float.init) } ?? []
        }
        try body(
            directory, card, floats(golden["inputs"]?["beat"]), floats(golden["inputs"]?["rr"]),
            floats(golden["outputs"]?.arrayValue?.first))
    }

    func testMultiInputCardFeedsWindowAndFeatures() throws {
        try withMultiInputModel { directory, card, windows, features, expected in
            let model = try served(directory, card: card)
            let p = try model.probabilities(windows: windows[...], features: features[...], count: 5, threads: 2)
            XCTAssertEqual(p.count, expected.count)
            for (a, b) in zip(p, expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
            var noFeatures = card
            noFeatures.input.features = []
            XCTAssertThrowsError(try served(directory, card: noFeatures))
        }
    }

    func testGatesCloseAClassAndOutputClassesSumIt() throws {
        try withMultiInputModel { directory, card, windows, features, network in
            // previousToNext is feature 3 of 4; the threshold splits the five beats.
            let values = (0..<5).map { features[$0 * 4 + 3] }
            let threshold = values.sorted()[2]
            let gated = values.map { $0 > threshold }
            XCTAssertEqual(gated.filter { $0 }.count, 2)
            var gatedCard = card
            gatedCard.gates = [ClassGate(gatedClass: "SVEB", feature: "previousToNext", above: Double(threshold))]
            let p = try served(directory, card: gatedCard).probabilities(
                windows: windows[...], features: features[...], count: 5, threads: 2)
            for beat in 0..<5 {
                let row = beat * 5
                // A closed gate: SVEB gets 0, the others are the network's given "not SVEB".
                let rest = 1 - network[row + 1]
                for k in 0..<5 {
                    let expected = !gated[beat] ? network[row + k] : k == 1 ? 0 : network[row + k] / rest
                    XCTAssertEqual(p[row + k], expected, accuracy: 1e-4, "beat \(beat), class \(k)")
                }
                XCTAssertEqual(p[row..<(row + 5)].reduce(0, +), 1, accuracy: 1e-5)
            }
            XCTAssertTrue(
                (0..<5).contains { gated[$0] && network[$0 * 5 + 1] > 1e-3 }, "a gate that closes changes a probability"
            )

            var binary = gatedCard
            binary.classes = ["normal", "abnormal"]
            binary.outputClasses = ["N", "SVEB", "VEB", "F", "Q"].map {
                OutputClass(name: $0, servedClass: $0 == "N" ? "normal" : "abnormal")
            }
            let model = try served(directory, card: binary)
            XCTAssertEqual(model.classes, ["normal", "abnormal"])
            let b = try model.probabilities(windows: windows[...], features: features[...], count: 5, threads: 2)
            XCTAssertEqual(b.count, 10)
            for beat in 0..<5 {
                XCTAssertEqual(b[2 * beat], p[beat * 5], accuracy: 1e-5)
                XCTAssertEqual(b[2 * beat + 1], p[(beat * 5 + 1)..<(beat * 5 + 5)].reduce(0, +), accuracy: 1e-5)
            }
        }
    }

    func testInconsistentGatesAndOutputClassesAreRefused() throws {
        try withMultiInputModel { directory, card, _, _, _ in
            let gate = ClassGate(gatedClass: "SVEB", feature: "postRR", above: 1)
            var binary = card
            binary.classes = ["normal", "abnormal"]
            binary.outputClasses = ["N", "SVEB", "VEB", "F", "Q"].map {
                OutputClass(name: $0, servedClass: $0 == "N" ? "normal" : "abnormal")
            }
            XCTAssertNoThrow(try served(directory, card: binary))
            func edited(_ change: (inout ModelCard) -> Void) -> ModelCard {
                var edited = binary
                edited.gates = [gate]
                change(&edited)
                return edited
            }
            let cases: [(ModelCard, String)] = [
                (edited { $0.gates?[0].feature = "qrsWidth" }, "gate feature \"qrsWidth\""),
                (edited { $0.gates?[0].gatedClass = "abnormal" }, "gate class \"abnormal\""),
                (edited { $0.gates?[0].above = .nan }, "finite"),
                (edited { _ = $0.outputClasses?.removeLast() }, "4 output classes"),
                (edited { $0.outputClasses?[0].servedClass = "sinus" }, "\"sinus\", which is not one of the classes"),
                (edited { $0.outputClasses?[0].servedClass = "abnormal" }, "no output class counts towards \"normal\""),
                (edited { $0.outputClasses?[1].name = "N" }, "names an output class twice"),
                (edited { $0.output = .sigmoid }, "not sigmoid"),
            ]
            for (edited, expected) in cases {
                XCTAssertThrowsError(try served(directory, card: edited)) { error in
                    let message = (error as? InvalidRecipe)?.message ?? "\(error)"
                    XCTAssertTrue(message.contains(expected), "\(message) should say \(expected)")
                }
            }
        }
    }

    func testAGateClosesOnlyAboveItsThresholdAndSharesACertainBeat() throws {
        let card = ModelCard(
            name: "g", version: "0", classes: ["N", "SVEB", "VEB"], output: .softmax,
            gates: [ClassGate(gatedClass: "SVEB", feature: "x", above: 0.5)], file: "m.onnx",
            input: InputSpec(
                samplingRate: 360, samplesBefore: 1, samplesAfter: 1, normalization: .none, features: ["x"]))
        let mapping = try OutputMapping(card: card, features: ["x"], classesName: "classes")
        let network: [Float] = [0, 1, 0, 0.2, 0.5, 0.3, 0.2, 0.5, 0.3]
        let p = mapping.apply(network, features: [1, 0.5, 0.75][...], featureCount: 1, count: 3)
        XCTAssertEqual(Array(p[0..<3]), [0.5, 0, 0.5], "the other classes share a beat the network was sure of")
        XCTAssertEqual(Array(p[3..<6]), [0.2, 0.5, 0.3], "at the threshold the gate stays open")
        XCTAssertEqual(p[6], 0.4, accuracy: 1e-6)
        XCTAssertEqual(p[7], 0)
        XCTAssertEqual(p[8], 0.6, accuracy: 1e-6)
    }

    func testOutputKindsBecomeProbabilities() {
        XCTAssertEqual(OutputKind.softmax.probabilities([0.2, 0.8], count: 1, classes: 2), [0.2, 0.8])
        XCTAssertEqual(OutputKind.sigmoid.probabilities([0.25, 1], count: 2, classes: 2), [0.75, 0.25, 0, 1])
        let p = OutputKind.logits.probabilities([0, 0, 1000, 1, 2, 3], count: 2, classes: 3)
        XCTAssertEqual(Array(p[0..<3]), [0, 0, 1], "a huge logit does not overflow")
        XCTAssertEqual(p[3..<6].reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(p[5] / p[4], Float(M_E), accuracy: 1e-4)
    }
}
