import Foundation

/// Per-beat timing derived from R-peaks: times, RR intervals and heart rate.
public struct BeatTiming: Sendable, Equatable, Codable {
    /// R-peak sample indices, sorted.
    public var peaks: [Int]
    /// R-peak times in seconds (`peak / fs`).
    public var times: [Double]
    /// RR intervals in seconds, one fewer than the peaks.
    public var rr: [Double]
    /// Instantaneous heart rate of each RR interval, in beats per minute.
    public var instantaneousHeartRate: [Double]
    /// Mean heart rate (60 / mean RR), nil with fewer than two beats.
    public var meanHeartRate: Double?
    /// Lowest instantaneous heart rate, nil with fewer than two beats.
    public var minHeartRate: Double?
    /// Highest instantaneous heart rate, nil with fewer than two beats.
    public var maxHeartRate: Double?

    /// Computes the timing of `peaks` sampled at `fs` hertz.
    public init(peaks: [Int], fs: Double) {
        let sorted = peaks.sorted()
        self.peaks = sorted
        times = sorted.map { Double($0) / fs }
        rr = zip(times.dropFirst(), times).map { $0 - $1 }
        instantaneousHeartRate = rr.map { 60 / $0 }
        if rr.isEmpty {
            meanHeartRate = nil
            minHeartRate = nil
            maxHeartRate = nil
        } else {
            meanHeartRate = 60 / (rr.reduce(0, +) / Double(rr.count))
            minHeartRate = instantaneousHeartRate.min()
            maxHeartRate = instantaneousHeartRate.max()
        }
    }
}
