import Foundation
import SwiftProtobuf

/// Turns an ONNX model into a channels-last `Graph`.
///
/// ONNX convolutions are channels-first (N, C, W); the engine's are channels-last. Each value
/// keeps track of how it is stored: `.nwc` values hold a logical (C, W) sample as (W, C).
/// Spatial operators take and give `.nwc`; operators that care about memory order (Flatten,
/// Reshape, Gemm, ...) get a transposed copy. A Transpose(0, 2, 1) of an `.nwc` value, as
/// channels-last exporters emit, costs nothing. tf2onnx runs Conv1D as a 2D convolution on
/// (N, C, 1, W): such values are `.nc1w`, stored as (W, C) too, and 2D kernels of height 1 run
/// as 1D ones.
struct ONNXImporter {
    private enum Layout { case plain, nwc, nc1w }
    private enum Entry {
        case tensor(Int, Layout)
        case constant(ONNXConstant)
    }

    let path: String
    private var b: GraphBuilder
    private var env: [String: Entry] = [:]
    private var plainCache: [Int: Int] = [:]
    private var opset = 13

    /// Parses and converts the file at `url`.
    static func load(_ url: URL, kernel: GemmKernel) throws -> Graph {
        let path = url.path
        let data = try ModelLoader.readFile(url)
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ModelError.corrupt(path: path, reason: "not a valid ONNX protobuf (\(error))")
        }
        guard model.hasGraph, !model.graph.output.isEmpty else {
            throw ModelError.corrupt(path: path, reason: "no graph or no graph outputs")
        }
        guard model.graph.node.count <= ModelLimits.maxNodes else {
            throw ModelError.unsupported(
                path: path, reason: "\(model.graph.node.count) nodes, more than \(ModelLimits.maxNodes) (the limit)")
        }
        var importer = ONNXImporter(path: path, b: GraphBuilder(path: path))
        if let op = model.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" }) {
            importer.opset = Int(op.version)
        }
        try importer.convert(model.graph)
        return importer.b.finish(kernel: kernel)
    }

    private mutating func convert(_ g: Onnx_GraphProto) throws {
        var constants = 0
        for t in g.initializer {
            let c = try ONNXConstant(t, path: path)
            constants += c.floats.count
            guard constants <= ModelLimits.maxModelWeights else {
                throw ModelError.unsupported(
                    path: path, reason: "initializers hold more than \(ModelLimits.maxModelWeights) values (the limit)")
            }
            env[t.name] = .constant(c)
        }
        for input in g.input where env[input.name] == nil {
            let dims = input.type.tensorType.shape.dim
            guard dims.count >= 1 else {
                throw ModelError.unsupported(path: path, reason: "input '\(input.name)' has no batch axis")
            }
            var shape: [Int] = []
            for d in dims.dropFirst() {
                guard case .dimValue(let v)? = d.value, v > 0 else {
                    throw ModelError.unsupported(
                        path: path, reason: "input '\(input.name)' has a non-batch axis of unknown size")
                }
                shape.append(Int(v))
            }
            env[input.name] = .tensor(try b.input(input.name, shape: shape), .plain)
        }
        for node in g.node { try convert(node) }
        for out in g.output {
            let v = try plain(out.name, node: "graph output")
            b.output(out.name, v)
        }
    }

    // MARK: value access

    private func entry(_ name: String, _ node: String) throws -> Entry {
        guard let e = env[name] else {
            throw ModelError.corrupt(path: path, reason: "node '\(node)' reads '\(name)', which nothing produces")
        }
        return e
    }

    private func constant(_ name: String, _ node: Onnx_NodeProto) throws -> ONNXConstant {
        guard case .constant(let c) = try entry(name, node.name) else {
            throw ModelError.unsupported(
                path: path, reason: "node '\(node.name)' (\(node.opType)) needs '\(name)' to be a constant")
        }
        return c
    }

    private func isConstant(_ name: String) -> Bool {
        if case .constant? = env[name] { return true }
        return false
    }

    private mutating func plain(_ name: String, node: String) throws -> Int {
        switch try entry(name, node) {
        case .constant:
            throw ModelError.unsupported(
                path: path, reason: "node '\(node)' needs '\(name)' computed from the inputs, not constant")
        case .tensor(let v, .plain): return v
        case .tensor(let v, let layout):
            let t: Int
            if let cached = plainCache[v] {
                t = cached
            } else {
                t = try b.transpose(v, perm: [1, 0], name: "\(name)_to_ncw")
                plainCache[v] = t
            }
            return layout == .nc1w ? try b.alias(t, shape: [b.shape(t)[0], 1, b.shape(t)[1]], name: name) : t
        }
    }

    /// A value for a spatial operator: stored (W, C), with the layout its results get.
    private mutating func spatial(_ name: String, node: String) throws -> (Int, Layout) {
        switch try entry(name, node) {
        case .tensor(let v, .nwc): return (v, .nwc)
        case .tensor(let v, .nc1w): return (v, .nc1w)
        default:
            let v = try plain(name, node: node)
            let s = b.shape(v)
            if s.count == 3 && s[1] == 1 {
                let flat = try b.alias(v, shape: [s[0], s[2]], name: name)
                return (try b.transpose(flat, perm: [1, 0], name: "\(name)_to_nwc"), .nc1w)
            }
            return (try nwc(name, node: node), .nwc)
        }
    }

    private mutating func nwc(_ name: String, node: String) throws -> Int {
        switch try entry(name, node) {
        case .tensor(let v, .nwc): return v
        default:
            let v = try plain(name, node: node)
            guard b.shape(v).count == 2 else {
                throw ModelError.unsupported(
                    path: path, reason: "node '\(node)' expects (N, C, W) input, got per-sample \(b.shape(v))")
            }
            return try b.transpose(v, perm: [1, 0], name: "\(name)_to_nwc")
        }
    }

    /// Logical per-sample shape (without the batch axis).
    private func logicalShape(_ name: String) -> [Int]? {
        switch env[name] {
        case .tensor(let v, .plain)?: return b.shape(v)
        case .tensor(let v, .nwc)?: return b.shape(v).reversed()
        case .tensor(let v, .nc1w)?: return [b.shape(v)[1], 1, b.shape(v)[0]]
        default: return nil
        }
    }

    // MARK: attributes

    private func attr(_ n: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? {
        n.attribute.first { $0.name == name }
    }
    private func int(_ n: Onnx_NodeProto, _ name: String, _ d: Int) -> Int { attr(n, name).map { Int($0.i) } ?? d }
    private func float(_ n: Onnx_NodeProto, _ name: String, _ d: Float) -> Float { attr(n, name)?.f ?? d }
    private func ints(_ n: Onnx_NodeProto, _ name: String) -> [Int]? { attr(n, name).map { $0.ints.map { Int($0) } } }
    private func string(_ n: Onnx_NodeProto, _ name: String, _ d: String) -> String {
        attr(n, name).map { String(decoding: $0.s, as: UTF8.self) } ?? d
    }

    private func unsupported(_ n: Onnx_NodeProto, _ why: String) -> ModelError {
        .unsupported(path: path, reason: "node '\(n.name)' (\(n.opType)): \(why)")
    }

    // MARK: nodes

    private mutating func set(_ n: Onnx_NodeProto, _ v: Int, _ layout: Layout = .plain) {
        env[n.output[0]] = .tensor(v, layout)
    }

    private mutating func convert(_ n: Onnx_NodeProto) throws {
        guard n.domain.isEmpty || n.domain == "ai.onnx" else {
            throw ModelError.unsupportedOperator(path: path, opType: "\(n.domain).\(n.opType)", node: n.name)
        }
        guard !n.output.isEmpty else { return }
        let inputs = n.input.filter { !$0.isEmpty }
        if n.opType == "Constant" { return try constantNode(n) }
        if n.opType == "Shape" { return try shapeNode(n, inputs) }
        if !inputs.isEmpty, inputs.allSatisfy(isConstant) { return try foldConstant(n, inputs) }
        let x = inputs.first ?? ""
        switch n.opType {
        case "Identity", "Dropout":
            env[n.output[0]] = try entry(x, n.name)
        case "Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Gelu":
            let a: Activation
            switch n.opType {
            case "Relu": a = .relu
            case "LeakyRelu": a = .leakyRelu(float(n, "alpha", 0.01))
            case "Elu": a = .elu(float(n, "alpha", 1))
            case "Sigmoid": a = .sigmoid
            case "Tanh": a = .tanh
            default: a = string(n, "approximate", "none") == "tanh" ? .geluTanh : .gelu
            }
            guard case .tensor(let v, let layout) = try entry(x, n.name) else { throw unsupported(n, "constant input") }
            set(n, try b.activation(v, a, name: n.name), layout)
        case "Conv": try conv(n, inputs)
        case "BatchNormalization": try batchNorm(n, inputs)
        case "MaxPool", "AveragePool": try pool(n, x)
        case "GlobalAveragePool", "GlobalMaxPool":
            let (x, layout) = try spatial(x, node: n.name)
            let v = try b.globalPool(x, isMax: n.opType == "GlobalMaxPool", name: n.name)
            set(n, try b.alias(v, shape: b.shape(v) + (layout == .nc1w ? [1, 1] : [1]), name: n.name))
        case "Gemm": try gemm(n, inputs)
        case "MatMul": try matmul(n, inputs)
        case "Add", "Sub", "Mul", "Div": try binary(n, inputs)
        case "Softmax":
            let v = try plain(x, node: n.name)
            let rank = b.shape(v).count + 1
            let axis = normalized(int(n, "axis", opset >= 13 ? -1 : 1), rank)
            guard axis >= 1 else { throw unsupported(n, "softmax over the batch axis") }
            set(n, try b.softmax(v, start: axis - 1, end: opset >= 13 ? axis : rank - 1, name: n.name))
        case "Flatten":
            let v = try plain(x, node: n.name)
            let s = b.shape(v)
            let axis = normalized(int(n, "axis", 1), s.count + 1)
            guard axis >= 1 else { throw unsupported(n, "flattening into the batch axis") }
            guard axis <= s.count + 1 else { throw unsupported(n, "axis \(axis) outside rank \(s.count + 1)") }
            let shape = axis == 1 ? [s.reduce(1, *)] : [s[..<(axis - 1)].reduce(1, *), s[(axis - 1)...].reduce(1, *)]
            set(n, try b.alias(v, shape: shape, name: n.name))
        case "Reshape":
            guard inputs.count == 2, let target = try constant(inputs[1], n).ints else {
                throw unsupported(n, "shape must be a constant")
            }
            let v = try plain(x, node: n.name)
            set(n, try b.alias(v, shape: try reshapeTarget(b.shape(v), target, n, batched: true), name: n.name))
        case "Squeeze", "Unsqueeze":
            var axes = ints(n, "axes")
            if axes == nil, inputs.count > 1 { axes = try constant(inputs[1], n).ints }
            switch (env[x], n.opType, axes) {
            case (.tensor(let v, .nwc)?, "Unsqueeze", [2]?), (.tensor(let v, .nwc)?, "Unsqueeze", [-2]?):
                return set(n, v, .nc1w)
            case (.tensor(let v, .nc1w)?, "Squeeze", [2]?), (.tensor(let v, .nc1w)?, "Squeeze", [-2]?):
                return set(n, v, .nwc)
            default: break
            }
            let v = try plain(x, node: n.name)
            let shape = try squeezeShape(n, [1] + b.shape(v), inputs, batched: true)
            set(n, try b.alias(v, shape: Array(shape.dropFirst()), name: n.name))
        case "Transpose":
            guard case .tensor(let v, let layout) = try entry(x, n.name) else { throw unsupported(n, "constant input") }
            let rank = (logicalShape(x)?.count ?? 0) + 1
            let perm = ints(n, "perm") ?? Array((0..<rank).reversed())
            guard perm.first == 0 else { throw unsupported(n, "transposing the batch axis") }
            guard perm.sorted() == Array(0..<rank) else {
                throw unsupported(n, "perm \(perm) is not a permutation of \(rank) axes")
            }
            if perm == [0, 2, 1] && rank == 3 && layout != .nc1w { return set(n, v, layout == .nwc ? .plain : .nwc) }
            if perm == [0, 3, 1, 2] && layout == .plain && b.shape(v).first == 1 {
                // (N, 1, W, C) -> (N, C, 1, W): the data is already (W, C).
                return set(n, try b.alias(v, shape: Array(b.shape(v).dropFirst()), name: n.name), .nc1w)
            }
            if perm == [0, 2, 3, 1] && layout == .nc1w {
                return set(n, try b.alias(v, shape: [1] + b.shape(v), name: n.name))
            }
            let p = try plain(x, node: n.name)
            set(n, try b.transpose(p, perm: perm.dropFirst().map { $0 - 1 }, name: n.name))
        case "Concat":
            let rank = (logicalShape(x)?.count ?? 0) + 1
            let axis = normalized(int(n, "axis", 1), rank)
            guard axis >= 1 else { throw unsupported(n, "concatenation on the batch axis") }
            let allNWC = inputs.allSatisfy { if case .tensor(_, .nwc)? = env[$0] { return true } else { return false } }
            if allNWC && axis == 1 {
                set(n, try b.concat(try inputs.map { try nwc($0, node: n.name) }, axis: 1, name: n.name), .nwc)
            } else {
                set(n, try b.concat(try inputs.map { try plain($0, node: n.name) }, axis: axis - 1, name: n.name))
            }
        default:
            throw ModelError.unsupportedOperator(path: path, opType: n.opType, node: n.name)
        }
    }

    private func normalized(_ axis: Int, _ rank: Int) -> Int { axis < 0 ? axis + rank : axis }

    private mutating func constantNode(_ n: Onnx_NodeProto) throws {
        if let t = attr(n, "value"), t.hasT {
            env[n.output[0]] = .constant(try ONNXConstant(t.t, path: path))
        } else if let a = attr(n, "value_float") {
            env[n.output[0]] = .constant(ONNXConstant(shape: [], floats: [a.f]))
        } else if let a = attr(n, "value_floats") {
            env[n.output[0]] = .constant(ONNXConstant(shape: [a.floats.count], floats: a.floats))
        } else if let a = attr(n, "value_int") {
            env[n.output[0]] = .constant(ONNXConstant(shape: [], floats: [Float(a.i)], ints: [Int(a.i)]))
        } else if let a = attr(n, "value_ints") {
            env[n.output[0]] = .constant(
                ONNXConstant(
                    shape: [a.ints.count], floats: a.ints.map { Float($0) },
                    ints: a.ints.map { Int($0) }))
        } else {
            throw unsupported(n, "constant without a supported value attribute")
        }
    }

    /// Evaluates shape-only operators on constants (exporters emit these around Reshape).
    private mutating func foldConstant(_ n: Onnx_NodeProto, _ inputs: [String]) throws {
        var c = try constant(inputs[0], n)
        switch n.opType {
        case "Identity", "Dropout": break
        case "Reshape":
            guard inputs.count == 2, let target = try constant(inputs[1], n).ints else {
                throw unsupported(n, "shape must be integers")
            }
            c.shape = try reshapeTarget(c.shape, target, n, batched: false)
        case "Squeeze", "Unsqueeze":
            c.shape = try squeezeShape(n, c.shape, inputs, batched: false)
        case "Flatten":
            let axis = normalized(int(n, "axis", 1), c.shape.count)
            guard axis >= 0, axis <= c.shape.count else {
                throw unsupported(n, "axis \(axis) outside rank \(c.shape.count)")
            }
            c.shape = [c.shape[..<axis].reduce(1, *), c.shape[axis...].reduce(1, *)]
        case "Cast":
            break
        case "Gather":
            guard inputs.count == 2, c.shape.count == 1, let values = c.ints, let idx = try constant(inputs[1], n).ints,
                int(n, "axis", 0) == 0
            else { throw unsupported(n, "only gathers from 1D integer constants") }
            let picked = try idx.map { i -> Int in
                let j = i < 0 ? i + values.count : i
                guard j >= 0 && j < values.count else { throw unsupported(n, "index \(i) out of range") }
                return values[j]
            }
            c = ONNXConstant(shape: try constant(inputs[1], n).shape, floats: picked.map { Float($0) }, ints: picked)
        case "Concat":
            let parts = try inputs.map { try constant($0, n) }
            guard parts.allSatisfy({ $0.shape.count == 1 }) else {
                throw unsupported(n, "only concatenates 1D constants")
            }
            let floats = parts.flatMap(\.floats)
            let ints = parts.allSatisfy({ $0.ints != nil }) ? parts.flatMap { $0.ints! } : nil
            c = ONNXConstant(shape: [floats.count], floats: floats, ints: ints)
        default:
            throw ModelError.unsupportedOperator(path: path, opType: n.opType + " on constants", node: n.name)
        }
        env[n.output[0]] = .constant(c)
    }

    /// Shape of a computed tensor as an integer constant whose batch entry is `batchMarker`,
    /// so that `x.view(x.size(0), -1)` exports (Shape, Gather, Unsqueeze, Concat, Reshape) fold.
    private mutating func shapeNode(_ n: Onnx_NodeProto, _ inputs: [String]) throws {
        guard let x = inputs.first, let shape = logicalShape(x) else { throw unsupported(n, "Shape of a constant") }
        var dims = [Self.batchMarker] + shape
        let start = min(max(normalized(int(n, "start", 0), dims.count), 0), dims.count)
        let end = min(max(normalized(int(n, "end", dims.count), dims.count), start), dims.count)
        dims = Array(dims[start..<end])
        env[n.output[0]] = .constant(ONNXConstant(shape: [dims.count], floats: dims.map { Float($0) }, ints: dims))
    }

    static let batchMarker = -(1 << 40)

    private func reshapeTarget(_ shape: [Int], _ target: [Int], _ n: Onnx_NodeProto, batched: Bool) throws -> [Int] {
        let full = batched ? [1] + shape : shape
        guard target.count <= ModelLimits.maxRank, target.allSatisfy({ $0 >= -1 || $0 == Self.batchMarker }),
            target.filter({ $0 == -1 }).count <= 1
        else {
            throw unsupported(n, "invalid reshape target \(target)")
        }
        var out = target.enumerated().map { i, d in d == 0 ? (i < full.count ? full[i] : 0) : d }
        if batched {
            guard let first = out.first, first == -1 || first == 1 || first == Self.batchMarker,
                !out.dropFirst().contains(Self.batchMarker)
            else {
                throw unsupported(n, "reshape to \(target) changes the batch axis")
            }
            out[0] = 1
        }
        guard let known = ModelLimits.elementCount(out.filter { $0 != -1 }), let total = ModelLimits.elementCount(full)
        else {
            throw unsupported(n, "cannot reshape \(shape) to \(target)")
        }
        if let i = out.firstIndex(of: -1) {
            guard known > 0, total % known == 0 else { throw unsupported(n, "cannot reshape \(shape) to \(target)") }
            out[i] = total / known
        }
        guard ModelLimits.elementCount(out) == total else {
            throw unsupported(n, "cannot reshape \(shape) to \(target)")
        }
        return batched ? Array(out.dropFirst()) : out
    }

    private func squeezeShape(_ n: Onnx_NodeProto, _ shape: [Int], _ inputs: [String], batched: Bool) throws -> [Int] {
        var axes = ints(n, "axes")
        if axes == nil, inputs.count > 1 { axes = try constant(inputs[1], n).ints }
        if n.opType == "Squeeze" {
            guard let axes else {
                return shape.enumerated().filter { $0.element != 1 || ($0.offset == 0 && batched) }.map(\.element)
            }
            let norm = Set(axes.map { normalized($0, shape.count) })
            guard !(batched && norm.contains(0)), norm.allSatisfy({ $0 >= 0 && $0 < shape.count && shape[$0] == 1 })
            else {
                throw unsupported(n, "cannot squeeze axes \(axes) of \(shape)")
            }
            return shape.enumerated().filter { !norm.contains($0.offset) }.map(\.element)
        }
        guard let axes else { throw unsupported(n, "unsqueeze without axes") }
        let rank = shape.count + axes.count
        let norm = Set(axes.map { normalized($0, rank) })
        guard norm.count == axes.count, !(batched && norm.contains(0)), norm.allSatisfy({ $0 >= 0 && $0 < rank }) else {
            throw unsupported(n, "cannot unsqueeze axes \(axes) of \(shape)")
        }
        var it = shape.makeIterator()
        return (0..<rank).map { norm.contains($0) ? 1 : it.next()! }
    }

    /// A 1D kernel size, stride or dilation ([w], or [1, w] on a height-1 2D operator), `d`
    /// when absent; it must lie in 1...2^28.
    private func along(_ n: Onnx_NodeProto, _ name: String, _ d: Int) throws -> Int {
        guard let v = ints(n, name) else { return d }
        guard v.count == 1 || (v.count == 2 && v[0] == 1) else { throw unsupported(n, "\(name) \(v) is not 1D") }
        guard ModelLimits.isPositiveExtent(v[v.count - 1]) else { throw unsupported(n, "\(name) \(v) out of range") }
        return v[v.count - 1]
    }

    private func padding(_ n: Onnx_NodeProto, width: Int, kernel: Int, stride: Int, dilation: Int) throws -> (Int, Int)
    {
        switch string(n, "auto_pad", "NOTSET") {
        case "NOTSET":
            let pads = ints(n, "pads") ?? [0, 0]
            guard pads.allSatisfy(ModelLimits.isPadding) else { throw unsupported(n, "pads \(pads) out of range") }
            if pads.count == 4 && pads[0] == 0 && pads[2] == 0 { return (pads[1], pads[3]) }
            guard pads.count == 2 else { throw unsupported(n, "pads \(pads) are not 1D") }
            return (pads[0], pads[1])
        case "VALID": return (0, 0)
        case "SAME_UPPER", "SAME_LOWER":
            // Kernel, stride, dilation and width are at most 2^28: no overflow.
            let out = (width + stride - 1) / stride
            let total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - width, 0)
            return string(n, "auto_pad", "") == "SAME_LOWER"
                ? (total - total / 2, total / 2) : (total / 2, total - total / 2)
        case let mode:
            throw unsupported(n, "auto_pad \(mode)")
        }
    }

    private mutating func conv(_ n: Onnx_NodeProto, _ inputs: [String]) throws {
        guard inputs.count >= 2 else { throw unsupported(n, "missing weights") }
        let w = try constant(inputs[1], n)
        guard w.shape.count == 3 || (w.shape.count == 4 && w.shape[2] == 1) else {
            throw unsupported(n, "only 1D convolutions (weights \(w.shape))")
        }
        let (x, layout) = try spatial(inputs[0], node: n.name)
        let (cout, cpg, k) = (w.shape[0], w.shape[1], w.shape[w.shape.count - 1])
        let groups = int(n, "group", 1)
        guard ModelLimits.isPositiveExtent(groups) else { throw unsupported(n, "group \(groups) out of range") }
        let stride = try along(n, "strides", 1)
        let dilation = try along(n, "dilations", 1)
        let (pl, pr) = try padding(n, width: b.shape(x)[0], kernel: k, stride: stride, dilation: dilation)
        var kernel = [Float](repeating: 0, count: k * cpg * cout)
        for co in 0..<cout {
            for ci in 0..<cpg {
                for t in 0..<k { kernel[(t * cpg + ci) * cout + co] = w.floats[(co * cpg + ci) * k + t] }
            }
        }
        let bias = inputs.count > 2 ? try constant(inputs[2], n).floats : nil
        let geometry = ConvGeometry(
            kernel: k, stride: stride, dilation: dilation, padLeft: pl, padRight: pr,
            groups: groups, inChannels: cpg * groups)
        set(n, try b.conv(x, geometry: geometry, weights: kernel, bias: bias, outChannels: cout, name: n.name), layout)
    }

    private mutating func batchNorm(_ n: Onnx_NodeProto, _ inputs: [String]) throws {
        guard inputs.count == 5 else { throw unsupported(n, "expects 5 inputs") }
        let p = try inputs[1...].map { try constant($0, n).floats }
        guard p.allSatisfy({ $0.count == p[0].count }) else { throw unsupported(n, "statistics of different lengths") }
        let eps = float(n, "epsilon", 1e-5)
        let scale = (0..<p[0].count).map { p[0][$0] / (p[3][$0] + eps).squareRoot() }
        let shift = (0..<p[0].count).map { p[1][$0] - p[2][$0] * scale[$0] }
        let rank = (logicalShape(inputs[0])?.count ?? 0) + 1
        if rank == 3 || rank == 4 {
            let (x, layout) = try spatial(inputs[0], node: n.name)
            set(n, try b.affine(x, scale: scale, shift: shift, name: n.name), layout)
        } else if rank == 2 {
            set(n, try b.affine(try plain(inputs[0], node: n.name), scale: scale, shift: shift, name: n.name))
        } else {
            throw unsupported(n, "batch normalization of rank \(rank)")
        }
    }

    private mutating func pool(_ n: Onnx_NodeProto, _ x: String) throws {
        guard int(n, "ceil_mode", 0) == 0 else { throw unsupported(n, "ceil_mode=1") }
        guard n.output.count == 1 || n.output[1].isEmpty else { throw unsupported(n, "pooling indices output") }
        let k = try along(n, "kernel_shape", 0)
        guard k > 0 else { throw unsupported(n, "only 1D pooling") }
        let (v, layout) = try spatial(x, node: n.name)
        let stride = try along(n, "strides", 1)
        let dilation = try along(n, "dilations", 1)
        let (pl, pr) = try padding(n, width: b.shape(v)[0], kernel: k, stride: stride, dilation: dilation)
        let g = PoolGeometry(
            kernel: k, stride: stride, padLeft: pl, padRight: pr, dilation: dilation,
            isMax: n.opType == "MaxPool", countPad: int(n, "count_include_pad", 0) != 0)
        set(n, try b.pool(v, g, name: n.name), layout)
    }

    private mutating func gemm(_ n: Onnx_NodeProto, _ inputs: [String]) throws {
        guard inputs.count >= 2 else { throw unsupported(n, "missing operand") }
        guard int(n, "transA", 0) == 0 else { throw unsupported(n, "transA=1") }
        let a = try plain(inputs[0], node: n.name)
        let w = try constant(inputs[1], n)
        guard w.shape.count == 2 else { throw unsupported(n, "B must be 2D") }
        let transB = int(n, "transB", 0) != 0
        let (k, cols) = transB ? (w.shape[1], w.shape[0]) : (w.shape[0], w.shape[1])
        let alpha = float(n, "alpha", 1)
        let beta = float(n, "beta", 1)
        var weights = [Float](repeating: 0, count: k * cols)
        for r in 0..<k {
            for c in 0..<cols {
                weights[r * cols + c] = alpha * (transB ? w.floats[c * k + r] : w.floats[r * cols + c])
            }
        }
        var bias: [Float]?
        if inputs.count > 2 {
            let c = try constant(inputs[2], n).floats
            guard c.count == cols || c.count == 1 else {
                throw unsupported(n, "bias of \(c.count) values for \(cols) outputs")
            }
            bias = (0..<cols).map { beta * c[c.count == 1 ? 0 : $0] }
        }
        set(n, try b.dense(a, weights: weights, k: k, n: cols, bias: bias, name: n.name))
    }

    private mutating func matmul(_ n: Onnx_NodeProto, _ inputs: [String]) throws {
        guard inputs.count == 2 else { throw unsupported(n, "expects 2 inputs") }
        if isConstant(inputs[1]) {
            let w = try constant(inputs[1], n)
            guard w.shape.count == 2 else { throw unsupported(n, "constant B must be 2D") }
            set(
                n,
                try b.dense(
                    try plain(inputs[0], node: n.name), weights: w.floats, k: w.shape[0], n: w.shape[1],
                    bias: nil, name: n.name))
        } else {
            set(n, try b.matmul(try plain(inputs[0], node: n.name), try plain(inputs[1], node: n.name), name: n.name))
        }
    }

    private mutating func binary(_ n: Onnx_NodeProto, _ inputs: [String]) throws {
        guard inputs.count == 2 else { throw unsupported(n, "expects 2 inputs") }
        let kind: BinaryKind = n.opType == "Add" || n.opType == "Sub" ? .add : .mul
        let constIndex = isConstant(inputs[1]) ? 1 : (isConstant(inputs[0]) ? 0 : nil)
        guard let ci = constIndex else {
            guard n.opType == "Add" || n.opType == "Mul" else {
                throw unsupported(n, "\(n.opType) of two computed tensors")
            }
            let both = inputs.map { env[$0] }
            if case .tensor(let a, let la)? = both[0], case .tensor(let c, let lc)? = both[1], la == lc, la != .plain {
                return set(n, try b.binary(kind, a, c, name: n.name), la)
            }
            return set(
                n,
                try b.binary(kind, try plain(inputs[0], node: n.name), try plain(inputs[1], node: n.name), name: n.name)
            )
        }
        guard ci == 1 || n.opType == "Add" || n.opType == "Mul" else {
            throw unsupported(n, "constant minus/over a tensor")
        }
        var c = try constant(inputs[ci], n)
        if n.opType == "Sub" { c.floats = c.floats.map { -$0 } }
        if n.opType == "Div" { c.floats = c.floats.map { 1 / $0 } }
        let x = inputs[1 - ci]
        guard case .tensor(let v, let layout) = try entry(x, n.name) else { throw unsupported(n, "constant operands") }
        let rank = (logicalShape(x)?.count ?? 0) + 1
        guard c.shape.count <= rank else { throw unsupported(n, "constant of rank \(c.shape.count) on rank \(rank)") }
        var shape = [Int](repeating: 1, count: rank - c.shape.count) + c.shape
        guard shape[0] == 1 else { throw unsupported(n, "constant varies along the batch axis") }
        shape.removeFirst()
        var data = c.floats
        if layout != .plain {
            // Logical (C, W) or (C, 1, W) constant -> stored (W, C).
            guard shape.count >= 2, shape.dropFirst().dropLast().allSatisfy({ $0 == 1 }),
                shape[0] * shape[shape.count - 1] == c.floats.count
            else {
                throw unsupported(n, "constant of shape \(c.shape) on a (C, W) tensor")
            }
            let (ch, w) = (shape[0], shape[shape.count - 1])
            data = (0..<(ch * w)).map { i in c.floats[(i % ch) * w + i / ch] }
            shape = [w, ch]
        }
        set(n, try b.binary(kind, v, constant: Tensor(unchecked: shape, data: data), name: n.name), layout)
    }
}
