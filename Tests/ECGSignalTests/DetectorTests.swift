import XCTest

@testable import ECGSignal

/// Accuracy floors of the QRS detector on the bundled MIT-BIH records (Tests/Data/mitdb),
/// a little under the measured figures so that a regression fails.
final class DetectorTests: XCTestCase {
    static let mitdb = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/mitdb")

    /// Measured at 360 Hz: 101 1864/4/1, 119 1987/1/0, 208 2943/7/12 (TP/FP/FN).
    func testAccuracyFloorAtNativeRate() throws {
        let floors: [String: (se: Double, pp: Double)] = [
            "101": (0.999, 0.997), "119": (0.9995, 0.999), "208": (0.995, 0.997),
        ]
        var total = BeatMatchScore()
        for (record, floor) in floors.sorted(by: { $0.key < $1.key }) {
            let r = try RecordEvaluation.evaluate(record: Self.mitdb.appendingPathComponent(record))
            XCTAssertEqual(r.lead, 0)
            XCTAssertGreaterThanOrEqual(r.score.sensitivity, floor.se, record)
            XCTAssertGreaterThanOrEqual(r.score.positivePredictivity, floor.pp, record)
            total = total + r.score
        }
        XCTAssertGreaterThanOrEqual(total.sensitivity, 0.9975)
        XCTAssertGreaterThanOrEqual(total.positivePredictivity, 0.998)
    }

    /// The same records resampled to 125 Hz (measured 99.81 % / 99.82 % in total).
    func testAccuracyFloorAfterResampling() throws {
        var total = BeatMatchScore()
        for record in ["101", "119", "208"] {
            let r = try RecordEvaluation.evaluate(record: Self.mitdb.appendingPathComponent(record), rate: 125)
            XCTAssertEqual(r.fs, 125)
            total = total + r.score
        }
        XCTAssertGreaterThanOrEqual(total.sensitivity, 0.997)
        XCTAssertGreaterThanOrEqual(total.positivePredictivity, 0.9975)
    }

    /// A synthetic train of Gaussian QRS-like spikes at 72 bpm with baseline wander:
    /// every beat found once, on the spike's peak.
    func testSyntheticBeatsAreFoundAtTheirPeaks() {
        for fs in [100.0, 250.0, 500.0] {
            let n = Int(fs * 30)
            let period = 60.0 / 72
            let truth = stride(from: 0.5, to: 29.5, by: period).map { Int(($0 * fs).rounded()) }
            var x = (0..<n).map { 0.3 * sin(2 * Double.pi * 0.2 * Double($0) / fs) }
            let width = 0.012 * fs
            for t in truth {
                for i in max(0, t - Int(6 * width))..<min(n, t + Int(6 * width)) {
                    let d = Double(i - t) / width
                    x[i] += 1.2 * exp(-0.5 * d * d)
                }
            }
            let peaks = QRSDetector().detect(x, fs: fs)
            XCTAssertEqual(peaks.count, truth.count, "fs \(fs)")
            for (p, t) in zip(peaks, truth) { XCTAssertLessThanOrEqual(abs(p - t), 1, "fs \(fs)") }
        }
    }

    func testDegenerateInputs() {
        let d = QRSDetector()
        XCTAssertEqual(d.detect([], fs: 360), [])
        XCTAssertEqual(d.detect([Double](repeating: 0, count: 3600), fs: 360), [])
        XCTAssertEqual(d.detect([1, 2, 3], fs: 360), [])
        // NaN gaps (WFDB "no data") do not poison the whole record.
        var x = [Double](repeating: 0, count: 3600)
        for b in stride(from: 180, to: 3600, by: 300) {
            x[b] = 1
            x[b + 1] = 0.6
            x[b - 1] = 0.6
        }
        x[1000] = .nan
        XCTAssertFalse(d.detect(x, fs: 360).isEmpty)
    }
}
