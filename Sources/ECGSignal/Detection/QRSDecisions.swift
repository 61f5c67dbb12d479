import Foundation

// Stages 3 and 4 of the detector: threshold decisions, T-wave rejection, search-back and
// pruning of extra beats.

extension QRSDetector {
    /// Threshold decisions, T-wave rejection and search-back.
    func selectBeats(
        candidates: [Int], energy: [Double], slope: [Double],
        thresholds: (values: [Double], length: Int), fs: Double,
        noiseWeight: (Int) -> Double
    ) -> [Int] {
        let c = configuration
        let refractory = Int(c.refractory * fs)
        let tWindow = Int(c.tWaveWindow * fs)
        let slopeHalf = max(1, Int(0.04 * fs))
        func threshold(_ i: Int) -> Double {
            thresholds.values[min(thresholds.values.count - 1, i / thresholds.length)]
        }
        func peakSlope(_ i: Int) -> Double {
            var m = 0.0
            for j in max(0, i - slopeHalf)...min(slope.count - 1, i + slopeHalf) where slope[j] > m {
                m = slope[j]
            }
            return m
        }
        /// Whether candidate `i` can follow beat `prev` (refractory and T-wave tests).
        func canFollow(_ i: Int, _ prev: Int?) -> Bool {
            guard let p = prev else { return true }
            if i - p < refractory { return false }
            if i - p < tWindow && peakSlope(i) < c.tWaveSlopeRatio * peakSlope(p) { return false }
            return true
        }

        var beats: [Int] = []
        beats.reserveCapacity(candidates.count)
        for i in candidates where energy[i] > threshold(i) {
            if let p = beats.last, i - p < refractory {
                if energy[i] > energy[p] { beats[beats.count - 1] = i }
                continue
            }
            if canFollow(i, beats.last) { beats.append(i) }
        }

        // P waves and T waves close before or after a much steeper beat are not beats.
        beats = rejectWeakNeighbours(beats, peakSlope: peakSlope, window: tWindow)

        // Search-back: fill gaps much longer than the local RR. A gap's outcome depends only
        // on the beats within five places of it, so later rounds revisit only the gaps near
        // a beat inserted in the round before.
        var dirty = [Bool](repeating: true, count: beats.count)
        var changed = true
        var rounds = 0
        while changed && rounds < 4 {
            changed = false
            rounds += 1
            var out: [Int] = []
            out.reserveCapacity(beats.count + 16)
            var inserted: [Int] = []
            var ci = 0
            for (k, b) in beats.enumerated() {
                if k > 0 && dirty[k] {
                    let p = beats[k - 1]
                    let gap = Double(b - p)
                    // The local RR (a median) is at least the smallest RR it is taken from.
                    if gap > c.searchBackFactor * minimumLocalRR(beats, at: k)
                        && gap > c.searchBackFactor * localRR(beats, at: k)
                    {
                        while ci < candidates.count && candidates[ci] <= p { ci += 1 }
                        var best: Int?
                        var cj = ci
                        while cj < candidates.count && candidates[cj] < b {
                            let i = candidates[cj]
                            if b - i >= refractory && canFollow(i, p)
                                && energy[i] > c.searchBackThreshold * threshold(i)
                                && (best == nil || energy[i] > energy[best!])
                            {
                                best = i
                            }
                            cj += 1
                        }
                        if let i = best { inserted.append(out.count); out.append(i); changed = true }
                    }
                }
                out.append(b)
            }
            beats = out
            dirty = [Bool](repeating: false, count: beats.count)
            for at in inserted {
                for j in max(0, at - 5)...min(beats.count - 1, at + 5) { dirty[j] = true }
            }
        }
        return pruneExtraBeats(beats, energy: energy, noiseWeight: noiseWeight)
    }

    /// Removes weak beats that split an otherwise regular RR interval: beat `k` goes when
    /// its neighbours are closer together than `extraBeatRR` times the local RR and its
    /// feature is below `extraBeatRatio` times the weaker neighbour's (a ratio that moves
    /// towards `noisyExtraBeatRatio` with the window's `noiseWeight`).
    func pruneExtraBeats(_ beats: [Int], energy: [Double], noiseWeight: (Int) -> Double) -> [Int] {
        let c = configuration
        guard beats.count > 4 else { return beats }
        var kept: [Int] = [beats[0]]
        kept.reserveCapacity(beats.count)
        for k in 1..<(beats.count - 1) {
            let prev = kept[kept.count - 1], next = beats[k + 1]
            let span = Double(next - prev)
            let w = noiseWeight(beats[k])
            let ratio = c.extraBeatRatio + w * (c.noisyExtraBeatRatio - c.extraBeatRatio)
            let weak = energy[beats[k]] < ratio * min(energy[prev], energy[next])
            if weak && span < c.extraBeatRR * localRR(beats, at: k) { continue }
            kept.append(beats[k])
        }
        kept.append(beats[beats.count - 1])
        return kept
    }

    /// Drops beats whose peak slope is below `tWaveSlopeRatio` times that of a neighbouring
    /// beat closer than `window` samples (on either side), judged on the input set.
    func rejectWeakNeighbours(_ beats: [Int], peakSlope: (Int) -> Double, window: Int) -> [Int] {
        let slopes = beats.map(peakSlope)
        let r = configuration.tWaveSlopeRatio
        var kept: [Int] = []
        kept.reserveCapacity(beats.count)
        for k in beats.indices {
            let weakAfter = k > 0 && beats[k] - beats[k - 1] < window && slopes[k] < r * slopes[k - 1]
            let weakBefore = k + 1 < beats.count && beats[k + 1] - beats[k] < window
                && slopes[k] < r * slopes[k + 1]
            if !(weakAfter || weakBefore) { kept.append(beats[k]) }
        }
        return kept
    }

    /// Smallest of the RR intervals `localRR` takes its median from (infinity if none).
    func minimumLocalRR(_ beats: [Int], at k: Int) -> Double {
        let lo = max(1, k - 4), hi = min(beats.count - 1, k + 4)
        guard lo <= hi else { return Double.infinity }
        var m = Int.max
        for j in lo...hi where j != k { m = min(m, beats[j] - beats[j - 1]) }
        return m == Int.max ? Double.infinity : Double(m)
    }

    /// Median of up to eight RR intervals around beat index `k` (samples).
    func localRR(_ beats: [Int], at k: Int) -> Double {
        let lo = max(1, k - 4), hi = min(beats.count - 1, k + 4)
        guard lo <= hi else { return Double.infinity }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 9) { rr in
            var count = 0
            for j in lo...hi where j != k {
                // Insertion into the sorted prefix.
                let v = beats[j] - beats[j - 1]
                var at = count
                while at > 0 && rr[at - 1] > v { rr[at] = rr[at - 1]; at -= 1 }
                rr[at] = v
                count += 1
            }
            return count == 0 ? Double.infinity : Double(rr[count / 2])
        }
    }
}
