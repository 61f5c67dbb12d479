import Foundation

/// Baseline-wander removal and the band-pass used before QRS detection.
public enum Baseline {
    /// Removes baseline wander with a zero-phase second-order Butterworth high-pass
    /// (`cutoff` in hertz, 0.5 Hz by default, below the slowest heart rates' fundamental).
    /// Signals too short to filter are returned with their mean removed.
    public static func remove(_ x: [Double], fs: Double, cutoff: Double = 0.5) -> [Double] {
        guard x.count > 12, cutoff < fs / 2,
            let hp = try? Butterworth.design(.highpass(cutoff: cutoff), order: 2, fs: fs)
        else {
            let mean = x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count)
            return x.map { $0 - mean }
        }
        return hp.filtfilt(x)
    }
}
