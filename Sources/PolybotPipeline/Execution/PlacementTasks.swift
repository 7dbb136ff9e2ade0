import Synchronization

/// The executor's placements in flight, each in a task of its own.
///
/// Why not a task group: a group returns only once every child has, so one placement stuck in a call that ignores
/// cancellation would hold the executor, and with it the process, past the shutdown limit (seen once in the test suite:
/// the service group still waiting a minute after cancelling). A graceful stop still waits for every placement, so
/// nothing accepted is left half-done; a cancelled stop cancels them and returns at once. Each placement is
/// at-most-once by its idempotency key, and the next start's reconciliation closes whatever one left open.
final class PlacementTasks: Sendable {
    private struct State {
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var next: UInt64 = 0
    }
    private let state = Mutex(State())
    /// One element each time a placement ends (one consumer: the executor's run loop).
    let endings: AsyncStream<Void>
    private let ended: AsyncStream<Void>.Continuation

    init() { (endings, ended) = AsyncStream<Void>.makeStream() }

    /// Placements in flight.
    var count: Int { state.withLock { $0.tasks.count } }

    /// Starts `work` in a task of its own.
    func start(_ work: @escaping @Sendable () async -> Void) {
        state.withLock { s in
            let id = s.next
            s.next += 1
            // Registered under the lock, so its own removal (which takes the lock) always comes after.
            s.tasks[id] = Task {
                await work()
                self.finished(id)
            }
        }
    }

    /// Cancels every placement in flight (the caller stops waiting for them).
    func cancelAll() {
        for task in state.withLock({ Array($0.tasks.values) }) { task.cancel() }
    }

    private func finished(_ id: UInt64) {
        _ = state.withLock { $0.tasks.removeValue(forKey: id) }
        ended.yield()
    }
}
