/// A dense Float32 tensor in row-major (C) order.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis; the first axis is the batch when fed to a model.
    public var shape: [Int]
    /// The elements, `shape.reduce(1, *)` of them, last axis fastest.
    public var data: [Float]

    /// Wraps `data` with `shape`; the element count must match the shape.
    public init(shape: [Int], data: [Float]) throws {
        guard ModelLimits.elementCount(shape, limit: .max) == data.count else {
            throw ModelError.invalidInput(reason: "tensor of shape \(shape) cannot hold \(data.count) values")
        }
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros; throws when an axis is negative or the element count overflows.
    public init(zeros shape: [Int]) throws {
        guard let count = ModelLimits.elementCount(shape, limit: .max) else {
            throw ModelError.invalidInput(reason: "no tensor has shape \(shape)")
        }
        self.shape = shape
        self.data = [Float](repeating: 0, count: count)
    }

    init(unchecked shape: [Int], data: [Float]) {
        self.shape = shape
        self.data = data
    }

    /// Number of elements.
    public var count: Int { data.count }
}
