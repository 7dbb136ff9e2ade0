import PolybotCore
import Testing

@Suite("Paper fills walk the book")
struct PaperFillTests {
    let asks = [
        PaperLevel(price: Micros(520_000), size: Micros(100_000_000)),
        PaperLevel(price: Micros(530_000), size: Micros(50_000_000)),
        PaperLevel(price: Micros(560_000), size: Micros(500_000_000)),
    ]

    /// The 2026 politics schedule (rate 0.04, exponent 1, taker only).
    let politics = FeeSchedule(rate: Micros(40_000), exponent: 1)!

    @Test func buyTakesLevelsUpToTheLimitAndReportsTheCopyDelayCost() throws {
        // 180 shares, limit 0.55: 100 @ 0.52 + 50 @ 0.53 = 78.50; 30 left (0.56 is above the limit).
        let f = try #require(
            PaperFill.walk(
                levels: asks, side: .buy, shares: Micros(180_000_000), limit: Micros(550_000), fees: politics,
                whalePrice: Micros(500_000)))
        #expect(f.fills.count == 2 && f.filledShares == Micros(150_000_000) && f.remaining == Micros(30_000_000))
        // Taker fee per level, s × 0.04 × p(1 − p): 100 × 0.04 × 0.52 × 0.48 = 0.9984 and 50 × 0.04 × 0.53 × 0.47 = 0.4982.
        #expect(f.notional == Micros(78_500_000) && f.fee == Micros(1_496_600))
        #expect(f.averagePrice == Micros(523_333))
        // The whales paid 0.50: 150 shares cost 3.50 more than theirs.
        #expect(f.copyDelayCost == Micros(3_500_000))
    }

    @Test func sellWalksBidsDownToTheLimit() throws {
        let bids = [
            PaperLevel(price: Micros(480_000), size: Micros(20_000_000)),
            PaperLevel(price: Micros(470_000), size: Micros(20_000_000)),
        ]
        let f = try #require(
            PaperFill.walk(
                levels: bids, side: .sell, shares: Micros(30_000_000), limit: Micros(475_000), fees: .free,
                whalePrice: Micros(490_000)))
        #expect(f.fee == .zero)
        #expect(
            f.filledShares == Micros(20_000_000) && f.notional == Micros(9_600_000) && f.remaining == Micros(10_000_000)
        )
        #expect(f.copyDelayCost == Micros(200_000))  // sold 1¢ below the whales on 20 shares
    }

    @Test func emptyOrOutOfRangeBooksFillNothing() throws {
        let empty = try #require(
            PaperFill.walk(
                levels: [], side: .buy, shares: Micros(1_000_000), limit: .one, fees: politics, whalePrice: .zero))
        #expect(empty.filledShares == .zero && empty.fee == .zero)
        let f = try #require(
            PaperFill.walk(
                levels: asks, side: .buy, shares: Micros(1_000_000), limit: Micros(510_000), fees: politics,
                whalePrice: .zero))
        #expect(f.filledShares == .zero && f.averagePrice == nil && f.remaining == Micros(1_000_000))
    }

    /// Each level is charged (and floored to 0.00001) on its own, as the venue charges each match: 3 shares at 0.51 and
    /// 3 at 0.52 with rate 0.07 cost 0.05247 + 0.05241, where one fee on the total at the average price would be 0.10490.
    @Test func eachLevelPaysItsOwnFloor() throws {
        let crypto = try #require(FeeSchedule(rate: Micros(70_000), exponent: 1))
        let levels = [
            PaperLevel(price: Micros(510_000), size: Micros(3_000_000)),
            PaperLevel(price: Micros(520_000), size: Micros(3_000_000)),
        ]
        let f = try #require(
            PaperFill.walk(
                levels: levels, side: .buy, shares: Micros(6_000_000), limit: Micros(520_000), fees: crypto,
                whalePrice: Micros(500_000)))
        // 3 × 0.07 × 0.51 × 0.49 = 0.052479 → 0.05247; 3 × 0.07 × 0.52 × 0.48 = 0.052416 → 0.05241.
        #expect(f.fee == Micros(104_880))
        #expect(crypto.takerFee(shares: Micros(6_000_000), price: Micros(515_000)) == Micros(104_900))
    }

    /// A level priced outside 0…1 has no fee the formula can give: the walk refuses instead of filling on a guess.
    @Test func anUncomputableFeeFillsNothing() {
        let broken = [PaperLevel(price: Micros(1_200_000), size: Micros(10_000_000))]
        #expect(
            PaperFill.walk(
                levels: broken, side: .buy, shares: Micros(1_000_000), limit: Micros(2_000_000), fees: politics,
                whalePrice: .zero) == nil)
    }
}
