import Logging
import XCTest

@testable import JSONRPC

/// In-process calls, as the one-shot command-line tools make them.
final class MethodRegistryCallTests: XCTestCase {
    func testCallRunsTheHandlerAndForwardsProgressValues() async throws {
        var registry = MethodRegistry()
        registry.register("double") { params, context in
            context.progress?.begin(title: "doubling")
            context.progress?.end(message: "done")
            guard case .number(let x)? = params?["x"] else {
                throw ResponseError.invalidParams("params.x: expected number")
            }
            return .number(2 * x)
        }
        let seen = Collected()
        let result = try await registry.call(
            "double", params: ["x": 21], logger: Logger(label: "test"), progress: { seen.append($0) })
        XCTAssertEqual(result, 42)
        XCTAssertEqual(seen.values.map { $0["kind"] }, ["begin", "end"])
        XCTAssertEqual(seen.values.last?["message"], "done")
    }

    func testErrorsAndUnknownMethodsAreThrown() async {
        var registry = MethodRegistry()
        registry.register("fail") { _, _ in throw ResponseError.invalidParams("params.x: bad") }
        for (method, code) in [("fail", ResponseError.Code.invalidParams), ("nope", ResponseError.Code.methodNotFound)]
        {
            do {
                _ = try await registry.call(method, params: nil, logger: Logger(label: "test"))
                XCTFail("\(method) should throw")
            } catch let error as ResponseError {
                XCTAssertEqual(error.code, code)
            } catch {
                XCTFail("unexpected \(error)")
            }
        }
    }
}

/// Values gathered from a @Sendable callback.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [JSONValue] = []
    var values: [JSONValue] { lock.withLock { stored } }
    func append(_ value: JSONValue) { lock.withLock { stored.append(value) } }
}
