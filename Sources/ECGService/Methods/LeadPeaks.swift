import ECGSignal

/// The lead a method works on and its R-peaks: the caller's `peaks`, or detected.
struct LeadPeaks {
    let recording: Recording
    let lead: Int
    let peaks: [Int]

    /// The samples of the chosen lead.
    var signal: [Double] { recording.leads[lead] }

    /// Decodes `signal`, picks `lead` and finds the R-peaks, checking for cancellation between steps.
    static func locate(_ fields: Fields, signals: SignalDecoder) throws -> LeadPeaks {
        let recording = try signals.decode(fields.members["signal"])
        return try locate(fields, in: recording, lead: try LeadSelector.index(fields.members["lead"], in: recording))
    }

    /// The R-peaks of `lead` of a decoded recording: `params.peaks`, or detected.
    static func locate(_ fields: Fields, in recording: Recording, lead: Int) throws -> LeadPeaks {
        try Task.checkCancellation()
        let peaks = try fields.peaks("peaks", sampleCount: recording.sampleCount)
            ?? QRSDetector().detect(recording.leads[lead], fs: recording.fs)
        try Task.checkCancellation()
        return LeadPeaks(recording: recording, lead: lead, peaks: peaks)
    }
}
