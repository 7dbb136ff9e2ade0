import Foundation

/// Runs CPU-bound work on a thread of its own instead of Swift's cooperative pool, which has one thread per core (two
/// on CI): a test computing for tens of seconds there starves every other test's tasks — a simulator binding its
/// port, a server answering — and turns their waits into failures. Assert on the result in the test, not inside
/// `body` (issue recording follows the test's task).
package func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 16 << 20
        thread.start()
    }
}
