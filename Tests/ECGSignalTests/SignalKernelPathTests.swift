import CSignalKernels
import TestSupport
import XCTest

@testable import ECGSignal

/// Every instruction-set path of CSignalKernels (AVX-512, AVX, SSE2) gives the same feature,
/// bit for bit, and the same beats: the machine running the tests checks the paths it lacks
/// in production too.
final class SignalKernelPathTests: XCTestCase {
    override func tearDown() {
        ecg_signal_kernels_limit(2)
        super.tearDown()
    }

    func testEveryPathGivesTheSameFeatureAndBeats() throws {
        let recording = try WFDB.readRecord(at: DetectorTests.mitdb.appendingPathComponent("208"))
        let signal = Array(recording.leads[0][0..<(360 * 600)])
        let detector = QRSDetector()
        var reference: (energy: [Double], slope: [Double], peaks: [Int])?
        for level in [2, 1, 0] {
            ecg_signal_kernels_limit(Int32(level))
            let reduced = QRSDetector.decimate(signal, factor: 4).values
            let feature = try XCTUnwrap(detector.bandFeature(reduced, fs: 90, low: 4, high: 18))
            let peaks = detector.detect(signal, fs: recording.fs)
            guard let reference else {
                reference = (feature.energy, feature.slope, peaks)
                XCTAssertGreaterThan(peaks.count, 700)
                continue
            }
            XCTAssertEqual(feature.energy, reference.energy, "level \(level)")
            XCTAssertEqual(feature.slope, reference.slope, "level \(level)")
            XCTAssertEqual(peaks, reference.peaks, "level \(level)")
        }
    }

    func testEveryPathScalesStoredSamplesLikeTheScalarExpression() {
        var random = SplitMix64(seed: 7)
        let stride = 3
        let raw = (0..<(1_003 * stride)).map { i -> Int32 in
            i % 97 == 0 ? -32_768 : Int32(truncatingIfNeeded: random.next() % 65_536) - 32_768
        }
        let (baseline, gain) = (1_024.0, 200.0)
        let expected = (0..<1_003).map { f -> Double in
            let v = raw[f * stride]
            return v == -32_768 ? .nan : (Double(v) - baseline) / gain
        }
        let sum = (0..<1_003).reduce(0) { $0 &+ Int(raw[$1 * stride]) }
        for level in [2, 1, 0] {
            ecg_signal_kernels_limit(Int32(level))
            var out = [Double](repeating: 0, count: 1_003)
            raw.withUnsafeBufferPointer { r in
                ecg_scale_samples(r.baseAddress!, stride, 1_003, baseline, gain, -32_768, &out)
                XCTAssertEqual(Int(ecg_sum_strided(r.baseAddress!, stride, 1_003)), sum, "level \(level)")
            }
            XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "level \(level)")
        }
    }
}
