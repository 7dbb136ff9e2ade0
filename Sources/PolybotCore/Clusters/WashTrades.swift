/// Wash fills: fills where both sides belong to one trader (issue 31, "Wash trades"). They move no risk between
/// traders, so they are excluded from volume, markouts and edge (and are no liquidity a copy could have taken).
public enum WashTrades {
    /// The keys of the fills that trade against another wallet of their cluster in the same transaction and market:
    /// one buys what the other sells (same token, opposite sides), or both buy (or both sell) the two sides of the
    /// market (a mint or a merge between them). Fills of one transaction share its time (its block's, or its match's);
    /// they are grouped by both, so a fill's verdict never depends on which other times were read with it.
    ///
    /// - Parameter cluster: the cluster view at a trade's time.
    public static func keys(_ trades: [Trade], cluster: (Trade) -> ClusterView) -> Set<TradeKey> {
        struct Group: Hashable {
            var transaction: String
            var time: Int64
        }
        var byTransaction: [Group: [Int]] = [:]
        for (i, t) in trades.enumerated() {
            byTransaction[Group(transaction: t.transactionHash, time: t.timestamp), default: []].append(i)
        }
        var out = Set<TradeKey>()
        for indices in byTransaction.values where indices.count > 1 {
            let view = cluster(trades[indices[0]])
            for (n, i) in indices.enumerated() {
                let x = trades[i]
                for j in indices[(n + 1)...] {
                    let y = trades[j]
                    guard x.wallet != y.wallet, x.conditionId == y.conditionId, view.linked(x.wallet, y.wallet)
                    else { continue }
                    let counter = (x.asset == y.asset) != (x.side == y.side)
                    guard counter else { continue }
                    out.insert(x.key)
                    out.insert(y.key)
                }
            }
        }
        return out
    }
}
