import CSignalKernels
import Foundation

// Noise adaptation: where the noise level of a window rivals its beats, the feature of a
// narrower band takes over from the wide QRS band's (as far as it reads better there), each
// normalised by its own signal level, and the beats of those stretches are chosen again on the
// blend.

extension QRSDetector {
    /// Replaces the `beats` (chosen on the first lead's wide band) of every noisy stretch of
    /// the first lead by those chosen on the blend of the wide band and the noisy band there;
    /// with several leads, on the leads' blends together, each weighted per window by
    /// 1 / max(N / S, `fusionRatioFloor`)^`fusionPower` (the lead that reads best counts most, leads that
    /// read alike average their noise away). The blend is computed over the stretch with
    /// `levelNeighbours + 1` windows of context on each side, so that its levels and noise
    /// estimates have neighbours; only beats inside the stretch's core are taken.
    func adaptToNoise(_ beats: [Int], leads: [LeadFeatures], fs: Double) -> [Int] {
        let c = configuration
        let first = leads[0]
        let n = first.reduced.count
        let length = first.first.windowLength
        var out: [Int] = []
        out.reserveCapacity(beats.count + 16)
        var next = 0
        for stretch in QRSDetector.noisyStretches(first.weights, context: c.levelNeighbours + 1) {
            let span = (stretch.context.lowerBound * length)..<min(n, stretch.context.upperBound * length)
            let core = (stretch.core.lowerBound * length)..<min(n, stretch.core.upperBound * length)
            var fused: BandFeature?
            var total: [Double] = []
            for lead in leads {
                guard let blended = noiseBlend(lead, span: span, windows: stretch.context, fs: fs) else { continue }
                let weights = stretch.context.map { k -> Double in
                    let ratio = lead.first.level[k] > 0 ? lead.first.noise[k] / lead.first.level[k] : .infinity
                    return 1 / pow(max(ratio, c.fusionRatioFloor), c.fusionPower)
                }
                guard let sofar = fused else {
                    fused = blended
                    total = weights
                    continue
                }
                // The running weighted mean: the new lead's share of the weight so far.
                let share = zip(total, weights).map { $1 / ($0 + $1) }
                fused = QRSDetector.blend(
                    sofar, level: Array(repeating: 1, count: share.count), blended,
                    level: Array(repeating: 1, count: share.count), weights: share, windowLength: length)
                total = zip(total, weights).map(+)
            }
            guard let fused,
                let decision = firstPass(fused, fs: fs, noiseWeights: Array(first.weights[stretch.context]))
            else { continue }
            while next < beats.count && beats[next] < core.lowerBound {
                out.append(beats[next])
                next += 1
            }
            while next < beats.count && beats[next] < core.upperBound { next += 1 }
            out += secondPass(decision, fs: fs).lazy.map { $0 + span.lowerBound }.filter { core.contains($0) }
        }
        out += beats[next...]
        return out
    }

    /// One lead's blend of its wide band and its noisy band over `span` (reduced samples),
    /// each normalised by its own level, the noisy band weighted by the lead's noise weights
    /// of `windows` times its share (`narrowReadsBetter`, `narrowReadsWorse`); nil when the
    /// noisy band cannot be designed.
    func noiseBlend(_ lead: LeadFeatures, span: Range<Int>, windows: Range<Int>, fs: Double) -> BandFeature? {
        let c = configuration
        guard let narrow = bandFeature(Array(lead.reduced[span]), fs: fs, low: c.noisyBandLow, high: c.noisyBandHigh),
            let reading = firstPass(narrow, fs: fs)
        else { return nil }
        // How much better the narrow band reads over the stretch: the median, over the
        // windows where the lead is noisy, of the ratio of the bands' noise ratios.
        let q = zip(windows, reading.level.indices).compactMap { k, j -> Double? in
            guard lead.weights[k] > 0, lead.first.level[k] > 0, reading.level[j] > 0, lead.first.noise[k] > 0
            else { return nil }
            return (reading.noise[j] / reading.level[j]) / (lead.first.noise[k] / lead.first.level[k])
        }.sorted()
        let ramp = max(1e-9, c.narrowReadsWorse - c.narrowReadsBetter)
        let share = q.isEmpty ? 1 : min(1, max(0, (c.narrowReadsWorse - q[q.count / 2]) / ramp))
        let weights = lead.weights[windows].map { $0 * share }
        return QRSDetector.blend(
            BandFeature(energy: Array(lead.wide.energy[span]), slope: Array(lead.wide.slope[span])),
            level: Array(lead.first.level[windows]), narrow, level: reading.level,
            weights: weights, windowLength: lead.first.windowLength)
    }

    /// Runs of windows where the noisy band has weight, each widened by one window on each
    /// side (the blend's interpolation reaches into the neighbours) into `core`, and by
    /// `context` more windows into `context`; stretches whose contexts overlap merge.
    static func noisyStretches(_ weights: [Double], context: Int) -> [NoisyStretch] {
        var stretches: [NoisyStretch] = []
        var k = 0
        while k < weights.count {
            guard weights[k] > 0 else {
                k += 1
                continue
            }
            var end = k + 1
            while end < weights.count && weights[end] > 0 { end += 1 }
            let core = max(0, k - 1)..<min(weights.count, end + 1)
            let wider = max(0, core.lowerBound - context)..<min(weights.count, core.upperBound + context)
            if let last = stretches.last, last.context.upperBound >= wider.lowerBound {
                stretches[stretches.count - 1] = NoisyStretch(
                    core: last.core.lowerBound..<core.upperBound, context: last.context.lowerBound..<wider.upperBound)
            } else {
                stretches.append(NoisyStretch(core: core, context: wider))
            }
            k = end
        }
        return stretches
    }

    /// Per-window weight of the noisy band: 0 while the wide band's noise ratio N / S stays
    /// below `noisyBandStart`, 1 from `noisyBandFull` on, linear in between; 0 where the
    /// signal level is at its floor (no signal, not noise).
    func noiseBandWeights(_ decision: Decision) -> [Double] {
        let c = configuration
        let span = max(1e-9, c.noisyBandFull - c.noisyBandStart)
        return zip(decision.level, decision.noise).map { s, n in
            guard s > 0, s > decision.levelFloor else { return 0 }
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
            let k0 = max(0, k)
            let k1 = min(windows - 1, k + 1)
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

/// Level windows whose beats are chosen again on the noise blend (`core`), inside the windows
/// the blend is computed over (`context`).
struct NoisyStretch: Equatable {
    var core: Range<Int>
    var context: Range<Int>
}
