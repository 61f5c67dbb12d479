import XCTest

@testable import ECGSignal

final class ClassConfusionTests: XCTestCase {
    let classes = ["N", "VEB"]

    func testMatchedMissedExtraAndUncountedBeats() {
        // fs 100 Hz, 150 ms = 15 samples. References: N at 100 (found as N), VEB at 300 (found as
        // N), N at 500 (missed), an unclassified beat at 700 (its detection is not counted), and
        // an N at 900 inside an excluded episode. Detections: 104 N, 290 N, 702 VEB, 899 N, and
        // 1200 VEB (no reference: an extra VEB).
        let table = ClassConfusion.score(
            reference: [(100, 0), (300, 1), (500, 0), (700, nil), (900, 0)],
            detections: [(104, 0), (290, 0), (702, 1), (899, 0), (1200, 1)],
            classes: classes, fs: 100, excluded: [850..<950])
        XCTAssertEqual(table.counts, [[1, 0, 1], [1, 0, 0], [0, 1, 0]])
        XCTAssertEqual(table.sensitivity(0), 0.5)
        XCTAssertEqual(table.positivePredictivity(0), 0.5)
        XCTAssertEqual(table.sensitivity(1), 0)
        XCTAssertEqual(table.positivePredictivity(1), 0)
        XCTAssertEqual(table.f1(1), 0)
        XCTAssertEqual(table.f1(0), 0.5)
    }

    func testToleranceIsInclusiveAndEachDetectionMatchesOnce() {
        let table = ClassConfusion.score(
            reference: [(100, 0), (110, 1)], detections: [(115, 1), (126, 0)], classes: classes, fs: 100)
        // 115 is within 15 samples of 100 and takes it; 126 is 16 from 110: VEB missed, extra N.
        XCTAssertEqual(table.counts, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    }

    func testAddingTablesAndUndefinedFigures() {
        var total = ClassConfusion(classes: classes)
        XCTAssertTrue(total.sensitivity(0).isNaN)
        XCTAssertTrue(total.f1(0).isNaN)
        let one = ClassConfusion.score(reference: [(50, 1)], detections: [(50, 1)], classes: classes, fs: 360)
        total.add(one)
        total.add(one)
        XCTAssertEqual(total.truePositives(1), 2)
        XCTAssertEqual(total.sensitivity(1), 1)
        XCTAssertEqual(total.positivePredictivity(1), 1)
    }
}
