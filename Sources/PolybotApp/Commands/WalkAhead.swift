import Dispatch
import Foundation
import PolybotCore
import Synchronization

/// The backtest's walk-forward computed ahead of the pipeline, on a thread of its own.
///
/// The replay clock ticks the rescoring schedule at the multiples of the interval after its start (as
/// ``WalkForward/times(startMs:every:through:)`` lists them). The snapshot at a tick reads only the trades before it and
/// the resolutions known before it, none of which the pipeline changes, so it can be computed while the pipeline still
/// runs the period before it: the thread keeps at most ``lead`` snapshots ready beyond the ones taken. The pipeline's
/// tick takes the snapshot made for its time. A tick at any other time than the next planned one is an error (the run
/// stops rather than hold a basket scored at another time); the result is the same as computing each snapshot inline.
package final class WalkAhead: Sendable {
    /// Snapshots computed beyond the ones taken (the pipeline's period between ticks runs beside the next one).
    package static let lead = 2

    /// A tick asked for a rescoring other than the next one planned.
    package struct OutOfStep: Error, CustomStringConvertible {
        package var expected: Int64
        package var asked: Int64
        package var description: String { "walk-forward tick at \(asked), planned \(expected)" }
    }

    private struct Ready: Sendable {
        var rescoring: Rescoring
        var chosen: [WalletScore]
    }

    private struct State: Sendable {
        var ready: [Int64: Ready] = [:]
        var waiting: (time: Int64, continuation: CheckedContinuation<Ready, Never>)?
        var taken: [Rescoring] = []
        var stopped = false
        var waited = Duration.zero
    }

    private let firstTime: Int64
    private let step: Int64
    private let state = Mutex(State())
    /// One permit per snapshot the thread may compute (``lead`` at the start, one more per snapshot taken). Created at
    /// zero and signalled: libdispatch traps when a semaphore is freed below the value it was created with.
    private let permits = DispatchSemaphore(value: 0)

    /// Starts computing `walk`'s snapshots at the ticks of a replay clock started at `startMs`, every `every` seconds.
    package init(_ walk: WalkForward, startMs: Int64, every: Int64) {
        let stepMs = every * 1_000
        firstTime = (startMs.floorDividedBy(stepMs) + 1) * stepMs / 1_000
        step = every
        for _ in 0..<Self.lead { permits.signal() }
        let thread = Thread { [self] in self.produce(walk) }
        thread.name = "walk-ahead"
        thread.start()
    }

    /// The rescorings taken so far, in time order.
    package var rescorings: [Rescoring] { state.withLock { $0.taken } }

    /// Wall time the pipeline's ticks spent waiting for a snapshot not ready yet (the walk, not the pipeline, was the
    /// slower of the two then).
    package var waited: Duration { state.withLock { $0.waited } }

    /// The members to hold from `time` (the next planned tick), waiting for the thread if it is not ready yet.
    ///
    /// - Throws: ``OutOfStep`` when `time` is not the next planned tick.
    package func members(at time: Int64) async throws -> [WalletScore] {
        let expected = state.withLock { firstTime + Int64($0.taken.count) * step }
        guard time == expected else { throw OutOfStep(expected: expected, asked: time) }
        let started = ContinuousClock.now  // clock-edge: wait measured for the log, nothing decided on it
        let ready = await withCheckedContinuation { (c: CheckedContinuation<Ready, Never>) in
            let now: Ready? = state.withLock { s in
                if let r = s.ready.removeValue(forKey: time) { return r }
                s.waiting = (time, c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
        let waited = ContinuousClock.now - started  // clock-edge: as above
        state.withLock {
            $0.taken.append(ready.rescoring)
            $0.waited += waited
        }
        permits.signal()
        return ready.chosen
    }

    /// Stops the thread after the snapshot it is computing (none is waited for).
    package func stop() {
        state.withLock { $0.stopped = true }
        permits.signal()
    }

    private func produce(_ start: WalkForward) {
        var walk = start
        var time = firstTime
        while true {
            permits.wait()
            if state.withLock({ $0.stopped }) { return }
            let chosen = walk.rescore(at: time)
            guard let rescoring = walk.rescorings.last else { return }
            let ready = Ready(rescoring: rescoring, chosen: chosen)
            let waiter: CheckedContinuation<Ready, Never>? = state.withLock { s in
                if let w = s.waiting, w.time == time {
                    s.waiting = nil
                    return w.continuation
                }
                s.ready[time] = ready
                return nil
            }
            waiter?.resume(returning: ready)
            time += step
        }
    }
}
