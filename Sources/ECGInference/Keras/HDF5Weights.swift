@preconcurrency import CHDF5
import Foundation
import Synchronization

/// The serial libhdf5 is not thread-safe: every call goes through this lock. Taking it the
/// first time initialises the library and silences its error stack printing (failures on
/// corrupt files are expected and reported as `ModelError`s).
private let hdf5Lock: Mutex<Void> = {
    _ = H5open()
    H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
    return Mutex<Void>(())
}()

/// Reads Keras 3 weights (`layers/<layer>/vars/<i>`) from a model.weights.h5 file.
struct HDF5Weights {
    let path: String
    /// Every variable of every layer: layer name -> variables in order.
    let layers: [String: [(shape: [Int], data: [Float])]]

    init(file url: URL, displayPath: String) throws {
        path = displayPath
        layers = try hdf5Lock.withLock { _ in try Self.read(url.path, displayPath) }
    }

    /// The variables of layer `name`, checked against the expected count.
    func vars(_ key: String, count: Int, layer: String) throws -> [(shape: [Int], data: [Float])] {
        let v = layers[key] ?? []
        guard v.count == count else {
            throw ModelError.shapeMismatch(path: path, reason: "layer '\(layer)' has \(v.count) weight arrays in the h5 group layers/\(key), expected \(count)")
        }
        return v
    }

    private static func read(_ file: String, _ display: String) throws -> [String: [(shape: [Int], data: [Float])]] {
        guard H5Fis_hdf5(file) > 0 else {
            throw ModelError.corrupt(path: display, reason: "model.weights.h5 is not an HDF5 file, or is truncated")
        }
        let f = H5Fopen(file, 0 /* H5F_ACC_RDONLY */, hid_t(H5P_DEFAULT))
        guard f >= 0 else { throw ModelError.corrupt(path: display, reason: "model.weights.h5 is not a readable HDF5 file") }
        defer { H5Fclose(f) }
        guard H5Lexists(f, "layers", 0) > 0 else {
            throw ModelError.corrupt(path: display, reason: "model.weights.h5 has no 'layers' group (not a Keras 3 weights file)")
        }
        var result: [String: [(shape: [Int], data: [Float])]] = [:]
        var budget = ModelLimits.maxModelWeights
        for name in try children(f, "layers", display) {
            var vars: [(shape: [Int], data: [Float])] = []
            let base = "layers/\(name)/vars"
            guard H5Lexists(f, "layers/\(name)", 0) > 0, H5Lexists(f, base, 0) > 0 else { continue }
            while H5Lexists(f, "\(base)/\(vars.count)", 0) > 0 {
                vars.append(try dataset(f, "\(base)/\(vars.count)", display, budget: &budget))
            }
            result[name] = vars
        }
        return result
    }

    private static func children(_ f: hid_t, _ group: String, _ display: String) throws -> [String] {
        let g = H5Gopen2(f, group, 0)
        guard g >= 0 else { throw ModelError.corrupt(path: display, reason: "cannot open group \(group)") }
        defer { H5Gclose(g) }
        var info = H5G_info_t()
        guard H5Gget_info(g, &info) >= 0 else { throw ModelError.corrupt(path: display, reason: "cannot list group \(group)") }
        return (0..<info.nlinks).compactMap { i in
            let len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, 0)
            guard len > 0 else { return nil }
            var buf = [CChar](repeating: 0, count: Int(len) + 1)
            H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, 0)
            return String(decoding: buf.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Reads a dataset as floats; its element count must fit `budget`, which it then reduces.
    private static func dataset(_ f: hid_t, _ name: String, _ display: String, budget: inout Int) throws -> (shape: [Int], data: [Float]) {
        let d = H5Dopen2(f, name, 0)
        guard d >= 0 else { throw ModelError.corrupt(path: display, reason: "cannot open dataset \(name)") }
        defer { H5Dclose(d) }
        let space = H5Dget_space(d)
        guard space >= 0 else { throw ModelError.corrupt(path: display, reason: "dataset \(name) has no dataspace") }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= ModelLimits.maxRank else { throw ModelError.corrupt(path: display, reason: "dataset \(name) has no usable shape") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else {
            throw ModelError.corrupt(path: display, reason: "dataset \(name) has no usable shape")
        }
        let shape = dims.prefix(rank).map { $0 > UInt64(Int.max) ? -1 : Int($0) }
        guard let count = ModelLimits.elementCount(shape, limit: budget) else {
            throw ModelError.unsupported(path: display, reason: "dataset \(name): \(ModelLimits.describeRefusal(shape)), or the weights exceed \(ModelLimits.maxModelWeights) (the limit)")
        }
        budget -= count
        var data = [Float](repeating: 0, count: count)
        let status = data.withUnsafeMutableBytes { H5Dread(d, H5T_NATIVE_FLOAT_g, 0, 0, 0, $0.baseAddress) }
        guard status >= 0 else { throw ModelError.corrupt(path: display, reason: "cannot read dataset \(name) (truncated file?)") }
        return (shape, data)
    }
}
