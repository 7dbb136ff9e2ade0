/// How a market resolved (or that it has not).
public struct MarketResolution: Sendable, Hashable {
    public var conditionId: String
    /// The winning token; nil for a 50/50 or unresolved market.
    public var winningToken: String?
    /// Resolution time (Unix seconds), if known.
    public var resolvedAt: Int64?
    /// Every token of the market (a token not listed and not the winner settles at 0).
    public var tokens: [String]

    /// Creates a resolution.
    public init(conditionId: String, winningToken: String?, resolvedAt: Int64?, tokens: [String]) {
        self.conditionId = conditionId
        self.winningToken = winningToken
        self.resolvedAt = resolvedAt
        self.tokens = tokens
    }

    /// True when the market is settled (a winner is known).
    public var isResolved: Bool { winningToken != nil }

    /// True when a winner is known at time `t`: its resolution time has passed, or it has none (a resolution read
    /// without a time is known now).
    public func isKnown(at t: Int64) -> Bool { winningToken != nil && (resolvedAt ?? t) <= t }
}

/// A position that ended: fully sold, or settled at resolution.
public struct ClosedPosition: Sendable, Hashable {
    public var asset: String
    public var conditionId: String
    /// Total USDC paid for the shares of this position.
    public var cost: Micros
    /// PnL realised by sells and settlement.
    public var realized: Micros
    public var openedAt: Int64
    public var closedAt: Int64

    /// Creates a closed position.
    public init(asset: String, conditionId: String, cost: Micros, realized: Micros, openedAt: Int64, closedAt: Int64) {
        self.asset = asset
        self.conditionId = conditionId
        self.cost = cost
        self.realized = realized
        self.openedAt = openedAt
        self.closedAt = closedAt
    }

    /// Return on the money paid: realised PnL / cost (0 when nothing was paid).
    public var returnOnCost: Double { cost.raw > 0 ? Double(realized.raw) / Double(cost.raw) : 0 }
    /// A win has strictly positive realised PnL.
    public var isWin: Bool { realized.raw > 0 }
}

/// Average-cost position reconstruction for one wallet (architecture.md, "Definitions").
///
/// Trades apply in timestamp order, ties in input order. A BUY adds shares and cost; a SELL realises
/// (price − average cost) × shares; a SELL beyond the shares held realises nothing for the excess and is counted.
/// Shares back at zero close the position (a later buy opens a new one). After the trades, remaining shares in a
/// resolved market settle at 1 (winning token) or 0.
///
/// The ledger is incremental: ``apply(_:)`` takes one trade (in time order) and ``settled(by:)`` values what is still
/// open against the resolutions known at some time without changing the ledger, so point-in-time scores cost one pass
/// over the trades plus the open positions at each snapshot.
public struct PositionLedger: Sendable {
    private struct Open: Sendable {
        var asset: String
        var conditionId: String
        var shares: Micros = .zero
        var cost: Micros = .zero
        var paid: Micros = .zero
        var realized: Micros = .zero
        var openedAt: Int64 = 0
        var lastAt: Int64 = 0
    }

    /// Open positions by asset key (a caller's integer id of the token, or this ledger's own).
    private var open: [Int: Open] = [:]
    /// The ledger's own asset keys when the caller gives none.
    private var keys: [String: Int] = [:]
    public private(set) var closed: [ClosedPosition] = []
    /// Positions still holding shares (not settled).
    public private(set) var openCount = 0
    /// SELLs (in shares, micro units) beyond what the file shows the wallet held.
    public private(set) var oversoldShares: Micros = .zero
    /// Number of SELL trades that sold more than was held.
    public private(set) var oversoldTrades = 0

    /// An empty ledger.
    public init() {}

    /// The asset keys of the positions it holds (what a restored fold checks against its markets).
    var openAssetKeys: [Int] { Array(open.keys) }

    /// Reconstructs positions from a wallet's trades and settles what remains in resolved markets.
    ///
    /// - Parameters:
    ///   - trades: the wallet's trades, any order (sorted stably by timestamp here).
    ///   - resolutions: by condition id.
    public init(trades: [Trade], resolutions: [String: MarketResolution]) {
        let ordered = trades.enumerated().sorted {
            ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset)
        }
        for (_, t) in ordered { apply(t) }
        let (settled, stillOpen) = settled(by: resolutions)
        closed += settled
        openCount = stillOpen
        open = [:]
    }

    /// Applies one trade (trades must come in time order), keyed by the ledger's own asset ids.
    public mutating func apply(_ t: Trade) {
        let key: Int
        if let k = keys[t.asset] {
            key = k
        } else {
            key = keys.count
            keys[t.asset] = key
        }
        apply(t, assetKey: key)
    }

    /// Applies one trade (trades must come in time order); `assetKey` identifies its token (one key per token).
    public mutating func apply(_ t: Trade, assetKey: Int) {
        var p = open[assetKey] ?? Open(asset: t.asset, conditionId: t.conditionId)
        if t.side == .buy {
            if p.shares == .zero && p.paid == .zero { p.openedAt = t.timestamp }
            let notional = t.notional
            p.shares += t.size
            p.cost += notional
            p.paid += notional
            p.lastAt = t.timestamp
        } else {
            let sold = min(t.size, p.shares)
            if t.size > p.shares {
                oversoldShares += t.size - p.shares
                oversoldTrades += 1
            }
            guard sold > .zero else {
                open[assetKey] = p
                return
            }
            // Cost of the shares sold at the average cost; the last sale takes exactly the remaining cost.
            let basis =
                sold == p.shares
                ? p.cost : Micros(Int64((Int128(p.cost.raw) * Int128(sold.raw)) / Int128(p.shares.raw)))
            p.realized += sold.multiplied(by: t.price) - basis
            p.cost -= basis
            p.shares -= sold
            p.lastAt = t.timestamp
            if p.shares == .zero {
                closed.append(
                    ClosedPosition(
                        asset: t.asset, conditionId: t.conditionId, cost: p.paid, realized: p.realized,
                        openedAt: p.openedAt, closedAt: t.timestamp))
                p = Open(asset: t.asset, conditionId: t.conditionId)
            }
        }
        open[assetKey] = p
    }

    /// The open positions settled by the given resolutions (shares at 1 for the winner, 0 otherwise; closed at the
    /// later of the resolution time and the last trade), and how many stay open. The ledger is not changed.
    public func settled(by resolutions: [String: MarketResolution]) -> (settled: [ClosedPosition], open: Int) {
        settled { key, p in
            guard let r = resolutions[p.conditionId], let winner = r.winningToken else { return nil }
            return (p.asset == winner, r.resolvedAt)
        }
    }

    /// The open positions settled by `outcome(assetKey, (asset, conditionId))`: nil while unresolved, else whether the
    /// token won and when. In asset-key order. The ledger is not changed.
    public func settled(
        _ outcome: (Int, (asset: String, conditionId: String)) -> (won: Bool, at: Int64?)?
    ) -> (settled: [ClosedPosition], open: Int) {
        var out: [ClosedPosition] = []
        var stillOpen = 0
        for (key, p) in open.sorted(by: { $0.key < $1.key }) where p.shares > .zero {
            guard let (won, at) = outcome(key, (p.asset, p.conditionId)) else {
                stillOpen += 1
                continue
            }
            let payout = won ? p.shares : .zero
            out.append(
                ClosedPosition(
                    asset: p.asset, conditionId: p.conditionId, cost: p.paid, realized: p.realized + payout - p.cost,
                    openedAt: p.openedAt, closedAt: max(at ?? p.lastAt, p.lastAt)))
        }
        return (out, stillOpen)
    }

    /// Total realised PnL.
    public var realizedPnl: Micros { Micros.sum(closed.map(\.realized)) }
}

extension ClosedPosition: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        w.write(asset)
        w.write(conditionId)
        w.write(cost)
        w.write(realized)
        w.write(openedAt)
        w.write(closedAt)
    }
    public init(unarchiving r: inout ArchiveReader) throws {
        self.init(
            asset: try r.read(), conditionId: try r.read(), cost: try r.read(), realized: try r.read(),
            openedAt: try r.read(), closedAt: try r.read())
    }
}

extension PositionLedger: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        w.put(UInt32(open.count))
        for (key, p) in open {
            w.write(key)
            w.write(p.asset)
            w.write(p.conditionId)
            w.write(p.shares)
            w.write(p.cost)
            w.write(p.paid)
            w.write(p.realized)
            w.write(p.openedAt)
            w.write(p.lastAt)
        }
        w.write(keys)
        w.write(closed)
        w.write(openCount)
        w.write(oversoldShares)
        w.write(oversoldTrades)
    }
    public init(unarchiving r: inout ArchiveReader) throws {
        self.init()
        for _ in 0..<(try r.count()) {
            let key: Int = try r.read()
            open[key] = Open(
                asset: try r.read(), conditionId: try r.read(), shares: try r.read(), cost: try r.read(),
                paid: try r.read(), realized: try r.read(), openedAt: try r.read(), lastAt: try r.read())
        }
        keys = try r.read()
        closed = try r.read()
        openCount = try r.read()
        oversoldShares = try r.read()
        oversoldTrades = try r.read()
    }
}
