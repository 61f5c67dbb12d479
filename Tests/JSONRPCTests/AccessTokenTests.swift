import JSONRPC
import XCTest

final class AccessTokenTests: XCTestCase {
    func testMatchesOnlyTheExactToken() throws {
        let token = try XCTUnwrap(AccessToken("abc123"))
        XCTAssertTrue(token.matches("abc123"))
        for wrong in ["", "abc12", "abc1234", "abc124", "ABC123", "xbc123"] {
            XCTAssertFalse(token.matches(wrong), wrong)
        }
        XCTAssertNil(AccessToken(""), "an empty token protects nothing")
        XCTAssertFalse("\(token)".contains("abc123"), "the token never appears in a description")
    }
}
