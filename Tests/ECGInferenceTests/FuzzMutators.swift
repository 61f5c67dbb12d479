import Foundation
import TestSupport

@testable import ECGInference

/// Mutations of model files: raw bytes, zip headers, ONNX protobuf fields and Keras JSON.
enum FuzzMutators {
    /// Integers that break naive arithmetic: zero, negatives, values just over 2^31 and 2^63.
    static let hostileInts: [Int64] = [
        0, -1, -2, 1, 2, 3, 7, 255, 65_536, 1 << 31, (1 << 31) - 1, -(1 << 31),
        1 << 40, 1 << 62, .max, .min, .max - 1,
    ]

    // MARK: bytes

    /// One random byte-level mutation and what it did.
    static func bytes(_ data: Data, _ r: inout SplitMix64) -> (Data, String) {
        var b = [UInt8](data)
        guard !b.isEmpty else { return (Data([0]), "one zero byte") }
        let p = r.below(b.count)
        switch r.below(9) {
        case 0:
            return (Data(b.prefix(p)), "truncated at \(p)")
        case 1:
            let n = 1 + r.below(8)
            for _ in 0..<n { b[r.below(b.count)] ^= UInt8(1 + r.below(255)) }
            return (Data(b), "\(n) random bytes flipped")
        case 2:
            let v = r.pick([0x00, 0xFF, 0x7F, 0x80, 0x01] as [UInt8])
            b[p] = v
            return (Data(b), "byte \(p) set to \(v)")
        case 3:
            // A long varint (~2^63) in place of a one-byte varint: protobuf lengths, dims, counts.
            let tries = (0..<64).map { _ in r.below(b.count) }
            guard let q = tries.first(where: { b[$0] < 0x80 }) else { break }
            let huge: [UInt8] =
                r.below(2) == 0 ? [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] : [UInt8](repeating: 0xFF, count: 9) + [0x01]
            b.replaceSubrange(q...q, with: huge)
            return (Data(b), "varint at \(q) replaced by \(huge.count) bytes")
        case 4:
            let v = r.pick([0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0x0001_0000] as [UInt32])
            write(v, at: p, into: &b)
            return (Data(b), "u32 \(v) at \(p)")
        case 5:
            let v = r.pick([.max, 1 << 40, 1 << 62, 0x8000_0000] as [UInt64])
            write(v, at: p & ~7, into: &b)
            return (Data(b), "u64 \(v) at \(p & ~7)")
        case 6:
            let len = 1 + r.below(min(256, b.count - p))
            let at = r.below(b.count)
            b.insert(contentsOf: b[p..<(p + len)], at: at)
            return (Data(b), "chunk \(p)+\(len) duplicated at \(at)")
        case 7:
            let len = 1 + r.below(min(256, b.count - p))
            b.removeSubrange(p..<(p + len))
            return (Data(b), "chunk \(p)+\(len) removed")
        default:
            let len = 1 + r.below(64)
            b.insert(contentsOf: (0..<len).map { _ in UInt8(truncatingIfNeeded: r.next()) }, at: p)
            return (Data(b), "\(len) random bytes inserted at \(p)")
        }
        b[p] ^= 0x55
        return (Data(b), "byte \(p) xor 0x55")
    }

    private static func write<T: FixedWidthInteger>(_ v: T, at p: Int, into b: inout [UInt8]) {
        for i in 0..<MemoryLayout<T>.size where p + i < b.count { b[p + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) }
    }

    /// Overwrites a size, count, offset or name-length field of a zip local header, central
    /// directory entry or end-of-central-directory record.
    static func zipHeader(_ data: Data, _ r: inout SplitMix64) -> (Data, String) {
        var b = [UInt8](data)
        let records: [(sig: [UInt8], fields: [(Int, Int)])] = [
            ([0x50, 0x4B, 0x03, 0x04], [(8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)]),
            ([0x50, 0x4B, 0x01, 0x02], [(10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2), (42, 4)]),
            ([0x50, 0x4B, 0x05, 0x06], [(8, 2), (10, 2), (12, 4), (16, 4), (20, 2)]),
        ]
        let record = r.pick(records)
        var starts: [Int] = []
        var i = 0
        while i + 4 <= b.count {
            if b[i] == 0x50 && b[i + 1] == 0x4B && b[i + 2] == record.sig[2] && b[i + 3] == record.sig[3] {
                starts.append(i)
            }
            i += 1
        }
        guard let start = starts.isEmpty ? nil : r.pick(starts) else { return bytes(data, &r) }
        let (offset, width) = r.pick(record.fields)
        let value = r.pick([0, 1, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, UInt64(r.below(1 << 20))] as [UInt64])
        if width == 2 {
            write(UInt16(truncatingIfNeeded: value), at: start + offset, into: &b)
        } else {
            write(UInt32(truncatingIfNeeded: value), at: start + offset, into: &b)
        }
        return (Data(b), "zip record \(record.sig[2]) at \(start): field +\(offset) = \(value)")
    }

    /// Offsets of HDF5 metadata structures: the superblock (0) and every B-tree, local heap,
    /// symbol node and object header signature.
    static func hdf5Structures(_ data: Data) -> [Int] {
        let b = [UInt8](data)
        let signatures = ["TREE", "HEAP", "SNOD", "OHDR", "OCHK"].map { Array($0.utf8) }
        var starts = [0]
        var i = 0
        while i + 4 <= b.count {
            for sig in signatures where b[i] == sig[0] && b[i + 1] == sig[1] && b[i + 2] == sig[2] && b[i + 3] == sig[3]
            {
                starts.append(i)
            }
            i += 1
        }
        return starts
    }

    /// Overwrites a field near one of `structures` (from `hdf5Structures`) with a hostile 1-,
    /// 2-, 4- or 8-byte value.
    static func hdf5Metadata(_ data: Data, structures: [Int], _ r: inout SplitMix64) -> (Data, String) {
        var b = [UInt8](data)
        let start = r.pick(structures)
        let p = min(b.count - 1, start + r.below(96))
        let width = r.pick([1, 2, 4, 8])
        let value = UInt64(bitPattern: r.pick(hostileInts))
        for i in 0..<width where p + i < b.count { b[p + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        return (Data(b), "\(width)-byte \(value) at \(p) (structure at \(start))")
    }

    // MARK: ONNX

    /// One structural mutation of an ONNX model: dims, attributes, operator types, wiring.
    static func onnx(_ m: inout Onnx_ModelProto, _ r: inout SplitMix64) -> String {
        let g = m.graph
        switch r.below(10) {
        case 0 where !g.initializer.isEmpty:
            let i = r.below(g.initializer.count)
            let t = g.initializer[i]
            var dims = t.dims
            if dims.isEmpty || r.below(3) == 0 {
                dims.append(r.pick(hostileInts))
            } else {
                dims[r.below(dims.count)] = r.pick(hostileInts)
            }
            m.graph.initializer[i].dims = dims
            return "initializer '\(t.name)' dims \(dims)"
        case 1 where !g.initializer.isEmpty:
            let i = r.below(g.initializer.count)
            m.graph.initializer[i].dataType = Int32(r.below(20))
            return "initializer \(i) data type \(m.graph.initializer[i].dataType)"
        case 2 where !g.initializer.isEmpty:
            let i = r.below(g.initializer.count)
            if m.graph.initializer[i].rawData.isEmpty {
                m.graph.initializer[i].floatData = Array(m.graph.initializer[i].floatData.dropLast(1 + r.below(4)))
            } else {
                m.graph.initializer[i].rawData = m.graph.initializer[i].rawData.dropLast(1 + r.below(9))
            }
            return "initializer \(i) data shortened"
        case 3 where !g.input.isEmpty:
            let i = r.below(g.input.count)
            var dims = m.graph.input[i].type.tensorType.shape.dim
            var d = Onnx_TensorShapeProto.Dimension()
            d.dimValue = r.pick(hostileInts)
            if dims.isEmpty || r.below(3) == 0 { dims.append(d) } else { dims[r.below(dims.count)] = d }
            m.graph.input[i].type.tensorType.shape.dim = dims
            return "input \(i) dims \(dims.map(\.dimValue))"
        case 4 where !g.node.isEmpty:
            let i = r.below(g.node.count)
            var a = Onnx_AttributeProto()
            a.name = r.pick([
                "strides", "dilations", "pads", "kernel_shape", "group", "axis", "axes", "perm", "transB",
                "start", "end", "ceil_mode", "alpha", "epsilon", "auto_pad", "value_ints",
            ])
            if r.below(2) == 0 {
                a.type = .ints
                a.ints = (0..<r.below(5)).map { _ in r.pick(hostileInts) }
            } else {
                a.type = .int
                a.i = r.pick(hostileInts)
            }
            if a.name == "auto_pad" {
                a.type = .string
                a.s = Data(r.pick(["SAME_UPPER", "SAME_LOWER", "VALID", "??"]).utf8)
            }
            m.graph.node[i].attribute.removeAll { $0.name == a.name }
            m.graph.node[i].attribute.append(a)
            return "node \(i) (\(g.node[i].opType)) attribute \(a.name) = \(a.type == .ints ? "\(a.ints)" : "\(a.i)")"
        case 5 where !g.node.isEmpty:
            let i = r.below(g.node.count)
            m.graph.node[i].opType = r.pick([
                "Conv", "Gemm", "MatMul", "Add", "Mul", "Sub", "Div", "Relu", "Softmax",
                "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Concat",
                "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization",
                "Shape", "Gather", "Constant", "Identity", "Cast",
            ])
            return "node \(i) op \(g.node[i].opType) -> \(m.graph.node[i].opType)"
        case 6 where !g.node.isEmpty:
            let i = r.below(g.node.count)
            let names = g.node.flatMap(\.output) + g.initializer.map(\.name) + g.input.map(\.name) + ["", "nowhere"]
            if m.graph.node[i].input.isEmpty || r.below(3) == 0 {
                m.graph.node[i].input.append(r.pick(names))
            } else {
                m.graph.node[i].input[r.below(m.graph.node[i].input.count)] = r.pick(names)
            }
            return "node \(i) inputs \(m.graph.node[i].input)"
        case 7 where !g.node.isEmpty:
            let i = r.below(g.node.count)
            if r.below(2) == 0 {
                m.graph.node.remove(at: i)
            } else {
                m.graph.node.insert(g.node[i], at: r.below(g.node.count))
            }
            return "node \(i) removed or duplicated"
        case 8 where !g.node.isEmpty:
            let i = r.below(g.node.count)
            let j = r.below(g.node.count)
            m.graph.node.swapAt(i, j)
            return "nodes \(i) and \(j) swapped"
        default:
            if m.opsetImport.isEmpty { m.opsetImport.append(Onnx_OperatorSetIdProto()) }
            m.opsetImport[0].version = r.pick(hostileInts)
            return "opset \(m.opsetImport[0].version)"
        }
    }

    // MARK: Keras JSON

    /// Values of the wrong type or absurd size for any JSON field.
    static func hostileJSON(_ r: inout SplitMix64) -> Any {
        r.pick(
            [
                NSNull(), "x", "same", "causal", -1, 0, 1 << 40, Int64.max, -(1 << 31), 1.5, true, [Any](),
                [String: Any](),
                [0], [-1], [1 << 40], [1 << 31, 1 << 31], [NSNull(), 1 << 40], ["a": 1],
            ] as [Any])
    }

    /// Replaces, deletes or adds one field somewhere in the configuration, favouring layer settings.
    static func keras(_ root: Any, _ r: inout SplitMix64) -> (Any, String) {
        var paths: [[Any]] = []
        func walk(_ v: Any, _ path: [Any]) {
            if !path.isEmpty { paths.append(path) }
            if let d = v as? [String: Any] { for (k, x) in d { walk(x, path + [k]) } }
            if let a = v as? [Any] { for (i, x) in a.enumerated() { walk(x, path + [i]) } }
        }
        walk(root, [])
        let layerKeys = [
            "filters", "kernel_size", "strides", "dilation_rate", "groups", "units", "pool_size", "padding",
            "axis", "target_shape", "batch_shape", "activation", "use_bias", "epsilon", "keepdims",
            "class_name", "negative_slope", "data_format", "scale", "center",
        ]
        let path = r.pick(paths)
        let action = r.below(4)
        let value: Any =
            action == 3
            ? r.pick([
                "Conv1D", "Dense", "Reshape", "Concatenate", "Add", "Flatten",
                "BatchNormalization", "MaxPooling1D", "InputLayer", "Softmax",
            ]) : hostileJSON(&r)
        func edit(_ v: Any, _ rest: ArraySlice<Any>) -> Any? {
            guard let head = rest.first else {
                switch action {
                case 0: return nil
                case 1, 3:
                    guard var d = v as? [String: Any] else { return value }
                    d[action == 3 ? "class_name" : r.pick(layerKeys)] = value
                    return d
                default: return value
                }
            }
            if var d = v as? [String: Any], let k = head as? String {
                d[k] = edit(d[k] as Any, rest.dropFirst())
                return d
            }
            if var a = v as? [Any], let i = head as? Int {
                if let x = edit(a[i], rest.dropFirst()) { a[i] = x } else { a.remove(at: i) }
                return a
            }
            return v
        }
        let what = ["deleted", "field set", "replaced", "class changed"][action]
        return (edit(root, path[...]) ?? [String: Any](), "\(what) at \(path.map { "\($0)" }.joined(separator: "/"))")
    }
}
