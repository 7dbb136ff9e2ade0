import Foundation

/// Scores wallets from their trade history: the metrics and classes of architecture.md ("Definitions").
/// Pure: the same inputs (trades, resolutions, `now`, parameters) always give the same score.
public enum WalletScoring {
    /// A score plus the reconstruction's warnings.
    public struct Result: Sendable {
        public var score: WalletScore
        public var features: WalletFeatures
        /// SELL trades beyond the shares the history shows (bought before it starts).
        public var oversoldTrades: Int
    }

    /// Scores one wallet.
    ///
    /// - Parameters:
    ///   - wallet: the wallet.
    ///   - trades: its trades (any order; applied by timestamp, ties in input order).
    ///   - resolutions: market resolutions by condition id.
    ///   - now: Unix seconds, for the decayed win rate.
    ///   - parameters: sample sizes, prior, half-life and classifier thresholds.
    public static func score(
        wallet: Address, trades: [Trade], resolutions: [String: MarketResolution], now: Int64,
        parameters p: ScoringParameters = ScoringParameters()
    ) -> Result {
        let ledger = PositionLedger(trades: trades, resolutions: resolutions)
        let closed = ledger.closed
        let n = closed.count
        let wins = closed.filter(\.isWin).count
        let winRate: Double? = n > 0 ? Double(wins) / Double(n) : nil
        let a = Double(wins) + p.priorAlpha
        let b = Double(n - wins) + p.priorBeta
        let shrunk = a / (a + b)
        let lower = BetaDistribution.quantile(p.lowerBoundQuantile, a: a, b: b)
        let enough = n >= p.minimumSample
        let returns = closed.map(\.returnOnCost)

        var decayed: Double?
        var sharpe: Double?
        var kelly: Double?
        var ev: Double?
        var edge: Double?
        if enough {
            var weightSum = 0.0
            var winWeight = 0.0
            for c in closed {
                let age = max(0, Double(now - c.closedAt))
                let w = pow(0.5, age / p.halfLifeSeconds)
                weightSum += w
                if c.isWin { winWeight += w }
            }
            decayed = weightSum > 0 ? winWeight / weightSum : nil
            let mean = returns.reduce(0, +) / Double(n)
            let variance = returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
            sharpe = variance > 0 ? mean / variance.squareRoot() : nil
            ev = mean
            let winning = returns.filter { $0 > 0 }
            let losing = returns.filter { $0 <= 0 }
            let pw = Double(wins) / Double(n)
            if winning.isEmpty {
                kelly = 0
            } else if losing.isEmpty || losing.allSatisfy({ $0 == 0 }) {
                kelly = min(1, max(0, pw))
            } else {
                let bRatio =
                    (winning.reduce(0, +) / Double(winning.count)) / abs(losing.reduce(0, +) / Double(losing.count))
                kelly = min(1, max(0, pw - (1 - pw) / bRatio))
            }
            // Volume-weighted (USDC notional) average entry price: a dollar at 0.02 weighs what a dollar at 0.95 does.
            var volume = 0.0
            var weighted = 0.0
            for t in trades where t.side == .buy {
                let n = t.notional.doubleValue
                volume += n
                weighted += n * t.price.doubleValue
            }
            if volume > 0, let wr = winRate { edge = wr - weighted / volume }
        }

        let features = WalletFeatures.compute(trades: trades, closed: closed)
        let volume = Micros.sum(trades.map(\.notional))
        var score = WalletScore(
            wallet: wallet, computedAt: now, closedPositions: n, openPositions: ledger.openCount, winRate: winRate,
            decayedWinRate: decayed, shrunkWinRate: shrunk, winRateLowerBound: lower, sharpe: sharpe, kelly: kelly,
            ev: ev,
            edge: edge, realizedPnl: ledger.realizedPnl, volume: volume, markets: features.markets,
            trades: trades.count,
            walletClass: .unclassified, features: features.dictionary)
        score.walletClass = classify(features: features, score: score, parameters: p)
        return Result(score: score, features: features, oversoldTrades: ledger.oversoldTrades)
    }

    /// The class from explicit features, in order: market maker, bot, informed, unclassified.
    public static func classify(
        features f: WalletFeatures, score: WalletScore, parameters p: ScoringParameters
    ) -> WalletClass {
        if f.twoSidedShare >= p.marketMakerTwoSidedShare && f.markets >= p.marketMakerMinMarkets
            && (f.medianHoldSeconds ?? 0) <= p.marketMakerMaxMedianHoldSeconds
        {
            return .marketMaker
        }
        if f.tradesPerActiveDay >= p.botTradesPerActiveDay
            || (f.trades >= p.botMinTrades && f.clockShare >= p.botClockShare)
        {
            return .bot
        }
        if score.shrunkWinRate >= p.informedShrunkWinRate, let edge = score.edge, edge >= p.informedEdge {
            return .informed
        }
        return .unclassified
    }

    /// Scores every wallet of a trade set (grouped by wallet, input order kept within each wallet).
    public static func scoreAll(
        trades: [Trade], resolutions: [String: MarketResolution], now: Int64,
        parameters: ScoringParameters = ScoringParameters()
    ) -> [Result] {
        var byWallet: [Address: [Trade]] = [:]
        for t in trades { byWallet[t.wallet, default: []].append(t) }
        return byWallet.keys.sorted().map { w in
            score(wallet: w, trades: byWallet[w]!, resolutions: resolutions, now: now, parameters: parameters)
        }
    }
}
