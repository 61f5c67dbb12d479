import Foundation
import JSON

/// Converts Keras layer configurations to graph nodes.
struct KerasLayers {
    let path: String
    let weights: HDF5Weights
    var b: GraphBuilder
    /// Layer name -> group of its weights in model.weights.h5. Keras 3 names the groups after
    /// the layer class in snake case, numbered on repeats (conv1d, conv1d_1, ...), in the
    /// order of `model.layers`, whatever the layers' own names are.
    private var weightKeys: [String: String] = [:]

    init(path: String, weights: HDF5Weights) {
        self.path = path
        self.weights = weights
        b = GraphBuilder(path: path)
    }

    private func unsupported(_ name: String, _ why: String) -> ModelError {
        .unsupported(path: path, reason: "layer '\(name)': \(why)")
    }

    private static func perSample(_ batchShape: JSONValue?) -> [Int]? {
        guard let dims = batchShape?.arrayValue, dims.count >= 2 else { return nil }
        let rest = dims.dropFirst().map(\.intValue)
        guard rest.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return rest.map { $0! }
    }

    private mutating func inputLayer(_ cfg: JSONValue, name: String) throws -> Int {
        guard let shape = Self.perSample(cfg["batch_shape"] ?? cfg["batch_input_shape"]) else {
            throw unsupported(name, "input needs a fixed per-sample shape")
        }
        return try b.input(name, shape: shape)
    }

    static func snakeCase(_ s: String) -> String {
        let chars = Array(s.filter { $0.isLetter || $0.isNumber || $0 == "_" })
        var out = ""
        for (i, c) in chars.enumerated() {
            let prev = i > 0 ? chars[i - 1] : nil
            let next = i + 1 < chars.count ? chars[i + 1] : nil
            // Keras: re.sub("(.)([A-Z][a-z]+)", r"\1_\2"), then re.sub("([a-z])([A-Z])", r"\1_\2").
            if c.isUppercase, let p = prev, p != "_",
                (next?.isLowercase ?? false) || p.isLowercase
            {
                out.append("_")
            }
            out.append(c)
        }
        return out.lowercased()
    }

    private mutating func assignWeightKeys(_ layers: [JSONValue]) {
        var used: [String: Int] = [:]
        for layer in layers {
            let cfg = layer["config"] ?? [:]
            let name = layer["name"]?.stringValue ?? cfg["name"]?.stringValue ?? ""
            var key = Self.snakeCase(layer["class_name"]?.stringValue ?? "")
            if let n = used[key] {
                used[key] = n + 1
                key += "_\(n + 1)"
            } else {
                used[key] = 0
            }
            weightKeys[name] = key
        }
    }

    private func vars(_ layer: String, count: Int) throws -> [(shape: [Int], data: [Float])] {
        try weights.vars(weightKeys[layer] ?? layer, count: count, layer: layer)
    }

    mutating func sequential(_ layers: [JSONValue], _ model: JSONValue) throws {
        assignWeightKeys(layers.filter { $0["class_name"]?.stringValue != "InputLayer" })
        var x: Int
        var rest = layers[...]
        if let first = layers.first, first["class_name"]?.stringValue == "InputLayer" {
            let cfg = first["config"] ?? [:]
            x = try inputLayer(cfg, name: cfg["name"]?.stringValue ?? "input")
            rest = layers.dropFirst()
        } else {
            let shape =
                Self.perSample(model["build_input_shape"])
                ?? Self.perSample(layers.first?["build_config"]?["input_shape"])
                ?? Self.perSample(layers.first?["config"]?["batch_input_shape"])
            guard let shape else {
                throw ModelError.unsupported(path: path, reason: "Sequential model without an input shape")
            }
            x = try b.input("input", shape: shape)
        }
        var last = "output"
        for layer in rest {
            x = try apply(layer, [x])
            last = layer["config"]?["name"]?.stringValue ?? last
        }
        b.output(last, x)
    }

    mutating func functional(_ layers: [JSONValue], _ model: JSONValue) throws {
        assignWeightKeys(layers)
        var produced: [String: Int] = [:]
        for layer in layers {
            let cfg = layer["config"] ?? [:]
            let name = layer["name"]?.stringValue ?? cfg["name"]?.stringValue ?? ""
            if layer["class_name"]?.stringValue == "InputLayer" {
                produced[name] = try inputLayer(cfg, name: name)
                continue
            }
            guard let nodes = layer["inbound_nodes"]?.arrayValue, nodes.count == 1 else {
                throw unsupported(name, "layers called more than once (shared layers) are not supported")
            }
            var refs: [String] = []
            func collect(_ value: JSONValue?) {
                if value?["class_name"]?.stringValue == "__keras_tensor__",
                    let l = value?["config"]?["keras_history"]?.arrayValue?.first?.stringValue
                {
                    refs.append(l)
                } else if let a = value?.arrayValue {
                    a.forEach(collect)
                }
            }
            collect(nodes[0]["args"])
            let inputs = try refs.map { r -> Int in
                guard let v = produced[r] else {
                    throw ModelError.corrupt(path: path, reason: "layer '\(name)' reads '\(r)' before it is defined")
                }
                return v
            }
            produced[name] = try apply(layer, inputs)
        }
        func names(_ value: JSONValue?) -> [String] {
            guard let a = value?.arrayValue else { return [] }
            if let s = a.first?.stringValue { return [s] }
            return a.flatMap { names($0) }
        }
        let outs = names(model["output_layers"])
        guard !outs.isEmpty else { throw ModelError.corrupt(path: path, reason: "no output_layers in config.json") }
        for o in outs {
            guard let v = produced[o] else {
                throw ModelError.corrupt(path: path, reason: "output layer '\(o)' not found")
            }
            b.output(o, v)
        }
        let declared = names(model["input_layers"])
        guard declared.count == b.inputCount else {
            throw ModelError.unsupported(path: path, reason: "input_layers \(declared) do not match the InputLayers")
        }
    }

    private func activation(_ name: JSONValue?, layer: String) throws -> Activation?? {
        guard let s = name?.stringValue else { return name == nil ? .some(nil) : nil }
        switch s {
        case "linear": return .some(nil)
        case "relu": return .relu
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        case "elu": return .elu(1)
        case "gelu": return .gelu
        case "leaky_relu": return .leakyRelu(0.2)
        case "softmax": return nil
        default: throw unsupported(layer, "activation \(s)")
        }
    }

    /// Applies a named activation ("softmax" and "silu"/"swish" included) to x.
    private mutating func activate(_ x: Int, _ spec: JSONValue?, layer: String) throws -> Int {
        if spec?.stringValue == "silu" || spec?.stringValue == "swish" {
            let s = try b.activation(x, .sigmoid, name: layer + "_sigmoid")
            return try b.binary(.mul, x, s, name: layer + "_silu")
        }
        if spec?.stringValue == "softmax" {
            let r = b.shape(x).count
            return try b.softmax(x, start: r - 1, end: r, name: layer + "_softmax")
        }
        guard let a = try activation(spec, layer: layer) else {
            throw unsupported(layer, "activation \(String(describing: spec))")
        }
        guard let a else { return x }
        return try b.activation(x, a, name: layer + "_activation")
    }

    /// The integer or integers (Keras writes `kernel_size: [3]` or `3`) of `cfg[key]`; nil when
    /// absent. A number that is not an exact integer (or too large for one) is refused.
    private func ints(_ cfg: JSONValue, _ key: String, layer: String) throws -> [Int]? {
        guard let value = cfg[key], value != .null else { return nil }
        if let i = value.intValue { return [i] }
        guard let elements = value.arrayValue?.map(\.intValue), !elements.contains(nil) else {
            throw unsupported(layer, "\(key) \(value) is not an integer or an array of integers")
        }
        return elements.map { $0! }
    }

    /// Checks that kernel sizes, strides, dilations and group counts lie in 1...2^28.
    private func checkExtents(_ values: [String: Int], layer: String) throws {
        for (key, v) in values.sorted(by: { $0.key < $1.key }) where !ModelLimits.isPositiveExtent(v) {
            throw unsupported(layer, "\(key) \(v) out of range")
        }
    }

    /// Left and right padding for Keras padding modes (arguments checked by `checkExtents`).
    private func padding(_ mode: String, width: Int, kernel: Int, stride: Int, dilation: Int, layer: String) throws -> (
        Int, Int
    ) {
        switch mode {
        case "valid": return (0, 0)
        case "causal": return (dilation * (kernel - 1), 0)
        case "same":
            let out = (width + stride - 1) / stride
            let total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - width, 0)
            return (total / 2, total - total / 2)
        default: throw unsupported(layer, "padding \(mode)")
        }
    }

    private mutating func apply(_ layer: JSONValue, _ inputs: [Int]) throws -> Int {
        let kind = layer["class_name"]?.stringValue ?? "?"
        let cfg = layer["config"] ?? [:]
        let name = cfg["name"]?.stringValue ?? layer["name"]?.stringValue ?? kind
        if let format = cfg["data_format"]?.stringValue, format != "channels_last" {
            throw unsupported(name, "data_format \(format)")
        }
        guard let x = inputs.first else { throw ModelError.corrupt(path: path, reason: "layer '\(name)' has no input") }
        let single = [
            "Conv1D", "Dense", "BatchNormalization", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D",
            "GlobalMaxPooling1D", "Flatten", "Reshape", "Dropout", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax",
        ]
        if single.contains(kind) && inputs.count != 1 {
            throw unsupported(name, "expects one input, got \(inputs.count)")
        }
        switch kind {
        case "Conv1D":
            let filters = cfg["filters"]?.intValue ?? 0
            let k = try ints(cfg, "kernel_size", layer: name)?.first ?? 0
            let stride = try ints(cfg, "strides", layer: name)?.first ?? 1
            let dilation = try ints(cfg, "dilation_rate", layer: name)?.first ?? 1
            let groups = cfg["groups"]?.intValue ?? 1
            let useBias = cfg["use_bias"]?.boolValue ?? true
            try checkExtents(
                [
                    "filters": filters, "kernel_size": k, "strides": stride, "dilation_rate": dilation,
                    "groups": groups,
                ], layer: name)
            let v = try vars(name, count: useBias ? 2 : 1)
            let cin = b.shape(x).last ?? 0
            let (pl, pr) = try padding(
                cfg["padding"]?.stringValue ?? "valid", width: b.shape(x).first ?? 0, kernel: k,
                stride: stride, dilation: dilation, layer: name)
            guard v[0].shape == [k, cin / max(groups, 1), filters] else {
                throw ModelError.shapeMismatch(
                    path: path,
                    reason:
                        "layer '\(name)': kernel \(v[0].shape), expected [\(k), \(cin / max(groups, 1)), \(filters)]")
            }
            let g = ConvGeometry(
                kernel: k, stride: stride, dilation: dilation, padLeft: pl, padRight: pr, groups: groups,
                inChannels: cin)
            let y = try b.conv(
                x, geometry: g, weights: v[0].data, bias: useBias ? v[1].data : nil, outChannels: filters, name: name)
            return try activate(y, cfg["activation"], layer: name)
        case "Dense":
            let units = cfg["units"]?.intValue ?? 0
            let useBias = cfg["use_bias"]?.boolValue ?? true
            let v = try vars(name, count: useBias ? 2 : 1)
            guard v[0].shape.count == 2, v[0].shape[1] == units else {
                throw ModelError.shapeMismatch(
                    path: path, reason: "layer '\(name)': kernel \(v[0].shape) for \(units) units")
            }
            let y = try b.dense(
                x, weights: v[0].data, k: v[0].shape[0], n: units, bias: useBias ? v[1].data : nil, name: name)
            return try activate(y, cfg["activation"], layer: name)
        case "BatchNormalization":
            let rank = b.shape(x).count
            let axis = try ints(cfg, "axis", layer: name)?.first ?? -1
            guard axis == -1 || axis == rank else { throw unsupported(name, "normalization axis \(axis)") }
            let scale = cfg["scale"]?.boolValue ?? true
            let center = cfg["center"]?.boolValue ?? true
            let v = try vars(name, count: 2 + (scale ? 1 : 0) + (center ? 1 : 0))
            let c = b.shape(x).last ?? 0
            guard v.allSatisfy({ $0.data.count == c }) else {
                throw ModelError.shapeMismatch(
                    path: path, reason: "layer '\(name)': statistics do not have \(c) channels")
            }
            var i = 0
            let gamma = scale ? v[i].data : [Float](repeating: 1, count: c)
            if scale { i += 1 }
            let beta = center ? v[i].data : [Float](repeating: 0, count: c)
            if center { i += 1 }
            let mean = v[i].data
            let variance = v[i + 1].data
            let eps = Float(cfg["epsilon"]?.numberValue ?? 1e-3)
            let s = (0..<c).map { gamma[$0] / (variance[$0] + eps).squareRoot() }
            return try b.affine(x, scale: s, shift: (0..<c).map { beta[$0] - mean[$0] * s[$0] }, name: name)
        case "MaxPooling1D", "AveragePooling1D":
            let k = try ints(cfg, "pool_size", layer: name)?.first ?? 2
            let stride = try ints(cfg, "strides", layer: name)?.first ?? k
            try checkExtents(["pool_size": k, "strides": stride], layer: name)
            let (pl, pr) = try padding(
                cfg["padding"]?.stringValue ?? "valid", width: b.shape(x).first ?? 0, kernel: k,
                stride: stride, dilation: 1, layer: name)
            let g = PoolGeometry(
                kernel: k, stride: stride, padLeft: pl, padRight: pr, dilation: 1,
                isMax: kind == "MaxPooling1D", countPad: false)
            return try b.pool(x, g, name: name)
        case "GlobalAveragePooling1D", "GlobalMaxPooling1D":
            let y = try b.globalPool(x, isMax: kind == "GlobalMaxPooling1D", name: name)
            return cfg["keepdims"]?.boolValue == true ? try b.alias(y, shape: [1] + b.shape(y), name: name) : y
        case "Flatten":
            return try b.alias(x, shape: [b.shape(x).reduce(1, *)], name: name)
        case "Reshape":
            guard var target = try ints(cfg, "target_shape", layer: name) else {
                throw unsupported(name, "missing target_shape")
            }
            if let i = target.firstIndex(of: -1) {
                let known = ModelLimits.elementCount(target.filter { $0 != -1 }) ?? 0
                target[i] = known > 0 ? b.shape(x).reduce(1, *) / known : 0
            }
            return try b.alias(x, shape: target, name: name)
        case "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout":
            return x
        case "Activation":
            return try activate(x, cfg["activation"], layer: name)
        case "ReLU":
            guard cfg["max_value"] == nil || cfg["max_value"] == .null, (cfg["threshold"]?.numberValue ?? 0) == 0 else {
                throw unsupported(name, "ReLU with max_value or threshold")
            }
            let slope = Float(cfg["negative_slope"]?.numberValue ?? 0)
            return try b.activation(x, slope == 0 ? .relu : .leakyRelu(slope), name: name)
        case "LeakyReLU":
            let slope = Float(cfg["negative_slope"]?.numberValue ?? cfg["alpha"]?.numberValue ?? 0.3)
            return try b.activation(x, .leakyRelu(slope), name: name)
        case "ELU":
            return try b.activation(x, .elu(Float(cfg["alpha"]?.numberValue ?? 1)), name: name)
        case "Softmax":
            let r = b.shape(x).count
            guard (try ints(cfg, "axis", layer: name)?.first ?? -1) == -1 else {
                throw unsupported(name, "softmax axis")
            }
            return try b.softmax(x, start: r - 1, end: r, name: name)
        case "Add", "Multiply":
            guard inputs.count >= 2 else { throw unsupported(name, "needs at least two inputs") }
            var y = x
            for (i, other) in inputs.dropFirst().enumerated() {
                y = try b.binary(kind == "Add" ? .add : .mul, y, other, name: "\(name)_\(i)")
            }
            return y
        case "Concatenate":
            let rank = b.shape(x).count
            let axis = cfg["axis"]?.intValue ?? -1
            let a = axis < 0 ? axis + rank + 1 : axis
            guard a >= 1 else { throw unsupported(name, "concatenation on the batch axis") }
            return try b.concat(inputs, axis: a - 1, name: name)
        default:
            throw ModelError.unsupportedOperator(path: path, opType: kind, node: name)
        }
    }
}
