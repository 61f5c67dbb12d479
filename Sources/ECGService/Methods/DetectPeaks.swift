import ECGSignal
import JSONRPC

/// `detectPeaks`: R-peaks of one lead of a recording, or of several leads together, with RR
/// intervals, heart rate and the stretches of each lead judged noisy or unreadable.
struct DetectPeaks {
    struct Result: Encodable, Sendable {
        var fs: Double
        /// The first lead detected on (the one whose beats count unless it is noisy).
        var lead: Int
        var leadName: String
        /// Every lead detected on, in the order asked for.
        var leads: [Int]
        var leadNames: [String]
        var sampleCount: Int
        var durationSeconds: Double
        var peaks: [Int]
        var times: [Double]
        var rr: [Double]
        /// 60 / RR of each interval, beats per minute.
        var instantaneousHeartRate: [Double]
        var heartRate: HeartRateSummary
        var quality: [LeadQuality]
        /// What the reader had to work around (for example a file shorter than its header says).
        var warnings: [String]
    }

    let signals: SignalDecoder

    func callAsFunction(_ params: JSONValue?, _ context: RequestContext) async throws -> JSONValue {
        let fields = try Params.object(params, known: ["signal", "lead", "leads"])
        let request = try LeadRequest.several(lead: fields.members["lead"], leads: fields.members["leads"])
        let decoded = try signals.decode(fields.members["signal"], leads: request)
        let recording = decoded.recording
        try Task.checkCancellation()
        let analysis = QRSDetector().analyze(leads: recording.leads, fs: recording.fs)
        let timing = BeatTiming(peaks: analysis.peaks, fs: recording.fs)
        return try JSONValueEncoder().encode(
            Result(
                fs: recording.fs, lead: decoded.leadIndices[0], leadName: recording.leadNames[0],
                leads: decoded.leadIndices, leadNames: recording.leadNames, sampleCount: recording.sampleCount,
                durationSeconds: Double(recording.sampleCount) / recording.fs,
                peaks: timing.peaks, times: timing.times, rr: timing.rr,
                instantaneousHeartRate: timing.instantaneousHeartRate, heartRate: HeartRateSummary(timing),
                quality: LeadQuality.reports(analysis.quality, of: decoded),
                warnings: recording.warnings))
    }
}
