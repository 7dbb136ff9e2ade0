import PolybotCore
import Synchronization

/// A simulated clock that only moves when the replay driver moves it: market time for `polybot replay` and backtests.
///
/// Periodic work (``every(_:_:)``: marking, reservation sweeps) is not run by sleeping tasks but by the driver itself,
/// inline and in deadline order, as it advances the clock past each deadline — so a 30 s mark happens at the same point
/// of the event stream at any replay speed. Deadlines are aligned to multiples of their interval since the epoch, so
/// when a schedule registered does not move them. One-off ``sleep(untilMs:)`` waiters are woken in deadline order too.
package final class ReplayClock: PipelineClock {
    private struct Timer {
        var deadline: Int64
        var interval: Int64
        var tick: @Sendable () async -> Void
        var stop: CheckedContinuation<Void, Never>?
    }

    private struct Sleeper {
        var deadline: Int64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Int64
        var nextId = 0
        var timers: [Int: Timer] = [:]
        var sleepers: [Int: Sleeper] = [:]
    }

    private let state: Mutex<State>

    /// Creates a clock reading `startMs`.
    package init(startMs: Int64) { state = Mutex(State(now: startMs)) }

    package func nowMs() -> Int64 { state.withLock { $0.now } }

    /// Schedules registered with ``every(_:_:)`` and still running.
    package var schedules: Int { state.withLock { $0.timers.count } }

    /// One-off ``sleep(untilMs:)`` waiters (a test advances once the code under test is waiting).
    package var sleepers: Int { state.withLock { $0.sleepers.count } }

    package func sleep(untilMs deadlineMs: Int64) async throws {
        let id: Int? = state.withLock { s in
            guard deadlineMs > s.now else { return nil }
            s.nextId += 1
            return s.nextId
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let ready: Result<Void, any Error>? = state.withLock { s in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadlineMs <= s.now { return .success(()) }
                    s.sleepers[id] = Sleeper(deadline: deadlineMs, continuation: c)
                    return nil
                }
                if let ready { c.resume(with: ready) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    package func every(_ interval: Duration, _ tick: @escaping @Sendable () async -> Void) async {
        let step = max(1, interval.wholeMilliseconds)
        let id: Int = state.withLock { s in
            s.nextId += 1
            let aligned = (s.now.floorDividedBy(step) + 1) * step
            s.timers[s.nextId] = Timer(deadline: aligned, interval: step, tick: tick, stop: nil)
            return s.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let stopped = state.withLock { s -> Bool in
                    if Task.isCancelled || s.timers[id] == nil {
                        s.timers[id] = nil
                        return true
                    }
                    s.timers[id]?.stop = c
                    return false
                }
                if stopped { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.timers.removeValue(forKey: id) }?.stop?.resume()
        }
    }

    private enum Due {
        case tick(@Sendable () async -> Void)
        case wake(CheckedContinuation<Void, any Error>)
    }

    /// Moves the clock to `targetMs` (never backwards), running every schedule tick and waking every sleeper due on the
    /// way, earliest first (ties: the one registered first); after each, `settle()` is awaited (the driver waits for the
    /// pipeline to go idle there).
    package func advance(to targetMs: Int64, settle: () async -> Void) async {
        while true {
            let due: Due? = state.withLock { s in
                var best: (deadline: Int64, id: Int, timer: Bool)?
                for (id, t) in s.timers where t.deadline <= targetMs {
                    if best == nil || (t.deadline, id) < (best!.deadline, best!.id) { best = (t.deadline, id, true) }
                }
                for (id, w) in s.sleepers where w.deadline <= targetMs {
                    if best == nil || (w.deadline, id) < (best!.deadline, best!.id) { best = (w.deadline, id, false) }
                }
                guard let best else {
                    s.now = max(s.now, targetMs)
                    return nil
                }
                s.now = max(s.now, best.deadline)
                if best.timer {
                    s.timers[best.id]!.deadline += s.timers[best.id]!.interval
                    return .tick(s.timers[best.id]!.tick)
                }
                return .wake(s.sleepers.removeValue(forKey: best.id)!.continuation)
            }
            switch due {
            case nil: return
            case .tick(let tick): await tick()
            case .wake(let c): c.resume()
            }
            await settle()
        }
    }
}
