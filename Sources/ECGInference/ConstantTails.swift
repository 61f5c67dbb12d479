/// Where each sample of a channels-last [w, c] value turns constant: from row `starts[s]` on,
/// every row of sample s holds the same bits as its last row. Kachuee beats end in zero padding
/// over about half their 187 samples, and a convolution or pooling window over such a tail
/// gives the same output everywhere in it, so the GEMM computes the first constant output row
/// and copies it into the others. The results are bit for bit those of the full computation.
struct ConstantTails: Sendable {
    var starts: [Int32]

    /// Scans each of `n` samples back from its last row.
    init(scanning x: UnsafePointer<Float>, samples n: Int, width w: Int, channels c: Int) {
        starts = (0..<n).map { s in
            let sample = x + s * w * c
            let last = sample + (w - 1) * c
            var start = w - 1
            while start > 0, (0..<c).allSatisfy({ sample[(start - 1) * c + $0].bitPattern == last[$0].bitPattern }) {
                start -= 1
            }
            return Int32(start)
        }
    }

    private init(starts: [Int32]) { self.starts = starts }

    /// The tails after a window of `stride` with no padding, over `outWidth` output rows:
    /// output j reads inputs from j * stride on, so it is constant once j * stride reaches the
    /// input's tail.
    func throughWindow(stride: Int, outWidth: Int) -> ConstantTails {
        let stride = Int32(stride)
        let lastRow = Int32(max(0, outWidth - 1))
        return ConstantTails(starts: starts.map { min(lastRow, ($0 + stride - 1) / stride) })
    }

    /// Output rows a GEMM must compute per sample: up to and including the first constant one.
    var computedRows: [Int32] { starts.map { $0 + 1 } }
}
