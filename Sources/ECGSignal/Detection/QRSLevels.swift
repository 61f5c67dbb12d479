import Foundation

// Stage 3 of the detector: signal and noise levels that set the adaptive thresholds.

extension QRSDetector {
    /// Per-window signal level: the running median (over `neighbours` windows each side) of
    /// the feature's maximum in consecutive windows of `window` seconds, and at least
    /// `floorFraction` of the median over all windows (a flat line, a lead off, has no level
    /// of its own: the floor keeps its numerical dust below every threshold). Returns one
    /// value per window; sample `i` uses entry `i / windowLength`.
    static func signalLevel(_ e: [Double], fs: Double, window: Double, neighbours: Int, floorFraction: Double)
        -> (values: [Double], length: Int, floor: Double)
    {
        let len = max(1, Int(window * fs))
        let maxima = windowMaxima(e, length: len)
        let level = maxima.withUnsafeBufferPointer { runningMedian($0, neighbours: neighbours) }
        let floor = floorFraction * median(level)
        return (floor > 0 ? level.map { max($0, floor) } : level, len, floor)
    }

    /// `out[k]` = the median (upper of two) of `x[k - neighbours ... k + neighbours]` clipped to
    /// `x`, from a sorted buffer that slides along (one value in, one out). `x` has no NaN.
    static func runningMedian(_ x: UnsafeBufferPointer<Double>, neighbours: Int) -> [Double] {
        let n = x.count
        guard n > 0 else { return [] }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * neighbours + 2) { scratch in
            let buf = scratch.baseAddress!
            var size = 0
            /// Inserts `v` after the values not above it.
            func add(_ v: Double) {
                var at = size
                while at > 0 && buf[at - 1] > v {
                    buf[at] = buf[at - 1]
                    at -= 1
                }
                buf[at] = v
                size += 1
            }
            /// Removes one value equal to `v`.
            func drop(_ v: Double) {
                var at = 0
                while buf[at] != v { at += 1 }
                while at + 1 < size {
                    buf[at] = buf[at + 1]
                    at += 1
                }
                size -= 1
            }
            for j in 0..<min(n, neighbours + 1) { add(x[j]) }
            return [Double](unsafeUninitializedCapacity: n) { out, count in
                for k in 0..<n {
                    if k > 0 {
                        if k + neighbours < n { add(x[k + neighbours]) }
                        if k - 1 - neighbours >= 0 { drop(x[k - 1 - neighbours]) }
                    }
                    out[k] = buf[size / 2]
                }
                count = n
            }
        }
    }

    /// Per-window noise level: a quantile of the feature at candidate maxima that are not
    /// beats, over the same windows as `signalLevel` (zero where there are none).
    static func noiseLevel(
        candidates: Candidates, beats: [Int], windowLength: Int, windows: Int,
        neighbours: Int, quantile: Double
    ) -> [Double] {
        // Non-beat candidate values grouped by window (candidates are sorted, so window k's
        // values are values[starts[k] ..< starts[k + 1]]).
        var values: [Double] = []
        values.reserveCapacity(candidates.positions.count)
        var starts = [Int](repeating: 0, count: windows + 1)
        var b = 0
        for (k, i) in candidates.positions.enumerated() {
            while b < beats.count && beats[b] < i { b += 1 }
            if b < beats.count && beats[b] == i { continue }
            starts[min(windows - 1, i / windowLength) + 1] += 1
            values.append(candidates.energy[k])
        }
        for k in 0..<windows { starts[k + 1] += starts[k] }
        // A sorted buffer of the values of windows k - neighbours ... k + neighbours slides
        // along (one window in, one out).
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, values.count)) { scratch in
            let buf = scratch.baseAddress!
            var size = 0
            func lowerBound(_ v: Double) -> Int {
                var lo = 0
                var hi = size
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if buf[mid] < v { lo = mid + 1 } else { hi = mid }
                }
                return lo
            }
            func add(_ w: Int) {
                for v in values[starts[w]..<starts[w + 1]] {
                    let at = lowerBound(v)
                    (buf + at + 1).update(from: buf + at, count: size - at)
                    buf[at] = v
                    size += 1
                }
            }
            func drop(_ w: Int) {
                for v in values[starts[w]..<starts[w + 1]] {
                    let at = lowerBound(v)
                    (buf + at).update(from: buf + at + 1, count: size - at - 1)
                    size -= 1
                }
            }
            for j in 0...min(windows - 1, neighbours) { add(j) }
            var out = [Double](repeating: 0, count: windows)
            for k in 0..<windows {
                if k > 0 {
                    if k + neighbours < windows { add(k + neighbours) }
                    if k - 1 - neighbours >= 0 { drop(k - 1 - neighbours) }
                }
                guard size > 0 else { continue }
                out[k] = buf[min(size - 1, Int(quantile * Double(size)))]
            }
            return out
        }
    }
}
