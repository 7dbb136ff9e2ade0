import PolybotCore

/// A persisted trade with its database id.
package struct StoredTrade: Hashable, Sendable {
    /// Database id.
    package var id: Int64
    /// The trade.
    package var trade: Trade
}

/// Persistence of trades, idempotent on the natural key.
package protocol TradeRepository: Sendable {
    /// Inserts one trade. Returns its new id, or nil when the same trade was already stored.
    func insert(_ trade: Trade) async throws -> Int64?
    /// Inserts many trades in one round of COPY; duplicates (stored or within the batch) are skipped.
    /// Returns how many rows were new.
    func insertBatch(_ trades: [Trade]) async throws -> Int
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
