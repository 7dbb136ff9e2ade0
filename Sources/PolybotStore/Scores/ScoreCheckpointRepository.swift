import Foundation
import NIOCore
import PolybotCore
import PostgresNIO

/// The scoring fold's saved state after a run (issue 32): what the next nightly run continues from.
package struct ScoreCheckpoint: Sendable {
    /// The run that made it.
    package var runId: Int64
    /// Its scoring time: the fold holds every stored trade before it.
    package var scoringTime: Int64
    /// The wallet clusters the wash filter used, one line per cluster.
    package var clusters: String
    /// Trades stored before the scoring time when the fold read them, and the largest id among them.
    package var tradesBefore: Int64
    package var maxTradeId: Int64
    /// The sum of their ids (decimal): with the count and the largest, a removal and a late arrival do not cancel out.
    package var idSum: String
    /// ``ScoreFold/checkpoint()``.
    package var fold: [UInt8]
    /// The co-trading test's archive.
    package var coTrading: [UInt8]

    /// Creates a checkpoint.
    package init(
        runId: Int64, scoringTime: Int64, clusters: String, tradesBefore: Int64, maxTradeId: Int64, idSum: String,
        fold: [UInt8], coTrading: [UInt8]
    ) {
        self.idSum = idSum
        self.runId = runId
        self.scoringTime = scoringTime
        self.clusters = clusters
        self.tradesBefore = tradesBefore
        self.maxTradeId = maxTradeId
        self.fold = fold
        self.coTrading = coTrading
    }
}

/// `score_checkpoints` over PostgreSQL: one checkpoint kept (the newest), written in parts in one transaction.
package struct ScoreCheckpointRepository: Sendable {
    let db: Database
    /// Bytes per stored part.
    static let partBytes = 64 << 20

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    /// Saves a run's checkpoint and drops the others but the newest completed run's (a run continues only from the
    /// newest completed one; this run's becomes it once the run completes).
    package func save(_ c: ScoreCheckpoint) async throws {
        try await db.client.withTransaction(logger: db.logger) { conn in
            try await conn.query(
                """
                DELETE FROM score_checkpoints WHERE run_id <> \(c.runId) AND run_id IS DISTINCT FROM (
                    SELECT k.run_id FROM score_checkpoints k JOIN scoring_runs r ON r.id = k.run_id
                    WHERE r.status = 'completed' ORDER BY k.run_id DESC LIMIT 1)
                """, logger: db.logger)
            try await conn.query("DELETE FROM score_checkpoints WHERE run_id = \(c.runId)", logger: db.logger)
            try await conn.query(
                """
                INSERT INTO score_checkpoints (run_id, scoring_time, clusters, trades_before, max_trade_id, id_sum)
                VALUES (\(c.runId), \(Date(unixSeconds: c.scoringTime)), \(c.clusters), \(c.tradesBefore),
                        \(c.maxTradeId), \(c.idSum)::numeric)
                """, logger: db.logger)
            for (kind, bytes) in [("fold", c.fold), ("cotrading", c.coTrading)] {
                var part: Int32 = 0
                var start = 0
                repeat {
                    let end = min(start + Self.partBytes, bytes.count)
                    var buffer = ByteBuffer()
                    buffer.writeBytes(bytes[start..<end])
                    try await conn.query(
                        """
                        INSERT INTO score_checkpoint_parts (run_id, kind, part, bytes)
                        VALUES (\(c.runId), \(kind), \(part), \(buffer))
                        """, logger: db.logger)
                    part += 1
                    start = end
                } while start < bytes.count
            }
        }
    }

    /// The checkpoint of the newest completed run that saved one, if any.
    package func latest() async throws -> ScoreCheckpoint? {
        let rows = try await db.client.query(
            """
            SELECT c.run_id, c.scoring_time, c.clusters, c.trades_before, c.max_trade_id, c.id_sum::text
            FROM score_checkpoints c JOIN scoring_runs r ON r.id = c.run_id
            WHERE r.status = 'completed' ORDER BY c.run_id DESC LIMIT 1
            """, logger: db.logger)
        var found: ScoreCheckpoint?
        for try await (run, time, clusters, before, maxId, sum) in rows.decode(
            (Int64, Date, String, Int64, Int64, String).self)
        {
            found = ScoreCheckpoint(
                runId: run, scoringTime: time.unixSeconds, clusters: clusters, tradesBefore: before,
                maxTradeId: maxId, idSum: sum, fold: [], coTrading: [])
        }
        guard var c = found else { return nil }
        let parts = try await db.client.query(
            "SELECT kind, bytes FROM score_checkpoint_parts WHERE run_id = \(c.runId) ORDER BY kind, part",
            logger: db.logger)
        for try await (kind, buffer) in parts.decode((String, ByteBuffer).self) {
            guard let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) else {
                throw StoreError.corruptRow("checkpoint part of run \(c.runId)")
            }
            if kind == "fold" { c.fold += bytes } else { c.coTrading += bytes }
        }
        return c
    }
}
