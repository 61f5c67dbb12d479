import XCTest

@testable import ECGPlot

/// The selection that finds a cell's median puts at each asked place what sorting would.
final class MedianSelectionTests: XCTestCase {
    func testSelectionFindsWhatSortingFinds() {
        // Scrambled values: i * 7919 modulo a prime, some with many repeats.
        func scrambled(_ count: Int, modulo: Int) -> [Double] { (0..<count).map { Double($0 * 7919 % modulo) } }
        let arrays: [[Double]] = [
            [1], [2, 1], Array(repeating: 4, count: 50), (0..<300).map(Double.init),
            (0..<301).reversed().map(Double.init),
            scrambled(1001, modulo: 7), scrambled(4096, modulo: 4099), scrambled(8192, modulo: 8191),
        ]
        for values in arrays {
            let sorted = values.sorted()
            for k in Set([0, values.count / 2, values.count - 1]) {
                var selected = values
                PageLayout.select(k, in: &selected)
                XCTAssertEqual(selected[k], sorted[k], "k \(k) of \(values.count)")
                XCTAssertTrue(
                    selected[..<k].allSatisfy { $0 <= sorted[k] } && selected[k...].allSatisfy { $0 >= sorted[k] })
            }
        }
    }

    func testLevelsOfAnEvenCount() {
        let (median, high, low) = PageLayout.levels([4, 1, 3, 2, 10, -1][...])
        XCTAssertEqual([median, high, low], [2.5, 7.5, -3.5])
    }
}
