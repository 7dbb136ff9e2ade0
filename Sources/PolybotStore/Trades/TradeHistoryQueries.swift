import Foundation
import PolybotCore
import PostgresNIO

/// Walks through stored history in time order (the scoring fold's input) and fingerprints what lies before a time.
extension TradePostgresRepository {
    package func timeOrdered(
        from: Int64?, before: Int64, after: (time: Int64, id: Int64)?, limit: Int
    ) async throws
        -> [StoredTrade]
    {
        let start = Date(unixSeconds: from ?? Int64(Int32.min))
        let cursorTime = after.map { Date(unixSeconds: $0.time) } ?? start
        let cursorId = after?.id ?? Int64.min
        return try await decode(
            db.client.query(
                """
                SELECT id, \(unescaped: Self.selectColumns) FROM whale_trades
                WHERE traded_at >= \(start) AND traded_at < \(Date(unixSeconds: before))
                  AND (traded_at, id) > (\(cursorTime), \(cursorId))
                ORDER BY traded_at, id LIMIT \(Int64(limit))
                """, logger: db.logger))
    }

    package func history(before: Int64) async throws -> (count: Int64, maxId: Int64) {
        let rows = try await db.client.query(
            """
            SELECT count(*), coalesce(max(id), 0) FROM whale_trades WHERE traded_at < \(Date(unixSeconds: before))
            """, logger: db.logger)
        for try await (count, maxId) in rows.decode((Int64, Int64).self) { return (count, maxId) }
        throw StoreError.corruptRow("history count returned no row")
    }
}
