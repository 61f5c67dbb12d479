import ECGPlot
import Foundation
import XCTest

@testable import ECGService
@testable import JSONRPC

/// plotSegment's parameters in-process: windows, lead choice, marks, titles, the beat gain.
final class PlotSegmentTests: XCTestCase {
    let registry = ServiceTestSupport.registry()
    var plot: PlotSegment {
        let signals = ServiceTestSupport.signals()
        return PlotSegment(
            signals: signals, classify: Classify(signals: signals, registry: registry, threads: 2), registry: registry)
    }

    func testWindowsBySecondsSamplesAndBeat() throws {
        let (fs, count) = (360.0, 3600)
        XCTAssertEqual(try PlotWindow.decode(nil, fs: fs, sampleCount: count), .samples(0..<3600))
        XCTAssertEqual(try PlotWindow.decode(nil, fs: fs, sampleCount: 7200), .samples(0..<3600), "the first 10 s")
        XCTAssertEqual(
            try PlotWindow.decode(["start": 2, "end": 4.5], fs: fs, sampleCount: count), .samples(720..<1620))
        XCTAssertEqual(
            try PlotWindow.decode(["start": 8], fs: fs, sampleCount: count), .samples(2880..<3600), "to the end")
        XCTAssertEqual(
            try PlotWindow.decode(["startSample": 10, "endSample": 20], fs: fs, sampleCount: count), .samples(10..<20))
        XCTAssertEqual(
            try PlotWindow.decode(["beat": 3, "before": 1], fs: fs, sampleCount: count),
            .beat(.index(3), before: 1, after: 2))
        XCTAssertEqual(
            try PlotWindow.decode(["beat": "mostConfidentAbnormal"], fs: fs, sampleCount: count),
            .beat(.mostConfidentAbnormal, before: 2, after: 2))
        // Context is cut short at the ends of the signal.
        XCTAssertEqual(PlotWindow.around(100, before: 1, after: 1, fs: fs, sampleCount: count), 0..<461)
        XCTAssertEqual(PlotWindow.around(3500, before: 1, after: 1, fs: fs, sampleCount: count), 3140..<3600)
    }

    func testBadWindowsNameTheirMember() {
        let cases: [(JSONValue, String)] = [
            (["start": 3, "end": 2], "params.window: empty"),
            (["start": 11], "params.window.start: 11 s is past the end of the signal (10 s)"),
            (["end": 10.5], "params.window.end: 10.5 s is past the end"),
            (["startSample": -1], "params.window.startSample"),
            (["endSample": 0], "params.window: empty"),
            (["beat": -1], "params.window.beat"),
            (["beat": 1, "after": 601], "params.window.after"),
            (["beat": 1, "before": 0, "after": 0], "params.window: empty"),
            (["start": 1, "beat": 2], "params.window: give start and end"),
            (["from": 1], "params.window.from: unknown member"),
            ([1, 2], "params.window: expected object"),
        ]
        for (value, fragment) in cases {
            XCTAssertThrowsError(try PlotWindow.decode(value, fs: 360, sampleCount: 3600), "\(value)") { error in
                let message = (error as? ServiceError)?.responseError.message ?? "\(error)"
                XCTAssertTrue(message.contains(fragment), "\(value): \(message)")
            }
        }
    }

    func testTheRhythmLeadAndTheLeadBeatsAreFoundOn() async throws {
        let result = try await plot(
            [
                "signal": ["path": "ptbxl-synthetic/synth12_lr"], "layout": "12lead", "rhythm": ["V1", "II"],
                "peaks": [],
            ],
            ServiceTestSupport.context())
        XCTAssertEqual(result["leads"]?.arrayValue?.suffix(2), ["V1", "II"])
        // Beats found on II by default on a 12-lead page, on the lead asked for otherwise.
        let onII = try await plot(
            ["signal": ["path": "ptbxl-synthetic/synth12_lr"], "layout": "12lead"], ServiceTestSupport.context())
        let onV2 = try await plot(
            ["signal": ["path": "ptbxl-synthetic/synth12_lr"], "layout": "12lead", "lead": "V2"],
            ServiceTestSupport.context())
        XCTAssertEqual(onII["beats"]?.arrayValue?.count, 11)
        XCTAssertNotEqual(onII["beats"], onV2["beats"])
    }

    func testTitleNamesRecordLeadsWindowModelAndTheHighlightedBeat() async throws {
        let result = try await plot(
            ["signal": ["path": "mitdb/119"], "model": "demo-aami5", "window": ["beat": 5, "before": 1, "after": 1]],
            ServiceTestSupport.context())
        let beat = try XCTUnwrap(result["beats"]?.arrayValue?.first { $0["highlighted"] == true })
        XCTAssertEqual(beat["index"], 5)
        let title = try XCTUnwrap(result["title"]?.stringValue)
        let label = try XCTUnwrap(beat["label"]?.stringValue)
        XCTAssertTrue(title.hasPrefix("119 · MLII · "), title)
        XCTAssertTrue(title.contains("demo-aami5 · beat 5 at "), title)
        XCTAssertTrue(
            title.hasSuffix(
                ": \(label) \(PlotText.decimal(try XCTUnwrap(beat["probability"]?.numberValue), digits: 2))"), title)
        let untitled = try await plot(
            ["signal": ["path": "mitdb/119"], "peaks": [], "title": ""], ServiceTestSupport.context())
        XCTAssertEqual(untitled["title"], "")
    }

    func testACutBeatIsDrawnAboutThirtyFiveMillimetresTall() {
        XCTAssertEqual(PlotSegment.gain(for: [0, 1, 0.5]), 40, "Kachuee beats lie in [0, 1]")
        XCTAssertEqual(PlotSegment.gain(for: [-0.5, 1.2]), 20, "a beat in millivolts")
        XCTAssertEqual(PlotSegment.gain(for: [-3, 4.5]), 5, "a z-scored window")
        XCTAssertEqual(PlotSegment.gain(for: [0, 0]), PlotSegment.beatPaper.gain, "a flat beat keeps the default")
    }

    func testNumbersInTitles() {
        XCTAssertEqual(PlotText.decimal(12, digits: 2), "12")
        XCTAssertEqual(PlotText.decimal(12.5, digits: 2), "12.5")
        XCTAssertEqual(PlotText.decimal(1805.5556, digits: 3), "1805.556")
        XCTAssertEqual(PlotText.decimal(-0.25, digits: 1), "-0.3")
        XCTAssertEqual(PlotText.seconds(0.05), "0.05 s")
    }
}
