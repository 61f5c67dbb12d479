import CInferenceKernels
import Foundation

/// Elementwise activation functions.
enum Activation: Equatable, Sendable {
    case relu
    case leakyRelu(Float)
    case elu(Float)
    case sigmoid, tanh, gelu, geluTanh

    var code: Int32 {
        switch self {
        case .relu: return Int32(ECG_ACT_RELU)
        case .leakyRelu: return Int32(ECG_ACT_LEAKY)
        case .elu: return Int32(ECG_ACT_ELU)
        case .sigmoid: return Int32(ECG_ACT_SIGMOID)
        case .tanh: return Int32(ECG_ACT_TANH)
        case .gelu: return Int32(ECG_ACT_GELU)
        case .geluTanh: return Int32(ECG_ACT_GELU_TANH)
        }
    }

    var alpha: Float {
        switch self {
        case .leakyRelu(let a), .elu(let a): return a
        default: return 0
        }
    }

    /// Whether the GEMM epilogue can apply it.
    var fusable: Bool {
        switch self {
        case .relu, .leakyRelu: return true
        default: return false
        }
    }
}

/// A GEMM micro-kernel; weights are packed for one kernel and multiplied with it.
enum GemmKernel: Int32, Sendable, CaseIterable {
    case portable = 0
    case avx2 = 1
    case avx512 = 2

    /// Whether this CPU runs it.
    var isSupported: Bool { ecg_gemm_kernel_supported(rawValue) != 0 }

    var name: String { String(cString: ecg_gemm_kernel_name(rawValue)) }

    /// The kernel models use: ECGD_SIMD (portable, avx2, avx512; the one instruction-set switch,
    /// which caps the signal kernels too) when set and supported by this CPU, otherwise the
    /// fastest this CPU runs.
    static let selected: GemmKernel = {
        if let env = ProcessInfo.processInfo.environment["ECGD_SIMD"],
            let k = allCases.first(where: { $0.name == env }), k.isSupported
        {
            return k
        }
        return GemmKernel(rawValue: ecg_gemm_best_kernel()) ?? .portable
    }()
}

/// Geometry of a channels-last 1D convolution.
struct ConvGeometry: Equatable, Sendable {
    var kernel: Int, stride: Int, dilation: Int, padLeft: Int, padRight: Int, groups: Int
    var inChannels: Int

    /// Output positions over an input of width `w`; 0 when the dilated kernel does not fit.
    func outputLength(_ w: Int) -> Int {
        let span = w + padLeft + padRight - dilation * (kernel - 1) - 1
        return span < 0 ? 0 : span / stride + 1
    }
}

/// A convolution (channels-last) or a dense layer on the last axis, with fused epilogue.
struct GemmOp: Sendable {
    /// nil for a dense layer.
    var conv: ConvGeometry?
    /// Rows of B per group (taps x input channels per group, or input features).
    var k: Int
    /// Output channels / features.
    var n: Int
    /// B as [k, n] row-major; group g uses columns g*n/groups ..< (g+1)*n/groups.
    var weights: [Float]
    var bias: [Float]
    var activation: Activation?
    var postScale: [Float]?
    var postShift: [Float]?
    /// B packed per group for `kernel`, filled by `pack(for:)`.
    var packed: [[Float]] = []
    var kernel = GemmKernel.portable

    var groups: Int { conv?.groups ?? 1 }

    mutating func pack(for kernel: GemmKernel) {
        self.kernel = kernel
        let g = groups
        let cols = n / g
        packed = (0..<g).map { group in
            var out = [Float](repeating: 0, count: ecg_gemm_packed_size(kernel.rawValue, Int32(k), Int32(cols)))
            weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { p in
                    ecg_gemm_pack_b(
                        kernel.rawValue, w.baseAddress! + group * cols, Int32(k), Int32(cols), Int32(n), p.baseAddress!)
                }
            }
            return out
        }
        weights = []
    }
}

/// Pooling window on the time axis of channels-last [w, c] samples.
struct PoolGeometry: Equatable, Sendable {
    var kernel: Int, stride: Int, padLeft: Int, padRight: Int, dilation: Int
    var isMax: Bool, countPad: Bool

    /// Output positions over an input of width `w`; 0 when the dilated kernel does not fit.
    func outputLength(_ w: Int) -> Int {
        let span = w + padLeft + padRight - dilation * (kernel - 1) - 1
        return span < 0 ? 0 : span / stride + 1
    }
}

enum BinaryKind: Sendable { case add, mul }

/// An operator over per-sample shapes (the batch axis is implicit).
enum Op: Sendable {
    case gemm(GemmOp)
    case affine(scale: [Float], shift: [Float])
    case activation(Activation)
    case pool(PoolGeometry)
    case globalPool(isMax: Bool)
    /// Softmax over the flattened axes start..<end of the per-sample shape.
    case softmax(start: Int, end: Int)
    /// Elementwise with numpy broadcasting; `constant` (per-sample shape) replaces input 1.
    case binary(BinaryKind, constant: Tensor?)
    case concat(axis: Int)
    case transpose(perm: [Int])
    /// [m, k] x [k, n] per sample, both operands computed.
    case matmul
}

struct Node: Sendable {
    var op: Op
    var inputs: [Int]
    var output: Int
    var name: String
    /// Slot of a zero-padded copy of the input, for padded convolutions.
    var scratch: Int?
}

struct ValueInfo: Sendable {
    /// Shape of one sample (the batch axis excluded).
    var shape: [Int]
    var slot: Int
    var count: Int { shape.reduce(1, *) }
}

/// A model as a topologically ordered list of nodes over per-sample values.
struct Graph: Sendable {
    var values: [ValueInfo]
    var slotSizes: [Int]
    var nodes: [Node]
    var inputs: [(name: String, value: Int)]
    var outputs: [(name: String, value: Int)]

    /// Bytes held by weights and constants.
    var weightBytes: Int {
        nodes.reduce(0) { total, node in
            switch node.op {
            case .gemm(let g):
                return total + 4
                    * (g.weights.count + g.bias.count + g.packed.reduce(0) { $0 + $1.count }
                        + (g.postScale?.count ?? 0) * 2)
            case .affine(let s, let t): return total + 4 * (s.count + t.count)
            case .binary(_, let c): return total + 4 * (c?.count ?? 0)
            default: return total
            }
        }
    }
}
