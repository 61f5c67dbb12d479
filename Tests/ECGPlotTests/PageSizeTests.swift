import XCTest

@testable import ECGPlot

/// Sizes in pixels or millimetres, with or without dpi, and the limits.
final class PageSizeTests: XCTestCase {
    private let tenSeconds = stripRequest([Double](repeating: 0, count: 3600))

    func testAPixelWidthSetsTheResolutionThatFitsTheWindow() throws {
        let natural = try PageLayout(tenSeconds)
        let plot = try ECGPlotter.render(tenSeconds, size: PageSize(width: .pixels(1200), height: .pixels(400)))
        XCTAssertEqual(plot.page.dpi, 1200 / natural.width * 25.4, accuracy: 1e-9)
        XCTAssertEqual(plot.page.widthMm, natural.width, accuracy: 1e-9)
        XCTAssertEqual([plot.page.widthPixels, plot.page.heightPixels], [1200, 400])
    }

    func testMillimetresAndDPI() throws {
        let plot = try ECGPlotter.render(
            tenSeconds, size: PageSize(width: .millimetres(297), height: .millimetres(210), dpi: 300))
        XCTAssertEqual([plot.page.widthPixels, plot.page.heightPixels], [3508, 2480])
        // Extra width extends the paper; the millimetres per second stay.
        var layout = try PageLayout(tenSeconds)
        layout.fit(plot.page)
        XCTAssertEqual(layout.width, 297)
        XCTAssertEqual(layout.mmPerSample * 360, 25)
    }

    func testTheNaturalSizeAtTheDefaultResolution() throws {
        let plot = try ECGPlotter.render(tenSeconds)
        let natural = try PageLayout(tenSeconds)
        XCTAssertEqual(plot.page.dpi, PageSize.defaultDPI)
        XCTAssertEqual(plot.page.widthMm, natural.width)
        XCTAssertEqual(natural.width, 5 + 10 + 250 + 5, "pad, pulse, 10 s at 25 mm/s, pad")
    }

    func testSizesThatCannotHoldTheWindowAreRefused() {
        XCTAssertThrowsError(try ECGPlotter.render(tenSeconds, size: PageSize(width: .pixels(1200), dpi: 300))) {
            guard case .tooNarrow = $0 as? PlotError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try ECGPlotter.render(tenSeconds, size: PageSize(width: .millimetres(100)))) {
            guard case .tooNarrow = $0 as? PlotError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try ECGPlotter.render(tenSeconds, size: PageSize(height: .pixels(20)))) {
            guard case .tooShort = $0 as? PlotError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try ECGPlotter.render(tenSeconds, size: PageSize(width: .pixels(50)))) {
            guard case .fitResolution = $0 as? PlotError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try ECGPlotter.render(tenSeconds, size: PageSize(dpi: 5000))) {
            XCTAssertEqual($0 as? PlotError, .resolution(5000))
        }
    }

    func testThePixelCountIsCapped() {
        // An hour at 25 mm/s is 90 m of paper.
        let hour = stripRequest([Double](repeating: 0, count: 3600 * 360))
        XCTAssertThrowsError(try ECGPlotter.render(hour)) {
            guard case .tooManyPixels = $0 as? PlotError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(
            try ECGPlotter.render(
                tenSeconds, size: PageSize(width: .millimetres(1000), height: .millimetres(1000), dpi: 1200))
        ) {
            guard case .tooManyPixels = $0 as? PlotError else { return XCTFail("\($0)") }
        }
    }

    func testBadRequestsAreRefusedBeforeDrawing() {
        XCTAssertThrowsError(try ECGPlotter.render(stripRequest([1, 2, 3]).with { $0.window = 2..<2 }))
        XCTAssertThrowsError(try ECGPlotter.render(stripRequest([1, 2, 3]).with { $0.window = 0..<9 }))
        XCTAssertThrowsError(try ECGPlotter.render(stripRequest([1, 2, 3]).with { $0.layout = .strip(lead: 4) }))
        XCTAssertThrowsError(
            try ECGPlotter.render(stripRequest([1, 2, 3]).with { $0.layout = .twelveLead(leads: [0], rhythm: []) }))
        XCTAssertThrowsError(try ECGPlotter.render(stripRequest([1, 2, 3]).with { $0.paper.speed = 0 }))
        XCTAssertThrowsError(try ECGPlotter.render(stripRequest([1, 2, 3]).with { $0.highlightedBeat = 0 }))
    }
}

extension PlotRequest {
    func with(_ change: (inout PlotRequest) -> Void) -> PlotRequest {
        var copy = self
        change(&copy)
        return copy
    }
}
