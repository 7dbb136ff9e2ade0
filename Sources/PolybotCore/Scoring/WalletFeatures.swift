/// The classifier's inputs for one wallet, stored with each score so the dashboard can show why.
public struct WalletFeatures: Sendable, Hashable {
    /// Share of the wallet's markets traded on both sides (both outcomes, or buys and sells of one token).
    public var twoSidedShare: Double
    /// Distinct markets.
    public var markets: Int
    /// Trades per distinct UTC day with activity.
    public var tradesPerActiveDay: Double
    /// Median seconds from open to close of positions closed by selling; nil without any.
    public var medianHoldSeconds: Double?
    /// Share of trades on the wallet's most common second-of-minute (1/60 for people, near 1 for a fixed clock).
    public var clockShare: Double
    /// Coefficient of variation of the gaps between trades; nil below 3 trades.
    public var gapVariation: Double?
    public var trades: Int

    /// The features as named numbers (for `wallet_scores.features`).
    public var dictionary: [String: Double] {
        var d: [String: Double] = [
            "twoSidedShare": twoSidedShare, "markets": Double(markets), "tradesPerActiveDay": tradesPerActiveDay,
            "clockShare": clockShare, "trades": Double(trades),
        ]
        if let m = medianHoldSeconds { d["medianHoldSeconds"] = m }
        if let g = gapVariation { d["gapVariation"] = g }
        return d
    }

    /// Computes the features of a wallet's trades.
    public static func compute(trades: [Trade], closed: [ClosedPosition]) -> WalletFeatures {
        var sidesByMarket: [String: Set<String>] = [:]
        var days = Set<Int64>()
        var secondCounts = [Int](repeating: 0, count: 60)
        for t in trades {
            sidesByMarket[t.conditionId, default: []].insert(t.asset + "|" + t.side.rawValue)
            days.insert(t.timestamp / 86_400)
            secondCounts[Int(((t.timestamp % 60) + 60) % 60)] += 1
        }
        let twoSided = sidesByMarket.values.filter { sides in
            let assets = Set(sides.map { $0.split(separator: "|")[0] })
            let hasBuyAndSell = Set(sides.map { $0.split(separator: "|")[1] }).count > 1
            return assets.count > 1 || hasBuyAndSell
        }.count
        let sellHolds = closed.filter { $0.closedAt > $0.openedAt }.map { Double($0.closedAt - $0.openedAt) }.sorted()
        let median: Double? = sellHolds.isEmpty ? nil : sellHolds[sellHolds.count / 2]
        let times = trades.map(\.timestamp).sorted()
        var variation: Double?
        if times.count >= 3 {
            let gaps = zip(times.dropFirst(), times).map { Double($0 - $1) }
            let mean = gaps.reduce(0, +) / Double(gaps.count)
            if mean > 0 {
                let sd = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count - 1)).squareRoot()
                variation = sd / mean
            }
        }
        return WalletFeatures(
            twoSidedShare: sidesByMarket.isEmpty ? 0 : Double(twoSided) / Double(sidesByMarket.count),
            markets: sidesByMarket.count,
            tradesPerActiveDay: days.isEmpty ? 0 : Double(trades.count) / Double(days.count), medianHoldSeconds: median,
            clockShare: trades.isEmpty ? 0 : Double(secondCounts.max() ?? 0) / Double(trades.count),
            gapVariation: variation,
            trades: trades.count)
    }
}
