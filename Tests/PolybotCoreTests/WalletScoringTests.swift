import PolybotCore
import PolybotTestSupport
import Testing

/// Hand-computed metrics (architecture.md, "Definitions").
@Suite("Wallet scoring")
struct WalletScoringTests {
    let w = Fixtures.address(0x77)
    let yes = "111"
    let no = "222"

    func t(_ n: Int, _ side: TradeSide, _ asset: String, size: Int64, price: Int64, at: Int64, market: Int = 1) -> Trade
    {
        Fixtures.trade(
            tx: n, wallet: w, asset: asset, market: market, side: side, size: Micros(size * 1_000_000),
            price: Micros(price * 10_000), timestamp: at)
    }

    func resolved(_ market: Int, winner: String?, tokens: [String], at: Int64 = 2_000) -> [String: MarketResolution] {
        [
            Fixtures.hex32(market): MarketResolution(
                conditionId: Fixtures.hex32(market), winningToken: winner, resolvedAt: at, tokens: tokens)
        ]
    }

    @Test func partialSellsRealiseAtAverageCost() {
        // Buy 100 @ 0.40 (cost 40), sell 50 @ 0.60 (+10), sell 50 @ 0.30 (−5): one closed position, +5 on 40 paid.
        let trades = [
            t(1, .buy, yes, size: 100, price: 40, at: 10), t(2, .sell, yes, size: 50, price: 60, at: 20),
            t(3, .sell, yes, size: 50, price: 30, at: 30),
        ]
        let ledger = PositionLedger(trades: trades, resolutions: [:])
        #expect(ledger.closed.count == 1 && ledger.openCount == 0)
        #expect(ledger.closed[0].realized == Micros(5_000_000) && ledger.closed[0].cost == Micros(40_000_000))
        #expect(ledger.closed[0].returnOnCost == 0.125 && ledger.closed[0].isWin)
        // A later buy opens a new position.
        let more = PositionLedger(trades: trades + [t(4, .buy, yes, size: 10, price: 50, at: 40)], resolutions: [:])
        #expect(more.closed.count == 1 && more.openCount == 1)
    }

    @Test func resolutionSettlesAtOneOrZero() {
        // Loser: 10 @ 0.70 settles at 0 → −7.
        let lost = PositionLedger(
            trades: [t(1, .buy, no, size: 10, price: 70, at: 10)],
            resolutions: resolved(1, winner: yes, tokens: [yes, no]))
        #expect(lost.closed.map(\.realized) == [Micros(-7_000_000)])
        // Partial sell then win: buy 100 @ 0.50, sell 40 @ 0.60 (+4), 60 left settle at 1 (+30) → +34 on 50 paid.
        let won = PositionLedger(
            trades: [t(1, .buy, yes, size: 100, price: 50, at: 10), t(2, .sell, yes, size: 40, price: 60, at: 20)],
            resolutions: resolved(1, winner: yes, tokens: [yes, no], at: 5))
        #expect(won.closed.count == 1)
        #expect(won.closed[0].realized == Micros(34_000_000) && won.closed[0].returnOnCost == 0.68)
        #expect(won.closed[0].closedAt == 20)  // settlement is never dated before the last trade
        // Unresolved market: still open.
        #expect(PositionLedger(trades: [t(1, .buy, yes, size: 1, price: 50, at: 1)], resolutions: [:]).openCount == 1)
    }

    @Test func hedgedWalletCountsBothLegs() {
        let trades = [t(1, .buy, yes, size: 10, price: 60, at: 10), t(2, .buy, no, size: 10, price: 40, at: 11)]
        let r = WalletScoring.score(
            wallet: w, trades: trades, resolutions: resolved(1, winner: yes, tokens: [yes, no]), now: 3_000)
        #expect(r.score.closedPositions == 2 && r.score.winRate == 0.5)
        #expect(r.score.realizedPnl == .zero)
        #expect(r.features.twoSidedShare == 1)
    }

    @Test func sellingWhatWasNotBoughtRealisesNothingAndIsCounted() {
        let r = WalletScoring.score(
            wallet: w, trades: [t(1, .sell, yes, size: 10, price: 50, at: 10)], resolutions: [:], now: 100)
        #expect(r.score.closedPositions == 0 && r.score.realizedPnl == .zero && r.oversoldTrades == 1)
        #expect(r.score.winRate == nil)
        #expect(r.score.shrunkWinRate == 0.5)  // prior mean
        #expect(abs(r.score.winRateLowerBound - 0.13535036217158378) < 1e-9)  // Beta(2,2) 5 % quantile (scipy)
    }

    @Test func tooSmallSamplesGiveNulls() {
        var trades: [Trade] = []
        for i in 0..<3 { trades.append(t(i, .buy, "\(i)", size: 10, price: 50, at: Int64(i), market: i)) }
        var res: [String: MarketResolution] = [:]
        for i in 0..<3 {
            res.merge(
                resolved(i, winner: i < 2 ? "\(i)" : "x", tokens: ["\(i)", "x"]), uniquingKeysWith: { a, _ in a })
        }
        let s = WalletScoring.score(wallet: w, trades: trades, resolutions: res, now: 5_000).score
        #expect(s.closedPositions == 3 && s.winRate == 2.0 / 3.0)
        #expect(s.sharpe == nil && s.kelly == nil && s.ev == nil && s.decayedWinRate == nil)
        #expect(s.shrunkWinRate == 4.0 / 7.0)
        // The edge is estimated (2 wins at 0.50, 1 loss: +1/6), but 3 resolved markets are too few to test it.
        #expect(abs(s.edge! - 1.0 / 6.0) < 1e-12 && s.resolvedMarkets == 3)
        #expect(s.qValue == nil && s.walletClass == .unclassified)
        #expect(s.classBasis?.rule.hasPrefix("not tested") == true)
        #expect(s.classBasis?.thresholds["informedMinResolvedMarkets"] == 5)
    }

    @Test func fullMetricsOnTenBinaryBets() {
        // Ten buys at 0.50 held to resolution: 6 win (r = +1), 4 lose (r = −1); the losses closed 30 days earlier.
        var trades: [Trade] = []
        var res: [String: MarketResolution] = [:]
        let day: Int64 = 86_400
        let now: Int64 = 100 * day
        for i in 0..<10 {
            let win = i < 6
            // Ten markets of ten events (independent draws).
            var trade = t(i, .buy, "\(i)", size: 10, price: 50, at: Int64(i), market: i)
            trade.eventSlug = "event-\(i)"
            trades.append(trade)
            res[Fixtures.hex32(i)] = MarketResolution(
                conditionId: Fixtures.hex32(i), winningToken: win ? "\(i)" : "other",
                resolvedAt: win ? now - 1 : now - 30 * day, tokens: ["\(i)", "other"])
        }
        let s = WalletScoring.score(wallet: w, trades: trades, resolutions: res, now: now).score
        #expect(s.closedPositions == 10 && s.winRate == 0.6)
        #expect(s.ev == 0.2)
        #expect(abs(s.sharpe! - 0.19364916731037088) < 1e-12)
        #expect(abs(s.kelly! - 0.2) < 1e-12)  // (p − c)/(1 − c) with c = 0.5
        #expect(abs(s.edge! - 0.1) < 1e-12)  // 0.6 − 0.5
        // Sandwich over 10 markets: residuals 2.5 − 0.5 (×6) and −2.5 − 0.5 (×4) on W = 50 → √(60 × 10/9) / 50; the
        // no-edge variance (10 × 25 × ¼ / 2,500 = 0.025) is smaller. p ≈ P(Binomial(10, ½) ≥ 6) = 0.377.
        #expect(abs(s.edgeStandardError! - (60.0 * 10 / 9).squareRoot() / 50) < 1e-12)
        #expect(s.pValue! > 0.33 && s.pValue! < 0.42)
        #expect(s.qValue == s.pValue && s.walletClass == .unclassified)
        #expect(abs(s.decayedWinRate! - 0.75) < 1e-6)  // 6 / (6 + 4 × 0.5)
        #expect(abs(s.shrunkWinRate - 8.0 / 14.0) < 1e-12)
        #expect(abs(s.winRateLowerBound - 0.35479928101961294) < 1e-9)  // Beta(8, 6) 5 % quantile (scipy)
        #expect(
            s.realizedPnl == Micros(10_000_000) && s.volume == Micros(50_000_000) && s.markets == 10 && s.trades == 10)
        #expect(s.resolvedMarkets == 10 && s.resolvedEvents == 10)
        // The same ten markets in one event (an election night): one independent draw — no evidence, whatever the
        // markets did. In two events of five: the Student t with 1 degree of freedom on the event-clustered SE.
        let oneEvent = trades.map {
            var x = $0
            x.eventSlug = "election-night"
            return x
        }
        let e = WalletScoring.score(wallet: w, trades: oneEvent, resolutions: res, now: now).score
        #expect(e.resolvedMarkets == 10 && e.resolvedEvents == 1 && e.edgeLowerBound == nil && e.pValue == 1)
        let twoEvents = trades.enumerated().map {
            var x = $0.element
            x.eventSlug = "night-\($0.offset % 2)"
            return x
        }
        let two = WalletScoring.score(wallet: w, trades: twoEvents, resolutions: res, now: now).score
        #expect(two.resolvedEvents == 2 && two.pValue! >= s.pValue! && two.pValue! < 1)
        #expect(
            abs(two.pValue! - StudentT.upperTail(two.edgeZ!, degreesOfFreedom: 1)) < 1e-12 || two.pValue == s.pValue)
    }

    @Test(arguments: 0..<40)
    func propertiesHoldOnRandomHistories(seed: Int) {
        var rng = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ n: Int) -> Int {
            rng ^= rng << 13
            rng ^= rng >> 7
            rng ^= rng << 17
            return Int(rng % UInt64(n))
        }
        var trades: [Trade] = []
        var res: [String: MarketResolution] = [:]
        for i in 0..<(5 + next(60)) {
            let m = next(8)
            let asset = "\(m)\(next(2))"
            trades.append(
                t(
                    i, next(3) == 0 ? .sell : .buy, asset, size: Int64(1 + next(50)), price: Int64(1 + next(98)),
                    at: Int64(next(1000)), market: m))
        }
        for m in 0..<8 where next(3) > 0 {
            res[Fixtures.hex32(m)] = MarketResolution(
                conditionId: Fixtures.hex32(m), winningToken: "\(m)\(next(2))", resolvedAt: 2_000,
                tokens: ["\(m)0", "\(m)1"])
        }
        var p = ScoringParameters()
        p.minimumSample = 2
        let s = WalletScoring.score(wallet: w, trades: trades, resolutions: res, now: 5_000, parameters: p).score
        if let wr = s.winRate { #expect((0...1).contains(wr)) }
        if let k = s.kelly { #expect((0...1).contains(k)) }
        if let d = s.decayedWinRate { #expect((0...1).contains(d)) }
        #expect(s.winRateLowerBound <= s.shrunkWinRate && (0...1).contains(s.shrunkWinRate))
        // Interleaving trades of different positions differently (keeping each position's own order) changes nothing.
        var byAsset: [String: [Trade]] = [:]
        for x in trades.sorted(by: { ($0.timestamp, $0.transactionHash) < ($1.timestamp, $1.transactionHash) }) {
            byAsset[x.asset, default: []].append(x)
        }
        let reordered = byAsset.keys.sorted(by: >).flatMap { byAsset[$0]! }
        let s2 = WalletScoring.score(wallet: w, trades: reordered, resolutions: res, now: 5_000, parameters: p).score
        #expect(s2.realizedPnl == s.realizedPnl && s2.closedPositions == s.closedPositions && s2.winRate == s.winRate)
        #expect(s2.sharpe == s.sharpe && s2.kelly == s.kelly)
    }

    @Test func classifierReadsItsFeatures() {
        var p = ScoringParameters()
        p.minimumSample = 1
        // A fixed clock: every trade on second 17 of a minute → bot.
        let clock = (0..<30).map { i in
            t(i, .buy, "c\(i % 3)", size: 1, price: 50, at: Int64(i * 600 + 17), market: 90 + i % 3)
        }
        #expect(
            WalletScoring.score(wallet: w, trades: clock, resolutions: [:], now: 100_000, parameters: p).score
                .walletClass == .bot)
        // Both sides of many markets → market maker.
        var mm: [Trade] = []
        for m in 0..<6 {
            mm.append(t(m * 2, .buy, "m\(m)a", size: 5, price: 40, at: Int64(m * 977), market: m))
            mm.append(t(m * 2 + 1, .buy, "m\(m)b", size: 5, price: 58, at: Int64(m * 977 + 31), market: m))
        }
        #expect(
            WalletScoring.score(wallet: w, trades: mm, resolutions: [:], now: 100_000, parameters: p).score.walletClass
                == .marketMaker)
    }
}
