import TestSupport
import XCTest

@testable import ECGSignal

/// The detector's recording-level analysis: spans, signal quality and several leads.
final class DetectorAnalysisTests: XCTestCase {
    private func record(_ name: String) throws -> Recording {
        try WFDB.readRecord(at: DetectorTests.mitdb.appendingPathComponent(name))
    }

    private func reference(_ name: String) throws -> [Annotation] {
        try WFDB.readAnnotations(at: DetectorTests.mitdb.appendingPathComponent(name).appendingPathExtension("atr"))
    }

    func testSpansTileTheRecordOnWindowEdges() {
        let spans = QRSDetector.spans(count: 650_000, unit: 720, length: 108_000, overlap: 10_800)
        XCTAssertEqual(spans.first?.core.lowerBound, 0)
        XCTAssertEqual(spans.last?.core.upperBound, 650_000)
        for (a, b) in zip(spans, spans.dropFirst()) { XCTAssertEqual(a.core.upperBound, b.core.lowerBound) }
        for span in spans {
            XCTAssertEqual(span.core.lowerBound % 720, 0)
            XCTAssertEqual(span.context.lowerBound % 720, 0)
            XCTAssertTrue(span.context.contains(span.core.lowerBound))
            XCTAssertGreaterThanOrEqual(
                span.core.lowerBound - span.context.lowerBound, min(span.core.lowerBound, 10_800))
        }
        XCTAssertEqual(QRSDetector.spans(count: 150_000, unit: 720, length: 108_000, overlap: 10_800).count, 1)
    }

    /// Spans see every stage's whole neighbourhood, so they find what one pass over the
    /// record finds.
    func testSpansGiveTheBeatsOfOnePassOverTheRecord() throws {
        for name in ["208", "119"] {
            let lead = try record(name).leads[0]
            var whole = QRSDetector.Configuration()
            whole.spanLength = 10_000
            var short = QRSDetector.Configuration()
            short.spanLength = 60
            let one = QRSDetector(configuration: whole).analyze(leads: [lead], fs: 360)
            let spans = QRSDetector(configuration: short).analyze(leads: [lead], fs: 360)
            XCTAssertEqual(spans.peaks, one.peaks, name)
            XCTAssertEqual(spans.quality, one.quality, name)
        }
    }

    func testMissingAndFlatStretchesAreUnreadableNoiseIsNoisy() throws {
        var x = Array(try record("101").leads[0][0..<108_000])
        for i in 10_800..<18_000 { x[i] = .nan }  // 30 s to 50 s missing
        for i in 36_000..<43_200 { x[i] = x[35_999] }  // 100 s to 120 s flat
        var generator = SplitMix64(seed: 7)
        for i in 72_000..<90_000 { x[i] += 0.6 * generator.nextGaussian() }  // 200 s to 250 s, strong noise
        let quality = QRSDetector().analyze(leads: [x], fs: 360).quality[0]
        func level(at second: Double) -> SignalQuality.Level? {
            let sample = Int(second * 360)
            return quality.intervals.first { $0.start <= sample && sample < $0.end }?.level
        }
        // Windows next to a step into or out of the flat line see its slope.
        for second in [32.0, 40, 46, 103, 110, 117] { XCTAssertEqual(level(at: second), .unreadable, "\(second) s") }
        for second in [205.0, 225, 245] { XCTAssertNotNil(level(at: second), "\(second) s") }
        for second in [5.0, 70, 150, 180, 280] { XCTAssertNil(level(at: second), "\(second) s") }
        for (a, b) in zip(quality.intervals, quality.intervals.dropFirst()) { XCTAssertLessThanOrEqual(a.end, b.start) }
    }

    /// Lead 0 buried in noise over a stretch where lead 1 is clean: with both leads the beats
    /// of that stretch come from lead 1, elsewhere from lead 0.
    func testASecondLeadTakesOverWhereTheFirstIsNoisy() throws {
        let recording = try record("119")
        let n = 216_000  // 10 minutes
        var first = Array(recording.leads[0][0..<n])
        let second = Array(recording.leads[1][0..<n])
        var generator = SplitMix64(seed: 11)
        for i in 72_000..<144_000 { first[i] += 1.5 * generator.nextGaussian() }
        let annotations = try reference("119").filter { $0.sample < n }
        let alone = QRSDetector().analyze(leads: [first], fs: 360)
        let both = QRSDetector().analyze(leads: [first, second], fs: 360)
        let scoreAlone = BeatScorer.score(detections: alone.peaks, annotations: annotations, fs: 360)
        let scoreBoth = BeatScorer.score(detections: both.peaks, annotations: annotations, fs: 360)
        XCTAssertGreaterThan(scoreBoth.f1, scoreAlone.f1 + 0.02, "both \(scoreBoth), alone \(scoreAlone)")
        XCTAssertGreaterThan(scoreBoth.f1, 0.99, "\(scoreBoth)")
        XCTAssertEqual(both.quality.count, 2)
        XCTAssertGreaterThan(both.quality[0].samples(.noisy) + both.quality[0].samples(.unreadable), 50_000)
        // Outside the noisy stretch the first lead's own beats stand.
        let clean = 0..<60_000
        XCTAssertEqual(both.peaks.filter(clean.contains), alone.peaks.filter(clean.contains))
    }
}
