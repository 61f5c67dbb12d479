import Foundation
import TestSupport
import XCTest

@testable import ECGSignal

/// Filters and resampling against scipy reference outputs
/// (made by scripts/fixtures/make_dsp_fixtures.py).
final class DSPTests: XCTestCase {
    struct Reference: Decodable {
        struct Filter: Decodable {
            let name: String, kind: String, freqs: [Double], order: Int, fs: Double
            let x: [Double], sos: [[Double]], sosfilt: [Double], sosfiltfilt: [Double]
        }
        struct Resample: Decodable { let up: Int, down: Int, x: [Double], y: [Double] }
        let filters: [Filter]
        let resample: [Resample]
    }

    static let reference: Reference = {
        let url = Bundle.module.url(
            forResource: "dsp_reference", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    func design(_ f: Reference.Filter) throws -> SOSFilter {
        let kind: Butterworth.Kind
        switch f.kind {
        case "lowpass": kind = .lowpass(cutoff: f.freqs[0])
        case "highpass": kind = .highpass(cutoff: f.freqs[0])
        default: kind = .bandpass(low: f.freqs[0], high: f.freqs[1])
        }
        return try Butterworth.design(kind, order: f.order, fs: f.fs)
    }

    /// Largest |a - b| relative to the largest |b|.
    func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        XCTAssertEqual(a.count, b.count)
        let scale = max(b.map(abs).max() ?? 1, 1e-300)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    func testButterworthSectionsMatchScipy() throws {
        for f in Self.reference.filters {
            let sos = try design(f)
            XCTAssertEqual(sos.sections.count, f.sos.count, f.name)
            // Section pairing may differ from zpk2sos; the cascade's response must not.
            let theirs = SOSFilter(
                sections: f.sos.map {
                    .init(b0: $0[0], b1: $0[1], b2: $0[2], a1: $0[4], a2: $0[5])
                })
            let grid = (0...200).map { Double($0) * Double.pi / 200 }
            let a = grid.map { sos.magnitude(atOmega: $0) }
            let b = grid.map { theirs.magnitude(atOmega: $0) }
            XCTAssertLessThan(relativeError(a, b), 1e-9, f.name)
        }
    }

    func testSosfiltMatchesScipy() throws {
        for f in Self.reference.filters {
            let y = try design(f).apply(f.x)
            XCTAssertLessThan(relativeError(y, f.sosfilt), 1e-9, f.name)
        }
    }

    func testSosfiltfiltMatchesScipy() throws {
        for f in Self.reference.filters {
            let y = try design(f).filtfilt(f.x)
            XCTAssertLessThan(relativeError(y, f.sosfiltfilt), 1e-9, f.name)
        }
    }

    func testInvalidDesignsThrow() {
        XCTAssertThrowsError(try Butterworth.design(.lowpass(cutoff: 200), order: 2, fs: 360))
        XCTAssertThrowsError(try Butterworth.design(.highpass(cutoff: 0), order: 2, fs: 360))
        XCTAssertThrowsError(try Butterworth.design(.bandpass(low: 20, high: 5), order: 2, fs: 360))
        XCTAssertThrowsError(try Butterworth.design(.lowpass(cutoff: 10), order: 0, fs: 360))
    }

    func testResamplePolyMatchesScipy() {
        for r in Self.reference.resample {
            let y = Resampler(up: r.up, down: r.down).apply(r.x)
            XCTAssertLessThan(relativeError(y, r.y), 1e-9, "\(r.up)/\(r.down)")
        }
    }

    /// The four-outputs-at-a-time loop sums each output in the order of the plain polyphase sum,
    /// so it gives the same bits, at any length (the tail of fewer than four included).
    func testResampleEqualsThePlainSumBitForBit() {
        var generator = SplitMix64(seed: 3)
        for (up, down, n) in [(25, 72, 1001), (25, 9, 37), (1, 2, 10), (5, 3, 4), (2, 1, 1)] {
            let x = (0..<n).map { _ in Double(generator.next() % 2_000_001) / 1000 - 1000 }
            let resampler = Resampler(up: up, down: down)
            let (h, half) = (resampler.taps, resampler.halfLength)
            let plain = (0..<resampler.outputCount(n)).map { m in
                var sum = 0.0
                for k in 0..<n {
                    let j = half + m * down - k * up
                    if j >= 0 && j < h.count { sum += x[k] * h[j] }
                }
                return sum
            }
            XCTAssertEqual(resampler.apply(x).map(\.bitPattern), plain.map(\.bitPattern), "\(up)/\(down), \(n) samples")
        }
    }

    /// Long signals are resampled in parallel parts; every output, those next to a part's
    /// edge included, is still the plain sum.
    func testLongResampleInPartsEqualsThePlainSum() {
        var generator = SplitMix64(seed: 5)
        let n = 400_003
        let x = (0..<n).map { _ in Double(generator.next() % 2_000_001) / 1000 - 1000 }
        let resampler = Resampler(up: 25, down: 72)
        let (h, half, up) = (resampler.taps, resampler.halfLength, resampler.up)
        let y = resampler.apply(x)
        XCTAssertEqual(y.count, resampler.outputCount(n))
        XCTAssertGreaterThan(y.count, 2 * 65_536, "long enough for two parts")
        var differing = 0
        for m in y.indices {
            // The taps inside h, in ascending k as in the plain sum.
            let t = half + m * 72
            let low = max(0, (t - (h.count - 1) + up - 1) / up)
            var sum = 0.0
            if low <= min(n - 1, t / up) {
                for k in low...min(n - 1, t / up) { sum += x[k] * h[t - k * up] }
            }
            if sum.bitPattern != y[m].bitPattern { differing += 1 }
        }
        XCTAssertEqual(differing, 0)
    }

    func testRationalRatesAreExact() throws {
        let a = try Resampler(from: 360, to: 125)
        XCTAssertEqual([a.up, a.down], [25, 72])
        let b = try Resampler(from: 360, to: 1000)
        XCTAssertEqual([b.up, b.down], [25, 9])
        XCTAssertThrowsError(try Resampler(from: 0, to: 100))
    }

    /// Root-mean-square of the middle half (edges excluded).
    func middleRMS(_ y: [Double]) -> Double {
        let mid = y[(y.count / 4)..<(3 * y.count / 4)]
        return (mid.map { $0 * $0 }.reduce(0, +) / Double(mid.count)).squareRoot()
    }

    func sine(_ f: Double, fs: Double, seconds: Double) -> [Double] {
        (0..<Int(fs * seconds)).map { sin(2 * Double.pi * f * Double($0) / fs) }
    }

    func testResamplerKeepsInBandSineAndRemovesAliases() throws {
        // 360 -> 125 Hz: a 20 Hz sine survives with its amplitude and frequency,
        // a 100 Hz sine (above the new Nyquist of 62.5 Hz) is removed.
        let r = try Resampler(from: 360, to: 125)
        let kept = r.apply(sine(20, fs: 360, seconds: 4))
        XCTAssertEqual(kept.count, 500)
        XCTAssertEqual(middleRMS(kept), 1 / 2.0.squareRoot(), accuracy: 0.01)
        let expected = sine(20, fs: 125, seconds: 4)
        for i in 100..<400 { XCTAssertEqual(kept[i], expected[i], accuracy: 0.01) }
        let removed = r.apply(sine(100, fs: 360, seconds: 4))
        XCTAssertLessThan(middleRMS(removed), 0.005)
        // Arbitrary ratio (upsampling to a rate with no small common factor).
        let odd = try Resampler(from: 360, to: 1013.7)
        XCTAssertEqual(Double(odd.up) / Double(odd.down), 1013.7 / 360, accuracy: 1e-5)
        let up = odd.apply(sine(5, fs: 360, seconds: 2))
        XCTAssertEqual(middleRMS(up), 1 / 2.0.squareRoot(), accuracy: 0.01)
    }

    func testBaselineRemovalKeepsQRSBand() {
        let fs = 360.0
        let n = Int(fs * 20)
        let wander = (0..<n).map { 2 * sin(2 * Double.pi * 0.1 * Double($0) / fs) }
        let qrsBand = sine(10, fs: fs, seconds: 20)
        let y = Baseline.remove(zip(wander, qrsBand).map { $0 + $1 }, fs: fs)
        let residual = zip(y, qrsBand).map { $0 - $1 }
        XCTAssertLessThan(middleRMS(residual), 0.05)
    }

    /// A random walk with noise (ECG-like baseline and detail), reproducible.
    func randomSignal(_ n: Int, seed: UInt64) -> [Double] {
        var state = seed
        var level = 0.0
        return (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            level += Double(Int64(bitPattern: state) >> 11) / Double(1 << 52)
            return level + Double(state >> 40) / Double(1 << 24)
        }
    }

    /// The interleaved steady-state pass equals the sample-by-sample one.
    func testInterleavedSteadyPassEqualsPlain() throws {
        let filters = [
            try Butterworth.design(.bandpass(low: 4, high: 18), order: 1, fs: 90),
            try Butterworth.design(.bandpass(low: 5, high: 15), order: 2, fs: 360),
            try Butterworth.design(.lowpass(cutoff: 40), order: 4, fs: 360),
        ]
        for (f, filter) in filters.enumerated() {
            for n in [1, 2, 3, 7, 64, 500, 1_000, 4_099, 20_001] {
                let x = randomSignal(n, seed: UInt64(7 * n + f))
                for backward in [false, true] {
                    var plain = x
                    var fast = x
                    var input = backward ? x[n - 1] : x[0]
                    plain.withUnsafeMutableBufferPointer { buf in
                        for s in filter.sections {
                            SOSFilter.steadyPass(s, on: buf, backward: backward, input: input)
                            input = s.dcGain * input
                        }
                    }
                    fast.withUnsafeMutableBufferPointer {
                        SOSFilter.runSteady(filter.sections, on: $0, backward: backward)
                    }
                    XCTAssertLessThan(relativeError(fast, plain), 1e-12, "filter \(f), n \(n)")
                }
            }
            // The shortest buffer the interleaved pass accepts.
            let s = filter.sections[0]
            let warmUp = try XCTUnwrap(s.warmUpLength)
            let x = randomSignal(8 * warmUp + 8, seed: 3)
            var plain = x
            var fast = x
            plain.withUnsafeMutableBufferPointer {
                SOSFilter.steadyPass(s, on: $0, backward: true, input: x[x.count - 1])
            }
            fast.withUnsafeMutableBufferPointer {
                SOSFilter.steadyPassInterleaved(
                    s, on: $0, backward: true, input: x[x.count - 1], warmUp: warmUp)
            }
            XCTAssertLessThan(relativeError(fast, plain), 1e-12, "filter \(f), shortest")
        }
    }
}
