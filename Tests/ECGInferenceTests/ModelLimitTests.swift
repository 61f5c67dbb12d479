import Foundation
import XCTest

@testable import ECGInference

/// Models declaring absurd sizes are refused with a clear error, and `run` /
/// `classProbabilities` refuse bad inputs instead of trapping.
final class ModelLimitTests: XCTestCase {
    private var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ecgd-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    /// y = MatMul(x, W) with x of per-sample shape `input` and W declared with `weightDims`
    /// (holding `values` floats).
    private func matmulModel(input: [Int64], weightDims: [Int64], values: Int) throws -> URL {
        var m = Onnx_ModelProto()
        var w = Onnx_TensorProto()
        w.name = "W"
        w.dataType = 1
        w.dims = weightDims
        w.floatData = [Float](repeating: 0.5, count: values)
        var x = Onnx_ValueInfoProto()
        x.name = "x"
        x.type.tensorType.shape.dim = ([-1] + input).map { v in
            var d = Onnx_TensorShapeProto.Dimension()
            if v < 0 { d.dimParam = "N" } else { d.dimValue = v }
            return d
        }
        var node = Onnx_NodeProto()
        node.opType = "MatMul"
        node.name = "mm"
        node.input = ["x", "W"]
        node.output = ["y"]
        var y = Onnx_ValueInfoProto()
        y.name = "y"
        m.graph.initializer = [w]
        m.graph.input = [x]
        m.graph.node = [node]
        m.graph.output = [y]
        let url = tmp.appendingPathComponent("m\(UUID().uuidString.prefix(8)).onnx")
        try (m.serializedBytes() as Data).write(to: url)
        return url
    }

    private func refusal(_ url: URL) -> String? {
        do {
            _ = try ModelLoader.load(path: url)
            return nil
        } catch let e as ModelError {
            XCTAssertTrue(e.description.contains(url.path), "\(e)")
            return e.description
        } catch {
            XCTFail("\(error)")
            return nil
        }
    }

    func testTheReferenceModelLoads() throws {
        let m = try ModelLoader.load(path: try matmulModel(input: [4], weightDims: [4, 3], values: 12))
        XCTAssertEqual(m.outputs[0].shape, [-1, 3])
    }

    func testHugeWeightDimsAreRefused() throws {
        for dims: [Int64] in [[1 << 31, 1 << 31], [1 << 40, 1 << 40, 1 << 40], [.max, 2], [4, -3], [1 << 29]] {
            let message = refusal(try matmulModel(input: [4], weightDims: dims, values: 12))
            XCTAssertNotNil(message, "\(dims)")
            XCTAssertTrue(
                message?.contains("elements") == true || message?.contains("negative") == true,
                "\(dims): \(message ?? "")")
        }
    }

    func testHugeInputDimsAreRefused() throws {
        for dims: [Int64] in [[1 << 31, 1 << 31], [1 << 29], [.max], [1 << 20, 1 << 20, 4]] {
            let message = refusal(try matmulModel(input: dims, weightDims: [4, 3], values: 12))
            XCTAssertTrue(message?.contains("limit") == true, "\(dims): \(message ?? "loaded")")
        }
    }

    func testAbsurdKerasLayerSettingsAreRefused() throws {
        let source = Fixtures.url("keras_seq_lite")
        let config = try JSONSerialization.jsonObject(
            with: Data(contentsOf: source.appendingPathComponent("config.json")))
        let cases: [(String, String, Any)] = [
            ("Conv1D", "filters", 1 << 40), ("Conv1D", "kernel_size", [0]),
            ("Conv1D", "strides", [0]), ("Conv1D", "dilation_rate", [-2]),
            ("Dense", "units", -1), ("MaxPooling1D", "pool_size", [Int64.max]),
        ]
        for (i, (layerClass, key, value)) in cases.enumerated() {
            guard var root = config as? [String: Any], var cfg = root["config"] as? [String: Any],
                var layers = cfg["layers"] as? [[String: Any]],
                let l = layers.firstIndex(where: { $0["class_name"] as? String == layerClass }),
                var layerConfig = layers[l]["config"] as? [String: Any]
            else { return XCTFail("fixture layout") }
            layerConfig[key] = value
            layers[l]["config"] = layerConfig
            cfg["layers"] = layers
            root["config"] = cfg
            let dir = tmp.appendingPathComponent("k\(i)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: root).write(to: dir.appendingPathComponent("config.json"))
            try FileManager.default.copyItem(
                at: source.appendingPathComponent("model.weights.h5"),
                to: dir.appendingPathComponent("model.weights.h5"))
            XCTAssertNotNil(refusal(dir), "\(layerClass).\(key) = \(value)")
        }
    }

    func testWeightsDeclaringTerabytesAreRefused() throws {
        let dir = tmp.appendingPathComponent("huge")
        try FileManager.default.copyItem(at: Fixtures.url("keras_seq_lite"), to: dir)
        let h5 = dir.appendingPathComponent("model.weights.h5")
        try FileManager.default.removeItem(at: h5)
        try FileManager.default.copyItem(at: Fixtures.url("hostile_huge.weights.h5"), to: h5)
        XCTAssertThrowsError(try ModelLoader.load(path: dir)) { error in
            guard case ModelError.unsupported(let path, let reason)? = error as? ModelError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, h5.path)
            XCTAssertTrue(reason.contains("[1048576, 1048576]") && reason.contains("limit"), reason)
        }
    }

    func testNonHDF5WeightsAreCorrupt() throws {
        let dir = tmp.appendingPathComponent("lite")
        try FileManager.default.copyItem(at: Fixtures.url("keras_seq_lite"), to: dir)
        let h5 = dir.appendingPathComponent("model.weights.h5")
        for bytes in [Data("not hdf5 at all".utf8), try Data(contentsOf: h5).prefix(700), Data()] {
            try bytes.write(to: h5)
            do {
                _ = try ModelLoader.load(path: dir)
                XCTFail("loaded \(bytes.count) bytes of weights")
            } catch ModelError.corrupt(let path, _) {
                XCTAssertEqual(path, h5.path)
            }
        }
    }

    func testDevicesBehindSymlinksAreRefused() throws {
        for name in ["zero.onnx", "zero.keras"] {
            let link = tmp.appendingPathComponent(name)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/dev/zero")
            XCTAssertThrowsError(try ModelLoader.load(path: link)) { error in
                guard case ModelError.unsupported(let path, let reason)? = error as? ModelError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(path, link.path)
                XCTAssertTrue(reason.contains("regular file"), reason)
            }
        }
    }

    func testRunRefusesBadInputs() throws {
        let m = try ModelLoader.load(path: try matmulModel(input: [4], weightDims: [4, 3], values: 12))
        let good = try Tensor(shape: [2, 4], data: [Float](repeating: 1, count: 8))
        XCTAssertEqual(try m.run(["x": good])["y"]?.shape, [2, 3])
        var bad: [[String: Tensor]] = [
            [:], ["x": good, "z": good], ["x": try Tensor(shape: [2, 5], data: .init(repeating: 0, count: 10))],
            ["x": try Tensor(shape: [8], data: .init(repeating: 0, count: 8))],
        ]
        var nan = good
        nan.data[5] = .nan
        var inf = good
        inf.data[0] = -.infinity
        var lying = good
        lying.shape = [1 << 62, 4]
        var negative = good
        negative.shape = [-2, 4]
        bad += [["x": nan], ["x": inf], ["x": lying], ["x": negative]]
        for feeds in bad {
            XCTAssertThrowsError(try m.run(feeds)) { error in
                guard case ModelError.invalidInput? = error as? ModelError else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try Tensor(shape: [1 << 40, 1 << 40], data: []))
        XCTAssertThrowsError(try Tensor(zeros: [-1]))
    }
}
