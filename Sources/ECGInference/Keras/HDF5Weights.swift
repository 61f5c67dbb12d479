@preconcurrency import CHDF5
import Foundation
import Synchronization

/// The serial libhdf5 is not thread-safe: every call goes through this lock.
private let hdf5Lock = Mutex<Void>(())

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
        _ = H5open()
        H5Eset_auto2(0, nil, nil)
        let f = H5Fopen(file, 0, 0)
        guard f >= 0 else { throw ModelError.corrupt(path: display, reason: "model.weights.h5 is not a readable HDF5 file") }
        defer { H5Fclose(f) }
        guard H5Lexists(f, "layers", 0) > 0 else {
            throw ModelError.corrupt(path: display, reason: "model.weights.h5 has no 'layers' group (not a Keras 3 weights file)")
        }
        var result: [String: [(shape: [Int], data: [Float])]] = [:]
        for name in try children(f, "layers", display) {
            var vars: [(shape: [Int], data: [Float])] = []
            let base = "layers/\(name)/vars"
            guard H5Lexists(f, base, 0) > 0 else { continue }
            while H5Lexists(f, "\(base)/\(vars.count)", 0) > 0 {
                vars.append(try dataset(f, "\(base)/\(vars.count)", display))
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

    private static func dataset(_ f: hid_t, _ name: String, _ display: String) throws -> (shape: [Int], data: [Float]) {
        let d = H5Dopen2(f, name, 0)
        guard d >= 0 else { throw ModelError.corrupt(path: display, reason: "cannot open dataset \(name)") }
        defer { H5Dclose(d) }
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw ModelError.corrupt(path: display, reason: "dataset \(name) has no shape") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        let shape = dims.prefix(rank).map { Int($0) }
        var data = [Float](repeating: 0, count: shape.reduce(1, *))
        let status = data.withUnsafeMutableBytes { H5Dread(d, H5T_NATIVE_FLOAT_g, 0, 0, 0, $0.baseAddress) }
        guard status >= 0 else { throw ModelError.corrupt(path: display, reason: "cannot read dataset \(name) (truncated file?)") }
        return (shape, data)
    }
}
