import Foundation

/// A clean ECG made of Gaussian P, Q, R, S and T waves, in millivolts, for tests that need a
/// realistic trace with R-peaks at known samples.
struct SyntheticECG {
    let fs: Double
    let samples: [Double]
    /// Sample of each R-peak.
    let peaks: [Int]

    /// `seconds` of beats every `rr` seconds, the first R-peak at `firstPeak` seconds.
    init(fs: Double, seconds: Double, rr: Double = 0.8, firstPeak: Double = 0.5, amplitude: Double = 1) {
        self.fs = fs
        let count = Int(seconds * fs)
        var samples = [Double](repeating: 0, count: count)
        var peaks: [Int] = []
        // (offset from the R-peak s, width s, amplitude mV)
        let waves: [(Double, Double, Double)] = [
            (-0.17, 0.025, 0.12), (-0.03, 0.008, -0.12), (0, 0.010, 1.0), (0.03, 0.009, -0.25), (0.26, 0.045, 0.3),
        ]
        var peak = firstPeak
        while peak < seconds {
            peaks.append(Int((peak * fs).rounded()))
            let first = max(0, Int((peak - 0.4) * fs))
            let last = min(count - 1, Int((peak + 0.5) * fs))
            if first <= last {
                for i in first...last {
                    let t = Double(i) / fs - peak
                    for (offset, width, height) in waves {
                        let z = (t - offset) / width
                        samples[i] += amplitude * height * exp(-0.5 * z * z)
                    }
                }
            }
            peak += rr
        }
        self.samples = samples
        self.peaks = peaks
    }
}
