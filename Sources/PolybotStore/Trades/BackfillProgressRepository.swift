import Foundation
import PolybotCore
import PostgresNIO

/// Where one backfill scope (a wallet since a time) stands.
package struct BackfillProgress: Sendable, Equatable {
    package var scope: String
    /// `v2` (cursor walk of `/v2/trades`) or `v1` (`/activity` windows, re-read whole on resume).
    package var source: String
    /// The next page's cursor (v2); nil before the first page and once done.
    package var cursor: String?
    package var pages: Int
    package var rowsRead: Int
    package var rowsNew: Int
    package var combosSkipped: Int
    package var rowsRejected: Int
    package var done: Bool

    /// A scope not started yet.
    package init(scope: String, source: String) {
        self.scope = scope
        self.source = source
        cursor = nil
        pages = 0
        rowsRead = 0
        rowsNew = 0
        combosSkipped = 0
        rowsRejected = 0
        done = false
    }
}

/// `backfill_progress` over PostgreSQL.
package struct BackfillProgressRepository: Sendable {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    /// The progress of a scope, if it was started.
    package func get(_ scope: String) async throws -> BackfillProgress? {
        let rows = try await db.client.query(
            """
            SELECT source, cursor, pages, rows_read, rows_new, combos_skipped, rows_rejected, done
            FROM backfill_progress WHERE scope = \(scope)
            """, logger: db.logger)
        for try await (source, cursor, pages, read, new, combos, rejected, done) in rows.decode(
            (String, String?, Int32, Int64, Int64, Int64, Int64, Bool).self)
        {
            var p = BackfillProgress(scope: scope, source: source)
            p.cursor = cursor
            p.pages = Int(pages)
            p.rowsRead = Int(read)
            p.rowsNew = Int(new)
            p.combosSkipped = Int(combos)
            p.rowsRejected = Int(rejected)
            p.done = done
            return p
        }
        return nil
    }

    /// Records a scope's progress (after each page).
    package func save(_ p: BackfillProgress) async throws {
        try await db.client.query(
            """
            INSERT INTO backfill_progress (scope, source, cursor, pages, rows_read, rows_new, combos_skipped,
                rows_rejected, done)
            VALUES (\(p.scope), \(p.source), \(p.cursor), \(Int32(p.pages)), \(Int64(p.rowsRead)), \(Int64(p.rowsNew)),
                \(Int64(p.combosSkipped)), \(Int64(p.rowsRejected)), \(p.done))
            ON CONFLICT (scope) DO UPDATE SET source = excluded.source, cursor = excluded.cursor, pages = excluded.pages,
                rows_read = excluded.rows_read, rows_new = excluded.rows_new,
                combos_skipped = excluded.combos_skipped, rows_rejected = excluded.rows_rejected,
                done = excluded.done, updated_at = now()
            """, logger: db.logger)
    }
}
