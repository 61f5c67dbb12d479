import XCTest

@testable import ECGInference

/// Skipping convolution rows over constant input tails (zero-padded beats) changes no bit.
final class ConstantTailsTests: XCTestCase {
    private var values = TestValues(seed: 987_654_321)
    private func random(_ n: Int) -> [Float] { values.next(n) }

    func testScanFindsWhereEachSampleTurnsConstant() {
        // Three samples of [6, 2]: tail from row 3, no tail (last two rows differ), all constant.
        let x: [Float] = [
            1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 7, 7, 7, 8,
            0.5, -1, 0.5, -1, 0.5, -1, 0.5, -1, 0.5, -1, 0.5, -1,
        ]
        let tails = x.withUnsafeBufferPointer {
            ConstantTails(scanning: $0.baseAddress!, samples: 3, width: 6, channels: 2)
        }
        XCTAssertEqual(tails.starts, [3, 5, 0])
        XCTAssertEqual(tails.computedRows, [4, 6, 1])
        // A window of stride 2 over 4 outputs: row j reads inputs from 2j on.
        XCTAssertEqual(tails.throughWindow(stride: 2, outWidth: 4).starts, [2, 3, 0])
        XCTAssertEqual(tails.throughWindow(stride: 1, outWidth: 3).starts, [2, 2, 0])
    }

    func testNegativeZeroEndsATail() {
        // -0 equals 0 but has other bits, and a GEMM may give other bits for it.
        let x: [Float] = [1, 0, -0.0, 0]
        let tails = x.withUnsafeBufferPointer {
            ConstantTails(scanning: $0.baseAddress!, samples: 1, width: 4, channels: 1)
        }
        XCTAssertEqual(tails.starts, [3])
    }

    /// The Kachuee network's layer stack (conv 6 + ReLU + batch norm, max pool 2, conv 3 + ReLU
    /// + batch norm, max pool 2, flatten, dense, dense) over beats padded with zeros or with
    /// another constant at many lengths, with and without skipping: every output bit agrees.
    func testKachueeStackGivesIdenticalBitsWithAndWithoutSkipping() throws {
        var b = GraphBuilder(path: "test")
        let input = try b.input("beat", shape: [187, 1])
        let conv1 = ConvGeometry(kernel: 6, stride: 1, dilation: 1, padLeft: 0, padRight: 0, groups: 1, inChannels: 1)
        let pool = PoolGeometry(
            kernel: 2, stride: 2, padLeft: 0, padRight: 0, dilation: 1, isMax: true, countPad: false)
        var x = try b.conv(
            input, geometry: conv1, weights: random(6 * 32), bias: random(32), outChannels: 32, name: "c1")
        x = try b.activation(x, .relu, name: "r1")
        x = try b.affine(x, scale: random(32), shift: random(32), name: "bn1")
        x = try b.pool(x, pool, name: "p1")
        let conv2 = ConvGeometry(kernel: 3, stride: 1, dilation: 1, padLeft: 0, padRight: 0, groups: 1, inChannels: 32)
        x = try b.conv(x, geometry: conv2, weights: random(3 * 32 * 64), bias: random(64), outChannels: 64, name: "c2")
        x = try b.activation(x, .relu, name: "r2")
        x = try b.affine(x, scale: random(64), shift: random(64), name: "bn2")
        x = try b.pool(x, pool, name: "p2")
        x = try b.alias(x, shape: [44 * 64], name: "flat")
        x = try b.dense(x, weights: random(44 * 64 * 32), k: 44 * 64, n: 32, bias: random(32), name: "d1")
        x = try b.activation(x, .relu, name: "r3")
        x = try b.dense(x, weights: random(32), k: 32, n: 1, bias: random(1), name: "d2")
        b.output("out", x)
        try assertSkippingChangesNoBit(b.finish(), width: 187)
    }

    /// Strided and dilated windows read further past their first constant output row; the
    /// rows copied past it must reach as far.
    func testStridedAndDilatedWindowsGiveIdenticalBits() throws {
        var b = GraphBuilder(path: "test")
        let input = try b.input("beat", shape: [120, 2])
        let strided = ConvGeometry(kernel: 3, stride: 2, dilation: 2, padLeft: 0, padRight: 0, groups: 1, inChannels: 2)
        var x = try b.conv(
            input, geometry: strided, weights: random(3 * 2 * 8), bias: random(8), outChannels: 8, name: "c1")
        let pool = PoolGeometry(
            kernel: 3, stride: 1, padLeft: 0, padRight: 0, dilation: 1, isMax: false, countPad: false)
        x = try b.pool(x, pool, name: "p1")
        let dilated = ConvGeometry(kernel: 2, stride: 1, dilation: 3, padLeft: 0, padRight: 0, groups: 2, inChannels: 8)
        x = try b.conv(x, geometry: dilated, weights: random(2 * 4 * 6), bias: random(6), outChannels: 6, name: "c2")
        let width = 120 / 2 - 2 - 2 - 3
        x = try b.alias(x, shape: [width * 6], name: "flat")
        x = try b.dense(x, weights: random(width * 6 * 3), k: width * 6, n: 3, bias: random(3), name: "d")
        b.output("out", x)
        try assertSkippingChangesNoBit(b.finish(), width: 120, channels: 2)
    }

    /// Runs `graph` over 700 samples (more than one chunk) whose content ends anywhere from 0
    /// to `width` rows, padded with 0 or another constant, with and without skipping: every
    /// output bit agrees, and the outputs differ from sample to sample.
    private func assertSkippingChangesNoBit(_ graph: Graph, width: Int, channels: Int = 1) throws {
        let batch = 700
        let row = width * channels
        var inputs = [Float](repeating: 0, count: batch * row)
        for s in 0..<batch {
            let length = (s * 37) % (width + 1)
            let pad: Float = s % 5 == 0 ? 0.25 : 0
            let content = random(length * channels)
            for t in 0..<row { inputs[s * row + t] = t < length * channels ? content[t] : pad }
        }
        let outputs = graph.values[graph.outputs[0].value].count
        func run(_ executor: Executor, threads: Int) -> [Float] {
            var out = [Float](repeating: .nan, count: batch * outputs)
            inputs.withUnsafeBufferPointer { inp in
                out.withUnsafeMutableBufferPointer { o in
                    executor.run(batch: batch, inputs: [inp.baseAddress!], outputs: [o.baseAddress!], threads: threads)
                }
            }
            return out
        }
        let full = run(Executor(graph: graph, skipsConstantTails: false), threads: 1)
        let skipping = Executor(graph: graph)
        for threads in [1, 2] {
            let got = run(skipping, threads: threads)
            XCTAssertEqual(got.map(\.bitPattern), full.map(\.bitPattern), "\(threads) threads")
        }
        XCTAssertFalse(full.contains { !$0.isFinite })
        XCTAssertGreaterThan(Set(full).count, batch / 2, "outputs should differ from sample to sample")
    }

    /// A padded convolution carries no tail: its zero padding on the right breaks constancy.
    func testPaddedConvolutionStillComputesEveryRow() throws {
        var b = GraphBuilder(path: "test")
        let input = try b.input("x", shape: [20, 2])
        let g = ConvGeometry(kernel: 3, stride: 1, dilation: 1, padLeft: 1, padRight: 1, groups: 1, inChannels: 2)
        let c = try b.conv(input, geometry: g, weights: random(3 * 2 * 4), bias: random(4), outChannels: 4, name: "c")
        b.output("out", c)
        let graph = b.finish()
        var x = random(3 * 20 * 2)
        for i in 10 * 2..<20 * 2 { x[i] = 0.5 }  // sample 0 ends in a constant other than the padding
        func run(_ e: Executor) -> [Float] {
            var out = [Float](repeating: .nan, count: 3 * 20 * 4)
            x.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer {
                    e.run(batch: 3, inputs: [i.baseAddress!], outputs: [$0.baseAddress!], threads: 1)
                }
            }
            return out
        }
        let full = run(Executor(graph: graph, skipsConstantTails: false))
        XCTAssertEqual(run(Executor(graph: graph)).map(\.bitPattern), full.map(\.bitPattern))
        // The last output row of sample 0 sees the right padding and differs from the one before.
        XCTAssertNotEqual(Array(full[19 * 4..<20 * 4]), Array(full[18 * 4..<19 * 4]))
    }
}
