import ECGInference
import ECGSignal

/// How beats are cut from a recording.
public enum Segmentation: String, Sendable, Codable, CaseIterable {
    /// A fixed window around each R-peak, normalised beat by beat (`BeatSegmenter`).
    case window
    /// The Kachuee CSV format: 10 s windows scaled to [0, 1], beats of 1.2 median RR from the
    /// R-peak, zero-padded (`KachueeSegmenter`).
    case kachuee
}

/// Everything needed to turn a recording into a model's inputs: the model card's input spec
/// and the way beats are cut. `classify` and `extractBeats` both go through `prepare`.
public struct BeatRecipe: Sendable, Equatable {
    /// The model card's input spec.
    public let input: InputSpec
    public let segmentation: Segmentation
    /// For each entry of `input.features`, its index in `RRFeatures.names`.
    let featureIndices: [Int]

    /// Feature names a card may use besides `RRFeatures.names`.
    static let featureAliases = [
        "preRR": "previousRR", "postRR": "nextRR", "localRR": "localAverageRR", "averageRR": "recordAverageRR",
    ]
    /// The longest window accepted, in samples.
    static let maxWindowLength = 100_000

    /// Checks `input`; a failure message starts with the path of the offending member under `name`.
    init(input: InputSpec, segmentation: Segmentation, name: String) throws(InvalidRecipe) {
        guard SignalDecoder.samplingRates.contains(input.samplingRate) else {
            throw InvalidRecipe("\(name).samplingRate: \(input.samplingRate) Hz is outside 50-5000 Hz")
        }
        guard input.samplesBefore >= 0 else { throw InvalidRecipe("\(name).samplesBefore: must not be negative") }
        guard input.samplesAfter >= 1 else {
            throw InvalidRecipe("\(name).samplesAfter: must be at least 1 (the R-peak sample)")
        }
        guard input.windowLength <= Self.maxWindowLength else {
            throw InvalidRecipe("\(name): a window of \(input.windowLength) samples exceeds \(Self.maxWindowLength)")
        }
        if segmentation == .kachuee && input.samplesBefore != 0 {
            throw InvalidRecipe("\(name).samplesBefore: must be 0 for kachuee segmentation (beats start at the R-peak)")
        }
        var indices: [Int] = []
        for (i, feature) in input.features.enumerated() {
            guard let index = RRFeatures.names.firstIndex(of: Self.featureAliases[feature] ?? feature) else {
                let known = (RRFeatures.names + Self.featureAliases.keys.sorted()).joined(separator: ", ")
                throw InvalidRecipe("\(name).features[\(i)]: unknown feature \"\(feature)\" (known: \(known))")
            }
            indices.append(index)
        }
        self.input = input
        self.segmentation = segmentation
        self.featureIndices = indices
    }

    /// Samples per beat window.
    public var windowLength: Int { input.windowLength }
    /// Values per beat in the feature input (0 when the model takes only windows).
    public var featureCount: Int { featureIndices.count }

    /// Cuts the beats at `peaks` (sample numbers of `signal`, sampled at `fs`, strictly
    /// increasing) and computes their features. Beats whose window leaves the signal or holds
    /// missing samples are left out and reported in `skipped`.
    func prepare(signal: [Double], fs: Double, peaks: [Int]) throws(ServiceError) -> PreparedBeats {
        let segmented: SegmentedBeats
        do {
            switch segmentation {
            case .window:
                segmented = try BeatSegmenter(
                    before: input.samplesBefore, after: input.samplesAfter,
                    targetFS: input.samplingRate == fs ? nil : input.samplingRate, edges: .skip,
                    normalization: input.normalization.beatNormalization
                ).segment(signal, fs: fs, peaks: peaks)
            case .kachuee:
                segmented = try KachueeSegmenter(targetFS: input.samplingRate, length: windowLength)
                    .segment(signal, fs: fs, peaks: peaks)
            }
        } catch {
            throw .unsupportedSignal("params.signal: cannot resample from \(fs) Hz to \(input.samplingRate) Hz: \(error)")
        }
        let rr = featureIndices.isEmpty ? [] : RRFeatures.compute(peaks: peaks, fs: fs).map(\.vector)
        var beats = PreparedBeats(length: windowLength, featureCount: featureCount)
        var skipped = segmented.skipped.map { peaks[$0] }
        beats.windows.reserveCapacity(segmented.windows.count * windowLength)
        for (k, window) in segmented.windows.enumerated() {
            guard window.allSatisfy(\.isFinite) else {
                skipped.append(segmented.peaks[k])
                continue
            }
            beats.windows.append(contentsOf: window.lazy.map { Float($0) })
            let vector = featureIndices.isEmpty ? [] : rr[segmented.beatIndices[k]]
            beats.features.append(contentsOf: featureIndices.lazy.map { Float(vector[$0]) })
            beats.peaks.append(segmented.peaks[k])
        }
        beats.skipped = skipped.sorted()
        return beats
    }

    /// Beats cut beforehand, normalised as the model expects: per-beat normalisation is applied
    /// again for window models (it is idempotent on beats already normalised the same way);
    /// Kachuee beats are taken as they are (their scaling spans 10 s, not one beat).
    func normalize(_ beats: [[Double]]) throws(ServiceError) -> [Float] {
        guard segmentation == .window, input.normalization != .none, let length = beats.first?.count, length > 0 else {
            return beats.flatMap { $0.lazy.map { Float($0) } }
        }
        // One call over the concatenated beats gives exactly BeatSegmenter's normalisation.
        let joined = beats.flatMap { $0 }
        let segmenter = BeatSegmenter(before: 0, after: length, normalization: input.normalization.beatNormalization)
        do {
            let starts = Array(stride(from: 0, to: joined.count, by: length))
            return try segmenter.segment(joined, fs: input.samplingRate, peaks: starts).windows.flatMap { $0.lazy.map { Float($0) } }
        } catch {
            throw .invalidParams("params.beats: cannot normalise: \(error)")
        }
    }
}

/// Beats ready for a model: row-major windows and features of the kept beats.
struct PreparedBeats: Sendable {
    /// Samples per window.
    let length: Int
    /// Features per beat.
    let featureCount: Int
    /// `count * length` values.
    var windows: [Float] = []
    /// `count * featureCount` values.
    var features: [Float] = []
    /// R-peak of each kept beat, in the input signal's sample numbering.
    var peaks: [Int] = []
    /// R-peaks of the beats left out.
    var skipped: [Int] = []

    var count: Int { peaks.count }
}

/// A recipe that cannot work, with a message naming the offending member.
struct InvalidRecipe: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Normalization {
    var beatNormalization: BeatNormalization {
        switch self {
        case .zscore: .zScore
        case .minmax: .minMax
        case .none: .none
        }
    }
}
