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
        var energy = [Double](repeating: 0, count: n)
        var slope = [Double](repeating: 0, count: n)
        // Sample i sits at u = (i + 0.5) / windowLength - 0.5 window centres; before the first
        // centre and after the last the coefficients are constant.
        let half = Double(windowLength) / 2
        var start = 0
        for k in -1..<windows {
            let end = k + 1 < windows ? min(n, Int((Double(k + 1) * Double(windowLength) + half).rounded(.up))) : n
            guard start < end else { continue }
            let k0 = max(0, k), k1 = min(windows - 1, k + 1)
            let centre = Double(k0) * Double(windowLength) + half - 0.5
            let da = k0 == k1 ? 0 : (a[k1] - a[k0]) / Double(windowLength)
            let db = k0 == k1 ? 0 : (b[k1] - b[k0]) / Double(windowLength)
            for i in start..<end {
                let t = Double(i) - centre
                let ai = a[k0] + da * t, bi = b[k0] + db * t
                energy[i] = ai * wide.energy[i] + bi * narrow.energy[i]
                slope[i] = ai * wide.slope[i] + bi * narrow.slope[i]
            }
            start = end
        }
        return BandFeature(energy: energy, slope: slope)
    }
}
