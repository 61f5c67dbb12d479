import Foundation
import JSONRPC

/// How the long numeric arrays of an answer travel (`params.arrays`): as JSON numbers (the
/// default), or as base64 typed arrays, `{"dtype", "encoding": "base64", "data"}`, the layout of
/// binary signals in requests. A client decodes a typed array in one step
/// (`numpy.frombuffer(base64.b64decode(data), "<i4")`) instead of parsing thousands of numbers;
/// the values are the same either way (JSON's null is NaN).
enum ArrayEncoding: String, CaseIterable, Sendable {
    case json, base64

    /// `params.arrays`, JSON when absent.
    init(_ name: String?) throws(ServiceError) {
        guard let encoding = Self(rawValue: name ?? Self.json.rawValue) else {
            throw .invalidParams(
                "params.arrays: unknown \"\(name ?? "")\" (expected \(Self.allCases.map(\.rawValue).joined(separator: " or ")))"
            )
        }
        self = encoding
    }

    /// Integers (sample numbers, indices): int32, or int64 when one does not fit.
    func integers(_ values: [Int]) -> JSONValue {
        switch self {
        case .json: return .array(values.map { .number(Double($0)) })
        case .base64:
            if values.allSatisfy({ Int32(exactly: $0) != nil }) {
                return Self.typed("int32", values.map { Int32(truncatingIfNeeded: $0).littleEndian })
            }
            return Self.typed("int64", values.map { Int64($0).littleEndian })
        }
    }

    /// Real numbers as float64; in JSON, non-finite values become null.
    func doubles(_ values: [Double]) -> JSONValue {
        switch self {
        case .json: return .array(values.map { $0.isFinite ? .number($0) : .null })
        case .base64: return Self.typed("float64", values.map { $0.bitPattern.littleEndian })
        }
    }

    /// A typed array of little-endian values (already in that byte order).
    private static func typed<T: FixedWidthInteger>(_ dtype: String, _ littleEndian: [T]) -> JSONValue {
        let data = littleEndian.withUnsafeBytes { Data($0).base64EncodedString() }
        return .object(["dtype": .string(dtype), "encoding": .string("base64"), "data": .string(data)])
    }
}
