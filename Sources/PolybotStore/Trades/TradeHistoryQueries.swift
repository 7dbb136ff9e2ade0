import Foundation
import PolybotCore
import PostgresNIO

/// Walks through stored history in time order (the scoring fold's input) and fingerprints what lies before a time.
extension TradePostgresRepository {
    /// Only what scoring reads (no titles, names or outcome labels): see ``TradeRepository/timeOrdered``.
    package func timeOrdered(
        from: Int64?, before: Int64, after: (time: Int64, id: Int64)?, limit: Int
    ) async throws
        -> [StoredTrade]
    {
        let start = Date(unixSeconds: from ?? Int64(Int32.min))
        let cursorTime = after.map { Date(unixSeconds: $0.time) } ?? start
        let cursorId = after?.id ?? Int64.min
        let rows = try await db.client.query(
            """
            SELECT id, transaction_hash, wallet, asset, condition_id, side, size_micros, price_micros, event_slug,
                   traded_at, ordinal, source
            FROM whale_trades
            WHERE traded_at >= \(start) AND traded_at < \(Date(unixSeconds: before))
              AND (traded_at, id) > (\(cursorTime), \(cursorId))
            ORDER BY traded_at, id LIMIT \(Int64(limit))
            """, logger: db.logger)
        var result: [StoredTrade] = []
        result.reserveCapacity(limit)
        for try await r in rows.decode(
            (Int64, String, String, String, String, String, Int64, Int64, String, Date, Int32, String).self)
        {
            guard let wallet = Address(r.2), let side = TradeSide(rawValue: r.5),
                let source = TradeSource(rawValue: r.11)
            else {
                throw StoreError.corruptRow("trade \(r.0)")
            }
            let trade = Trade(
                transactionHash: r.1, wallet: wallet, asset: r.3, conditionId: r.4, side: side, size: Micros(r.6),
                price: Micros(r.7), timestamp: r.9.unixSeconds, eventSlug: r.8, source: source,
                ordinal: r.10 > 0 ? Int(r.10) : nil)
            result.append(StoredTrade(id: r.0, trade: trade))
        }
        return result
    }

    package func history(before: Int64) async throws -> (count: Int64, maxId: Int64, idSum: String) {
        let rows = try await db.client.query(
            """
            SELECT count(*), coalesce(max(id), 0), coalesce(sum(id), 0)::text FROM whale_trades
            WHERE traded_at < \(Date(unixSeconds: before))
            """, logger: db.logger)
        for try await (count, maxId, sum) in rows.decode((Int64, Int64, String).self) { return (count, maxId, sum) }
        throw StoreError.corruptRow("history count returned no row")
    }
}
