import Foundation
import PolybotCore
import PostgresNIO

/// A stored signal, as the dashboard lists it.
package struct SignalRow: Sendable, Hashable, Codable {
    package var id: Int64
    package var key: String
    package var basketId: Int64?
    package var conditionId: String
    package var asset: String
    package var outcome: String
    package var agreeing: Int
    package var opposing: Int
    package var ratio: Double
    package var wallets: [String]
    package var whalePrice: Micros
    package var whaleNotional: Micros
    package var bestAsk: Micros?
    package var status: String
    package var reason: String
    package var createdAt: Int64
    /// The agreeing clusters (wallets of one trader each); nil on a signal stored before clusters.
    package var votes: [[String]]? = nil

    /// The stored `votes` JSON (arrays of addresses), decoded.
    static func votes(_ text: String?) throws -> [[String]]? {
        try text.map { try JSONDecoder().decode([[String]].self, from: Data($0.utf8)) }
    }
}

/// A stored risk decision.
package struct DecisionRow: Sendable, Hashable, Codable {
    package var id: Int64
    package var signalId: Int64?
    package var approved: Bool
    package var reason: String
    /// The numbers behind it, JSON text.
    package var context: String
    package var size: Micros?
    package var price: Micros?
    package var decidedAt: Int64
}

/// Read models of the dashboard and API over signals and risk decisions (paged newest first by id).
package struct ActivityQueries: Sendable {
    let db: Database

    /// Creates the queries.
    package init(db: Database) { self.db = db }

    /// Signals newest first, optionally one status.
    package func signals(status: String?, beforeId: Int64?, limit: Int) async throws -> [SignalRow] {
        let rows = try await db.client.query(
            """
            SELECT id, signal_key, basket_id, condition_id, asset, outcome, agreeing, opposing, ratio, wallets, whale_avg_price_micros,
                   whale_notional_micros, best_ask_micros, status, status_reason, extract(epoch FROM created_at)::bigint,
                   votes::text
            FROM signals WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(beforeId)::bigint IS NULL OR id < \(beforeId))
            ORDER BY id DESC LIMIT \(Int64(limit))
            """, logger: db.logger)
        var out: [SignalRow] = []
        for try await r in rows.decode(
            (
                Int64, String, Int64?, String, String, String, Int32, Int32, Double, [String], Int64, Int64, Int64?,
                String, String, Int64, String?
            ).self)
        {
            out.append(
                SignalRow(
                    id: r.0, key: r.1, basketId: r.2, conditionId: r.3, asset: r.4, outcome: r.5, agreeing: Int(r.6),
                    opposing: Int(r.7), ratio: r.8, wallets: r.9, whalePrice: Micros(r.10), whaleNotional: Micros(r.11),
                    bestAsk: r.12.map(Micros.init), status: r.13, reason: r.14, createdAt: r.15,
                    votes: try SignalRow.votes(r.16)))
        }
        return out
    }

    /// Risk decisions newest first, optionally only denials.
    package func decisions(deniedOnly: Bool, beforeId: Int64?, limit: Int) async throws -> [DecisionRow] {
        let rows = try await db.client.query(
            """
            SELECT id, signal_id, approved, reason, context::text, size_micros, price_micros, extract(epoch FROM decided_at)::bigint
            FROM risk_decisions WHERE (NOT \(deniedOnly) OR NOT approved) AND (\(beforeId)::bigint IS NULL OR id < \(beforeId))
            ORDER BY id DESC LIMIT \(Int64(limit))
            """, logger: db.logger)
        var out: [DecisionRow] = []
        for try await r in rows.decode((Int64, Int64?, Bool, String, String, Int64?, Int64?, Int64).self) {
            out.append(
                DecisionRow(
                    id: r.0, signalId: r.1, approved: r.2, reason: r.3, context: r.4, size: r.5.map(Micros.init),
                    price: r.6.map(Micros.init), decidedAt: r.7))
        }
        return out
    }
}
