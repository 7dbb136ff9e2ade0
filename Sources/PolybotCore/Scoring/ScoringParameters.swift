/// The knobs of wallet scoring and classification (configuration; defaults from architecture.md and decision 0010).
public struct ScoringParameters: Sendable, Hashable, Codable {
    /// Below this many closed positions, Sharpe, Kelly, EV and the decayed win rate are null.
    public var minimumSample = 10
    /// Half-life of the decayed win rate, seconds (30 days).
    public var halfLifeSeconds: Double = 30 * 86_400
    /// Beta prior of the shrunk win rate.
    public var priorAlpha: Double = 2
    public var priorBeta: Double = 2
    /// Quantile of the lower bound (5 %).
    public var lowerBoundQuantile: Double = 0.05

    // Classifier thresholds.
    /// Market maker: share of its markets traded on both sides (both outcomes, or buys and sells of one token).
    public var marketMakerTwoSidedShare = 0.5
    /// Market maker: at least this many markets.
    public var marketMakerMinMarkets = 5
    /// Market maker: median hold of sold positions at most this (seconds); nil medians (no sells) do not disqualify.
    public var marketMakerMaxMedianHoldSeconds: Double = 3 * 86_400
    /// Bot by rate: trades per active day at or above this (checked after the market-maker rule: a fast but
    /// irregular two-sided wallet is a market maker).
    public var botTradesPerActiveDay: Double = 150
    /// Bot by clock: share of trades on one second-of-minute at or above this (people spread over 60 seconds: with 20
    /// trades the fullest second holds about 3).
    public var botClockShare = 0.5
    /// Bot by period: share of the gaps between trades within ±10 % of the median gap at or above this (a Poisson
    /// trader has about 7 % there; a timer near 100 %).
    public var botPeriodicShare = 0.6
    /// Trades needed before timing says anything.
    public var botMinTrades = 20

    // Informed: a positive edge that survives false-discovery control.
    /// The false discovery rate of the `informed` class across one run (Benjamini–Hochberg q).
    public var falseDiscoveryRate = 0.10
    /// Resolved markets needed before a wallet is tested at all (fewer are too few independent draws).
    public var informedMinResolvedMarkets = 5
    /// The smallest edge worth the name, on top of significance (0: significance alone).
    public var informedMinEdge = 0.0
    /// When set, `informed` also needs a cost-weighted 1 h markout at or above this over ≥ 10 trades (early skill).
    public var informedMinMarkout1h: Double?
    /// Repeated looks: `informed` needs the edge test passed at this many consecutive looks (a walk-forward's
    /// rescorings; a one-off score looks at T − (k − 1) × ``informedLookSpacingSeconds`` … T, point in time). Daily
    /// re-testing otherwise gives a wallet without skill a new chance every day.
    public var informedLooks = 2
    /// The spacing of a one-off score's looks.
    public var informedLookSpacingSeconds: Int64 = 86_400

    /// The design's defaults.
    public init() {}

    /// The thresholds by name (stored with every class decision).
    public var thresholds: [String: Double] {
        var t: [String: Double] = [
            "marketMakerTwoSidedShare": marketMakerTwoSidedShare,
            "marketMakerMinMarkets": Double(marketMakerMinMarkets),
            "marketMakerMaxMedianHoldSeconds": marketMakerMaxMedianHoldSeconds,
            "botTradesPerActiveDay": botTradesPerActiveDay, "botClockShare": botClockShare,
            "botPeriodicShare": botPeriodicShare, "botMinTrades": Double(botMinTrades),
            "falseDiscoveryRate": falseDiscoveryRate, "informedMinResolvedMarkets": Double(informedMinResolvedMarkets),
            "informedMinEdge": informedMinEdge, "informedLooks": Double(informedLooks),
        ]
        if let m = informedMinMarkout1h { t["informedMinMarkout1h"] = m }
        return t
    }
}
