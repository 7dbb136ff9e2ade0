import PolybotCore
import Testing

/// The taker fee `s × rate × (p × (1 − p))^exponent`, floored to 0.00001 pUSD. Expected values were computed outside
/// Swift with Python's exact `fractions.Fraction` (then floored to 5 decimals), not with this code.
@Suite("Fee schedule")
struct FeeScheduleTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var rate: String
        var exponent: Int
        var price: String
        var shares: String
        var fee: Int64  // micro pUSD
        var testDescription: String { "\(shares) @ \(price), rate \(rate)^\(exponent)" }
    }

    static let rows: [Row] = [
        // Politics (0.04, exponent 1) across the tick extremes.
        .init(rate: "0.04", exponent: 1, price: "0.0001", shares: "10", fee: 30),
        .init(rate: "0.04", exponent: 1, price: "0.001", shares: "100", fee: 3_990),
        .init(rate: "0.04", exponent: 1, price: "0.01", shares: "100", fee: 39_600),
        .init(rate: "0.04", exponent: 1, price: "0.5", shares: "12.34", fee: 123_400),
        // Floating point gives 0.9099999999999999 here; exact arithmetic gives 0.91.
        .init(rate: "0.04", exponent: 1, price: "0.65", shares: "100", fee: 910_000),
        .init(rate: "0.04", exponent: 1, price: "0.65", shares: "12.34", fee: 112_290),
        .init(rate: "0.04", exponent: 1, price: "0.99", shares: "10", fee: 3_960),
        .init(rate: "0.04", exponent: 1, price: "0.9999", shares: "100", fee: 390),
        .init(rate: "0.04", exponent: 1, price: "0.5", shares: "1000000", fee: 10_000_000_000),
        // Sports (0.0175, exponent 1).
        .init(rate: "0.0175", exponent: 1, price: "0.0001", shares: "10", fee: 10),
        .init(rate: "0.0175", exponent: 1, price: "0.65", shares: "12.34", fee: 49_120),
        .init(rate: "0.0175", exponent: 1, price: "0.65", shares: "1000000", fee: 3_981_250_000),
        .init(rate: "0.0175", exponent: 1, price: "0.999", shares: "100", fee: 1_740),
        // Short crypto markets (0.25, exponent 2): tiny fees at the extremes floor to zero.
        .init(rate: "0.25", exponent: 2, price: "0.0001", shares: "100", fee: 0),
        .init(rate: "0.25", exponent: 2, price: "0.001", shares: "100", fee: 20),
        .init(rate: "0.25", exponent: 2, price: "0.01", shares: "10", fee: 240),
        .init(rate: "0.25", exponent: 2, price: "0.5", shares: "100", fee: 1_562_500),
        .init(rate: "0.25", exponent: 2, price: "0.65", shares: "12.34", fee: 159_660),
        .init(rate: "0.25", exponent: 2, price: "0.65", shares: "1000000", fee: 12_939_062_500),
        .init(rate: "0.25", exponent: 2, price: "0.999", shares: "10", fee: 0),
        // Crypto (0.07, exponent 1).
        .init(rate: "0.07", exponent: 1, price: "0.65", shares: "10", fee: 159_250),
        .init(rate: "0.07", exponent: 1, price: "0.65", shares: "12.34", fee: 196_510),
        .init(rate: "0.07", exponent: 1, price: "0.9999", shares: "10", fee: 60),
        // Exponent 0: a flat share of the size.
        .init(rate: "0.02", exponent: 0, price: "0.0001", shares: "10", fee: 200_000),
        .init(rate: "0.02", exponent: 0, price: "0.65", shares: "12.34", fee: 246_800),
        // Fee-free.
        .init(rate: "0", exponent: 1, price: "0.5", shares: "1000000", fee: 0),
    ]

    @Test(arguments: rows)
    func takerFeeMatchesTheFormula(_ row: Row) throws {
        let rate = try #require(Micros(decimal: row.rate))
        let shares = try #require(Micros(decimal: row.shares))
        let price = try #require(Micros(decimal: row.price))
        let schedule = try #require(FeeSchedule(rate: rate, exponent: row.exponent))
        let fee = schedule.takerFee(shares: shares, price: price)
        #expect(fee == Micros(row.fee))
    }

    @Test func makersPayNothingAndTheFeePeaksAtOneHalf() throws {
        let politics = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1))
        #expect(politics.fee(shares: Micros(100_000_000), price: Micros(500_000), taker: false) == .zero)
        let atHalf = try #require(politics.takerFee(shares: Micros(100_000_000), price: Micros(500_000)))
        for p in stride(from: Int64(1_000), through: 999_000, by: 1_000) {
            let fee = try #require(politics.takerFee(shares: Micros(100_000_000), price: Micros(p)))
            #expect(fee <= atHalf)
            // Symmetric in p and 1 − p.
            #expect(fee == politics.takerFee(shares: Micros(100_000_000), price: Micros(Micros.scale - p)))
        }
    }

    @Test func whatCannotBeComputedIsRefusedNotGuessed() throws {
        #expect(FeeSchedule(rate: Micros(40_000), exponent: 3) == nil)
        #expect(FeeSchedule(rate: Micros(-1), exponent: 1) == nil)
        #expect(FeeSchedule(rate: Micros(1_000_001), exponent: 1) == nil)
        let s = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1))
        #expect(s.takerFee(shares: Micros(-1), price: Micros(500_000)) == nil)
        #expect(s.takerFee(shares: Micros(1), price: Micros(1_000_001)) == nil)
        #expect(s.takerFee(shares: Micros(1), price: Micros(-1)) == nil)
        // The largest size a Micros holds at the peak of the steepest schedule does not overflow.
        let steep = try #require(FeeSchedule(rate: .one, exponent: 2))
        #expect(steep.takerFee(shares: Micros(Int64.max), price: Micros(500_000)) != nil)
    }

    /// The official client's `adjust_buy_amount_for_fees` (py-clob-client-v2 1.2.1): a market BUY of $100 at 0.50 on a
    /// 0.04 / exponent 1 market pays a $2.00 platform fee; with $100.50 in the account the amount becomes 100.50 − 2.00 =
    /// 98.50 (the Python gives 98.5); with $200 it stays $100; with $1 it is $1 − 0.02 = 0.98.
    @Test func marketBuysAreSizedToTheBalanceLikeTheOfficialClient() throws {
        let politics = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1))
        let amount = Micros(100_000_000)
        let half = Micros(500_000)
        #expect(politics.adjustedBuyAmount(amount, price: half, balance: Micros(100_500_000)) == Micros(98_500_000))
        #expect(politics.adjustedBuyAmount(amount, price: half, balance: Micros(200_000_000)) == amount)
        #expect(politics.adjustedBuyAmount(amount, price: half, balance: Micros(1_000_000)) == Micros(980_000))
        #expect(FeeSchedule.free.adjustedBuyAmount(amount, price: half, balance: Micros(100_000_000)) == amount)
        #expect(politics.adjustedBuyAmount(amount, price: .zero, balance: amount) == nil)
    }

    /// Gates and sizing add the fee per share rounded **up**: 0.07 × 0.51 × 0.49 = 0.017493 exactly, 0.07 × 0.333 × 0.667
    /// = 0.01554777 → 0.015548.
    @Test func theFeePerShareRoundsUp() throws {
        let crypto = try #require(FeeSchedule(rate: Micros(70_000), exponent: 1))
        #expect(crypto.perShare(price: Micros(510_000)) == Micros(17_493))
        #expect(crypto.perShare(price: Micros(333_000)) == Micros(15_548))
        #expect(crypto.effectivePrice(Micros(333_000)) == Micros(348_548))
        #expect(FeeSchedule.free.effectivePrice(Micros(333_000)) == Micros(333_000))
    }
}
