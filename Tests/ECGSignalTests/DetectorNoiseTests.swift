import TestSupport
import XCTest

@testable import ECGSignal

/// The detector under noise: a bundled record with seeded noise added to its middle, either
/// electrode-motion-like (band-limited 1–10 Hz bursts and decaying baseline steps) or
/// muscle-like (broadband 5–60 Hz bursts).
final class DetectorNoiseTests: XCTestCase {
    /// Record 101's first 5 minutes, noise over minutes 1 to 4 at `snr` dB (NSTDB's
    /// definition: signal power A^2 / 8 with A the median QRS peak-to-peak amplitude);
    /// motion-like noise unless `muscle`.
    func noisyRecord(snr: Double, muscle: Bool = false) throws -> (signal: [Double], fs: Double, reference: [Int]) {
        let base = DetectorTests.mitdb.appendingPathComponent("101")
        let recording = try WFDB.readRecord(at: base)
        let fs = recording.fs
        let n = Int(300 * fs)
        var x = Array(recording.leads[0][0..<n])
        let reference = try WFDB.readAnnotations(at: base.appendingPathExtension("atr"))
            .filter { $0.isBeat && $0.sample < n }.map(\.sample)

        var generator = SplitMix64(seed: 42)
        let white = (0..<n).map { _ in generator.nextGaussian() }
        let band: (low: Double, high: Double) = muscle ? (5, 60) : (1, 10)
        var noise = try Butterworth.design(.bandpass(low: band.low, high: band.high), order: 2, fs: fs)
            .filtfilt(white)
        // Bursts: the band-limited noise gated on and off every few seconds.
        let gate = (0..<n).map { 0.3 + (sin(2 * Double.pi * Double($0) / (7 * fs)) > 0 ? 1.0 : 0.0) }
        for i in 0..<n { noise[i] *= gate[i] }
        for step in stride(from: Int(70 * fs), to: Int(240 * fs), by: Int(13 * fs)) where !muscle {
            for i in step..<n { noise[i] += 3 * exp(-Double(i - step) / (0.5 * fs)) }
        }
        let noisy = Int(60 * fs)..<Int(240 * fs)
        let amplitude = reference.filter { noisy.contains($0) }.map { r -> Double in
            let window = x[max(0, r - 18)...min(n - 1, r + 18)]
            return window.max()! - window.min()!
        }.sorted()
        let signalPower = pow(amplitude[amplitude.count / 2], 2) / 8
        let noisePower = noise[noisy].reduce(0) { $0 + $1 * $1 } / Double(noisy.count)
        let scale = (signalPower / (noisePower * pow(10, snr / 10))).squareRoot()
        for i in noisy { x[i] += scale * noise[i] }
        return (x, fs, reference)
    }

    /// The detector without noise adaptation.
    static var fixedBand: QRSDetector.Configuration {
        var c = QRSDetector.Configuration()
        c.noisyBandStart = .infinity
        c.noisyBandFull = .infinity
        return c
    }

    /// The detector's beats on `record` with `configuration`, scored against its reference.
    static func score(
        _ record: (signal: [Double], fs: Double, reference: [Int]),
        with configuration: QRSDetector.Configuration = .init()
    ) -> BeatMatchScore {
        BeatScorer.score(
            detections: QRSDetector(configuration: configuration).detect(record.signal, fs: record.fs),
            reference: record.reference, fs: record.fs)
    }

    func testNoiseAdaptationKeepsBeatsAtZeroDecibels() throws {
        let record = try noisyRecord(snr: 0)
        let adaptive = Self.score(record)
        let fixed = Self.score(record, with: Self.fixedBand)
        // Measured: adaptive 335 / 14 / 7 (TP / FP / FN), fixed band 327 / 43 / 15.
        XCTAssertGreaterThanOrEqual(adaptive.f1, 0.96, "\(adaptive)")
        XCTAssertGreaterThan(adaptive.f1, fixed.f1 + 0.02, "adaptive \(adaptive), fixed band \(fixed)")
    }

    /// The detector whose noisy band takes over wherever noise rivals the beats, however
    /// well that band reads.
    static var narrowAlways: QRSDetector.Configuration {
        var c = QRSDetector.Configuration()
        c.narrowReadsBetter = .greatestFiniteMagnitude / 2
        c.narrowReadsWorse = .greatestFiniteMagnitude
        return c
    }

    func testMuscleNoiseKeepsTheQRSBand() throws {
        // Measured (TP / FP / FN): at 6 dB 327 / 37 / 15 against the narrow band's 312 / 54 / 30,
        // at 0 dB 291 / 94 / 51 against 284 / 101 / 58.
        for (snr, margin) in [(6.0, 0.03), (0, 0.01)] {
            let record = try noisyRecord(snr: snr, muscle: true)
            let chosen = Self.score(record)
            let narrow = Self.score(record, with: Self.narrowAlways)
            XCTAssertGreaterThan(
                chosen.f1, narrow.f1 + margin, "\(snr) dB: band chosen by reading \(chosen), narrow band \(narrow)")
        }
    }

    func testMotionNoiseKeepsTheNarrowBand() throws {
        for snr in [0.0, -6] {
            let record = try noisyRecord(snr: snr)
            XCTAssertEqual(
                QRSDetector().detect(record.signal, fs: record.fs),
                QRSDetector(configuration: Self.narrowAlways).detect(record.signal, fs: record.fs),
                "at \(snr) dB the narrow band reads better and keeps its full weight")
        }
    }

    func testCleanRecordIsUntouchedByNoiseAdaptation() throws {
        let record = try noisyRecord(snr: 60)
        let peaks = QRSDetector().detect(record.signal, fs: record.fs)
        XCTAssertEqual(peaks, QRSDetector(configuration: Self.fixedBand).detect(record.signal, fs: record.fs))
        let score = BeatScorer.score(detections: peaks, reference: record.reference, fs: record.fs)
        XCTAssertGreaterThanOrEqual(score.f1, 0.99, "\(score)")
    }

    func testBlendFollowsTheWeights() {
        let n = 40
        let length = 10
        let wide = BandFeature(energy: Array(repeating: 2, count: n), slope: Array(repeating: 4, count: n))
        let narrow = BandFeature(energy: Array(repeating: 3, count: n), slope: Array(repeating: 6, count: n))
        let blended = QRSDetector.blend(
            wide, level: [2, 2, 2, 2], narrow, level: [3, 3, 3, 3], weights: [0, 0, 1, 1],
            windowLength: length)
        // Each band normalised by its level is 1, whatever the weight.
        for v in blended.energy { XCTAssertEqual(v, 1, accuracy: 1e-12) }
        for v in blended.slope { XCTAssertEqual(v, 2, accuracy: 1e-12) }

        let steps = QRSDetector.blend(
            wide, level: [1, 1, 1, 1], narrow, level: [1, 1, 1, 1], weights: [0, 0, 1, 1],
            windowLength: length)
        // Wide (2) up to the centre of window 1, narrow (3) from the centre of window 2,
        // linear in between (no step at the window edge).
        XCTAssertEqual(steps.energy[0], 2, accuracy: 1e-12)
        XCTAssertEqual(steps.energy[14], 2, accuracy: 1e-12)
        XCTAssertEqual(steps.energy[25], 3, accuracy: 1e-12)
        XCTAssertEqual(steps.energy[39], 3, accuracy: 1e-12)
        XCTAssertEqual(steps.energy[19], 2.5 - 0.05, accuracy: 1e-12)
        XCTAssertEqual(steps.energy[20], 2.5 + 0.05, accuracy: 1e-12)
    }

    func testNoisyStretchesWidenMergeAndClip() {
        let w: [Double] = [0, 0, 0, 0.5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0.2, 0, 0.1, 0, 0, 0]
        XCTAssertEqual(
            QRSDetector.noisyStretches(w, context: 2),
            [
                NoisyStretch(core: 2..<6, context: 0..<8),
                // 13 and 15 are one stretch: their contexts overlap.
                NoisyStretch(core: 12..<17, context: 10..<19),
            ])
        XCTAssertEqual(
            QRSDetector.noisyStretches([1, 0, 0, 0, 0, 0, 0, 0, 1], context: 1),
            [
                NoisyStretch(core: 0..<2, context: 0..<3), NoisyStretch(core: 7..<9, context: 6..<9),
            ])
        XCTAssertEqual(QRSDetector.noisyStretches([0, 0, 0], context: 4), [])
    }

    func testWeightsRampBetweenStartAndFull() {
        var c = QRSDetector.Configuration()
        c.noisyBandStart = 0.2
        c.noisyBandFull = 0.4
        let d = Decision(
            beats: [], candidates: Candidates([], of: BandFeature(energy: [], slope: []), slopeHalfWidth: 1),
            level: [1, 1, 1, 1, 0, 0.05], levelFloor: 0.05, noise: [0.1, 0.3, 0.5, 0.2, 0.5, 0.5],
            windowLength: 10, noiseWeights: [])
        let w = QRSDetector(configuration: c).noiseBandWeights(d)
        XCTAssertEqual(w[0], 0)
        XCTAssertEqual(w[1], 0.5, accuracy: 1e-12)
        XCTAssertEqual(w[2], 1)
        XCTAssertEqual(w[3], 0, accuracy: 1e-12)
        XCTAssertEqual(w[4], 0, "a window without signal level gets no weight")
        XCTAssertEqual(w[5], 0, "nor does one at the level's floor (a flat line)")
    }
}
