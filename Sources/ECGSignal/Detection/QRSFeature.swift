import CSignalKernels
import Foundation

// Stage 1 and 2 of the detector: decimation, the slope-energy feature and its candidate maxima.

extension QRSDetector {
    /// Replaces non-finite samples (WFDB's "no data") by the last finite value.
    static func fillGaps(_ x: [Double]) -> [Double] {
        x.withUnsafeBufferPointer(fillGaps)
    }

    /// Replaces non-finite samples (WFDB's "no data") by the last finite value.
    static func fillGaps(_ x: UnsafeBufferPointer<Double>) -> [Double] {
        var out = Array(x)
        var last = x.first(where: \.isFinite) ?? 0
        for i in out.indices {
            if out[i].isFinite { last = out[i] } else { out[i] = last }
        }
        return out
    }

    /// Moving RMS of the derivative over a centred window, and |derivative| (per second).
    static func energyFeature(_ x: UnsafeBufferPointer<Double>, fs: Double, window: Double)
        -> ([Double], [Double])
    {
        let n = x.count
        let w = max(1, Int(window * fs))
        let slope = [Double](unsafeUninitializedCapacity: n) { s, count in
            let k = fs / 2
            for i in 1..<(n - 1) { s[i] = abs(x[i + 1] - x[i - 1]) * k }
            s[0] = s[1]
            s[n - 1] = s[n - 2]
            count = n
        }
        let energy = [Double](unsafeUninitializedCapacity: n) { e, count in
            slope.withUnsafeBufferPointer { movingRMS($0, window: w, into: e) }
            count = n
        }
        return (energy, slope)
    }

    /// `e[i]` = root mean square of `s` over the window `[i - w / 2, i - w / 2 + w)`, the
    /// sum taken over the samples inside `s` (but divided by `w`). Sums are direct, not
    /// running, so they do not drift; where the window lies inside `s` they run in C, several
    /// outputs per vector, with the same rounding.
    static func movingRMS(
        _ s: UnsafeBufferPointer<Double>, window w: Int, into e: UnsafeMutableBufferPointer<Double>
    ) {
        let n = s.count
        let half = w / 2
        let scale = 1 / Double(w)
        func edge(_ i: Int) -> Double {
            var acc = 0.0
            for j in max(0, i - half)..<min(n, i - half + w) { acc += s[j] * s[j] }
            return (acc * scale).squareRoot()
        }
        // Outputs `start ..< end` have their window inside s.
        let start = min(n, half)
        let end = max(start, n - w + half + 1)
        for i in 0..<start { e[i] = edge(i) }
        if end > start {
            ecg_window_rms(s.baseAddress! + (start - half), end - start, w, scale, e.baseAddress! + start)
        }
        for i in end..<n { e[i] = edge(i) }
    }

    /// The largest of zero and the values in each window `[k * length, (k + 1) * length)`
    /// of `e` (the last one possibly shorter), NaN ignored; in C, over vectors of eight.
    static func windowMaxima(_ e: [Double], length: Int) -> [Double] {
        let count = (e.count + length - 1) / length
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            e.withUnsafeBufferPointer { v in
                if count > 0 { ecg_window_maxima(v.baseAddress!, v.count, length, out.baseAddress!) }
            }
            initialized = count
        }
    }

    /// Indices `i` where `x[i]` is the maximum of `x[i - h ... i + h]` (first of ties).
    static func dominantMaxima(_ x: [Double], halfWidth h: Int) -> [Int] {
        let n = x.count
        guard n > 0 else { return [] }
        // Dominant maxima are more than h apart, which bounds their number (one more slot
        // takes the rejected candidate written after the last of them).
        return [Int](unsafeUninitializedCapacity: n / (h + 1) + 2) { out, count in
            x.withUnsafeBufferPointer { v in
                // Window maxima by doubling, when the feature is finite (the usual case).
                count = ecg_dominant_maxima_dense(v.baseAddress!, n, h, out.baseAddress!)
                guard count < 0 else { return }
                // Else only strict local maxima are candidates: a branch-free pass marks them
                // in a bit set, which C walks a word at a time, comparing over vectors.
                let marks = localMaximaMarks(v)
                count = marks.withUnsafeBufferPointer {
                    ecg_dominant_maxima(v.baseAddress!, n, h, $0.baseAddress!, out.baseAddress!)
                }
            }
        }
    }

    /// Bit set of the strict local maxima of `v` (above the sample before, not below the one
    /// after; each end compares with its one neighbour): bit `i % 64` of word `i / 64`.
    static func localMaximaMarks(_ v: UnsafeBufferPointer<Double>) -> [UInt64] {
        let n = v.count
        let words = (n + 63) / 64
        // Words 1 ... (n - 65) / 64 have both neighbours of every sample inside v.
        let interior = 1..<max(1, (n - 65) / 64 + 1)
        var marks = [UInt64](repeating: 0, count: words)
        marks.withUnsafeMutableBufferPointer { m in
            ecg_local_maxima_marks(v.baseAddress!, interior.lowerBound, interior.upperBound, m.baseAddress!)
            for w in 0..<words where !interior.contains(w) {
                let base = w * 64
                var bits: UInt64 = 0
                for i in max(1, base)..<max(1, min(n - 1, base + 64)) {
                    let rises: UInt64 = v[i] <= v[i - 1] ? 0 : 1
                    let falls: UInt64 = v[i] < v[i + 1] ? 0 : 1
                    bits |= (rises & falls) &<< UInt64(i - base)
                }
                m[w] = bits
            }
            if n == 1 || !(v[0] < v[1]) { m[0] |= 1 }
            if n > 1 && !(v[n - 1] <= v[n - 2]) { m[(n - 1) / 64] |= 1 &<< UInt64((n - 1) % 64) }
        }
        return marks
    }

    /// Low-pass (triangular window of 2 * factor - 1 taps) and keep every `factor`-th sample;
    /// output `j` is centred on input sample `j * factor`. `finite` tells whether every
    /// output is finite (checked on the way, saving a pass).
    static func decimate(_ x: [Double], factor k: Int) -> (values: [Double], finite: Bool) {
        x.withUnsafeBufferPointer { decimate($0, factor: k) }
    }

    /// `decimate` of a buffer.
    static func decimate(_ x: UnsafeBufferPointer<Double>, factor k: Int) -> (values: [Double], finite: Bool) {
        guard k > 1 else { return (Array(x), !x.contains(where: { !$0.isFinite })) }
        let n = x.count
        let m = (n + k - 1) / k
        let weights = (1 - k..<k).map { Double(k - abs($0)) / Double(k * k) }
        // Outputs 1 ..< n / k have their whole window inside x.
        let interiorEnd = max(1, n / k)
        var finite = true
        let values = [Double](unsafeUninitializedCapacity: m) { out, count in
            do {
                let v = x
                weights.withUnsafeBufferPointer { w in
                    if interiorEnd > 1 {
                        // In C, eight outputs per vector with the same rounding.
                        finite =
                            ecg_decimate(
                                v.baseAddress! + 1, interiorEnd - 1, k, w.baseAddress!, w.count,
                                out.baseAddress! + 1) != 0
                    }
                    for j in [0] + Array(interiorEnd..<m) where j < m {
                        out[j] = decimatedEdge(v, w, at: j, factor: k)
                        if !out[j].isFinite { finite = false }
                    }
                }
            }
            count = m
        }
        return (values, finite)
    }

    /// Output `j` of `decimate` near an end of `v`: the weighted mean of the taps inside.
    static func decimatedEdge(
        _ v: UnsafeBufferPointer<Double>, _ w: UnsafeBufferPointer<Double>, at j: Int, factor k: Int
    ) -> Double {
        let start = j * k - (k - 1)
        var acc = 0.0
        var wsum = 0.0
        for t in 0..<w.count where start + t >= 0 && start + t < v.count {
            acc += w[t] * v[start + t]
            wsum += w[t]
        }
        return acc / wsum
    }
}
