import Foundation

/// A constant from an ONNX model (initializer or Constant node), as floats and, for integer
/// tensors, also as integers (shapes, axes).
struct ONNXConstant {
    var shape: [Int]
    var floats: [Float]
    var ints: [Int]?

    /// Integer tensors up to this size also keep their values as integers (shapes, axes, indices).
    static let maxIntegerCount = 1 << 16

    init(shape: [Int], floats: [Float], ints: [Int]? = nil) {
        self.shape = shape
        self.floats = floats
        self.ints = ints
    }

    init(_ t: Onnx_TensorProto, path: String) throws {
        let shape = t.dims.map { Int($0) }
        self.shape = shape
        guard let count = ModelLimits.elementCount(shape) else {
            throw ModelError.unsupported(
                path: path, reason: "tensor '\(t.name)': \(ModelLimits.describeRefusal(shape))")
        }
        guard t.dataLocation != .external else {
            throw ModelError.unsupported(path: path, reason: "tensor '\(t.name)' keeps its data in an external file")
        }
        let raw = t.rawData
        func fromRaw<T>(_ type: T.Type) throws -> [T] {
            guard raw.count == count * MemoryLayout<T>.size else {
                throw ModelError.corrupt(
                    path: path, reason: "tensor '\(t.name)' has \(raw.count) bytes for shape \(shape)")
            }
            return raw.withUnsafeBytes { buf in
                (0..<count).map { buf.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
            }
        }
        switch Onnx_TensorProto.DataType(rawValue: Int(t.dataType)) {
        case .float:
            floats = raw.isEmpty ? t.floatData : try fromRaw(Float.self)
        case .double:
            floats = (raw.isEmpty ? t.doubleData : try fromRaw(Double.self)).map { Float($0) }
        case .int64:
            let v = raw.isEmpty ? t.int64Data : try fromRaw(Int64.self)
            ints = v.count <= Self.maxIntegerCount ? v.map { Int($0) } : nil
            floats = v.map { Float($0) }
        case .int32:
            let v = raw.isEmpty ? t.int32Data : try fromRaw(Int32.self)
            ints = v.count <= Self.maxIntegerCount ? v.map { Int($0) } : nil
            floats = v.map { Float($0) }
        default:
            throw ModelError.unsupported(path: path, reason: "tensor '\(t.name)' has data type \(t.dataType)")
        }
        guard self.floats.count == count else {
            throw ModelError.corrupt(
                path: path, reason: "tensor '\(t.name)' has \(self.floats.count) values for shape \(shape)")
        }
    }
}
