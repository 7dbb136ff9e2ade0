/// Runs `body` — a `polybot replay` or `polybot backtest`, each of which starts a throwaway PostgreSQL cluster of its
/// own (initdb, start, migrations) — when fewer than two such runs are under way. Several clusters starting at once on
/// two cores starve the shared test server long enough for other tests' queries to pass their 5 s limit; in order,
/// two at a time, they do not. Assert on the result in the test.
package func withThrowawayCluster<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
    await ClusterSlots.shared.enter()
    do {
        let result = try await body()
        await ClusterSlots.shared.leave()
        return result
    } catch {
        await ClusterSlots.shared.leave()
        throw error
    }
}

/// The two-at-a-time gate of ``withThrowawayCluster(_:)``.
private actor ClusterSlots {
    static let shared = ClusterSlots(slots: 2)
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(slots: Int) { free = slots }

    func enter() async {
        guard free == 0 else {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
