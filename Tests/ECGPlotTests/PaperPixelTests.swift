import PlotTestSupport
import XCTest

@testable import ECGPlot

/// The paper is exact: decoded pixels show the grid at 1 mm and 5 mm and a calibration pulse
/// as tall as the gain says, at several resolutions.
final class PaperPixelTests: XCTestCase {
    private let minor = PaperStyle.ecg.gridColours!.minor.rgb
    private let major = PaperStyle.ecg.gridColours!.major.rgb

    func testGridLinesLieEveryMillimetreWithMajorLinesEveryFive() throws {
        for dpi in [96.0, 150, 300] {
            let probe = try PictureProbe(stripRequest([Double](repeating: 0, count: 3600)), size: PageSize(dpi: dpi))
            let image = probe.image
            let s = probe.pixelsPerMm
            // A pixel row between two horizontal lines, above the trace, right of the lead name.
            let y = Int(((probe.layout.gridTop + 2.5) * s).rounded())
            let columns = Int(probe.layout.width.rounded(.down))
            for k in Int(probe.layout.traceX)...columns {
                let column = Int((Double(k) * s).rounded())
                guard column < image.width else { continue }
                let expected = k % 5 == 0 ? major : minor
                XCTAssertTrue(
                    image.isColour(expected, x: column, y: y),
                    "dpi \(dpi): line \(k) mm at column \(column) is \(String(image[column, y], radix: 16))")
                // Halfway between lines: paper white.
                let between = Int(((Double(k) + 0.5) * s).rounded())
                if k < columns, s >= 5 {
                    XCTAssertTrue(
                        image.isColour(0xFFFFFF, x: between, y: y), "dpi \(dpi): between \(k) and \(k + 1) mm")
                }
            }
            // Horizontal lines too, from the top of the paper.
            // A column left of the calibration pulse, where no trace runs along a line.
            let x = Int((2.5 * s).rounded())
            let rows = Int((probe.layout.gridBottom - probe.layout.gridTop).rounded(.down))
            for k in 0..<rows {
                let row = Int(((probe.layout.gridTop + Double(k)) * s).rounded())
                XCTAssertTrue(
                    image.isColour(k % 5 == 0 ? major : minor, x: x, y: row), "dpi \(dpi): horizontal line \(k) mm")
            }
        }
    }

    func testGreyAndPlainStyles() throws {
        let grey = try PictureProbe(stripRequest([Double](repeating: 0, count: 720), paper: Paper(style: .grey)))
        let y = Int(((grey.layout.gridTop + 2.5) * grey.pixelsPerMm).rounded())
        let x = Int((grey.layout.traceX * grey.pixelsPerMm).rounded())
        XCTAssertTrue(
            grey.image.isColour(PaperStyle.grey.gridColours!.major.rgb, x: x, y: y), String(grey.image[x, y], radix: 16)
        )
        XCTAssertTrue(
            grey.image.isColour(
                PaperStyle.grey.gridColours!.minor.rgb, x: Int(((grey.layout.traceX + 1) * grey.pixelsPerMm).rounded()),
                y: y))
        let plain = try PictureProbe(stripRequest([Double](repeating: 0, count: 720), paper: Paper(style: .plain)))
        let row = plain.pixel(plain.layout.gridTop + 2.5)
        let columns = plain.pixel(plain.layout.traceX)..<plain.image.width
        XCTAssertTrue(columns.allSatisfy { plain.image.isColour(0xFFFFFF, x: $0, y: row) }, "no grid on plain paper")
    }

    /// The 1 mV pulse is `gain` mm tall: measured between the centre of the baseline stroke
    /// and the centre of the pulse's top stroke.
    func testCalibrationPulseIsGainMillimetresTall() throws {
        for (dpi, gain) in [(96.0, 10.0), (150, 10), (300, 10), (150, 20), (200, 5)] {
            let probe = try PictureProbe(
                stripRequest([Double](repeating: 0, count: 1800), paper: Paper(gain: gain)), size: PageSize(dpi: dpi))
            let layout = probe.layout
            let pulse = Paper.pulseSeconds * layout.paper.speed
            // Columns through the pulse's top, and through the baseline after its fall (the lead
            // name sits above the start of the pulse).
            let middle = probe.pixel(layout.calibrationX + layout.calibrationWidth / 2)
            let afterFall = probe.pixel(layout.calibrationX + (layout.calibrationWidth + pulse) / 2 + 1)
            XCTAssertLessThan(pulse + 2, layout.calibrationWidth)
            let strip = layout.strips[0]
            let rows = probe.pixel(strip.top)..<probe.pixel(strip.bottom)
            func inkCentre(_ column: Int) -> Double? {
                let dark = rows.filter { probe.image.darkness(x: column, y: $0) > 128 }
                return dark.isEmpty ? nil : Double(dark.reduce(0, +)) / Double(dark.count)
            }
            let base = try XCTUnwrap(inkCentre(afterFall), "baseline after the pulse")
            let top = try XCTUnwrap(inkCentre(middle), "top of the pulse")
            let height = (base - top) / probe.pixelsPerMm
            XCTAssertEqual(height, gain, accuracy: 0.6 / probe.pixelsPerMm + 1e-9, "dpi \(dpi), gain \(gain)")
        }
    }

    /// A time on the paper is `speed` mm per second from the window's start, which lies on a
    /// major line; the trace passes through each known value at each known time.
    func testTraceColourAlongTheSignalsPath() throws {
        // 0 mV, with a +1 mV plateau 2-3 s and a -0.5 mV plateau 5-6 s (the median stays 0).
        let fs = 360.0
        let samples = (0..<3600).map { i -> Double in
            let t = Double(i) / fs
            return t >= 2 && t < 3 ? 1 : t >= 5 && t < 6 ? -0.5 : 0
        }
        for speed in [25.0, 50] {
            let probe = try PictureProbe(stripRequest(samples, paper: Paper(speed: speed)), size: PageSize(dpi: 150))
            let strip = probe.layout.strips[0]
            XCTAssertEqual(
                (probe.layout.traceX / 5).rounded(), probe.layout.traceX / 5, "the window starts on a major line")
            XCTAssertEqual(
                ((strip.baseline - probe.layout.gridTop) / 5).rounded(), (strip.baseline - probe.layout.gridTop) / 5)
            for (seconds, millivolts) in [(1.0, 0.0), (2.5, 1.0), (4.0, 0.0), (5.5, -0.5), (8.0, 0.0)] {
                let x = probe.layout.traceX + seconds * speed
                XCTAssertTrue(
                    probe.hasInk(atMm: x, strip.baseline - millivolts * 10),
                    "speed \(speed): \(millivolts) mV at \(seconds) s")
                XCTAssertFalse(
                    probe.hasInk(atMm: x, strip.baseline - millivolts * 10 - 3), "speed \(speed): no ink 3 mm above")
            }
        }
    }

    /// An hour of samples on one strip keeps every extreme: one sample of 2 mV stays visible
    /// at 10 dpi, where hundreds of samples share a pixel column.
    func testLongWindowsKeepEveryExtreme() throws {
        let fs = 360.0
        var samples = [Double](repeating: 0, count: Int(3600 * fs))
        let spike = Int(1234.5 * fs)
        samples[spike] = 2
        let probe = try PictureProbe(
            stripRequest(samples, fs: fs, paper: Paper(speed: 5)), size: PageSize(dpi: 10))
        let strip = probe.layout.strips[0]
        XCTAssertTrue(probe.hasInk(atMm: probe.x(spike), strip.baseline - 19.0, radius: 1, darkness: 100))
    }

    func testMissingSamplesLeaveAGap() throws {
        let samples = (0..<3600).map { i in i >= 1440 && i < 1800 ? Double.nan : 0 }
        let probe = try PictureProbe(stripRequest(samples), size: PageSize(dpi: 150))
        let baseline = probe.layout.strips[0].baseline
        XCTAssertTrue(probe.hasInk(atMm: probe.x(1000), baseline))
        XCTAssertFalse(probe.hasInk(atMm: probe.x(1620), baseline, radius: 0, darkness: 120))
        XCTAssertTrue(probe.hasInk(atMm: probe.x(2200), baseline))
    }
}
