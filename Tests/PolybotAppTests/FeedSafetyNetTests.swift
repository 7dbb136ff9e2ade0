import Foundation
import NIOHTTP1
import PolybotCore
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import Testing

/// Issue 14, item 2: RTDS frames carry no sequence numbers, so a silent stall shorter than the watchdog's limit used
/// to lose every trade inside it unseen (`feed_stalls 0`, `feed_gaps 0`). The listener's periodic sweep of the Data
/// API's recent window brings them back, counts them (`feed_sweep_recovered`, and `sweepRecovered` in the overview).
@Suite("Feed safety net")
struct FeedSafetyNetTests {
    @Test func tradesInsideAShortSilentStallAreRecoveredByTheSweep() async throws {
        let whales = (1...3).map { Fixtures.address(0xC0 + $0) }
        let start = Int64(Date().timeIntervalSince1970) - 600
        let trades = Scenario.consensus(signals: 2, wallets: whales, start: start)
        let exchange = SimExchange(trades: trades)
        // The stall limit stays far above the stall, so the watchdog never fires: only the sweep can see the loss.
        let extra = ["POLYBOT_FEED_STALL_SECONDS": "60", "POLYBOT_FEED_SWEEP_SECONDS": "1"]
        try await withDaemon(exchange: exchange, extra: extra) { d in
            #expect(await eventually { await exchange.rtdsSubscribers > 0 })
            // Three trades over the feed, with the socket healthy.
            await exchange.publishNext(3)
            #expect(try await eventually { try await d.store.trades.count() == 3 })
            // A silent 20 s stall (no frames, no PONG); three more trades are published inside it.
            var f = SimFaults()
            f.stallSeconds = 20
            await exchange.setFaults(f)
            await exchange.publishNext(3)
            #expect(try await eventually { try await d.store.trades.count() == 6 })
            let feed = try #require(
                try await d.json(.GET, "/api/v1/overview", token: Daemon.readOnly)["feed"] as? [String: Any])
            #expect(feed["sweepRecovered"] as? Int == 3, "\(feed)")
            #expect(feed["stalls"] as? Int == 0 && feed["reconnects"] as? Int == 0)
            // Still stalled: the trades came from the sweep, not from a late frame.
            #expect(await exchange.stalled)
        }
    }

    /// Item 3: a replayed history carries last year's timestamps. After a reconnect the gap is measured in market time
    /// (the newest trade seen), so the backfill recovers what was published while the socket was down; with windows on
    /// the local clock it recovered nothing.
    @Test func aReconnectDuringAReplayOfOldTradesBackfillsWhatWasMissed() async throws {
        let whales = (1...3).map { Fixtures.address(0xC8 + $0) }
        let aYearAgo = Int64(Date().timeIntervalSince1970) - 365 * 86_400
        let exchange = SimExchange(trades: Scenario.consensus(signals: 2, wallets: whales, start: aYearAgo))
        try await withDaemon(exchange: exchange, extra: ["POLYBOT_FEED_SWEEP_SECONDS": "0"]) { d in
            #expect(await eventually { await exchange.rtdsSubscribers > 0 })
            await exchange.publishNext(3)
            #expect(try await eventually { try await d.store.trades.count() == 3 })
            // The venue drops the socket; three trades are published before the feed is back (its backoff is ≥ 1 s).
            await exchange.dropAllSockets()
            await exchange.publishNext(3)
            #expect(try await eventually { try await d.store.trades.count() == 6 })
            let feed = try #require(
                try await d.json(.GET, "/api/v1/overview", token: Daemon.readOnly)["feed"] as? [String: Any])
            #expect(feed["reconnects"] as? Int ?? 0 >= 1 && feed["sweeps"] as? Int == 0, "\(feed)")
        }
    }
}
