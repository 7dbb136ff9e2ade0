import PolybotCore
import Polymarket

/// Where the pipeline's time, trades, books and fees come from: the venue and the wall clock in the daemon, a recorded
/// history and market time in `polybot replay` and backtests. One engine, two sets of adapters.
package struct PipelineEngine: Sendable {
    /// The one clock every stage, tracker, gateway and schedule reads.
    package var clock: any PipelineClock
    /// The in-flight work gauge a replay driver waits on (nil in the daemon).
    package var work: WorkGauge?
    /// The trade feed (nil: the RTDS socket of the settings, if any).
    package var feed: (any MarketFeed)?
    /// Books and fees (nil: the CLOB's).
    package var market: MarketPorts?
    /// Which trades the barrier counts (replay; set to ``Pipeline/mayMatter(_:)`` once the pipeline exists).
    package var relevance: ReplayRelevance?
    /// Who is one trader at a market time (Unix seconds): the consensus counts one vote per cluster. Nil: the links
    /// stored in the database (the daemon's).
    package var clusters: (@Sendable (Int64) async -> ClusterView)?
    /// Baskets and scores change only when the engine's driver says so (``Pipeline/basketsChanged`` and
    /// ``Pipeline/scoresChanged``): the consensus stage reloads its baskets and the scorer forgets its cached scores
    /// then, and never asks the store on a timer. A replay's schedule is the only writer of both, so each whale trade
    /// costs one round trip (its insert) instead of up to four. False (the daemon): operators and the nightly job write
    /// them, so the stages also reload on a timer.
    package var announcedChanges: Bool

    /// Creates an engine (defaults: the daemon's).
    package init(
        clock: any PipelineClock = SystemPipelineClock(), work: WorkGauge? = nil, feed: (any MarketFeed)? = nil,
        market: MarketPorts? = nil, relevance: ReplayRelevance? = nil,
        clusters: (@Sendable (Int64) async -> ClusterView)? = nil, announcedChanges: Bool = false
    ) {
        self.announcedChanges = announcedChanges
        self.clusters = clusters
        self.relevance = relevance
        self.clock = clock
        self.work = work
        self.feed = feed
        self.market = market
    }
}

/// The market data the stages read: books now and at a market time, and each market's fee schedule.
package struct MarketPorts: Sendable {
    /// The book of a token now.
    package var book: @Sendable (String) async throws -> OrderBook
    /// The book of a token as it stands at a market time (ms since the epoch): paper fills walk it at detection time +
    /// the copy delay. Live, this waits on the clock until then and reads the book; in replay the history answers.
    package var bookAt: @Sendable (String, Int64) async throws -> OrderBook
    /// A market's (condition id's) taker fee schedule; throws when it is not known or cannot be computed — callers do
    /// not trade the market then (never a fee of 0 by assumption).
    package var fees: @Sendable (String) async throws -> FeeSchedule
    /// Whether a market is closed and its winning token, as known now (nil: not known).
    package var resolution: @Sendable (String) async -> (closed: Bool, winner: String?)?
    /// Paper fills from a recorded tape (replay and backtest: ``TapeFills``); nil = walk the book at detection + the
    /// copy delay (the daemon's paper mode, on the venue's real book).
    package var tape: (@Sendable (TapeFills.Order) async -> TapeFill)?

    /// Creates ports.
    package init(
        book: @escaping @Sendable (String) async throws -> OrderBook,
        bookAt: @escaping @Sendable (String, Int64) async throws -> OrderBook,
        fees: @escaping @Sendable (String) async throws -> FeeSchedule,
        resolution: @escaping @Sendable (String) async -> (closed: Bool, winner: String?)?,
        tape: (@Sendable (TapeFills.Order) async -> TapeFill)? = nil
    ) {
        self.tape = tape
        self.book = book
        self.bookAt = bookAt
        self.fees = fees
        self.resolution = resolution
    }

    /// The CLOB's: `/book`, and the fee schedule from `/clob-markets/{condition_id}` (`fd {r, e}`; absent: free, as
    /// the official client reads it), cached per market for `feeTTL` seconds of `clock` time.
    package static func clob(_ clob: ClobClient, clock: any PipelineClock, feeTTL: Int64 = 3_600) -> MarketPorts {
        let cache = FeeCache(ttl: feeTTL)
        return MarketPorts(
            book: { token in try await clob.book(tokenId: token) },
            bookAt: { token, atMs in
                try await clock.sleep(untilMs: atMs)
                return try await clob.book(tokenId: token)
            },
            fees: { conditionId in
                try await cache.schedule(conditionId, now: clock.now()) {
                    let info = try await clob.clobMarketInfo(conditionId: conditionId)
                    switch info.fees {
                    case .free, .notStated: return .free
                    case .charged(let schedule, _): return schedule
                    case .uncomputable(let why): throw MarketFeeError.uncomputable(conditionId, why)
                    }
                }
            },
            resolution: { conditionId in
                // An unreadable market record is "not known yet": the tracker asks again on a later pass.
                let market: ClobMarket
                do { market = try await clob.market(conditionId: conditionId) } catch { return nil }
                return (market.closed?.value ?? false, market.winningTokenId)
            })
    }
}

/// Why a market's fee is not known.
package enum MarketFeeError: Error, CustomStringConvertible {
    /// The venue's fee fields for the market cannot be computed (the reason says which).
    case uncomputable(String, String)
    /// The market is not known to the fee source.
    case unknownMarket(String)

    package var description: String {
        switch self {
        case .uncomputable(let m, let why): "fee of market \(m) not computable: \(why)"
        case .unknownMarket(let m): "fee of market \(m) unknown: no such market"
        }
    }
}

/// Fee schedules per market, each kept `ttl` seconds (errors are not cached: the next signal asks again).
actor FeeCache {
    private let ttl: Int64
    private var entries: [String: (schedule: FeeSchedule, at: Int64)] = [:]

    init(ttl: Int64) { self.ttl = ttl }

    func schedule(
        _ conditionId: String, now: Int64, load: @Sendable () async throws -> FeeSchedule
    ) async throws -> FeeSchedule {
        if let hit = entries[conditionId], now - hit.at < ttl { return hit.schedule }
        let fresh = try await load()
        entries[conditionId] = (fresh, now)
        return fresh
    }
}
