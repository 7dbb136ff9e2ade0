import Foundation
import PolybotCore
import PostgresNIO

/// A signal with what became of it: its basket, our entry's fill and, when risk said no, why.
package struct LedgerRow: Sendable, Hashable {
    package var signal: SignalRow
    package var basketName: String?
    /// Our entry order's status and fill (nil: no entry order was made).
    package var entryStatus: String?
    package var filledShares: Micros
    package var filledCost: Micros
    package var fee: Micros
    /// The latest denial's reason, if risk denied it.
    package var deniedReason: String?
}

/// Exposure of open positions grouped by event.
package struct EventExposure: Sendable, Hashable {
    package var eventSlug: String
    package var positions: Int
    package var cost: Micros
    package var unrealizedPnl: Micros
}

/// One of our filled entries with the wallets that agreed on its signal (copyability's input).
package struct CopiedFill: Sendable, Hashable {
    package var conditionId: String
    package var asset: String
    package var wallets: [String]
    package var whalePrice: Micros?
    package var shares: Micros
    package var cost: Micros
    package var fee: Micros
}

/// Read models of the whale-intelligence pages: the signal ledger, market categories, exposure by event, our
/// copied fills per wallet, and which markets still need their metadata fetched.
package struct InsightQueries: Sendable {
    let db: Database

    /// Creates the queries.
    package init(db: Database) { self.db = db }

    /// Signals newest first with their entry and denial (paged by id).
    package func ledger(beforeId: Int64?, limit: Int) async throws -> [LedgerRow] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT s.id, s.signal_key, s.basket_id, s.condition_id, s.asset, s.outcome, s.agreeing, s.opposing, s.ratio,
                       s.wallets, s.whale_avg_price_micros, s.whale_notional_micros, s.best_ask_micros, s.status,
                       s.status_reason, extract(epoch FROM s.created_at)::bigint, b.name, o.status,
                       coalesce(o.filled_size_micros, 0), coalesce(o.filled_cost_micros, 0), coalesce(o.fee_micros, 0),
                       (SELECT d.reason FROM risk_decisions d WHERE d.signal_id = s.id AND NOT d.approved
                        ORDER BY d.id DESC LIMIT 1),
                       s.votes::text
                FROM signals s
                LEFT JOIN whale_baskets b ON b.id = s.basket_id
                LEFT JOIN copy_orders o ON o.signal_id = s.id AND o.purpose = 'entry'
                WHERE (\(beforeId)::bigint IS NULL OR s.id < \(beforeId))
                ORDER BY s.id DESC LIMIT \(Int64(limit))
                """, logger: db.logger)
            var out: [LedgerRow] = []
            for try await r in rows.decode(
                (
                    Int64, String, Int64?, String, String, String, Int32, Int32, Double, [String], Int64, Int64,
                    Int64?, String, String, Int64, String?, String?, Int64, Int64, Int64, String?, String?
                ).self)
            {
                out.append(
                    LedgerRow(
                        signal: SignalRow(
                            id: r.0, key: r.1, basketId: r.2, conditionId: r.3, asset: r.4, outcome: r.5,
                            agreeing: Int(r.6), opposing: Int(r.7), ratio: r.8, wallets: r.9, whalePrice: Micros(r.10),
                            whaleNotional: Micros(r.11), bestAsk: r.12.map(Micros.init), status: r.13, reason: r.14,
                            createdAt: r.15, votes: try SignalRow.votes(r.22)),
                        basketName: r.16, entryStatus: r.17, filledShares: Micros(r.18), filledCost: Micros(r.19),
                        fee: Micros(r.20), deniedReason: r.21))
            }
            return out
        }
    }

    /// Each known market's category: the stored category, else the venue's fee category (`politics_fees` →
    /// `politics`); markets with neither are absent.
    package func marketCategories() async throws -> [String: String] {
        try await categories(of: nil)
    }

    /// The categories of these markets, as ``marketCategories()`` gives them (a wallet's page reads its own markets).
    package func marketCategories(of conditionIds: [String]) async throws -> [String: String] {
        conditionIds.isEmpty ? [:] : try await categories(of: conditionIds)
    }

    /// Categories of the markets named (nil: every market).
    private func categories(of conditionIds: [String]?) async throws -> [String: String] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT condition_id, coalesce(nullif(category, ''), regexp_replace(coalesce(fee_type, ''), '_fees$', ''))
                FROM markets WHERE \(conditionIds)::text[] IS NULL OR condition_id = ANY(\(conditionIds))
                """, logger: db.logger)
            var out: [String: String] = [:]
            for try await (id, category) in rows.decode((String, String).self) where !category.isEmpty {
                out[id] = category
            }
            return out
        }
    }

    /// Each wallet's whale-trade volume by market category (markets without a category count as `other`).
    package func walletCategoryVolume() async throws -> [String: [String: Micros]] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT t.wallet,
                       coalesce(nullif(coalesce(nullif(m.category, ''), regexp_replace(coalesce(m.fee_type, ''), '_fees$', '')), ''), 'other'),
                       sum(t.notional_micros)::bigint
                FROM whale_trades t LEFT JOIN markets m ON m.condition_id = t.condition_id
                GROUP BY 1, 2
                """, logger: db.logger)
            var out: [String: [String: Micros]] = [:]
            for try await (wallet, category, volume) in rows.decode((String, String, Int64).self) {
                out[wallet, default: [:]][category] = Micros(volume)
            }
            return out
        }
    }

    /// Open positions' cost and unrealised PnL by event, largest first.
    package func exposureByEvent(mode: RunMode) async throws -> [EventExposure] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT event_slug, count(*)::int, sum(cost_micros)::bigint,
                       sum(CASE WHEN mark_price_micros IS NULL THEN 0
                                ELSE (size_micros::numeric * mark_price_micros / 1000000)::bigint - cost_micros END)::bigint
                FROM positions WHERE mode = \(mode.rawValue) AND status = 'open'
                GROUP BY event_slug ORDER BY 3 DESC, 1
                """, logger: db.logger)
            var out: [EventExposure] = []
            for try await (slug, n, cost, unrealized) in rows.decode((String, Int32, Int64, Int64).self) {
                out.append(
                    EventExposure(
                        eventSlug: slug, positions: Int(n), cost: Micros(cost), unrealizedPnl: Micros(unrealized)))
            }
            return out
        }
    }

    /// Our filled entries with their signal's agreeing wallets (optionally only those including `wallet`).
    package func copiedFills(mode: RunMode, wallet: Address? = nil) async throws -> [CopiedFill] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT o.condition_id, o.asset, s.wallets, coalesce(o.whale_price_micros, s.whale_avg_price_micros),
                       o.filled_size_micros, o.filled_cost_micros, o.fee_micros
                FROM copy_orders o JOIN signals s ON s.id = o.signal_id
                WHERE o.purpose = 'entry' AND o.mode = \(mode.rawValue) AND o.filled_size_micros > 0
                  AND (\(wallet?.hex)::text IS NULL OR \(wallet?.hex) = ANY(s.wallets))
                ORDER BY o.id
                """, logger: db.logger)
            var out: [CopiedFill] = []
            for try await r in rows.decode((String, String, [String], Int64?, Int64, Int64, Int64).self) {
                out.append(
                    CopiedFill(
                        conditionId: r.0, asset: r.1, wallets: r.2, whalePrice: r.3.map(Micros.init),
                        shares: Micros(r.4), cost: Micros(r.5), fee: Micros(r.6)))
            }
            return out
        }
    }

    /// Condition ids we hold trades, signals or positions in but have no market row for (fetch these from Gamma).
    package func marketsWithoutMetadata(limit: Int) async throws -> [String] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT id FROM (
                    SELECT DISTINCT condition_id AS id FROM whale_trades
                    UNION SELECT DISTINCT condition_id FROM signals
                    UNION SELECT DISTINCT condition_id FROM positions) ids
                WHERE NOT EXISTS (SELECT 1 FROM markets m WHERE m.condition_id = ids.id)
                ORDER BY id LIMIT \(Int64(limit))
                """, logger: db.logger)
            var out: [String] = []
            for try await id in rows.decode(String.self) { out.append(id) }
            return out
        }
    }

    /// Known markets without a resolution that we hold positions in or saw trades in since `since` (refresh these).
    package func unresolvedMarkets(since: Int64, limit: Int) async throws -> [String] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT m.condition_id FROM markets m
                WHERE m.winning_token_id IS NULL AND (
                    EXISTS (SELECT 1 FROM positions p WHERE p.condition_id = m.condition_id AND p.status = 'open')
                    OR EXISTS (SELECT 1 FROM whale_trades t WHERE t.condition_id = m.condition_id
                               AND t.traded_at >= \(Date(unixSeconds: since))))
                ORDER BY m.updated_at, m.condition_id LIMIT \(Int64(limit))
                """, logger: db.logger)
            var out: [String] = []
            for try await id in rows.decode(String.self) { out.append(id) }
            return out
        }
    }

    /// Tokens whose market's resolution is awaited, for the market channel's `market_resolved`: those of open
    /// positions first, then those of whale trades since `since` (most recently traded first), in markets not known to
    /// be resolved.
    package func awaitedResolutionTokens(
        since: Int64, limit: Int
    ) async throws -> [(conditionId: String, token: String)] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT w.condition_id, w.asset FROM (
                    SELECT p.condition_id, p.asset, 0 AS rank, NULL::timestamptz AS last FROM positions p
                    WHERE p.status = 'open'
                    UNION ALL
                    SELECT t.condition_id, t.asset, 1, max(t.traded_at) FROM whale_trades t
                    WHERE t.traded_at >= \(Date(unixSeconds: since)) GROUP BY t.condition_id, t.asset
                ) w
                WHERE NOT EXISTS (SELECT 1 FROM markets m WHERE m.condition_id = w.condition_id
                                  AND m.winning_token_id IS NOT NULL)
                GROUP BY w.condition_id, w.asset
                ORDER BY min(w.rank), max(w.last) DESC NULLS LAST, w.asset LIMIT \(Int64(limit))
                """, logger: db.logger)
            var out: [(conditionId: String, token: String)] = []
            for try await (market, token) in rows.decode((String, String).self) {
                out.append((market, token))
            }
            return out
        }
    }

    /// The newest stored trade's time (market time of the feed or of a replay), if any trade is stored.
    package func newestTradeTime() async throws -> Int64? {
        try await mappingErrors {
            let rows = try await db.client.query("SELECT max(traded_at) FROM whale_trades", logger: db.logger)
            for try await d in rows.decode(Date?.self) { return d?.unixSeconds }
            return nil
        }
    }
}
