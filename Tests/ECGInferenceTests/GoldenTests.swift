import ECGInference
import Foundation
import Synchronization
import XCTest

/// Models built in Python, run by Keras or ONNX Runtime; ecgd must agree within 1e-5.
final class GoldenTests: XCTestCase {
    private func check(_ name: String, threads: Int) throws {
        let golden = try Fixtures.golden(name)
        let model = try ModelLoader.load(path: Fixtures.url(golden.model))
        XCTAssertEqual(model.outputs.map(\.name), golden.outputs.map(\.name))
        let result = try model.run(try golden.feeds, threads: threads)
        for expected in golden.outputs {
            let got = try XCTUnwrap(result[expected.name], "output \(expected.name)")
            XCTAssertEqual(got.shape, expected.shape, "\(name).\(expected.name)")
            assertClose(got.data, expected.data, "\(name).\(expected.name) threads=\(threads)")
        }
    }

    func testKerasSequential() throws { try check("keras_seq", threads: 1) }
    func testKerasDirectoryLikeModelLite() throws { try check("keras_seq_lite", threads: 2) }
    func testKerasFunctionalMultiInput() throws { try check("keras_multi", threads: 2) }
    func testONNXChannelsFirstTwoOutputs() throws { try check("onnx_ncw", threads: 1) }
    func testONNXMultiInput() throws { try check("onnx_multi", threads: 2) }
    func testONNXTorchStyleDynamicFlatten() throws { try check("onnx_torch", threads: 2) }
    func testONNXTf2onnxStyleHeightOneConvolutions() throws { try check("onnx_tf2onnx", threads: 2) }

    /// The shipped Kachuee demo in Keras and ONNX form holds identical weights.
    func testKachueeKerasAndONNXAgree() throws {
        let dir = Fixtures.models.appendingPathComponent("kachuee187-demo")
        let onnx = try ModelLoader.load(path: dir.appendingPathComponent("model.onnx"))
        let keras = try ModelLoader.load(path: dir.appendingPathComponent("model.keras"))
        let n = 37
        let data = (0..<(n * 187)).map { i in Float((i * 7919) % 1000) / 1000 }
        let x = try Tensor(shape: [n, 187, 1], data: data)
        let a = try onnx.run(["input": x], threads: 2)["probability"]!
        let b = try keras.run(["input": x], threads: 1)[keras.outputs[0].name]!
        XCTAssertEqual(a.shape, [n, 1])
        assertClose(a.data, b.data)
        XCTAssertGreaterThan(Set(a.data).count, 1, "outputs should vary with the input")
    }

    /// Running one sample at a time gives the same numbers as a whole batch.
    func testBatchOfOneMatchesBatch() throws {
        let golden = try Fixtures.golden("keras_multi")
        let model = try ModelLoader.load(path: Fixtures.url(golden.model))
        let feeds = try golden.feeds
        let whole = try model.run(feeds, threads: 2)["probabilities"]!
        for i in 0..<feeds["beat"]!.shape[0] {
            let one = try model.run([
                "beat": try Tensor(shape: [1, 64, 1], data: Array(feeds["beat"]!.data[(i * 64)..<((i + 1) * 64)])),
                "rr": try Tensor(shape: [1, 4], data: Array(feeds["rr"]!.data[(i * 4)..<((i + 1) * 4)])),
            ])["probabilities"]!
            assertClose(one.data, Array(whole.data[(i * 5)..<((i + 1) * 5)]))
        }
    }

    /// One warm model serves many callers at once; every caller gets its own correct answer.
    func testConcurrentRunsShareOneModel() throws {
        let golden = try Fixtures.golden("onnx_ncw")
        let model = try ModelLoader.load(path: Fixtures.url(golden.model))
        let feeds = try golden.feeds
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            guard let out = try? model.run(feeds, threads: 1 + i % 2)["scores"],
                zip(out.data, golden.outputs[0].data).allSatisfy({ abs($0 - $1) <= 1e-5 })
            else {
                failures.withLock { $0 += 1 }
                return
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
    }
}
