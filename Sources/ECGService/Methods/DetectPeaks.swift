import ECGSignal
import JSONRPC

/// `detectPeaks`: R-peaks of one lead of a recording, with RR intervals and heart rate.
struct DetectPeaks {
    struct Result: Encodable, Sendable {
        var fs: Double
        var lead: Int
        var leadName: String
        var sampleCount: Int
        var durationSeconds: Double
        var peaks: [Int]
        var times: [Double]
        var rr: [Double]
        /// 60 / RR of each interval, beats per minute.
        var instantaneousHeartRate: [Double]
        var heartRate: HeartRateSummary
    }

    let signals: SignalDecoder

    func callAsFunction(_ params: JSONValue?, _ context: RequestContext) async throws -> JSONValue {
        let recording = try signals.decode(params?["signal"])
        let lead = try LeadSelector.index(params?["lead"], in: recording)
        try Task.checkCancellation()
        let peaks = QRSDetector().detect(recording.leads[lead], fs: recording.fs)
        let timing = BeatTiming(peaks: peaks, fs: recording.fs)
        return try JSONValueEncoder().encode(
            Result(
                fs: recording.fs, lead: lead, leadName: recording.leadNames[lead], sampleCount: recording.sampleCount,
                durationSeconds: Double(recording.sampleCount) / recording.fs,
                peaks: timing.peaks, times: timing.times, rr: timing.rr,
                instantaneousHeartRate: timing.instantaneousHeartRate, heartRate: HeartRateSummary(timing)))
    }
}

/// Chooses a lead from a `lead` parameter: an index, a lead name, or absent (lead 0).
enum LeadSelector {
    static func index(_ value: JSONValue?, in recording: Recording, name: String = "params.lead") throws(ServiceError) -> Int {
        switch value {
        case nil, .null?: return 0
        case .string(let leadName)?:
            guard let index = recording.leadIndex(named: leadName) else {
                throw .invalidParams("\(name): no lead named \"\(leadName)\" (leads: \(recording.leadNames.joined(separator: ", ")))")
            }
            return index
        case let number? where number.intValue != nil:
            let index = number.intValue!
            guard recording.leads.indices.contains(index) else {
                throw .invalidParams("\(name): lead \(index) does not exist (the signal has \(recording.leads.count) lead(s))")
            }
            return index
        case let other?:
            throw .invalidParams("\(name): expected a lead index or name, found \(other.typeName)")
        }
    }
}
