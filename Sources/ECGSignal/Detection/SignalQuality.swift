import Foundation

/// The stretches of one lead that the QRS detector judged noisy or unreadable.
///
/// The measure is the detector's own, taken per level window (`levelWindow`, 2 s): the noise
/// ratio N / S of its first pass on the QRS band, N being the `noiseQuantile` (75 %) of the
/// slope-energy peaks that are not beats and S the signal level (running median of the
/// windows' largest peaks), both over the window and `levelNeighbours` (4) windows on each
/// side. A window is
/// - `unreadable` when N / S reaches `qualityUnreadableRatio` (noise peaks as high as a good
///   share of the beats: beats there cannot be told from noise), when half of its samples are
///   missing, or when its largest peak is below `qualityFlatFraction` of the median S of the
///   recording around it (no signal: a lead off or a flat line);
/// - `noisy` when N / S reaches `qualityNoisyRatio` (where the detector switches to its noise
///   band) or some samples are missing.
/// Consecutive windows of one level make one interval.
public struct SignalQuality: Sendable, Equatable {
    /// How bad a stretch is; `unreadable` is worse than `noisy`.
    public enum Level: String, Sendable, Equatable, Codable, Comparable {
        case noisy, unreadable

        public static func < (a: Level, b: Level) -> Bool { a == .noisy && b == .unreadable }
    }

    /// Samples `start ..< end` of the lead, judged `level`.
    public struct Interval: Sendable, Equatable {
        public var start: Int
        public var end: Int
        public var level: Level

        /// Samples `start ..< end` judged `level`.
        public init(start: Int, end: Int, level: Level) {
            self.start = start
            self.end = end
            self.level = level
        }
    }

    /// In time order, not overlapping.
    public var intervals: [Interval]

    /// A judgement of these intervals.
    public init(intervals: [Interval]) { self.intervals = intervals }

    /// Samples in intervals of `level`.
    public func samples(_ level: Level) -> Int {
        intervals.filter { $0.level == level }.reduce(0) { $0 + $1.end - $1.start }
    }
}

/// What the first pass saw of one level window of one lead.
struct WindowStatistics: Sendable, Equatable {
    /// N / S; infinity where there is no signal level.
    var noiseRatio: Double
    /// Fraction of the window's samples that are missing (not finite).
    var missing: Double
    /// The window's largest feature peak relative to the span's median signal level (0 where
    /// there is none).
    var peakRatio: Double

    /// A window with no signal at all.
    static let absent = WindowStatistics(noiseRatio: .infinity, missing: 1, peakRatio: 0)
}

extension QRSDetector {
    /// The median (upper of two) of `values`, 0 when empty.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        var sorted = values
        sorted.sort()
        return sorted[sorted.count / 2]
    }

    /// Whether a window has no signal: half of it missing, or a flat line (see `SignalQuality`).
    func hasNoSignal(_ w: WindowStatistics) -> Bool {
        w.missing >= 0.5 || w.peakRatio < configuration.qualityFlatFraction
    }

    /// The quality level of a window, nil when it reads well (see `SignalQuality`).
    func qualityLevel(_ w: WindowStatistics) -> SignalQuality.Level? {
        let c = configuration
        if hasNoSignal(w) || w.noiseRatio >= c.qualityUnreadableRatio {
            return .unreadable
        }
        if w.noiseRatio >= c.qualityNoisyRatio || w.missing > 0 { return .noisy }
        return nil
    }

    /// Intervals of windows of `length` samples (the last one ending at `count`).
    func quality(_ windows: [WindowStatistics], length: Int, count: Int) -> SignalQuality {
        var intervals: [SignalQuality.Interval] = []
        for (k, w) in windows.enumerated() {
            guard let level = qualityLevel(w) else { continue }
            let start = k * length
            let end = min(count, (k + 1) * length)
            guard start < end else { continue }
            if let last = intervals.last, last.end == start, last.level == level {
                intervals[intervals.count - 1].end = end
            } else {
                intervals.append(.init(start: start, end: end, level: level))
            }
        }
        return SignalQuality(intervals: intervals)
    }

    /// Per window of `length` samples of `signal`: the first pass's noise ratio, the missing
    /// fraction and the peak ratio. `maxima` are the feature's window maxima, `noise` and
    /// `level` the first pass's per-window levels (empty: no first pass, no signal).
    static func windowStatistics(
        _ signal: UnsafeBufferPointer<Double>, length: Int, finite: Bool, maxima: [Double], noise: [Double],
        level: [Double]
    ) -> [WindowStatistics] {
        let count = (signal.count + length - 1) / length
        let typical = median(level)
        return (0..<count).map { k in
            var missing = 0.0
            if !finite {
                let lo = k * length
                let hi = min(signal.count, lo + length)
                var bad = 0
                for i in lo..<hi where !signal[i].isFinite { bad += 1 }
                missing = Double(bad) / Double(hi - lo)
            }
            guard k < level.count, level[k] > 0 else {
                return WindowStatistics(noiseRatio: .infinity, missing: missing, peakRatio: 0)
            }
            return WindowStatistics(noiseRatio: noise[k] / level[k], missing: missing, peakRatio: maxima[k] / typical)
        }
    }
}
