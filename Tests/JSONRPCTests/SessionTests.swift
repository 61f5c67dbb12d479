import JSONRPC
import Synchronization
import XCTest

/// Application state attached to a connection: one per connection, told when it ends.
private final class Counter: SessionAttachment {
    let value = Mutex(0)
    let ended = Mutex(0)
    func sessionEnded() async { ended.withLock { $0 += 1 } }
}

/// The attachments made, so the test can look at them after the connection ended.
private final class Made: Sendable {
    let counters = Mutex<[Counter]>([])
}

final class SessionTests: XCTestCase {
    private func registry(_ made: Made) -> MethodRegistry {
        var registry = MethodRegistry()
        registry.register("count") { _, context in
            let counter = context.session.attachment {
                let counter = Counter()
                made.counters.withLock { $0.append(counter) }
                return counter
            }
            return .number(
                Double(
                    counter.value.withLock {
                        $0 += 1
                        return $0
                    }))
        }
        registry.register("options") { _, context in
            context.session.initializeParams?["initializationOptions"] ?? .null
        }
        registry.onNotification("bump") { _, context in
            context.session.attachment { Counter() }.value.withLock { $0 += 10 }
        }
        return registry
    }

    func testAttachmentsLiveAsLongAsTheirConnectionAndAreToldWhenItEnds() async {
        let made = Made()
        let first = ConnectionHarness(registry: registry(made))
        let second = ConnectionHarness(registry: registry(made))
        for h in [first, second] { await h.initialize() }
        expectEqual(await first.call(1, "count")?["result"], 1)
        expectEqual(await first.call(2, "count")?["result"], 2)
        expectEqual(await second.call(1, "count")?["result"], 1, "the other connection has its own state")
        XCTAssertEqual(made.counters.withLock { $0.count }, 2)
        XCTAssertEqual(made.counters.withLock { $0.map { $0.ended.withLock { $0 } } }, [0, 0])
        first.endInput()
        _ = await first.end()
        XCTAssertEqual(made.counters.withLock { $0.map { $0.ended.withLock { $0 } } }, [1, 0])
        second.endInput()
        _ = await second.end()
        XCTAssertEqual(made.counters.withLock { $0.map { $0.ended.withLock { $0 } } }, [1, 1])
    }

    func testNotificationsAndRequestsShareTheAttachment() async {
        let made = Made()
        let h = ConnectionHarness(registry: registry(made))
        await h.initialize()
        expectEqual(await h.call(1, "count")?["result"], 1)
        h.send(notification("bump"))
        expectEqual(await h.call(2, "count")?["result"], 12)
    }

    func testHandlersSeeTheInitializeParams() async {
        let h = ConnectionHarness(registry: registry(Made()))
        h.send(request(1, "initialize", ["initializationOptions": ["model": "m"]]))
        _ = await h.response(1)
        expectEqual(await h.call(2, "options")?["result"], ["model": "m"])
    }
}
