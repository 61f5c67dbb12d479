import ECGInference
import XCTest

/// Corrupt, truncated and unsupported model files give typed errors naming the file.
final class LoaderErrorTests: XCTestCase {
    private var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    private func error(_ url: URL) -> ModelError? {
        do {
            _ = try ModelLoader.load(path: url)
            return nil
        } catch {
            return error as? ModelError
        }
    }

    private func truncated(_ source: URL, name: String, keep: Double) throws -> URL {
        let data = try Data(contentsOf: source)
        let url = tmp.appendingPathComponent(name)
        try data.prefix(Int(Double(data.count) * keep)).write(to: url)
        return url
    }

    func testUnsupportedOperatorNamesOpAndNode() {
        let url = Fixtures.url("onnx_unsupported.onnx")
        XCTAssertEqual(error(url), .unsupportedOperator(path: url.path, opType: "Cos", node: "odd_cos"))
        XCTAssertTrue(error(url)!.description.contains("Cos"))
    }

    func testTruncatedONNX() throws {
        let url = try truncated(Fixtures.url("onnx_ncw.onnx"), name: "cut.onnx", keep: 0.6)
        guard case .corrupt(let path, _)? = error(url) else { return XCTFail("\(String(describing: error(url)))") }
        XCTAssertEqual(path, url.path)
    }

    func testGarbageONNX() throws {
        let url = tmp.appendingPathComponent("garbage.onnx")
        try Data((0..<500).map { UInt8(($0 * 37) % 251) }).write(to: url)
        guard case .corrupt? = error(url) else { return XCTFail("\(String(describing: error(url)))") }
    }

    func testTruncatedKerasArchive() throws {
        let url = try truncated(Fixtures.url("keras_seq.keras"), name: "cut.keras", keep: 0.5)
        guard case .corrupt(let path, _)? = error(url) else { return XCTFail("\(String(describing: error(url)))") }
        XCTAssertEqual(path, url.path)
    }

    func testKerasDirectoryWithTruncatedWeights() throws {
        let dir = tmp.appendingPathComponent("model_lite")
        try FileManager.default.copyItem(at: Fixtures.url("keras_seq_lite"), to: dir)
        let h5 = dir.appendingPathComponent("model.weights.h5")
        try Data(contentsOf: h5).prefix(3000).write(to: h5)
        guard case .corrupt? = error(dir) else { return XCTFail("\(String(describing: error(dir)))") }
    }

    func testKerasDirectoryWithoutWeights() throws {
        let dir = tmp.appendingPathComponent("lite")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Fixtures.url("keras_seq_lite/config.json"), to: dir.appendingPathComponent("config.json"))
        XCTAssertEqual(error(dir), .notFound(path: dir.appendingPathComponent("model.weights.h5").path))
    }

    func testMissingAndUnknownFiles() throws {
        let missing = tmp.appendingPathComponent("nothing.onnx")
        XCTAssertEqual(error(missing), .notFound(path: missing.path))
        let txt = tmp.appendingPathComponent("model.txt")
        try Data("hello".utf8).write(to: txt)
        guard case .unsupported? = error(txt) else { return XCTFail() }
    }
}
