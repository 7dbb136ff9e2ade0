import Foundation
import PolybotCore
import PostgresNIO

/// Persistence of market metadata and resolutions.
package protocol MarketRepository: Sendable {
    /// Inserts or replaces markets (matched on condition id).
    func upsert(_ markets: [MarketInfo]) async throws
    /// Markets by condition id.
    func get(_ conditionIds: [String]) async throws -> [String: MarketInfo]
    /// Every resolved market's resolution.
    func resolutions() async throws -> [String: MarketResolution]
}

/// ``MarketRepository`` over PostgreSQL.
package struct MarketPostgresRepository: MarketRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    package func upsert(_ markets: [MarketInfo]) async throws {
        try await mappingErrors {
            try await db.client.withTransaction(logger: db.logger) { conn in
                for m in markets {
                    try await conn.query(
                        """
                        INSERT INTO markets (condition_id, question, slug, event_slug, outcomes, token_ids, tick_size_micros,
                            min_order_size_micros, neg_risk, closed, winning_token_id, resolved_at)
                        VALUES (\(m.conditionId), \(m.question), \(m.slug), \(m.eventSlug), \(m.outcomes), \(m.tokenIds),
                            \(m.tickSize.raw), \(m.minOrderSize.raw), \(m.negRisk), \(m.closed), \(m.winningToken),
                            \(m.resolvedAt.map { Date(unixSeconds: $0) }))
                        ON CONFLICT (condition_id) DO UPDATE SET question = EXCLUDED.question, slug = EXCLUDED.slug,
                            event_slug = EXCLUDED.event_slug, outcomes = EXCLUDED.outcomes, token_ids = EXCLUDED.token_ids,
                            tick_size_micros = EXCLUDED.tick_size_micros, min_order_size_micros = EXCLUDED.min_order_size_micros,
                            neg_risk = EXCLUDED.neg_risk, closed = EXCLUDED.closed,
                            winning_token_id = coalesce(EXCLUDED.winning_token_id, markets.winning_token_id),
                            resolved_at = coalesce(EXCLUDED.resolved_at, markets.resolved_at), updated_at = now()
                        """, logger: db.logger)
                }
            }
        }
    }

    package func get(_ conditionIds: [String]) async throws -> [String: MarketInfo] {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM markets WHERE condition_id = ANY(\(conditionIds))",
                logger: db.logger))
    }

    package func resolutions() async throws -> [String: MarketResolution] {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM markets WHERE winning_token_id IS NOT NULL", logger: db.logger)
        ).mapValues(\.resolution)
    }

    private static let columns = """
        condition_id, question, slug, event_slug, outcomes, token_ids, tick_size_micros, min_order_size_micros, neg_risk, closed,
        winning_token_id, resolved_at
        """

    private func decode(_ rows: PostgresRowSequence) async throws -> [String: MarketInfo] {
        var out: [String: MarketInfo] = [:]
        for try await r in rows.decode(
            (String, String, String, String, [String], [String], Int64, Int64, Bool, Bool, String?, Date?).self)
        {
            out[r.0] = MarketInfo(
                conditionId: r.0, question: r.1, slug: r.2, eventSlug: r.3, outcomes: r.4, tokenIds: r.5,
                tickSize: Micros(r.6), minOrderSize: Micros(r.7), negRisk: r.8, closed: r.9, winningToken: r.10,
                resolvedAt: r.11?.unixSeconds)
        }
        return out
    }
}
