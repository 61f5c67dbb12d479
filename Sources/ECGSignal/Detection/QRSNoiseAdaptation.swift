import CSignalKernels
import Foundation

// Noise adaptation: where the noise level of a window rivals its beats, the feature of a
// narrower band takes over from the wide QRS band's, each normalised by its own signal level.

extension QRSDetector {
    /// Per-window weight of the noisy band: 0 while the wide band's noise ratio N / S stays
    /// below `noisyBandStart`, 1 from `noisyBandFull` on, linear in between.
    func noiseBandWeights(_ decision: Decision) -> [Double] {
        let c = configuration
        let span = max(1e-9, c.noisyBandFull - c.noisyBandStart)
        return zip(decision.level, decision.noise).map { s, n in
            guard s > 0 else { return 0 }
            return min(1, max(0, (n / s - c.noisyBandStart) / span))
        }
    }

    /// `a * wide + b * narrow` sample by sample (energy and slope alike), with per-window
    /// coefficients `a = (1 - w) / S_wide` and `b = w / S_narrow` interpolated linearly
    /// between window centres, so that the blend has no steps at window edges.
    static func blend(
        _ wide: BandFeature, level wideLevel: [Double], _ narrow: BandFeature,
        level narrowLevel: [Double], weights: [Double], windowLength: Int
    ) -> BandFeature {
        let n = wide.energy.count
        let windows = weights.count
        let a = (0..<windows).map { (1 - weights[$0]) / max(wideLevel[$0], .leastNormalMagnitude) }
        let b = (0..<windows).map { weights[$0] / max(narrowLevel[$0], .leastNormalMagnitude) }
        var energy = [Double](unsafeUninitializedCapacity: n) { _, count in count = n }
        var slope = [Double](unsafeUninitializedCapacity: n) { _, count in count = n }
        // Sample i sits at u = (i + 0.5) / windowLength - 0.5 window centres; before the first
        // centre and after the last the coefficients are constant.
        let half = Double(windowLength) / 2
        var start = 0
        for k in -1..<windows {
            let end = k + 1 < windows ? min(n, Int((Double(k + 1) * Double(windowLength) + half).rounded(.up))) : n
            guard start < end else { continue }
            let k0 = max(0, k), k1 = min(windows - 1, k + 1)
            let line = BlendSegment(
                centre: Double(k0) * Double(windowLength) + half - 0.5, a: a[k0], b: b[k0],
                da: k0 == k1 ? 0 : (a[k1] - a[k0]) / Double(windowLength),
                db: k0 == k1 ? 0 : (b[k1] - b[k0]) / Double(windowLength))
            line.apply(start..<end, wide.energy, narrow.energy, into: &energy)
            line.apply(start..<end, wide.slope, narrow.slope, into: &slope)
            start = end
        }
        return BandFeature(energy: energy, slope: slope)
    }
}

/// Blend coefficients over one span between window centres: `a + da * t` and `b + db * t`
/// at `t = i - centre`.
struct BlendSegment {
    var centre, a, b, da, db: Double

    /// `out[i] = (a + da * t) * x[i] + (b + db * t) * y[i]` for `i` in `range` (in C, eight
    /// per vector with the same rounding).
    func apply(_ range: Range<Int>, _ x: [Double], _ y: [Double], into out: inout [Double]) {
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                out.withUnsafeMutableBufferPointer { out in
                    ecg_blend(
                        x.baseAddress!, y.baseAddress!, out.baseAddress!, range.lowerBound,
                        range.upperBound, centre, a, b, da, db)
                }
            }
        }
    }
}
