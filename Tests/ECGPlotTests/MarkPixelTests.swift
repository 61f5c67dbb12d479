import PlotTestSupport
import XCTest

@testable import ECGPlot

/// Beats, references and highlights are drawn where the samples say, in their classes' colours.
final class MarkPixelTests: XCTestCase {
    private let ecg = SyntheticECG(fs: 360, seconds: 10)

    func testRPeaksAreMarkedAboveTheTraceInTheirClassColour() throws {
        let beats = ecg.peaks.enumerated().map { BeatMark(sample: $1, label: $0 == 3 ? "VEB" : "N", probability: 0.8) }
        let probe = try PictureProbe(stripRequest(ecg.samples, beats: beats), size: PageSize(dpi: 200))
        let strip = probe.layout.strips[0]
        // The trace reaches the R-peak's 1 mV.
        XCTAssertTrue(probe.hasInk(atMm: probe.x(ecg.peaks[3]), strip.baseline - 10, radius: 2))
        // The triangle above each R-peak: vermillion for the VEB, bluish green for the others.
        let markY = strip.top + 5.0
        XCTAssertTrue(
            probe.hasColour(BeatPalette.vermillion, atMm: probe.x(ecg.peaks[3]), markY, radius: 0, tolerance: 8))
        XCTAssertTrue(
            probe.hasColour(BeatPalette.bluishGreen, atMm: probe.x(ecg.peaks[2]), markY, radius: 0, tolerance: 8))
        XCTAssertFalse(
            probe.hasColour(BeatPalette.vermillion, atMm: probe.x(ecg.peaks[2]), markY, radius: 2, tolerance: 40))
        // Halfway between two beats there is no mark.
        let between = (ecg.peaks[2] + ecg.peaks[3]) / 2
        XCTAssertFalse(
            probe.hasColour(BeatPalette.bluishGreen, atMm: probe.x(between), markY, radius: 2, tolerance: 40))
    }

    func testReferencesAreDrawnBelowTheTrace() throws {
        let references = ecg.peaks.map { ReferenceMark(sample: $0, label: "V", colourClass: "VEB") }
        let probe = try PictureProbe(stripRequest(ecg.samples, references: references), size: PageSize(dpi: 200))
        let strip = probe.layout.strips[0]
        for peak in ecg.peaks.prefix(3) {
            XCTAssertTrue(
                probe.hasColour(
                    BeatPalette.vermillion, atMm: probe.x(peak), strip.bottom - 4.3, radius: 0, tolerance: 8))
        }
    }

    func testTheHighlightedBeatGetsABand() throws {
        let beats = ecg.peaks.map { BeatMark(sample: $0, label: "N") }
        let probe = try PictureProbe(stripRequest(ecg.samples, beats: beats, highlighted: 5), size: PageSize(dpi: 150))
        let strip = probe.layout.strips[0]
        // Just after the highlighted R-peak, away from the trace and the grid lines: yellow over white.
        let x = (probe.x(ecg.peaks[5] + 36) * 1).rounded(.down) + 0.5
        let y = (strip.top + 8).rounded(.down) + 0.5
        let pixel = probe.image[probe.pixel(x), probe.pixel(y)]
        XCTAssertGreaterThan(Int(pixel >> 16 & 0xFF), 200)
        XCTAssertLessThan(Int(pixel & 0xFF), 200, "yellowish: \(String(pixel, radix: 16))")
        // The same place next to another beat stays white.
        let other = (probe.x(ecg.peaks[2] + 36)).rounded(.down) + 0.5
        XCTAssertTrue(probe.image.isColour(0xFFFFFF, x: probe.pixel(other), y: probe.pixel(y)))
    }

    func testOkabeItoColoursForClasses() {
        let classes = ["N", "SVEB", "VEB", "F", "Q"]
        XCTAssertEqual(BeatPalette.colour(for: "N", classes: classes), BeatPalette.bluishGreen)
        XCTAssertEqual(BeatPalette.colour(for: "SVEB", classes: classes), BeatPalette.orange)
        XCTAssertEqual(BeatPalette.colour(for: "VEB", classes: classes), BeatPalette.vermillion)
        XCTAssertEqual(BeatPalette.colour(for: "abnormal", classes: ["normal", "abnormal"]), BeatPalette.vermillion)
        XCTAssertEqual(BeatPalette.colour(for: "normal", classes: ["normal", "abnormal"]), BeatPalette.bluishGreen)
        // A model's own classes take the palette in order; unknown labels are grey.
        XCTAssertEqual(BeatPalette.colour(for: "afib", classes: ["sinus", "afib"]), BeatPalette.orange)
        XCTAssertEqual(BeatPalette.colour(for: "noise", classes: []), BeatPalette.unlabelled)
        XCTAssertEqual(BeatPalette.colour(for: nil, classes: classes), BeatPalette.unlabelled)
    }
}
