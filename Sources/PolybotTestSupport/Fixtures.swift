import PolybotCore

/// Builders for canonical domain values used across test targets.
package enum Fixtures {
    /// A deterministic 32-byte hex id derived from a number.
    package static func hex32(_ n: Int) -> String {
        let digits = String(n, radix: 16)
        return "0x" + String(repeating: "0", count: 64 - digits.count) + digits
    }

    /// A deterministic address derived from a number.
    package static func address(_ n: Int) -> Address {
        let digits = String(n, radix: 16)
        return Address("0x" + String(repeating: "0", count: 40 - digits.count) + digits)!
    }

    /// A trade with sensible defaults.
    package static func trade(
        tx: Int = 1, wallet: Address = address(1), asset: String = "1234567890", market: Int = 7, side: TradeSide = .buy,
        size: Micros = Micros(100_000_000), price: Micros = Micros(550_000), timestamp: Int64 = 1_760_098_160,
        outcome: String = "Yes", outcomeIndex: Int? = 0, eventSlug: String = "event", source: TradeSource = .rtds
    ) -> Trade {
        Trade(
            transactionHash: hex32(tx), wallet: wallet, asset: asset, conditionId: hex32(market), side: side, size: size,
            price: price, timestamp: timestamp, outcome: outcome, outcomeIndex: outcomeIndex, title: "Will it, \"really\"?",
            slug: "will-it", eventSlug: eventSlug, traderName: "name\twith tab", pseudonym: "Back\\slash", source: source)
    }
}
