import Foundation
import PolybotCore
import PostgresNIO

/// ``PositionRepository`` over PostgreSQL.
package struct PositionPostgresRepository: PositionRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    static let columns = """
        id, mode, condition_id, asset, event_slug, outcome, size_micros, avg_price_micros, cost_micros,
        realized_pnl_micros, mark_price_micros, status, entry_signal_id, fees_micros
        """

    package func open(_ p: Position) async throws -> Position {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO positions (mode, condition_id, asset, event_slug, outcome, size_micros, avg_price_micros,
                    cost_micros, realized_pnl_micros, mark_price_micros, status, entry_signal_id, fees_micros)
                VALUES (\(p.mode.rawValue), \(p.conditionId), \(p.asset), \(p.eventSlug), \(p.outcome), \(p.size.raw),
                    \(p.averagePrice.raw), \(p.cost.raw), \(p.realizedPnl.raw), \(p.markPrice?.raw), \(p.status.rawValue),
                    \(p.entrySignalId), \(p.fees.raw))
                RETURNING id
                """, logger: db.logger)
            var created = p
            for try await id in rows.decode(Int64.self) { created.id = id }
            return created
        }
    }

    package func update(_ p: Position) async throws {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                UPDATE positions SET size_micros = \(p.size.raw), avg_price_micros = \(p.averagePrice.raw),
                    cost_micros = \(p.cost.raw), realized_pnl_micros = \(p.realizedPnl.raw),
                    mark_price_micros = \(p.markPrice?.raw), status = \(p.status.rawValue), fees_micros = \(p.fees.raw),
                    closed_at = CASE WHEN \(p.status.rawValue) = 'open' THEN NULL ELSE coalesce(closed_at, now()) END,
                    updated_at = now()
                WHERE id = \(p.id) RETURNING id
                """, logger: db.logger)
            var found = false
            for try await _ in rows { found = true }
            if !found { throw StoreError.notFound("position \(p.id)") }
        }
    }

    package func get(id: Int64) async throws -> Position? {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM positions WHERE id = \(id)", logger: db.logger)
        ).first
    }

    package func openPosition(mode: RunMode, asset: String) async throws -> Position? {
        try await decode(
            db.client.query(
                """
                SELECT \(unescaped: Self.columns) FROM positions
                WHERE mode = \(mode.rawValue) AND asset = \(asset) AND status = 'open'
                """, logger: db.logger)
        ).first
    }

    package func openPositions(mode: RunMode) async throws -> [Position] {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM positions WHERE mode = \(mode.rawValue) AND status = 'open' ORDER BY id",
                logger: db.logger))
    }

    package func list(mode: RunMode, statuses: [PositionStatus]?, limit: Int) async throws -> [Position] {
        let names = statuses?.map(\.rawValue)
        return try await decode(
            db.client.query(
                """
                SELECT \(unescaped: Self.columns) FROM positions
                WHERE mode = \(mode.rawValue) AND (\(names)::text[] IS NULL OR status = ANY(\(names)::text[]))
                ORDER BY id DESC LIMIT \(limit)
                """, logger: db.logger))
    }

    package func totals(mode: RunMode) async throws -> PositionTotals {
        let rows = try await db.client.query(
            """
            SELECT coalesce(sum(realized_pnl_micros), 0)::bigint, coalesce(sum(fees_micros), 0)::bigint
            FROM positions WHERE mode = \(mode.rawValue)
            """, logger: db.logger)
        for try await (all, fees) in rows.decode((Int64, Int64).self) {
            return PositionTotals(realizedPnl: Micros(all), fees: Micros(fees))
        }
        return PositionTotals(realizedPnl: .zero, fees: .zero)
    }

    private func decode(_ rows: PostgresRowSequence) async throws -> [Position] { try await Self.decode(rows) }

    /// Decodes rows selected with ``columns``.
    static func decode(_ rows: PostgresRowSequence) async throws -> [Position] {
        var result: [Position] = []
        for try await r in rows.decode(
            (Int64, String, String, String, String, String, Int64, Int64, Int64, Int64, Int64?, String, Int64?, Int64)
                .self)
        {
            guard let mode = RunMode(rawValue: r.1), let status = PositionStatus(rawValue: r.11) else {
                throw StoreError.corruptRow("position \(r.0)")
            }
            result.append(
                Position(
                    id: r.0, mode: mode, conditionId: r.2, asset: r.3, eventSlug: r.4, outcome: r.5, size: Micros(r.6),
                    averagePrice: Micros(r.7), cost: Micros(r.8), realizedPnl: Micros(r.9),
                    markPrice: r.10.map(Micros.init), status: status, entrySignalId: r.12, fees: Micros(r.13)))
        }
        return result
    }
}

/// ``DailyPnlRepository`` over PostgreSQL.
package struct DailyPnlPostgresRepository: DailyPnlRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    package func upsert(_ r: DailyPnl) async throws {
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO daily_pnl (day, mode, start_equity_micros, end_equity_micros, realized_pnl_micros,
                    unrealized_pnl_micros, fees_micros, exposure_micros)
                VALUES (\(r.day)::date, \(r.mode.rawValue), \(r.startEquity.raw), \(r.endEquity.raw), \(r.realizedPnl.raw),
                    \(r.unrealizedPnl.raw), \(r.fees.raw), \(r.exposure.raw))
                ON CONFLICT (day, mode) DO UPDATE SET start_equity_micros = EXCLUDED.start_equity_micros,
                    end_equity_micros = EXCLUDED.end_equity_micros, realized_pnl_micros = EXCLUDED.realized_pnl_micros,
                    unrealized_pnl_micros = EXCLUDED.unrealized_pnl_micros, fees_micros = EXCLUDED.fees_micros,
                    exposure_micros = EXCLUDED.exposure_micros, updated_at = now()
                """, logger: db.logger)
        }
    }

    package func mark(
        day: String, mode: RunMode, startEquity: Micros, endEquity: Micros, unrealized: Micros, exposure: Micros
    )
        async throws
    {
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO daily_pnl (day, mode, start_equity_micros, end_equity_micros, unrealized_pnl_micros, exposure_micros)
                VALUES (\(day)::date, \(mode.rawValue), \(startEquity.raw), \(endEquity.raw), \(unrealized.raw), \(exposure.raw))
                ON CONFLICT (day, mode) DO UPDATE SET end_equity_micros = EXCLUDED.end_equity_micros,
                    unrealized_pnl_micros = EXCLUDED.unrealized_pnl_micros, exposure_micros = EXCLUDED.exposure_micros,
                    updated_at = now()
                """, logger: db.logger)
        }
    }

    package func range(mode: RunMode, from: String, to: String) async throws -> [DailyPnl] {
        let rows = try await db.client.query(
            """
            SELECT to_char(day, 'YYYY-MM-DD'), start_equity_micros, end_equity_micros, realized_pnl_micros,
                   unrealized_pnl_micros, fees_micros, exposure_micros
            FROM daily_pnl WHERE mode = \(mode.rawValue) AND day BETWEEN \(from)::date AND \(to)::date ORDER BY day
            """, logger: db.logger)
        var result: [DailyPnl] = []
        for try await r in rows.decode((String, Int64, Int64, Int64, Int64, Int64, Int64).self) {
            result.append(
                DailyPnl(
                    day: r.0, mode: mode, startEquity: Micros(r.1), endEquity: Micros(r.2), realizedPnl: Micros(r.3),
                    unrealizedPnl: Micros(r.4), fees: Micros(r.5), exposure: Micros(r.6)))
        }
        return result
    }
}
