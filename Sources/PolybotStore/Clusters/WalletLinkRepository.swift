import Foundation
import PolybotCore
import PostgresNIO

/// Links between wallets that are one trader, with their evidence and the time each became known (issue 31).
package struct WalletLinkRepository: Sendable {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    /// Records links; a pair already linked by the same kind of evidence keeps the earliest time it was known (an
    /// earlier one replaces a later record with its evidence). Returns how many pairs were new.
    @discardableResult
    package func record(_ links: [WalletLink]) async throws -> Int {
        guard !links.isEmpty else { return 0 }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let evidence = try links.map { String(decoding: try encoder.encode($0.evidence), as: UTF8.self) }
        return try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO wallet_links (wallet_a, wallet_b, kind, since, evidence)
                SELECT a, b, k, to_timestamp(s), e::jsonb
                FROM unnest(\(links.map(\.a.hex))::text[], \(links.map(\.b.hex))::text[], \(links.map(\.kind))::text[],
                            \(links.map(\.since))::bigint[], \(evidence)::text[]) AS l (a, b, k, s, e)
                ON CONFLICT (wallet_a, wallet_b, kind) DO UPDATE SET since = EXCLUDED.since, evidence = EXCLUDED.evidence
                    WHERE EXCLUDED.since < wallet_links.since
                RETURNING (xmax = 0)
                """, logger: db.logger)
            var n = 0
            for try await inserted in rows.decode(Bool.self) where inserted { n += 1 }
            return n
        }
    }

    /// Every link, by the time it became known.
    package func all() async throws -> [WalletLink] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT wallet_a, wallet_b, extract(epoch FROM since)::bigint, evidence::text
                FROM wallet_links ORDER BY since, wallet_a, wallet_b, kind
                """, logger: db.logger)
            var out: [WalletLink] = []
            let decoder = JSONDecoder()
            for try await (a, b, since, evidence) in rows.decode((String, String, Int64, String).self) {
                guard let x = Address(a), let y = Address(b) else { throw StoreError.notFound("wallet link \(a) \(b)") }
                let e = try decoder.decode(WalletLink.Evidence.self, from: Data(evidence.utf8))
                out.append(WalletLink(x, y, since: since, evidence: e))
            }
            return out
        }
    }

    /// Records an operator's split.
    package func split(_ s: WalletSplit) async throws {
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO wallet_splits (wallet, since, reason)
                VALUES (\(s.wallet.hex), to_timestamp(\(s.since)), \(s.reason))
                """, logger: db.logger)
        }
    }

    /// Every split, by time.
    package func splits() async throws -> [WalletSplit] {
        try await mappingErrors {
            let rows = try await db.client.query(
                "SELECT wallet, extract(epoch FROM since)::bigint, reason FROM wallet_splits ORDER BY since, id",
                logger: db.logger)
            var out: [WalletSplit] = []
            for try await (w, since, reason) in rows.decode((String, Int64, String).self) {
                guard let a = Address(w) else { throw StoreError.notFound("wallet split \(w)") }
                out.append(WalletSplit(wallet: a, since: since, reason: reason))
            }
            return out
        }
    }

    /// The stored links and splits as one timeline.
    package func clusters() async throws -> WalletClusters {
        WalletClusters(links: try await all(), splits: try await splits())
    }
}
