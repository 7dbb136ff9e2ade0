import Foundation
import PolybotCore
import Testing

/// The profile page's figures (equity, calibration, categories, activity) and the ledger's grades, as pure functions.
@Suite("Wallet profile and signal grades")
struct WalletProfileTests {
    let wallet = Address("0x00000000000000000000000000000000000000aa")!

    func trade(
        _ market: Int, _ token: String, _ side: TradeSide = .buy, price: Int64, shares: Int64 = 100, at t: Int64
    ) -> Trade {
        Trade(
            transactionHash: String(format: "0x%064x", t * 10 + Int64(market)), wallet: wallet, asset: token,
            conditionId: String(format: "0x%064x", market), side: side, size: Micros(shares * 1_000_000),
            price: Micros(price), timestamp: t, outcome: "Yes", outcomeIndex: 0, title: "M\(market)", slug: "",
            eventSlug: "", traderName: "", pseudonym: "", source: .rtds)
    }

    func resolution(_ market: Int, winner: String, at: Int64?) -> (String, MarketResolution) {
        let id = String(format: "0x%064x", market)
        return (
            id,
            MarketResolution(
                conditionId: id, winningToken: winner, resolvedAt: at, tokens: ["y\(market)", "n\(market)"])
        )
    }

    @Test func calibrationCountsOnePositionPerTokenAtItsAverageBuyPrice() {
        // Three tokens bought around 0.2 (one won), two around 0.8 (both won); the 0.2 token bought twice counts once,
        // at its cost-weighted average price.
        let trades = [
            trade(1, "y1", price: 150_000, at: 1_000), trade(1, "y1", price: 250_000, at: 1_100),
            trade(2, "y2", price: 200_000, at: 1_200), trade(3, "y3", price: 210_000, at: 1_300),
            trade(4, "y4", price: 800_000, at: 1_400), trade(5, "y5", price: 820_000, at: 1_500),
        ]
        let res = Dictionary(
            uniqueKeysWithValues: [
                resolution(1, winner: "y1", at: 2_000), resolution(2, winner: "n2", at: 2_000),
                resolution(3, winner: "n3", at: 2_000), resolution(4, winner: "y4", at: 2_000),
                resolution(5, winner: "y5", at: 2_000),
            ])
        let p = WalletProfile.build(trades: trades, resolutions: res, categories: [:], asOf: 3_000)
        #expect(p.calibratedPositions == 5)
        #expect(p.calibration.count == 2)
        let low = p.calibration[0]
        #expect(low.lower == 0.2 && low.positions == 3)
        #expect(abs(low.meanPrice - (0.2 + 0.2 + 0.21) / 3) < 1e-9)
        #expect(abs(low.winRate - 1.0 / 3.0) < 1e-12)
        #expect(low.winRateLow < low.winRate && low.winRate < low.winRateHigh)
        let high = p.calibration[1]
        #expect(high.lower == 0.8 && high.positions == 2 && high.winRate == 1)
        #expect(high.winRateHigh == 1 && high.winRateLow < 1)
    }

    @Test func nothingResolvedAfterTheProfileTimeIsUsed() {
        let trades = [trade(1, "y1", price: 400_000, at: 1_000), trade(2, "y2", price: 400_000, at: 1_100)]
        let res = Dictionary(
            uniqueKeysWithValues: [resolution(1, winner: "y1", at: 2_000), resolution(2, winner: "y2", at: 9_000)])
        let p = WalletProfile.build(trades: trades, resolutions: res, categories: [:], asOf: 5_000)
        #expect(p.calibratedPositions == 1)
        #expect(p.equity.count == 1)
        // 100 shares at 0.40 settled at 1: +60 USDC.
        #expect(p.equity[0].pnl == Micros(60_000_000) && p.equity[0].cumulative == Micros(60_000_000))
        // A trade after the profile time is not drawn either.
        let later = WalletProfile.build(
            trades: trades + [trade(3, "y3", price: 500_000, at: 6_000)], resolutions: res, categories: [:],
            asOf: 5_000)
        #expect(later.activity.flatMap { $0 }.reduce(0, +) == 2)
    }

    @Test func equityAccumulatesInOrderOfClosingAndCategoriesSumTheirPositions() {
        let trades = [
            trade(1, "y1", price: 400_000, at: 1_000), trade(2, "y2", price: 300_000, at: 1_100),
            trade(2, "y2", .sell, price: 500_000, at: 1_200),
        ]
        let res = Dictionary(uniqueKeysWithValues: [resolution(1, winner: "n1", at: 2_000)])
        let categories = [String(format: "0x%064x", 1): "politics"]
        let p = WalletProfile.build(trades: trades, resolutions: res, categories: categories, asOf: 3_000)
        // Market 2 sold at 1,200 (+20), then market 1 settled at 2,000 (−40).
        #expect(p.equity.map(\.pnl) == [Micros(20_000_000), Micros(-40_000_000)])
        #expect(p.equity.map(\.cumulative) == [Micros(20_000_000), Micros(-20_000_000)])
        let politics = p.categories.first { $0.category == "politics" }
        let other = p.categories.first { $0.category == "other" }
        #expect(politics?.trades == 1 && politics?.closedPositions == 1 && politics?.wins == 0)
        #expect(politics?.realizedPnl == Micros(-40_000_000))
        #expect(other?.trades == 2 && other?.wins == 1 && other?.realizedPnl == Micros(20_000_000))
    }

    @Test func activityIsByUTCWeekdayAndHour() {
        // 1970-01-05 was a Monday; 1970-01-04 23:30 a Sunday.
        let monday = 4 * 86_400 + 13 * 3_600 + 5
        let sunday = 3 * 86_400 + 23 * 3_600 + 1_800
        let p = WalletProfile.build(
            trades: [
                trade(1, "y1", price: 400_000, at: Int64(monday)), trade(1, "y1", price: 400_000, at: Int64(sunday)),
            ],
            resolutions: [:], categories: [:], asOf: 1_000_000)
        #expect(p.activity[0][13] == 1)
        #expect(p.activity[6][23] == 1)
        #expect(p.activity.flatMap { $0 }.reduce(0, +) == 2)
    }

    // MARK: - Signal grades

    let fees = FeeSchedule(rate: Micros(40_000), exponent: 1)!

    @Test func aFilledSignalIsGradedByItsFillAfterFees() {
        let won = MarketResolution(conditionId: "c", winningToken: "a", resolvedAt: 10, tokens: ["a", "b"])
        let fill = SignalGrade.Fill(shares: Micros(100_000_000), cost: Micros(40_000_000), fee: Micros(960_000))
        let g = SignalGrade.grade(
            asset: "a", resolution: won, fill: fill, stake: Micros(50_000_000), price: Micros(400_000), fees: fees)
        #expect(g.result == .won && g.filled)
        #expect(g.cost == Micros(40_960_000))
        #expect(g.pnl == Micros(59_040_000))
        let lost = SignalGrade.grade(
            asset: "b", resolution: won, fill: fill, stake: Micros(50_000_000), price: nil, fees: nil)
        #expect(lost.result == .lost && lost.pnl == Micros(-40_960_000))
        let open = SignalGrade.grade(
            asset: "a", resolution: nil, fill: fill, stake: Micros(50_000_000), price: nil, fees: fees)
        #expect(open.result == .open && open.pnl == nil && open.cost == Micros(40_960_000))
    }

    @Test func aSkippedSignalShowsWhatItWouldHaveMadeOnlyWithAPriceAndAKnownFee() {
        let won = MarketResolution(conditionId: "c", winningToken: "a", resolvedAt: 10, tokens: ["a", "b"])
        // $50 at 0.40 = 125 shares; fee 0.04 × 0.4 × 0.6 × 125 = 1.2.
        let g = SignalGrade.grade(
            asset: "a", resolution: won, fill: nil, stake: Micros(50_000_000), price: Micros(400_000), fees: fees)
        #expect(!g.filled && g.result == .won)
        #expect(g.cost == Micros(51_200_000))
        #expect(g.pnl == Micros(125_000_000 - 51_200_000))
        // An uncomputable fee or no price: no invented figure.
        #expect(
            SignalGrade.grade(
                asset: "a", resolution: won, fill: nil, stake: Micros(50_000_000), price: Micros(400_000), fees: nil
            ).pnl == nil)
        #expect(
            SignalGrade.grade(asset: "a", resolution: won, fill: nil, stake: Micros(50_000_000), price: nil, fees: fees)
                .pnl == nil)
    }

    @Test func aBasketRecordCountsOnlyFilledResolvedSignals() {
        let won = SignalGrade(result: .won, filled: true, cost: Micros(40_000_000), pnl: Micros(60_000_000))
        let lost = SignalGrade(result: .lost, filled: true, cost: Micros(50_000_000), pnl: Micros(-50_000_000))
        let wouldBe = SignalGrade(result: .won, filled: false, cost: Micros(50_000_000), pnl: Micros(70_000_000))
        let open = SignalGrade(result: .open, filled: true, cost: Micros(10_000_000), pnl: nil)
        let r = BasketRecord.of([(3, lost), (1, won), (2, wouldBe), (4, open)])
        #expect(r.graded == 2 && r.won == 1)
        #expect(r.cost == Micros(90_000_000) && r.pnl == Micros(10_000_000))
        #expect(r.series.map(\.time) == [1, 3])
        #expect(r.series.map(\.hitRate) == [1, 0.5])
        #expect(abs((r.returnOnCost ?? 0) - 1.0 / 9.0) < 1e-12)
    }

    /// Issue 28: a rate shown to a person carries its interval or is "too few to judge": 2 of 3 signals won with
    /// +62.6 % is not a result; 30 signals give intervals that a person can read.
    @Test func aBasketRecordsRatesCarryIntervalsOrAreTooFewToJudge() throws {
        let won = SignalGrade(result: .won, filled: true, cost: Micros(50_000_000), pnl: Micros(50_000_000))
        let lost = SignalGrade(result: .lost, filled: true, cost: Micros(50_000_000), pnl: Micros(-50_000_000))
        let three = BasketRecord.of([(1, won), (2, won), (3, lost)])
        #expect(three.tooFewToJudge && three.graded == 3)
        let hit3 = try #require(three.hitRateInterval)
        #expect(hit3.low < 0.25 && hit3.high > 0.9, "Wilson 2 of 3: \(hit3)")
        // 20 won and 10 lost at even money: return 1/3; the interval excludes neither 0 nor is it a point.
        let thirty = BasketRecord.of((0..<30).map { (Int64($0), $0 % 3 == 2 ? lost : won) })
        #expect(!thirty.tooFewToJudge)
        let hit = try #require(thirty.hitRateInterval)
        #expect(hit.low < 2.0 / 3 && hit.high > 2.0 / 3 && hit.high - hit.low < 0.4)
        let ret = try #require(thirty.returnInterval)
        let r = try #require(thirty.returnOnCost)
        #expect(abs(r - 1.0 / 3) < 1e-12 && ret.low < r && ret.high > r)
        // se = sqrt(Σ(pnl − r·cost)² · n/(n−1)) / Σcost; t(29) = 2.045.
        let winResidual: Double = 50 - 50.0 / 3
        let lossResidual: Double = -50 - 50.0 / 3
        let residual = 20 * winResidual * winResidual + 10 * lossResidual * lossResidual
        let se = (residual * 30 / 29).squareRoot() / 1_500
        #expect(abs((ret.high - ret.low) / 2 - 2.0452 * se) < 0.001)
        #expect(BasketRecord.of([(1, won)]).returnInterval == nil)
    }
}
