import PolybotCore
import PolybotTestSupport
import Testing

@Suite("Basket consensus")
struct BasketConsensusTests {
    let members = (1...5).map { Fixtures.address($0) }
    let yes = "101"
    let no = "202"
    let market = 9

    func buy(_ member: Int, _ asset: String, usdc: Int64 = 5_000, at: Int64, tx: Int? = nil) -> Trade {
        // size × 0.50 = usdc
        Fixtures.trade(
            tx: tx ?? member * 100 + Int(at % 97), wallet: members[member - 1], asset: asset, market: market,
            side: .buy,
            size: Micros(usdc * 2_000_000), price: Micros(500_000), timestamp: at, outcome: asset == yes ? "Yes" : "No")
    }

    func consensus() -> BasketConsensus { BasketConsensus(basketId: 7, members: Set(members), rule: ConsensusRule()) }

    func feed(
        _ c: inout BasketConsensus, _ trades: [Trade], now: Int64, ask: Micros = Micros(550_000)
    ) -> [ConsensusOutcome] {
        trades.compactMap { c.add($0, now: now, fees: .free, bestAsk: { _ in ask }) }
    }

    @Test func fourOfFiveAgreeingFires() throws {
        var c = consensus()
        // Member 5 opposes first; after three Yes votes the ratio is 3/4 = 75 % (no signal); the fourth makes 4/5 = 80 %.
        let r = feed(
            &c,
            [
                buy(5, no, at: 50), buy(1, yes, at: 100), buy(2, yes, at: 200), buy(3, yes, at: 300),
                buy(4, yes, at: 400),
            ],
            now: 500)
        #expect(r[3] == .miss(.ratioTooLow(agreeing: 3, opposing: 1)))
        let signal = try #require(r[4].signal)
        #expect(signal.asset == yes && signal.outcome == "Yes" && signal.agreeing == Array(members[0..<4]).sorted())
        #expect(signal.opposing == [members[4]] && signal.ratio == 0.8 && signal.trades.count == 4)
        #expect(signal.whaleAveragePrice == Micros(500_000) && signal.whaleNotional == Micros(20_000_000_000))
        #expect(signal.basketId == 7 && signal.key.hasPrefix("7:"))
        // It fires once: more agreement in the same window does not signal again.
        #expect(
            c.add(buy(4, yes, at: 450, tx: 9_999), now: 460, fees: .free, bestAsk: { _ in Micros(550_000) })
                == .miss(.alreadySignalled))
    }

    @Test func threeAgreeTwoOpposeIsNoSignal() {
        var c = consensus()
        let results = feed(
            &c,
            [buy(4, no, at: 10), buy(5, no, at: 20), buy(1, yes, at: 30), buy(2, yes, at: 40), buy(3, yes, at: 50)],
            now: 60)
        #expect(results.last == .miss(.ratioTooLow(agreeing: 3, opposing: 2)))
        #expect(!results.contains { $0.signal != nil })
    }

    @Test func tradesOutsideTheWindowExpire() {
        var c = consensus()
        let day: Int64 = 86_400
        _ = feed(&c, [buy(1, yes, at: 0), buy(2, yes, at: 10)], now: 10)
        // The third member arrives 25 h later: the first two have left the 24 h window.
        let r = feed(&c, [buy(3, yes, at: day + 3_600)], now: day + 3_600)
        #expect(r.last == .miss(.tooFewAgreeing(agreeing: 1, needed: 3)))
    }

    @Test func hedgedMembersAreNettedOut() {
        var c = consensus()
        // Member 3 buys both outcomes equally: no stance. Two real votes are not enough.
        let r = feed(&c, [buy(1, yes, at: 1), buy(2, yes, at: 2), buy(3, yes, at: 3), buy(3, no, at: 4)], now: 5)
        #expect(r.last == .miss(.tooFewAgreeing(agreeing: 2, needed: 3)))
        // A partly hedged member (5k Yes, 2k No) still agrees with a net 3k ≥ the 1k minimum.
        var d = consensus()
        let r2 = feed(
            &d, [buy(1, yes, at: 1), buy(2, yes, at: 2), buy(3, no, usdc: 2_000, at: 3), buy(3, yes, at: 4)], now: 5)
        guard case .signal(let s) = r2.last else {
            Issue.record("expected a signal: \(r2)")
            return
        }
        #expect(s.agreeing.contains(members[2]) && s.whaleNotional == Micros(13_000_000_000))
    }

    @Test func priceGateBlocksWithoutUpside() {
        var c = consensus()
        let r = feed(&c, [buy(1, yes, at: 1), buy(2, yes, at: 2), buy(3, yes, at: 3)], now: 4, ask: Micros(960_000))
        #expect(r.last == .miss(.noUpside(bestAsk: Micros(960_000))))
        var d = consensus()
        let atEdge = feed(
            &d, [buy(1, yes, at: 1), buy(2, yes, at: 2), buy(3, yes, at: 3)], now: 4, ask: Micros(950_000))
        #expect(atEdge.last.map { $0.signal != nil } == true)  // exactly 5¢ is enough
        var e = consensus()
        let noBook = [buy(1, yes, at: 1), buy(2, yes, at: 2), buy(3, yes, at: 3)].compactMap {
            e.add($0, now: 4, fees: .free, bestAsk: { _ in nil })
        }
        #expect(noBook.last == .miss(.noBook))
    }

    /// Issue 15: the 5¢ upside is judged after our taker fee. At a best ask of 0.948 a fee-free market leaves 5.2¢ and
    /// fires; the 2026 crypto schedule (0.07 × 0.948 × 0.052 = 0.35¢ a share) leaves 4.86¢ and does not; a market whose
    /// fee is unknown never fires.
    @Test func theUpsideGateIsAfterTheFee() throws {
        let trades = [buy(1, yes, at: 1), buy(2, yes, at: 2), buy(3, yes, at: 3)]
        let ask = Micros(948_000)
        var free = consensus()
        let a = trades.compactMap { free.add($0, now: 4, fees: .free, bestAsk: { _ in ask }) }
        #expect(a.last?.signal != nil)
        let crypto = try #require(FeeSchedule(rate: Micros(70_000), exponent: 1))
        var charged = consensus()
        let b = trades.compactMap { charged.add($0, now: 4, fees: crypto, bestAsk: { _ in ask }) }
        #expect(b.last == .miss(.noUpside(bestAsk: ask)))
        var unknown = consensus()
        let c = trades.compactMap { unknown.add($0, now: 4, fees: nil, bestAsk: { _ in ask }) }
        #expect(c.last == .miss(.feeUnknown))
    }

    @Test func nonMembersAreIgnored() {
        var c = consensus()
        let outsider = Fixtures.trade(wallet: Fixtures.address(999), asset: yes, market: market)
        #expect(c.add(outsider, now: 1, fees: .free, bestAsk: { _ in Micros(500_000) }) == nil)
    }

    @Test func aRetractedTradeLeavesTheWindow() {
        let members = (1...3).map { Fixtures.address(0x70 + $0) }
        var c = BasketConsensus(basketId: 1, members: Set(members), rule: ConsensusRule())
        let trades = members.enumerated().map { i, w in
            Fixtures.trade(
                tx: 700 + i, wallet: w, size: Micros(30_000_000_000), price: Micros(400_000),
                timestamp: 1_000 + Int64(i))
        }
        _ = c.add(trades[0], now: 1_000, fees: nil) { _ in nil }
        _ = c.add(trades[1], now: 1_001, fees: nil) { _ in nil }
        #expect(c.heldTrades == 2)
        let first = c.retract(trades[1])
        let again = c.retract(trades[1])
        let never = c.retract(trades[2])
        #expect(first && c.heldTrades == 1)
        #expect(!again && !never, "gone already, or never held")
    }
}
