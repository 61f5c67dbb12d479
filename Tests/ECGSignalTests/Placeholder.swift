import XCTest
final class PlaceholderECGSignalTests: XCTestCase { func testNothing() {} }
