import PolybotCore
import PolybotTestSupport
import Testing

extension SizingInput {
    fileprivate func with(q: Double) -> SizingInput {
        var c = self
        c.outcomeProbability = q
        return c
    }
}

@Suite("Position sizing")
struct PositionSizingTests {
    let base = SizingInput(
        price: Micros(500_000), outcomeProbability: 0.7, equity: Micros(10_000_000_000),
        whaleNotional: Micros(50_000_000_000), tick: Micros(10_000), minimumShares: Micros(5_000_000), fees: .free)

    /// Issue 15: a copy is a taker, so each share costs price + fee. Side by side at 0.50 with q = 0.7: fee-free, ¼ Kelly
    /// stakes $1,000 for 2,000 shares; with the politics schedule (0.04 × 0.25 = 1¢ a share) the edge is judged at 0.51
    /// (f* = 0.19 / 0.49), the stake is $969.387755 and it buys 1,900.76 shares at 0.51 each, fee included. A fixed
    /// $1,000 buys 1,960.78 shares instead of 2,000, so shares × price + fee stays within the $1,000.
    @Test func kellyAndFixedSizesPayTheFee() throws {
        let politics = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1))
        var charged = base
        charged.fees = politics
        #expect(
            PositionSizing.size(charged, mode: .fractionalKelly(fractionBps: 2_500))
                == .size(shares: Micros(1_900_760_000), price: Micros(500_000), notional: Micros(950_380_000)))
        #expect(
            PositionSizing.size(base, mode: .fixed(Micros(1_000_000_000)))
                == .size(shares: Micros(2_000_000_000), price: Micros(500_000), notional: Micros(1_000_000_000)))
        let fixed = PositionSizing.size(charged, mode: .fixed(Micros(1_000_000_000)))
        #expect(fixed == .size(shares: Micros(1_960_780_000), price: Micros(500_000), notional: Micros(980_390_000)))
        let fee = try #require(politics.takerFee(shares: Micros(1_960_780_000), price: Micros(500_000)))
        #expect(Micros(980_390_000) + fee <= Micros(1_000_000_000))
        // A price whose fee leaves no edge at all is `no_edge`, not a stake.
        var dear = charged
        dear.outcomeProbability = 0.505
        #expect(PositionSizing.size(base.with(q: 0.505), mode: .fractionalKelly(fractionBps: 2_500)) != .skip(.noEdge))
        #expect(PositionSizing.size(dear, mode: .fractionalKelly(fractionBps: 2_500)) == .skip(.noEdge))
    }

    @Test func quarterKellyOnTheOutcomeProbability() {
        // q = 0.7 is the outcome's probability (price + proven edge): f* = (0.7 − 0.5)/(1 − 0.5) = 0.4; ¼ Kelly = 0.1 of
        // $10,000 = $1,000 → 2,000 shares at 0.50.
        #expect(
            PositionSizing.size(base, mode: .fractionalKelly(fractionBps: 2_500))
                == .size(shares: Micros(2_000_000_000), price: Micros(500_000), notional: Micros(1_000_000_000)))
        var noEdge = base
        noEdge.outcomeProbability = 0.45
        #expect(PositionSizing.size(noEdge, mode: .fractionalKelly(fractionBps: 2_500)) == .skip(.noEdge))
    }

    /// Issue 28: Kelly bets the outcome's probability — the price plus the members' proven edge (lower bound with the
    /// Student t of their resolved markets) — never a win rate. A 95 % win rate on 95¢ favourites proves nothing, so a
    /// wallet without edge evidence gets no Kelly stake; a favourite and a longshot are judged by the same edge.
    @Test func kellyUsesThePriceplusTheProvenEdgeNeverAWinRate() {
        // t quantiles: 2.132 (4 df), 1.699 (29 df), → 1.645.
        #expect(abs(OutcomeProbability.studentT(0.95, degreesOfFreedom: 4) - 2.1318) < 0.001)
        #expect(abs(OutcomeProbability.studentT(0.95, degreesOfFreedom: 29) - 1.6991) < 0.001)
        #expect(abs(OutcomeProbability.studentT(0.95, degreesOfFreedom: 100_000) - 1.6449) < 0.001)
        // No evidence (unscored, or one resolved market): no probability, so Kelly skips.
        #expect(OutcomeProbability.estimate(price: Micros(500_000), members: []) == nil)
        let single = OutcomeProbability.Evidence(edge: 0.5, standardError: 0.1, markets: 1)
        #expect(OutcomeProbability.estimate(price: Micros(500_000), members: [single]) == nil)
        // Edge 0.10 ± 0.05 over 30 markets: lower bound 0.10 − 1.699 × 0.05 = 0.0150; at a 0.90 favourite q = 0.9150.
        let proven = OutcomeProbability.Evidence(edge: 0.10, standardError: 0.05, markets: 30)
        let q = OutcomeProbability.estimate(price: Micros(900_000), members: [proven]) ?? 0
        #expect(abs(q - 0.91504) < 0.0001)
        // The same edge over 5 markets is not proven (0.10 − 2.132 × 0.05 < 0.0): q below the price, no stake.
        let thin = OutcomeProbability.Evidence(edge: 0.10, standardError: 0.05, markets: 5)
        let qThin = OutcomeProbability.estimate(price: Micros(900_000), members: [thin]) ?? 1
        #expect(qThin < 0.9)
        var favourite = base
        favourite.price = Micros(900_000)
        favourite.outcomeProbability = qThin
        #expect(PositionSizing.size(favourite, mode: .fractionalKelly(fractionBps: 2_500)) == .skip(.noEdge))
        // A longshot with the proven edge gets a stake sized on 0.10 + 0.015, not the whole position cap.
        var longshot = base
        longshot.price = Micros(100_000)
        longshot.outcomeProbability = OutcomeProbability.estimate(price: Micros(100_000), members: [proven])
        guard case .size(let shares, _, _) = PositionSizing.size(longshot, mode: .fractionalKelly(fractionBps: 2_500))
        else {
            Issue.record("no stake for a proven edge")
            return
        }
        // f* = 0.015/0.9 ≈ 0.0167; ¼ of it of $10,000 ≈ $41.7 → ≈ 416 shares at 0.10 (not the $1,000 a win rate bought).
        #expect(shares > Micros(400_000_000) && shares < Micros(430_000_000), "\(shares)")
    }

    @Test func fixedAndProportionalFloorToTheLot() {
        var odd = base
        odd.price = Micros(330_000)
        // $50 / 0.33 = 151.515… → 151.51 shares.
        #expect(
            PositionSizing.size(odd, mode: .fixed(Micros(50_000_000)))
                == .size(
                    shares: Micros(151_510_000), price: Micros(330_000),
                    notional: Micros(49_998_300)))
        // 1 % of $50,000 = $500 at 0.50 → 1,000 shares.
        #expect(
            PositionSizing.size(base, mode: .proportional(bps: 100))
                == .size(shares: Micros(1_000_000_000), price: Micros(500_000), notional: Micros(500_000_000)))
    }

    @Test func skipsBelowMinimumAndOffTick() {
        #expect(PositionSizing.size(base, mode: .fixed(Micros(2_000_000))) == .skip(.belowMinimumSize))  // 4 shares < 5
        var off = base
        off.price = Micros(505_000)
        #expect(PositionSizing.size(off, mode: .fixed(Micros(50_000_000))) == .skip(.priceOffTick))
        off.price = Micros(1_000_000)
        #expect(PositionSizing.size(off, mode: .fixed(Micros(50_000_000))) == .skip(.invalidPrice))
    }
}

@Suite("Risk rules")
struct RiskRulesTests {
    let now: Int64 = 1_000_000

    func intent(
        asset: String = "a", event: String = "e", price: Int64 = 500_000, shares: Int64 = 100, whale: Int64 = 480_000,
        side: TradeSide = .buy
    ) -> OrderIntent {
        OrderIntent(
            signalKey: "k", basketId: 1, conditionId: Fixtures.hex32(1), eventSlug: event, asset: asset, side: side,
            price: Micros(price), shares: Micros(shares * 1_000_000), whalePrice: Micros(whale),
            wallets: [Fixtures.address(1)])
    }

    func state() -> RiskState { RiskState(limits: RiskLimits(), equity: Micros(10_000_000_000)) }

    @Test func eachRuleDeniesWithItsReason() {
        var s = state()
        #expect(s.evaluate(intent(), now: now).isApproved)
        // Position ≤ 5 % of $10,000 = $500: 1,100 shares at 0.50 = $550.
        #expect(
            s.evaluate(intent(shares: 1_100), now: now)
                == .denied(.maxPositionExceeded, context: ["position_after": "550", "limit": "500"]))
        // Slippage: 0.54 > 0.48 + 0.05.
        #expect(
            s.evaluate(intent(price: 540_000), now: now)
                == .denied(
                    .slippageExceeded,
                    context: ["price": "0.54", "price_with_fee": "0.54", "whale_price": "0.48", "max_slippage": "0.05"])
        )
        // With the fee (issue 15): 0.525 is within 0.48 + 0.05 fee-free, but 0.525 + 0.04 × 0.525 × 0.475 = 0.534975 a
        // share on a politics market is not.
        var charged = intent(price: 525_000)
        #expect(s.evaluate(charged, now: now).isApproved)
        charged.fees = FeeSchedule(rate: Micros(40_000), exponent: 1)
        #expect(
            s.evaluate(charged, now: now)
                == .denied(
                    .slippageExceeded,
                    context: [
                        "price": "0.525", "price_with_fee": "0.534975", "whale_price": "0.48", "max_slippage": "0.05",
                    ]))
        // Two positions in an event already.
        s.recordFill(asset: "x", eventSlug: "e", side: .buy, cost: Micros(10_000_000))
        s.recordFill(asset: "y", eventSlug: "e", side: .buy, cost: Micros(10_000_000))
        #expect(
            s.evaluate(intent(), now: now) == .denied(.tooManyPositionsInEvent, context: ["event": "e", "open": "2"]))
        #expect(s.evaluate(intent(asset: "x"), now: now).isApproved)  // adding to an open one is fine
        // Daily loss stop at 3 % of start-of-day equity.
        var loss = state()
        loss.recordMark(pnlChange: Micros(-300_000_000))
        #expect(
            loss.evaluate(intent(), now: now)
                == .denied(.dailyLossStop, context: ["today_pnl": "-300", "limit": "-300"]))
        // Exposure cap ($2,000 by default).
        var full = state()
        full.limits.maxPositionBps = 10_000
        full.recordFill(asset: "z", eventSlug: "other", side: .buy, cost: Micros(1_990_000_000))
        #expect(
            full.evaluate(intent(), now: now)
                == .denied(.maxExposureExceeded, context: ["exposure_after": "2040", "limit": "2000"]))
        // Order rate.
        var busy = state()
        for i in 0..<10 { busy.recordOrder(now: now - Int64(i)) }
        #expect(
            busy.evaluate(intent(), now: now)
                == .denied(.orderRateExceeded, context: ["orders_last_minute": "10", "limit": "10"]))
        #expect(busy.evaluate(intent(), now: now + 61).isApproved)
        // Cooldowns by market, wallet and basket.
        var locked = state()
        locked.cooldowns = [Cooldown(scope: .wallet(Fixtures.address(1)), until: now + 10, reason: "loss")]
        #expect(
            locked.evaluate(intent(), now: now)
                == .denied(.cooldownActive, context: ["until": "\(now + 10)", "reason": "loss"]))
        #expect(locked.evaluate(intent(), now: now + 10).isApproved)
    }

    @Test func tradingStatesGateEntries() {
        var s = state()
        s.recordFill(asset: "a", eventSlug: "e", side: .buy, cost: Micros(50_000_000))
        for (state, reason) in [
            (TradingState.halted, DenialReason.tradingHalted), (.reduceOnly, .reducingOnly),
            (.reconciling, .streamReconciling),
        ] {
            s.tradingState = state
            #expect(s.evaluate(intent(asset: "b"), now: now) == .denied(reason, context: [:]))
        }
        s.tradingState = .reduceOnly
        #expect(s.evaluate(intent(side: .sell), now: now).isApproved)  // reducing an open position
        s.tradingState = .halted
        #expect(!s.evaluate(intent(side: .sell), now: now).isApproved)  // the kill switch stops everything
    }

    @Test(arguments: 0..<25)
    func capsHoldUnderAnySequence(seed: Int) {
        var draws = SeededDraws(seed: seed + 1)
        func next(_ n: Int) -> Int { draws.next(n) }
        var s = state()
        var t = now
        for _ in 0..<400 {
            t += Int64(next(30))
            switch next(10) {
            case 0: s.tradingState = [.active, .active, .reduceOnly, .halted, .reconciling][next(5)]
            case 1: s.recordMark(pnlChange: Micros(Int64(next(200_000_000)) - 100_000_000))
            case 2: if next(20) == 0 { s.startDay() }
            default:
                let i = intent(
                    asset: "t\(next(12))", event: "e\(next(4))", price: Int64(10_000 * (1 + next(98))),
                    shares: Int64(1 + next(3_000)), whale: Int64(10_000 * (1 + next(98))),
                    side: next(5) == 0 ? .sell : .buy)
                let exposureBefore = s.exposure
                let decision = s.evaluate(i, now: t)
                if s.tradingState == .halted { #expect(!decision.isApproved) }
                if case .approved(let ok) = decision {
                    s.recordOrder(now: t)
                    if ok.side == .buy {
                        s.recordFill(asset: ok.asset, eventSlug: ok.eventSlug, side: .buy, cost: ok.notional)
                        // Invariants after every approved entry (a BUY fill does not change equity).
                        let maxPosition = Micros(
                            Int64((Int128(s.equity.raw) * Int128(s.limits.maxPositionBps)) / 10_000))
                        #expect(s.exposure <= s.limits.maxExposure && s.exposure > exposureBefore)
                        #expect(s.positions[ok.asset]! <= maxPosition)
                    } else {
                        s.recordFill(
                            asset: ok.asset, eventSlug: ok.eventSlug, side: .sell,
                            cost: min(ok.notional, s.positions[ok.asset] ?? .zero))
                    }
                }
            }
        }
    }
}

/// Settings far outside sane use never trap (issue 13, item 2): a $9,000,000,000,000 fixed order used to crash the
/// daemon with an arithmetic overflow at every signal; a Kelly stake without a probability used to assume 0.5.
@Suite("Sizing fails closed")
struct SizingFailsClosedTests {
    let base = SizingInput(
        price: Micros(500_000), outcomeProbability: 0.7, equity: Micros(10_000_000_000),
        whaleNotional: Micros(50_000_000_000), tick: Micros(10_000), minimumShares: Micros(5_000_000), fees: .free)

    @Test func hugeAmountsAreANamedSkip() {
        #expect(PositionSizing.size(base, mode: .fixed(Micros(9_000_000_000_000_000_000))) == .skip(.amountOutOfRange))
        var rich = base
        rich.whaleNotional = Micros(Int64.max)
        #expect(PositionSizing.size(rich, mode: .proportional(bps: 10_000)) == .skip(.amountOutOfRange))
        // Full Kelly of the largest equity at a 1¢ price: more shares than 64-bit micro units hold.
        rich.equity = Micros(Int64.max)
        rich.price = Micros(10_000)
        #expect(PositionSizing.size(rich, mode: .fractionalKelly(fractionBps: 10_000)) == .skip(.amountOutOfRange))
    }

    @Test func kellyWithoutAProbabilitySkips() {
        var unknown = base
        unknown.outcomeProbability = nil
        #expect(PositionSizing.size(unknown, mode: .fractionalKelly(fractionBps: 2_500)) == .skip(.noScore))
        // Fixed sizing needs no probability.
        #expect(PositionSizing.size(unknown, mode: .fixed(Micros(50_000_000))).isSkip == false)
    }

    @Test func checkedMoneyArithmetic() throws {
        #expect(throws: MoneyOverflow.self) { try Micros(Int64.max).adding(Micros(1)) }
        #expect(throws: MoneyOverflow.self) { try Micros(Int64.min).subtracting(Micros(1)) }
        #expect(throws: MoneyOverflow.self) { try Micros(Int64.max / 2).checkedMultiplied(by: Micros(3_000_000)) }
        #expect(try Micros(2_000_000).checkedMultiplied(by: Micros(550_000)) == Micros(1_100_000))
    }
}

extension SizingDecision {
    var isSkip: Bool { if case .skip = self { true } else { false } }
}
