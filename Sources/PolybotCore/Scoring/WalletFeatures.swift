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
    /// Share of the positive gaps within ±10 % of the median positive gap (a timer's regularity); nil below 3 trades.
    public var periodicShare: Double?
    public var trades: Int

    /// The features as named numbers (for `wallet_scores.features`).
    public var dictionary: [String: Double] {
        var d: [String: Double] = [
            "twoSidedShare": twoSidedShare, "markets": Double(markets), "tradesPerActiveDay": tradesPerActiveDay,
            "clockShare": clockShare, "trades": Double(trades),
        ]
        if let m = medianHoldSeconds { d["medianHoldSeconds"] = m }
        if let g = gapVariation { d["gapVariation"] = g }
        if let p = periodicShare { d["periodicShare"] = p }
        return d
    }

    /// Computes the features of a wallet's trades (any order).
    public static func compute(trades: [Trade], closed: [ClosedPosition]) -> WalletFeatures {
        var acc = FeatureAccumulator()
        for t in trades.sorted(by: { $0.timestamp < $1.timestamp }) { acc.add(t) }
        return acc.features(closed: closed)
    }
}

/// The running sums behind ``WalletFeatures``, updated one trade at a time (trades in time order).
public struct FeatureAccumulator: Sendable {
    private struct MarketSides: Sendable {
        /// Bit i: the market's token i was traded (tokens numbered by first appearance; 64 at most counted).
        var tokens: UInt64 = 0
        var bought = false
        var sold = false
        var twoSided: Bool { tokens.nonzeroBitCount > 1 || (bought && sold) }
    }

    private var sides: [Int: MarketSides] = [:]
    private var days = Set<Int64>()
    private var secondCounts = [Int](repeating: 0, count: 60)
    private var times: [Int64] = []
    /// The accumulator's own market and token numbering when the caller gives none.
    private var marketKeys: [String: Int] = [:]
    private var tokenSlots: [Int: [String]] = [:]

    /// Nothing yet.
    public init() {}

    /// Trades added.
    public var trades: Int { times.count }

    /// Adds a trade, numbering markets and tokens itself.
    public mutating func add(_ t: Trade) {
        let market: Int
        if let m = marketKeys[t.conditionId] {
            market = m
        } else {
            market = marketKeys.count
            marketKeys[t.conditionId] = market
        }
        var tokens = tokenSlots[market] ?? []
        let slot: Int
        if let s = tokens.firstIndex(of: t.asset) {
            slot = s
        } else {
            slot = tokens.count
            tokens.append(t.asset)
            tokenSlots[market] = tokens
        }
        add(t, market: market, slot: slot)
    }

    /// Adds a trade whose market and token the caller numbered (`slot` = the token's number within its market).
    public mutating func add(_ t: Trade, market: Int, slot: Int) {
        var s = sides[market] ?? MarketSides()
        if slot < 64 { s.tokens |= 1 << UInt64(slot) }
        if t.side == .buy { s.bought = true } else { s.sold = true }
        sides[market] = s
        days.insert(t.timestamp / 86_400)
        secondCounts[Int(((t.timestamp % 60) + 60) % 60)] += 1
        times.append(t.timestamp)
    }

    /// The features now, with the wallet's closed positions for the hold time.
    public func features(closed: [ClosedPosition]) -> WalletFeatures {
        let twoSided = sides.values.filter(\.twoSided).count
        let sellHolds = closed.filter { $0.closedAt > $0.openedAt }.map { Double($0.closedAt - $0.openedAt) }.sorted()
        let median: Double? = sellHolds.isEmpty ? nil : sellHolds[sellHolds.count / 2]
        var variation: Double?
        var periodic: Double?
        if times.count >= 3 {
            let sorted = times.sorted()
            let gaps = zip(sorted.dropFirst(), sorted).map { Double($0 - $1) }
            let mean = gaps.reduce(0, +) / Double(gaps.count)
            if mean > 0 {
                let sd = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count - 1)).squareRoot()
                variation = sd / mean
            }
            let positive = gaps.filter { $0 > 0 }.sorted()
            if !positive.isEmpty {
                let m = positive[positive.count / 2]
                periodic = Double(positive.filter { abs($0 - m) <= 0.1 * m }.count) / Double(positive.count)
            }
        }
        return WalletFeatures(
            twoSidedShare: sides.isEmpty ? 0 : Double(twoSided) / Double(sides.count),
            markets: sides.count,
            tradesPerActiveDay: days.isEmpty ? 0 : Double(times.count) / Double(days.count), medianHoldSeconds: median,
            clockShare: times.isEmpty ? 0 : Double(secondCounts.max() ?? 0) / Double(times.count),
            gapVariation: variation, periodicShare: periodic, trades: times.count)
    }
}

extension FeatureAccumulator: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        w.put(UInt32(sides.count))
        for (market, s) in sides {
            w.write(market)
            w.write(s.tokens)
            w.write(s.bought)
            w.write(s.sold)
        }
        w.write(days)
        w.write(secondCounts)
        w.write(times)
        w.write(marketKeys)
        w.write(tokenSlots)
    }
    public init(unarchiving r: inout ArchiveReader) throws {
        self.init()
        for _ in 0..<(try r.count()) {
            let market: Int = try r.read()
            sides[market] = MarketSides(tokens: try r.read(), bought: try r.read(), sold: try r.read())
        }
        days = try r.read()
        secondCounts = try r.read()
        guard secondCounts.count == 60 else {
            throw ArchiveReader.Failure("a wallet's clock counts hold \(secondCounts.count) seconds, not 60")
        }
        times = try r.read()
        marketKeys = try r.read()
        tokenSlots = try r.read()
    }
}
