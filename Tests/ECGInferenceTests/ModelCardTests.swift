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

    func testModelDirectoryByPath() throws {
        let model = try ModelLoader.load(path: Fixtures.models.appendingPathComponent("demo-aami5"))
        XCTAssertEqual(model.format, "onnx")
        XCTAssertTrue(model.source.hasSuffix("demo-aami5/model.onnx"), model.source)
    }

    func testBareFileWithSuppliedCard() throws {
        let path = Fixtures.models.appendingPathComponent("kachuee187-demo/model.keras")
        var card = try ModelLoader.readCard(directory: Fixtures.models.appendingPathComponent("kachuee187-demo"))
        XCTAssertEqual(try ModelLoader.load(path: path, card: card).model.format, "keras")
        card.input.samplesAfter = 180
        XCTAssertThrowsError(try ModelLoader.load(path: path, card: card)) { error in
            guard case ModelError.invalidCard? = error as? ModelError else { return XCTFail("\(error)") }
        }
    }

    func testCardRoundTripsThroughJSON() throws {
        let card = try ModelLoader.readCard(directory: Fixtures.models.appendingPathComponent("kachuee187-demo"))
        let again = try JSONDecoder().decode(ModelCard.self, from: JSONEncoder().encode(card))
        XCTAssertEqual(card, again)
        guard case .object(let prov)? = card.provenance else { return XCTFail("provenance should be an object") }
        XCTAssertNotNil(prov["madeBy"])
    }
}

final class PredictionTests: XCTestCase {
    func testNormalizations() {
        var z: ArraySlice<Float> = [1, 2, 3, 4]
        Normalization.zscore.apply(&z)
        XCTAssertEqual(z.reduce(0, +), 0, accuracy: 1e-6)
        XCTAssertEqual(z.map { $0 * $0 }.reduce(0, +) / 4, 1, accuracy: 1e-5)
        var m: ArraySlice<Float> = [2, 4, 3]
        Normalization.minmax.apply(&m)
        XCTAssertEqual(Array(m), [0, 1, 0.5])
        var flat: ArraySlice<Float> = [5, 5]
        Normalization.zscore.apply(&flat)
        XCTAssertEqual(Array(flat), [0, 0])
    }

    func testSigmoidCardGivesTwoClassProbabilities() throws {
        let loaded = try ModelLoader.load(directory: Fixtures.models.appendingPathComponent("kachuee187-demo"))
        let n = 3
        let windows = (0..<(n * 187)).map { Float(($0 * 31) % 97) / 97 }
        let p = try loaded.classProbabilities(windows: windows, count: n, threads: 2)
        let raw = try loaded.model.run(["input": Tensor(shape: [n, 187, 1], data: windows)])["probability"]!.data
        XCTAssertEqual(p.count, n * 2)
        for i in 0..<n {
            XCTAssertEqual(p[2 * i + 1], raw[i])
            XCTAssertEqual(p[2 * i] + p[2 * i + 1], 1, accuracy: 1e-6)
        }
        XCTAssertThrowsError(try loaded.classProbabilities(windows: [1, 2], count: 1))
    }

    func testMultiInputCardFeedsWindowAndFeatures() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Fixtures.url("keras_multi.keras"), to: dir.appendingPathComponent("m.keras"))
        let card = ModelCard(name: "multi", version: "0", classes: ["N", "SVEB", "VEB", "F", "Q"], output: .softmax,
                             file: "m.keras",
                             input: InputSpec(samplingRate: 360, samplesBefore: 32, samplesAfter: 32, normalization: .none,
                                              features: ["preRR", "postRR", "localRR", "ratio"]))
        let loaded = try ModelLoader.load(card: card, directory: dir)
        let golden = try Fixtures.golden("keras_multi")
        let p = try loaded.classProbabilities(windows: golden.inputs["beat"]!.data, features: golden.inputs["rr"]!.data,
                                              count: 5, threads: 2)
        assertClose(p, golden.outputs[0].data)
        var noFeatures = card
        noFeatures.input.features = []
        XCTAssertThrowsError(try ModelLoader.load(card: noFeatures, directory: dir))
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
