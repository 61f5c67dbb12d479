import CSignalKernels
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
}
