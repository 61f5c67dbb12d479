import ECGSignal
import JSON

/// How beats are cut from a recording.
public enum Segmentation: String, Sendable, Codable, CaseIterable, JSONEnumeration {
    /// A fixed window around each R-peak, normalised beat by beat (`BeatSegmenter`).
    case window
    /// The Kachuee CSV format: 10 s windows scaled to [0, 1], beats of 1.2 median RR from the
    /// R-peak, zero-padded (`KachueeSegmenter`).
    case kachuee
}

/// What one channel of a model's window input holds.
public enum BeatChannel: String, Sendable, CaseIterable {
    /// The beat's own window.
    case beat
    /// The recording's typical beat (`BeatTemplate`), the same for every beat of a recording.
    case template
    /// The beat minus the typical beat, both normalised as the card says: how the beat departs
    /// from the patient's own beat, whatever the patient's beats look like.
    case difference
}

/// Everything needed to turn a recording into a model's inputs: the model card's input spec
/// and the way beats are cut. `classify` and `extractBeats` both go through `prepare`.
public struct BeatRecipe: Sendable, Equatable {
    /// The model card's input spec.
    public let input: InputSpec
    /// How beats are cut (`input.segmentation`, default `window`).
    public let segmentation: Segmentation
    /// The channels of the window input, in order (channels last).
    public let channels: [BeatChannel]
    /// For each entry of `input.features`, its index in `featureNames`.
    let featureIndices: [Int]

    /// Every per-beat feature a card may name, in the order `prepare` computes them.
    static let featureNames = RRFeatures.names + TemplateFeatures.names
    /// Feature names a card may use besides `featureNames`.
    static let featureAliases = [
        "preRR": "previousRR", "postRR": "nextRR", "localRR": "localAverageRR", "averageRR": "recordAverageRR",
    ]
    /// The longest window accepted, in samples.
    static let maxWindowLength = 100_000
    /// The highest high-pass cutoff accepted, in hertz (above it the QRS itself would go).
    static let maxHighpass = 5.0

    /// Checks `input`; a failure message starts with the path of the offending member under `name`.
    init(input: InputSpec, name: String) throws(InvalidRecipe) {
        let segmentation = input.segmentation ?? .window
        guard SignalDecoder.samplingRates.contains(input.samplingRate) else {
            throw InvalidRecipe(
                "\(name).samplingRate: \(input.samplingRate) Hz is outside \(SignalDecoder.samplingRatesText)")
        }
        guard input.samplesBefore >= 0 else { throw InvalidRecipe("\(name).samplesBefore: must not be negative") }
        guard input.samplesAfter >= 1 else {
            throw InvalidRecipe("\(name).samplesAfter: must be at least 1 (the R-peak sample)")
        }
        guard input.windowLength <= Self.maxWindowLength else {
            throw InvalidRecipe("\(name): a window of \(input.windowLength) samples exceeds \(Self.maxWindowLength)")
        }
        if let cutoff = input.highpass, !(cutoff > 0 && cutoff <= Self.maxHighpass) {
            throw InvalidRecipe("\(name).highpass: \(cutoff) Hz is outside (0, \(Self.maxHighpass)] Hz")
        }
        if segmentation == .kachuee && input.samplesBefore != 0 {
            throw InvalidRecipe("\(name).samplesBefore: must be 0 for kachuee segmentation (beats start at the R-peak)")
        }
        var channels: [BeatChannel] = []
        for (i, channel) in (input.channels ?? [BeatChannel.beat.rawValue]).enumerated() {
            guard let parsed = BeatChannel(rawValue: channel) else {
                throw InvalidRecipe(
                    "\(name).channels[\(i)]: unknown channel \"\(channel)\" (known: \(BeatChannel.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            channels.append(parsed)
        }
        guard !channels.isEmpty else { throw InvalidRecipe("\(name).channels: must name at least one channel") }
        if segmentation == .kachuee && channels != [.beat] {
            throw InvalidRecipe("\(name).channels: kachuee segmentation has one channel, the beat")
        }
        var indices: [Int] = []
        for (i, feature) in input.features.enumerated() {
            guard let index = Self.featureNames.firstIndex(of: Self.featureAliases[feature] ?? feature) else {
                let known = (Self.featureNames + Self.featureAliases.keys.sorted()).joined(separator: ", ")
                throw InvalidRecipe("\(name).features[\(i)]: unknown feature \"\(feature)\" (known: \(known))")
            }
            if index >= RRFeatures.names.count && segmentation == .kachuee {
                throw InvalidRecipe("\(name).features[\(i)]: \"\(feature)\" needs window segmentation")
            }
            indices.append(index)
        }
        self.input = input
        self.segmentation = segmentation
        self.channels = channels
        self.featureIndices = indices
    }

    /// Samples per beat window (per channel).
    public var windowLength: Int { input.windowLength }
    /// Values per beat in the window input: `windowLength` times the channel count.
    public var windowValues: Int { windowLength * channels.count }
    /// Values per beat in the feature input (0 when the model takes only windows).
    public var featureCount: Int { featureIndices.count }

    /// Whether the recording's template is needed (as a channel or for a feature).
    var usesTemplate: Bool {
        channels.contains { $0 != .beat } || featureIndices.contains { $0 >= RRFeatures.names.count }
    }

    /// The signal the windows are cut from: `raw` high-passed as the card says, and for Kachuee
    /// segmentation resampled to the card's rate (`KachueeSegmenter.resampled`). It does not
    /// depend on the R-peaks, so a caller may compute it while they are being found. Errors
    /// name the signal as `signalName`.
    func conditioned(_ raw: consuming [Double], fs: Double, signalName: String) throws(ServiceError) -> [Double] {
        var signal = raw
        if let cutoff = input.highpass { signal = Self.highpassed(signal, fs: fs, cutoff: cutoff) }
        guard segmentation == .kachuee else { return signal }
        do {
            return try kachueeSegmenter.resampled(signal, fs: fs)
        } catch {
            throw resamplingFailure(signalName: signalName, fs: fs, error)
        }
    }

    /// The Kachuee segmentation of this card.
    private var kachueeSegmenter: KachueeSegmenter {
        KachueeSegmenter(targetFS: input.samplingRate, length: windowLength)
    }

    /// The error of a signal at `fs` that cannot be resampled to the card's rate.
    private func resamplingFailure(signalName: String, fs: Double, _ error: any Error) -> ServiceError {
        .unsupportedSignal("\(signalName): cannot resample from \(fs) Hz to \(input.samplingRate) Hz: \(error)")
    }

    /// Cuts the beats at `peaks` (sample numbers of `signal`, sampled at `fs`, strictly
    /// increasing) from `signal` as `conditioned` returns it, and computes their features, on
    /// `work`'s threads (the rhythm features beside the cut; the template and the per-beat work
    /// split over `parts` of them). Beats whose window leaves the signal or holds missing samples
    /// are left out and reported in `skipped`. Errors name the signal as `signalName` (the
    /// parameter it came in). When the caller hands `signal` over (its only owner), it is freed
    /// as soon as the windows are cut.
    func prepare(
        conditioned signal: consuming [Double], fs: Double, peaks: [Int], signalName: String, work: WorkPool,
        parts: Int = 2
    ) async throws -> PreparedBeats {
        let recipe = self
        var prepared = PreparedBeats(length: windowValues, featureCount: featureCount)
        var shares: [(windows: [Float], features: [Float])]
        do {  // the cut windows go at the end of this scope
            let handOff = SignalHandOff(consume signal)
            async let rhythm = rhythmFeatures(peaks: peaks, fs: fs, work: work)
            let cut = try await work.run {
                try recipe.cut(signal: handOff.take(), fs: fs, peaks: peaks, signalName: signalName)
            }
            prepared.peaks = cut.peaks
            prepared.skipped = cut.skipped
            shares = try await modelInput(of: cut, rhythm: try await rhythm, work: work, parts: parts)
        }
        // Joined share by share, each freed once copied: a day-long recording's windows are
        // not held twice.
        prepared.windows.reserveCapacity(shares.reduce(0) { $0 + $1.windows.count })
        prepared.features.reserveCapacity(shares.reduce(0) { $0 + $1.features.count })
        for i in shares.indices {
            prepared.windows += shares[i].windows
            prepared.features += shares[i].features
            shares[i] = ([], [])
        }
        return prepared
    }

    /// The rhythm features of every beat at `peaks` (none when the model takes no features).
    private func rhythmFeatures(peaks: [Int], fs: Double, work: WorkPool) async throws -> [[Double]] {
        guard !featureIndices.isEmpty else { return [] }
        return try await work.run { RRFeatures.compute(peaks: peaks, fs: fs).map(\.vector) }
    }

    /// The model's window input and feature rows of `cut`'s beats (`rhythm`: the rhythm
    /// features of every beat, kept or not), in consecutive shares of the beats prepared in
    /// parallel (the template first, when the card uses one).
    private func modelInput(of cut: CutBeats, rhythm: [[Double]], work: WorkPool, parts: Int) async throws
        -> [(windows: [Float], features: [Float])]
    {
        let recipe = self
        var template: BeatTemplate?
        if usesTemplate {
            let chosen = BeatTemplate.chosen(cut.windows)
            let means = try await work.split(chosen.count, parts: parts, minimum: 256) {
                BeatTemplate.means(of: chosen[$0])
            }.flatMap { $0 }
            let medians = try await work.split(windowLength, parts: parts, minimum: 32) {
                BeatTemplate.medians(of: chosen, means: means, samples: $0)
            }
            template = BeatTemplate(medians: medians.flatMap { $0 }, beatCount: chosen.count)
        }
        return try await work.split(cut.windows.count, parts: parts, minimum: 256) { [template] beats in
            (
                recipe.modelWindows(Array(cut.windows[beats]), template: template),
                recipe.features(of: cut, rhythm: rhythm, beats: beats, template: template)
            )
        }
    }

    /// The beats of one recording cut for the model, before their template and features.
    private struct CutBeats: Sendable {
        /// The kept windows, as conditioned.
        var windows: [[Double]]
        /// R-peak of each kept window.
        var peaks: [Int]
        /// Index in the R-peaks given of each kept window's beat.
        var beatIndices: [Int]
        /// R-peaks of the beats left out, sorted.
        var skipped: [Int]
    }

    /// Cuts the windows at `peaks` from the conditioned `signal` and keeps those inside the
    /// signal without missing samples.
    private func cut(signal: consuming [Double], fs: Double, peaks: [Int], signalName: String)
        throws(ServiceError) -> CutBeats
    {
        let segmented: SegmentedBeats
        do {
            switch segmentation {
            case .window:
                // Cut as recorded: the template is the median of raw windows; channels are normalised after.
                segmented = try BeatSegmenter(
                    before: input.samplesBefore, after: input.samplesAfter,
                    targetFS: input.samplingRate == fs ? nil : input.samplingRate, edges: .skip
                ).segment(signal, fs: fs, peaks: peaks)
            case .kachuee:
                segmented = try kachueeSegmenter.segment(resampled: signal, fs: fs, peaks: peaks)
            }
        } catch {
            throw resamplingFailure(signalName: signalName, fs: fs, error)
        }
        _ = consume signal  // the windows are copies
        var skipped = segmented.skipped.map { peaks[$0] }
        var kept: [Int] = []
        kept.reserveCapacity(segmented.windows.count)
        for (k, window) in segmented.windows.enumerated() {
            if window.allSatisfy(\.isFinite) { kept.append(k) } else { skipped.append(segmented.peaks[k]) }
        }
        return CutBeats(
            windows: kept.map { segmented.windows[$0] }, peaks: kept.map { segmented.peaks[$0] },
            beatIndices: kept.map { segmented.beatIndices[$0] }, skipped: skipped.sorted())
    }

    /// The feature rows (row-major) of the kept beats `beats` of `cut`: feature i is rhythm
    /// feature i (of the beat's row of `rhythm`), or template feature i minus the number of
    /// rhythm features.
    private func features(of cut: CutBeats, rhythm: [[Double]], beats: Range<Int>, template: BeatTemplate?)
        -> [Float]
    {
        guard !featureIndices.isEmpty else { return [] }
        let rhythmCount = RRFeatures.names.count
        let reference = template.map {
            TemplateFeatures.Reference(
                template: $0, peak: input.samplesBefore, fs: input.samplingRate, windowLength: windowLength)
        }
        var out: [Float] = []
        out.reserveCapacity(beats.count * featureCount)
        for j in beats {
            let rhythm = rhythm[cut.beatIndices[j]]
            let shape = reference.map { TemplateFeatures(window: cut.windows[j], reference: $0).vector } ?? []
            for i in featureIndices { out.append(Float(i < rhythmCount ? rhythm[i] : shape[i - rhythmCount])) }
        }
        return out
    }

    /// Beats cut beforehand, as the model takes them: beats of `windowLength` samples are
    /// normalised as the card says (per-beat normalisation is idempotent on beats already
    /// normalised the same way) and given their channels, the template being the median of
    /// the beats given; beats of `windowValues` samples with several channels are taken as
    /// they are (the windows `extractBeats` returns). Kachuee beats are taken as they are
    /// (their scaling spans 10 s, not one beat).
    func modelInput(beats: [[Double]]) -> [Float] {
        let alreadyModelInput =
            channels != [.beat] && beats.first?.count == windowValues && windowValues != windowLength
        guard segmentation == .window, !alreadyModelInput else {
            return beats.flatMap { $0.lazy.map { Float($0) } }
        }
        return modelWindows(beats, template: usesTemplate ? BeatTemplate(windows: beats) : nil)
    }

    /// `signal` through the zero-phase high-pass at `cutoff` Hz; missing samples (NaN) are
    /// bridged by holding the last value while filtering and stay missing in the result.
    static func highpassed(_ signal: [Double], fs: Double, cutoff: Double) -> [Double] {
        guard cutoff < fs / 2, let first = signal.first(where: \.isFinite) else { return signal }
        guard signal.contains(where: { !$0.isFinite }) else { return Baseline.remove(signal, fs: fs, cutoff: cutoff) }
        var bridged = signal
        var held = first
        var missing: [Int] = []
        for i in bridged.indices {
            if bridged[i].isFinite {
                held = bridged[i]
            } else {
                bridged[i] = held
                missing.append(i)
            }
        }
        var filtered = Baseline.remove(bridged, fs: fs, cutoff: cutoff)
        for i in missing { filtered[i] = .nan }
        return filtered
    }

    /// Lengths of beats `classify` accepts in beats mode.
    var acceptedBeatLengths: [Int] { Array(Set([windowLength, windowValues])).sorted() }

    /// Windows normalised at once by `modelWindows`.
    private static let normalizationChunk = 1024

    /// The window input for raw windows of one recording whose typical beat is `template`
    /// (given when the channels need it): each channel normalised, channels interleaved
    /// (row-major `count x windowLength x channels`).
    private func modelWindows(_ windows: [[Double]], template: BeatTemplate?) -> [Float] {
        let normalization = segmentation == .window ? input.normalization : .none
        let template = template.map { normalization.apply($0.samples) } ?? []
        let (channels, length, stride) = (self.channels, windowLength, windowValues)
        // Channels interleave: sample t of channel c of a window is at t * step + c in its row.
        let step = channels.count
        precondition(windows.allSatisfy { $0.count == length }, "model windows must have the card's length")
        return [Float](unsafeUninitializedCapacity: windows.count * stride) { out, initialized in
            // Normalised a chunk at a time: a day-long recording's normalised copies are never all held.
            for start in Swift.stride(from: 0, to: windows.count, by: Self.normalizationChunk) {
                let chunk = Array(windows[start..<min(windows.count, start + Self.normalizationChunk)])
                for (i, beat) in normalization.apply(all: chunk).enumerated() {
                    let row = (start + i) * stride
                    for (c, channel) in channels.enumerated() {
                        switch channel {
                        case .beat: for t in 0..<length { out[row + t * step + c] = Float(beat[t]) }
                        case .template: for t in 0..<length { out[row + t * step + c] = Float(template[t]) }
                        case .difference:
                            for t in 0..<length { out[row + t * step + c] = Float(beat[t] - template[t]) }
                        }
                    }
                }
            }
            initialized = windows.count * stride
        }
    }
}

/// Beats ready for a model: row-major windows and features of the kept beats.
struct PreparedBeats: Sendable {
    /// Values per window (samples times channels).
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
