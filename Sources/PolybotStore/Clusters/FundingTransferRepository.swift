import Foundation
import PolybotCore
import PostgresNIO

/// A collateral transfer as read from the chain: the transfer and where it is (one row per log).
package struct ChainTransfer: Sendable, Hashable {
    package var transfer: FundingTransfer
    package var transactionHash: String
    package var logIndex: Int
    package var block: Int64

    /// Creates a row.
    package init(transfer: FundingTransfer, transactionHash: String, logIndex: Int, block: Int64) {
        self.transfer = transfer
        self.transactionHash = transactionHash
        self.logIndex = logIndex
        self.block = block
    }
}

/// The funding evidence read from the chain (issue 31): collateral transfers into tracked wallets and their funders.
package struct FundingTransferRepository: Sendable {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    /// Records transfers once per log (a re-read window adds nothing). Returns how many were new.
    @discardableResult
    package func record(_ rows: [ChainTransfer]) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        return try await mappingErrors {
            let result = try await db.client.query(
                """
                INSERT INTO funding_transfers (transaction_hash, log_index, block, token, sender, recipient, amount_micros,
                                               transferred_at)
                SELECT tx, li, b, tk, f, t, a, to_timestamp(at)
                FROM unnest(\(rows.map { $0.transactionHash.lowercased() })::text[], \(rows.map { Int32($0.logIndex) })::int[],
                            \(rows.map(\.block))::bigint[], \(rows.map(\.transfer.token.hex))::text[],
                            \(rows.map(\.transfer.from.hex))::text[], \(rows.map(\.transfer.to.hex))::text[],
                            \(rows.map(\.transfer.amount.raw))::bigint[], \(rows.map(\.transfer.time))::bigint[])
                     AS r (tx, li, b, tk, f, t, a, at)
                ON CONFLICT (transaction_hash, log_index) DO NOTHING
                RETURNING 1
                """, logger: db.logger)
            var n = 0
            for try await _ in result { n += 1 }
            return n
        }
    }

    /// Every stored transfer, oldest first.
    package func all() async throws -> [FundingTransfer] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT extract(epoch FROM transferred_at)::bigint, token, sender, recipient, amount_micros
                FROM funding_transfers ORDER BY transferred_at, transaction_hash, log_index
                """, logger: db.logger)
            var out: [FundingTransfer] = []
            for try await (time, token, from, to, amount) in rows.decode((Int64, String, String, String, Int64).self) {
                guard let tk = Address(token), let f = Address(from), let t = Address(to) else {
                    throw StoreError.notFound("funding transfer \(from) → \(to)")
                }
                out.append(FundingTransfer(time: time, token: tk, from: f, to: t, amount: Micros(amount)))
            }
            return out
        }
    }
}
