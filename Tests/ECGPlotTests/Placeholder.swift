import XCTest
final class PlaceholderECGPlotTests: XCTestCase { func testNothing() {} }
