/// The knobs of wallet scoring and classification (configuration; defaults from architecture.md).
public struct ScoringParameters: Sendable, Hashable, Codable {
    /// Below this many closed positions, Sharpe, Kelly, EV, edge and the decayed win rate are null.
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
    /// Bot: trades per active day at or above this.
    public var botTradesPerActiveDay: Double = 150
    /// Bot: share of trades on one second-of-minute (a fixed clock) at or above this, with enough trades.
    public var botClockShare = 0.8
    public var botMinTrades = 20
    /// Informed: shrunk win rate and calibrated edge at or above these. Why 0.65 / 0.15: on a generated history
    /// with planted skilled wallets these keep precision near 0.9 (0.55 / 0.05 let lucky noise traders in: 0.27).
    public var informedShrunkWinRate = 0.65
    public var informedEdge = 0.15

    /// The design's defaults.
    public init() {}
}
