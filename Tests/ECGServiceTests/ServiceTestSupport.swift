import ECGSignal
import Foundation
import Logging
import XCTest

@testable import ECGService
@testable import JSONRPC

/// Paths and helpers shared by the service tests.
enum ServiceTestSupport {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The random-weight fixture models (demo-aami5, kachuee187-demo): fast and deterministic.
    static let modelsDirectory = repository.appendingPathComponent("Tests/Data/models")
    static let dataRoot = repository.appendingPathComponent("Tests/Data")

    static func signals(dataRoot: URL = dataRoot) -> SignalDecoder {
        SignalDecoder(dataRoot: DataRoot(dataRoot), maxDecompressedBytes: 1 << 30)
    }

    static func registry(maxLoaded: Int? = nil) -> ModelRegistry {
        ModelRegistry(modelsDirectory: modelsDirectory, maxLoaded: maxLoaded, logger: Logger(label: "test"))
    }

    /// A request context; `progress` collects the `$/progress` values sent.
    static func context(progress: ProgressLog? = nil) -> RequestContext {
        RequestContext(
            id: .number(1), method: "test", logger: Logger(label: "test"),
            progress: progress.map { log in ProgressReporter(token: "t") { log.append($0) } },
            notify: { _ in })
    }

    /// Decodes a base64 float32 matrix result member.
    static func floats(_ matrix: JSONValue?) throws -> [Float] {
        let data = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(matrix?["data"]?.stringValue)))
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count, by: 4).map { (i: Int) -> Float in
            var bits = UInt32(bytes[i])
            bits |= UInt32(bytes[i + 1]) << 8
            bits |= UInt32(bytes[i + 2]) << 16
            bits |= UInt32(bytes[i + 3]) << 24
            return Float(bitPattern: bits)
        }
    }

    /// Asserts that `body` throws a ServiceError whose JSON-RPC code is `code`; returns its message.
    @discardableResult
    static func assertError(
        code: Int, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void
    ) async -> String? {
        do {
            try await body()
            XCTFail("expected error \(code)", file: file, line: line)
        } catch let error as ServiceError {
            XCTAssertEqual(error.responseError.code, code, error.responseError.message, file: file, line: line)
            return error.responseError.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }
}

/// Progress values sent to a client, collected from any thread; can run an action on each.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [JSONValue] = []
    private var onValue: (@Sendable (JSONValue) -> Void)?

    func onEach(_ action: @escaping @Sendable (JSONValue) -> Void) {
        lock.withLock { onValue = action }
    }

    func append(_ notification: JSONRPC.Notification) {
        guard let value = notification.params?["value"] else { return }
        let action = lock.withLock {
            values.append(value)
            return onValue
        }
        action?(value)
    }

    var kinds: [String] { lock.withLock { values.compactMap { $0["kind"]?.stringValue } } }
    var all: [JSONValue] { lock.withLock { values } }
}

/// Cancels a task once both the task is known and cancellation was asked for, in either order.
final class Canceller: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (@Sendable () -> Void)?
    private var requested = false

    func set(_ action: @escaping @Sendable () -> Void) {
        let now = lock.withLock {
            self.action = action
            return requested
        }
        if now { action() }
    }

    func cancel() {
        let action = lock.withLock {
            requested = true
            return self.action
        }
        action?()
    }
}
