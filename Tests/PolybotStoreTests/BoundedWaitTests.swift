import PolybotStore
import PolybotTestSupport
import Synchronization
import Testing

/// `bounded`: the caller gets its answer within the limit even when the work ignores cancellation (as a query that
/// postgres-nio has already sent does). No database needed.
@Suite("Bounded wait")
struct BoundedWaitTests {
    struct TimedOut: Error {}

    /// Work that only ends when `release` is set, whatever happens to its task.
    final class Stubborn: Sendable {
        let release = Mutex(false)
        let ended = Mutex(false)

        func work() async -> Int {
            while !release.withLock({ $0 }) {
                // Ignores cancellation on purpose, and still sleeps once cancelled (two loops spinning on a cancelled
                // sleep starved the two-thread pool and hung a whole `make test`).
                await sleepIgnoringCancellation(.milliseconds(5))
            }
            ended.withLock { $0 = true }
            return 1
        }
    }

    @Test func aValueComesBackUnchanged() async throws {
        #expect(try await bounded(.seconds(60), timeout: { TimedOut() }) { 42 } == 42)
    }

    @Test func anErrorOfTheWorkComesBackUnchanged() async throws {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await bounded(.seconds(60), timeout: { TimedOut() }) { () async throws -> Int in throw Refused() }
        }
    }

    @Test func theLimitAnswersWhileTheWorkIsStillRunning() async throws {
        let stubborn = Stubborn()
        await #expect(throws: TimedOut.self) {
            try await bounded(.milliseconds(100), timeout: { TimedOut() }) { await stubborn.work() }
        }
        // The caller has its answer although the work has not ended (it cannot, until released).
        #expect(!stubborn.ended.withLock { $0 })
        stubborn.release.withLock { $0 = true }
    }

    @Test func theCallersCancellationAnswersWhileTheWorkIsStillRunning() async throws {
        let stubborn = Stubborn()
        let started = Mutex(false)
        let caller = Task {
            started.withLock { $0 = true }
            return try await bounded(.seconds(600), timeout: { TimedOut() }) { await stubborn.work() }
        }
        while !started.withLock({ $0 }) { await Task.yield() }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(!stubborn.ended.withLock { $0 })
        stubborn.release.withLock { $0 = true }
    }
}
