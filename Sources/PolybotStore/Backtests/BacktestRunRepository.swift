import Foundation
import PolybotCore
import PostgresNIO

/// A stored backtest run (its report is JSON text, as `polybot backtest --format json` prints it).
package struct BacktestRun: Sendable, Hashable {
    package var id: Int64
    package var startedAt: Int64
    package var finishedAt: Int64?
    /// running, completed, failed or interrupted.
    package var status: String
    package var source: String
    package var startedBy: String
    /// The options, JSON text.
    package var params: String
    package var verdict: String?
    package var edgeSignificant: Bool?
    /// The report, JSON text (nil until completed; list queries leave it out).
    package var report: String?
    package var error: String?
}

/// `backtest_runs` over PostgreSQL (migration 0009).
package struct BacktestRunRepository: Sendable {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    /// Records a run as started; returns its id.
    package func start(source: String, startedBy: String, params: String, at: Int64) async throws -> Int64 {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO backtest_runs (source, started_by, params, started_at)
                VALUES (\(source), \(startedBy), \(params)::jsonb, \(Date(unixSeconds: at))) RETURNING id
                """, logger: db.logger)
            for try await id in rows.decode(Int64.self) { return id }
            throw StoreError.notFound("backtest run not created")
        }
    }

    /// Stores a finished run's report and verdict.
    package func complete(id: Int64, report: String, verdict: String, edgeSignificant: Bool, at: Int64) async throws {
        try await mappingErrors {
            try await db.client.query(
                """
                UPDATE backtest_runs SET status = 'completed', report = \(report)::jsonb, verdict = \(verdict),
                    edge_significant = \(edgeSignificant), finished_at = \(Date(unixSeconds: at))
                WHERE id = \(id)
                """, logger: db.logger)
        }
    }

    /// Marks a run failed with its error.
    package func fail(id: Int64, error: String, at: Int64) async throws {
        try await mappingErrors {
            try await db.client.query(
                """
                UPDATE backtest_runs SET status = 'failed', error = \(error), finished_at = \(Date(unixSeconds: at))
                WHERE id = \(id)
                """, logger: db.logger)
        }
    }

    /// Marks every run still `running` as interrupted (at daemon start: nothing runs them any more). Returns how many.
    package func interruptRunning(at: Int64) async throws -> Int {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                UPDATE backtest_runs SET status = 'interrupted', error = 'the daemon restarted while it ran',
                    finished_at = \(Date(unixSeconds: at))
                WHERE status = 'running' RETURNING id
                """, logger: db.logger)
            var n = 0
            for try await _ in rows.decode(Int64.self) { n += 1 }
            return n
        }
    }

    /// Runs newest first, without their reports.
    package func list(limit: Int) async throws -> [BacktestRun] {
        try await mappingErrors {
            try await decode(
                db.client.query(
                    """
                    SELECT \(unescaped: Self.columns), NULL::text FROM backtest_runs
                    ORDER BY started_at DESC, id DESC LIMIT \(Int64(limit))
                    """, logger: db.logger))
        }
    }

    /// One run with its report.
    package func get(id: Int64) async throws -> BacktestRun? {
        try await mappingErrors {
            try await decode(
                db.client.query(
                    "SELECT \(unescaped: Self.columns), report::text FROM backtest_runs WHERE id = \(id)",
                    logger: db.logger)
            ).first
        }
    }

    private static let columns = """
        id, extract(epoch FROM started_at)::bigint, extract(epoch FROM finished_at)::bigint, status, source, started_by,
        params::text, verdict, edge_significant, error
        """

    private func decode(_ rows: PostgresRowSequence) async throws -> [BacktestRun] {
        var out: [BacktestRun] = []
        for try await r in rows.decode(
            (Int64, Int64, Int64?, String, String, String, String, String?, Bool?, String?, String?).self)
        {
            out.append(
                BacktestRun(
                    id: r.0, startedAt: r.1, finishedAt: r.2, status: r.3, source: r.4, startedBy: r.5, params: r.6,
                    verdict: r.7, edgeSignificant: r.8, report: r.10, error: r.9))
        }
        return out
    }
}
