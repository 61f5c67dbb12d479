import XCTest
final class PlaceholderECGInferenceTests: XCTestCase { func testNothing() {} }
