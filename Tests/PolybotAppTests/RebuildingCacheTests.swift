import PolybotAPI
import PolybotTestSupport
import Synchronization
import Testing

/// The API's read cache (leaderboard, profiles): one build per key at a time, stale values while it runs, failures
/// reach the callers that wait, operator writes forget everything.
@Suite("rebuilding cache")
struct RebuildingCacheTests {
    struct Broken: Error {}

    /// Builds that wait for the test to let them finish, counted.
    final class Builds: Sendable {
        let started = Mutex(0)
        let gate: AsyncStream<Void>
        let open: AsyncStream<Void>.Continuation

        init() { (gate, open) = AsyncStream<Void>.makeStream() }

        func build(_ value: Int, fail: Bool = false) -> @Sendable () async throws -> Int {
            { [self] in
                started.withLock { $0 += 1 }
                var it = gate.makeAsyncIterator()
                _ = await it.next()
                if fail { throw Broken() }
                return value
            }
        }
    }

    @Test func concurrentCallersShareOneBuildAndAFreshValueIsNotRebuilt() async throws {
        let cache = RebuildingCache<String, Int>(capacity: 4)
        let builds = Builds()
        async let a = cache.value(for: "k", maxAge: .seconds(3_600), build: builds.build(1))
        async let b = cache.value(for: "k", maxAge: .seconds(3_600), build: builds.build(2))
        #expect(await eventually { builds.started.withLock { $0 } == 1 })
        builds.open.yield()
        let (x, y) = try await (a, b)
        // Whichever asked first built; the other waited for that build.
        #expect(x.value == y.value && [1, 2].contains(x.value) && x.generation == y.generation)
        #expect(builds.started.withLock { $0 } == 1)
        let again = try await cache.value(for: "k", maxAge: .seconds(3_600), build: builds.build(3))
        #expect(again.value == x.value && builds.started.withLock { $0 } == 1)
    }

    @Test func aStaleValueIsServedWhileItsRebuildRunsThenTheNewOne() async throws {
        let cache = RebuildingCache<String, Int>(capacity: 4)
        let builds = Builds()
        builds.open.yield()
        let first = try await cache.value(for: "k", maxAge: .seconds(3_600), build: builds.build(1))
        // Older than maxAge (zero) but younger than the stale limit: answered at once, a rebuild starts.
        let stale = try await cache.value(for: "k", maxAge: .zero, build: builds.build(2))
        #expect(stale.value == 1 && stale.generation == first.generation)
        #expect(await eventually { builds.started.withLock { $0 } == 2 })
        builds.open.yield()
        #expect(
            try await eventually {
                try await cache.value(for: "k", maxAge: .seconds(3_600), build: builds.build(9)).value == 2
            })
        let fresh = try await cache.value(for: "k", maxAge: .seconds(3_600), build: builds.build(9))
        #expect(fresh.generation == first.generation + 1 && builds.started.withLock { $0 } == 2)
    }

    @Test func aFailedFirstBuildReachesItsCallerAndTheNextCallBuildsAgain() async throws {
        let cache = RebuildingCache<String, Int>(capacity: 4)
        let builds = Builds()
        builds.open.yield()
        await #expect(throws: Broken.self) {
            try await cache.value(for: "k", maxAge: .seconds(3_600), build: builds.build(1, fail: true))
        }
        builds.open.yield()
        let next = try await cache.value(for: "k", maxAge: .seconds(3_600), build: builds.build(5))
        #expect(next.value == 5 && builds.started.withLock { $0 } == 2)
    }

    @Test func forgettingAndCapacityMakeTheNextCallBuild() async throws {
        let cache = RebuildingCache<String, Int>(capacity: 1)
        let builds = Builds()
        for _ in 0..<4 { builds.open.yield() }
        _ = try await cache.value(for: "a", maxAge: .seconds(3_600), build: builds.build(1))
        await cache.forgetAll()
        #expect(try await cache.value(for: "a", maxAge: .seconds(3_600), build: builds.build(2)).value == 2)
        // A second key pushes the first out (capacity 1).
        _ = try await cache.value(for: "b", maxAge: .seconds(3_600), build: builds.build(3))
        #expect(try await cache.value(for: "a", maxAge: .seconds(3_600), build: builds.build(4)).value == 4)
        #expect(builds.started.withLock { $0 } == 4)
    }
}
