import PolybotCore
import Testing

/// Fills from the recorded tape: later prints within the limit, a participation share of each, depleted by our own
/// fills; unfilled with a reason otherwise. And the pure copy path that uses them.
@Suite("Tape fills")
struct TapeFillsTests {
    static let token = "123"

    static func print(_ t: Int64, _ price: String, _ size: String) -> TapeFills.Print {
        // One print per second here: its time is its place in the history.
        TapeFills.Print(time: t, price: Micros(decimal: price)!, size: Micros(decimal: size)!, index: Int(t))
    }

    static func order(
        shares: String, limit: String, at t: Int64 = 1_000, delay: Int64 = 2, life: Int64 = 300
    )
        -> TapeFills.Order
    {
        TapeFills.Order(
            token: token, side: .buy, shares: Micros(decimal: shares)!, limit: Micros(decimal: limit)!,
            dueMs: (t + delay) * 1_000, detectedMs: t * 1_000, lifetimeSeconds: life, fees: .free)
    }

    @Test func fillsAtTheLaterPrintsNotAtTheWhalesPrice() {
        // The whale bought at 0.50 at t = 1000; the prints after it are several cents higher.
        var tape = TapeFills(
            prints: [
                Self.token: [
                    Self.print(1_000, "0.50", "20000"), Self.print(1_001, "0.51", "400"),
                    Self.print(1_030, "0.54", "400"), Self.print(1_090, "0.55", "400"),
                ]
            ], participationBps: 2_500)
        let f = tape.fill(Self.order(shares: "150", limit: "0.55"))
        // The whale's own print and the one inside the copy delay are not ours; 25 % of 400 = 100 at 0.54, 50 at 0.55.
        #expect(
            f.fills == [
                PaperLevel(price: Micros(decimal: "0.54")!, size: Micros(decimal: "100")!),
                PaperLevel(price: Micros(decimal: "0.55")!, size: Micros(decimal: "50")!),
            ])
        #expect(f.averagePrice == Micros(decimal: "0.543333") && f.shortfall == nil && f.lastFillAt == 1_090)
        #expect(f.copyDelayCost(side: .buy, whalePrice: Micros(decimal: "0.50")!) == Micros(decimal: "6.5"))
        // A second order finds what the first took gone: 50 left at 0.55, then nothing.
        let second = tape.fill(Self.order(shares: "100", limit: "0.55"))
        #expect(second.filledShares == Micros(decimal: "50") && second.shortfall == .liquidityExhausted)
    }

    @Test func unfilledWithItsReason() {
        var tape = TapeFills(
            prints: [Self.token: [Self.print(1_000, "0.50", "20000"), Self.print(1_060, "0.60", "5000")]],
            participationBps: 2_500)
        let above = tape.fill(Self.order(shares: "100", limit: "0.55"))
        #expect(above.filledShares == .zero && above.shortfall == .noPrintWithinLimit)
        // After the lifetime: never seen.
        let late = tape.fill(Self.order(shares: "100", limit: "0.65", life: 30))
        #expect(late.filledShares == .zero && late.shortfall == .noLaterPrint)
        var empty = TapeFills(prints: [:], participationBps: 2_500)
        #expect(empty.fill(Self.order(shares: "1", limit: "0.99")).shortfall == .noLaterPrint)
        #expect(tape.lastPrice(token: Self.token, throughIndex: 1_059) == Micros(decimal: "0.50"))
        #expect(tape.lastPrice(token: Self.token, throughIndex: 999) == nil)
        #expect(tape.lastPrice(token: "unknown", throughIndex: 9) == nil)
    }

    @Test func theCopyPathSignalsSizesAndFillsFromTheTape() {
        let whale = Address("0x" + String(repeating: "11", count: 20))!
        func trade(
            _ wallet: Address, _ t: Int64, _ price: String, _ size: String, market: String, token: String
        )
            -> Trade
        {
            Trade(
                transactionHash: "0x\(t)\(market)", wallet: wallet, asset: token, conditionId: market, side: .buy,
                size: Micros(decimal: size)!, price: Micros(decimal: price)!, timestamp: t, outcome: "Yes",
                outcomeIndex: 0, title: "", slug: "", eventSlug: "ev-\(market)", source: .replay)
        }
        let flow = Address("0x" + String(repeating: "22", count: 20))!
        let trades = [
            // Market a: prints 4 ¢ above the whale, inside the 5 ¢ cap: filled there.
            trade(whale, 1_000, "0.50", "4000", market: "a", token: "ta"),
            trade(flow, 1_020, "0.54", "1000", market: "a", token: "ta"),
            // Market b: the next print is 10 ¢ above: not filled.
            trade(whale, 2_000, "0.50", "4000", market: "b", token: "tb"),
            trade(flow, 2_030, "0.60", "1000", market: "b", token: "tb"),
        ]
        let market = CopySimulation.Market(
            tick: Micros(decimal: "0.01")!, minimumShares: Micros(decimal: "5")!, fees: .free, event: "", winner: nil)
        var rule = ConsensusRule()
        rule.minUpside = Micros(decimal: "0.05")!
        let sim = CopySimulation(
            trades: trades, markets: ["a": market, "b": market],
            rules: .init(
                consensus: rule, whaleMinNotional: Micros(decimal: "1000")!, slippage: Micros(decimal: "0.05")!,
                fixedOrder: Micros(decimal: "50")!, copyDelaySeconds: 2, lifetimeSeconds: 300),
            participationBps: 2_500)
        let ps = sim.run(schedule: [.init(time: 0, members: [whale])], minMembers: 1)
        #expect(ps.count == 2)
        #expect(ps[0].market == "a" && abs((ps[0].averagePrice ?? 0) - 0.54) < 1e-9 && ps[0].limit == 0.55)
        #expect(abs(ps[0].shares - (50 / 0.55).rounded(.down)) < 1.01 && ps[0].shortfall == nil)
        #expect(ps[1].market == "b" && ps[1].shares == 0 && ps[1].shortfall == .noPrintWithinLimit)
        // Nobody in the basket before t = 1500: only market b is copied.
        let later = sim.run(schedule: [.init(time: 1_500, members: [whale])], minMembers: 1)
        #expect(later.map(\.market) == ["b"])
    }
}
