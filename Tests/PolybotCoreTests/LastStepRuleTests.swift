import PolybotCore
import Testing

/// Issue 27: the rule the live gateway applies right before every POST.
@Suite("The last step's rule")
struct LastStepRuleTests {
    @Test func haltedSendsNothingReduceOnlySendsExitsOnly() {
        #expect(TradingState.active.refusal(sending: .entry) == nil)
        #expect(TradingState.active.refusal(sending: .exit) == nil)
        #expect(TradingState.halted.refusal(sending: .entry) == .tradingHalted)
        #expect(TradingState.halted.refusal(sending: .exit) == .tradingHalted)
        #expect(TradingState.reduceOnly.refusal(sending: .entry) == .reducingOnly)
        #expect(TradingState.reduceOnly.refusal(sending: .exit) == nil)
        #expect(TradingState.reconciling.refusal(sending: .entry) == .reducingOnly)
        #expect(TradingState.halted.refusal(sending: .entry)?.rawValue == "trading_halted")
    }

    @Test func aCostOrFeeThatCompletesBookedSharesMovesBasisOrRealisedPnL() {
        let open = Position(
            mode: .live, conditionId: "c", asset: "a", eventSlug: "", outcome: "Yes", size: Micros(10_000_000),
            averagePrice: Micros(400_000), cost: Micros(4_000_000), entrySignalId: nil)
        // A BUY's fee known later raises the open position's cost basis; nothing is realised.
        let fee = PositionAccounting.applyTrades(
            to: open, side: .buy, shares: .zero, notional: .zero, fee: Micros(96_000))
        #expect(fee.position.cost == Micros(4_096_000) && fee.realized == .zero && fee.position.size == open.size)
        // A SELL's fee known later is realised.
        let sellFee = PositionAccounting.applyTrades(
            to: open, side: .sell, shares: .zero, notional: .zero, fee: Micros(50_000))
        #expect(sellFee.realized == Micros(-50_000) && sellFee.position.size == open.size)
        // New shares go through the ordinary accounting.
        let more = PositionAccounting.applyTrades(
            to: open, side: .buy, shares: Micros(5_000_000), notional: Micros(2_100_000), fee: Micros(10_000))
        #expect(more.position.size == Micros(15_000_000) && more.position.cost == Micros(6_110_000))
    }
}

/// Issue 27: when Polybot redeems a resolved market itself.
@Suite("Redemption plan")
struct RedemptionPlanTests {
    @Test func theAutoRedeemerGetsItsGraceAndASentRedemptionIsNotRepeatedAtOnce() {
        var plan = RedemptionPlan(graceSeconds: 600, retrySeconds: 120)
        #expect(plan.due(listed: ["a"], now: 1_000).isEmpty)
        #expect(plan.due(listed: ["a", "b"], now: 1_500).isEmpty)
        #expect(plan.due(listed: ["a", "b"], now: 1_600) == ["a"])
        plan.sent("a", now: 1_600)
        // Sent 100 s ago: not again yet; b still in its grace.
        #expect(plan.due(listed: ["a", "b"], now: 1_700).isEmpty)
        #expect(plan.due(listed: ["a", "b"], now: 1_720) == ["a"])
        #expect(plan.due(listed: ["a", "b"], now: 2_100) == ["a", "b"])
        // Redeemed (by us or the AutoRedeemer): no longer listed, forgotten; listed again later starts a new grace.
        #expect(plan.due(listed: ["b"], now: 2_200) == ["b"])
        #expect(plan.due(listed: ["a", "b"], now: 2_300) == ["b"])
        #expect(plan.firstSeen["a"] == 2_300)
    }
}
