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
        tx: Int = 1, wallet: Address = address(1), asset: String = "1234567890", market: Int = 7,
        side: TradeSide = .buy,
        size: Micros = Micros(100_000_000), price: Micros = Micros(550_000), timestamp: Int64 = 1_760_098_160,
        outcome: String = "Yes", outcomeIndex: Int? = 0, eventSlug: String = "event", source: TradeSource = .rtds
    ) -> Trade {
        Trade(
            transactionHash: hex32(tx), wallet: wallet, asset: asset, conditionId: hex32(market), side: side,
            size: size,
            price: price, timestamp: timestamp, outcome: outcome, outcomeIndex: outcomeIndex,
            title: "Will it, \"really\"?",
            slug: "will-it", eventSlug: eventSlug, traderName: "name\twith tab", pseudonym: "Back\\slash",
            source: source)
    }
}

/// Trade histories that make the pipeline fire.
package enum Scenario {
    /// `signals` markets; in each, every wallet buys 30,000 shares of the market's first token at `price`
    /// ($12,000 each at 0.40: whale-sized), one second apart, starting at `start`. Each market has its own event.
    package static func consensus(
        signals: Int, wallets: [Address], start: Int64, price: Micros = Micros(400_000),
        shares: Micros = Micros(30_000_000_000)
    ) -> [Trade] {
        var out: [Trade] = []
        var tx = 1
        for i in 0..<signals {
            for (k, w) in wallets.enumerated() {
                out.append(
                    Trade(
                        transactionHash: Fixtures.hex32(900_000 + tx), wallet: w, asset: token(i),
                        conditionId: market(i), side: .buy, size: shares,
                        price: price, timestamp: start + Int64(i * wallets.count + k), outcome: "Yes", outcomeIndex: 0,
                        title: "Scenario \(i)?",
                        slug: "scenario-\(i)", eventSlug: "scenario-event-\(i)", traderName: "", pseudonym: "",
                        source: .rtds))
                tx += 1
            }
        }
        return out
    }

    /// The token of scenario market `i`.
    package static func token(_ i: Int) -> String { String(71_000_000 + i) }
    /// The condition id of scenario market `i`.
    package static func market(_ i: Int) -> String { Fixtures.hex32(50_000 + i) }
}

/// A seeded xorshift64 generator for property tests: the same seed gives the same sequence on every machine.
package struct SeededDraws: Sendable {
    private var state: UInt64

    /// Starts from `seed` (any value; it is mixed first so that small seeds differ).
    package init(seed: Int) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 }

    /// A number in `0..<n`.
    package mutating func next(_ n: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(n))
    }
}
