import XCTest

@testable import ECGInference

/// Each operator against a direct, loop-by-loop reference.
final class OperatorTests: XCTestCase {
    private var values = TestValues(seed: 12345)
    private func random(_ n: Int) -> [Float] { values.next(n) }

    private func run(
        _ inputShapes: [[Int]], batch: Int, threads: Int = 1, feeds: [[Float]],
        _ build: (inout GraphBuilder, [Int]) throws -> Int
    ) throws -> Tensor {
        var b = GraphBuilder(path: "test")
        let ins = try inputShapes.enumerated().map { try b.input("in\($0.offset)", shape: $0.element) }
        b.output("out", try build(&b, ins))
        let model = InferenceModel(graph: b.finish(), format: "test", source: "test")
        var dict: [String: Tensor] = [:]
        for (i, s) in inputShapes.enumerated() { dict["in\(i)"] = try Tensor(shape: [batch] + s, data: feeds[i]) }
        return try model.run(dict, threads: threads)["out"]!
    }

    /// Reference channels-last convolution.
    private func refConv(_ x: [Float], n: Int, w: Int, g: ConvGeometry, kernel: [Float], bias: [Float], cout: Int)
        -> [Float]
    {
        let cin = g.inChannels
        let cpg = cin / g.groups
        let copg = cout / g.groups
        let wout = g.outputLength(w)
        var y = [Float](repeating: 0, count: n * wout * cout)
        for s in 0..<n {
            for t in 0..<wout {
                for co in 0..<cout {
                    let grp = co / copg
                    var acc = bias[co]
                    for tap in 0..<g.kernel {
                        let pos = t * g.stride + tap * g.dilation - g.padLeft
                        if pos < 0 || pos >= w { continue }
                        for ci in 0..<cpg {
                            acc += x[(s * w + pos) * cin + grp * cpg + ci] * kernel[(tap * cpg + ci) * cout + co]
                        }
                    }
                    y[(s * wout + t) * cout + co] = acc
                }
            }
        }
        return y
    }

    func testConvolutionGeometries() throws {
        let cases: [(w: Int, g: ConvGeometry, cout: Int)] = [
            (
                23, ConvGeometry(kernel: 4, stride: 2, dilation: 2, padLeft: 1, padRight: 2, groups: 1, inChannels: 3),
                37
            ),
            (19, ConvGeometry(kernel: 3, stride: 1, dilation: 1, padLeft: 1, padRight: 1, groups: 3, inChannels: 6), 9),
            (
                40, ConvGeometry(kernel: 6, stride: 1, dilation: 1, padLeft: 0, padRight: 0, groups: 1, inChannels: 1),
                32
            ),
            (
                17, ConvGeometry(kernel: 1, stride: 3, dilation: 1, padLeft: 0, padRight: 0, groups: 1, inChannels: 70),
                65
            ),
        ]
        for (i, c) in cases.enumerated() {
            for (batch, threads) in [(1, 1), (7, 2)] {
                let k = random(c.g.kernel * c.g.inChannels / c.g.groups * c.cout)
                let bias = random(c.cout)
                let x = random(batch * c.w * c.g.inChannels)
                let got = try run([[c.w, c.g.inChannels]], batch: batch, threads: threads, feeds: [x]) { b, ins in
                    try b.conv(ins[0], geometry: c.g, weights: k, bias: bias, outChannels: c.cout, name: "conv")
                }
                assertClose(
                    got.data, refConv(x, n: batch, w: c.w, g: c.g, kernel: k, bias: bias, cout: c.cout),
                    tolerance: 1e-4, "case \(i) batch \(batch)")
            }
        }
    }

    func testConvolutionWithFusedReluAndBatchNorm() throws {
        let g = ConvGeometry(kernel: 3, stride: 1, dilation: 1, padLeft: 0, padRight: 0, groups: 1, inChannels: 2)
        let k = random(3 * 2 * 5)
        let bias = random(5)
        let scale = random(5)
        let shift = random(5)
        let x = random(3 * 12 * 2)
        let got = try run([[12, 2]], batch: 3, feeds: [x]) { b, ins in
            let c = try b.conv(ins[0], geometry: g, weights: k, bias: bias, outChannels: 5, name: "conv")
            let r = try b.activation(c, .relu, name: "relu")
            return try b.affine(r, scale: scale, shift: shift, name: "bn")
        }
        let ref = refConv(x, n: 3, w: 12, g: g, kernel: k, bias: bias, cout: 5).enumerated().map { i, v in
            max(v, 0) * scale[i % 5] + shift[i % 5]
        }
        assertClose(got.data, ref)
    }

    func testDenseWithLeakyReluAndBias() throws {
        let k = 70
        let n = 33
        let batch = 13
        let w = random(k * n)
        let bias = random(n)
        let x = random(batch * k)
        let extra = random(n)
        let got = try run([[k]], batch: batch, threads: 2, feeds: [x]) { b, ins in
            let d = try b.dense(ins[0], weights: w, k: k, n: n, bias: bias, name: "dense")
            let a = try b.binary(.add, d, constant: Tensor(shape: [n], data: extra), name: "add")
            return try b.activation(a, .leakyRelu(0.1), name: "leaky")
        }
        var ref = [Float](repeating: 0, count: batch * n)
        for s in 0..<batch {
            for j in 0..<n {
                var acc = bias[j] + extra[j]
                for i in 0..<k { acc += x[s * k + i] * w[i * n + j] }
                ref[s * n + j] = acc > 0 ? acc : 0.1 * acc
            }
        }
        assertClose(got.data, ref, tolerance: 1e-4)
    }

    func testPooling() throws {
        let x = random(2 * 11 * 3)
        // Overlapping padded windows, and the adjacent windows of Keras MaxPooling1D (own loop).
        let geometries: [(kernel: Int, stride: Int, pad: Int)] = [(3, 2, 1), (2, 2, 0), (3, 3, 0)]
        for (kernel, stride, pad) in geometries {
            for isMax in [true, false] {
                let g = PoolGeometry(
                    kernel: kernel, stride: stride, padLeft: pad, padRight: pad, dilation: 1, isMax: isMax,
                    countPad: false)
                let got = try run([[11, 3]], batch: 2, feeds: [x]) { b, ins in try b.pool(ins[0], g, name: "pool") }
                let wout = g.outputLength(11)
                XCTAssertEqual(got.shape, [2, wout, 3])
                var ref: [Float] = []
                for s in 0..<2 {
                    for t in 0..<wout {
                        for c in 0..<3 {
                            let vals = (0..<kernel).map { t * stride - pad + $0 }.filter { $0 >= 0 && $0 < 11 }.map {
                                x[(s * 11 + $0) * 3 + c]
                            }
                            ref.append(isMax ? vals.max()! : vals.reduce(0, +) / Float(vals.count))
                        }
                    }
                }
                assertClose(got.data, ref, "kernel \(kernel) stride \(stride) pad \(pad) max \(isMax)")
            }
        }
        let global = try run([[11, 3]], batch: 2, feeds: [x]) { b, ins in
            try b.globalPool(ins[0], isMax: false, name: "gap")
        }
        var ref: [Float] = []
        for s in 0..<2 {
            for c in 0..<3 {
                var sum: Float = 0
                for t in 0..<11 { sum += x[(s * 11 + t) * 3 + c] }
                ref.append(sum / 11)
            }
        }
        assertClose(global.data, ref)
    }

    func testActivationValues() throws {
        let x: [Float] = [-1, 0, 1]
        let expected: [(Activation, [Float])] = [
            (.relu, [0, 0, 1]), (.leakyRelu(0.2), [-0.2, 0, 1]), (.elu(1), [expm1f(-1), 0, 1]),
            (.sigmoid, [0.26894142, 0.5, 0.7310586]), (.tanh, [-0.7615942, 0, 0.7615942]),
            (.gelu, [-0.15865526, 0, 0.8413447]), (.geluTanh, [-0.15880801, 0, 0.841192]),
        ]
        for (a, want) in expected {
            let got = try run([[3]], batch: 1, feeds: [x]) { b, ins in try b.activation(ins[0], a, name: "act") }
            assertClose(got.data, want, "\(a)")
        }
    }

    func testSoftmaxTransposeConcatBroadcast() throws {
        let x = random(2 * 3 * 4)
        let y = random(2 * 3 * 2)
        let soft = try run([[3, 4]], batch: 2, feeds: [x]) { b, ins in
            try b.softmax(ins[0], start: 1, end: 2, name: "sm")
        }
        for row in 0..<6 {
            let r = Array(x[(row * 4)..<(row * 4 + 4)])
            let e = r.map { expf($0 - r.max()!) }
            assertClose(Array(soft.data[(row * 4)..<(row * 4 + 4)]), e.map { $0 / e.reduce(0, +) })
        }
        let t = try run([[3, 4]], batch: 2, feeds: [x]) { b, ins in try b.transpose(ins[0], perm: [1, 0], name: "t") }
        XCTAssertEqual(t.shape, [2, 4, 3])
        XCTAssertEqual(t.data[(1 * 4 + 2) * 3 + 1], x[(1 * 3 + 1) * 4 + 2])
        let cat = try run([[3, 4], [3, 2]], batch: 2, feeds: [x, y]) { b, ins in try b.concat(ins, axis: 1, name: "cat")
        }
        XCTAssertEqual(cat.shape, [2, 3, 6])
        XCTAssertEqual(cat.data[(1 * 3 + 2) * 6 + 5], y[(1 * 3 + 2) * 2 + 1])
        XCTAssertEqual(cat.data[(1 * 3 + 2) * 6 + 3], x[(1 * 3 + 2) * 4 + 3])
        let c = random(3)
        let mul = try run([[3, 4]], batch: 2, feeds: [x]) { b, ins in
            try b.binary(.mul, ins[0], constant: Tensor(shape: [3, 1], data: c), name: "mul")
        }
        XCTAssertEqual(mul.data[(1 * 3 + 2) * 4 + 1], x[(1 * 3 + 2) * 4 + 1] * c[2], accuracy: 1e-6)
    }

    func testRunRejectsBadInputs() throws {
        let model = try ModelLoader.load(path: Fixtures.url("onnx_multi.onnx"))
        XCTAssertEqual(
            model.inputs, [TensorSpec(name: "beat", shape: [-1, 40, 1]), TensorSpec(name: "rr", shape: [-1, 4])])
        let beat = try Tensor(shape: [2, 40, 1], data: random(80))
        XCTAssertThrowsError(try model.run(["beat": beat])) { error in
            guard case ModelError.invalidInput(let why)? = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("rr"), why)
        }
        XCTAssertThrowsError(try model.run(["beat": beat, "rr": try Tensor(shape: [3, 4], data: random(12))]))
        XCTAssertThrowsError(try model.run(["beat": beat, "rr": try Tensor(shape: [2, 5], data: random(10))]))
        XCTAssertThrowsError(try Tensor(shape: [2, 3], data: [1, 2]))
        let empty = try model.run(["beat": try Tensor(zeros: [0, 40, 1]), "rr": try Tensor(zeros: [0, 4])])
        XCTAssertEqual(empty["probabilities"]?.shape, [0, 5])
    }
}

/// Every GEMM kernel this CPU runs (portable C, AVX2, AVX-512) reproduces the golden outputs.
final class KernelDispatchTests: XCTestCase {
    func testEveryKernelMatchesGoldens() throws {
        let kernels = GemmKernel.allCases.filter(\.isSupported)
        XCTAssertTrue(kernels.contains(.portable))
        XCTAssertTrue(kernels.contains(GemmKernel.selected))
        for kernel in kernels {
            for name in ["keras_seq", "keras_multi", "onnx_ncw", "onnx_multi"] {
                let golden = try Fixtures.golden(name)
                let model = try ModelLoader.load(path: Fixtures.url(golden.model), kernel: kernel)
                let result = try model.run(try golden.feeds, threads: 2)
                for expected in golden.outputs {
                    assertClose(result[expected.name]!.data, expected.data, "\(name) with \(kernel.name)")
                }
            }
        }
    }
}
