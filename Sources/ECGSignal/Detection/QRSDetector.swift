import Foundation

/// An offline single-lead QRS detector for ambulatory ECG at any sampling rate.
///
/// Stages, all specified in seconds and hertz so the detector behaves the same at every rate:
/// 1. the signal is low-passed and decimated to about `featureRate` (cost independent of
///    the input rate); a zero-phase Butterworth band-pass (QRS band), the derivative and a
///    centred moving RMS give a slope-energy feature without delay;
/// 2. candidate events are the local maxima of the feature that dominate a window of
///    half the refractory period;
/// 3. a level that follows the signal both ways in time (running median of windowed
///    maxima) sets an adaptive threshold; candidates above it become beats, with a
///    refractory period and rejection of P and T waves by slope next to a steeper beat;
///    a second pass raises the threshold above the non-beat peaks where those are high
///    (noise);
/// 4. search-back fills RR gaps longer than `searchBackFactor` times the local RR with the
///    best candidate above a lower threshold, and weak beats that split a regular RR
///    interval are dropped;
/// 5. noise adaptation: in stretches where the non-beat peaks rival the beats (motion
///    artefact, muscle noise), the beats are chosen again (stages 2 to 4) on a blend that
///    moves to a narrower, higher band (`noisyBand...`), which leaves out most motion
///    artefact, as far as that band reads better over the stretch (`narrowReads...`), with
///    harder pruning of extra beats; elsewhere the first choice stands;
/// 6. each beat is moved to the extremum of the full-rate signal (relative to the local
///    mean) near it.
public struct QRSDetector: Sendable {
    /// Detector parameters. The defaults are physiological, not tuned per record.
    public struct Configuration: Sendable, Equatable {
        /// Band-pass edges (Hz) of the QRS band.
        public var bandLow: Double = 4
        public var bandHigh: Double = 18
        /// Butterworth order of the band-pass (applied forward and backward).
        public var bandOrder: Int = 1
        /// Moving-window integration length (s).
        public var integrationWindow: Double = 0.10
        /// Minimum distance between two beats (s).
        public var refractory: Double = 0.25
        /// Beats closer than this to the previous beat must pass the T-wave test (s).
        public var tWaveWindow: Double = 0.34
        /// A close candidate whose peak slope is below this fraction of the previous beat's
        /// slope is taken for a T wave.
        public var tWaveSlopeRatio: Double = 0.5
        /// Length of the windows whose feature maxima define the signal level (s).
        public var levelWindow: Double = 2.0
        /// Number of windows on each side entering the level's running median.
        public var levelNeighbours: Int = 4
        /// First-pass threshold as a fraction of the signal level.
        public var thresholdFraction: Double = 0.25
        /// Second pass: with N the `noiseQuantile` of non-beat candidate maxima and S the
        /// signal level, the threshold is at least N + noiseThresholdFraction * (S - N).
        public var noiseThresholdFraction: Double = 0.1
        public var noiseQuantile: Double = 0.75
        /// Where N exceeds `noisyLevelRatio * S` (noise comparable to the beats), the
        /// fraction is `noisyThresholdFraction` instead.
        public var noisyLevelRatio: Double = 0.35
        public var noisyThresholdFraction: Double = 0.3
        /// Band (Hz) that replaces the QRS band where noise rivals the beats: narrower and
        /// higher, so that motion artefact (mostly below 10 Hz) is left out.
        public var noisyBandLow: Double = 10
        public var noisyBandHigh: Double = 20
        /// The noisy band's weight grows linearly from 0 to 1 as the noise ratio N / S of a
        /// window goes from `noisyBandStart` to `noisyBandFull`.
        public var noisyBandStart: Double = 0.2
        public var noisyBandFull: Double = 0.3
        /// Within a noisy stretch, that weight is scaled by how much better the noisy band
        /// reads there: with q the median over the stretch's noisy windows of the ratio of
        /// the bands' noise ratios (noisy band over QRS band), fully at q <= `narrowReadsBetter`,
        /// not at all from q >= `narrowReadsWorse`, linearly in between. Noise that the narrow
        /// band leaves out (motion artefact) keeps it; noise it does not (muscle artefact)
        /// keeps the QRS band.
        public var narrowReadsBetter: Double = 0.8
        public var narrowReadsWorse: Double = 1.0
        /// Search-back starts when an RR gap exceeds this multiple of the local RR.
        public var searchBackFactor: Double = 1.5
        /// Search-back threshold relative to the normal threshold.
        public var searchBackThreshold: Double = 0.5
        /// Extra-beat pruning: a beat whose neighbours are closer than this multiple of the
        /// local RR and whose feature is below `extraBeatRatio` of theirs is dropped.
        public var extraBeatRR: Double = 1.2
        public var extraBeatRatio: Double = 0.6
        /// `extraBeatRatio` in fully noisy windows (interpolated by the noisy band's weight):
        /// there an extra beat as strong as its neighbours goes too.
        public var noisyExtraBeatRatio: Double = 1.0
        /// Features are computed at `fs / k` with `k = floor(fs / featureRate)` (at least 1),
        /// so the cost does not grow with the input rate.
        public var featureRate: Double = 90
        /// Half-width of the window whose mean is the local baseline in refinement (s).
        public var baselineWindow: Double = 0.2
        /// Half-width of the R-peak refinement window (s).
        public var refinementWindow: Double = 0.075
        /// Signal quality (see `SignalQuality`): a window whose noise ratio N / S reaches
        /// `qualityNoisyRatio` is noisy, one reaching `qualityUnreadableRatio` unreadable, and
        /// one whose largest peak is below `qualityFlatFraction` of S has no signal.
        public var qualityNoisyRatio: Double = 0.3
        public var qualityUnreadableRatio: Double = 0.6
        public var qualityFlatFraction: Double = 0.05
        /// The signal level of a window is at least this fraction of the span's median level,
        /// so that a flat line (a lead off) yields no beats.
        public var levelFloorFraction: Double = 0.05
        /// Long recordings are detected in spans of this many seconds (in parallel, with
        /// memory bounded by the span), each read with `spanOverlap` seconds of context on
        /// either side, far more than any stage looks ahead or back (about 20 s).
        public var spanLength: Double = 300
        public var spanOverlap: Double = 30
        /// Several leads: in the first lead's noisy stretches each lead's noise blend enters
        /// with a weight proportional to 1 / max(N / S, `fusionRatioFloor`)^`fusionPower` of
        /// its window.
        public var fusionRatioFloor: Double = 0.05
        public var fusionPower: Double = 2

        /// The detector's tuned defaults.
        public init() {}

        /// The real-valued parameters by name, for tuning tools.
        public static var tunable: [String: WritableKeyPath<Configuration, Double>] {
            [
                "bandLow": \.bandLow, "bandHigh": \.bandHigh, "integrationWindow": \.integrationWindow,
                "refractory": \.refractory, "tWaveWindow": \.tWaveWindow, "tWaveSlopeRatio": \.tWaveSlopeRatio,
                "levelWindow": \.levelWindow, "thresholdFraction": \.thresholdFraction,
                "noiseThresholdFraction": \.noiseThresholdFraction, "noiseQuantile": \.noiseQuantile,
                "noisyLevelRatio": \.noisyLevelRatio, "noisyThresholdFraction": \.noisyThresholdFraction,
                "noisyBandLow": \.noisyBandLow, "noisyBandHigh": \.noisyBandHigh, "noisyBandStart": \.noisyBandStart,
                "noisyBandFull": \.noisyBandFull, "narrowReadsBetter": \.narrowReadsBetter,
                "narrowReadsWorse": \.narrowReadsWorse, "searchBackFactor": \.searchBackFactor,
                "searchBackThreshold": \.searchBackThreshold, "extraBeatRR": \.extraBeatRR,
                "extraBeatRatio": \.extraBeatRatio,
                "noisyExtraBeatRatio": \.noisyExtraBeatRatio, "featureRate": \.featureRate,
                "baselineWindow": \.baselineWindow,
                "refinementWindow": \.refinementWindow, "qualityNoisyRatio": \.qualityNoisyRatio,
                "qualityUnreadableRatio": \.qualityUnreadableRatio, "qualityFlatFraction": \.qualityFlatFraction,
                "levelFloorFraction": \.levelFloorFraction, "spanLength": \.spanLength, "spanOverlap": \.spanOverlap,
                "fusionRatioFloor": \.fusionRatioFloor, "fusionPower": \.fusionPower,
            ]
        }
    }

    /// The parameters this detector runs with.
    public let configuration: Configuration

    /// A detector with `configuration` (the tuned defaults unless given).
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Detects QRS complexes; returns sorted R-peak sample indices of `signal`.
    public func detect(_ signal: [Double], fs inputRate: Double) -> [Int] {
        analyze(leads: [signal], fs: inputRate).peaks
    }

    /// Stages 1 to 6 on one span of one or more leads: the beats (sample indices of the span)
    /// and, per lead, what its first pass saw of each level window (the signal quality's raw
    /// material). The first lead's decisions stand except in its noisy stretches, which are
    /// decided on the leads' noise blends together, each weighted by how well it reads there,
    /// and where it has no signal, which another lead that reads well decides alone.
    func detectSpan(_ leads: [UnsafeBufferPointer<Double>], fs inputRate: Double) -> SpanDetection {
        let c = configuration
        let factor = max(1, Int(inputRate / c.featureRate))
        let fs = inputRate / Double(factor)
        let length = max(1, Int(c.levelWindow * fs)) * factor
        let n = leads[0].count
        guard inputRate > 0, n >= max(8, Int(inputRate * 0.5)) else {
            return SpanDetection(
                peaks: [], windowLength: length,
                windows: leads.map {
                    QRSDetector.windowStatistics($0, length: length, finite: false, maxima: [], noise: [], level: [])
                })
        }
        // Features and decisions run at a reduced rate; refinement uses the full signal.
        // Non-finite samples (WFDB "no data") are bridged only when there are any.
        var filledFirst: [Double]?
        var features: [LeadFeatures?] = []
        var windows: [[WindowStatistics]] = []
        for (l, signal) in leads.enumerated() {
            let decimated = QRSDetector.decimate(signal, factor: factor)
            var reduced = decimated.values
            if !decimated.finite {
                let filled = QRSDetector.fillGaps(signal)
                reduced = filled.withUnsafeBufferPointer { QRSDetector.decimate($0, factor: factor).values }
                if l == 0 { filledFirst = filled }
            }
            if let wide = bandFeature(reduced, fs: fs, low: c.bandLow, high: c.bandHigh),
                let first = firstPass(wide, fs: fs)
            {
                features.append(
                    LeadFeatures(reduced: reduced, wide: wide, first: first, weights: noiseBandWeights(first)))
                windows.append(
                    QRSDetector.windowStatistics(
                        signal, length: first.windowLength * factor, finite: decimated.finite,
                        maxima: QRSDetector.windowMaxima(wide.energy, length: first.windowLength),
                        noise: first.noise, level: first.level))
            } else {
                features.append(nil)
                windows.append(
                    QRSDetector.windowStatistics(
                        signal, length: length, finite: decimated.finite, maxima: [], noise: [], level: []))
            }
        }
        guard let lead = features[0] else { return SpanDetection(peaks: [], windowLength: length, windows: windows) }
        // Where noise rivals the beats, a narrower band that leaves out most motion artefact
        // takes over (see noiseBandWeights) and the beats there are chosen again on the blend.
        var beats = secondPass(lead.first, fs: fs)
        if lead.weights.contains(where: { $0 > 0 }) {
            beats = adaptToNoise(beats, leads: features.compactMap { $0 }, fs: fs)
        }
        if leads.count > 1 {
            beats = handOverFlatStretches(
                beats, leads: features, windows: windows, windowLength: lead.first.windowLength, fs: fs)
        }
        func refine(_ x: UnsafeBufferPointer<Double>) -> [Int] {
            QRSDetector.refine(
                beats, factor: factor, on: x, reduced: lead.reduced, energy: lead.wide.energy,
                halfWidth: Int(c.refinementWindow * inputRate),
                baselineHalfWidth: max(1, Int(c.baselineWindow * fs)),
                refractory: Int(c.refractory * inputRate))
        }
        let peaks = filledFirst.map { $0.withUnsafeBufferPointer(refine) } ?? refine(leads[0])
        return SpanDetection(peaks: peaks, windowLength: lead.first.windowLength * factor, windows: windows)
    }

    /// The slope-energy feature of the band `low ... high` Hz of the reduced signal, or nil
    /// when the band cannot be designed at this rate.
    func bandFeature(_ reduced: [Double], fs: Double, low: Double, high: Double) -> BandFeature? {
        let top = min(high, 0.45 * fs)
        guard
            let band = try? Butterworth.design(
                .bandpass(low: min(low, top / 2), high: top), order: configuration.bandOrder, fs: fs)
        else { return nil }
        let (padded, pad) = band.filtfiltPadded(reduced)
        let (energy, slope) = padded.withUnsafeBufferPointer {
            QRSDetector.energyFeature(
                UnsafeBufferPointer(rebasing: $0[pad..<(pad + reduced.count)]), fs: fs,
                window: configuration.integrationWindow)
        }
        return BandFeature(energy: energy, slope: slope)
    }

    /// Stages 2 to 4 on one feature, first pass: candidates, levels, beats above a fraction
    /// of the signal level, and the noise level the candidates that are not beats leave.
    /// `noiseWeights` (per level window) make pruning stricter where noise is high. Nil when
    /// there is no candidate.
    func firstPass(_ feature: BandFeature, fs: Double, noiseWeights: [Double] = []) -> Decision? {
        let c = configuration
        let halfRefractory = max(1, Int(c.refractory * fs / 2))
        let maxima = QRSDetector.dominantMaxima(feature.energy, halfWidth: halfRefractory)
        guard !maxima.isEmpty else { return nil }
        let candidates = Candidates(maxima, of: feature, slopeHalfWidth: max(1, Int(0.04 * fs)))
        let level = QRSDetector.signalLevel(
            feature.energy, fs: fs, window: c.levelWindow, neighbours: c.levelNeighbours,
            floorFraction: c.levelFloorFraction)
        var decision = Decision(
            beats: [], candidates: candidates, level: level.values, levelFloor: level.floor, noise: [],
            windowLength: level.length, noiseWeights: noiseWeights)
        decision.beats = selectBeats(
            decision, thresholds: level.values.map { c.thresholdFraction * $0 },
            fs: fs)
        decision.noise = QRSDetector.noiseLevel(
            candidates: candidates, beats: decision.beats,
            windowLength: level.length, windows: level.values.count,
            neighbours: c.levelNeighbours, quantile: c.noiseQuantile)
        return decision
    }

    /// Second pass: where candidates that are not beats (noise, P and T waves) are high, the
    /// threshold rises above them and the beats are chosen again.
    func secondPass(_ decision: Decision, fs: Double) -> [Int] {
        let c = configuration
        var raised = false
        let thresholds = zip(decision.level, decision.noise).map { s, nz -> Double in
            let f = nz > c.noisyLevelRatio * s ? c.noisyThresholdFraction : c.noiseThresholdFraction
            let t = max(c.thresholdFraction * s, nz + f * (s - nz))
            if t > c.thresholdFraction * s { raised = true }
            return t
        }
        guard raised else { return decision.beats }
        return selectBeats(decision, thresholds: thresholds, fs: fs)
    }

    /// `selectBeats` over a decision's candidates with per-window `thresholds`.
    func selectBeats(_ decision: Decision, thresholds: [Double], fs: Double) -> [Int] {
        let weights = decision.noiseWeights
        let length = decision.windowLength
        return selectBeats(
            decision.candidates, thresholds: (thresholds, length), fs: fs,
            noiseWeight: { weights.isEmpty ? 0 : weights[min(weights.count - 1, $0 / length)] })
    }
}

/// One lead at the reduced rate: its samples, QRS-band feature, first pass and noise weights.
struct LeadFeatures {
    var reduced: [Double]
    var wide: BandFeature
    var first: Decision
    var weights: [Double]
}

/// A slope-energy feature at the reduced rate and the |derivative| it was computed from.
struct BandFeature {
    var energy: [Double]
    var slope: [Double]
}

/// Beats chosen on one feature, with the candidates and per-window levels behind them.
struct Decision {
    var beats: [Int]
    /// Candidate maxima of the feature.
    var candidates: Candidates
    /// Signal level per window of `windowLength` reduced samples.
    var level: [Double]
    /// The floor of `level`: windows at it have no signal level of their own (a flat line).
    var levelFloor: Double
    /// Noise level (high non-beat candidates) per window.
    var noise: [Double]
    var windowLength: Int
    /// Weight of the noisy band per window (empty: none).
    var noiseWeights: [Double]
}
