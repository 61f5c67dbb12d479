import Foundation

// Stage 1 and 2 of the detector: decimation, the slope-energy feature and its candidate maxima.

extension QRSDetector {
    /// Replaces non-finite samples (WFDB's "no data") by the last finite value.
    static func fillGaps(_ x: [Double]) -> [Double] {
        guard x.contains(where: { !$0.isFinite }) else { return x }
        var out = x
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
        let half = w / 2
        let slope = [Double](unsafeUninitializedCapacity: n) { s, count in
            let k = fs / 2
            for i in 1..<(n - 1) { s[i] = abs(x[i + 1] - x[i - 1]) * k }
            s[0] = s[1]; s[n - 1] = s[n - 2]
            count = n
        }
        // Running sum of slope^2 over the centred window [i - half, i - half + w).
        let energy = [Double](unsafeUninitializedCapacity: n) { e, count in
            slope.withUnsafeBufferPointer { s in
                let scale = 1 / Double(w)
                var acc = 0.0
                for j in 0..<min(n, w - half - 1) { acc += s[j] * s[j] }
                for i in 0..<n {
                    let add = i - half + w - 1, drop = i - half - 1
                    if add < n { acc += s[add] * s[add] }
                    if drop >= 0 { acc -= s[drop] * s[drop] }
                    e[i] = (max(0, acc) * scale).squareRoot()
                }
            }
            count = n
        }
        return (energy, slope)
    }

    /// Indices `i` where `x[i]` is the maximum of `x[i - h ... i + h]` (first of ties).
    static func dominantMaxima(_ x: [Double], halfWidth h: Int) -> [Int] {
        let n = x.count
        var out: [Int] = []
        out.reserveCapacity(n / max(1, h))
        guard n > 0 else { return out }
        x.withUnsafeBufferPointer { v in
            // Only strict local maxima are candidates: a branch-free pass marks them in a
            // bit set, which is then walked a word at a time.
            let words = (n + 63) / 64
            var marks = [UInt64](repeating: 0, count: words)
            marks.withUnsafeMutableBufferPointer { m in
                for w in 0..<words {
                    var bits: UInt64 = 0
                    let base = w * 64
                    for i in max(1, base)..<max(1, min(n - 1, base + 64)) {
                        let rises: UInt64 = v[i] <= v[i - 1] ? 0 : 1
                        let falls: UInt64 = v[i] < v[i + 1] ? 0 : 1
                        bits |= (rises & falls) &<< UInt64(i - base)
                    }
                    m[w] = bits
                }
                // The ends compare with their one neighbour only.
                if n == 1 || !(v[0] < v[1]) { m[0] |= 1 }
                if n > 1 && !(v[n - 1] <= v[n - 2]) { m[(n - 1) / 64] |= 1 &<< UInt64((n - 1) % 64) }
            }
            var i = 0
            while i < n {
                // Next marked index at or after i.
                var w = i / 64
                var bits = marks[w] & (~0 &<< UInt64(i % 64))
                while bits == 0 {
                    w += 1
                    if w == words { return }
                    bits = marks[w]
                }
                i = w * 64 + bits.trailingZeroBitCount
                let lo = max(0, i - h), hi = min(n - 1, i + h)
                var isMax = true
                var j = lo
                while j <= hi {
                    if v[j] > v[i] || (v[j] == v[i] && j < i) { isMax = false; break }
                    j += 1
                }
                if isMax { out.append(i); i += h } else { i += 1 }
            }
        }
        return out
    }


    /// Low-pass (triangular window of 2 * factor - 1 taps) and keep every `factor`-th sample;
    /// output `j` is centred on input sample `j * factor`. `finite` tells whether every
    /// output is finite (checked on the way, saving a pass).
    static func decimate(_ x: [Double], factor k: Int) -> (values: [Double], finite: Bool) {
        guard k > 1 else { return (x, !x.contains(where: { !$0.isFinite })) }
        let n = x.count
        let m = (n + k - 1) / k
        let taps = 2 * k - 1
        let weights = (1 - k..<k).map { Double(k - abs($0)) / Double(k * k) }
        var finite = true
        let values = [Double](unsafeUninitializedCapacity: m) { out, count in
            x.withUnsafeBufferPointer { v in
                weights.withUnsafeBufferPointer { w in
                    for j in 0..<m {
                        let start = j * k - (k - 1)
                        if start >= 0 && start + taps <= n {
                            // Four independent accumulators keep the FMA pipeline busy.
                            var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
                            var t = 0
                            while t + 4 <= taps {
                                a0 += w[t] * v[start + t]
                                a1 += w[t + 1] * v[start + t + 1]
                                a2 += w[t + 2] * v[start + t + 2]
                                a3 += w[t + 3] * v[start + t + 3]
                                t += 4
                            }
                            while t < taps { a0 += w[t] * v[start + t]; t += 1 }
                            let y = (a0 + a1) + (a2 + a3)
                            out[j] = y
                            if !y.isFinite { finite = false }
                        } else {
                            var acc = 0.0, wsum = 0.0
                            for t in 0..<taps where start + t >= 0 && start + t < n {
                                acc += w[t] * v[start + t]; wsum += w[t]
                            }
                            out[j] = acc / wsum
                            if !out[j].isFinite { finite = false }
                        }
                    }
                }
            }
            count = m
        }
        return (values, finite)
    }
}
