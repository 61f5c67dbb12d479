import JSONRPC
import XCTest

final class MessageTests: XCTestCase {
    /// The validation failure for `text`, or `nil` (after failing the test) if it is valid.
    private func invalid(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Message.Invalid? {
        do {
            let message = try Message(json: json(text, file: file, line: line))
            XCTFail("expected an invalid message, got \(message)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func message(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Message? {
        do {
            return try Message(json: json(text, file: file, line: line))
        } catch {
            XCTFail("\(text) is refused: \(error.error.message)", file: file, line: line)
            return nil
        }
    }

    func testRequests() {
        XCTAssertEqual(
            message(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#), .request(Request(id: .number(1), method: "ping")))
        XCTAssertEqual(
            message(#"{"jsonrpc":"2.0","id":"abc","method":"m","params":{"a":1}}"#),
            .request(Request(id: .string("abc"), method: "m", params: ["a": 1])))
        XCTAssertEqual(
            message(#"{"jsonrpc":"2.0","id":-7,"method":"m","params":[1,2]}"#),
            .request(Request(id: .number(-7), method: "m", params: [1, 2])))
        XCTAssertEqual(
            message(#"{"jsonrpc":"2.0","id":3.0,"method":"m"}"#), .request(Request(id: .number(3), method: "m")),
            "an integral number is an integer id")
    }

    func testNotifications() {
        XCTAssertEqual(
            message(#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            .notification(Notification(method: "initialized", params: [:])))
        XCTAssertEqual(message(#"{"jsonrpc":"2.0","method":"exit"}"#), .notification(Notification(method: "exit")))
    }

    func testResponsesFromThePeer() {
        XCTAssertEqual(message(#"{"jsonrpc":"2.0","id":3,"result":null}"#), .response(id: .number(3)))
        XCTAssertEqual(
            message(#"{"jsonrpc":"2.0","id":"x","error":{"code":1,"message":"m"}}"#), .response(id: .string("x")))
    }

    func testMissingOrWrongJSONRPCVersion() {
        let missing = invalid(#"{"id":1,"method":"ping"}"#)
        XCTAssertEqual(missing?.id, .number(1), "the id is reported when it could be read")
        XCTAssertEqual(missing?.error.code, -32600)
        XCTAssertEqual(missing?.error.message, #""jsonrpc" must be "2.0", found nothing"#)
        XCTAssertEqual(
            invalid(#"{"jsonrpc":"1.0","id":"a","method":"m"}"#)?.error.message,
            #""jsonrpc" must be "2.0", found "1.0""#)
        XCTAssertEqual(
            invalid(#"{"jsonrpc":2.0,"id":"a","method":"m"}"#)?.error.message, #""jsonrpc" must be "2.0", found 2"#)
        XCTAssertEqual(invalid(#"{"jsonrpc":"2.0 ","method":"m"}"#)?.id, nil)
    }

    func testMissingOrNonStringMethod() {
        let missing = invalid(#"{"jsonrpc":"2.0","id":9}"#)
        XCTAssertEqual(missing?.id, .number(9))
        XCTAssertEqual(missing?.error, ResponseError(code: -32600, message: #"the message has no "method""#))
        let number = invalid(#"{"jsonrpc":"2.0","id":"q","method":5}"#)
        XCTAssertEqual(number?.id, .string("q"))
        XCTAssertEqual(number?.error.message, #""method" must be a string, found number"#)
        XCTAssertEqual(
            invalid(#"{"jsonrpc":"2.0","method":null}"#)?.error.message, #""method" must be a string, found null"#)
    }

    func testBadIDTypes() {
        for (id, type) in [
            ("1.5", "number"), ("true", "boolean"), ("null", "null"), ("[1]", "array"), (#"{"a":1}"#, "object"),
        ] {
            let error = invalid(#"{"jsonrpc":"2.0","id":\#(id),"method":"m"}"#)
            XCTAssertNil(error?.id)
            XCTAssertEqual(error?.error.code, -32600)
            XCTAssertEqual(error?.error.message, #""id" must be an integer or a string, found \#(type)"#)
        }
    }

    func testParamsMustBeStructured() {
        for (params, type) in [("1", "number"), (#""s""#, "string"), ("true", "boolean"), ("null", "null")] {
            let error = invalid(#"{"jsonrpc":"2.0","id":2,"method":"m","params":\#(params)}"#)
            XCTAssertEqual(error?.id, .number(2))
            XCTAssertEqual(error?.error.message, #""params" must be an object or an array, found \#(type)"#)
        }
        XCTAssertEqual(
            invalid(#"{"jsonrpc":"2.0","method":"note","params":7}"#)?.error.code, -32600,
            "notifications are validated too")
    }

    func testNonObjectMessages() {
        for (text, type) in [("1", "number"), (#""x""#, "string"), ("null", "null"), ("[]", "array")] {
            let error = invalid(text)
            XCTAssertNil(error?.id)
            XCTAssertEqual(error?.error.message, "a message must be a JSON object, found \(type)")
        }
    }

    func testResponseBodies() {
        XCTAssertEqual(
            ResponseBody.result(["x": 1], id: .string("a")), ["jsonrpc": "2.0", "id": "a", "result": ["x": 1]])
        XCTAssertEqual(
            ResponseBody.error(.methodNotFound("nope"), id: .number(4)),
            ["jsonrpc": "2.0", "id": 4, "error": ["code": -32601, "message": "method not found: nope"]])
        XCTAssertEqual(
            ResponseBody.error(ResponseError(code: -32000, message: "m", data: ["k": true]), id: nil),
            ["jsonrpc": "2.0", "id": nil, "error": ["code": -32000, "message": "m", "data": ["k": true]]])
    }

    func testRequestIDForms() {
        XCTAssertEqual(RequestID(json: 12), .number(12))
        XCTAssertEqual(RequestID(json: "12"), .string("12"))
        XCTAssertNil(RequestID(json: 1e300))
        XCTAssertEqual(RequestID.number(5).json, 5)
        XCTAssertEqual(RequestID.string("s").json, "s")
        XCTAssertEqual(RequestID.number(5).description, "5")
        XCTAssertEqual(RequestID.string("s").description, #""s""#)
    }

    func testNotificationJSON() {
        XCTAssertEqual(Notification(method: "a").json, ["jsonrpc": "2.0", "method": "a"])
        XCTAssertEqual(Notification(method: "a", params: [1]).json, ["jsonrpc": "2.0", "method": "a", "params": [1]])
    }

    func testStandardErrorCodes() {
        XCTAssertEqual(ResponseError.parseError("x").code, -32700)
        XCTAssertEqual(ResponseError.invalidRequest("x").code, -32600)
        XCTAssertEqual(ResponseError.methodNotFound("x").code, -32601)
        XCTAssertEqual(ResponseError.invalidParams("x").code, -32602)
        XCTAssertEqual(ResponseError.internalError("x").code, -32603)
        XCTAssertEqual(ResponseError.payloadTooLarge("x").code, -32001)
        XCTAssertEqual(ResponseError.requestCancelled.code, -32800)
        XCTAssertEqual(ResponseError.Code.serverNotInitialized, -32002)
        XCTAssertEqual(ResponseError.Code.tooManyRequests, -32003)
        XCTAssertEqual(ResponseError(code: 1, message: "m").json, ["code": 1, "message": "m"])
    }
}
