import CSignalKernels
import Foundation

// Stage 5 of the detector: moving each beat to the R-peak extremum of the full-rate signal.

extension QRSDetector {
    /// Maps each beat (index `b` at the reduced rate) to sample `b * factor` of `x` and moves
    /// it to the largest |x - local baseline| within `halfWidth` samples, the baseline being
    /// the mean of the reduced signal within `baselineHalfWidth` reduced samples. Beats that
    /// end up closer than `refractory` merge (keeping the one with more energy).
    static func refine(
        _ beats: [Int], factor: Int, on x: UnsafeBufferPointer<Double>, reduced: [Double], energy: [Double],
        halfWidth: Int, baselineHalfWidth: Int, refractory: Int
    ) -> [Int] {
        let n = beats.count
        guard n > 0 else { return [] }
        // Local baselines first (the reduced signal is small and in cache).
        let bases = [Double](unsafeUninitializedCapacity: n) { out, count in
            reduced.withUnsafeBufferPointer { r in
                for (k, b) in beats.enumerated() {
                    let lo = max(0, b - baselineHalfWidth)
                    let hi = min(r.count - 1, b + baselineHalfWidth)
                    var sum = 0.0
                    for j in lo...hi { sum += r[j] }
                    out[k] = sum / Double(hi - lo + 1)
                }
            }
            count = n
        }
        // Largest |x - baseline| near each beat. Four beats are swept together so that their
        // cache misses on the full-rate signal overlap; then the first index of each maximum.
        let peaks = [Int](unsafeUninitializedCapacity: n) { out, count in
            do {
                let v = x
                let last = v.count - 1
                func range(_ k: Int) -> (Int, Int) {
                    let centre = min(last, beats[k] * factor)
                    return (max(0, centre - halfWidth), min(last, centre + halfWidth))
                }
                // The windows are far apart in a long signal that is no longer in cache:
                // they are requested three groups of beats ahead of their search.
                func prefetch(_ k: Int) {
                    guard k < n else { return }
                    let (from, to) = range(k)
                    for j in Swift.stride(from: from, through: to, by: 8) { ecg_prefetch(v.baseAddress! + j) }
                    ecg_prefetch(v.baseAddress! + to)
                }
                func firstIndex(_ k: Int, from: Int, to: Int, of m: Double) -> Int {
                    var best = from
                    while best < to && abs(v[best] - bases[k]) < m { best += 1 }
                    return best
                }
                var k = 0
                let width = 2 * halfWidth + 1
                for first in 0..<12 { prefetch(first) }
                while k + 4 <= n {
                    for ahead in (k + 12)..<(k + 16) { prefetch(ahead) }
                    let r0 = range(k)
                    let r1 = range(k + 1)
                    let r2 = range(k + 2)
                    let r3 = range(k + 3)
                    if r0.1 - r0.0 + 1 == width && r3.1 - r3.0 + 1 == width
                        && r1.1 - r1.0 + 1 == width && r2.1 - r2.0 + 1 == width
                    {
                        // One lane per beat.
                        let b = SIMD4(bases[k], bases[k + 1], bases[k + 2], bases[k + 3])
                        let q0 = v.baseAddress! + r0.0
                        let q1 = v.baseAddress! + r1.0
                        let q2 = v.baseAddress! + r2.0
                        let q3 = v.baseAddress! + r3.0
                        var m = SIMD4<Double>()
                        for j in 0..<width {
                            let diff = SIMD4(q0[j], q1[j], q2[j], q3[j]) - b
                            let d = diff.replacing(with: -diff, where: diff .< 0)  // |diff|
                            m.replace(with: d, where: d .> m)
                        }
                        out[k] = firstIndex(k, from: r0.0, to: r0.1, of: m[0])
                        out[k + 1] = firstIndex(k + 1, from: r1.0, to: r1.1, of: m[1])
                        out[k + 2] = firstIndex(k + 2, from: r2.0, to: r2.1, of: m[2])
                        out[k + 3] = firstIndex(k + 3, from: r3.0, to: r3.1, of: m[3])
                        k += 4
                        continue
                    }
                    let (from, to) = range(k)
                    var m = 0.0
                    for j in from...to { m = max(m, abs(v[j] - bases[k])) }
                    out[k] = firstIndex(k, from: from, to: to, of: m)
                    k += 1
                }
                while k < n {
                    let (from, to) = range(k)
                    var m = 0.0
                    for j in from...to { m = max(m, abs(v[j] - bases[k])) }
                    out[k] = firstIndex(k, from: from, to: to, of: m)
                    k += 1
                }
            }
            count = n
        }
        // Beats that end up closer than the refractory period merge.
        var out: [Int] = []
        var source: [Int] = []  // reduced-rate index of each output beat
        out.reserveCapacity(n)
        source.reserveCapacity(n)
        for (k, b) in beats.enumerated() {
            let best = peaks[k]
            if let p = out.last, best - p < refractory {
                if energy[b] > energy[source[source.count - 1]] {
                    out[out.count - 1] = best
                    source[source.count - 1] = b
                }
                continue
            }
            out.append(best)
            source.append(b)
        }
        return out
    }
}
