import PolybotCore
import Polymarket

/// Who is one trader in an offline run (`polybot replay|backtest`), on market time: funding links from a transfers
/// file, co-trading links from the trades (tested every `every` seconds of market time on the trades before, the way
/// the daemon's job tests them), and the wash fills those links reveal.
package struct ClusterEvidence: Sendable {
    /// Every link with the time it became known.
    package var clusters: WalletClusters
    /// Fills between two wallets of one cluster (links known at the fill's time).
    package var wash: Set<TradeKey>
    package var fundingLinks: Int
    package var coTradingLinks: Int

    /// No links: every wallet its own cluster.
    package static let none = ClusterEvidence(
        clusters: WalletClusters(links: []), wash: [], fundingLinks: 0, coTradingLinks: 0)

    /// Builds the evidence of a history (time order).
    ///
    /// - Parameters:
    ///   - tracked: the wallets tested for co-trading and linked by funding (nil: every wallet of the history).
    ///   - every: how often, in market seconds, co-trading is tested.
    ///   - hindsight: every link counts from the start (the links as known at the end of the history): `replay`, which
    ///     measures execution with a basket chosen in hindsight; a backtest keeps each link's own time.
    package static func build(
        rows: [Trade], transfers: [FundingTransfer], tracked: Set<Address>?, funding: FundingRules,
        coTrading: CoTradingRules = CoTradingRules(), every: Int64 = 3_600, hindsight: Bool = false
    ) -> ClusterEvidence {
        let wallets = tracked ?? Set(rows.map(\.wallet))
        var links = FundingLinks.links(transfers: transfers, wallets: wallets, rules: funding)
        let fundingCount = links.count
        var test = CoTrading(rules: coTrading, tracked: wallets)
        var known = Set<String>()
        var coTradingCount = 0
        func collect(at time: Int64) {
            for l in test.links(at: time) where known.insert(l.a.hex + l.b.hex).inserted {
                links.append(l)
                coTradingCount += 1
            }
        }
        if let first = rows.first?.timestamp {
            var next = (first / every + 1) * every
            for t in rows {
                if t.timestamp >= next {
                    collect(at: next)
                    next = (t.timestamp / every + 1) * every
                }
                test.add(t)
            }
            collect(at: next)
        }
        if hindsight {
            for i in links.indices { links[i].since = .min }
        }
        let clusters = WalletClusters(links: links)
        return ClusterEvidence(
            clusters: clusters, wash: washKeys(rows, clusters: clusters), fundingLinks: fundingCount,
            coTradingLinks: coTradingCount)
    }

    /// The rows without the wash fills.
    package func removingWash(_ rows: [Trade]) -> [Trade] {
        wash.isEmpty ? rows : rows.filter { !wash.contains($0.key) }
    }

    /// Wash fills with the links known at each fill's time; only transactions whose wallets are linked at all are
    /// looked at in time.
    private static func washKeys(_ rows: [Trade], clusters: WalletClusters) -> Set<TradeKey> {
        guard !clusters.links.isEmpty else { return [] }
        let everLinked = clusters.view(at: .max)
        var byTransaction: [String: [Trade]] = [:]
        for t in rows { byTransaction[t.transactionHash, default: []].append(t) }
        var candidates: [Trade] = []
        for group in byTransaction.values where group.count > 1 {
            let reps = group.map { everLinked.cluster(of: $0.wallet) }
            if Set(reps).count < Set(group.map(\.wallet)).count { candidates += group }
        }
        guard !candidates.isEmpty else { return [] }
        var timeline = clusters
        var out = Set<TradeKey>()
        for (_, group) in Dictionary(grouping: candidates, by: \.transactionHash).sorted(by: {
            ($0.value[0].timestamp, $0.key) < ($1.value[0].timestamp, $1.key)
        }) {
            timeline.advance(to: group[0].timestamp)
            let view = timeline.view
            out.formUnion(WashTrades.keys(group) { _ in view })
        }
        return out
    }
}
