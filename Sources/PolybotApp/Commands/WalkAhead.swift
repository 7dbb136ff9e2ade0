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
    /// Snapshots computed beyond the ones taken when a second core may be used (the pipeline's period between ticks
    /// runs beside the next one).
    package static let lead = 2

    /// A tick asked for a rescoring other than the next one planned, or after the walk was stopped.
    package struct OutOfStep: Error, CustomStringConvertible {
        /// The next planned tick (Unix seconds); nil once stopped.
        package var expected: Int64?
        /// The tick asked for.
        package var asked: Int64
        package var description: String {
            expected.map { "walk-forward tick at \(asked), planned \($0)" } ?? "walk-forward stopped before \(asked)"
        }
    }

    private struct Ready: Sendable {
        var rescoring: Rescoring
        var chosen: [WalletScore]
    }

    private struct State: Sendable {
        var ready: [Int64: Ready] = [:]
        var waiting: (time: Int64, continuation: CheckedContinuation<Ready, any Error>)?
        /// Ticks asked for so far (the next one planned is the one after them).
        var asked = 0
        var taken: [Rescoring] = []
        var stopped = false
        var waited = Duration.zero
    }

    private let firstTime: Int64
    private let step: Int64
    private let lead: Int
    private let state = Mutex(State())
    /// One permit per snapshot the thread may compute (`lead` at the start, one more per tick asked). Created at zero
    /// and signalled: libdispatch traps when a semaphore is freed below the value it was created with.
    private let permits = DispatchSemaphore(value: 0)

    /// Starts computing `walk`'s snapshots at the ticks of a replay clock started at `startMs`, every `every` seconds,
    /// at most `lead` ahead of the ticks asked for (0: each one only when its tick asks, while the tick waits).
    package init(_ walk: WalkForward, startMs: Int64, every: Int64, lead: Int = WalkAhead.lead) {
        let stepMs = every * 1_000
        firstTime = (startMs.floorDividedBy(stepMs) + 1) * stepMs / 1_000
        step = every
        self.lead = max(0, lead)
        for _ in 0..<self.lead { permits.signal() }
        let thread = Thread { [self] in self.produce(walk) }
        thread.name = "walk-ahead"
        thread.start()
    }

    /// The rescorings taken so far, in time order.
    package var rescorings: [Rescoring] { state.withLock { $0.taken } }

    /// Wall time the pipeline's ticks spent waiting for a snapshot not ready yet (the walk, not the pipeline, was the
    /// slower of the two then).
    package var waited: Duration { state.withLock { $0.waited } }

    /// The members to hold from `time` (the next planned tick), waiting for the thread if it is not ready yet. One
    /// caller at a time (the replay clock runs its ticks one after another).
    ///
    /// - Throws: ``OutOfStep`` when `time` is not the next planned tick or the walk was stopped.
    package func members(at time: Int64) async throws -> [WalletScore] {
        let started = ContinuousClock.now  // clock-edge: wait measured for the log, nothing decided on it
        let ready = try await withCheckedThrowingContinuation { (c: CheckedContinuation<Ready, any Error>) in
            let outcome: Result<Ready, any Error>? = state.withLock { s in
                let expected = firstTime + Int64(s.asked) * step
                guard !s.stopped else { return .failure(OutOfStep(expected: nil, asked: time)) }
                guard time == expected, s.waiting == nil else {
                    return .failure(OutOfStep(expected: expected, asked: time))
                }
                s.asked += 1
                if let r = s.ready.removeValue(forKey: time) { return .success(r) }
                s.waiting = (time, c)
                return nil
            }
            // Asked for: the thread may make one more (the one asked, when nothing is made ahead).
            if case .failure = outcome {} else { permits.signal() }
            if let outcome { c.resume(with: outcome) }
        }
        let waited = ContinuousClock.now - started  // clock-edge: as above
        state.withLock {
            $0.taken.append(ready.rescoring)
            $0.waited += waited
        }
        return ready.chosen
    }

    /// Stops the thread after the snapshot it is computing; a tick waiting for one gets ``OutOfStep``.
    package func stop() {
        let waiter = state.withLock { s -> (time: Int64, continuation: CheckedContinuation<Ready, any Error>)? in
            s.stopped = true
            defer { s.waiting = nil }
            return s.waiting
        }
        waiter?.continuation.resume(throwing: OutOfStep(expected: nil, asked: waiter?.time ?? 0))
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
            let waiter: CheckedContinuation<Ready, any Error>? = state.withLock { s in
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
