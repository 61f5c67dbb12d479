import ECGSignal
import JSON

/// The lead a method works on and its R-peaks: the caller's `peaks`, or detected (then with the
/// lead's signal quality).
struct LeadPeaks {
    /// The chosen lead alone (its samples gone once `takeSamples` has taken them).
    private(set) var recording: Recording
    /// Its index in the signal as given.
    let lead: Int
    let peaks: [Int]
    /// The stretches judged noisy or unreadable, when the peaks were detected.
    var quality: [LeadQuality]? = nil

    /// The chosen lead's name.
    var leadName: String { recording.leadNames[0] }

    /// The samples of the chosen lead, this value's hold on them given up (the other fields
    /// stay): a method hands a day-long lead on without keeping a copy.
    mutating func takeSamples() -> [Double] {
        defer { recording.leads[0] = [] }
        return recording.leads[0]
    }

    /// Decodes `signal`'s lead `lead` (only that lead is read) and finds the R-peaks, `peaks` (the
    /// `params.peaks` the caller gave) or detected, on `work`'s threads; `alongside` is computed
    /// from the decoded lead's samples and rate on another thread while the R-peaks are found
    /// (work that does not need them, such as a classifier's high-pass). The samples go to
    /// `alongside` alone: the lead comes back without them.
    static func locate<T: Sendable>(
        signal: JSONValue?, lead: JSONValue?, peaks: JSONValue?, signals: SignalDecoder, work: WorkPool,
        alongside: @escaping @Sendable (_ samples: [Double], _ fs: Double) throws -> T
    ) async throws -> (located: LeadPeaks, alongside: T) {
        let decoded = try await work.run { try signals.decode(signal, leads: .one(lead)) }
        let (samples, fs) = (decoded.recording.leads[0], decoded.recording.fs)
        async let computed = work.run { try alongside(samples, fs) }
        var located = try await work.run { try locate(decoded, peaks: peaks) }
        _ = located.takeSamples()
        return (located, try await computed)
    }

    /// The R-peaks of `lead` of a decoded recording: `peaks` (`params.peaks`), or detected.
    static func locate(in recording: Recording, lead: Int, peaks: JSONValue?) throws -> LeadPeaks {
        var chosen = recording
        chosen.leads = [recording.leads[lead]]
        chosen.leadNames = [recording.leadNames[lead]]
        chosen.units = [recording.units[lead]]
        return try locate(DecodedSignal(recording: chosen, leadIndices: [lead]), peaks: peaks)
    }

    /// The R-peaks of a decoded signal's one lead, checking for cancellation between steps.
    private static func locate(_ decoded: DecodedSignal, peaks given: JSONValue?) throws -> LeadPeaks {
        let recording = decoded.recording
        try Task.checkCancellation()
        var quality: [LeadQuality]?
        var peaks = try Params.peaks(given, name: "params.peaks", sampleCount: recording.sampleCount)
        if peaks == nil {
            let analysis = QRSDetector().analyze(leads: recording.leads, fs: recording.fs)
            peaks = analysis.peaks
            quality = LeadQuality.reports(analysis.quality, of: decoded)
        }
        try Task.checkCancellation()
        return LeadPeaks(recording: recording, lead: decoded.leadIndices[0], peaks: peaks!, quality: quality)
    }
}
