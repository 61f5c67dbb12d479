/// Builds a `Graph` from operators with shape checks, then fuses and packs it.
/// Shapes are per sample: the batch axis is implicit everywhere.
struct GraphBuilder {
    let path: String
    private(set) var values: [ValueInfo] = []
    private(set) var slotSizes: [Int] = []
    private(set) var nodes: [Node] = []
    private var inputs: [(name: String, value: Int)] = []
    private var outputs: [(name: String, value: Int)] = []
    /// Activation elements per sample so far, and weight elements (see `ModelLimits`).
    private var activationElements = 0, weightElements = 0

    init(path: String) { self.path = path }

    func shape(_ v: Int) -> [Int] { values[v].shape }

    var inputCount: Int { inputs.count }

    private func mismatch(_ node: String, _ why: String) -> ModelError {
        .shapeMismatch(path: path, reason: "node '\(node)': \(why)")
    }

    private func tooLarge(_ name: String, _ why: String) -> ModelError {
        .unsupported(path: path, reason: "node '\(name)': \(why)")
    }

    /// Per-sample element count of a value shape: every axis at least 1, within the limits.
    private func count(_ shape: [Int], _ name: String) throws -> Int {
        guard shape.allSatisfy({ $0 >= 1 }) else {
            throw mismatch(name, "shape \(shape) has an empty or negative axis")
        }
        guard let n = ModelLimits.elementCount(shape) else { throw tooLarge(name, ModelLimits.describeRefusal(shape)) }
        return n
    }

    private mutating func newSlot(_ size: Int, _ name: String) throws -> Int {
        let (total, overflow) = activationElements.addingReportingOverflow(size)
        guard !overflow, size <= ModelLimits.maxTensorElements, total <= ModelLimits.maxActivationElements else {
            throw tooLarge(
                name, "activations exceed \(ModelLimits.maxActivationElements) elements per sample (the limit)")
        }
        activationElements = total
        slotSizes.append(size)
        return slotSizes.count - 1
    }

    private mutating func newValue(_ shape: [Int], _ name: String) throws -> Int {
        let slot = try newSlot(try count(shape, name), name)
        values.append(ValueInfo(shape: shape, slot: slot))
        return values.count - 1
    }

    private mutating func add(_ op: Op, _ inputs: [Int], shape: [Int], name: String, scratch: Int? = nil) throws -> Int
    {
        guard nodes.count < ModelLimits.maxNodes else {
            throw ModelError.unsupported(path: path, reason: "more than \(ModelLimits.maxNodes) operators (the limit)")
        }
        let weights: Int
        switch op {
        case .gemm(let g): weights = g.weights.count + g.bias.count
        case .affine(let scale, let shift): weights = scale.count + shift.count
        case .binary(_, let c?): weights = c.count
        default: weights = 0
        }
        guard weights <= ModelLimits.maxModelWeights - weightElements else {
            throw tooLarge(name, "the model has more than \(ModelLimits.maxModelWeights) weights (the limit)")
        }
        weightElements += weights
        let out = try newValue(shape, name)
        nodes.append(Node(op: op, inputs: inputs, output: out, name: name, scratch: scratch))
        return out
    }

    mutating func input(_ name: String, shape: [Int]) throws -> Int {
        let v = try newValue(shape, name)
        inputs.append((name, v))
        return v
    }

    mutating func output(_ name: String, _ v: Int) { outputs.append((name, v)) }

    /// The same storage seen with another shape (Reshape, Flatten, Squeeze, Identity).
    mutating func alias(_ v: Int, shape: [Int], name: String) throws -> Int {
        guard try count(shape, name) == values[v].count else {
            throw mismatch(name, "cannot reshape \(values[v].shape) to \(shape)")
        }
        values.append(ValueInfo(shape: shape, slot: values[v].slot))
        return values.count - 1
    }

    /// Channels-last convolution of [w, cin] with weights [kernel * cin/groups, cout].
    mutating func conv(
        _ x: Int, geometry g: ConvGeometry, weights: [Float], bias: [Float]?, outChannels: Int,
        name: String
    ) throws -> Int {
        let s = shape(x)
        guard s.count == 2, s[1] == g.inChannels else {
            throw mismatch(name, "convolution expects [width, \(g.inChannels)] per sample, got \(s)")
        }
        guard [g.kernel, g.stride, g.dilation, g.groups, outChannels].allSatisfy(ModelLimits.isPositiveExtent),
            ModelLimits.isPadding(g.padLeft), ModelLimits.isPadding(g.padRight),
            g.inChannels % g.groups == 0, outChannels % g.groups == 0
        else {
            throw mismatch(name, "invalid convolution geometry \(g) for \(outChannels) filters")
        }
        guard let k = ModelLimits.elementCount([g.kernel, g.inChannels / g.groups]),
            let expected = ModelLimits.elementCount([k, outChannels]), weights.count == expected
        else {
            throw mismatch(
                name,
                "kernel has \(weights.count) values, expected \(g.kernel) x \(g.inChannels / g.groups) x \(outChannels)"
            )
        }
        // Every term is at most 2^28, so this arithmetic cannot overflow.
        let wout = g.outputLength(s[0])
        guard wout > 0 else { throw mismatch(name, "input width \(s[0]) too short for the kernel") }
        var scratch: Int?
        if g.padLeft + g.padRight > 0 {
            scratch = try newSlot(try count([s[0] + g.padLeft + g.padRight, g.inChannels], name), name)
        }
        let op = GemmOp(
            conv: g, k: k, n: outChannels, weights: weights,
            bias: try checkedBias(bias, outChannels, name))
        return try add(.gemm(op), [x], shape: [wout, outChannels], name: name, scratch: scratch)
    }

    private func checkedBias(_ bias: [Float]?, _ n: Int, _ name: String) throws -> [Float] {
        guard let bias else { return [Float](repeating: 0, count: n) }
        guard bias.count == n else { throw mismatch(name, "bias has \(bias.count) values, expected \(n)") }
        return bias
    }

    /// Dense layer on the last axis: weights [k, n].
    mutating func dense(_ x: Int, weights: [Float], k: Int, n: Int, bias: [Float]?, name: String) throws -> Int {
        var s = shape(x)
        guard let last = s.last, last == k, n >= 1, ModelLimits.elementCount([k, n]) == weights.count else {
            throw mismatch(name, "dense layer of \(k) inputs applied to \(s)")
        }
        s[s.count - 1] = n
        let op = GemmOp(conv: nil, k: k, n: n, weights: weights, bias: try checkedBias(bias, n, name))
        return try add(.gemm(op), [x], shape: s, name: name)
    }

    /// x * scale + shift on the last axis (a folded batch normalization).
    mutating func affine(_ x: Int, scale: [Float], shift: [Float], name: String) throws -> Int {
        let s = shape(x)
        guard let c = s.last, scale.count == c, shift.count == c else {
            throw mismatch(name, "per-channel scale of \(scale.count) applied to \(s)")
        }
        return try add(.affine(scale: scale, shift: shift), [x], shape: s, name: name)
    }

    mutating func activation(_ x: Int, _ a: Activation, name: String) throws -> Int {
        try add(.activation(a), [x], shape: shape(x), name: name)
    }

    mutating func pool(_ x: Int, _ g: PoolGeometry, name: String) throws -> Int {
        let s = shape(x)
        guard s.count == 2 else { throw mismatch(name, "pooling expects [width, channels], got \(s)") }
        guard [g.kernel, g.stride, g.dilation].allSatisfy(ModelLimits.isPositiveExtent),
            ModelLimits.isPadding(g.padLeft), ModelLimits.isPadding(g.padRight)
        else {
            throw mismatch(name, "invalid pooling geometry \(g)")
        }
        let w = g.outputLength(s[0])
        guard w > 0 else { throw mismatch(name, "input width \(s[0]) too short for pool \(g.kernel)") }
        return try add(.pool(g), [x], shape: [w, s[1]], name: name)
    }

    mutating func globalPool(_ x: Int, isMax: Bool, name: String) throws -> Int {
        let s = shape(x)
        guard s.count == 2 else { throw mismatch(name, "global pooling expects [width, channels], got \(s)") }
        return try add(.globalPool(isMax: isMax), [x], shape: [s[1]], name: name)
    }

    mutating func softmax(_ x: Int, start: Int, end: Int, name: String) throws -> Int {
        let s = shape(x)
        guard 0 <= start, start < end, end <= s.count else { throw mismatch(name, "softmax axes outside \(s)") }
        return try add(.softmax(start: start, end: end), [x], shape: s, name: name)
    }

    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: r - a.count) + a
        let pb = [Int](repeating: 1, count: r - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }

    mutating func binary(_ kind: BinaryKind, _ a: Int, _ b: Int, name: String) throws -> Int {
        guard let s = Self.broadcast(shape(a), shape(b)) else {
            throw mismatch(name, "cannot broadcast \(shape(a)) with \(shape(b))")
        }
        return try add(.binary(kind, constant: nil), [a, b], shape: s, name: name)
    }

    mutating func binary(_ kind: BinaryKind, _ a: Int, constant: Tensor, name: String) throws -> Int {
        guard constant.shape.allSatisfy({ $0 >= 1 }), ModelLimits.elementCount(constant.shape) == constant.count,
            let s = Self.broadcast(shape(a), constant.shape), s.count == shape(a).count || constant.count == 1
        else {
            throw mismatch(
                name, "cannot broadcast \(shape(a)) with constant \(constant.shape) of \(constant.count) values")
        }
        return try add(.binary(kind, constant: constant), [a], shape: s, name: name)
    }

    mutating func concat(_ xs: [Int], axis: Int, name: String) throws -> Int {
        guard let first = xs.first else { throw mismatch(name, "concat of nothing") }
        var s = shape(first)
        guard axis >= 0, axis < s.count else { throw mismatch(name, "concat axis \(axis) outside \(s)") }
        for x in xs.dropFirst() {
            let t = shape(x)
            guard t.count == s.count, (0..<s.count).allSatisfy({ $0 == axis || t[$0] == s[$0] }) else {
                throw mismatch(name, "cannot concatenate \(shape(first)) and \(t) on axis \(axis)")
            }
            s[axis] += t[axis]
        }
        return try add(.concat(axis: axis), xs, shape: s, name: name)
    }

    mutating func transpose(_ x: Int, perm: [Int], name: String) throws -> Int {
        let s = shape(x)
        guard perm.sorted() == Array(0..<s.count) else { throw mismatch(name, "permutation \(perm) of \(s)") }
        if perm == Array(0..<s.count) { return x }
        return try add(.transpose(perm: perm), [x], shape: perm.map { s[$0] }, name: name)
    }

    mutating func matmul(_ a: Int, _ b: Int, name: String) throws -> Int {
        let sa = shape(a)
        let sb = shape(b)
        guard sa.count == 2, sb.count == 2, sa[1] == sb[0] else {
            throw mismatch(name, "matrix product of \(sa) and \(sb)")
        }
        return try add(.matmul, [a, b], shape: [sa[0], sb[1]], name: name)
    }

    /// Fuses epilogues into convolutions and dense layers, packs weights and returns the graph.
    func finish(kernel: GemmKernel = .selected) -> Graph {
        var nodes = self.nodes
        var values = self.values
        Self.foldTransposeIntoDense(&nodes, &values, outputs: outputs)
        // One pass: fusing node j into node i changes no other node's fusibility, and node i
        // may take the next epilogue too (O(n^2) at worst, even for hostile graphs).
        var uses = [Int](repeating: 0, count: slotSizes.count)
        for n in nodes { for i in n.inputs { uses[values[i].slot] += 1 } }
        for o in outputs { uses[values[o.value].slot] += 2 }
        var i = 0
        while i + 1 < nodes.count {
            guard case .gemm(var g) = nodes[i].op, uses[values[nodes[i].output].slot] == 1,
                let j = nodes.indices.first(where: { nodes[$0].inputs.contains(nodes[i].output) }),
                nodes[j].inputs.count == 1,
                Self.fuse(&g, nodes[j].op)
            else {
                i += 1
                continue
            }
            nodes[i].op = .gemm(g)
            nodes[i].output = nodes[j].output
            nodes.remove(at: j)
        }
        for i in nodes.indices {
            if case .gemm(var g) = nodes[i].op {
                g.pack(for: kernel)
                nodes[i].op = .gemm(g)
            }
        }
        return Graph(values: values, slotSizes: slotSizes, nodes: nodes, inputs: inputs, outputs: outputs)
    }

    /// A channels-first flatten before a dense layer (torch's `x.view(n, -1)` after convolutions)
    /// transposes [w, c] to [c, w] and flattens; permuting the dense weights' rows instead
    /// lets the layer read the channels-last tensor as it is.
    private static func foldTransposeIntoDense(
        _ nodes: inout [Node], _ values: inout [ValueInfo],
        outputs: [(name: String, value: Int)]
    ) {
        var i = 0
        while i < nodes.count {
            defer { i += 1 }
            guard case .transpose(let perm) = nodes[i].op, perm == [1, 0] else { continue }
            let slot = values[nodes[i].output].slot
            let consumers = nodes.indices.filter { j in nodes[j].inputs.contains { values[$0].slot == slot } }
            guard consumers.count == 1, !outputs.contains(where: { values[$0.value].slot == slot }),
                case .gemm(var g) = nodes[consumers[0]].op, g.conv == nil,
                values[nodes[consumers[0]].inputs[0]].shape.count == 1
            else { continue }
            let source = nodes[i].inputs[0]
            let s = values[source].shape
            let (a, b) = (s[0], s[1])
            var w = g.weights
            for ia in 0..<a {
                for ib in 0..<b {
                    let from = (ib * a + ia) * g.n
                    let to = (ia * b + ib) * g.n
                    for c in 0..<g.n { w[to + c] = g.weights[from + c] }
                }
            }
            g.weights = w
            values.append(ValueInfo(shape: [a * b], slot: values[source].slot))
            nodes[consumers[0]].op = .gemm(g)
            nodes[consumers[0]].inputs[0] = values.count - 1
            nodes.remove(at: i)
            i -= 1
        }
    }

    /// Folds `next` into the GEMM's epilogue when exact; returns whether it did.
    private static func fuse(_ g: inout GemmOp, _ next: Op) -> Bool {
        switch next {
        case .activation(let a) where a.fusable && g.activation == nil && g.postScale == nil:
            g.activation = a
            return true
        case .affine(let scale, let shift) where g.postScale == nil:
            if g.activation == nil {
                for r in 0..<g.k { for c in 0..<g.n { g.weights[r * g.n + c] *= scale[c] } }
                for c in 0..<g.n { g.bias[c] = g.bias[c] * scale[c] + shift[c] }
            } else {
                g.postScale = scale
                g.postShift = shift
            }
            return true
        case .binary(.add, let constant?)
        where g.activation == nil && g.postScale == nil
            && constant.count == g.n && constant.shape.last == g.n:
            for c in 0..<g.n { g.bias[c] += constant.data[c] }
            return true
        default:
            return false
        }
    }
}
