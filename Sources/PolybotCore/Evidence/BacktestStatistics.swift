import Foundation

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

    /// The kept edge's 95 % interval over the entries' events (cost-weighted; delta method, Student t, events − 1 df);
    /// nil below 2 events.
    public var keptLow: Double?
    public var keptHigh: Double?
    /// True under ``BasketRecord/minimumToJudge`` entries: the figures are shown as "too few to judge".
    public var tooFewToJudge: Bool { entries < BasketRecord.minimumToJudge }

    /// One line per wallet (sorted by wallet), from the filled copies whose market resolved.
    public static func perWallet(_ positions: [CopyPosition]) -> [Copyability] {
        var byWallet: [Address: [CopyPosition]] = [:]
        for p in positions where p.graded && p.cost > 0 { for w in p.wallets { byWallet[w, default: []].append(p) } }
        return byWallet.keys.sorted().map { w in
            let ps = byWallet[w]!
            let weight = ps.reduce(0) { $0 + $1.paid() }
            func mean(_ f: (CopyPosition) -> Double) -> Double { ps.reduce(0) { $0 + $1.paid() * f($1) } / weight }
            let outcome: (CopyPosition) -> Double = { ($0.won ?? false) ? 1 : 0 }
            let edge = mean { outcome($0) - $0.whalePrice }
            let delay = mean { ($0.delayPerShare ?? 0) }
            let fee = mean { $0.fee / $0.shares }
            let kept = edge - delay - fee
            // Over events, not entries: copies in one event share its news.
            var byEvent: [String: (cost: Double, pnl: Double)] = [:]
            for p in ps {
                let kept = outcome(p) - (p.averagePrice ?? 0) - p.fee / p.shares
                byEvent[p.event, default: (0, 0)].cost += p.paid()
                byEvent[p.event, default: (0, 0)].pnl += p.paid() * kept
            }
            let interval = RatioInterval.of(byEvent.keys.sorted().map { byEvent[$0]! })
            return Copyability(
                wallet: w.hex, entries: ps.count, theirEdge: edge, delayCost: delay, fee: fee, keptEdge: kept,
                uncopyable: kept <= 0, keptLow: interval?.low, keptHigh: interval?.high)
        }
    }
}
