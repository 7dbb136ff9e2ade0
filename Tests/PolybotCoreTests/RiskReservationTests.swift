import PolybotCore
import PolybotTestSupport
import Testing

/// Orders in flight count toward every cap (issue 13, item 3). Before reservations, `RiskState` counted filled
/// positions only: `twoIntentsInFlightCannotBothTakeTheLastRoom` approved both intents and the property test below
/// found exposure far above the cap within a few steps.
@Suite("Risk reservations")
struct RiskReservationTests {
    let now: Int64 = 2_000_000

    func intent(_ asset: String, event: String = "e", price: Int64 = 500_000, shares: Int64 = 100) -> OrderIntent {
        OrderIntent(
            signalKey: "k", basketId: 1, conditionId: Fixtures.hex32(1), eventSlug: event, asset: asset, side: .buy,
            price: Micros(price), shares: Micros(shares * 1_000_000), whalePrice: Micros(price), wallets: [])
    }

    @Test func twoIntentsInFlightCannotBothTakeTheLastRoom() {
        var s = RiskState(limits: RiskLimits(), equity: Micros(10_000_000_000))
        // Position cap $500: $300 approved and not yet filled leaves $200 of room in that token.
        #expect(s.approve(intent("a", shares: 600), key: "entry:1", now: now).isApproved)
        #expect(
            s.approve(intent("a", shares: 600), key: "entry:2", now: now)
                == .denied(.maxPositionExceeded, context: ["position_after": "600", "limit": "500", "reserved": "300"]))
        // Per event: two tokens in flight fill the event's two slots.
        #expect(s.approve(intent("b"), key: "entry:3", now: now).isApproved)
        #expect(
            s.approve(intent("c"), key: "entry:4", now: now)
                == .denied(.tooManyPositionsInEvent, context: ["event": "e", "open": "2"]))
        // Exposure: $300 + $50 reserved; the $2,000 cap leaves $1,650.
        #expect(s.reserved == Micros(350_000_000))
        #expect(
            !s.approve(intent("z", event: "other", price: 900_000, shares: 1_900), key: "entry:5", now: now).isApproved)
        // Cancelled unfilled: the room comes back.
        s.orderProgress(key: "entry:3", filledCost: .zero, finished: true)
        #expect(s.approve(intent("c"), key: "entry:4", now: now).isApproved)
    }

    @Test func aFillMovesMoneyFromTheReservationToThePosition() {
        var s = RiskState(limits: RiskLimits(), equity: Micros(10_000_000_000))
        #expect(s.approve(intent("a", shares: 800), key: "entry:1", now: now).isApproved)  // $400 reserved
        s.recordFill(asset: "a", eventSlug: "e", side: .buy, cost: Micros(150_000_000))
        s.orderProgress(key: "entry:1", filledCost: Micros(150_000_000), finished: false)
        #expect(s.reserved == Micros(250_000_000) && s.exposure == Micros(150_000_000))
        // Still $400 committed in the token: $100 more fits, $101 does not.
        #expect(s.evaluate(intent("a", shares: 200), now: now).isApproved)
        #expect(!s.evaluate(intent("a", shares: 202), now: now).isApproved)
        // Expired after a partial fill: what was not filled is released, the position stays.
        s.orderProgress(key: "entry:1", filledCost: Micros(150_000_000), finished: true)
        #expect(s.reserved == .zero && s.exposure == Micros(150_000_000))
    }

    @Test func reCheckingAnOrderDoesNotCountItTwice() {
        var s = RiskState(limits: RiskLimits(), equity: Micros(10_000_000_000))
        #expect(s.approve(intent("a", shares: 900), key: "entry:1", now: now).isApproved)  // $450 of $500
        // The same queued order approved again by an operator: its own reservation is not counted against it.
        #expect(s.approve(intent("a", shares: 900), key: "entry:1", now: now + 5).isApproved)
        #expect(s.reserved == Micros(450_000_000))
    }

    @Test func exitsAreNotHeldBackByTheEntryOrderRate() {
        var s = RiskState(limits: RiskLimits(), equity: Micros(10_000_000_000))
        s.recordFill(asset: "a", eventSlug: "e", side: .buy, cost: Micros(50_000_000))
        for i in 0..<10 { s.recordOrder(now: now - Int64(i)) }
        var exit = intent("a")
        exit.side = .sell
        #expect(s.evaluate(intent("b"), now: now).isApproved == false)
        #expect(s.evaluate(exit, now: now).isApproved)
    }

    @Test func todaysPnlIsEquityAgainstTheDaysStart() {
        var s = RiskState(limits: RiskLimits(), equity: Micros(10_000_000_000))
        s.recordMark(pnlChange: Micros(-200_000_000))
        s.startDay()  // yesterday's unrealised loss is not today's
        #expect(s.todayPnl == .zero && !s.dailyLossStopReached)
        s.recordFill(asset: "a", eventSlug: "e", side: .sell, cost: .zero, realized: Micros(-100_000_000))
        s.recordMark(pnlChange: Micros(-190_000_000))
        #expect(s.todayPnl == Micros(-290_000_000) && !s.dailyLossStopReached)  // the stop is 3 % of $9,800 = $294
        s.recordMark(pnlChange: Micros(-4_000_000))
        #expect(s.dailyLossStopReached)
    }

    @Test func anAmountThatDoesNotFitIsANamedDenialNotATrap() {
        let s = RiskState(limits: RiskLimits(), equity: Micros(10_000_000_000))
        // With a price under 1 a share count that fits also gives a notional that fits; a corrupt price above 1 must not trap.
        let huge = OrderIntent(
            signalKey: "k", basketId: nil, conditionId: Fixtures.hex32(1), eventSlug: "", asset: "a", side: .buy,
            price: Micros(2_000_000), shares: Micros(Int64.max), whalePrice: Micros(2_000_000), wallets: [])
        guard case .denied(.amountOutOfRange, _) = s.evaluate(huge, now: now) else {
            Issue.record("not denied")
            return
        }
    }

    /// Intents are approved and then fill later, partly or never (expire, cancel); whatever the interleaving, what is
    /// committed — filled positions plus open reservations — never exceeds a cap.
    @Test(arguments: 0..<40)
    func noCapIsExceededCountingOpenIntents(seed: Int) {
        var draws = SeededDraws(seed: seed + 7)
        func next(_ n: Int) -> Int { draws.next(n) }
        var limits = RiskLimits()
        limits.maxOrdersPerMinute = 10_000
        var s = RiskState(limits: limits, equity: Micros(10_000_000_000))
        let maxPosition = Micros(500_000_000)  // 5 % of $10,000; equity does not move here (no marks, no sells)
        var t = now
        var live: [String: OrderIntent] = [:]
        var filled: [String: Micros] = [:]
        for step in 0..<600 {
            t += Int64(next(5))
            switch next(6) {
            case 0, 1, 2:
                // A token belongs to one market, and so to one event.
                let token = next(8)
                let i = intent(
                    "t\(token)", event: "e\(token % 3)", price: Int64(10_000 * (1 + next(98))),
                    shares: Int64(1 + next(1_200)))
                let key = "entry:\(step)"
                if case .approved = s.approve(i, key: key, now: t) { live[key] = i }
            case 3:
                // A partial (or complete) fill of an order in flight, at or under its limit.
                guard !live.isEmpty else { continue }
                let key = live.keys.sorted()[next(live.count)]
                guard let i = live[key] else { continue }
                let room = i.notional - (filled[key] ?? .zero)
                guard room > .zero else { continue }
                let part = Micros(Int64(1 + next(Int(min(room.raw, Int64(Int.max))))))
                s.recordFill(asset: i.asset, eventSlug: i.eventSlug, side: .buy, cost: part)
                filled[key, default: .zero] += part
                let done = filled[key]! >= i.notional
                s.orderProgress(key: key, filledCost: filled[key]!, finished: done)
                if done { live[key] = nil }
            default:
                // Expired, cancelled or rejected, after any partial fill.
                guard !live.isEmpty else { continue }
                let key = live.keys.sorted()[next(live.count)]
                s.orderProgress(key: key, filledCost: filled[key] ?? .zero, finished: true)
                live[key] = nil
            }
            let committed = s.exposure + s.reserved
            #expect(committed <= s.limits.maxExposure, "step \(step): committed \(committed)")
            for asset in Set(s.positions.keys).union(s.reservations.values.map(\.asset)) {
                let inAsset =
                    (s.positions[asset] ?? .zero)
                    + Micros.sum(s.reservations.values.filter { $0.asset == asset }.map(\.open))
                #expect(inAsset <= maxPosition, "step \(step): \(asset) \(inAsset)")
            }
            for event in ["e0", "e1", "e2"] {
                let assets = Set(s.positionEvents.filter { $0.value == event }.map(\.key))
                    .union(s.reservations.values.filter { $0.eventSlug == event && $0.open > .zero }.map(\.asset))
                #expect(assets.count <= s.limits.maxPositionsPerEvent, "step \(step): event \(event) \(assets)")
            }
        }
    }
}
