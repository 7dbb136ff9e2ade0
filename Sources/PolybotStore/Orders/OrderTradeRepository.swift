import Foundation
import PolybotCore
import PostgresNIO

/// A trade one of our orders matched, known by the id the venue returned with the order (since 2026-07-24 the
/// settlement hash may come later or never in the order response).
package struct OrderTrade: Sendable, Hashable {
    package var tradeId: String
    package var orderId: Int64
    /// `REPORTED` until the venue lists it, then its status (`MATCHED`, `MINED`, `CONFIRMED`, `RETRYING`, `FAILED`).
    package var status: String
    package var transactionHash: String?
    package var traderSide: String?
    /// How many times it has been looked up.
    package var polls: Int
    /// True once its size, cost and fee are known (and so booked).
    package var isComplete: Bool = false
    /// Our shares, price and fee in it, once known.
    package var size: Micros?
    package var price: Micros?
    package var fee: Micros?

    /// True once the venue's status is final.
    package var isResolved: Bool { status == "CONFIRMED" || status == "FAILED" }
}

extension OrderPostgresRepository {
    /// Records the trade ids of an order, each once whatever the retries (the id is the primary key); how many were new.
    package func recordTrades(orderId: Int64, tradeIds: [String]) async throws -> Int {
        var added = 0
        for id in Set(tradeIds) where !id.isEmpty {
            let rows = try await db.client.query(
                """
                INSERT INTO order_trades (trade_id, order_id, legacy)
                SELECT \(id), id, NOT books_from_trades FROM copy_orders WHERE id = \(orderId)
                ON CONFLICT (trade_id, order_id) DO NOTHING RETURNING trade_id
                """, logger: db.logger)
            for try await _ in rows { added += 1 }
        }
        return added
    }

    /// The shares of a token our live books hold from orders (bought − sold, as booked), whatever the positions did
    /// since (a settled position no longer shows its size): what a redemption must pay out for a winning token.
    package func bookedShares(asset: String) async throws -> Micros {
        let rows = try await db.client.query(
            """
            SELECT coalesce(sum(CASE WHEN side = 'BUY' THEN filled_size_micros ELSE -filled_size_micros END), 0)::bigint
            FROM copy_orders WHERE mode <> 'paper' AND asset = \(asset)
            """, logger: db.logger)
        for try await v in rows.decode(Int64.self) { return Micros(v) }
        return .zero
    }

    /// Trades whose final status is not known yet, oldest first.
    package func unresolvedTrades(limit: Int) async throws -> [OrderTrade] {
        try await selectTrades(
            db.client.query(
                """
                SELECT trade_id, order_id, status, transaction_hash, trader_side, polls,
                    size_micros IS NOT NULL AND cost_micros IS NOT NULL AND fee_micros IS NOT NULL,
                    size_micros, price_micros, fee_micros
                FROM order_trades
                WHERE resolved_at IS NULL OR size_micros IS NULL OR cost_micros IS NULL OR fee_micros IS NULL
                ORDER BY first_seen, trade_id LIMIT \(limit)
                """, logger: db.logger))
    }

    /// Every trade of an order.
    package func trades(orderId: Int64) async throws -> [OrderTrade] {
        try await selectTrades(
            db.client.query(
                """
                SELECT trade_id, order_id, status, transaction_hash, trader_side, polls,
                    size_micros IS NOT NULL AND cost_micros IS NOT NULL AND fee_micros IS NOT NULL,
                    size_micros, price_micros, fee_micros
                FROM order_trades
                WHERE order_id = \(orderId) ORDER BY first_seen, trade_id
                """, logger: db.logger))
    }

    private func selectTrades(_ rows: PostgresRowSequence) async throws -> [OrderTrade] {
        var out: [OrderTrade] = []
        for try await (id, order, status, hash, side, polls, complete, size, price, fee) in rows.decode(
            (String, Int64, String, String?, String?, Int32, Bool, Int64?, Int64?, Int64?).self)
        {
            out.append(
                OrderTrade(
                    tradeId: id, orderId: order, status: status, transactionHash: hash, traderSide: side,
                    polls: Int(polls), isComplete: complete, size: size.map(Micros.init), price: price.map(Micros.init),
                    fee: fee.map(Micros.init)))
        }
        return out
    }

    /// What one lookup said (nil status: the venue does not list it yet); CONFIRMED and FAILED resolve it.
    package func updateTrade(_ id: String, status: String?, transactionHash: String?, traderSide: String?) async throws
    {
        let side = traderSide.flatMap { ["TAKER", "MAKER"].contains($0.uppercased()) ? $0.uppercased() : nil }
        try await db.client.query(
            """
            UPDATE order_trades SET polls = polls + 1, status = coalesce(\(status?.uppercased()), status),
                transaction_hash = coalesce(nullif(\(transactionHash), ''), transaction_hash),
                trader_side = coalesce(\(side), trader_side),
                resolved_at = CASE WHEN upper(coalesce(\(status), '')) IN ('CONFIRMED', 'FAILED') THEN now() END
            WHERE trade_id = \(id)
            """, logger: db.logger)
    }
}
