import Foundation
import PolybotCore
import PostgresNIO

/// Persistence of copy signals and risk decisions.
package protocol SignalRepository: Sendable {
    /// Stores a signal once: returns its id, and whether this call created it (false: the key existed).
    func record(_ signal: CopySignal, eventSlug: String) async throws -> (id: Int64, created: Bool)
    /// Updates a signal's status (`sized`, `approved`, `denied`, `skipped`, `ordered`, `filled`, `rejected`, `expired`,
    /// `failed`) with the reason.
    func setStatus(id: Int64, _ status: String, reason: String) async throws
    /// The wallets that agreed on a signal.
    func agreeingWallets(signalId: Int64) async throws -> [Address]
    /// Signals newest first (id, key, status, reason).
    func recent(limit: Int) async throws -> [(id: Int64, key: String, status: String, reason: String)]
    /// Stores a risk decision for a signal.
    func recordDecision(signalId: Int64?, decision: RiskDecision, intent: OrderIntent?) async throws
    /// A signal's status, nil when there is no such signal.
    func status(id: Int64) async throws -> String?
    /// Keys and creation times (Unix seconds) of a basket's signals created at or after `since`.
    func keys(basketId: Int64, since: Int64) async throws -> [(key: String, createdAt: Int64)]
    /// Ends every signal still `new` or `sized` — left so by a stop before it was acted on — as `expired` with the
    /// reason; returns how many. Run before this process creates signals.
    func closeInterrupted(reason: String) async throws -> Int
}

/// ``SignalRepository`` over PostgreSQL.
package struct SignalPostgresRepository: SignalRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    /// The agreeing clusters as a JSON array of arrays of addresses (nil: a signal built without clusters).
    static func votesJSON(_ votes: [[Address]]?) -> String? {
        votes.map {
            "[" + $0.map { "[" + $0.map { "\"\($0.hex)\"" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        }
    }

    package func record(_ s: CopySignal, eventSlug: String) async throws -> (id: Int64, created: Bool) {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO signals (signal_key, basket_id, condition_id, asset, outcome, agreeing, opposing, ratio, wallets,
                    whale_avg_price_micros, whale_notional_micros, best_ask_micros, created_at, score_ids, votes, trade_ids)
                VALUES (\(s.key), \(s.basketId), \(s.conditionId), \(s.asset), \(s.outcome), \(Int32(s.agreeing.count)),
                    \(Int32(s.opposing.count)), \(s.ratio), \(s.agreeing.map(\.hex)), \(s.whaleAveragePrice.raw),
                    \(s.whaleNotional.raw), \(s.bestAsk.raw), \(Date(unixSeconds: s.createdAt)), \(s.scoreIds ?? []),
                    \(Self.votesJSON(s.votes))::jsonb,
                    -- The stored trades it was made of (a reorg that takes one back finds the signal by them).
                    (SELECT coalesce(array_agg(w.id ORDER BY w.id), '{}') FROM whale_trades w
                     JOIN unnest(\(s.trades.map(\.transactionHash))::text[], \(s.trades.map(\.wallet.hex))::text[],
                                 \(s.trades.map(\.asset))::text[], \(s.trades.map(\.side.rawValue))::text[],
                                 \(s.trades.map(\.size.raw))::bigint[], \(s.trades.map { Int32(clamping: $0.ordinal) })::int[])
                          AS k (tx, wallet, asset, side, size, ordinal)
                       ON w.transaction_hash = k.tx AND w.wallet = k.wallet AND w.asset = k.asset AND w.side = k.side
                      AND w.size_micros = k.size AND w.ordinal = k.ordinal))
                ON CONFLICT (signal_key) DO NOTHING RETURNING id
                """, logger: db.logger)
            for try await id in rows.decode(Int64.self) { return (id, true) }
            let existing = try await db.client.query(
                "SELECT id FROM signals WHERE signal_key = \(s.key)", logger: db.logger)
            for try await id in existing.decode(Int64.self) { return (id, false) }
            throw StoreError.notFound("signal \(s.key)")
        }
    }

    package func status(id: Int64) async throws -> String? {
        try await mappingErrors {
            let rows = try await db.client.query("SELECT status FROM signals WHERE id = \(id)", logger: db.logger)
            for try await s in rows.decode(String.self) { return s }
            return nil
        }
    }

    package func keys(basketId: Int64, since: Int64) async throws -> [(key: String, createdAt: Int64)] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT signal_key, created_at FROM signals
                WHERE basket_id = \(basketId) AND created_at >= \(Date(unixSeconds: since))
                """, logger: db.logger)
            var out: [(key: String, createdAt: Int64)] = []
            for try await (key, at) in rows.decode((String, Date).self) { out.append((key, at.unixSeconds)) }
            return out
        }
    }

    package func closeInterrupted(reason: String) async throws -> Int {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                UPDATE signals SET status = 'expired', status_reason = \(reason)
                WHERE status IN ('new', 'sized') RETURNING id
                """, logger: db.logger)
            var n = 0
            for try await _ in rows.decode(Int64.self) { n += 1 }
            return n
        }
    }

    package func setStatus(id: Int64, _ status: String, reason: String) async throws {
        try await mappingErrors {
            try await db.client.query(
                "UPDATE signals SET status = \(status), status_reason = \(reason) WHERE id = \(id)", logger: db.logger)
        }
    }

    package func agreeingWallets(signalId: Int64) async throws -> [Address] {
        let rows = try await db.client.query("SELECT wallets FROM signals WHERE id = \(signalId)", logger: db.logger)
        for try await wallets in rows.decode([String].self) { return wallets.compactMap(Address.init) }
        return []
    }

    package func recent(limit: Int) async throws -> [(id: Int64, key: String, status: String, reason: String)] {
        let rows = try await db.client.query(
            "SELECT id, signal_key, status, status_reason FROM signals ORDER BY id DESC LIMIT \(limit)",
            logger: db.logger)
        var out: [(id: Int64, key: String, status: String, reason: String)] = []
        for try await (id, key, status, reason) in rows.decode((Int64, String, String, String).self) {
            out.append((id, key, status, reason))
        }
        return out
    }

    package func recordDecision(signalId: Int64?, decision: RiskDecision, intent: OrderIntent?) async throws {
        let (approved, reason, context): (Bool, String, [String: String]) =
            switch decision {
            case .approved: (true, "approved", [:])
            case .denied(let r, let c): (false, r.rawValue, c)
            }
        let contextJSON = String(decoding: (try? JSONEncoder.sorted.encode(context)) ?? Data("{}".utf8), as: UTF8.self)
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO risk_decisions (signal_id, approved, reason, context, size_micros, price_micros, score_ids)
                VALUES (\(signalId), \(approved), \(reason), \(contextJSON)::jsonb, \(intent?.shares.raw), \(intent?.price.raw),
                    \(intent?.scoreIds ?? []))
                """, logger: db.logger)
        }
    }
}
