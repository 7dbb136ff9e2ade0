import Foundation

/// Runs CPU-bound work on a thread of its own instead of Swift's cooperative pool, which has one thread per core (two
/// on CI): a test computing for tens of seconds there starves every other test's tasks — a simulator binding its
/// port, a server answering — and turns their waits into failures. One such computation runs at a time (the others
/// wait, suspended, in order): several at once would crowd the two cores just the same. Assert on the result in the
/// test, not inside `body` (issue recording follows the test's task).
package func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    await HeavyWork.gate.enter()
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
        let thread = Thread { continuation.resume(returning: Result { try body() }) }
        thread.stackSize = 16 << 20
        thread.start()
    }
    await HeavyWork.gate.leave()
    return try result.get()
}

/// The one-at-a-time gate of ``offPool(_:)``.
private actor HeavyWork {
    static let gate = HeavyWork()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

/// Sleeps `duration` even when the calling task is cancelled, for test code that must ignore cancellation (stubborn
/// work, a poll of a child process): a cancelled `Task.sleep` throws at once, and a loop around it would spin and
/// starve the two-thread cooperative pool. The sleep runs in a detached task, which is not cancelled with the caller.
package func sleepIgnoringCancellation(_ duration: Duration) async {
    await Task.detached {
        do { try await Task.sleep(for: duration) } catch {}  // a detached task is cancelled by nobody
    }.value
}
