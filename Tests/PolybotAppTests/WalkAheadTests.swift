import PolybotApp
import PolybotCore
import PolymarketSim
import Testing

/// The backtest's walk-forward made ahead on its own thread gives what the walk made inline gives, tick by tick.
@Suite("walk-forward ahead of the pipeline")
struct WalkAheadTests {
    static let world = WorldGenerator(
        options: .init(
            kind: .skilled(edge: 0.2), seed: 5, days: 12, markets: 60, noise: 80, skilled: 10, marketMakers: 3,
            bots: 3))

    func walk(_ trades: [Trade]) -> WalkForward {
        WalkForward(
            all: trades, resolutions: Self.world.resolutions, parameters: ScoringParameters(), rule: .topInformed(5))
    }

    /// Ahead by two (a second core), or each snapshot only when asked (the daemon's backtests).
    @Test(arguments: [WalkAhead.lead, 0])
    func eachTickGetsTheSnapshotTheInlineWalkMakesAtItsTime(lead: Int) async throws {
        let trades = Self.world.trades()
        let startMs = (trades[0].timestamp - 1) * 1_000
        let times = WalkForward.times(startMs: startMs, every: 86_400, through: trades.last!.timestamp)
        #expect(times.count >= 10)
        var inline = walk(trades)
        let ahead = WalkAhead(walk(trades), startMs: startMs, every: 86_400, lead: lead)
        defer { ahead.stop() }
        for t in times {
            let expected = inline.rescore(at: t)
            let got = try await ahead.members(at: t)
            #expect(got == expected, "tick \(t)")
        }
        #expect(ahead.rescorings == inline.rescorings)
        #expect(inline.rescorings.contains { !$0.basket.isEmpty }, "the world gives some basket to compare")
    }

    @Test func aTickAtAnotherTimeThanPlannedStopsTheRun() async throws {
        let trades = Self.world.trades()
        let startMs = (trades[0].timestamp - 1) * 1_000
        let first = WalkForward.times(startMs: startMs, every: 86_400, through: trades.last!.timestamp)[0]
        let ahead = WalkAhead(walk(trades), startMs: startMs, every: 86_400)
        defer { ahead.stop() }
        await #expect(throws: WalkAhead.OutOfStep.self) { try await ahead.members(at: first + 60) }
        _ = try await ahead.members(at: first)
        await #expect(throws: WalkAhead.OutOfStep.self) { try await ahead.members(at: first) }
        #expect(ahead.rescorings.map(\.time) == [first])
        // Stopped: the next tick is refused rather than left waiting.
        ahead.stop()
        await #expect(throws: WalkAhead.OutOfStep.self) { try await ahead.members(at: first + 86_400) }
    }
}
