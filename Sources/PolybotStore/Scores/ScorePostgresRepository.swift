import Foundation
import NIOCore
import PolybotCore
import PostgresNIO

/// ``ScoreRepository`` over PostgreSQL; snapshots go in with COPY.
package struct ScorePostgresRepository: ScoreRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    package func startRun(trigger: ScoringTrigger, walletsTotal: Int) async throws -> ScoringRun {
        // clock-edge: the nightly job's default scoring time is the daemon's wall clock (callers may pass a time)
        try await startRun(trigger: trigger, walletsTotal: walletsTotal, scoringTime: Date().unixSeconds)
    }

    package func startRun(trigger: ScoringTrigger, walletsTotal: Int, scoringTime: Int64) async throws -> ScoringRun {
        let params = "{\"scoringTime\":\(scoringTime)}"
        let rows = try await db.client.query(
            """
            INSERT INTO scoring_runs (trigger, wallets_total, params)
            VALUES (\(trigger.rawValue), \(Int32(walletsTotal)), \(params)::jsonb) RETURNING id
            """, logger: db.logger)
        for try await id in rows.decode(Int64.self) {
            return ScoringRun(
                id: id, status: .running, walletsTotal: walletsTotal, walletsScored: 0, scoringTime: scoringTime)
        }
        throw StoreError.corruptRow("scoring_runs insert returned no id")
    }

    package func unfinishedRun() async throws -> ScoringRun? {
        let rows = try await db.client.query(
            """
            SELECT id FROM scoring_runs WHERE status IN ('running', 'interrupted') ORDER BY id DESC LIMIT 1
            """, logger: db.logger)
        for try await id in rows.decode(Int64.self) { return try await run(id: id) }
        return nil
    }

    package func latest(wallets: [Address], excludingRun: Int64?) async throws -> [Address: WalletScore] {
        let rows = try await db.client.query(
            """
            SELECT DISTINCT ON (wallet) \(unescaped: Self.scoreColumns) FROM wallet_scores
            WHERE wallet = ANY(\(wallets.map(\.hex))) AND run_id IS DISTINCT FROM \(excludingRun)
            ORDER BY wallet, computed_at DESC, id DESC
            """, logger: db.logger)
        var out: [Address: WalletScore] = [:]
        for s in try await decodeScores(rows) { out[s.wallet] = s }
        return out
    }

    package func latestAll() async throws -> [Address: WalletScore] {
        let rows = try await db.client.query(
            """
            SELECT DISTINCT ON (wallet) \(unescaped: Self.scoreColumns) FROM wallet_scores ORDER BY wallet, computed_at DESC, id DESC
            """, logger: db.logger)
        var out: [Address: WalletScore] = [:]
        for s in try await decodeScores(rows) { out[s.wallet] = s }
        return out
    }

    package func sparklines(points: Int) async throws -> [Address: [Double]] {
        let rows = try await db.client.query(
            """
            SELECT wallet, array_agg(win_rate_lower_bound ORDER BY computed_at, id) FROM (
                SELECT wallet, win_rate_lower_bound, computed_at, id,
                       row_number() OVER (PARTITION BY wallet ORDER BY computed_at DESC, id DESC) AS n
                FROM wallet_scores) s
            WHERE n <= \(Int64(points)) GROUP BY wallet
            """, logger: db.logger)
        var out: [Address: [Double]] = [:]
        for try await (w, values) in rows.decode((String, [Double]).self) { if let a = Address(w) { out[a] = values } }
        return out
    }

    package func recordProgress(runId: Int64, walletsScored: Int, cursor: Address?) async throws {
        try await db.client.query(
            "UPDATE scoring_runs SET wallets_scored = \(Int32(walletsScored)), cursor_wallet = \(cursor?.hex) WHERE id = \(runId)",
            logger: db.logger)
    }

    package func finishRun(runId: Int64, status: ScoringRunStatus, error: String?) async throws {
        try await db.client.query(
            "UPDATE scoring_runs SET status = \(status.rawValue), error = \(error), finished_at = now() WHERE id = \(runId)",
            logger: db.logger)
    }

    package func run(id: Int64) async throws -> ScoringRun? {
        let rows = try await db.client.query(
            """
            SELECT id, status, wallets_total, wallets_scored, cursor_wallet, error,
                   coalesce((params->>'scoringTime')::bigint, extract(epoch FROM started_at)::bigint)
            FROM scoring_runs WHERE id = \(id)
            """, logger: db.logger)
        for try await (id, status, total, scored, cursor, error, time) in rows.decode(
            (Int64, String, Int32, Int32, String?, String?, Int64).self)
        {
            guard let s = ScoringRunStatus(rawValue: status) else { throw StoreError.corruptRow("run \(id)") }
            return ScoringRun(
                id: id, status: s, walletsTotal: Int(total), walletsScored: Int(scored),
                cursorWallet: cursor.flatMap { Address($0) }, error: error, scoringTime: time)
        }
        return nil
    }

    package func insertSnapshots(_ scores: [WalletScore], runId: Int64?) async throws -> Int {
        guard !scores.isEmpty else { return 0 }
        try await mappingErrors {
            try await db.client.withConnection { conn in
                try await conn.copyFrom(
                    table: "wallet_scores",
                    columns: [
                        "wallet", "run_id", "computed_at", "closed_positions", "open_positions", "win_rate",
                        "decayed_win_rate", "shrunk_win_rate", "win_rate_lower_bound", "sharpe", "kelly", "ev", "edge",
                        "realized_pnl_micros", "volume_micros", "markets", "trades", "class", "edge_se", "edge_z",
                        "p_value", "q_value", "resolved_markets", "markout_1h", "markout_24h", "markout_trades",
                        "resolved_events", "edge_over_calibration", "class_basis", "features",
                    ],
                    logger: db.logger
                ) { writer in
                    var buffer = ByteBuffer()
                    for s in scores {
                        try Self.appendRow(s, runId: runId, to: &buffer)
                        if buffer.readableBytes > (1 << 20) {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                }
            }
        }
        return scores.count
    }

    package func deleteSnapshots(runId: Int64, wallets: [Address]) async throws {
        try await db.client.query(
            "DELETE FROM wallet_scores WHERE run_id = \(runId) AND wallet = ANY(\(wallets.map(\.hex)))",
            logger: db.logger)
    }

    package func latest(_ wallet: Address) async throws -> WalletScore? {
        try await history(wallet, limit: 1).first
    }

    package func history(_ wallet: Address, limit: Int) async throws -> [WalletScore] {
        let rows = try await db.client.query(
            """
            SELECT \(unescaped: Self.scoreColumns)
            FROM wallet_scores WHERE wallet = \(wallet.hex) ORDER BY computed_at DESC, id DESC LIMIT \(Int64(limit))
            """, logger: db.logger)
        return try await decodeScores(rows)
    }

    private static let scoreColumns = """
        wallet, extract(epoch FROM computed_at)::bigint, closed_positions, open_positions, win_rate, decayed_win_rate,
        shrunk_win_rate, win_rate_lower_bound, sharpe, kelly, ev, edge, realized_pnl_micros, volume_micros, markets, trades, class,
        features::text, id, edge_se, edge_z, p_value, q_value, resolved_markets, markout_1h, markout_24h, markout_trades,
        class_basis::text, resolved_events, edge_over_calibration
        """

    private func decodeScores(_ rows: PostgresRowSequence) async throws -> [WalletScore] {
        var result: [WalletScore] = []
        for try await row in rows {
            let all = try row.decode(
                (
                    String, Int64, Int32, Int32, Double?, Double?, Double, Double, Double?, Double?, Double?, Double?,
                    Int64, Int64, Int32, Int32, String, String,
                    Int64, Double?, Double?, Double?, Double?, Int32, Double?, Double?, Int32, String?, Int32?, Double?
                ).self)
            let r = (
                all.0, all.1, all.2, all.3, all.4, all.5, all.6, all.7, all.8, all.9, all.10, all.11, all.12, all.13,
                all.14, all.15, all.16, all.17
            )
            let t = (all.18, all.19, all.20, all.21, all.22, all.23, all.24, all.25, all.26, all.27)
            guard let a = Address(r.0), let cls = WalletClass(rawValue: r.16) else {
                throw StoreError.corruptRow("score \(r.0)")
            }
            var basis: ClassBasis?
            if let text = t.9 {
                do { basis = try JSONDecoder().decode(ClassBasis.self, from: Data(text.utf8)) } catch {
                    throw StoreError.corruptRow("score \(t.0): class_basis is not a class decision (\(error))")
                }
            }
            result.append(
                WalletScore(
                    wallet: a, computedAt: r.1, closedPositions: Int(r.2), openPositions: Int(r.3), winRate: r.4,
                    decayedWinRate: r.5, shrunkWinRate: r.6, winRateLowerBound: r.7, sharpe: r.8, kelly: r.9, ev: r.10,
                    edge: r.11, realizedPnl: Micros(r.12), volume: Micros(r.13), markets: Int(r.14), trades: Int(r.15),
                    walletClass: cls, features: decodeFeatures(r.17), edgeStandardError: t.1, edgeZ: t.2, pValue: t.3,
                    qValue: t.4, resolvedMarkets: Int(t.5), markout1h: t.6, markout24h: t.7, markoutTrades: Int(t.8),
                    classBasis: basis, snapshotId: t.0, resolvedEvents: all.28.map(Int.init),
                    edgeOverCalibration: all.29))
        }
        return result
    }

    private static func appendRow(_ s: WalletScore, runId: Int64?, to b: inout ByteBuffer) throws {
        func opt(_ d: Double?) -> String { d.map { $0.isFinite ? "\($0)" : "\\N" } ?? "\\N" }
        let cells: [String] = [
            s.wallet.hex, runId.map(String.init) ?? "\\N",
            utcTimestampText(s.computedAt),
            String(s.closedPositions), String(s.openPositions), opt(s.winRate), opt(s.decayedWinRate),
            "\(s.shrunkWinRate)", "\(s.winRateLowerBound)", opt(s.sharpe), opt(s.kelly), opt(s.ev), opt(s.edge),
            String(s.realizedPnl.raw), String(s.volume.raw), String(s.markets), String(s.trades),
            s.walletClass.rawValue, opt(s.edgeStandardError), opt(s.edgeZ), opt(s.pValue), opt(s.qValue),
            String(s.resolvedMarkets), opt(s.markout1h), opt(s.markout24h), String(s.markoutTrades),
            s.resolvedEvents.map(String.init) ?? "\\N", opt(s.edgeOverCalibration),
        ]
        for c in cells {
            b.writeString(c)
            b.writeInteger(UInt8(ascii: "\t"))
        }
        if let basis = s.classBasis {
            // ClassBasis's coding keys, sorted; values that are not finite are left out.
            var json = "{\"features\":"
            JSONText.object(basis.features, into: &json)
            json += ",\"rule\":"
            JSONText.string(basis.rule, into: &json)
            json += ",\"thresholds\":"
            JSONText.object(basis.thresholds, into: &json)
            json += "}"
            CopyText.field(json, &b)
        } else {
            b.writeString("\\N")
        }
        b.writeInteger(UInt8(ascii: "\t"))
        CopyText.field(jsonText(s.features), &b)
        b.writeInteger(UInt8(ascii: "\n"))
    }
}
