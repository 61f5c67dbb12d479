import XCTest

@testable import ECGSignal

/// With two leads, the beats of a stretch where the first lead has no signal (an electrode
/// off) come from the second lead; elsewhere the first lead's beats stand.
final class DetectorLeadHandOverTests: XCTestCase {
    func testFlatFirstLeadHandsItsBeatsToTheSecond() throws {
        let base = DetectorTests.mitdb.appendingPathComponent("119")
        let recording = try WFDB.readRecord(at: base)
        let fs = recording.fs
        let n = Int(300 * fs)
        var first = Array(recording.leads[0][0..<n])
        let second = Array(recording.leads[1][0..<n])
        let off = Int(100 * fs)..<Int(200 * fs)
        for i in off { first[i] = 0 }  // the first lead's electrode off for 100 s
        let reference = try WFDB.readAnnotations(at: base.appendingPathExtension("atr"))
            .filter { $0.isBeat && $0.sample < n }.map(\.sample)

        let alone = QRSDetector().analyze(leads: [first], fs: fs).peaks
        let both = QRSDetector().analyze(leads: [first, second], fs: fs).peaks
        func score(_ peaks: [Int], inside: Bool) -> BeatMatchScore {
            let outside = [0..<off.lowerBound, off.upperBound..<n]
            return BeatScorer.score(
                detections: peaks, reference: reference, excluded: inside ? outside : [off], fs: fs)
        }
        // The first lead alone finds nothing in the flat stretch; with the second, every beat.
        XCTAssertLessThan(score(alone, inside: true).tp, 5)
        let handedOver = score(both, inside: true)
        XCTAssertGreaterThan(handedOver.tp, 100)
        XCTAssertGreaterThanOrEqual(handedOver.sensitivity, 0.99, "\(handedOver)")
        XCTAssertGreaterThanOrEqual(handedOver.positivePredictivity, 0.99, "\(handedOver)")
        // Outside it (beyond the level windows it touches), the first lead's beats stand.
        let margin = Int(4 * fs)
        func away(_ peaks: [Int]) -> [Int] {
            peaks.filter { $0 < off.lowerBound - margin || $0 >= off.upperBound + margin }
        }
        XCTAssertEqual(away(both), away(alone))
    }
}
