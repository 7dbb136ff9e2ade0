/// Which wallets are one trader at one time: every wallet maps to its cluster's representative (the lowest address of
/// the cluster); a wallet without links is its own cluster.
public struct ClusterView: Sendable, Hashable {
    private var representative: [Address: Address]

    /// Every wallet its own cluster.
    public init() { representative = [:] }

    /// A view from explicit groups (each group one cluster).
    public init(groups: [[Address]]) {
        representative = [:]
        for g in groups {
            guard let rep = g.min() else { continue }
            for w in g { representative[w] = rep }
        }
    }

    fileprivate init(representative: [Address: Address]) { self.representative = representative }

    /// The cluster (its representative) a wallet votes with.
    public func cluster(of wallet: Address) -> Address { representative[wallet] ?? wallet }

    /// The members of a wallet's cluster (itself alone when it has no links), in address order.
    public func members(of wallet: Address) -> [Address] {
        let rep = cluster(of: wallet)
        let list = representative.filter { $0.value == rep }.map(\.key)
        return list.isEmpty ? [wallet] : list.sorted()
    }

    /// Clusters of more than one wallet, each in address order, ordered by representative.
    public var groups: [[Address]] {
        Dictionary(grouping: representative.keys, by: { representative[$0]! }).values.map { $0.sorted() }
            .sorted { $0[0] < $1[0] }
    }

    /// Whether two wallets are one trader.
    public func linked(_ a: Address, _ b: Address) -> Bool { cluster(of: a) == cluster(of: b) }
}

/// Clusters over time: the links (with the time each became known) closed transitively. A point-in-time reader walks it
/// forward with ``advance(to:)`` and reads ``view``; a backtest at time T sees only links known by T.
public struct WalletClusters: Sendable {
    /// Every link, by the time it became known.
    public let links: [WalletLink]
    private var applied = 0
    private var parent: [Address: Address] = [:]
    /// The clusters as of the last ``advance(to:)``.
    public private(set) var view = ClusterView()
    /// The time of the last ``advance(to:)`` (nil: never advanced).
    public private(set) var advancedTo: Int64?

    /// Operator splits, by time: from its time on, a split wallet is its own cluster again — every link touching it
    /// that was known by then no longer counts (evidence recorded after the split counts again).
    public let splits: [WalletSplit]
    private var splitsApplied = 0

    /// Creates the timeline (links in any order; a pair linked twice is known from its earliest link).
    public init(links: [WalletLink], splits: [WalletSplit] = []) {
        self.links = links.sorted { ($0.since, $0.a, $0.b) < ($1.since, $1.a, $1.b) }
        self.splits = splits.sorted { ($0.since, $0.wallet) < ($1.since, $1.wallet) }
    }

    /// Whether a link counts at `time`: known by then and not undone by a later-or-equal split of one of its wallets.
    private func counts(_ l: WalletLink, at time: Int64) -> Bool {
        guard l.since <= time else { return false }
        return !splits.contains { s in s.since <= time && l.since <= s.since && (s.wallet == l.a || s.wallet == l.b) }
    }

    /// Applies the links known at `time` (Unix seconds); true when the clusters changed.
    @discardableResult
    public mutating func advance(to time: Int64) -> Bool {
        var changed = false
        advancedTo = max(advancedTo ?? time, time)
        if splitsApplied < splits.count, splits[splitsApplied].since <= time {
            // A split takes links back: the union is rebuilt from the links that still count.
            while splitsApplied < splits.count, splits[splitsApplied].since <= time { splitsApplied += 1 }
            parent = [:]
            applied = 0
            changed = true
        }
        while applied < links.count, links[applied].since <= time {
            let l = links[applied]
            applied += 1
            guard splitsApplied == 0 || counts(l, at: time) else { continue }
            if parent[l.a] == nil { parent[l.a] = l.a }
            if parent[l.b] == nil { parent[l.b] = l.b }
            let (ra, rb) = (root(l.a), root(l.b))
            guard ra != rb else { continue }
            // The lower root wins: by induction every root is its cluster's lowest address.
            if ra < rb { parent[rb] = ra } else { parent[ra] = rb }
            changed = true
        }
        if changed {
            var rep: [Address: Address] = [:]
            for w in parent.keys { rep[w] = root(w) }
            view = ClusterView(representative: rep)
        }
        return changed
    }

    /// The clusters as of `time`, from the start (for one-off readers).
    public func view(at time: Int64) -> ClusterView {
        var copy = WalletClusters(links: links, splits: splits)
        copy.advance(to: time)
        return copy.view
    }

    /// The links that hold a wallet's cluster together as of `time` (the evidence to show).
    public func evidence(for wallet: Address, at time: Int64) -> [WalletLink] {
        let v = view(at: time)
        let rep = v.cluster(of: wallet)
        return links.filter { counts($0, at: time) && v.cluster(of: $0.a) == rep }
    }

    private mutating func root(_ a: Address) -> Address {
        var r = a
        while let p = parent[r], p != r { r = p }
        var x = a
        while let p = parent[x], p != r {
            parent[x] = r
            x = p
        }
        return r
    }
}

/// An operator's split: from `since` on, `wallet` is its own cluster (the links known by then no longer count).
public struct WalletSplit: Sendable, Hashable, Codable {
    public var wallet: Address
    public var since: Int64
    public var reason: String

    /// Creates a split.
    public init(wallet: Address, since: Int64, reason: String) {
        self.wallet = wallet
        self.since = since
        self.reason = reason
    }
}
