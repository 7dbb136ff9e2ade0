import Synchronization

/// Counts the work in flight in the pipeline, so a replay driver knows when everything it fed has been handled.
///
/// The rule every stage follows: `begin()` for each item it hands on (before handing it on), `end()` for each item it
/// took once it is done with it. A trade moving from stage to stage therefore never lets the count touch zero in
/// between, and the count is zero exactly when every stage is waiting for input. The daemon runs without a gauge
/// (nil): it is the replay and backtest engine's barrier.
///
/// Trades that cannot matter past the listener (the whale filter will drop them) are counted apart, as
/// **background**: the driver does not wait for them trade by trade, only to keep the listener's edge from filling.
package final class WorkGauge: Sendable {
    private struct State {
        var count = 0
        var background = 0
        var underflows = 0
        var nextWaiter = 0
        var waiters: [Int: (all: Bool, c: CheckedContinuation<Void, Never>)] = [:]

        /// The waiters whose condition now holds (removed).
        mutating func ready() -> [CheckedContinuation<Void, Never>] {
            guard count == 0 else { return [] }
            let done = waiters.filter { !$0.value.all || background == 0 }
            for k in done.keys { waiters[k] = nil }
            return done.values.map(\.c)
        }
    }

    private let state = Mutex(State())

    /// Creates an idle gauge.
    package init() {}

    /// Work items in flight.
    package var count: Int { state.withLock { $0.count } }

    /// Background items (trades the filter will drop) in flight.
    package var background: Int { state.withLock { $0.background } }

    /// One more background item.
    package func beginBackground() { state.withLock { $0.background += 1 } }

    /// A background item is done.
    package func endBackground() {
        let resumed: [CheckedContinuation<Void, Never>] = state.withLock { s in
            s.background -= 1
            if s.background < 0 {
                s.underflows += 1
                s.background = 0
            }
            return s.ready()
        }
        for c in resumed { c.resume() }
    }

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

    /// Returns once no work item is in flight — and with `includingBackground`, no background item either — (at once
    /// if so), or when the waiting task is cancelled.
    package func idle(includingBackground all: Bool = false) async {
        let id: Int? = state.withLock { s in
            guard s.count > 0 || (all && s.background > 0) else { return nil }
            s.nextWaiter += 1
            return s.nextWaiter
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if (s.count == 0 && (!all || s.background == 0)) || Task.isCancelled { return true }
                    s.waiters[id] = (all, c)
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.c.resume()
        }
    }
}

extension Optional where Wrapped == WorkGauge {
    /// `begin()` when there is a gauge.
    package func begin(_ n: Int = 1) { self?.begin(n) }

    /// `end()` when there is a gauge.
    package func end(_ n: Int = 1) { self?.end(n) }

    /// Ends what an observed trade began: a work item when it was counted, else a background item.
    package func end(_ observed: ObservedTrade) {
        if observed.counted { self?.end() } else { self?.endBackground() }
    }
}
