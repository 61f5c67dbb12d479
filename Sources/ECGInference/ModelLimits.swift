/// Bounds on what a model file may declare. Loaders check them before allocating, so a hostile
/// or corrupt file is refused with a clear error instead of exhausting memory or trapping.
public enum ModelLimits {
    /// Elements in one tensor: a weight, a constant or one sample of an activation (256 Mi floats, 1 GiB).
    public static let maxTensorElements = 256 << 20
    /// Weight and constant elements in a whole model (256 Mi floats).
    public static let maxModelWeights = 256 << 20
    /// Activation elements of one sample, summed over every value of the graph.
    public static let maxActivationElements = 256 << 20
    /// Elements of one output of one `run` call (batch x per-sample size): 1 Gi floats.
    public static let maxBatchElements = 1 << 30
    /// Operators in a model (ONNX nodes, Keras layers and the operators they expand to).
    public static let maxNodes = 10_000
    /// Axes of one tensor.
    public static let maxRank = 8
    /// Bytes of a model file or of a file inside a .keras archive (2 GiB).
    public static let maxFileBytes = 2 << 30

    /// Elements of a tensor of `shape`; nil when an axis is negative, the rank exceeds
    /// `maxRank`, or the product overflows or exceeds `limit`.
    static func elementCount(_ shape: [Int], limit: Int = maxTensorElements) -> Int? {
        guard shape.count <= maxRank else { return nil }
        var total = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p <= limit else { return nil }
            total = p
        }
        return total
    }

    /// The reason a tensor of `shape` is refused, for error messages.
    static func describeRefusal(_ shape: [Int]) -> String {
        if shape.count > maxRank { return "shape \(shape) has more than \(maxRank) axes" }
        if shape.contains(where: { $0 < 0 }) { return "shape \(shape) has a negative axis" }
        return "shape \(shape) has more than \(maxTensorElements) elements (the limit)"
    }

    /// Whether `value` is a usable kernel size, stride, dilation or group count.
    static func isPositiveExtent(_ value: Int) -> Bool { value >= 1 && value <= maxTensorElements }

    /// Whether `value` is a usable padding.
    static func isPadding(_ value: Int) -> Bool { value >= 0 && value <= maxTensorElements }
}
