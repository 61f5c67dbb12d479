/// What to do with a beat whose window reaches past the start or end of the signal.
public enum BeatEdgePolicy: String, Sendable, CaseIterable {
    /// Leave the beat out (reported in `SegmentedBeats.skipped`).
    case skip
    /// Fill the missing part with the signal's first or last sample (reported in `padded`).
    case padEdge
    /// Fill the missing part with zeros (reported in `padded`).
    case padZero
}

/// Per-beat amplitude normalization applied to each window after cutting.
/// Raw values are the model cards' spellings (`input.normalization`).
public enum BeatNormalization: String, Sendable, CaseIterable {
    /// Samples as they are (physical units).
    case none
    /// Scaled to [0, 1] by the window's minimum and maximum (a flat window becomes all 0).
    case minMax = "minmax"
    /// Zero mean and unit standard deviation (a flat window becomes all 0).
    case zScore = "zscore"

    /// `window` normalised this way.
    public func apply(_ window: [Double]) -> [Double] {
        guard self != .none, !window.isEmpty else { return window }
        // Plain loops over the buffer (a classifier normalises every beat of a recording), summing
        // in order as `reduce` does.
        return window.withUnsafeBufferPointer { x in
            let (offset, scale) = self == .minMax ? Self.minMax(x) : Self.zScore(x)
            return Self.scaled(x, offset: offset, scale: scale)
        }
    }

    /// (x - offset) / scale for each sample, all 0 when scale is not positive.
    private static func scaled(_ x: UnsafeBufferPointer<Double>, offset: Double, scale: Double) -> [Double] {
        [Double](unsafeUninitializedCapacity: x.count) { out, initialized in
            if scale > 0 {
                for i in x.indices { out[i] = (x[i] - offset) / scale }
            } else {
                for i in x.indices { out[i] = 0 }
            }
            initialized = x.count
        }
    }

    /// Each of `windows` normalised this way, as `apply` normalises it; the z-score's sums
    /// computed four windows at a time (`WindowSums`), with identical results.
    public func apply(all windows: [[Double]]) -> [[Double]] {
        guard self == .zScore else { return windows.map(apply) }
        let means = zip(WindowSums.sums(windows) { v, _ in v }, windows).map { $0 / Double($1.count) }
        let squares = WindowSums.sums(windows) { v, k in (v - means[k]) * (v - means[k]) }
        return windows.indices.map { k in
            let deviation = (squares[k] / Double(windows[k].count)).squareRoot()
            return windows[k].withUnsafeBufferPointer { Self.scaled($0, offset: means[k], scale: deviation) }
        }
    }

    /// The minimum and the range (maximum minus minimum) of a non-empty window.
    private static func minMax(_ x: UnsafeBufferPointer<Double>) -> (Double, Double) {
        var (low, high) = (x[0], x[0])
        for v in x.dropFirst() {
            if v < low { low = v }
            if high < v { high = v }
        }
        return (low, high - low)
    }

    /// The mean and the (population) standard deviation of a non-empty window.
    private static func zScore(_ x: UnsafeBufferPointer<Double>) -> (Double, Double) {
        var sum = 0.0
        for v in x { sum += v }
        let mean = sum / Double(x.count)
        var squares = 0.0
        for v in x { squares += (v - mean) * (v - mean) }
        return (mean, (squares / Double(x.count)).squareRoot())
    }
}

/// Fixed-length windows cut around R-peaks, with the beats they belong to.
public struct SegmentedBeats: Sendable, Equatable {
    /// Sampling rate of the windows.
    public var fs: Double
    /// One window per kept beat, `before + after` samples, the R-peak at index `before`.
    public var windows: [[Double]]
    /// For each window, the index of its beat in the peaks given to `segment`.
    public var beatIndices: [Int]
    /// For each window, its R-peak in the input signal's sample numbering.
    public var peaks: [Int]
    /// Indices (into the given peaks) of beats left out because their window left the signal.
    public var skipped: [Int]
    /// Indices (into the given peaks) of kept beats whose window was padded.
    public var padded: [Int]
}

/// Cuts a window of `before` samples before and `after` samples from each R-peak on (the peak
/// included in `after`), optionally after resampling the signal to `targetFS` without aliasing.
public struct BeatSegmenter: Sendable, Equatable {
    /// Samples before the R-peak, at the output rate.
    public var before: Int
    /// Samples from the R-peak on, at the output rate (the peak itself is the first of them).
    public var after: Int
    /// Rate of the windows in hertz; nil keeps the signal's rate.
    public var targetFS: Double?
    /// How beats near the signal's edges are handled.
    public var edges: BeatEdgePolicy
    /// Per-window normalization.
    public var normalization: BeatNormalization

    /// A segmenter cutting `before` + `after` samples around each peak.
    public init(
        before: Int, after: Int, targetFS: Double? = nil, edges: BeatEdgePolicy = .skip,
        normalization: BeatNormalization = .none
    ) {
        precondition(before >= 0 && after >= 1, "a window needs at least the R-peak sample")
        self.before = before
        self.after = after
        self.targetFS = targetFS
        self.edges = edges
        self.normalization = normalization
    }

    /// Window length in samples.
    public var length: Int { before + after }

    /// Cuts one window per peak of `signal` (sampled at `fs`); peaks are sample indices of
    /// `signal`. Peaks outside the signal are treated like beats at its edge.
    public func segment(_ signal: [Double], fs: Double, peaks: [Int]) throws -> SegmentedBeats {
        var samples = signal
        var positions = peaks
        var rate = fs
        if let targetFS, targetFS != fs {
            let resampler = try Resampler(from: fs, to: targetFS)
            samples = resampler.apply(signal)
            positions = peaks.map(resampler.mapIndex)
            rate = targetFS
        }
        var result = SegmentedBeats(fs: rate, windows: [], beatIndices: [], peaks: [], skipped: [], padded: [])
        let n = samples.count
        for (index, peak) in positions.enumerated() {
            let start = peak - before
            let end = peak + after
            let inside = start >= 0 && end <= n
            if !inside {
                if edges == .skip || n == 0 {
                    result.skipped.append(index)
                    continue
                }
                result.padded.append(index)
            }
            let window: [Double]
            if inside {
                window = Array(samples[start..<end])
            } else {
                var padded = [Double](repeating: 0, count: length)
                for k in 0..<length {
                    let t = start + k
                    if t >= 0 && t < n {
                        padded[k] = samples[t]
                    } else if edges == .padEdge {
                        padded[k] = t < 0 ? samples[0] : samples[n - 1]
                    }
                }
                window = padded
            }
            result.windows.append(normalization.apply(window))
            result.beatIndices.append(index)
            result.peaks.append(peaks[index])
        }
        return result
    }
}
