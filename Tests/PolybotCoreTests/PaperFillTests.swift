import PolybotCore
import Testing

@Suite("Paper fills walk the book")
struct PaperFillTests {
    let asks = [
        PaperLevel(price: Micros(520_000), size: Micros(100_000_000)),
        PaperLevel(price: Micros(530_000), size: Micros(50_000_000)),
        PaperLevel(price: Micros(560_000), size: Micros(500_000_000)),
    ]

    @Test func buyTakesLevelsUpToTheLimitAndReportsTheCopyDelayCost() {
        // 180 shares, limit 0.55: 100 @ 0.52 + 50 @ 0.53 = 78.50; 30 left (0.56 is above the limit).
        let f = PaperFill.walk(
            levels: asks, side: .buy, shares: Micros(180_000_000), limit: Micros(550_000), feeBps: 100,
            whalePrice: Micros(500_000))
        #expect(f.fills.count == 2 && f.filledShares == Micros(150_000_000) && f.remaining == Micros(30_000_000))
        #expect(f.notional == Micros(78_500_000) && f.fee == Micros(785_000))
        #expect(f.averagePrice == Micros(523_333))
        // The whales paid 0.50: 150 shares cost 3.50 more than theirs.
        #expect(f.copyDelayCost == Micros(3_500_000))
    }

    @Test func sellWalksBidsDownToTheLimit() {
        let bids = [
            PaperLevel(price: Micros(480_000), size: Micros(20_000_000)),
            PaperLevel(price: Micros(470_000), size: Micros(20_000_000)),
        ]
        let f = PaperFill.walk(
            levels: bids, side: .sell, shares: Micros(30_000_000), limit: Micros(475_000), feeBps: 0,
            whalePrice: Micros(490_000))
        #expect(
            f.filledShares == Micros(20_000_000) && f.notional == Micros(9_600_000) && f.remaining == Micros(10_000_000)
        )
        #expect(f.copyDelayCost == Micros(200_000))  // sold 1¢ below the whales on 20 shares
    }

    @Test func emptyOrOutOfRangeBooksFillNothing() {
        #expect(
            PaperFill.walk(levels: [], side: .buy, shares: Micros(1_000_000), limit: .one, feeBps: 0, whalePrice: .zero)
                .filledShares == .zero)
        let f = PaperFill.walk(
            levels: asks, side: .buy, shares: Micros(1_000_000), limit: Micros(510_000), feeBps: 0, whalePrice: .zero)
        #expect(f.filledShares == .zero && f.averagePrice == nil && f.remaining == Micros(1_000_000))
    }
}
