import XCTest

@testable import ECGService

final class FairSchedulerTests: XCTestCase {
    func testACancelledWaiterGivesUpItsPlace() async throws {
        let scheduler = FairScheduler(slots: 1)
        try await scheduler.acquire(for: nil)
        let waiter = Task { try await scheduler.acquire(for: nil) }
        waiter.cancel()
        do {
            try await waiter.value
            XCTFail("a cancelled waiter got the slot")
        } catch is CancellationError {}
        scheduler.release()
        // The slot is free again, not handed to the cancelled waiter: this takes it at once.
        try await scheduler.acquire(for: nil)
        scheduler.release()
    }
}
