import PolybotCore
import Polymarket
import Testing

/// Signing notes §6.4: every limit and market amount vector, through the exact-integer formulas of §4.6.
@Suite("Order amount vectors")
struct AmountVectorTests {
    static let limit: [(TradeSide, String, String, String, Int64, Int64)] = [
        (.buy, "21.04", "0.5", "0.1", 10520000, 21040000), (.buy, "21.04", "0.56", "0.01", 11782400, 21040000),
        (.buy, "21.04", "0.056", "0.001", 1178240, 21040000), (.buy, "21.04", "0.0056", "0.0001", 117824, 21040000),
        (.sell, "21.04", "0.5", "0.1", 21040000, 10520000), (.sell, "21.04", "0.56", "0.01", 21040000, 11782400),
        (.sell, "21.04", "0.056", "0.001", 21040000, 1178240), (.sell, "21.04", "0.0056", "0.0001", 21040000, 117824),
        (.buy, "15", "0.24", "0.01", 3600000, 15000000), (.sell, "15", "0.24", "0.01", 15000000, 3600000),
        (.buy, "101", "0.82", "0.01", 82820000, 101000000), (.sell, "101", "0.82", "0.01", 101000000, 82820000),
        (.buy, "12.8205", "0.78", "0.01", 9999600, 12820000), (.sell, "12.8205", "0.78", "0.01", 12820000, 9999600),
        (.sell, "2435.89", "0.39", "0.01", 2435890000, 949997100), (.buy, "2435.89", "0.39", "0.01", 949997100, 2435890000),
        (.sell, "19.1", "0.43", "0.01", 19100000, 8213000), (.buy, "18233.33", "0.58", "0.01", 10575331400, 18233330000),
        (.buy, "20.0", "0.82", "0.01", 16400000, 20000000), (.buy, "100", "0.5", "0.1", 50000000, 100000000),
        (.buy, "170", "0.7", "0.1", 119000000, 170000000), (.buy, "170", "0.7", "0.01", 119000000, 170000000),
        (.buy, "101", "0.8", "0.1", 80800000, 101000000), (.buy, "12.8205", "0.7", "0.1", 8974000, 12820000),
        (.buy, "2435.89", "0.3", "0.1", 730767000, 2435890000), (.buy, "170", "0.007", "0.001", 1190000, 170000000),
        (.buy, "101", "0.082", "0.001", 8282000, 101000000), (.buy, "12.8205", "0.078", "0.001", 999960, 12820000),
        (.buy, "2435.89", "0.039", "0.001", 94999710, 2435890000), (.buy, "170", "0.0007", "0.0001", 119000, 170000000),
        (.buy, "101", "0.0082", "0.0001", 828200, 101000000), (.buy, "12.8205", "0.0078", "0.0001", 99996, 12820000),
        (.buy, "2435.89", "0.0039", "0.0001", 9499971, 2435890000),
        // VERIFIED-RUN extras
        (.buy, "10", "0.333", "0.001", 3330000, 10000000), (.buy, "5.555", "0.47", "0.01", 2608500, 5550000),
        (.sell, "7.777", "0.123", "0.001", 7770000, 955710), (.buy, "100", "0.9999", "0.0001", 99990000, 100000000),
        (.sell, "3.3", "0.3", "0.1", 3300000, 990000),
        // exact/TS result for py's float-artifact case
        (.buy, "1064.85", "0.9", "0.1", 958365000, 1064850000),
    ]

    static let market: [(TradeSide, String, String, String, Int64, Int64)] = [
        (.buy, "100", "0.5", "0.1", 100000000, 200000000), (.buy, "100", "0.56", "0.01", 100000000, 178571400),
        (.buy, "100", "0.056", "0.001", 100000000, 1785714280), (.buy, "100", "0.0056", "0.0001", 100000000, 17857142857),
        (.sell, "100", "0.5", "0.1", 100000000, 50000000), (.sell, "100", "0.56", "0.01", 100000000, 56000000),
        (.sell, "100", "0.056", "0.001", 100000000, 5600000), (.sell, "100", "0.0056", "0.0001", 100000000, 560000),
        (.buy, "119", "0.7", "0.1", 119000000, 170000000), (.buy, "82.8", "0.8", "0.1", 82800000, 103500000),
        (.buy, "9.9996", "0.7", "0.1", 9990000, 14271000), (.buy, "949.9971", "0.3", "0.1", 949990000, 3166633000),
        (.buy, "1", "0.5", "0.01", 1000000, 2000000), (.buy, "100", "0.05", "0.01", 100000000, 2000000000),
        (.buy, "119", "0.07", "0.01", 119000000, 1700000000), (.buy, "82.82", "0.82", "0.01", 82820000, 101000000),
        (.buy, "9.9996", "0.78", "0.01", 9990000, 12807600), (.buy, "949.9971", "0.39", "0.01", 949990000, 2435871700),
        (.buy, "1", "0.56", "0.01", 1000000, 1785700), (.buy, "1", "0.57", "0.01", 1000000, 1754300),
        (.buy, "100", "0.005", "0.001", 100000000, 20000000000), (.buy, "119", "0.007", "0.001", 119000000, 17000000000),
        (.buy, "82.82", "0.082", "0.001", 82820000, 1010000000), (.buy, "9.9996", "0.078", "0.001", 9990000, 128076920),
        (.buy, "949.9971", "0.039", "0.001", 949990000, 24358717940), (.buy, "1", "0.056", "0.001", 1000000, 17857140),
        (.buy, "1", "0.057", "0.001", 1000000, 17543850), (.buy, "100", "0.0005", "0.0001", 100000000, 200000000000),
        (.buy, "119", "0.0007", "0.0001", 119000000, 170000000000), (.buy, "82.82", "0.0082", "0.0001", 82820000, 10100000000),
        (.buy, "9.9996", "0.0078", "0.0001", 9990000, 1280769230), (.buy, "949.9971", "0.0039", "0.0001", 949990000, 243587179487),
        (.buy, "1", "0.0056", "0.0001", 1000000, 178571428), (.buy, "1", "0.0057", "0.0001", 1000000, 175438596),
        // VERIFIED-RUN extras
        (.buy, "25.5", "0.63", "0.01", 25500000, 40476100), (.buy, "10", "0.3", "0.01", 10000000, 33333300),
        (.sell, "12.345", "0.57", "0.01", 12340000, 7033800),
    ]

    @Test func limitOrderAmounts() throws {
        for (side, size, price, tick, maker, taker) in Self.limit {
            let r = try OrderAmounts.limit(side: side, price: Micros(decimal: price)!, size: Micros(decimal: size)!,
                                           tick: TickSize(decimal: tick)!)
            #expect(r.maker == maker && r.taker == taker, "\(side) \(size) @ \(price) tick \(tick): got \(r)")
        }
        // TS asserts the mirrored SELL of every BUY row too.
        for (side, size, price, tick, maker, taker) in Self.limit where side == .buy {
            let r = try OrderAmounts.limit(side: .sell, price: Micros(decimal: price)!, size: Micros(decimal: size)!,
                                           tick: TickSize(decimal: tick)!)
            #expect(r.maker == taker && r.taker == maker)
        }
    }

    @Test func marketOrderAmounts() throws {
        for (side, amount, price, tick, maker, taker) in Self.market {
            let r = try OrderAmounts.market(side: side, amount: Micros(decimal: amount)!, price: Micros(decimal: price)!,
                                            tick: TickSize(decimal: tick)!)
            #expect(r.maker == maker && r.taker == taker, "market \(side) \(amount) @ \(price) tick \(tick): got \(r)")
        }
    }

    @Test func ticksParseAndBoundPrices() throws {
        #expect(TickSize(decimal: "0.010") == .hundredth && TickSize(decimal: "0.0025") == .quarterTenthCent && TickSize(decimal: "0.02") == nil)
        #expect(try OrderAmounts.limit(side: .buy, price: Micros(555_000), size: Micros(10_000_000), tick: .halfCent).maker == 5_550_000)
        #expect(try OrderAmounts.limit(side: .buy, price: Micros(552_500), size: Micros(10_000_000), tick: .quarterTenthCent).maker == 5_525_000)
        #expect(throws: OrderAmountError.priceOutOfRange(price: Micros(999_990), tick: .hundredth)) {
            try OrderAmounts.limit(side: .buy, price: Micros(999_990), size: Micros(1_000_000), tick: .hundredth)
        }
        #expect(throws: OrderAmountError.sizeTooSmall(Micros(9_999))) {
            try OrderAmounts.limit(side: .buy, price: Micros(500_000), size: Micros(9_999), tick: .hundredth)
        }
    }
}
