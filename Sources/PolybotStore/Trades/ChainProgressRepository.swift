import PolybotCore
import PostgresNIO

/// `chain_progress`: the last block a chain source delivered as final, per source name.
package struct ChainProgressRepository: ChainCheckpoints {
    let db: Database
    /// The source's name (one row per chain source).
    package let source: String

    /// Creates the repository for one source.
    package init(db: Database, source: String = "polygon") {
        self.db = db
        self.source = source
    }

    package func load() async throws -> ChainCheckpoint? {
        try await mappingErrors {
            let rows = try await db.client.query(
                "SELECT block, block_hash FROM chain_progress WHERE source = \(source)", logger: db.logger)
            for try await (block, hash) in rows.decode((Int64, String).self) {
                return ChainCheckpoint(block: block, hash: hash)
            }
            return nil
        }
    }

    package func save(_ checkpoint: ChainCheckpoint) async throws {
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO chain_progress (source, block, block_hash) VALUES (\(source), \(checkpoint.block), \(checkpoint.hash))
                ON CONFLICT (source) DO UPDATE SET block = EXCLUDED.block, block_hash = EXCLUDED.block_hash,
                    updated_at = now()
                """, logger: db.logger)
        }
    }
}
