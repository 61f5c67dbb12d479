import XCTest
final class PlaceholderECGServiceTests: XCTestCase { func testNothing() {} }
