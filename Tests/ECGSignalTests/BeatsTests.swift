import Foundation
import TestSupport
import XCTest

@testable import ECGSignal

final class BeatsTests: XCTestCase {
    private let ramp = (0..<100).map(Double.init)

    func testWindowsAroundPeaksAndEdgePolicies() throws {
        let peaks = [2, 50, 98]
        let skip = try BeatSegmenter(before: 3, after: 4).segment(ramp, fs: 100, peaks: peaks)
        XCTAssertEqual(skip.windows, [[47, 48, 49, 50, 51, 52, 53]])
        XCTAssertEqual(skip.beatIndices, [1])
        XCTAssertEqual(skip.peaks, [50])
        XCTAssertEqual(skip.skipped, [0, 2])
        XCTAssertEqual(skip.padded, [])
        XCTAssertEqual(skip.fs, 100)

        let edge = try BeatSegmenter(before: 3, after: 4, edges: .padEdge).segment(ramp, fs: 100, peaks: peaks)
        XCTAssertEqual(
            edge.windows, [[0, 0, 1, 2, 3, 4, 5], [47, 48, 49, 50, 51, 52, 53], [95, 96, 97, 98, 99, 99, 99]])
        XCTAssertEqual(edge.padded, [0, 2])
        XCTAssertEqual(edge.skipped, [])

        let zero = try BeatSegmenter(before: 3, after: 4, edges: .padZero).segment(ramp, fs: 100, peaks: peaks)
        XCTAssertEqual(zero.windows[0], [0, 0, 1, 2, 3, 4, 5])
        XCTAssertEqual(zero.windows[2], [95, 96, 97, 98, 99, 0, 0])
        XCTAssertEqual(zero.beatIndices, [0, 1, 2])
    }

    func testNormalizations() throws {
        let signal = (0..<50).map { sin(Double($0) / 3) * 2 + 1 }
        let minMax = try BeatSegmenter(before: 5, after: 10, normalization: .minMax).segment(
            signal, fs: 50, peaks: [10, 30])
        for window in minMax.windows {
            XCTAssertEqual(window.min(), 0)
            XCTAssertEqual(window.max(), 1)
        }
        let z = try BeatSegmenter(before: 5, after: 10, normalization: .zScore).segment(
            signal, fs: 50, peaks: [10, 30])
        for window in z.windows {
            let mean = window.reduce(0, +) / Double(window.count)
            let variance = window.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(window.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-12)
            XCTAssertEqual(variance, 1, accuracy: 1e-12)
        }
        let flat = try BeatSegmenter(before: 1, after: 2, normalization: .minMax).segment(
            [3, 3, 3, 3], fs: 50, peaks: [1])
        XCTAssertEqual(flat.windows, [[0, 0, 0]])
    }

    /// Beats of a bundled record cut at 125 Hz: the peak sample of each window is the resampled
    /// signal at the mapped R-peak, and windows near the ends are skipped.
    func testResampledBeatsOfABundledRecord() throws {
        let url = ReaderFixtures.mitdb.appendingPathComponent("208")
        let record = try WFDB.readRecord(at: url)
        let beats = try WFDB.readAnnotations(at: url.appendingPathExtension("atr")).filter(\.isBeat).map(\.sample)
        let segmenter = BeatSegmenter(before: 90, after: 97, targetFS: 125)
        let cut = try segmenter.segment(record.leads[0], fs: record.fs, peaks: beats)
        XCTAssertEqual(cut.fs, 125)
        XCTAssertEqual(cut.windows.count + cut.skipped.count, beats.count)
        // Beats at samples 46 and 209 (16 and 73 at 125 Hz) lack 90 samples before them; the last
        // beat (649,935, i.e. 225,672 of 225,695 samples) lacks 97 after it.
        XCTAssertEqual(cut.skipped, [0, 1, beats.count - 1])
        XCTAssertEqual(beats.last, 649_935)
        XCTAssertTrue(cut.windows.allSatisfy { $0.count == 187 })
        let resampler = try Resampler(from: 360, to: 125)
        let resampled = resampler.apply(record.leads[0])
        for (window, peak) in zip(cut.windows, cut.peaks).prefix(50) {
            XCTAssertEqual(window[90], resampled[resampler.mapIndex(peak)])
        }
        XCTAssertEqual(cut.peaks, cut.beatIndices.map { beats[$0] })
    }

    func testRRFeatures() {
        let features = RRFeatures.compute(peaks: [0, 100, 250, 350], fs: 100, localBeats: 2)
        XCTAssertEqual(features.map(\.previous), [1, 1, 1.5, 1])
        XCTAssertEqual(features.map(\.next), [1, 1.5, 1, 1])
        XCTAssertEqual(features.map(\.localAverage), [1, 1, 1.25, 1.25])
        XCTAssertTrue(features.allSatisfy { $0.recordAverage == 3.5 / 3 })
        XCTAssertEqual(features[1].previousToNext, 1 / 1.5)
        XCTAssertEqual(features[2].previousToLocal, 1.5 / 1.25)
        XCTAssertEqual(features[2].previousToRecord, 1.5 / (3.5 / 3))
        XCTAssertEqual(features[3].localToRecord, 1.25 / (3.5 / 3))
        XCTAssertEqual(features[1].nextToRecord, 1.5 / (3.5 / 3))
        // Intervals 1, 1.5, 1 (s): every beat sees all three; median 1, steps 0.5 and 0.5.
        XCTAssertEqual(features.map(\.localMedian), [1, 1, 1, 1])
        XCTAssertEqual(features.map(\.irregularity), [0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(features[2].previousToLocalMedian, 1.5)
        XCTAssertEqual(features[2].vector.count, RRFeatures.names.count)
        XCTAssertEqual(features[2].vector[0...3], [1.5, 1, 1.25, 3.5 / 3])

        let wide = RRFeatures.compute(peaks: [0, 100, 250, 350], fs: 100)
        XCTAssertEqual(wide.map(\.localAverage), [1, 1, 3.5 / 3, 4.5 / 4])

        XCTAssertEqual(
            RRFeatures.compute(peaks: [7], fs: 360, fallbackRR: 0.75).map(\.vector),
            [[0.75, 0.75, 0.75, 0.75, 1, 1, 1, 1, 1, 0.75, 1, 0]])
        XCTAssertEqual(RRFeatures.compute(peaks: [], fs: 360), [])
    }

    func testIrregularityTellsAnIsolatedPrematureBeatFromAnIrregularRhythm() {
        // A regular 1 s rhythm with one premature beat (0.6 s, then a 1.4 s pause) against an
        // irregular rhythm alternating 0.6 and 1.4 s.
        var regular = [0]
        for k in 1...40 { regular.append(regular.last! + (k == 20 ? 60 : k == 21 ? 140 : 100)) }
        var irregular = [0]
        for k in 1...40 { irregular.append(irregular.last! + (k % 2 == 0 ? 60 : 140)) }
        let isolated = RRFeatures.compute(peaks: regular, fs: 100)[20]
        let fibrillating = RRFeatures.compute(peaks: irregular, fs: 100)[20]
        XCTAssertEqual(isolated.previousToLocalMedian, 0.6, accuracy: 1e-12)
        XCTAssertEqual(isolated.irregularity, 0)
        XCTAssertEqual(fibrillating.irregularity, 0.8, accuracy: 1e-12)
    }
}

final class BeatTemplateTests: XCTestCase {
    func testMedianIgnoresOffsetsAndOutlierBeats() {
        // Nine copies of one shape at different baselines and one beat of another shape: the
        // template is the shape, moved to zero mean.
        let shape: [Double] = [0, 1, 4, 9, 4, 1, 0, -1]
        let mean = shape.reduce(0, +) / Double(shape.count)
        var windows = (0..<9).map { k in shape.map { $0 + Double(k) * 10 } }
        windows.insert([50, -50, 50, -50, 50, -50, 50, -50], at: 4)
        let template = BeatTemplate(windows: windows)
        XCTAssertEqual(template.beatCount, 10)
        for (t, value) in template.samples.enumerated() { XCTAssertEqual(value, shape[t] - mean, accuracy: 1e-12) }
        XCTAssertEqual(BeatTemplate(windows: []).samples, [])
    }

    func testMedianOfEvenAndOddCounts() {
        var odd: [Double] = [5, 1, 4, 2, 3]
        XCTAssertEqual(BeatTemplate.median(&odd), 3)
        var even: [Double] = [8, 1, 7, 2, 2, 9]
        XCTAssertEqual(BeatTemplate.median(&even), 4.5)
        var sorted = (0..<1001).map(Double.init)
        XCTAssertEqual(BeatTemplate.median(&sorted), 500)
        var reversed = (0..<1000).reversed().map(Double.init)
        XCTAssertEqual(BeatTemplate.median(&reversed), 499.5)
        var ties = [Double](repeating: 2, count: 7) + [1, 3]
        XCTAssertEqual(BeatTemplate.median(&ties), 2)
    }

    func testBracketedMedianOfLongColumnsEqualsTheSelectedOne() {
        // Long columns take the sampled-bracket path; whatever the data (ties, a sorted or a
        // skewed column, a bracket that misses the middle), it must give the selection's median.
        var generator = SplitMix64(seed: 7)
        for trial in 0..<400 {
            let n = 512 + Int(generator.next() % 5000)
            var values: [Double] = (0..<n).map { i in
                switch trial % 4 {
                case 0: Double(generator.next() % 5)  // heavy ties
                case 1: Double(generator.next() % 1_000_000) / 1e3
                case 2: Double(i)  // sorted
                default: i < n / 3 ? 0 : Double(generator.next() % 100)  // a third at one value
                }
            }
            if trial % 8 == 7 { values.reverse() }
            var copy = values
            var scratch = [Double](repeating: 0, count: n)
            let bracketed = values.withUnsafeMutableBufferPointer { values in
                scratch.withUnsafeMutableBufferPointer { BeatTemplate.median(values, scratch: $0) }
            }
            XCTAssertEqual(bracketed, BeatTemplate.median(&copy), "trial \(trial), \(n) values")
        }
    }
    func testLongRecordingsUseEvenlySpacedBeats() {
        let windows = (0..<(BeatTemplate.maxBeats * 3 + 1)).map { k in [Double(k % 3), 0] }
        let template = BeatTemplate(windows: windows)
        XCTAssertLessThanOrEqual(template.beatCount, BeatTemplate.maxBeats)
        XCTAssertGreaterThan(template.beatCount, BeatTemplate.maxBeats / 2)
    }

    func testComparisonOfShapeAndAmplitudeOverARegion() {
        let template = BeatTemplate(samples: [0, 0, 1, 3, 1, 0, 0, 0], beatCount: 1)
        let same = TemplateComparison(window: [7, 7, 9, 13, 9, 7, 7, 100], template: template, region: 0..<7)
        XCTAssertEqual(same.correlation, 1, accuracy: 1e-12)
        XCTAssertEqual(same.amplitudeRatio, 2, accuracy: 1e-12)
        let inverted = TemplateComparison(window: [0, 0, -1, -3, -1, 0, 0, 0], template: template, region: 0..<8)
        XCTAssertEqual(inverted.correlation, -1, accuracy: 1e-12)
        XCTAssertEqual(inverted.amplitudeRatio, 1, accuracy: 1e-12)
        let flat = TemplateComparison(window: [Double](repeating: 2, count: 8), template: template, region: 0..<8)
        XCTAssertEqual(flat.correlation, 0)
        XCTAssertEqual(flat.amplitudeRatio, 0)
        // A region past the window is clipped; one sample cannot be compared.
        let clipped = TemplateComparison(window: [1, 2], template: template, region: 1..<9)
        XCTAssertEqual([clipped.correlation, clipped.amplitudeRatio], [0, 1])
    }

    func testWavesAreComparedOverTheirOwnStretches() {
        // 100 Hz, R-peak at 50: P is samples 20..<42, QRS 42..<62, T 62..<95.
        XCTAssertEqual(TemplateFeatures.Wave.p.region(peak: 50, fs: 100), 20..<42)
        XCTAssertEqual(TemplateFeatures.Wave.qrs.region(peak: 50, fs: 100), 42..<62)
        XCTAssertEqual(TemplateFeatures.Wave.t.region(peak: 50, fs: 100), 62..<95)
        XCTAssertEqual(TemplateFeatures.Wave.p.region(peak: 5, fs: 100), 0..<0)
        // A beat equal to the template except for an inverted T wave.
        let shape = (0..<100).map { (t: Int) -> Double in
            let x = Double(t)
            return t >= 62 && t < 95 ? sin((x - 62) / 33 * Double.pi) : cos(x / 7)
        }
        let template = BeatTemplate(samples: shape, beatCount: 1)
        var beat = shape
        for t in 62..<95 { beat[t] = -beat[t] }
        let features = TemplateFeatures(window: beat, template: template, peak: 50, fs: 100)
        XCTAssertEqual(features.vector.count, TemplateFeatures.names.count)
        XCTAssertEqual(features.comparisons[0].correlation, 1, accuracy: 1e-9)
        XCTAssertEqual(features.comparisons[1].correlation, 1, accuracy: 1e-9)
        XCTAssertEqual(features.comparisons[2].correlation, -1, accuracy: 1e-9)
        XCTAssertEqual(features.comparisons[2].amplitudeRatio, 1, accuracy: 1e-9)
    }
}

/// The fast paths of a classifier's per-beat arithmetic give, bit for bit, what one plain loop
/// per window gives (the shipped models were trained on those values).
final class BeatArithmeticTests: XCTestCase {
    /// Windows of pseudo-random values: `count` of `length` samples, plus two of other lengths.
    private func windows(count: Int, length: Int) -> [[Double]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) * 4 - 2
        }
        var out = (0..<count).map { _ in (0..<length).map { _ in next() } }
        out.insert((0..<(length + 3)).map { _ in next() }, at: 5)
        out.append((0..<(length - 1)).map { _ in next() })
        return out
    }

    func testWindowSumsAddInOrderAsReduceDoes() {
        let all = windows(count: 23, length: 97)
        XCTAssertEqual(WindowSums.sums(all) { v, _ in v }, all.map { $0.reduce(0, +) })
        let offsets = all.indices.map { Double($0) / 7 }
        XCTAssertEqual(
            WindowSums.sums(all) { v, k in (v - offsets[k]) * (v - offsets[k]) },
            all.indices.map { k in all[k].reduce(0) { $0 + ($1 - offsets[k]) * ($1 - offsets[k]) } })
        XCTAssertEqual(WindowSums.sums(all[3..<11]) { v, _ in v }, all[3..<11].map { $0.reduce(0, +) })
        XCTAssertEqual(WindowSums.sums([[Double]]()) { v, _ in v }, [])
    }

    func testNormalizingAllWindowsMatchesOneAtATime() {
        var all = windows(count: 13, length: 41)
        all.append([Double](repeating: 1.5, count: 41))  // flat: all 0
        for normalization in BeatNormalization.allCases {
            let one = all.map { normalization.apply($0) }
            XCTAssertEqual(normalization.apply(all: all), one, "\(normalization)")
            // The plain formulas, written out.
            for (window, normalized) in zip(all, one) {
                let expected: [Double]
                switch normalization {
                case .none: expected = window
                case .minMax:
                    let (low, range) = (window.min()!, window.max()! - window.min()!)
                    expected = window.map { range > 0 ? ($0 - low) / range : 0 }
                case .zScore:
                    let mean = window.reduce(0, +) / Double(window.count)
                    let sd = (window.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(window.count)).squareRoot()
                    expected = window.map { sd > 0 ? ($0 - mean) / sd : 0 }
                }
                XCTAssertEqual(normalized, expected, "\(normalization)")
            }
        }
    }

    func testTemplateComparisonMatchesThePlainFormula() {
        let all = windows(count: 9, length: 60)
        let template = BeatTemplate(windows: all.filter { $0.count == 60 })
        let reference = TemplateFeatures.Reference(template: template, peak: 30, fs: 100, windowLength: 60)
        for window in all where window.count == 60 {
            let features = TemplateFeatures(window: window, reference: reference)
            XCTAssertEqual(features, TemplateFeatures(window: window, template: template, peak: 30, fs: 100))
            for (wave, comparison) in zip(TemplateFeatures.Wave.allCases, features.comparisons) {
                let range = wave.region(peak: 30, fs: 100).clamped(to: 0..<60)  // the T wave runs past the end
                let (b, m) = (Array(window[range]), Array(template.samples[range]))
                let (bm, mm) = (b.reduce(0, +) / Double(b.count), m.reduce(0, +) / Double(m.count))
                var (cross, bb, tt) = (0.0, 0.0, 0.0)
                for t in b.indices {
                    cross += (b[t] - bm) * (m[t] - mm)
                    bb += (b[t] - bm) * (b[t] - bm)
                    tt += (m[t] - mm) * (m[t] - mm)
                }
                XCTAssertEqual(comparison.correlation, cross / (bb * tt).squareRoot())
                XCTAssertEqual(
                    comparison.amplitudeRatio, (b.max()! - b.min()!) / (m.max()! - m.min()!))
            }
        }
    }
}

final class KachueeSegmenterTests: XCTestCase {
    func testBeatsSpanOnePointTwoMedianRRPaddedWithZeros() throws {
        // 25 s at 125 Hz: windows [0, 1250), [1250, 2500), [2500, 3125); peaks every 100 samples
        // (T = 100, beats of 120 samples), except the last window where they are 80 apart.
        let signal = (0..<3125).map { Double($0 % 100) * (1 + Double($0 / 1250)) }
        let peaks = Array(stride(from: 50, to: 2500, by: 100)) + [2560, 2640, 2720, 3100, 9999]
        let cut = try KachueeSegmenter().segment(signal, fs: 125, peaks: peaks)
        XCTAssertEqual(cut.fs, 125)
        XCTAssertEqual(cut.skipped, [peaks.count - 1])
        XCTAssertEqual(cut.beatIndices, Array(0..<(peaks.count - 1)))
        XCTAssertEqual(cut.padded, cut.beatIndices)
        XCTAssertTrue(cut.windows.allSatisfy { $0.count == 187 && $0.allSatisfy { (0...1).contains($0) } })

        let first = cut.windows[0]
        XCTAssertEqual(first[0], 50.0 / 99)
        XCTAssertEqual(first[49], 99.0 / 99)
        XCTAssertEqual(first[50], 0)
        XCTAssertEqual(first[119], 69.0 / 99, "1.2 T = 120 samples")
        XCTAssertEqual(first[120...].max(), 0)
        // Window 2 holds larger values (x2) but is scaled to [0, 1] on its own.
        XCTAssertEqual(cut.windows[13][49], 1)
        // The last window: T = 80, span 96; the beat at 3100 is cut by the end of the signal.
        let last = cut.windows[peaks.count - 3]
        XCTAssertGreaterThan(last[95], 0)
        XCTAssertEqual(last[96...].max(), 0)
        XCTAssertEqual(cut.windows[peaks.count - 2][25...].max(), 0)
    }

    func testBundledRecordAt360HzGivesKachueeShapedBeats() throws {
        let url = ReaderFixtures.mitdb.appendingPathComponent("101")
        let record = try WFDB.readRecord(at: url)
        let beats = try WFDB.readAnnotations(at: url.appendingPathExtension("atr")).filter(\.isBeat).map(\.sample)
        let cut = try KachueeSegmenter().segment(record.leads[0], fs: record.fs, peaks: beats)
        XCTAssertEqual(cut.windows.count, 1865)
        XCTAssertEqual(cut.skipped, [])
        XCTAssertTrue(cut.windows.allSatisfy { $0.count == 187 && $0.allSatisfy { (0...1).contains($0) } })
        XCTAssertEqual(cut.peaks, beats)
    }
}
