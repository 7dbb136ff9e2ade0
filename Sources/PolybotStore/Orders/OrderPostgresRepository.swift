import Foundation
import PolybotCore
import PostgresNIO

/// ``OrderRepository`` over PostgreSQL.
package struct OrderPostgresRepository: OrderRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    static let columns = """
        id, idempotency_key, signal_id, purpose, mode, salt, condition_id, asset, side, order_type, price_micros,
        size_micros, maker_amount, taker_amount, expiration, exchange_order_id, status, filled_size_micros,
        avg_fill_price_micros, fee_micros, error, order_digest, order_timestamp_ms, event_slug, outcome,
        whale_price_micros, filled_cost_micros, extract(epoch FROM approval_expires_at)::bigint, position_id,
        venue_matched_micros, books_from_trades
        """

    package func create(_ o: CopyOrder) async throws -> CopyOrder {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO copy_orders (idempotency_key, signal_id, purpose, mode, salt, condition_id, asset, side,
                    order_type, price_micros, size_micros, maker_amount, taker_amount, expiration, exchange_order_id,
                    status, filled_size_micros, avg_fill_price_micros, fee_micros, error, order_digest, order_timestamp_ms,
                    event_slug, outcome, whale_price_micros, filled_cost_micros, approval_expires_at, position_id)
                VALUES (\(o.idempotencyKey), \(o.signalId), \(o.purpose.rawValue), \(o.mode.rawValue), \(o.salt),
                    \(o.conditionId), \(o.asset), \(o.side.rawValue), \(o.orderType.rawValue), \(o.price.raw),
                    \(o.size.raw), \(o.makerAmount), \(o.takerAmount), \(o.expiration), \(o.exchangeOrderId),
                    \(o.status.rawValue), \(o.filledSize.raw), \(o.averageFillPrice?.raw), \(o.fee.raw), \(o.error),
                    \(o.orderDigest), \(o.orderTimestampMs), \(o.eventSlug), \(o.outcome), \(o.whalePrice?.raw),
                    \(o.filledCost.raw), \(o.approvalExpiresAt.map { Date(unixSeconds: $0) }), \(o.positionId))
                RETURNING id
                """, logger: db.logger)
            var created = o
            for try await id in rows.decode(Int64.self) { created.id = id }
            return created
        }
    }

    package func get(id: Int64) async throws -> CopyOrder? {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM copy_orders WHERE id = \(id)", logger: db.logger)
        ).first
    }

    package func get(idempotencyKey: String) async throws -> CopyOrder? {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM copy_orders WHERE idempotency_key = \(idempotencyKey)",
                logger: db.logger)
        ).first
    }

    package func get(exchangeOrderId: String) async throws -> CopyOrder? {
        try await decode(
            db.client.query(
                """
                SELECT \(unescaped: Self.columns) FROM copy_orders
                WHERE exchange_order_id = \(exchangeOrderId) OR order_digest = \(exchangeOrderId) LIMIT 1
                """, logger: db.logger)
        ).first
    }

    package func update(id: Int64, _ c: OrderUpdate) async throws {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                UPDATE copy_orders SET status = \(c.status.rawValue), exchange_order_id = \(c.exchangeOrderId),
                    error = \(c.error), updated_at = now()
                WHERE id = \(id) RETURNING id
                """, logger: db.logger)
            var found = false
            for try await _ in rows { found = true }
            if !found { throw StoreError.notFound("order \(id)") }
        }
    }

    package func open() async throws -> [CopyOrder] {
        try await decode(
            db.client.query(
                """
                SELECT \(unescaped: Self.columns) FROM copy_orders
                WHERE status NOT IN ('filled', 'cancelled', 'rejected', 'expired', 'failed') ORDER BY id
                """, logger: db.logger))
    }

    package func orders(keyPrefix prefix: String) async throws -> [CopyOrder] {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM copy_orders WHERE starts_with(idempotency_key, \(prefix)) ORDER BY id",
                logger: db.logger))
    }

    package func appendEvent(_ e: OrderEvent) async throws -> OrderEvent {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO order_events (order_id, event_type, status, size_micros, price_micros, payload)
                VALUES (\(e.orderId), \(e.eventType), \(e.status), \(e.size?.raw), \(e.price?.raw), \(e.payload)::jsonb)
                RETURNING id
                """, logger: db.logger)
            var stored = e
            for try await id in rows.decode(Int64.self) { stored.id = id }
            return stored
        }
    }

    package func events(orderId: Int64) async throws -> [OrderEvent] {
        let rows = try await db.client.query(
            """
            SELECT id, order_id, event_type, status, size_micros, price_micros, payload::text
            FROM order_events WHERE order_id = \(orderId) ORDER BY id
            """, logger: db.logger)
        var result: [OrderEvent] = []
        for try await (id, oid, type, status, size, price, payload) in rows.decode(
            (Int64, Int64, String, String, Int64?, Int64?, String).self)
        {
            result.append(
                OrderEvent(
                    id: id, orderId: oid, eventType: type, status: status, size: size.map(Micros.init),
                    price: price.map(Micros.init), payload: payload))
        }
        return result
    }

    package func list(statuses: [OrderStatus]?, limit: Int, beforeId: Int64?) async throws -> [CopyOrder] {
        let names = statuses?.map(\.rawValue)
        return try await decode(
            db.client.query(
                """
                SELECT \(unescaped: Self.columns) FROM copy_orders
                WHERE (\(names)::text[] IS NULL OR status = ANY(\(names)::text[])) AND (\(beforeId)::bigint IS NULL OR id < \(beforeId))
                ORDER BY id DESC LIMIT \(limit)
                """, logger: db.logger))
    }

    package func placedSince(_ seconds: Int64) async throws -> [Int64] {
        let rows = try await db.client.query(
            """
            SELECT extract(epoch FROM created_at)::bigint FROM copy_orders
            WHERE created_at >= \(Date(unixSeconds: seconds)) AND status NOT IN ('pending_approval', 'rejected')
            """, logger: db.logger)
        var out: [Int64] = []
        for try await t in rows.decode(Int64.self) { out.append(t) }
        return out
    }

    package func markSigned(
        id: Int64, salt: String, makerAmount: Int64, takerAmount: Int64, expiration: Int64, digest: String,
        timestampMs: Int64
    ) async throws -> Bool {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                UPDATE copy_orders SET status = 'intent', salt = \(salt), maker_amount = \(makerAmount), taker_amount = \(takerAmount),
                    expiration = \(expiration), order_digest = \(digest), order_timestamp_ms = \(timestampMs), updated_at = now()
                WHERE id = \(id) AND status = 'pending_approval' RETURNING id
                """, logger: db.logger)
            for try await _ in rows { return true }
            return false
        }
    }

    package func markAccepted(id: Int64, exchangeOrderId: String) async throws {
        try await mappingErrors {
            try await db.client.query(
                """
                UPDATE copy_orders SET exchange_order_id = coalesce(exchange_order_id, \(exchangeOrderId)), error = NULL,
                    status = CASE WHEN status IN ('intent', 'submitting', 'unknown') THEN 'live' ELSE status END, updated_at = now()
                WHERE id = \(id)
                """, logger: db.logger)
        }
    }

    package func setStatus(id: Int64, from: [OrderStatus], to: OrderStatus, error: String?) async throws -> Bool {
        try await mappingErrors {
            let names = from.map(\.rawValue)
            let rows = try await db.client.query(
                """
                UPDATE copy_orders SET status = \(to.rawValue), error = coalesce(\(error), error), updated_at = now()
                WHERE id = \(id) AND status = ANY(\(names)::text[]) RETURNING id
                """, logger: db.logger)
            for try await _ in rows { return true }
            return false
        }
    }

    private func decode(_ rows: PostgresRowSequence) async throws -> [CopyOrder] { try await Self.decode(rows) }

    /// Decodes rows selected with ``columns``.
    static func decode(_ rows: PostgresRowSequence) async throws -> [CopyOrder] {
        var result: [CopyOrder] = []
        for try await r in rows.decode(
            (
                Int64, String, Int64?, String, String, String, String, String, String, String, Int64, Int64, Int64,
                Int64,
                Int64, String?, String, Int64, Int64?, Int64, String?, String?, Int64?, String, String, Int64?, Int64,
                Int64?,
                Int64?, Int64, Bool
            ).self)
        {
            guard let purpose = OrderPurpose(rawValue: r.3), let mode = RunMode(rawValue: r.4),
                let side = TradeSide(rawValue: r.8), let type = OrderType(rawValue: r.9),
                let status = OrderStatus(rawValue: r.16)
            else { throw StoreError.corruptRow("order \(r.0)") }
            var order =
                CopyOrder(
                    id: r.0, idempotencyKey: r.1, signalId: r.2, purpose: purpose, mode: mode, salt: r.5,
                    conditionId: r.6, asset: r.7, side: side, orderType: type, price: Micros(r.10), size: Micros(r.11),
                    makerAmount: r.12, takerAmount: r.13, expiration: r.14, exchangeOrderId: r.15, status: status,
                    filledSize: Micros(r.17), averageFillPrice: r.18.map(Micros.init), fee: Micros(r.19), error: r.20,
                    orderDigest: r.21, orderTimestampMs: r.22, eventSlug: r.23, outcome: r.24,
                    whalePrice: r.25.map(Micros.init), filledCost: Micros(r.26), approvalExpiresAt: r.27,
                    positionId: r.28)
            order.venueMatched = Micros(r.29)
            order.booksFromTrades = r.30
            result.append(order)
        }
        return result
    }
}
