/// Values built at most one at a time per key and served stale while the next build runs.
///
/// A value younger than the caller's `maxAge` is answered as it is. An older one starts a build (one per key, whoever
/// asks: concurrent requests on a stale value do not start one each); while the build runs, the old value is answered
/// if it is younger than ``staleLimit`` — past that the caller waits for the build, and a build that fails reaches it
/// (the old value stays and keeps ageing). At most `capacity` keys are kept (more only while that many builds run at
/// once); the key first asked for longest ago goes first.
package actor RebuildingCache<Key: Hashable & Sendable, Value: Sendable> {
    private struct Entry {
        var value: Value?
        var at: ContinuousClock.Instant?
        var building: Task<Value, any Error>?
        /// The cache's generation when the value was stored: what was derived from another one is out of date.
        var generation = 0
    }

    private var entries: [Key: Entry] = [:]
    /// Grows with every value stored, whatever its key (never reused, even after a key is forgotten).
    private var generations = 0
    private var admitted: [Key] = []
    private let capacity: Int
    /// Values older than this are not served while a build runs: the caller waits for it.
    package let staleLimit: Duration

    /// A cache of up to `capacity` keys.
    package init(capacity: Int, staleLimit: Duration = .seconds(60)) {
        self.capacity = max(1, capacity)
        self.staleLimit = staleLimit
    }

    /// The value for `key` and its generation: the stored one if younger than `maxAge`; else a build is started (one
    /// at a time per key) and the stored one is answered meanwhile when younger than ``staleLimit``, the build's
    /// otherwise.
    package func value(
        for key: Key, maxAge: Duration, build: @escaping @Sendable () async throws -> Value
    ) async throws -> (value: Value, generation: Int) {
        let now = ContinuousClock.now  // clock-edge: a cache's age, never a trading decision
        let entry = entries[key] ?? Entry()
        if let value = entry.value, let at = entry.at, now - at < maxAge { return (value, entry.generation) }
        let task = entry.building ?? Task { try await build() }
        if entry.building == nil {
            admit(key)
            entries[key, default: Entry()].building = task
            Task { await self.settle(key, task) }
        }
        if let value = entry.value, let at = entry.at, now - at < staleLimit { return (value, entry.generation) }
        let fresh: Value
        do { fresh = try await task.value } catch {
            // As `settle` would: the failed build is over (the next caller starts another), a key without a value goes.
            if entries[key]?.building == task { failed(key) }
            throw error
        }
        // The build this caller waited for may have been stored already (settle ran first) or not yet.
        if entries[key]?.building == task { store(fresh, for: key) }
        guard let stored = entries[key], let value = stored.value else { return (fresh, 0) }
        return (value, stored.generation)
    }

    /// Stores a finished build (a failed one leaves the old value, or forgets a key that never had one).
    private func settle(_ key: Key, _ task: Task<Value, any Error>) async {
        let result = await task.result
        guard entries[key]?.building == task else { return }
        switch result {
        case .success(let fresh): store(fresh, for: key)
        case .failure: failed(key)
        }
    }

    private func failed(_ key: Key) {
        entries[key]?.building = nil
        if entries[key]?.value == nil { forget(key) }
    }

    private func store(_ fresh: Value, for key: Key) {
        guard var entry = entries[key] else { return }
        entry.value = fresh
        entry.at = ContinuousClock.now  // clock-edge: a cache's age
        entry.building = nil
        generations += 1
        entry.generation = generations
        entries[key] = entry
    }

    private func admit(_ key: Key) {
        guard entries[key] == nil else { return }
        while admitted.count >= capacity, let oldest = admitted.first(where: { entries[$0]?.building == nil }) {
            forget(oldest)
        }
        admitted.append(key)
    }

    /// Forgets every value (a build running now is not stored).
    package func forgetAll() {
        entries = [:]
        admitted = []
    }

    private func forget(_ key: Key) {
        entries[key] = nil
        admitted.removeAll { $0 == key }
    }
}
