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
    /// The resolutions of these markets that have resolved (a wallet's page reads its own markets, not every one).
    func resolutions(of conditionIds: [String]) async throws -> [String: MarketResolution]
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
                    let f = FeeColumns(m.fees)
                    try await conn.query(
                        """
                        INSERT INTO markets (condition_id, question, slug, event_slug, outcomes, token_ids, tick_size_micros,
                            min_order_size_micros, neg_risk, closed, winning_token_id, resolved_at, fee_status, fee_type,
                            fee_rate_micros, fee_exponent, fee_taker_only, fee_rebate_micros, fee_note)
                        VALUES (\(m.conditionId), \(m.question), \(m.slug), \(m.eventSlug), \(m.outcomes), \(m.tokenIds),
                            \(m.tickSize.raw), \(m.minOrderSize.raw), \(m.negRisk), \(m.closed), \(m.winningToken),
                            \(m.resolvedAt.map { Date(unixSeconds: $0) }), \(f.status), \(f.type), \(f.rate), \(f.exponent),
                            \(f.takerOnly), \(f.rebate), \(f.note))
                        ON CONFLICT (condition_id) DO UPDATE SET question = EXCLUDED.question, slug = EXCLUDED.slug,
                            event_slug = EXCLUDED.event_slug, outcomes = EXCLUDED.outcomes, token_ids = EXCLUDED.token_ids,
                            tick_size_micros = EXCLUDED.tick_size_micros, min_order_size_micros = EXCLUDED.min_order_size_micros,
                            neg_risk = EXCLUDED.neg_risk, closed = EXCLUDED.closed, fee_status = EXCLUDED.fee_status,
                            fee_type = EXCLUDED.fee_type, fee_rate_micros = EXCLUDED.fee_rate_micros,
                            fee_exponent = EXCLUDED.fee_exponent, fee_taker_only = EXCLUDED.fee_taker_only,
                            fee_rebate_micros = EXCLUDED.fee_rebate_micros, fee_note = EXCLUDED.fee_note,
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

    package func resolutions(of conditionIds: [String]) async throws -> [String: MarketResolution] {
        guard !conditionIds.isEmpty else { return [:] }
        return try await decode(
            db.client.query(
                """
                SELECT \(unescaped: Self.columns) FROM markets
                WHERE winning_token_id IS NOT NULL AND condition_id = ANY(\(conditionIds))
                """, logger: db.logger)
        ).mapValues(\.resolution)
    }

    private static let columns = """
        condition_id, question, slug, event_slug, outcomes, token_ids, tick_size_micros, min_order_size_micros, neg_risk, closed,
        winning_token_id, resolved_at, fee_status, fee_type, fee_rate_micros, fee_exponent, fee_taker_only, fee_rebate_micros,
        fee_note
        """

    private func decode(_ rows: PostgresRowSequence) async throws -> [String: MarketInfo] {
        var out: [String: MarketInfo] = [:]
        for try await r in rows.decode(
            (
                String, String, String, String, [String], [String], Int64, Int64, Bool, Bool, String?, Date?, String,
                String?, Int64?, Int16?, Bool?, Int64?, String?
            ).self)
        {
            let fees = FeeColumns(
                status: r.12, type: r.13, rate: r.14, exponent: r.15, takerOnly: r.16, rebate: r.17, note: r.18
            ).fees
            out[r.0] = MarketInfo(
                conditionId: r.0, question: r.1, slug: r.2, eventSlug: r.3, outcomes: r.4, tokenIds: r.5,
                tickSize: Micros(r.6), minOrderSize: Micros(r.7), negRisk: r.8, closed: r.9, winningToken: r.10,
                resolvedAt: r.11?.unixSeconds, fees: fees)
        }
        return out
    }
}

/// A market's fees as the `markets` table holds them (migration 0005).
struct FeeColumns {
    var status: String
    var type: String?
    var rate: Int64?
    var exponent: Int16?
    var takerOnly: Bool?
    var rebate: Int64?
    var note: String?

    init(
        status: String, type: String?, rate: Int64?, exponent: Int16?, takerOnly: Bool?, rebate: Int64?, note: String?
    ) {
        self.status = status
        self.type = type
        self.rate = rate
        self.exponent = exponent
        self.takerOnly = takerOnly
        self.rebate = rebate
        self.note = note
    }

    init(_ fees: MarketFees) {
        switch fees {
        case .notStated:
            self.init(status: "not_stated", type: nil, rate: nil, exponent: nil, takerOnly: nil, rebate: nil, note: nil)
        case .free:
            self.init(status: "free", type: nil, rate: nil, exponent: nil, takerOnly: nil, rebate: nil, note: nil)
        case .charged(let s, let type):
            self.init(
                status: "charged", type: type, rate: s.rate.raw, exponent: Int16(s.exponent), takerOnly: s.takerOnly,
                rebate: s.rebateRate.raw, note: nil)
        case .uncomputable(let why):
            self.init(
                status: "uncomputable", type: nil, rate: nil, exponent: nil, takerOnly: nil, rebate: nil, note: why)
        }
    }

    /// The stored fees; a `charged` row whose numbers no longer make a schedule reads as uncomputable (never as free).
    var fees: MarketFees {
        switch status {
        case "free": return .free
        case "charged":
            guard let rate, let exponent, let takerOnly, let rebate,
                let s = FeeSchedule(
                    rate: Micros(rate), exponent: Int(exponent), takerOnly: takerOnly, rebateRate: Micros(rebate))
            else { return .uncomputable("stored schedule unreadable") }
            return .charged(s, type: type)
        case "uncomputable": return .uncomputable(note ?? "")
        default: return .notStated
        }
    }
}
