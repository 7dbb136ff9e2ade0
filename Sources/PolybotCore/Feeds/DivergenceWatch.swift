/// Feeds that watch each other: every whale trade one source delivers should reach every other source that covers
/// it within a grace period. A pure value with injected time (seconds on the listener's clock).
///
/// - A source **covers** a trade when the trade's time is at or after the source's coverage start (the chain from its
///   first block, RTDS from its first connection, the Data API from its sweep window) — a trade older than that is not
///   expected from it.
/// - A source is **missing** a trade when the trade has waited longer than `grace` since its first sighting without that
///   source; the alarm for a source is on while it misses at least one trade.
/// - After `horizon` a trade is forgotten; a source that never delivered it counts one **missed** trade.
public struct DivergenceWatch: Sendable, Equatable {
    /// One trade being watched.
    struct Entry: Sendable, Equatable {
        var firstSeen: Int64
        var tradeTime: Int64
        var seenBy: Set<TradeSource>
    }

    /// The sources expected to see every whale trade.
    public let sources: Set<TradeSource>
    public let grace: Int64
    public let horizon: Int64
    private var coverage: [TradeSource: Int64] = [:]
    private var open: [TradeKey: Entry] = [:]
    /// Trades each source never delivered (after `horizon`), since start.
    public private(set) var missed: [TradeSource: Int] = [:]

    /// Watches `sources` (fewer than two: nothing to compare, nothing is watched).
    public init(sources: Set<TradeSource>, grace: Int64, horizon: Int64) {
        self.sources = sources
        self.grace = max(0, grace)
        self.horizon = max(grace, horizon)
    }

    /// Whether anything is compared at all.
    public var isActive: Bool { sources.count >= 2 }

    /// Trades being watched.
    public var watching: Int { open.count }

    /// `source` covers trades from `tradeTime` on (a later call moves the start; an earlier one is ignored unless
    /// `force`).
    public mutating func cover(_ source: TradeSource, from tradeTime: Int64, force: Bool = false) {
        guard sources.contains(source) else { return }
        if force || coverage[source] == nil {
            coverage[source] = tradeTime
        } else {
            coverage[source] = max(coverage[source] ?? tradeTime, tradeTime)
        }
    }

    /// Where `source`'s coverage starts (nil: it covers nothing yet).
    public func coverageStart(_ source: TradeSource) -> Int64? { coverage[source] }

    /// `source` delivered the trade with `key` (trade time `tradeTime`) at `now`.
    public mutating func saw(_ key: TradeKey, tradeTime: Int64, source: TradeSource, now: Int64) {
        guard isActive, sources.contains(source) else { return }
        var e = open[key] ?? Entry(firstSeen: now, tradeTime: tradeTime, seenBy: [])
        e.seenBy.insert(source)
        // Kept until every source saw it or `horizon` passes: a source's coverage may start after the first sighting.
        if sources.isSubset(of: e.seenBy) { open[key] = nil } else { open[key] = e }
    }

    /// A trade taken back (a reorg): it is no longer expected anywhere.
    public mutating func forget(_ key: TradeKey) { open[key] = nil }

    /// Trades each source has been missing for longer than `grace` at `now` (sources with none are absent).
    public func missing(now: Int64) -> [TradeSource: Int] {
        var out: [TradeSource: Int] = [:]
        for e in open.values where now - e.firstSeen > grace {
            for s in expected(e).subtracting(e.seenBy) { out[s, default: 0] += 1 }
        }
        return out
    }

    /// Forgets trades older than `horizon` at `now`, counting each source that never delivered them; returns the
    /// trades missed in this call per source.
    @discardableResult
    public mutating func expire(now: Int64) -> [TradeSource: Int] {
        var out: [TradeSource: Int] = [:]
        for (key, e) in open where now - e.firstSeen > horizon {
            for s in expected(e).subtracting(e.seenBy) { out[s, default: 0] += 1 }
            open[key] = nil
        }
        for (s, n) in out { missed[s, default: 0] += n }
        return out
    }

    /// The sources that cover a trade.
    private func expected(_ e: Entry) -> Set<TradeSource> {
        sources.filter { s in coverage[s].map { e.tradeTime >= $0 } ?? false }
    }
}
