import Synchronization

/// Counts the work in flight in the pipeline, so a replay driver knows when everything it fed has been handled.
///
/// The rule every stage follows: `begin()` for each item it hands on (before handing it on), `end()` for each item it
/// took once it is done with it. A trade moving from stage to stage therefore never lets the count touch zero in
/// between, and the count is zero exactly when every stage is waiting for input. The daemon runs without a gauge
/// (nil): it is the replay and backtest engine's barrier. Trades that cannot matter past the listener end there, within
/// the driver's call, and are never counted.
package final class WorkGauge: Sendable {
    private struct State {
        var count = 0
        var underflows = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]

        /// The waiters, once nothing is in flight (removed).
        mutating func ready() -> [CheckedContinuation<Void, Never>] {
            guard count == 0 else { return [] }
            defer { waiters = [:] }
            return Array(waiters.values)
        }
    }

    private let state = Mutex(State())

    /// Creates an idle gauge.
    package init() {}

    /// Work items in flight.
    package var count: Int { state.withLock { $0.count } }

    /// Times `end()` was called with nothing in flight (a stage that ended an item twice; must stay 0).
    package var underflows: Int { state.withLock { $0.underflows } }

    /// One more item is in flight.
    package func begin(_ n: Int = 1) { state.withLock { $0.count += n } }

    /// An item is done.
    package func end(_ n: Int = 1) {
        let resumed: [CheckedContinuation<Void, Never>] = state.withLock { s in
            s.count -= n
            if s.count < 0 {
                s.underflows += 1
                s.count = 0
            }
            return s.ready()
        }
        for c in resumed { c.resume() }
    }

    /// Returns once no work item is in flight (at once if so), or when the waiting task is cancelled.
    package func idle() async {
        let id: Int? = state.withLock { s in
            guard s.count > 0 else { return nil }
            s.nextWaiter += 1
            return s.nextWaiter
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.count == 0 || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

extension Optional where Wrapped == WorkGauge {
    /// `begin()` when there is a gauge.
    package func begin(_ n: Int = 1) { self?.begin(n) }

    /// `end()` when there is a gauge.
    package func end(_ n: Int = 1) { self?.end(n) }
}
