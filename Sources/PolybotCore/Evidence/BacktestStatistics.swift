import Foundation

/// What copying made in one market: the unit of the clustered bootstrap (positions in one market share one outcome).
public struct MarketResult: Sendable, Hashable, Codable {
    public var market: String
    /// Realised PnL after fees, USDC.
    public var pnl: Double
    /// What was paid, fees included, USDC.
    public var cost: Double

    /// Creates a result.
    public init(market: String, pnl: Double, cost: Double) {
        self.market = market
        self.pnl = pnl
        self.cost = cost
    }
}

/// Return on cost with a bootstrap interval that resamples whole markets.
public struct EdgeInterval: Sendable, Hashable, Codable {
    /// Σ PnL / Σ cost over the markets.
    public var estimate: Double
    /// The 2.5 % and 97.5 % percentiles of the resampled estimate.
    public var lower: Double
    public var upper: Double
    /// Markets resampled.
    public var markets: Int
    public var resamples: Int

    /// Markets needed before the interval means anything: a percentile bootstrap over fewer clusters is too narrow
    /// (one market gives an interval of one point).
    public static let minimumMarkets = 10

    /// True when the whole 95 % interval is above zero, over at least ``minimumMarkets`` markets.
    public var significant: Bool { lower > 0 && markets >= Self.minimumMarkets }

    /// The percentile bootstrap of Σ pnl / Σ cost, resampling markets with replacement (deterministic for a seed).
    /// Nil without a market that cost anything.
    public static func bootstrap(
        _ results: [MarketResult], resamples: Int = 2_000, seed: UInt64 = 2026
    ) -> EdgeInterval? {
        let r = results.filter { $0.cost > 0 }.sorted { $0.market < $1.market }
        guard !r.isEmpty else { return nil }
        let estimate = r.reduce(0.0) { $0 + $1.pnl } / r.reduce(0.0) { $0 + $1.cost }
        var rng = SplitMix64(seed: seed)
        var draws: [Double] = []
        draws.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var pnl = 0.0
            var cost = 0.0
            for _ in 0..<r.count {
                let m = r[Int(rng.next() % UInt64(r.count))]
                pnl += m.pnl
                cost += m.cost
            }
            draws.append(pnl / cost)
        }
        draws.sort()
        func percentile(_ q: Double) -> Double {
            draws[min(draws.count - 1, max(0, Int((q * Double(draws.count)).rounded(.down))))]
        }
        return EdgeInterval(
            estimate: estimate, lower: percentile(0.025), upper: percentile(0.975), markets: r.count,
            resamples: resamples)
    }
}

/// The largest fall of an equity curve from a previous peak.
public struct Drawdown: Sendable, Hashable, Codable {
    /// In USDC.
    public var amount: Double
    /// As a share of the peak it fell from.
    public var fraction: Double

    /// The maximum drawdown of `equity` (values in order).
    public static func maximum(_ equity: [Double]) -> Drawdown {
        var peak = -Double.infinity
        var worst = Drawdown(amount: 0, fraction: 0)
        for v in equity {
            peak = max(peak, v)
            let fall = peak - v
            if fall > worst.amount { worst = Drawdown(amount: fall, fraction: peak > 0 ? fall / peak : 0) }
        }
        return worst
    }
}

/// One copied entry whose market resolved, seen from a wallet that agreed on it.
public struct CopiedEntry: Sendable, Hashable {
    public var wallets: [Address]
    /// What the whales paid (average).
    public var whalePrice: Double
    /// What we paid (average fill).
    public var ourPrice: Double
    /// Our taker fee per share.
    public var feePerShare: Double
    /// 1 when the token won.
    public var outcome: Double
    /// Our cost, fees included (the weight).
    public var cost: Double

    /// Creates an entry.
    public init(
        wallets: [Address], whalePrice: Double, ourPrice: Double, feePerShare: Double, outcome: Double, cost: Double
    ) {
        self.wallets = wallets
        self.whalePrice = whalePrice
        self.ourPrice = ourPrice
        self.feePerShare = feePerShare
        self.outcome = outcome
        self.cost = cost
    }
}

/// Whether following a wallet pays once our delay and fees are paid.
public struct Copyability: Sendable, Hashable, Codable {
    public var wallet: String
    /// Resolved entries copied with this wallet among the agreeing.
    public var entries: Int
    /// Their edge on those entries: outcome − their price (cost-weighted).
    public var theirEdge: Double
    /// What copying late cost per share: our price − their price.
    public var delayCost: Double
    /// Our taker fee per share.
    public var fee: Double
    /// outcome − our price − our fee: the edge we kept.
    public var keptEdge: Double
    /// True when the edge we kept is not positive.
    public var uncopyable: Bool

    /// One line per wallet (sorted by wallet), from the resolved entries.
    public static func perWallet(_ entries: [CopiedEntry]) -> [Copyability] {
        var sums: [Address: (n: Int, w: Double, edge: Double, delay: Double, fee: Double)] = [:]
        for e in entries where e.cost > 0 {
            for w in e.wallets {
                var s = sums[w] ?? (0, 0, 0, 0, 0)
                s.n += 1
                s.w += e.cost
                s.edge += e.cost * (e.outcome - e.whalePrice)
                s.delay += e.cost * (e.ourPrice - e.whalePrice)
                s.fee += e.cost * e.feePerShare
                sums[w] = s
            }
        }
        return sums.keys.sorted().map { w in
            let s = sums[w]!
            let edge = s.edge / s.w
            let delay = s.delay / s.w
            let fee = s.fee / s.w
            let kept = edge - delay - fee
            return Copyability(
                wallet: w.hex, entries: s.n, theirEdge: edge, delayCost: delay, fee: fee, keptEdge: kept,
                uncopyable: kept <= 0)
        }
    }
}
