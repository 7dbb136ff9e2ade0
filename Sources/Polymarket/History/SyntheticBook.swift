import PolybotCore

/// Synthetic books (the simulator serves them; replay sizes against them): five levels a side around a token's last trade price, on the market's tick.
public enum SyntheticBook {
    /// The book around `reference` (0.5 when the token has not traded), minus what our orders took (`used`, by price).
    public static func synthetic(
        market: HistoryMarket, token: String, reference: Micros?, used: [Int64: Micros] = [:], timestampMs: Int64
    ) -> OrderBook {
        let tick = market.tickSize.micros
        let ref = reference ?? Micros(500_000)
        let center = (ref.raw / tick) * tick
        var bids: [BookLevel] = []
        var asks: [BookLevel] = []
        for k in 1...5 {
            // Why these sizes: depth grows away from the touch, 250 → 4,000 shares, like a typical mid-liquidity book.
            let size = Micros(Int64(250_000_000) << (k - 1))
            let bid = center - Int64(k - 1) * tick - (center == ref.raw ? tick : 0)
            let ask = center + Int64(k) * tick
            if bid >= tick {
                let left = size - (used[bid] ?? .zero)
                if left > .zero { bids.append(BookLevel(price: Micros(bid), size: left)) }
            }
            if ask <= Micros.scale - tick {
                let left = size - (used[ask] ?? .zero)
                if left > .zero { asks.append(BookLevel(price: Micros(ask), size: left)) }
            }
        }
        return OrderBook(
            market: market.conditionId, assetId: token, timestampMs: timestampMs, hash: "", bids: bids, asks: asks,
            tickSize: market.tickSize, minOrderSize: market.minOrderSize, negRisk: market.negRisk,
            lastTradePrice: reference)
    }
}
