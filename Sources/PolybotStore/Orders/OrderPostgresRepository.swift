import PolybotCore
import PostgresNIO

/// ``OrderRepository`` over PostgreSQL.
package struct OrderPostgresRepository: OrderRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    private static let columns = """
        id, idempotency_key, signal_id, purpose, mode, salt, condition_id, asset, side, order_type, price_micros,
        size_micros, maker_amount, taker_amount, expiration, exchange_order_id, status, filled_size_micros,
        avg_fill_price_micros, fee_micros, error, order_digest, order_timestamp_ms
        """

    package func create(_ o: CopyOrder) async throws -> CopyOrder {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO copy_orders (idempotency_key, signal_id, purpose, mode, salt, condition_id, asset, side,
                    order_type, price_micros, size_micros, maker_amount, taker_amount, expiration, exchange_order_id,
                    status, filled_size_micros, avg_fill_price_micros, fee_micros, error, order_digest, order_timestamp_ms)
                VALUES (\(o.idempotencyKey), \(o.signalId), \(o.purpose.rawValue), \(o.mode.rawValue), \(o.salt),
                    \(o.conditionId), \(o.asset), \(o.side.rawValue), \(o.orderType.rawValue), \(o.price.raw),
                    \(o.size.raw), \(o.makerAmount), \(o.takerAmount), \(o.expiration), \(o.exchangeOrderId),
                    \(o.status.rawValue), \(o.filledSize.raw), \(o.averageFillPrice?.raw), \(o.fee.raw), \(o.error),
                    \(o.orderDigest), \(o.orderTimestampMs))
                RETURNING id
                """, logger: db.logger)
            var created = o
            for try await id in rows.decode(Int64.self) { created.id = id }
            return created
        }
    }

    package func get(id: Int64) async throws -> CopyOrder? {
        try await decode(db.client.query(
            "SELECT \(unescaped: Self.columns) FROM copy_orders WHERE id = \(id)", logger: db.logger)).first
    }

    package func get(idempotencyKey: String) async throws -> CopyOrder? {
        try await decode(db.client.query(
            "SELECT \(unescaped: Self.columns) FROM copy_orders WHERE idempotency_key = \(idempotencyKey)",
            logger: db.logger)).first
    }

    package func update(id: Int64, _ c: OrderUpdate) async throws {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                UPDATE copy_orders SET status = \(c.status.rawValue), exchange_order_id = \(c.exchangeOrderId),
                    filled_size_micros = \(c.filledSize.raw), avg_fill_price_micros = \(c.averageFillPrice?.raw),
                    fee_micros = \(c.fee.raw), error = \(c.error), updated_at = now()
                WHERE id = \(id) RETURNING id
                """, logger: db.logger)
            var found = false
            for try await _ in rows { found = true }
            if !found { throw StoreError.notFound("order \(id)") }
        }
    }

    package func open() async throws -> [CopyOrder] {
        try await decode(db.client.query(
            """
            SELECT \(unescaped: Self.columns) FROM copy_orders
            WHERE status NOT IN ('filled', 'cancelled', 'rejected', 'expired', 'failed') ORDER BY id
            """, logger: db.logger))
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
            result.append(OrderEvent(id: id, orderId: oid, eventType: type, status: status, size: size.map(Micros.init),
                                     price: price.map(Micros.init), payload: payload))
        }
        return result
    }

    private func decode(_ rows: PostgresRowSequence) async throws -> [CopyOrder] {
        var result: [CopyOrder] = []
        for try await r in rows.decode(
            (Int64, String, Int64?, String, String, String, String, String, String, String, Int64, Int64, Int64, Int64,
             Int64, String?, String, Int64, Int64?, Int64, String?, String?, Int64?).self)
        {
            guard let purpose = OrderPurpose(rawValue: r.3), let mode = RunMode(rawValue: r.4),
                let side = TradeSide(rawValue: r.8), let type = OrderType(rawValue: r.9),
                let status = OrderStatus(rawValue: r.16)
            else { throw StoreError.corruptRow("order \(r.0)") }
            result.append(
                CopyOrder(
                    id: r.0, idempotencyKey: r.1, signalId: r.2, purpose: purpose, mode: mode, salt: r.5,
                    conditionId: r.6, asset: r.7, side: side, orderType: type, price: Micros(r.10), size: Micros(r.11),
                    makerAmount: r.12, takerAmount: r.13, expiration: r.14, exchangeOrderId: r.15, status: status,
                    filledSize: Micros(r.17), averageFillPrice: r.18.map(Micros.init), fee: Micros(r.19), error: r.20,
                    orderDigest: r.21, orderTimestampMs: r.22))
        }
        return result
    }
}
