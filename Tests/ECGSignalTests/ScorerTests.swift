import XCTest

@testable import ECGSignal

/// EC57 beat matching on hand-made cases (fs = 100 Hz, tolerance 150 ms = 15 samples).
final class ScorerTests: XCTestCase {
    func beats(_ samples: [Int], code: String = "N") -> [Annotation] {
        samples.map { Annotation(sample: $0, code: code) }
    }

    func testExactAndToleratedMatches() {
        let s = BeatScorer.score(detections: [100, 214, 285], annotations: beats([100, 200, 300]), fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 3, fp: 0, fn: 0))
        XCTAssertEqual(s.sensitivity, 1)
        XCTAssertEqual(s.positivePredictivity, 1)
    }

    func testJustOutsideToleranceIsMissAndFalsePositive() {
        let s = BeatScorer.score(detections: [116], annotations: beats([100]), fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 0, fp: 1, fn: 1))
        XCTAssertEqual(s.sensitivity, 0)
    }

    func testDoubleDetectionMatchesOnce() {
        let s = BeatScorer.score(detections: [98, 104, 300], annotations: beats([100, 300]), fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 2, fp: 1, fn: 0))
        XCTAssertEqual(s.positivePredictivity, 2.0 / 3.0, accuracy: 1e-12)
    }

    func testMissesAtTheEdgesCount() {
        // First and last reference beats have no detection.
        let s = BeatScorer.score(detections: [200, 300], annotations: beats([0, 200, 300, 999]), fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 2, fp: 0, fn: 2))
        XCTAssertEqual(s.sensitivity, 0.5)
    }

    func testOneDetectionBetweenTwoCloseBeatsMatchesOnlyOne() {
        // Two references 20 samples apart, one detection within tolerance of both.
        let s = BeatScorer.score(detections: [110], annotations: beats([100, 120]), fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 1, fp: 0, fn: 1))
    }

    func testMaximumMatchingPrefersLeavingRoomForTheNextBeat() {
        // Greedy-nearest would pair 100 with 112 and leave 125 unmatched; the maximum
        // matching pairs 100-95 and 125-112.
        let s = BeatScorer.score(detections: [95, 112], annotations: beats([100, 125]), fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 2, fp: 0, fn: 0))
    }

    func testNonBeatAnnotationsAreNotReferences() {
        var ann = beats([100, 200])
        ann.append(Annotation(sample: 150, code: "+", aux: "(AFIB"))
        ann.append(Annotation(sample: 250, code: "~"))
        let s = BeatScorer.score(detections: [100, 200], annotations: ann.sorted { $0.sample < $1.sample }, fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 2, fp: 0, fn: 0))
    }

    func testFlutterEpisodesAreExcluded() {
        var ann = beats([100, 200, 900])
        ann += [
            Annotation(sample: 300, code: "["), Annotation(sample: 350, code: "!"),
            Annotation(sample: 700, code: "]"),
        ]
        ann.sort { $0.sample < $1.sample }
        // Detections inside [300, 700] do not count; one outside at 500? no: 800 is an FP.
        let s = BeatScorer.score(
            detections: [100, 200, 320, 400, 450, 690, 800, 900], annotations: ann, fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 3, fp: 1, fn: 0))
    }

    func testOpenFlutterEpisodeRunsToTheEnd() {
        let ann = beats([100]) + [Annotation(sample: 200, code: "[")]
        let s = BeatScorer.score(detections: [100, 300, 5000], annotations: ann, fs: 100)
        XCTAssertEqual(s, BeatMatchScore(tp: 1, fp: 0, fn: 0))
    }

    func testToleranceScalesWithSamplingRate() {
        // 150 ms at 1000 Hz is 150 samples.
        let s = BeatScorer.score(detections: [1140, 2160], annotations: beats([1000, 2000]), fs: 1000)
        XCTAssertEqual(s, BeatMatchScore(tp: 1, fp: 1, fn: 1))
    }

    func testTotalsSumCountsAndTableShowsThem() {
        let a = BeatMatchScore(tp: 10, fp: 1, fn: 0)
        let b = BeatMatchScore(tp: 5, fp: 0, fn: 5)
        XCTAssertEqual(a + b, BeatMatchScore(tp: 15, fp: 1, fn: 5))
        XCTAssertEqual((a + b).sensitivity, 0.75)
        let text = ScoreTable(rows: [("r1", a), ("r2", b)]).render()
        XCTAssertTrue(text.contains("total"))
        XCTAssertTrue(text.split(separator: "\n").last!.contains("75.000"))
    }

    func testBeatTiming() {
        let t = BeatTiming(peaks: [360, 0, 720, 900], fs: 360)
        XCTAssertEqual(t.peaks, [0, 360, 720, 900])
        XCTAssertEqual(t.times, [0, 1, 2, 2.5])
        XCTAssertEqual(t.rr, [1, 1, 0.5])
        XCTAssertEqual(t.instantaneousHeartRate, [60, 60, 120])
        XCTAssertEqual(t.meanHeartRate!, 60 / (2.5 / 3), accuracy: 1e-9)
        XCTAssertEqual(t.minHeartRate, 60)
        XCTAssertEqual(t.maxHeartRate, 120)
        XCTAssertNil(BeatTiming(peaks: [5], fs: 360).meanHeartRate)
    }
}
