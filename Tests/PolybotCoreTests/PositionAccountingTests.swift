import PolybotCore
import Testing

@Suite("Our positions: average cost, exits")
struct PositionAccountingTests {
    let empty = Position(
        mode: .paper, conditionId: "0x" + String(repeating: "0", count: 64), asset: "1", size: .zero,
        averagePrice: .zero,
        cost: .zero)

    @Test func buysAverageAndSellsRealiseProRata() {
        // 100 @ 0.40 (fee 0.10) then 50 @ 0.70: cost 40.10 + 35 = 75.10 for 150 shares.
        var a = PositionAccounting.apply(
            to: empty, side: .buy, shares: Micros(100_000_000), notional: Micros(40_000_000), fee: Micros(100_000))
        #expect(
            a.position.cost == Micros(40_100_000) && a.position.averagePrice == Micros(401_000)
                && a.costChange == Micros(40_100_000))
        a = PositionAccounting.apply(
            to: a.position, side: .buy, shares: Micros(50_000_000), notional: Micros(35_000_000), fee: .zero)
        #expect(a.position.size == Micros(150_000_000) && a.position.cost == Micros(75_100_000))
        #expect(a.position.averagePrice == Micros(500_666))
        // Sell 60 @ 0.80 with a 0.05 fee: releases 75.10 × 60/150 = 30.04; realises 48 − 30.04 − 0.05 = 17.91.
        let s = PositionAccounting.apply(
            to: a.position, side: .sell, shares: Micros(60_000_000), notional: Micros(48_000_000), fee: Micros(50_000))
        #expect(s.costChange == Micros(30_040_000) && s.realized == Micros(17_910_000))
        #expect(
            s.position.size == Micros(90_000_000) && s.position.cost == Micros(45_060_000) && s.position.status == .open
        )
        // Selling the rest releases exactly what is left: no dust stays in the cost.
        let out = PositionAccounting.apply(
            to: s.position, side: .sell, shares: Micros(90_000_000), notional: Micros(27_000_000), fee: .zero)
        #expect(out.position.size == .zero && out.position.cost == .zero && out.position.status == .closed)
        #expect(out.realized == Micros(27_000_000 - 45_060_000))
        #expect(out.position.realizedPnl == s.realized + out.realized)
    }

    @Test func aSellBeyondTheHoldingRealisesOnlyWhatWasHeld() {
        let held = PositionAccounting.apply(
            to: empty, side: .buy, shares: Micros(10_000_000), notional: Micros(5_000_000), fee: .zero
        ).position
        let s = PositionAccounting.apply(
            to: held, side: .sell, shares: Micros(20_000_000), notional: Micros(12_000_000), fee: .zero)
        #expect(s.shares == Micros(10_000_000) && s.realized == Micros(1_000_000) && s.position.status == .closed)
    }

    @Test func settlementPaysOneOrZero() {
        let held = PositionAccounting.apply(
            to: empty, side: .buy, shares: Micros(10_000_000), notional: Micros(4_000_000), fee: .zero
        ).position
        let won = PositionAccounting.settle(held, won: true)
        #expect(won.realized == Micros(6_000_000) && won.position.status == .settled && won.position.size == .zero)
        let lost = PositionAccounting.settle(held, won: false)
        #expect(lost.realized == Micros(-4_000_000) && lost.position.markPrice == .zero)
    }

    @Test func takeProfitAndStopLoss() {
        let held = PositionAccounting.apply(
            to: empty, side: .buy, shares: Micros(10_000_000), notional: Micros(4_000_000), fee: .zero
        ).position
        let rules = ExitRules(takeProfitBps: 5_000, stopLossBps: 2_500)
        #expect(rules.priceExit(held, mark: Micros(600_000)) == .takeProfit)  // +50 %
        #expect(rules.priceExit(held, mark: Micros(599_999)) == nil)
        #expect(rules.priceExit(held, mark: Micros(300_000)) == .stopLoss)  // −25 %
        #expect(rules.priceExit(held, mark: Micros(300_001)) == nil)
        #expect(ExitRules().priceExit(held, mark: Micros(990_000)) == nil)  // off by default
    }

    @Test func mirroredSellIsTheWhalesShareOfItsPart() {
        // 3 whales behind 300 shares; one sells half of what it bought → we sell 50 (its 100, halved).
        #expect(
            ExitRules.mirroredShares(
                entryShares: Micros(300_000_000), held: Micros(300_000_000), whaleSold: Micros(5_000_000_000),
                whaleBought: Micros(10_000_000_000), agreeing: 3) == Micros(50_000_000))
        // Selling more than it bought counts as all of it; never more than we hold; floored to the 0.01 lot.
        #expect(
            ExitRules.mirroredShares(
                entryShares: Micros(300_000_000), held: Micros(20_000_000), whaleSold: Micros(99),
                whaleBought: Micros(1), agreeing: 3) == Micros(20_000_000))
        #expect(
            ExitRules.mirroredShares(
                entryShares: Micros(100_000_000), held: Micros(100_000_000), whaleSold: Micros(1),
                whaleBought: Micros(3), agreeing: 3) == Micros(11_110_000))
        #expect(
            ExitRules.mirroredShares(
                entryShares: Micros(100_000_000), held: Micros(100_000_000), whaleSold: .zero,
                whaleBought: Micros(3), agreeing: 3) == .zero)
    }
}
