import Foundation
import Synchronization

/// Preallocated memory for one thread running a graph: the arena and the slot pointer table.
final class Workspace: @unchecked Sendable {
    let arena: UnsafeMutablePointer<Float>
    let capacity: Int
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>

    init(floats: Int, slots: Int) {
        capacity = max(floats, 16)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
        arena = raw.initializeMemory(as: Float.self, repeating: 0, count: capacity)
        pointers = .allocate(capacity: max(slots, 1))
        pointers.initialize(repeating: arena, count: max(slots, 1))
    }

    deinit {
        UnsafeMutableRawPointer(arena).deallocate()
        pointers.deallocate()
    }
}

/// Workspaces kept between runs, so that a warm model allocates no arena per call.
final class WorkspacePool: Sendable {
    private let free = Mutex<[Workspace]>([])
    private let floats: Int
    private let slots: Int
    private let keep: Int

    init(floats: Int, slots: Int, keep: Int = 4) {
        self.floats = floats
        self.slots = slots
        self.keep = keep
    }

    func withWorkspace<R>(_ body: (Workspace) throws -> R) rethrows -> R {
        let ws = free.withLock { $0.popLast() } ?? Workspace(floats: floats, slots: slots)
        defer { free.withLock { if $0.count < keep { $0.append(ws) } } }
        return try body(ws)
    }
}
