/// Beats cut the way Kachuee, Fazeli and Sarrafzadeh (2018) prepared their MIT-BIH and PTB
/// heartbeat CSVs (the "Kachuee format": 187 values in [0, 1] at 125 Hz), with R-peaks given
/// by the caller instead of their threshold rule:
/// 1. resample to 125 Hz and split into 10 s windows;
/// 2. scale each window to [0, 1] by its minimum and maximum;
/// 3. take the median RR interval T of the window's beats (of the whole signal when the
///    window has fewer than two);
/// 4. cut each beat from its R-peak over 1.2 T (not past the window's end, at most 187
///    samples) and pad with zeros to 187 samples.
public struct KachueeSegmenter: Sendable, Equatable {
    /// Rate of the beats in hertz.
    public var targetFS: Double
    /// Samples per beat after padding.
    public var length: Int
    /// Length of the normalization windows in seconds.
    public var windowSeconds: Double
    /// Beat length as a multiple of the median RR interval.
    public var periodFactor: Double

    /// The Kachuee format by default: 187 samples at 125 Hz, 10 s windows, 1.2 median RR.
    public init(targetFS: Double = 125, length: Int = 187, windowSeconds: Double = 10, periodFactor: Double = 1.2) {
        precondition(targetFS > 0 && length > 0 && windowSeconds > 0 && periodFactor > 0)
        self.targetFS = targetFS
        self.length = length
        self.windowSeconds = windowSeconds
        self.periodFactor = periodFactor
    }

    /// Cuts one beat per R-peak of `signal` (sampled at `fs`, peaks in its sample numbering).
    /// Peaks outside the signal are reported in `skipped`; every kept beat shorter than
    /// `length` is reported in `padded`.
    public func segment(_ signal: [Double], fs: Double, peaks: [Int]) throws -> SegmentedBeats {
        try segment(resampled: resampled(signal, fs: fs), fs: fs, peaks: peaks)
    }

    /// `signal` (sampled at `fs`) at `targetFS`, as `segment(_:fs:peaks:)` cuts beats from it:
    /// step 1, which does not depend on the R-peaks.
    public func resampled(_ signal: consuming [Double], fs: Double) throws -> [Double] {
        targetFS == fs ? signal : try Resampler(from: fs, to: targetFS).apply(signal)
    }

    /// `segment(_:fs:peaks:)` of a signal whose `resampled(_:fs:)` is `samples` (R-peaks still
    /// in the numbering of the signal at `fs`).
    public func segment(resampled samples: [Double], fs: Double, peaks: [Int]) throws -> SegmentedBeats {
        let positions = targetFS == fs ? peaks : try peaks.map(Resampler(from: fs, to: targetFS).mapIndex)
        var result = SegmentedBeats(fs: targetFS, windows: [], beatIndices: [], peaks: [], skipped: [], padded: [])
        let n = samples.count
        let windowLength = max(1, Int((windowSeconds * targetFS).rounded()))
        let recordPeriod = Self.medianInterval(positions.filter { $0 >= 0 && $0 < n }.sorted())

        // The beats inside the signal by position: each window's beats are the next run of them.
        let inside = positions.indices.filter { positions[$0] >= 0 && positions[$0] < n }
            .sorted { (positions[$0], $0) < (positions[$1], $1) }
        var next = 0
        var windowStart = 0
        while windowStart < n {
            let windowEnd = min(n, windowStart + windowLength)
            let first = next
            while next < inside.count && positions[inside[next]] < windowEnd { next += 1 }
            let members = inside[first..<next]
            if !members.isEmpty {
                let window = samples[windowStart..<windowEnd]
                let low = window.min() ?? 0
                let range = (window.max() ?? 0) - low
                let period =
                    Self.medianInterval(members.map { positions[$0] }.sorted()) ?? recordPeriod ?? Double(length)
                let span = min(length, max(1, Int((periodFactor * period).rounded())))
                for index in members {
                    let start = positions[index]
                    let end = min(windowEnd, start + span)
                    var beat = [Double](repeating: 0, count: length)
                    for t in start..<end { beat[t - start] = range > 0 ? (samples[t] - low) / range : 0 }
                    if end - start < length { result.padded.append(index) }
                    result.windows.append(beat)
                    result.beatIndices.append(index)
                    result.peaks.append(peaks[index])
                }
            }
            windowStart = windowEnd
        }
        result.skipped = positions.indices.filter { positions[$0] < 0 || positions[$0] >= n }
        // Windows are visited in time order; put the beats back in the order they were given.
        let order = result.beatIndices.indices.sorted { result.beatIndices[$0] < result.beatIndices[$1] }
        result.windows = order.map { result.windows[$0] }
        result.beatIndices = order.map { result.beatIndices[$0] }
        result.peaks = order.map { result.peaks[$0] }
        result.padded.sort()
        return result
    }

    /// Median distance between consecutive sorted positions, nil for fewer than two.
    private static func medianInterval(_ sorted: [Int]) -> Double? {
        guard sorted.count >= 2 else { return nil }
        let intervals = zip(sorted.dropFirst(), sorted).map { Double($0 - $1) }.sorted()
        let middle = intervals.count / 2
        return intervals.count % 2 == 1 ? intervals[middle] : (intervals[middle - 1] + intervals[middle]) / 2
    }
}
