import Foundation

/// An offline single-lead QRS detector for ambulatory ECG at any sampling rate.
///
/// Stages, all specified in seconds and hertz so the detector behaves the same at every rate:
/// 1. the signal is low-passed and decimated to about `featureRate` (cost independent of
///    the input rate); a zero-phase Butterworth band-pass (QRS band), the derivative and a
///    centred moving RMS give a slope-energy feature without delay;
/// 2. candidate events are the local maxima of the feature that dominate a window of
///    half the refractory period;
/// 3. a level that follows the signal both ways in time (running median of windowed
///    maxima) sets an adaptive threshold; candidates above it become beats, with a
///    refractory period and rejection of P and T waves by slope next to a steeper beat;
///    a second pass raises the threshold above the non-beat peaks where those are high
///    (noise);
/// 4. search-back fills RR gaps longer than `searchBackFactor` times the local RR with the
///    best candidate above a lower threshold, and weak beats that split a regular RR
///    interval are dropped;
/// 5. each beat is moved to the extremum of the full-rate signal (relative to the local
///    mean) near it.
public struct QRSDetector: Sendable {
    /// Detector parameters. The defaults are physiological, not tuned per record.
    public struct Configuration: Sendable, Equatable {
        /// Band-pass edges (Hz) of the QRS band.
        public var bandLow: Double = 4
        public var bandHigh: Double = 18
        /// Butterworth order of the band-pass (applied forward and backward).
        public var bandOrder: Int = 1
        /// Moving-window integration length (s).
        public var integrationWindow: Double = 0.10
        /// Minimum distance between two beats (s).
        public var refractory: Double = 0.25
        /// Beats closer than this to the previous beat must pass the T-wave test (s).
        public var tWaveWindow: Double = 0.34
        /// A close candidate whose peak slope is below this fraction of the previous beat's
        /// slope is taken for a T wave.
        public var tWaveSlopeRatio: Double = 0.5
        /// Length of the windows whose feature maxima define the signal level (s).
        public var levelWindow: Double = 2.0
        /// Number of windows on each side entering the level's running median.
        public var levelNeighbours: Int = 4
        /// First-pass threshold as a fraction of the signal level.
        public var thresholdFraction: Double = 0.25
        /// Second pass: with N the `noiseQuantile` of non-beat candidate maxima and S the
        /// signal level, the threshold is at least N + noiseThresholdFraction * (S - N).
        public var noiseThresholdFraction: Double = 0.1
        public var noiseQuantile: Double = 0.75
        /// Where N exceeds `noisyLevelRatio * S` (noise comparable to the beats), the
        /// fraction is `noisyThresholdFraction` instead.
        public var noisyLevelRatio: Double = 0.45
        public var noisyThresholdFraction: Double = 0.5
        /// Search-back starts when an RR gap exceeds this multiple of the local RR.
        public var searchBackFactor: Double = 1.5
        /// Search-back threshold relative to the normal threshold.
        public var searchBackThreshold: Double = 0.5
        /// Extra-beat pruning: a beat whose neighbours are closer than this multiple of the
        /// local RR and whose feature is below `extraBeatRatio` of theirs is dropped.
        public var extraBeatRR: Double = 1.2
        public var extraBeatRatio: Double = 0.6
        /// Features are computed at `fs / k` with `k = floor(fs / featureRate)` (at least 1),
        /// so the cost does not grow with the input rate.
        public var featureRate: Double = 90
        /// Half-width of the window whose mean is the local baseline in refinement (s).
        public var baselineWindow: Double = 0.2
        /// Half-width of the R-peak refinement window (s).
        public var refinementWindow: Double = 0.075

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Detects QRS complexes; returns sorted R-peak sample indices of `signal`.
    public func detect(_ signal: [Double], fs inputRate: Double) -> [Int] {
        let c = configuration
        guard inputRate > 0, signal.count >= max(8, Int(inputRate * 0.5)) else { return [] }
        // Features and decisions run at a reduced rate; refinement uses the full signal.
        // Non-finite samples (WFDB "no data") are bridged only when there are any.
        let factor = max(1, Int(inputRate / c.featureRate))
        var clean = signal
        let decimated = QRSDetector.decimate(signal, factor: factor)
        var reduced = decimated.values
        if !decimated.finite {
            clean = QRSDetector.fillGaps(signal)
            reduced = QRSDetector.decimate(clean, factor: factor).values
        }
        let fs = inputRate / Double(factor)
        let high = min(c.bandHigh, 0.45 * fs)
        guard let band = try? Butterworth.design(
            .bandpass(low: min(c.bandLow, high / 2), high: high), order: c.bandOrder, fs: fs)
        else { return [] }
        let (padded, pad) = band.filtfiltPadded(reduced)
        let (energy, slope) = padded.withUnsafeBufferPointer {
            QRSDetector.energyFeature(
                UnsafeBufferPointer(rebasing: $0[pad..<(pad + reduced.count)]), fs: fs,
                window: c.integrationWindow)
        }

        let halfRefractory = max(1, Int(c.refractory * fs / 2))
        let candidates = QRSDetector.dominantMaxima(energy, halfWidth: halfRefractory)
        guard !candidates.isEmpty else { return [] }
        let level = QRSDetector.signalLevel(
            energy, fs: fs, window: c.levelWindow, neighbours: c.levelNeighbours)

        let first = level.values.map { c.thresholdFraction * $0 }
        var beats = selectBeats(
            candidates: candidates, energy: energy, slope: slope,
            thresholds: (first, level.length), fs: fs)
        // Second pass: where candidates that are not beats (noise, P and T waves) are high,
        // the threshold rises above them.
        let noise = QRSDetector.noiseLevel(
            candidates: candidates, beats: beats, energy: energy, windowLength: level.length,
            windows: level.values.count, neighbours: c.levelNeighbours, quantile: c.noiseQuantile)
        var raised = false
        let second = zip(level.values, noise).map { s, nz -> Double in
            let f = nz > c.noisyLevelRatio * s ? c.noisyThresholdFraction : c.noiseThresholdFraction
            let t = max(c.thresholdFraction * s, nz + f * (s - nz))
            if t > c.thresholdFraction * s { raised = true }
            return t
        }
        if raised {
            beats = selectBeats(
                candidates: candidates, energy: energy, slope: slope,
                thresholds: (second, level.length), fs: fs)
        }
        return QRSDetector.refine(
            beats, factor: factor, on: clean, reduced: reduced, energy: energy,
            halfWidth: Int(c.refinementWindow * inputRate),
            baselineHalfWidth: max(1, Int(c.baselineWindow * fs)),
            refractory: Int(c.refractory * inputRate))
    }

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

    /// Per-window signal level: the running median (over `neighbours` windows each side) of
    /// the feature's maximum in consecutive windows of `window` seconds. Returns one value
    /// per window; sample `i` uses entry `i / windowLength`.
    static func signalLevel(_ e: [Double], fs: Double, window: Double, neighbours: Int)
        -> (values: [Double], length: Int)
    {
        let len = max(1, Int(window * fs))
        let count = (e.count + len - 1) / len
        var maxima = [Double](repeating: 0, count: count)
        e.withUnsafeBufferPointer { v in
            for k in 0..<count {
                var m = 0.0
                for i in (k * len)..<min(e.count, (k + 1) * len) where v[i] > m { m = v[i] }
                maxima[k] = m
            }
        }
        var level = [Double](repeating: 0, count: count)
        var buf: [Double] = []
        for k in 0..<count {
            buf.removeAll(keepingCapacity: true)
            for j in max(0, k - neighbours)...min(count - 1, k + neighbours) { buf.append(maxima[j]) }
            buf.sort()
            level[k] = buf[buf.count / 2]
        }
        return (level, len)
    }

    /// Per-window noise level: a quantile of the feature at candidate maxima that are not
    /// beats, over the same windows as `signalLevel` (zero where there are none).
    static func noiseLevel(
        candidates: [Int], beats: [Int], energy: [Double], windowLength: Int, windows: Int,
        neighbours: Int, quantile: Double
    ) -> [Double] {
        // Non-beat candidate values grouped by window (candidates are sorted, so window k's
        // values are values[starts[k] ..< starts[k + 1]]).
        var values: [Double] = []
        values.reserveCapacity(candidates.count)
        var starts = [Int](repeating: 0, count: windows + 1)
        var b = 0
        for i in candidates {
            while b < beats.count && beats[b] < i { b += 1 }
            if b < beats.count && beats[b] == i { continue }
            starts[min(windows - 1, i / windowLength) + 1] += 1
            values.append(energy[i])
        }
        for k in 0..<windows { starts[k + 1] += starts[k] }
        // A sorted buffer of the values of windows k - neighbours ... k + neighbours slides
        // along (one window in, one out).
        var buf: [Double] = []
        func lowerBound(_ v: Double) -> Int {
            var lo = 0, hi = buf.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if buf[mid] < v { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        func add(_ w: Int) { for v in values[starts[w]..<starts[w + 1]] { buf.insert(v, at: lowerBound(v)) } }
        func drop(_ w: Int) { for v in values[starts[w]..<starts[w + 1]] { buf.remove(at: lowerBound(v)) } }
        for j in 0...min(windows - 1, neighbours) { add(j) }
        var out = [Double](repeating: 0, count: windows)
        for k in 0..<windows {
            if k > 0 {
                if k + neighbours < windows { add(k + neighbours) }
                if k - 1 - neighbours >= 0 { drop(k - 1 - neighbours) }
            }
            guard !buf.isEmpty else { continue }
            out[k] = buf[min(buf.count - 1, Int(quantile * Double(buf.count)))]
        }
        return out
    }

    /// Threshold decisions, T-wave rejection and search-back.
    func selectBeats(
        candidates: [Int], energy: [Double], slope: [Double],
        thresholds: (values: [Double], length: Int), fs: Double
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
        return pruneExtraBeats(beats, energy: energy)
    }

    /// Removes weak beats that split an otherwise regular RR interval: beat `k` goes when
    /// its neighbours are closer together than `extraBeatRR` times the local RR and its
    /// feature is below `extraBeatRatio` times the weaker neighbour's.
    func pruneExtraBeats(_ beats: [Int], energy: [Double]) -> [Int] {
        let c = configuration
        guard beats.count > 4 else { return beats }
        var kept: [Int] = [beats[0]]
        kept.reserveCapacity(beats.count)
        for k in 1..<(beats.count - 1) {
            let prev = kept[kept.count - 1], next = beats[k + 1]
            let span = Double(next - prev)
            let weak = energy[beats[k]] < c.extraBeatRatio * min(energy[prev], energy[next])
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

    /// Maps each beat (index `b` at the reduced rate) to sample `b * factor` of `x` and moves
    /// it to the largest |x - local baseline| within `halfWidth` samples, the baseline being
    /// the mean of the reduced signal within `baselineHalfWidth` reduced samples. Beats that
    /// end up closer than `refractory` merge (keeping the one with more energy).
    static func refine(
        _ beats: [Int], factor: Int, on x: [Double], reduced: [Double], energy: [Double],
        halfWidth: Int, baselineHalfWidth: Int, refractory: Int
    ) -> [Int] {
        let n = beats.count
        guard n > 0 else { return [] }
        // Local baselines first (the reduced signal is small and in cache).
        let bases = [Double](unsafeUninitializedCapacity: n) { out, count in
            reduced.withUnsafeBufferPointer { r in
                for (k, b) in beats.enumerated() {
                    let lo = max(0, b - baselineHalfWidth), hi = min(r.count - 1, b + baselineHalfWidth)
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
            x.withUnsafeBufferPointer { v in
                let last = v.count - 1
                func range(_ k: Int) -> (Int, Int) {
                    let centre = min(last, beats[k] * factor)
                    return (max(0, centre - halfWidth), min(last, centre + halfWidth))
                }
                func firstIndex(_ k: Int, from: Int, to: Int, of m: Double) -> Int {
                    var best = from
                    while best < to && abs(v[best] - bases[k]) < m { best += 1 }
                    return best
                }
                var k = 0
                let width = 2 * halfWidth + 1
                while k + 4 <= n {
                    let r0 = range(k), r1 = range(k + 1), r2 = range(k + 2), r3 = range(k + 3)
                    if r0.1 - r0.0 + 1 == width && r3.1 - r3.0 + 1 == width
                        && r1.1 - r1.0 + 1 == width && r2.1 - r2.0 + 1 == width
                    {
                        let b0 = bases[k], b1 = bases[k + 1], b2 = bases[k + 2], b3 = bases[k + 3]
                        var m0 = 0.0, m1 = 0.0, m2 = 0.0, m3 = 0.0
                        for j in 0..<width {
                            m0 = max(m0, abs(v[r0.0 + j] - b0))
                            m1 = max(m1, abs(v[r1.0 + j] - b1))
                            m2 = max(m2, abs(v[r2.0 + j] - b2))
                            m3 = max(m3, abs(v[r3.0 + j] - b3))
                        }
                        out[k] = firstIndex(k, from: r0.0, to: r0.1, of: m0)
                        out[k + 1] = firstIndex(k + 1, from: r1.0, to: r1.1, of: m1)
                        out[k + 2] = firstIndex(k + 2, from: r2.0, to: r2.1, of: m2)
                        out[k + 3] = firstIndex(k + 3, from: r3.0, to: r3.1, of: m3)
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
