import ECGSignal

/// Heart rate in beats per minute, as methods report it. Each member is `null` (not absent) with
/// fewer than two beats.
struct HeartRateSummary: Encodable, Sendable {
    var mean: Double?
    var min: Double?
    var max: Double?

    init(_ timing: BeatTiming) {
        mean = timing.meanHeartRate
        min = timing.minHeartRate
        max = timing.maxHeartRate
    }

    private enum CodingKeys: String, CodingKey { case mean, min, max }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mean, forKey: .mean)
        try container.encode(min, forKey: .min)
        try container.encode(max, forKey: .max)
    }
}
