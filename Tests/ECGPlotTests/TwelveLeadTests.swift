import PlotTestSupport
import XCTest

@testable import ECGPlot

/// The 12-lead page puts each lead in its row and column, over its quarter of the window.
final class TwelveLeadTests: XCTestCase {
    /// Lead names shuffled and in PTB-XL's upper case, as a header may have them.
    private let names = ["V6", "AVR", "I", "II", "V1", "III", "avl", "V2", "V3", "AVF", "V4", "V5"]

    func testStandardLeadsAreFoundInAnyCaseAndOrder() {
        let located = StandardLeads.locate(in: names)
        XCTAssertEqual(
            located.compactMap { $0 }.map { names[$0].lowercased() }, StandardLeads.names.map { $0.lowercased() })
        let partial = StandardLeads.locate(in: ["MLII", "V1"])
        XCTAssertEqual(partial.compactMap { $0 }, [1])
        XCTAssertNil(partial[1])
    }

    /// Each lead is 0 mV except a plateau in the middle of its own column's 2.5 s, as high as
    /// its row (0.5, 1.0, 1.5 mV): ink at the plateau's height shows the right lead in each cell.
    func testEachLeadIsDrawnInItsCell() throws {
        let fs = 500.0
        let count = 5000
        let standard = StandardLeads.locate(in: names).map { $0! }
        var leads = names.map { PlotLead(name: $0, samples: [Double](repeating: 0, count: count)) }
        for (row, positions) in StandardLeads.rows.enumerated() {
            for (column, position) in positions.enumerated() {
                let start = column * count / 4 + 400
                for i in start..<(start + 400) { leads[standard[position]].samples[i] = 0.5 * Double(row + 1) }
            }
        }
        let request = PlotRequest(
            fs: fs, leads: leads, window: 0..<count, layout: .twelveLead(leads: standard, rhythm: [standard[1]]),
            title: "12-lead")
        let probe = try PictureProbe(request, size: PageSize(dpi: 150))
        XCTAssertEqual(probe.layout.strips.count, 4)
        for (row, positions) in StandardLeads.rows.enumerated() {
            let strip = probe.layout.strips[row]
            for column in positions.indices {
                let cell = strip.cells[column]
                XCTAssertEqual(cell.samples, (column * count / 4)..<((column + 1) * count / 4))
                // Printed with the clinical spelling whatever the header says.
                XCTAssertEqual(cell.lead, standard[positions[column]])
                XCTAssertEqual(cell.name, StandardLeads.names[positions[column]])
                let middle = column * count / 4 + 600
                let height = 0.5 * Double(row + 1) * 10
                XCTAssertTrue(
                    probe.hasInk(atMm: probe.layout.x(middle, in: cell), strip.baseline - height),
                    "row \(row) column \(column)")
                XCTAssertFalse(
                    probe.hasInk(atMm: probe.layout.x(middle, in: cell), strip.baseline),
                    "row \(row) column \(column): not at 0")
            }
        }
        // The rhythm strip: lead II over the whole window (its plateau in the first column's time).
        let rhythm = probe.layout.strips[3]
        XCTAssertEqual(rhythm.cells.map(\.samples), [0..<count])
        XCTAssertTrue(probe.hasInk(atMm: probe.layout.x(600, in: rhythm.cells[0]), rhythm.baseline - 10))
        XCTAssertTrue(probe.hasInk(atMm: probe.layout.x(3100, in: rhythm.cells[0]), rhythm.baseline))
        // Every strip starts with its calibration pulse.
        for strip in probe.layout.strips {
            XCTAssertTrue(
                probe.hasInk(atMm: probe.layout.calibrationX + probe.layout.calibrationWidth / 2, strip.baseline - 10))
        }
    }
}
