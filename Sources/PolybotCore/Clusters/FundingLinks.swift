/// Which funding counts as a link (issue 31, "Funding links").
public struct FundingRules: Sendable, Hashable {
    /// How many distinct first senders of a wallet count as its funders (later senders are not: a dust transfer from
    /// a common address to wallets that already had money cannot merge them).
    public var firstFunders = 2
    /// How many funding steps up a shared ancestor may be (1: the same direct funder; 2: also funders that share
    /// a funder).
    public var depth = 2
    /// A transfer below this does not make its sender a funder (dust), micro-USDC.
    public var minAmount = Micros(1_000_000)
    /// A transfer makes its sender a funder only when it brings at least this share of what the wallet had received
    /// until then, itself included, in basis points (a small transfer to a funded wallet is no funding).
    public var minShareBps = 2_500
    /// A sender that funded more distinct wallets than this in the evidence is a hub (an exchange, a bridge, a
    /// payroll), not one trader: never a funder. Judged on the whole evidence.
    public var maxFunded = 50
    /// A sender that funded more than this many wallets counts only while at least half of them are tracked wallets:
    /// an exchange funds mostly strangers, a trader funds mostly its own wallets.
    public var smallFanout = 10
    /// Senders that fund unrelated wallets every day — exchanges' hot wallets, bridges, Polymarket's own contracts:
    /// never a funder, and never walked through.
    public var excluded: Set<Address> = []
    /// The collateral tokens whose transfers count; empty = every token in the evidence.
    public var tokens: Set<Address> = []

    /// The defaults.
    public init() {}
}

/// Funding links between tracked wallets from ERC-20 `Transfer`s: wallets whose first funders lead, within
/// ``FundingRules/depth`` steps, to one address are one trader. A link is known from the later of the transfers that
/// make it.
public enum FundingLinks {
    /// The links among `wallets` that `transfers` show.
    public static func links(
        transfers: [FundingTransfer], wallets: Set<Address>, rules: FundingRules
    ) -> [WalletLink] {
        let funders = firstFunders(transfers: transfers, rules: rules, tracked: wallets)
        return links(funders: funders, wallets: wallets, rules: rules)
    }

    /// Each address's first funders (``FundingRules``), with the time of the transfer that made each one. `tracked`
    /// (the wallets whose links are wanted) tells a trader funding its own wallets from a hub funding strangers.
    public static func firstFunders(
        transfers: [FundingTransfer], rules: FundingRules, tracked: Set<Address>
    ) -> [Address: [(funder: Address, time: Int64)]] {
        var funders: [Address: [(funder: Address, time: Int64)]] = [:]
        let counted = transfers.filter { rules.tokens.isEmpty || rules.tokens.contains($0.token) }
        var recipients: [Address: Set<Address>] = [:]
        for t in counted where t.amount >= rules.minAmount { recipients[t.from, default: []].insert(t.to) }
        func hub(_ sender: Address) -> Bool {
            guard let r = recipients[sender] else { return false }
            if r.count > rules.maxFunded { return true }
            return r.count > rules.smallFanout && 2 * r.intersection(tracked).count < r.count
        }
        var received: [Address: Int128] = [:]
        for t in counted.sorted(by: { ($0.time, $0.from.hex, $0.to.hex) < ($1.time, $1.from.hex, $1.to.hex) }) {
            let before = received[t.to, default: 0]
            received[t.to] = before + Int128(t.amount.raw)
            let share = Int128(t.amount.raw) * 10_000 >= Int128(rules.minShareBps) * (before + Int128(t.amount.raw))
            guard t.from != t.to, t.amount >= rules.minAmount, share, !rules.excluded.contains(t.from), !hub(t.from)
            else { continue }
            var list = funders[t.to, default: []]
            guard list.count < rules.firstFunders, !list.contains(where: { $0.funder == t.from }) else { continue }
            list.append((t.from, t.time))
            funders[t.to] = list
        }
        return funders
    }

    /// The addresses whose incoming transfers decide the links of `wallets`: the wallets and their first funders up
    /// to one step short of the depth (a funder's own funders matter at depth 2).
    public static func ancestry(
        of wallets: Set<Address>, funders: [Address: [(funder: Address, time: Int64)]], rules: FundingRules
    ) -> Set<Address> {
        var out = wallets
        var frontier = wallets
        for _ in 1..<max(rules.depth, 1) {
            let next = Set(frontier.flatMap { (funders[$0] ?? []).map(\.funder) }).subtracting(out)
            out.formUnion(next)
            frontier = next
        }
        return out
    }

    static func links(
        funders: [Address: [(funder: Address, time: Int64)]], wallets: Set<Address>, rules: FundingRules
    ) -> [WalletLink] {
        // Each tracked wallet's ancestors within the depth: the earliest time the path is known, and its length.
        var descendants: [Address: [(wallet: Address, time: Int64, depth: Int)]] = [:]
        for w in wallets.sorted() {
            var best: [Address: (time: Int64, depth: Int)] = [w: (Int64.min, 0)]
            var frontier: [(Address, Int64)] = [(w, Int64.min)]
            for step in 1...max(rules.depth, 1) {
                var next: [(Address, Int64)] = []
                for (node, known) in frontier {
                    for f in funders[node] ?? [] {
                        let time = max(known, f.time)
                        if let seen = best[f.funder], seen.time <= time { continue }
                        best[f.funder] = (time, min(best[f.funder]?.depth ?? step, step))
                        next.append((f.funder, time))
                    }
                }
                frontier = next
            }
            for (ancestor, at) in best where ancestor != w {
                descendants[ancestor, default: []].append((w, at.time, at.depth))
            }
        }
        var out: [WalletLink] = []
        for (ancestor, list) in descendants {
            var members = list
            // A tracked ancestor is linked to the wallets it funded, from the time it did.
            if wallets.contains(ancestor) {
                out += members.map {
                    WalletLink(
                        ancestor, $0.wallet, since: $0.time, evidence: .funding(funder: ancestor, depth: $0.depth))
                }
            }
            guard members.count > 1 else { continue }
            // Every pair (at most `maxFunded` members): an operator's split of one wallet leaves the others linked.
            members.sort { ($0.time, $0.wallet) < ($1.time, $1.wallet) }
            for (i, x) in members.enumerated() {
                for y in members[(i + 1)...] {
                    out.append(
                        WalletLink(
                            x.wallet, y.wallet, since: max(x.time, y.time),
                            evidence: .funding(funder: ancestor, depth: max(x.depth, y.depth))))
                }
            }
        }
        return out.sorted { ($0.since, $0.a, $0.b) < ($1.since, $1.a, $1.b) }
    }
}
