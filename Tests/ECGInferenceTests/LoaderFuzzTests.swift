import Foundation
import TestSupport
import XCTest

@testable import ECGInference

/// Mutation fuzzing of the model loaders: every mutated fixture must either load (and then run)
/// or throw a `ModelError` whose message names the file; nothing may trap.
///
/// Deterministic: case i of a test uses seed `ECGD_FUZZ_SEED` (default 1) mixed with i.
/// `ECGD_FUZZ_ITERATIONS` sets the cases per fixture and mutator (default 25: about 1500
/// mutants, a few seconds in a debug build). `ECGD_FUZZ_TRACE=1` prints each case to stderr
/// before trying it, so the last line names the case that crashed (its mutant is left in the
/// scratch directory's `case`), and each test's count of loaded and refused mutants.
final class LoaderFuzzTests: XCTestCase {
    private static let env = ProcessInfo.processInfo.environment
    private static let iterations = Int(env["ECGD_FUZZ_ITERATIONS"] ?? "") ?? 25
    private static let seed = UInt64(env["ECGD_FUZZ_SEED"] ?? "") ?? 1
    private static let trace = env["ECGD_FUZZ_TRACE"] == "1"

    private static let onnxFixtures = ["onnx_ncw", "onnx_multi", "onnx_tf2onnx", "onnx_torch", "onnx_unsupported"]
    private static let kerasFixtures = ["keras_seq", "keras_multi"]

    private var tmp: URL!
    private var loaded = 0, refused = 0

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if Self.trace {
            FileHandle.standardError.write(Data("fuzz: \(name): \(loaded) loaded, \(refused) refused\n".utf8))
        }
        try? FileManager.default.removeItem(at: tmp)
    }

    private func rng(_ test: UInt64, _ i: Int) -> SplitMix64 {
        SplitMix64(seed: Self.seed &* 0x1000_0000_01B3 ^ test << 32 ^ UInt64(i))
    }

    /// Loads `url`; a load must give a model that runs, a failure a ModelError naming `url`.
    private func attempt(_ url: URL, _ what: String) {
        if Self.trace { FileHandle.standardError.write(Data("fuzz: \(what)\n".utf8)) }
        do {
            let model = try ModelLoader.load(path: url)
            loaded += 1
            exercise(model, what)
        } catch let e as ModelError {
            refused += 1
            XCTAssertTrue(e.description.contains(url.path), "\(what): the error does not name the file: \(e)")
        } catch {
            XCTFail("\(what): \(type(of: error)) is not a ModelError: \(error)")
        }
    }

    /// Runs a loaded mutant on two random samples when it is small enough.
    private func exercise(_ model: InferenceModel, _ what: String) {
        let perSample = model.inputs.map { $0.shape.dropFirst().reduce(1, *) }
        guard perSample.reduce(0, +) <= 1 << 20, model.memoryBytes <= 64 << 20 else { return }
        var r = SplitMix64(seed: UInt64(perSample.reduce(0, +)))
        var feeds: [String: Tensor] = [:]
        for (spec, count) in zip(model.inputs, perSample) {
            let data = (0..<(2 * count)).map { _ in Float(r.below(2001)) / 1000 - 1 }
            feeds[spec.name] = try? Tensor(shape: [2] + spec.shape.dropFirst(), data: data)
        }
        XCTAssertNoThrow(try model.run(feeds), "\(what): loaded but does not run")
    }

    /// An empty directory for one case; it replaces the previous case's, so after a crash it
    /// holds the mutant that caused it.
    private func caseDirectory() throws -> URL {
        let dir = tmp.appendingPathComponent("case")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Writes `data` as `name` in a fresh case directory.
    private func write(_ data: Data, _ name: String) throws -> URL {
        let url = try caseDirectory().appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    /// A Keras directory (config.json + model.weights.h5) holding `config` and `weights`.
    private func kerasDirectory(config: Data, weights: Data) throws -> URL {
        let dir = try caseDirectory().appendingPathComponent("model_lite")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try config.write(to: dir.appendingPathComponent("config.json"))
        try weights.write(to: dir.appendingPathComponent("model.weights.h5"))
        return dir
    }

    private func kerasParts(_ name: String) throws -> (config: Data, weights: Data) {
        try KerasImporter.archiveEntries(Fixtures.url("\(name).keras"))
    }

    private func checkBothOutcomes() {
        XCTAssertGreaterThan(refused, 0, "no mutant was refused: the mutators do nothing")
    }

    // MARK: tests

    func testTruncationAtManyOffsets() throws {
        let files = Self.onnxFixtures.map { "\($0).onnx" } + Self.kerasFixtures.map { "\($0).keras" }
        for name in files {
            let data = try Data(contentsOf: Fixtures.url(name))
            let step = max(1, data.count / (2 * Self.iterations))
            for cut in stride(from: 0, to: data.count, by: step) {
                attempt(try write(data.prefix(cut), name), "\(name) truncated at \(cut)")
            }
        }
        let h5 = try Data(contentsOf: Fixtures.url("keras_seq_lite/model.weights.h5"))
        let config = try Data(contentsOf: Fixtures.url("keras_seq_lite/config.json"))
        let step = max(1, h5.count / (2 * Self.iterations))
        for cut in stride(from: 0, to: h5.count, by: step) {
            attempt(try kerasDirectory(config: config, weights: h5.prefix(cut)), "model.weights.h5 truncated at \(cut)")
        }
        checkBothOutcomes()
    }

    func testONNXByteMutations() throws {
        for (f, name) in Self.onnxFixtures.enumerated() {
            let data = try Data(contentsOf: Fixtures.url("\(name).onnx"))
            for i in 0..<Self.iterations {
                var r = rng(UInt64(f), i)
                var (mutant, what) = FuzzMutators.bytes(data, &r)
                if r.below(3) == 0 {
                    let (m, w) = FuzzMutators.bytes(mutant, &r)
                    mutant = m
                    what += ", " + w
                }
                attempt(try write(mutant, "\(name).onnx"), "\(name).onnx seed \(Self.seed) case \(i): \(what)")
            }
        }
        checkBothOutcomes()
    }

    func testONNXStructuralMutations() throws {
        for (f, name) in Self.onnxFixtures.enumerated() {
            let original = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: Fixtures.url("\(name).onnx")))
            for i in 0..<(4 * Self.iterations) {
                var r = rng(100 + UInt64(f), i)
                var m = original
                let what = (0...r.below(3)).map { _ in FuzzMutators.onnx(&m, &r) }.joined(separator: ", ")
                let data: Data = try m.serializedBytes()
                attempt(try write(data, "\(name).onnx"), "\(name).onnx seed \(Self.seed) case \(i): \(what)")
            }
        }
        XCTAssertGreaterThan(loaded, 0, "no structural mutant loaded: the mutations only test parsing")
        checkBothOutcomes()
    }

    func testKerasArchiveMutations() throws {
        for (f, name) in Self.kerasFixtures.enumerated() {
            let data = try Data(contentsOf: Fixtures.url("\(name).keras"))
            for i in 0..<(2 * Self.iterations) {
                var r = rng(200 + UInt64(f), i)
                let (mutant, what) = r.below(2) == 0 ? FuzzMutators.zipHeader(data, &r) : FuzzMutators.bytes(data, &r)
                attempt(try write(mutant, "\(name).keras"), "\(name).keras seed \(Self.seed) case \(i): \(what)")
            }
        }
        checkBothOutcomes()
    }

    func testKerasConfigMutations() throws {
        let sources =
            try Self.kerasFixtures.map { try kerasParts($0) } + [
                (
                    try Data(contentsOf: Fixtures.url("keras_seq_lite/config.json")),
                    try Data(contentsOf: Fixtures.url("keras_seq_lite/model.weights.h5"))
                )
            ]
        for (f, (config, weights)) in sources.enumerated() {
            let root = try JSONSerialization.jsonObject(with: config)
            for i in 0..<(4 * Self.iterations) {
                var r = rng(300 + UInt64(f), i)
                var mutant = root
                var what: [String] = []
                for _ in 0...r.below(3) {
                    let (m, w) = FuzzMutators.keras(mutant, &r)
                    mutant = m
                    what.append(w)
                }
                let json = try JSONSerialization.data(withJSONObject: mutant)
                attempt(
                    try kerasDirectory(config: json, weights: weights),
                    "config \(f) seed \(Self.seed) case \(i): \(what.joined(separator: ", "))")
            }
        }
        XCTAssertGreaterThan(loaded, 0, "no configuration mutant loaded")
        checkBothOutcomes()
    }

    func testHDF5Mutations() throws {
        let (config, weights) = try kerasParts("keras_multi")
        let structures = FuzzMutators.hdf5Structures(weights)
        XCTAssertGreaterThan(structures.count, 10, "the fixture's HDF5 structures were not found")
        for i in 0..<(2 * Self.iterations) {
            var r = rng(400, i)
            var (mutant, what) =
                i % 2 == 0
                ? FuzzMutators.hdf5Metadata(weights, structures: structures, &r) : FuzzMutators.bytes(weights, &r)
            if i % 10 == 1 {
                mutant = Data((0..<(1 + r.below(4096))).map { _ in UInt8(truncatingIfNeeded: r.next()) })
                what = "\(mutant.count) bytes of garbage"
            } else if i % 10 == 3 {
                mutant = weights.prefix(8) + Data((0..<r.below(4096)).map { _ in UInt8(truncatingIfNeeded: r.next()) })
                what = "HDF5 signature then garbage"
            }
            attempt(
                try kerasDirectory(config: config, weights: mutant),
                "model.weights.h5 seed \(Self.seed) case \(i): \(what)")
        }
        checkBothOutcomes()
    }
}
