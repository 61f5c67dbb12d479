import CInferenceKernels
import Foundation
import Synchronization

/// Runs a graph over a batch: the batch is split across threads, and each thread runs the
/// whole graph chunk by chunk in its own arena, so that activations stay in cache.
struct Executor: Sendable {
    let graph: Graph
    let plan: Plan
    /// Samples per chunk.
    let chunk: Int
    let pool: WorkspacePool
    /// Whether convolutions and pooling copy rows over constant input tails instead of
    /// computing them (`ConstantTails`; off only to check that both ways agree bit for bit).
    let skipsConstantTails: Bool
    /// Per node, how many rows past its output's first constant row its readers look at
    /// (`Int32.max` where a reader needs every row); rows past those are not copied.
    let tailReaches: [Int32]

    init(graph: Graph, cacheBytes: Int = 384 * 1024, skipsConstantTails: Bool = true) {
        self.graph = graph
        self.skipsConstantTails = skipsConstantTails
        tailReaches = Self.tailReaches(graph)
        plan = Plan(graph)
        chunk = max(1, min(512, cacheBytes / max(1, plan.arenaPerSample * 4)))
        pool = WorkspacePool(floats: plan.arenaPerSample * chunk, slots: graph.slotSizes.count)
    }

    /// Arena bytes one thread needs.
    var arenaBytes: Int { plan.arenaPerSample * chunk * 4 }

    /// Runs `batch` samples; input i holds batch x graph input i's per-sample count floats,
    /// output i receives batch x per-sample count floats. With several threads, each takes
    /// the next chunk as it finishes one, so a core slowed by other work does less.
    func run(batch: Int, inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let chunks = (batch + chunk - 1) / chunk
        let t = max(1, min(threads, chunks))
        if t == 1 {
            pool.withWorkspace { ws in
                for c in 0..<chunks { run(chunk: c, batch: batch, inputs: inputs, outputs: outputs, ws: ws) }
            }
            return
        }
        let ins = inputs.map { UnsafeSendable($0) }
        let outs = outputs.map { UnsafeSendable($0) }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: t) { _ in
            let inputs = ins.map(\.value)
            let outputs = outs.map(\.value)
            pool.withWorkspace { ws in
                while true {
                    let c = next.add(1, ordering: .relaxed).oldValue
                    if c >= chunks { break }
                    run(chunk: c, batch: batch, inputs: inputs, outputs: outputs, ws: ws)
                }
            }
        }
    }

    private func run(
        chunk index: Int, batch: Int, inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>],
        ws: Workspace
    ) {
        let start = index * chunk
        let n = min(chunk, batch - start)
        for (s, place) in plan.places.enumerated() {
            switch place {
            case .input(let i):
                ws.pointers[s] = UnsafeMutablePointer(mutating: inputs[i]) + start * graph.slotSizes[s]
            case .arena(let offset):
                ws.pointers[s] = ws.arena + offset * n
            case .unused:
                break
            }
        }
        var tails = [ConstantTails?](repeating: nil, count: graph.values.count)
        for input in graph.inputs where skipsConstantTails {
            let v = graph.values[input.value]
            guard v.shape.count == 2, v.count > 0 else { continue }
            tails[input.value] = ConstantTails(
                scanning: ws.pointers[v.slot], samples: n, width: v.shape[0], channels: v.shape[1])
        }
        for (i, node) in graph.nodes.enumerated() {
            let outputTails = tails[node.inputs[0]].flatMap { passTails($0, through: node) }
            tails[node.output] = outputTails
            execute(node, n: n, ptr: ws.pointers, outputTails: outputTails, copiedRows: tailReaches[i])
        }
        for (i, output) in graph.outputs.enumerated() {
            let v = graph.values[output.value]
            (outputs[i] + start * v.count).update(from: ws.pointers[v.slot], count: n * v.count)
        }
    }

    /// The rows past the first constant one that each node's output must hold: an unpadded
    /// window of stride s, span k and dilation d computes its output up to its own first
    /// constant row, so it reads up to s - 1 + (k - 1) d input rows past the input's; any other
    /// reader (a dense layer through a flattening alias, say) and a graph output need them all.
    private static func tailReaches(_ graph: Graph) -> [Int32] {
        graph.nodes.map { node in
            let slot = graph.values[node.output].slot
            if graph.outputs.contains(where: { graph.values[$0.value].slot == slot }) { return .max }
            var reach: Int32 = 0
            for reader in graph.nodes where reader.inputs.contains(where: { graph.values[$0].slot == slot }) {
                let window: (stride: Int, kernel: Int, dilation: Int)?
                switch reader.op {
                case .gemm(let g):
                    window = g.conv.flatMap {
                        $0.padLeft == 0 && $0.padRight == 0 ? ($0.stride, $0.kernel, $0.dilation) : nil
                    }
                case .pool(let p):
                    window = p.padLeft == 0 && p.padRight == 0 ? (p.stride, p.kernel, p.dilation) : nil
                default:
                    window = nil
                }
                guard reader.inputs == [node.output], let window else { return .max }
                reach = max(reach, Int32(window.stride - 1 + (window.kernel - 1) * window.dilation))
            }
            return reach
        }
    }

    /// The constant tails of `node`'s output, when its input's carry through it: elementwise
    /// and per-channel operators keep them, unpadded convolutions and pooling move them.
    private func passTails(_ tails: ConstantTails, through node: Node) -> ConstantTails? {
        let input = graph.values[node.inputs[0]]
        let output = graph.values[node.output]
        guard input.shape.count == 2, output.shape.count == 2 else { return nil }
        switch node.op {
        case .gemm(let g):
            guard let c = g.conv, c.padLeft == 0, c.padRight == 0 else { return nil }
            return tails.throughWindow(stride: c.stride, outWidth: output.shape[0])
        case .pool(let p):
            guard p.padLeft == 0, p.padRight == 0 else { return nil }
            return tails.throughWindow(stride: p.stride, outWidth: output.shape[0])
        case .activation:
            return tails
        case .affine(let scale, _):
            return scale.count == input.shape[1] ? tails : nil
        default:
            return nil
        }
    }

    private func execute(
        _ node: Node, n: Int, ptr: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, outputTails: ConstantTails?,
        copiedRows: Int32
    ) {
        let values = graph.values
        let out = ptr[values[node.output].slot]
        let x = ptr[values[node.inputs[0]].slot]
        let xs = values[node.inputs[0]].shape
        let outCount = values[node.output].count
        switch node.op {
        case .gemm(let g):
            if let conv = g.conv {
                Kernels.withOptional(outputTails?.computedRows) { rows in
                    Kernels.conv(
                        g, conv, x: x, width: xs[0], n: n, scratch: node.scratch.map { ptr[$0] }, computedRows: rows,
                        copiedRows: copiedRows, out: out)
                }
            } else {
                Kernels.dense(g, x: x, rows: n * (values[node.inputs[0]].count / g.k), out: out)
            }
        case .affine(let scale, let shift):
            out.update(from: x, count: n * outCount)
            ecg_affine_channels(out, n * outCount / scale.count, Int32(scale.count), scale, shift)
        case .activation(let a):
            out.update(from: x, count: n * outCount)
            ecg_activate(out, n * outCount, a.code, a.alpha)
        case .pool(let p):
            Kernels.withOptional(outputTails?.computedRows) { rows in
                ecg_pool1d(
                    x, out, Int32(n), Int32(xs[0]), Int32(xs[1]), Int32(values[node.output].shape[0]),
                    Int32(p.kernel), Int32(p.stride), Int32(p.padLeft), Int32(p.dilation),
                    p.isMax ? 1 : 0, p.countPad ? 1 : 0, rows, copiedRows)
            }
        case .globalPool(let isMax):
            ecg_global_pool(x, out, Int32(n), Int32(xs[0]), Int32(xs[1]), isMax ? 1 : 0)
        case .softmax(let start, let end):
            out.update(from: x, count: n * outCount)
            let outer = xs[..<start].reduce(1, *)
            let len = xs[start..<end].reduce(1, *)
            let inner = xs[end...].reduce(1, *)
            ecg_softmax(out, Int32(n * outer), Int32(len), Int32(inner))
        case .binary(let kind, let constant):
            if let constant {
                constant.data.withUnsafeBufferPointer { c in
                    Kernels.binary(
                        kind, a: x, aShape: xs, b: c.baseAddress!, bShape: constant.shape, bBatched: false,
                        out: out, outShape: values[node.output].shape, n: n)
                }
            } else {
                let b = node.inputs[1]
                Kernels.binary(
                    kind, a: x, aShape: xs, b: ptr[values[b].slot], bShape: values[b].shape, bBatched: true,
                    out: out, outShape: values[node.output].shape, n: n)
            }
        case .concat(let axis):
            Kernels.concat(
                node.inputs.map { (ptr[values[$0].slot], values[$0].shape) }, axis: axis, out: out,
                outShape: values[node.output].shape, n: n)
        case .transpose(let perm):
            Kernels.transpose(x, shape: xs, perm: perm, out: out, n: n)
        case .matmul:
            let b = node.inputs[1]
            Kernels.matmul(x, ptr[values[b].slot], m: xs[0], k: xs[1], cols: values[b].shape[1], out: out, n: n)
        }
    }
}

/// A pointer handed to worker threads that write disjoint parts of it.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
