import Foundation

/// Scores wallets from their trade history: the metrics and classes of architecture.md ("Definitions") and the
/// edge test of decision 0010. Pure: the same inputs (trades, resolutions, `now`, parameters) always give the same
/// score. Every path goes through ``ScoreFold``, so a batch score and a point-in-time snapshot agree.
public enum WalletScoring {
    /// A score plus the reconstruction's warnings.
    public struct Result: Sendable {
        public var score: WalletScore
        public var features: WalletFeatures
        /// SELL trades beyond the shares the history shows (bought before it starts).
        public var oversoldTrades: Int
    }

    /// Scores one wallet as of `now` (its BH q-value is its p-value: one hypothesis).
    ///
    /// - Parameters:
    ///   - wallet: the wallet.
    ///   - trades: its trades (any order; applied by timestamp, ties in input order).
    ///   - resolutions: market resolutions by condition id; those dated at or after `now` are not used, undated ones are.
    ///   - now: Unix seconds: the time the score is as of.
    ///   - parameters: sample sizes, prior, half-life and classifier thresholds.
    public static func score(
        wallet: Address, trades: [Trade], resolutions: [String: MarketResolution], now: Int64,
        parameters p: ScoringParameters = ScoringParameters()
    ) -> Result {
        let mine = trades.filter { $0.wallet == wallet }
        if let r = scoreAll(trades: mine, resolutions: resolutions, now: now, parameters: p).first { return r }
        let features = FeatureAccumulator().features(closed: [])
        var s = WalletScore(
            wallet: wallet, computedAt: now, closedPositions: 0, openPositions: 0, winRate: nil, decayedWinRate: nil,
            shrunkWinRate: p.priorAlpha / (p.priorAlpha + p.priorBeta),
            winRateLowerBound: BetaDistribution.quantile(p.lowerBoundQuantile, a: p.priorAlpha, b: p.priorBeta),
            sharpe: nil, kelly: nil, ev: nil, edge: nil, realizedPnl: .zero, volume: .zero, markets: 0, trades: 0,
            walletClass: .unclassified, features: features.dictionary)
        (s.walletClass, s.classBasis) = classify(features: features, score: s, parameters: p)
        return Result(score: s, features: features, oversoldTrades: 0)
    }

    /// The start of the class rule of a wallet that passed the edge test at fewer consecutive looks than
    /// ``ScoringParameters/informedLooks``.
    public static let candidateRule = "not informed yet: repeated-look control"

    /// Scores every wallet of a trade set as of `now`, with Benjamini–Hochberg across all of them, after the earlier
    /// looks the repeated-look rule needs (``ScoringParameters/informedLooks``, each point in time).
    public static func scoreAll(
        trades: [Trade], resolutions: [String: MarketResolution], now: Int64,
        parameters: ScoringParameters = ScoringParameters()
    ) -> [Result] {
        let unordered = zip(trades, trades.dropFirst()).contains { $0.timestamp > $1.timestamp }
        let ordered =
            unordered
            ? trades.enumerated().sorted(by: { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) })
                .map(\.element) : trades
        var fold = RepeatedLookFold(
            ScoreFold(resolutions: resolutions, parameters: parameters, undatedResolutionsKnown: true), now: now)
        for t in ordered { fold.add(t) }
        return fold.finish()
    }

    /// The class from explicit features and the edge test, in order: timing bot, market maker, rate bot, informed,
    /// unclassified — with the rule that decided and the numbers it compared.
    ///
    /// A machine-regular wallet is a bot even when it trades both sides; a fast but irregular two-sided wallet is a
    /// market maker. `informed` needs a positive edge whose BH q-value is within the false discovery rate, over enough
    /// resolved markets.
    public static func classify(
        features f: WalletFeatures, score: WalletScore, parameters p: ScoringParameters
    ) -> (WalletClass, ClassBasis) {
        let feats = f.dictionary
        let all = p.thresholds
        // The features a rule compared, and the thresholds it compared them with.
        func basis(
            _ rule: String, _ names: [String], _ thresholds: [String], extra: [String: Double] = [:]
        ) -> ClassBasis {
            var chosen: [String: Double] = [:]
            for t in thresholds { if let v = all[t] { chosen[t] = v } }
            var features = extra
            for n in names { if let v = feats[n] { features[n] = v } }
            return ClassBasis(rule: rule, features: features, thresholds: chosen)
        }
        let informedThresholds = [
            "informedMinResolvedMarkets", "informedMinEdge", "falseDiscoveryRate", "informedMinMarkout1h",
        ]
        if f.trades >= p.botMinTrades {
            if let periodic = f.periodicShare, periodic >= p.botPeriodicShare {
                return (
                    .bot,
                    basis(
                        "bot: periodicShare ≥ botPeriodicShare", ["periodicShare", "trades"],
                        ["botPeriodicShare", "botMinTrades"])
                )
            }
            if f.clockShare >= p.botClockShare {
                return (
                    .bot,
                    basis(
                        "bot: clockShare ≥ botClockShare", ["clockShare", "trades"], ["botClockShare", "botMinTrades"])
                )
            }
        }
        if f.twoSidedShare >= p.marketMakerTwoSidedShare && f.markets >= p.marketMakerMinMarkets
            && (f.medianHoldSeconds ?? 0) <= p.marketMakerMaxMedianHoldSeconds
        {
            return (
                .marketMaker,
                basis(
                    "marketMaker: twoSidedShare ≥ marketMakerTwoSidedShare, markets ≥ marketMakerMinMarkets, medianHoldSeconds ≤ marketMakerMaxMedianHoldSeconds",
                    ["twoSidedShare", "markets", "medianHoldSeconds"],
                    ["marketMakerTwoSidedShare", "marketMakerMinMarkets", "marketMakerMaxMedianHoldSeconds"])
            )
        }
        if f.tradesPerActiveDay >= p.botTradesPerActiveDay {
            return (
                .bot,
                basis(
                    "bot: tradesPerActiveDay ≥ botTradesPerActiveDay", ["tradesPerActiveDay"], ["botTradesPerActiveDay"]
                )
            )
        }
        var stats: [String: Double] = ["resolvedMarkets": Double(score.resolvedMarkets)]
        if let e = score.edge { stats["edge"] = e }
        if let q = score.qValue { stats["qValue"] = q }
        if let m = score.markout1h { stats["markout1h"] = m }
        let names = ["resolvedMarkets"]
        guard score.resolvedMarkets >= p.informedMinResolvedMarkets else {
            return (
                .unclassified,
                basis(
                    "not tested: resolvedMarkets < informedMinResolvedMarkets", names, ["informedMinResolvedMarkets"],
                    extra: stats)
            )
        }
        guard let q = score.qValue, let edge = score.edge else {
            return (.unclassified, basis("not tested: no edge estimate", names, informedThresholds, extra: stats))
        }
        guard edge > p.informedMinEdge, q <= p.falseDiscoveryRate else {
            return (
                .unclassified,
                basis(
                    "not informed: edge ≤ informedMinEdge or qValue > falseDiscoveryRate", names, informedThresholds,
                    extra: stats)
            )
        }
        if let floor = p.informedMinMarkout1h {
            guard let m = score.markout1h, score.markoutTrades >= 10, m >= floor else {
                return (
                    .unclassified,
                    basis(
                        "not informed: markout1h < informedMinMarkout1h", names, informedThresholds, extra: stats)
                )
            }
        }
        return (
            .informed,
            basis(
                "informed: resolvedMarkets ≥ informedMinResolvedMarkets, edge > informedMinEdge, qValue ≤ falseDiscoveryRate",
                names, informedThresholds, extra: stats)
        )
    }
}
