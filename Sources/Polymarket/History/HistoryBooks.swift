import PolybotCore

/// The books of a recorded history at any point of it, without replaying it: for each token, the prices it traded at
/// (its own trades, and 1 − price of its complement's), in history order. Pure and `Sendable`: the in-process replay
/// engine reads it from any stage without an actor hop, and the answer depends only on the point asked for — never on
/// how far a replay has got — which is what makes a replay's fills the same at every speed.
public struct HistoryBooks: Sendable {
    private struct Point: Sendable {
        var index: Int
        var timestamp: Int64
        var price: Micros
    }

    /// The markets of the history (condition id → market).
    public let markets: [String: HistoryMarket]
    private let tokenMarket: [String: String]
    private let points: [String: [Point]]

    /// Indexes a history (in time order, as ``SimExchange`` orders it) over its markets.
    public init(history: [Trade], markets: [String: HistoryMarket]) {
        self.markets = markets
        var tokenMarket: [String: String] = [:]
        for m in markets.values { for t in m.tokens { tokenMarket[t] = m.conditionId } }
        var points: [String: [Point]] = [:]
        for (i, t) in history.enumerated() {
            points[t.asset, default: []].append(Point(index: i, timestamp: t.timestamp, price: t.price))
            if let other = tokenMarket[t.asset].flatMap({ markets[$0] })?.complement(of: t.asset) {
                points[other, default: []].append(Point(index: i, timestamp: t.timestamp, price: Micros.one - t.price))
            }
        }
        self.tokenMarket = tokenMarket
        self.points = points
    }

    /// The market of a token.
    public func market(token: String) -> HistoryMarket? { tokenMarket[token].flatMap { markets[$0] } }

    /// The book of `token` after the history's trades up to index `through` (inclusive) that happened at or before
    /// `atMs`; nil for a token of no known market.
    public func book(token: String, through: Int, atMs: Int64) -> OrderBook? {
        guard let market = market(token: token) else { return nil }
        var reference: Micros?
        if let list = points[token] {
            // The last point with index ≤ through and timestamp·1000 ≤ atMs (both grow along the list).
            var lo = 0
            var hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].index <= through && list[mid].timestamp * 1000 <= atMs { lo = mid + 1 } else { hi = mid }
            }
            if lo > 0 { reference = list[lo - 1].price }
        }
        return SyntheticBook.synthetic(market: market, token: token, reference: reference, timestampMs: atMs)
    }
}
