import XCTest

@testable import ECGService

/// `Float.shortestDouble` is `Double(description)`, bit for bit, on its fast path and off it.
final class ShortestDoubleTests: XCTestCase {
    private func assertParsesLikeItsText(_ value: Float, file: StaticString = #filePath, line: UInt = #line) {
        let expected = Double(value.description) ?? Double(value)
        XCTAssertEqual(
            value.shortestDouble.bitPattern, expected.bitPattern, "\(value.description)", file: file, line: line)
    }

    func testNamedValuesReadAsTheirShortestText() {
        XCTAssertEqual(Float(0.9).shortestDouble, 0.9)
        XCTAssertEqual(Float(0.1).shortestDouble, 0.1)
        XCTAssertEqual(Float(1).shortestDouble, 1)
        XCTAssertEqual(Float(2.5e-5).shortestDouble, 2.5e-5)
        XCTAssertEqual(Float(-3.25).shortestDouble, -3.25)
        XCTAssertEqual(Float(-0.0).shortestDouble.sign, .minus)
        XCTAssertEqual(Float(1e20).shortestDouble, 1e20)
        XCTAssertTrue(Float.nan.shortestDouble.isNaN)
        XCTAssertEqual(Float.infinity.shortestDouble, .infinity)
        for value: Float in [
            .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 1e-22, 1e-23, 1e22, 1e23,
            16_777_216, 16_777_218, 0.333_333_34, 123_456_792,
        ] {
            assertParsesLikeItsText(value)
            assertParsesLikeItsText(-value)
        }
    }

    func testRandomBitPatternsAndProbabilitiesParseLikeTheirText() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let value = Float(bitPattern: generator.next())
            guard value.isFinite else { continue }
            assertParsesLikeItsText(value)
        }
        // Softmax outputs: most in [0, 1], many tiny.
        for _ in 0..<200_000 {
            assertParsesLikeItsText(Float.random(in: 0...1, using: &generator))
            assertParsesLikeItsText(Float.random(in: 0...1, using: &generator) * .ulpOfOne)
        }
    }
}
