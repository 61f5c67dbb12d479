/// RR-interval features of one beat, in seconds, as used by inter-patient beat classifiers
/// (de Chazal et al. 2004): the rhythm around a beat relative to the patient's own rhythm.
public struct RRFeatures: Sendable, Equatable {
    /// Interval from the previous R-peak to this one (for the first beat: `next`).
    public var previous: Double
    /// Interval from this R-peak to the next one (for the last beat: `previous`).
    public var next: Double
    /// Mean of the `previous` intervals of the last `localBeats` beats up to and including this one.
    public var localAverage: Double
    /// Mean RR interval of the whole signal.
    public var recordAverage: Double
    /// Median of the intervals around this beat (`aroundBeats` on each side, centred): the
    /// local rhythm, unmoved by an isolated premature beat.
    public var localMedian: Double
    /// Median absolute difference of successive intervals around this beat over their median
    /// interval: near 0 in a regular rhythm, even around an isolated premature beat, and high
    /// in atrial fibrillation, where premature-looking intervals are the rule.
    public var irregularity: Double

    /// `previous / next`: below 1 for premature beats followed by a compensatory pause.
    public var previousToNext: Double { previous / next }
    /// `previous / localAverage`: prematurity against the recent rhythm.
    public var previousToLocal: Double { previous / localAverage }
    /// `previous / recordAverage`: prematurity against the patient's average rhythm.
    public var previousToRecord: Double { previous / recordAverage }
    /// `localAverage / recordAverage`: whether the recent rhythm is faster than usual.
    public var localToRecord: Double { localAverage / recordAverage }
    /// `next / recordAverage`: the pause after a beat against the patient's average rhythm.
    public var nextToRecord: Double { next / recordAverage }
    /// `previous / localMedian`: prematurity against the rhythm around the beat.
    public var previousToLocalMedian: Double { previous / localMedian }

    /// Names of the entries of `vector`, in order.
    public static let names = [
        "previousRR", "nextRR", "localAverageRR", "recordAverageRR",
        "previousToNext", "previousToLocal", "previousToRecord", "localToRecord", "nextToRecord",
        "localMedianRR", "previousToLocalMedian", "localIrregularity",
    ]

    /// The features as one vector, in the order of `names`.
    public var vector: [Double] {
        [
            previous, next, localAverage, recordAverage, previousToNext, previousToLocal, previousToRecord,
            localToRecord,
            nextToRecord, localMedian, previousToLocalMedian, irregularity,
        ]
    }

    /// Features of every beat given its R-peaks (strictly increasing sample numbers at rate `fs`).
    /// - Parameters:
    ///   - localBeats: how many beats the local average spans (at least 1).
    ///   - aroundBeats: intervals taken on each side of a beat for its local median and
    ///     irregularity (at least 1).
    ///   - fallbackRR: the RR interval assumed, in seconds, when fewer than two peaks are given.
    public static func compute(
        peaks: [Int], fs: Double, localBeats: Int = 10, aroundBeats: Int = 8, fallbackRR: Double = 0.8
    ) -> [RRFeatures] {
        precondition(localBeats >= 1 && aroundBeats >= 1, "localBeats and aroundBeats must be at least 1")
        precondition(fs > 0, "fs must be positive")
        guard peaks.count >= 2 else {
            return peaks.map { _ in
                RRFeatures(
                    previous: fallbackRR, next: fallbackRR, localAverage: fallbackRR, recordAverage: fallbackRR,
                    localMedian: fallbackRR, irregularity: 0)
            }
        }
        let intervals = zip(peaks.dropFirst(), peaks).map { Double($0 - $1) / fs }
        let recordAverage = intervals.reduce(0, +) / Double(intervals.count)
        // previous[i] is the interval ending at beat i; beat 0 borrows the interval after it.
        let previous = [intervals[0]] + intervals
        var features: [RRFeatures] = []
        features.reserveCapacity(peaks.count)
        var around: [Double] = []
        var steps: [Double] = []
        for i in peaks.indices {
            let local = previous[max(0, i + 1 - localBeats)...i]
            // The intervals ending at beats i - aroundBeats + 1 ... i + aroundBeats.
            let window = intervals[max(0, i - aroundBeats)..<min(intervals.count, i + aroundBeats)]
            around.removeAll(keepingCapacity: true)
            around.append(contentsOf: window)
            steps.removeAll(keepingCapacity: true)
            for j in window.indices.dropFirst() { steps.append(abs(window[j] - window[j - 1])) }
            let median = BeatTemplate.median(&around)
            features.append(
                RRFeatures(
                    previous: previous[i], next: i < intervals.count ? intervals[i] : intervals[i - 1],
                    localAverage: local.reduce(0, +) / Double(local.count), recordAverage: recordAverage,
                    localMedian: median, irregularity: steps.isEmpty ? 0 : BeatTemplate.median(&steps) / median))
        }
        return features
    }
}
