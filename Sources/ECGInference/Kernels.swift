import CInferenceKernels

/// Operator implementations over raw buffers of `n` samples.
enum Kernels {
    /// A channels-last convolution; `computedRows` (per sample, only without padding) lets the
    /// GEMM copy rows over a constant tail instead of computing them (`ConstantTails`), into
    /// the next `copiedRows` rows.
    static func conv(
        _ g: GemmOp, _ c: ConvGeometry, x: UnsafeMutablePointer<Float>, width w: Int, n: Int,
        scratch: UnsafeMutablePointer<Float>?, computedRows: UnsafePointer<Int32>? = nil, copiedRows: Int32 = .max,
        out: UnsafeMutablePointer<Float>
    ) {
        let cin = c.inChannels
        var src = x
        var wp = w
        if let scratch {
            wp = w + c.padLeft + c.padRight
            for s in 0..<n {
                let dst = scratch + s * wp * cin
                dst.update(repeating: 0, count: c.padLeft * cin)
                (dst + c.padLeft * cin).update(from: x + s * w * cin, count: w * cin)
                (dst + (c.padLeft + w) * cin).update(repeating: 0, count: c.padRight * cin)
            }
            src = scratch
        }
        let wout = c.outputLength(w)
        let cpg = cin / c.groups
        let copg = g.n / c.groups
        for group in 0..<c.groups {
            var desc = ecg_a_desc(
                a: src + group * cpg, rows_per_group: Int32(wout), group_stride: wp * cin,
                row_stride: c.stride * cin, taps: Int32(c.kernel), tap_stride: c.dilation * cin,
                seg: Int32(cpg), computed_rows: scratch == nil ? computedRows : nil, copied_rows: copiedRows)
            gemm(g, group: group, columns: copg, m: n * wout, desc: &desc, out: out + group * copg)
        }
    }

    static func dense(_ g: GemmOp, x: UnsafeMutablePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>) {
        var desc = ecg_a_desc(
            a: x, rows_per_group: Int32(rows), group_stride: rows * g.k, row_stride: g.k,
            taps: 1, tap_stride: g.k, seg: Int32(g.k), computed_rows: nil, copied_rows: 0)
        gemm(g, group: 0, columns: g.n, m: rows, desc: &desc, out: out)
    }

    private static func gemm(
        _ g: GemmOp, group: Int, columns: Int, m: Int, desc: inout ecg_a_desc,
        out: UnsafeMutablePointer<Float>
    ) {
        let first = group * columns
        g.packed[group].withUnsafeBufferPointer { packed in
            g.bias.withUnsafeBufferPointer { bias in
                withOptional(g.postScale) { scale in
                    withOptional(g.postShift) { shift in
                        ecg_gemm(
                            g.kernel.rawValue, Int32(m), &desc, packed.baseAddress!, Int32(columns),
                            bias.baseAddress! + first,
                            g.activation?.code ?? Int32(ECG_ACT_NONE), g.activation?.alpha ?? 0,
                            scale.map { $0 + first }, shift.map { $0 + first }, out, g.n)
                    }
                }
            }
        }
    }

    /// Runs `body` with a pointer to `a`'s elements, or nil when `a` is nil.
    static func withOptional<T, R>(_ a: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
        guard let a else { return body(nil) }
        return a.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Row-major strides of `shape` right-aligned to `rank`, 0 on broadcast axes.
    private static func broadcastStrides(_ shape: [Int], rank: Int, outShape: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: rank - shape.count) + shape
        var strides = [Int](repeating: 0, count: rank)
        var acc = 1
        for d in stride(from: rank - 1, through: 0, by: -1) {
            strides[d] = padded[d] == 1 && outShape[d] != 1 ? 0 : acc
            acc *= padded[d]
        }
        return strides
    }

    static func binary(
        _ kind: BinaryKind, a: UnsafeMutablePointer<Float>, aShape: [Int], b: UnsafePointer<Float>,
        bShape: [Int], bBatched: Bool, out: UnsafeMutablePointer<Float>, outShape: [Int], n: Int
    ) {
        let rank = max(outShape.count, 1)
        let os = outShape.isEmpty ? [1] : outShape
        let sa = broadcastStrides(aShape, rank: rank, outShape: os)
        let sb = broadcastStrides(bShape, rank: rank, outShape: os)
        let total = os.reduce(1, *)
        let aCount = aShape.reduce(1, *)
        let bCount = bShape.reduce(1, *)
        let last = os[rank - 1]
        let la = sa[rank - 1]
        let lb = sb[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        for s in 0..<n {
            let pa = a + s * aCount
            let pb = b + (bBatched ? s * bCount : 0)
            let po = out + s * total
            index.withUnsafeMutableBufferPointer { idx in
                for d in 0..<rank { idx[d] = 0 }
                var o = 0
                while o < total {
                    var offA = 0
                    var offB = 0
                    for d in 0..<(rank - 1) {
                        offA += idx[d] * sa[d]
                        offB += idx[d] * sb[d]
                    }
                    let ra = pa + offA
                    let rb = pb + offB
                    let ro = po + o
                    switch kind {
                    case .add: for j in 0..<last { ro[j] = ra[j * la] + rb[j * lb] }
                    case .mul: for j in 0..<last { ro[j] = ra[j * la] * rb[j * lb] }
                    }
                    o += last
                    var d = rank - 2
                    while d >= 0 {
                        idx[d] += 1
                        if idx[d] < os[d] { break }
                        idx[d] = 0
                        d -= 1
                    }
                }
            }
        }
    }

    static func concat(
        _ parts: [(UnsafeMutablePointer<Float>, [Int])], axis: Int, out: UnsafeMutablePointer<Float>,
        outShape: [Int], n: Int
    ) {
        let outer = outShape[..<axis].reduce(1, *)
        let outBlock = outShape[axis...].reduce(1, *)
        var offset = 0
        for (p, shape) in parts {
            let block = shape[axis...].reduce(1, *)
            for r in 0..<(n * outer) {
                (out + r * outBlock + offset).update(from: p + r * block, count: block)
            }
            offset += block
        }
    }

    static func transpose(
        _ x: UnsafeMutablePointer<Float>, shape: [Int], perm: [Int], out: UnsafeMutablePointer<Float>,
        n: Int
    ) {
        let rank = shape.count
        let total = shape.reduce(1, *)
        var inStrides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * shape[d + 1] }
        let os = perm.map { shape[$0] }
        let st = perm.map { inStrides[$0] }
        if rank == 2 {
            for s in 0..<n {
                let src = x + s * total
                let dst = out + s * total
                for i in 0..<os[0] { for j in 0..<os[1] { dst[i * os[1] + j] = src[i * st[0] + j * st[1]] } }
            }
            return
        }
        var idx = [Int](repeating: 0, count: rank)
        for s in 0..<n {
            let src = x + s * total
            let dst = out + s * total
            for d in 0..<rank { idx[d] = 0 }
            for o in 0..<total {
                var off = 0
                for d in 0..<rank { off += idx[d] * st[d] }
                dst[o] = src[off]
                var d = rank - 1
                while d >= 0 {
                    idx[d] += 1
                    if idx[d] < os[d] { break }
                    idx[d] = 0
                    d -= 1
                }
            }
        }
    }

    static func matmul(
        _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, m: Int, k: Int, cols: Int,
        out: UnsafeMutablePointer<Float>, n: Int
    ) {
        for s in 0..<n {
            let pa = a + s * m * k
            let pb = b + s * k * cols
            let po = out + s * m * cols
            po.update(repeating: 0, count: m * cols)
            for i in 0..<m {
                for kk in 0..<k {
                    let v = pa[i * k + kk]
                    for j in 0..<cols { po[i * cols + j] += v * pb[kk * cols + j] }
                }
            }
        }
    }
}
