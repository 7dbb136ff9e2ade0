import PolybotCore

/// A persisted trade with its database id.
package struct StoredTrade: Hashable, Sendable {
    /// Database id.
    package var id: Int64
    /// The trade.
    package var trade: Trade
}

/// What retracting one source's sighting of a trade did.
package enum TradeRetraction: Sendable, Equatable {
    /// No stored row carried that source.
    case absent
    /// The source left the row; `deleted` when no other source had seen it (the row is gone). `signals` fed on it.
    case retracted(id: Int64, deleted: Bool, signals: [Int64])
}

/// Persistence of trades, idempotent on the natural key: one row per trade, recording every source that saw it.
package protocol TradeRepository: Sendable {
    /// Inserts one trade. Returns its new id, or nil when the same trade was already stored (its source is then added
    /// to the row's `sources`).
    func insert(_ trade: Trade) async throws -> Int64?
    /// A source takes a trade back (a chain reorg): the source leaves the row, and the row goes when no source is left.
    func retract(_ key: TradeKey, source: TradeSource) async throws -> TradeRetraction
    /// The sources that saw a stored trade (nil: not stored).
    func sources(_ key: TradeKey) async throws -> [TradeSource]?
    /// Inserts many trades in one round of COPY; duplicates (stored or within the batch) are skipped.
    /// Returns how many rows were new.
    func insertBatch(_ trades: [Trade]) async throws -> Int
    /// ``insertBatch(_:)`` on one connection when `parallel` is false (a caller whose own work needs the other core).
    func insertBatch(_ trades: [Trade], parallel: Bool) async throws -> Int
    /// The newest trades, newest first.
    func recent(limit: Int) async throws -> [StoredTrade]
    /// A wallet's trades at or after `since` (Unix seconds), oldest first.
    func trades(wallet: Address, since: Int64) async throws -> [StoredTrade]
    /// The number of stored trades.
    func count() async throws -> Int
    /// Trades newest first (by id), filtered, paged with `beforeId`.
    func page(
        wallet: Address?, market: String?, side: TradeSide?, minNotional: Micros?, beforeId: Int64?, limit: Int
    ) async throws
        -> [StoredTrade]
    /// Trades with `from ≤ traded_at < before`, in time order (ties by id), after the `after` (time, id) position:
    /// one page of a walk through history that holds at most `limit` trades in memory.
    func timeOrdered(
        from: Int64?, before: Int64, after: (time: Int64, id: Int64)?, limit: Int
    ) async throws
        -> [StoredTrade]
    /// How many trades are stored with `traded_at < before`, the largest id among them (0 when none) and the sum of
    /// their ids (decimal): a later answer that differs means trades before that time arrived or went since.
    func history(before: Int64) async throws -> (count: Int64, maxId: Int64, idSum: String)
    /// The trades of several wallets, each wallet's in time order (ties by id).
    func trades(wallets: [Address]) async throws -> [Address: [Trade]]
    /// Wallets with at least one trade of `minNotional` or more since `since` (Unix seconds), in address order.
    func wallets(minNotional: Micros, since: Int64) async throws -> [Address]
    /// The newest trade time of a wallet, if any.
    func latestTradeTime(wallet: Address) async throws -> Int64?
    /// Condition ids traded by these wallets.
    func markets(wallets: [Address]) async throws -> Set<String>
    /// Every stored trade in time order (ties by id), at most `limit` (the backtest on the stored history).
    func all(limit: Int) async throws -> [Trade]
}
