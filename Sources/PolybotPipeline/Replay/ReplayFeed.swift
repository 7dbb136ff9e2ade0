import PolybotCore
import Polymarket
import Synchronization

/// Which trade of a history the replay is delivering (the books of "now" are the history up to it).
package final class ReplayCursor: Sendable {
    private let value = Mutex(-1)

    /// Creates a cursor before the first trade.
    package init() {}

    /// The index of the trade being delivered (-1 before the first).
    package var index: Int { value.withLock { $0 } }

    func set(_ i: Int) { value.withLock { $0 = i } }
}

/// Which trades the replay driver must wait for (set once the pipeline exists; until then, every trade).
package final class ReplayRelevance: Sendable {
    /// The closure is boxed: a closure kept directly in a `Mutex` and read back on every trade was re-wrapped in a
    /// reabstraction thunk at each read on this toolchain, until the stack overflowed (seen at 100,000 trades).
    private final class Test: Sendable {
        let f: @Sendable (Trade) -> Bool
        init(_ f: @escaping @Sendable (Trade) -> Bool) { self.f = f }
    }

    private let test = Mutex<Test?>(nil)

    /// Creates a relevance that waits for every trade.
    package init() {}

    /// Installs the test (``Pipeline/mayMatter(_:)``).
    package func set(_ f: @escaping @Sendable (Trade) -> Bool) { test.withLock { $0 = Test(f) } }

    func mayMatter(_ t: Trade) -> Bool {
        guard let test = test.withLock({ $0 }) else { return true }
        return test.f(t)
    }
}

/// The replay adapter of ``MarketFeed``, and the driver of the event-time engine.
///
/// For each trade of the history, in order: the ``ReplayClock`` is advanced to the trade's time (running every
/// schedule due on the way — marks, reservation sweeps — and waiting for the pipeline to go idle after each), the
/// trade is handed to the listener, and the driver waits until the ``WorkGauge`` says every stage is done with it. So
/// each trade meets exactly the state that every earlier trade left, and the result does not depend on the machine's
/// speed or on `speed`, which only paces delivery against the wall clock (nil: as fast as possible). After the last
/// trade the clock runs on `tailMs` (paper fills due after the copy delay, marks) before `finished` is called.
///
/// A trade that cannot matter past the listener (``Pipeline/mayMatter(_:)``: the whale filter will drop it and it is not
/// a SELL of a token we hold) ends in the listener, within the driver's call, judged at its own market time — its
/// whole effect is the listener's counters and dedupe memory, and nothing a schedule tick reads; the driver does not
/// wait after it. The driver waits for all work after every trade that can matter, after every tick and at the end.
package struct ReplayFeed: MarketFeed {
    package let trades: [Trade]
    package let clock: ReplayClock
    package let work: WorkGauge
    package let cursor: ReplayCursor
    package let relevance: ReplayRelevance
    package let speed: Double?
    package let tailMs: Int64
    /// Awaited before the first trade (the pipeline registers its schedules; see ``ReplayClock/schedules``).
    package let ready: @Sendable () async -> Void
    package let finished: @Sendable () -> Void

    /// Creates the feed.
    package init(
        trades: [Trade], clock: ReplayClock, work: WorkGauge, cursor: ReplayCursor, relevance: ReplayRelevance,
        speed: Double?, tailMs: Int64, ready: @escaping @Sendable () async -> Void,
        finished: @escaping @Sendable () -> Void
    ) {
        self.relevance = relevance
        self.trades = trades
        self.clock = clock
        self.work = work
        self.cursor = cursor
        self.speed = speed
        self.tailMs = tailMs
        self.ready = ready
        self.finished = finished
    }

    package func run(emit: @escaping @Sendable (FeedEvent) async -> Void) async {
        await ready()
        await emit(.connected(attempt: 1))
        let settle: @Sendable () async -> Void = { [work] in await work.idle() }
        let pace = ContinuousClock()  // clock-edge: wall-clock pacing of a replay at a chosen speed, nothing else
        let wallStart = pace.now  // clock-edge: pacing
        let first = trades.first?.timestamp ?? 0
        for (i, trade) in trades.enumerated() {
            if Task.isCancelled { return }
            if let speed {
                let due = wallStart.advanced(by: .milliseconds(Int64(Double(trade.timestamp - first) * 1000 / speed)))
                do { try await Task.sleep(until: due, clock: pace) } catch { return }  // clock-edge: pacing
            }
            // Work is always settled here (the driver waited after the last trade that could matter), so the
            // schedules due before this trade run on a settled pipeline.
            await clock.advance(to: trade.timestamp * 1000, settle: settle)
            cursor.set(i)
            let matters = relevance.mayMatter(trade)
            await emit(.trade(trade, serverTimeMs: nil))
            if matters { await work.idle() }
        }
        await work.idle()
        let end = (trades.last?.timestamp ?? 0) * 1000 + tailMs
        await clock.advance(to: end, settle: settle)
        await work.idle()
        finished()
    }
}
