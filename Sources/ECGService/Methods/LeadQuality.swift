import ECGSignal

/// The stretches of one lead the detector judged noisy or unreadable, as methods report them
/// (`quality` of `detectPeaks` and `classify`; protocol/README.md, "Signal quality").
struct LeadQuality: Encodable, Sendable {
    struct Interval: Encodable, Sendable {
        /// Samples `start ..< end`, and the same in seconds.
        var start: Int
        var end: Int
        var startTime: Double
        var endTime: Double
        /// `noisy` or `unreadable`.
        var level: String
    }

    var lead: Int
    var leadName: String
    var noisySeconds: Double
    var unreadableSeconds: Double
    var intervals: [Interval]

    /// One report per analysed lead of `signal`.
    static func reports(_ quality: [SignalQuality], of signal: DecodedSignal) -> [LeadQuality] {
        let fs = signal.recording.fs
        return zip(quality, signal.leadIndices).enumerated().map { position, pair in
            let (lead, index) = pair
            return LeadQuality(
                lead: index, leadName: signal.recording.leadNames[position],
                noisySeconds: Double(lead.samples(.noisy)) / fs,
                unreadableSeconds: Double(lead.samples(.unreadable)) / fs,
                intervals: lead.intervals.map {
                    Interval(
                        start: $0.start, end: $0.end, startTime: Double($0.start) / fs, endTime: Double($0.end) / fs,
                        level: $0.level.rawValue)
                })
        }
    }
}
