import Foundation

// Stages 3 and 4 of the detector: threshold decisions, T-wave rejection, search-back and
// pruning of extra beats.

extension QRSDetector {
    /// Threshold decisions, T-wave rejection and search-back over `candidates`; returns the
    /// beats' sample indices. Works on candidate numbers (beats are candidates, sorted), so
    /// energies and peak slopes come from the candidates' compact arrays.
    func selectBeats(
        _ candidates: Candidates, thresholds: (values: [Double], length: Int), fs: Double,
        noiseWeight: (Int) -> Double
    ) -> [Int] {
        let c = configuration
        let refractory = Int(c.refractory * fs)
        let tWindow = Int(c.tWaveWindow * fs)
        let at = candidates.positions
        let energy = candidates.energy
        let slope = candidates.peakSlope
        let limits = QRSDetector.windowValues(thresholds.values, length: thresholds.length, at: at)
        func threshold(_ a: Int) -> Double { limits[a] }
        /// Whether candidate `a` can follow beat `prev` (refractory and T-wave tests).
        func canFollow(_ a: Int, _ prev: Int?) -> Bool {
            guard let p = prev else { return true }
            if at[a] - at[p] < refractory { return false }
            if at[a] - at[p] < tWindow && slope[a] < c.tWaveSlopeRatio * slope[p] { return false }
            return true
        }

        var beats: [Int] = []
        beats.reserveCapacity(at.count)
        for a in at.indices where energy[a] > threshold(a) {
            if let p = beats.last, at[a] - at[p] < refractory {
                if energy[a] > energy[p] { beats[beats.count - 1] = a }
                continue
            }
            if canFollow(a, beats.last) { beats.append(a) }
        }

        // P waves and T waves close before or after a much steeper beat are not beats.
        beats = rejectWeakNeighbours(beats, candidates, window: tWindow)

        // Search-back: fill gaps much longer than the local RR. A gap's outcome depends only
        // on the beats within five places of it, so later rounds revisit only the gaps near
        // a beat inserted in the round before.
        var dirty = [Bool](repeating: true, count: beats.count)
        var changed = true
        var rounds = 0
        while changed && rounds < 4 {
            changed = false
            rounds += 1
            let times = beats.map { at[$0] }
            var out: [Int] = []
            out.reserveCapacity(beats.count + 16)
            var inserted: [Int] = []
            for (k, b) in beats.enumerated() {
                if k > 0 && dirty[k] {
                    let p = beats[k - 1]
                    let gap = Double(at[b] - at[p])
                    // The local RR (a median) is at least the smallest RR it is taken from.
                    if gap > c.searchBackFactor * minimumLocalRR(times, at: k)
                        && gap > c.searchBackFactor * localRR(times, at: k)
                    {
                        // The candidates between two beats are those numbered between them.
                        var best: Int?
                        for a in (p + 1)..<b
                        where at[b] - at[a] >= refractory && canFollow(a, p)
                            && energy[a] > c.searchBackThreshold * threshold(a)
                            && (best == nil || energy[a] > energy[best!])
                        {
                            best = a
                        }
                        if let a = best {
                            inserted.append(out.count)
                            out.append(a)
                            changed = true
                        }
                    }
                }
                out.append(b)
            }
            beats = out
            dirty = [Bool](repeating: false, count: beats.count)
            for i in inserted {
                for j in max(0, i - 5)...min(beats.count - 1, i + 5) { dirty[j] = true }
            }
        }
        return pruneExtraBeats(beats, candidates, noiseWeight: noiseWeight)
    }

    /// Removes weak beats (candidate numbers) that split an otherwise regular RR interval:
    /// beat `k` goes when its neighbours are closer together than `extraBeatRR` times the
    /// local RR and its feature is below `extraBeatRatio` times the weaker neighbour's (a
    /// ratio that moves towards `noisyExtraBeatRatio` with the window's `noiseWeight`).
    /// Returns sample indices.
    func pruneExtraBeats(_ beats: [Int], _ candidates: Candidates, noiseWeight: (Int) -> Double) -> [Int] {
        let c = configuration
        let times = beats.map { candidates.positions[$0] }
        guard beats.count > 4 else { return times }
        let energy = candidates.energy
        var kept: [Int] = [beats[0]]
        kept.reserveCapacity(beats.count)
        for k in 1..<(beats.count - 1) {
            let prev = kept[kept.count - 1]
            let next = beats[k + 1]
            let span = Double(times[k + 1] - candidates.positions[prev])
            let w = noiseWeight(times[k])
            let ratio = c.extraBeatRatio + w * (c.noisyExtraBeatRatio - c.extraBeatRatio)
            let weak = energy[beats[k]] < ratio * min(energy[prev], energy[next])
            if weak && span < c.extraBeatRR * localRR(times, at: k) { continue }
            kept.append(beats[k])
        }
        kept.append(beats[beats.count - 1])
        return kept.map { candidates.positions[$0] }
    }

    /// Drops beats (candidate numbers) whose peak slope is below `tWaveSlopeRatio` times that
    /// of a neighbouring beat closer than `window` samples (on either side), judged on the
    /// input set.
    func rejectWeakNeighbours(_ beats: [Int], _ candidates: Candidates, window: Int) -> [Int] {
        let at = candidates.positions
        let slopes = candidates.peakSlope
        let r = configuration.tWaveSlopeRatio
        var kept: [Int] = []
        kept.reserveCapacity(beats.count)
        for (k, b) in beats.enumerated() {
            let weakAfter =
                k > 0 && at[b] - at[beats[k - 1]] < window
                && slopes[b] < r * slopes[beats[k - 1]]
            let weakBefore =
                k + 1 < beats.count && at[beats[k + 1]] - at[b] < window
                && slopes[b] < r * slopes[beats[k + 1]]
            if !(weakAfter || weakBefore) { kept.append(b) }
        }
        return kept
    }

    /// Smallest of the RR intervals `localRR` takes its median from (infinity if none).
    func minimumLocalRR(_ beats: [Int], at k: Int) -> Double {
        let lo = max(1, k - 4)
        let hi = min(beats.count - 1, k + 4)
        guard lo <= hi else { return Double.infinity }
        var m = Int.max
        for j in lo...hi where j != k { m = min(m, beats[j] - beats[j - 1]) }
        return m == Int.max ? Double.infinity : Double(m)
    }

    /// `values[min(values.count - 1, i / length)]` for each of the sorted indices `at`, by a
    /// walk along the windows (no division per index).
    static func windowValues(_ values: [Double], length: Int, at: [Int]) -> [Double] {
        [Double](unsafeUninitializedCapacity: at.count) { out, count in
            var w = 0
            var end = length  // window w covers [end - length, end)
            for (k, i) in at.enumerated() {
                while i >= end && w < values.count - 1 {
                    w += 1
                    end += length
                }
                out[k] = values[w]
            }
            count = at.count
        }
    }

    /// The fifth smallest of eight values (the upper median), by Batcher's odd-even merge
    /// sorting network (19 compare-exchanges without branches).
    static func sortedFifth(of v: (Int, Int, Int, Int, Int, Int, Int, Int)) -> Int {
        var (a0, a1, a2, a3, a4, a5, a6, a7) = v
        @inline(__always) func order(_ x: inout Int, _ y: inout Int) {
            let lo = min(x, y)
            let hi = max(x, y)
            x = lo
            y = hi
        }
        order(&a0, &a1)
        order(&a2, &a3)
        order(&a4, &a5)
        order(&a6, &a7)
        order(&a0, &a2)
        order(&a1, &a3)
        order(&a4, &a6)
        order(&a5, &a7)
        order(&a1, &a2)
        order(&a5, &a6)
        order(&a0, &a4)
        order(&a1, &a5)
        order(&a2, &a6)
        order(&a3, &a7)
        order(&a2, &a4)
        order(&a3, &a5)
        order(&a1, &a2)
        order(&a3, &a4)
        order(&a5, &a6)
        _ = (a0, a1, a2, a3, a5, a6, a7)
        return a4
    }

    /// Median of up to eight RR intervals around beat index `k` (samples).
    func localRR(_ beats: [Int], at k: Int) -> Double {
        let lo = max(1, k - 4)
        let hi = min(beats.count - 1, k + 4)
        guard lo <= hi else { return Double.infinity }
        if hi - lo == 8 {
            // All eight intervals (the usual case): a branch-free sorting network.
            var v = (0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &v) { raw in
                let rr = raw.bindMemory(to: Int.self)
                for j in 0..<4 { rr[j] = beats[k - 4 + j] - beats[k - 5 + j] }
                for j in 0..<4 { rr[4 + j] = beats[k + 1 + j] - beats[k + j] }
            }
            return Double(QRSDetector.sortedFifth(of: v))
        }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 9) { rr in
            var count = 0
            for j in lo...hi where j != k {
                // Insertion into the sorted prefix.
                let v = beats[j] - beats[j - 1]
                var at = count
                while at > 0 && rr[at - 1] > v {
                    rr[at] = rr[at - 1]
                    at -= 1
                }
                rr[at] = v
                count += 1
            }
            return count == 0 ? Double.infinity : Double(rr[count / 2])
        }
    }
}

/// Candidate maxima of a feature, sorted, with the feature and the peak slope at each (the
/// largest |derivative| within `slopeHalfWidth` samples), so that decisions read compact
/// arrays instead of the whole feature.
struct Candidates {
    var positions: [Int]
    var energy: [Double]
    var peakSlope: [Double]

    init(_ positions: [Int], of feature: BandFeature, slopeHalfWidth h: Int) {
        self.positions = positions
        let n = positions.count
        energy = [Double](unsafeUninitializedCapacity: n) { out, count in
            feature.energy.withUnsafeBufferPointer { e in
                for (k, i) in positions.enumerated() { out[k] = e[i] }
            }
            count = n
        }
        peakSlope = [Double](unsafeUninitializedCapacity: n) { out, count in
            feature.slope.withUnsafeBufferPointer { s in
                for (k, i) in positions.enumerated() {
                    var m = 0.0
                    for j in max(0, i - h)...min(s.count - 1, i + h) where s[j] > m { m = s[j] }
                    out[k] = m
                }
            }
            count = n
        }
    }
}
