import ECGInference
import XCTest

final class ModelCardTests: XCTestCase {
    func testDemoAAMI5Directory() throws {
        let loaded = try ModelLoader.load(directory: Fixtures.models.appendingPathComponent("demo-aami5"))
        XCTAssertEqual(loaded.card.classes, ["N", "SVEB", "VEB", "F", "Q"])
        XCTAssertEqual(loaded.card.clinicallyMeaningful, false)
        XCTAssertEqual(loaded.card.input, InputSpec(samplingRate: 360, samplesBefore: 180, samplesAfter: 180,
                                                     normalization: .zscore))
        XCTAssertEqual(loaded.model.inputs, [TensorSpec(name: "beat", shape: [-1, 360, 1])])
        XCTAssertEqual(loaded.model.outputs.first?.shape, [-1, 5])
        XCTAssertGreaterThan(loaded.model.memoryBytes, 0)
        let x = try Tensor(shape: [4, 360, 1], data: (0..<1440).map { sinf(Float($0) * 0.05) })
        let p = try loaded.model.run(["beat": x], threads: 2)["probabilities"]!
        for row in 0..<4 { XCTAssertEqual(p.data[(row * 5)..<(row * 5 + 5)].reduce(0, +), 1, accuracy: 1e-5) }
    }

    func testKachueeCardAndAlternates() throws {
        let dir = Fixtures.models.appendingPathComponent("kachuee187-demo")
        let loaded = try ModelLoader.load(directory: dir)
        XCTAssertEqual(loaded.card.output, .sigmoid)
        XCTAssertEqual(loaded.card.input.windowLength, 187)
        for alt in loaded.card.alternateFiles ?? [] {
            var card = loaded.card
            card.file = alt
            XCTAssertEqual(try ModelLoader.load(card: card, directory: dir).model.format, "keras")
        }
    }

    func testCardContradictingTheModel() throws {
        let dir = Fixtures.models.appendingPathComponent("demo-aami5")
        var card = try ModelLoader.readCard(directory: dir)
        card.input.samplesAfter = 100
        XCTAssertThrowsError(try ModelLoader.load(card: card, directory: dir)) { error in
            guard case ModelError.invalidCard? = error as? ModelError else { return XCTFail("\(error)") }
        }
        card = try ModelLoader.readCard(directory: dir)
        card.classes = ["N", "abnormal"]
        XCTAssertThrowsError(try ModelLoader.load(card: card, directory: dir))
    }

    func testCardRoundTripsThroughJSON() throws {
        let card = try ModelLoader.readCard(directory: Fixtures.models.appendingPathComponent("kachuee187-demo"))
        let again = try JSONDecoder().decode(ModelCard.self, from: JSONEncoder().encode(card))
        XCTAssertEqual(card, again)
        guard case .object(let prov)? = card.provenance else { return XCTFail("provenance should be an object") }
        XCTAssertNotNil(prov["madeBy"])
    }
}
