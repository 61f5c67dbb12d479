import ECGSignal
import JSONRPC

/// `detectPeaks`: R-peaks of one lead of a recording, or of several leads together, with RR
/// intervals, heart rate and the stretches of each lead judged noisy or unreadable.
struct DetectPeaks: ServiceMethod {
    struct Params: Decodable, Sendable {
        /// Read by `SignalDecoder`.
        var signal: JSONValue?
        /// Read by `LeadRequest.several`.
        var lead: JSONValue?
        var leads: JSONValue?
        /// `json` (the default) or `base64`: see `ArrayEncoding`.
        var arrays: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case signal, lead, leads, arrays }
    }

    struct Result: Sendable, JSONValueRepresentable {
        var fs: Double
        /// The first lead detected on (the one whose beats count unless it is noisy).
        var lead: Int
        var leadName: String
        /// Every lead detected on, in the order asked for.
        var leads: [Int]
        var leadNames: [String]
        var sampleCount: Int
        var timing: BeatTiming
        var quality: [LeadQuality]
        /// What the reader had to work around (for example a file shorter than its header says).
        var warnings: [String]
        /// How `peaks`, `times`, `rr` and `instantaneousHeartRate` travel.
        var arrays = ArrayEncoding.json

        /// Built directly (a day-long recording has 100,000 beats): `times` and `rr` in seconds
        /// rounded to the microsecond, `instantaneousHeartRate` (60 / RR) to 0.001 bpm.
        var jsonValue: JSONValue {
            func numbers(_ values: [Double], scale: Double) -> JSONValue {
                arrays.doubles(values.map { ($0 * scale).rounded() / scale })
            }
            let encoder = JSONValueEncoder()
            return .object([
                "fs": .number(fs), "lead": .number(Double(lead)), "leadName": .string(leadName),
                "leads": .array(leads.map { .number(Double($0)) }),
                "leadNames": .array(leadNames.map(JSONValue.string)),
                "sampleCount": .number(Double(sampleCount)), "durationSeconds": .number(Double(sampleCount) / fs),
                "peaks": arrays.integers(timing.peaks),
                "times": numbers(timing.times, scale: 1e6), "rr": numbers(timing.rr, scale: 1e6),
                "instantaneousHeartRate": numbers(timing.instantaneousHeartRate, scale: 1e3),
                "heartRate": (try? encoder.encode(HeartRateSummary(timing))) ?? .null,
                "quality": (try? encoder.encode(quality)) ?? .array([]),
                "warnings": .array(warnings.map(JSONValue.string)),
            ])
        }
    }

    let signals: SignalDecoder
    var work = WorkPool()

    func run(_ params: Params, _ context: RequestContext) async throws -> Result {
        let request = try LeadRequest.several(lead: params.lead, leads: params.leads)
        let arrays = try ArrayEncoding(params.arrays)
        let signals = self.signals
        // One trip to the work pool: every hand-over between threads costs a wake-up.
        let (decoded, analysis) = try await work.run {
            let decoded = try signals.decode(params.signal, leads: request)
            let recording = decoded.recording
            return (decoded, QRSDetector().analyze(leads: recording.leads, fs: recording.fs))
        }
        let recording = decoded.recording
        return Result(
            fs: recording.fs, lead: decoded.leadIndices[0], leadName: recording.leadNames[0],
            leads: decoded.leadIndices, leadNames: recording.leadNames, sampleCount: recording.sampleCount,
            timing: BeatTiming(peaks: analysis.peaks, fs: recording.fs),
            quality: LeadQuality.reports(analysis.quality, of: decoded), warnings: recording.warnings, arrays: arrays)
    }
}
