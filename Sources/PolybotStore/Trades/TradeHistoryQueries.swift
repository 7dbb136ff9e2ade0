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
        // Cell by cell with concrete types: a twelve-column tuple decode looks up its generic metadata on every row,
        // which was a tenth of a full fold's time.
        for try await row in rows {
            var cells = row.makeIterator()
            func next<T: PostgresDecodable>(_: T.Type) throws -> T {
                guard let cell = cells.next() else { throw StoreError.corruptRow("trade row has too few columns") }
                return try cell.decode(T.self)
            }
            let id = try next(Int64.self)
            let hash = try next(String.self)
            let walletText = try next(String.self)
            let asset = try next(String.self)
            let conditionId = try next(String.self)
            let sideText = try next(String.self)
            let size = try next(Int64.self)
            let price = try next(Int64.self)
            let eventSlug = try next(String.self)
            let tradedAt = try next(Date.self)
            let ordinal = try next(Int32.self)
            let sourceText = try next(String.self)
            guard let wallet = Address(walletText), let side = TradeSide(rawValue: sideText),
                let source = TradeSource(rawValue: sourceText)
            else {
                throw StoreError.corruptRow("trade \(id)")
            }
            let trade = Trade(
                transactionHash: hash, wallet: wallet, asset: asset, conditionId: conditionId, side: side,
                size: Micros(size), price: Micros(price), timestamp: tradedAt.unixSeconds, eventSlug: eventSlug,
                source: source, ordinal: ordinal > 0 ? Int(ordinal) : nil)
            result.append(StoredTrade(id: id, trade: trade))
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
