import Foundation
import PolybotCore
import PostgresNIO

/// One trade of ours as the venue reports it (user channel, `GET /data/trades`, the paper book walk). Fields a path
/// does not know are nil; a later path that knows them completes the same row (keyed by the venue's trade id).
package struct TradeFill: Sendable, Hashable {
    package var tradeId: String
    /// Our shares in the trade (a maker's matched amount, a taker's size).
    package var size: Micros?
    /// Our price in the trade.
    package var price: Micros?
    /// pUSD paid (BUY) or received (SELL) for `size` before fees: size × price unless the venue said the exact amount.
    package var cost: Micros?
    /// The fee of our side (a taker's, floored to 0.00001; a maker pays none); nil while it cannot be known.
    package var fee: Micros?
    /// `TAKER` or `MAKER`.
    package var traderSide: String?
    /// The venue's status (`MATCHED`, `MINED`, `CONFIRMED`, `FAILED`, …).
    package var status: String?
    package var transactionHash: String?

    /// Creates a trade report; `cost` defaults to size × price.
    package init(
        tradeId: String, size: Micros? = nil, price: Micros? = nil, cost: Micros? = nil, fee: Micros? = nil,
        traderSide: String? = nil, status: String? = nil, transactionHash: String? = nil
    ) {
        self.tradeId = tradeId
        self.size = size
        self.price = price
        self.cost = cost ?? size.flatMap { s in price.map { s.multiplied(by: $0) } }
        self.fee = fee
        self.traderSide = traderSide
        self.status = status
        self.transactionHash = transactionHash
    }
}

/// What a venue (or the paper fill model) reports about an order: its trades (booked once each, by trade id) and what
/// it says matched in all. Applying the same report twice — or an older one after a newer one — changes nothing, whatever
/// mixture of placement answers, user-channel frames and REST lookups reports them. Cost, fees and PnL come from the
/// trades only; a matched size without its trades is recorded as pending, never booked at a price of ours.
package struct FillReport: Sendable {
    package var orderId: Int64
    /// What the venue says matched so far (cumulative shares); the largest seen is kept.
    package var venueMatched: Micros
    /// Trades of the order this report knows (possibly partly).
    package var trades: [TradeFill]
    /// A state to move to (e.g. `cancelled`); nil = derived from the fill.
    package var status: OrderStatus?
    /// Event name for the order history, e.g. `PLACEMENT`, `TRADE`, `LOOKUP`, `PAPER_FILL`.
    package var eventType: String
    /// What the source said, e.g. `MATCHED`.
    package var venueStatus: String
    /// The UTC day (`YYYY-MM-DD`) the realised PnL belongs to.
    package var day: String
    /// Equity to open the day's PnL row with if it does not exist yet.
    package var equity: Micros
    /// The trades are the venue's corrected figures (reconciliation): they replace what a row holds, and the
    /// difference is booked; otherwise a row's known figures are never changed, only completed.
    package var corrects = false

    /// Creates a report.
    package init(
        orderId: Int64, venueMatched: Micros, trades: [TradeFill] = [], status: OrderStatus? = nil,
        eventType: String, venueStatus: String, day: String, equity: Micros, corrects: Bool = false
    ) {
        self.corrects = corrects
        self.orderId = orderId
        self.venueMatched = venueMatched
        self.trades = trades
        self.status = status
        self.eventType = eventType
        self.venueStatus = venueStatus
        self.day = day
        self.equity = equity
    }
}

/// The outcome of ``ExecutionRepository/applyFill(_:)``.
package struct AppliedFill: Sendable {
    /// The order after the report.
    package var order: CopyOrder
    /// The position the new shares went to (nil when nothing new was filled).
    package var position: Position?
    /// Shares, cost and realised PnL of the new part (nil when nothing new was filled).
    package var applied: PositionAccounting.Applied?
    /// Fee of the new part.
    package var fee: Micros
}

/// Execution state: the trading state, cooldowns, fills → positions (one transaction), the approval queue.
package protocol ExecutionRepository: Sendable {
    /// The stored trading state of a mode, with its reason.
    func tradingState(mode: RunMode) async throws -> (state: TradingState, reason: String)?
    /// Stores the trading state (`reconciling` is never stored).
    func setTradingState(mode: RunMode, _ state: TradingState, reason: String, actor: String) async throws
    /// Adds a cooldown lock.
    func addCooldown(_ c: Cooldown) async throws
    /// Locks still in force at `now`.
    func cooldowns(activeAt now: Int64) async throws -> [Cooldown]
    /// Applies a cumulative fill report: the order, its position and the day's realised PnL move together in one
    /// transaction, so a crash can never leave a fill on the order without its position (or the reverse).
    func applyFill(_ report: FillReport) async throws -> AppliedFill
    /// Settles an open position at resolution, in one transaction with the day's PnL row.
    func settle(positionId: Int64, won: Bool, day: String, equity: Micros) async throws -> PositionAccounting.Applied?
    /// Orders waiting for an operator, oldest first.
    func pendingApprovals() async throws -> [CopyOrder]
}

/// ``ExecutionRepository`` over PostgreSQL.
package struct ExecutionPostgresRepository: ExecutionRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    package func tradingState(mode: RunMode) async throws -> (state: TradingState, reason: String)? {
        let rows = try await db.client.query(
            "SELECT state, reason FROM trading_state WHERE mode = \(mode.rawValue)", logger: db.logger)
        for try await (state, reason) in rows.decode((String, String).self) {
            guard let s = TradingState(rawValue: state) else { throw StoreError.corruptRow("trading_state \(mode)") }
            return (s, reason)
        }
        return nil
    }

    package func setTradingState(mode: RunMode, _ state: TradingState, reason: String, actor: String) async throws {
        precondition(state != .reconciling, "reconciling is the startup state, never stored")
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO trading_state (mode, state, reason, changed_by) VALUES (\(mode.rawValue), \(state.rawValue), \(reason), \(actor))
                ON CONFLICT (mode) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason,
                    changed_by = EXCLUDED.changed_by, changed_at = now()
                """, logger: db.logger)
        }
    }

    package func addCooldown(_ c: Cooldown) async throws {
        let (scope, value) = Self.scopeText(c.scope)
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO cooldowns (scope, scope_value, until_at, reason)
                VALUES (\(scope), \(value), \(Date(unixSeconds: c.until)), \(c.reason))
                """, logger: db.logger)
        }
    }

    package func cooldowns(activeAt now: Int64) async throws -> [Cooldown] {
        let rows = try await db.client.query(
            """
            SELECT scope, scope_value, extract(epoch FROM until_at)::bigint, reason FROM cooldowns
            WHERE until_at > \(Date(unixSeconds: now)) ORDER BY id
            """, logger: db.logger)
        var out: [Cooldown] = []
        for try await (scope, value, until, reason) in rows.decode((String, String, Int64, String).self) {
            let s: Cooldown.Scope
            switch scope {
            case "market": s = .market(value)
            case "wallet":
                guard let a = Address(value) else { throw StoreError.corruptRow("cooldown wallet \(value)") }
                s = .wallet(a)
            default:
                guard let b = Int64(value) else { throw StoreError.corruptRow("cooldown basket \(value)") }
                s = .basket(b)
            }
            out.append(Cooldown(scope: s, until: until, reason: reason))
        }
        return out
    }

    static func scopeText(_ s: Cooldown.Scope) -> (String, String) {
        switch s {
        case .market(let m): ("market", m)
        case .wallet(let w): ("wallet", w.hex)
        case .basket(let b): ("basket", String(b))
        }
    }

    package func applyFill(_ r: FillReport) async throws -> AppliedFill {
        try await mappingErrors {
            try await db.client.withTransaction(logger: db.logger) { conn in
                let orderRows = try await conn.query(
                    "SELECT \(unescaped: OrderPostgresRepository.columns) FROM copy_orders WHERE id = \(r.orderId) FOR UPDATE",
                    logger: db.logger)
                guard let order = try await OrderPostgresRepository.decode(orderRows).first else {
                    throw StoreError.notFound("order \(r.orderId)")
                }
                // One writer per (mode, asset) at a time: two orders of one token filling at once would otherwise both
                // see no open position and both insert one (the second failing on the one-open-position rule).
                let lockKey = "position:\(order.mode.rawValue):\(order.asset)"
                try await conn.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lockKey), 0))", logger: db.logger)
                var o = order
                o.venueMatched = max(order.venueMatched, r.venueMatched)
                // The trades: each recorded once; a path that knows more completes the row.
                for t in r.trades where !t.tradeId.isEmpty {
                    let side = t.traderSide.flatMap {
                        ["TAKER", "MAKER"].contains($0.uppercased()) ? $0.uppercased() : nil
                    }
                    try await conn.query(
                        """
                        INSERT INTO order_trades (trade_id, order_id, status, transaction_hash, trader_side, size_micros,
                            price_micros, cost_micros, fee_micros, legacy)
                        VALUES (\(t.tradeId), \(order.id), \(t.status?.uppercased() ?? "REPORTED"), \(t.transactionHash), \(side),
                            \(t.size?.raw), \(t.price?.raw), \(t.cost?.raw), \(t.fee?.raw), \(!order.booksFromTrades))
                        ON CONFLICT (trade_id, order_id) DO UPDATE SET
                            status = CASE WHEN order_trades.status IN ('CONFIRMED', 'FAILED') THEN order_trades.status
                                ELSE coalesce(\(t.status?.uppercased()), order_trades.status) END,
                            transaction_hash = coalesce(nullif(EXCLUDED.transaction_hash, ''), order_trades.transaction_hash),
                            trader_side = coalesce(order_trades.trader_side, EXCLUDED.trader_side),
                            size_micros = CASE WHEN \(r.corrects) THEN coalesce(EXCLUDED.size_micros, order_trades.size_micros)
                                ELSE coalesce(order_trades.size_micros, EXCLUDED.size_micros) END,
                            price_micros = CASE WHEN \(r.corrects) THEN coalesce(EXCLUDED.price_micros, order_trades.price_micros)
                                ELSE coalesce(order_trades.price_micros, EXCLUDED.price_micros) END,
                            cost_micros = CASE WHEN \(r.corrects) THEN coalesce(EXCLUDED.cost_micros, order_trades.cost_micros)
                                ELSE coalesce(order_trades.cost_micros, EXCLUDED.cost_micros) END,
                            fee_micros = CASE WHEN \(r.corrects) THEN coalesce(EXCLUDED.fee_micros, order_trades.fee_micros)
                                ELSE coalesce(order_trades.fee_micros, EXCLUDED.fee_micros) END
                        """, logger: db.logger)
                }
                // What of the order's trades is not in the books yet: a trade is booked once its size and cost are
                // known (its fee as soon as that is known too), each part exactly once.
                let pending = try await conn.query(
                    """
                    UPDATE order_trades SET booked_size_micros = size_micros, booked_cost_micros = cost_micros,
                        booked_fee_micros = coalesce(fee_micros, booked_fee_micros)
                    FROM (SELECT trade_id, booked_size_micros AS s0, booked_cost_micros AS c0, booked_fee_micros AS f0
                          FROM order_trades WHERE order_id = \(order.id) AND size_micros IS NOT NULL AND cost_micros IS NOT NULL
                            AND (size_micros <> booked_size_micros OR cost_micros <> booked_cost_micros
                                 OR coalesce(fee_micros, booked_fee_micros) <> booked_fee_micros)) before
                    WHERE order_trades.trade_id = before.trade_id AND order_trades.order_id = \(order.id)
                    RETURNING CASE WHEN legacy THEN 0 ELSE size_micros - before.s0 END,
                        CASE WHEN legacy THEN 0 ELSE cost_micros - before.c0 END,
                        CASE WHEN legacy THEN 0 ELSE coalesce(fee_micros, before.f0) - before.f0 END
                    """, logger: db.logger)
                var delta = Micros.zero
                var deltaCost = Micros.zero
                var deltaFee = Micros.zero
                for try await (ds, dc, df) in pending.decode((Int64, Int64, Int64).self) {
                    delta += Micros(ds)
                    deltaCost += Micros(dc)
                    deltaFee += Micros(df)
                }
                var result = AppliedFill(order: order, position: nil, applied: nil, fee: .zero)
                if delta != .zero || deltaCost != .zero || deltaFee != .zero {
                    let posRows = try await conn.query(
                        """
                        SELECT \(unescaped: PositionPostgresRepository.columns) FROM positions
                        WHERE mode = \(order.mode.rawValue) AND asset = \(order.asset) AND status = 'open' FOR UPDATE
                        """, logger: db.logger)
                    var existing = try await PositionPostgresRepository.decode(posRows).first
                    if existing == nil, delta == .zero, let positionId = order.positionId {
                        // A cost or fee that completes a trade already booked, after its position closed: it still
                        // belongs to that position's realised PnL.
                        let closed = try await conn.query(
                            """
                            SELECT \(unescaped: PositionPostgresRepository.columns) FROM positions WHERE id = \(positionId)
                            FOR UPDATE
                            """, logger: db.logger)
                        existing = try await PositionPostgresRepository.decode(closed).first
                    }
                    if existing != nil || order.side == .buy {
                        let base =
                            existing
                            ?? Position(
                                mode: order.mode, conditionId: order.conditionId, asset: order.asset,
                                eventSlug: order.eventSlug, outcome: order.outcome, size: .zero,
                                averagePrice: .zero, cost: .zero, entrySignalId: order.signalId)
                        let applied = PositionAccounting.applyTrades(
                            to: base, side: order.side, shares: delta, notional: deltaCost, fee: deltaFee)
                        var p = applied.position
                        p.fees += deltaFee
                        if existing == nil {
                            let ins = try await conn.query(
                                """
                                INSERT INTO positions (mode, condition_id, asset, event_slug, outcome, size_micros, avg_price_micros,
                                    cost_micros, realized_pnl_micros, status, entry_signal_id, fees_micros)
                                VALUES (\(p.mode.rawValue), \(p.conditionId), \(p.asset), \(p.eventSlug), \(p.outcome), \(p.size.raw),
                                    \(p.averagePrice.raw), \(p.cost.raw), \(p.realizedPnl.raw), \(p.status.rawValue), \(p.entrySignalId),
                                    \(p.fees.raw))
                                RETURNING id
                                """, logger: db.logger)
                            for try await id in ins.decode(Int64.self) { p.id = id }
                        } else {
                            try await conn.query(
                                """
                                UPDATE positions SET size_micros = \(p.size.raw), avg_price_micros = \(p.averagePrice.raw),
                                    cost_micros = \(p.cost.raw), realized_pnl_micros = \(p.realizedPnl.raw), status = \(p.status.rawValue),
                                    fees_micros = \(p.fees.raw),
                                    closed_at = CASE WHEN \(p.status.rawValue) = 'open' THEN NULL ELSE coalesce(closed_at, now()) END,
                                    updated_at = now()
                                WHERE id = \(p.id)
                                """, logger: db.logger)
                        }
                        try await conn.query(
                            """
                            INSERT INTO daily_pnl (day, mode, start_equity_micros, end_equity_micros, realized_pnl_micros, fees_micros)
                            VALUES (\(r.day)::date, \(order.mode.rawValue), \(r.equity.raw), \(r.equity.raw), \(applied.realized.raw),
                                \(deltaFee.raw))
                            ON CONFLICT (day, mode) DO UPDATE SET
                                realized_pnl_micros = daily_pnl.realized_pnl_micros + EXCLUDED.realized_pnl_micros,
                                fees_micros = daily_pnl.fees_micros + EXCLUDED.fees_micros, updated_at = now()
                            """, logger: db.logger)
                        o.positionId = p.id
                        result.position = p
                        result.applied = applied
                    }
                    o.filledSize = order.filledSize + delta
                    o.filledCost = order.filledCost + deltaCost
                    o.fee = order.fee + deltaFee
                    o.averageFillPrice = PositionAccounting.average(cost: o.filledCost, size: o.filledSize)
                    result.fee = deltaFee
                }
                o.status = Self.nextStatus(
                    current: order.status, reported: r.status, filled: max(o.filledSize, o.venueMatched), size: o.size,
                    newFill: delta > .zero || o.venueMatched > order.venueMatched)
                if o != order {
                    try await conn.query(
                        """
                        UPDATE copy_orders SET status = \(o.status.rawValue), filled_size_micros = \(o.filledSize.raw),
                            filled_cost_micros = \(o.filledCost.raw), fee_micros = \(o.fee.raw),
                            venue_matched_micros = \(o.venueMatched.raw),
                            avg_fill_price_micros = \(o.averageFillPrice?.raw), position_id = \(o.positionId), updated_at = now()
                        WHERE id = \(o.id)
                        """, logger: db.logger)
                    try await conn.query(
                        """
                        INSERT INTO order_events (order_id, event_type, status, size_micros, price_micros)
                        VALUES (\(o.id), \(r.eventType), \(r.venueStatus), \(delta.raw), \(o.averageFillPrice?.raw))
                        """, logger: db.logger)
                }
                result.order = o
                return result
            }
        }
    }

    /// The state after a report: terminal states are final; otherwise the numbers decide between live, partially
    /// filled and filled, and an explicit report (cancelled, expired, failed…) wins.
    static func nextStatus(
        current: OrderStatus, reported: OrderStatus?, filled: Micros, size: Micros, newFill: Bool
    ) -> OrderStatus {
        if current.isTerminal { return current }
        var next = reported ?? (newFill ? .partiallyFilled : current)
        switch next {
        case .filled where filled < size: next = filled > .zero ? .partiallyFilled : .live
        case .live, .partiallyFilled, .submitting, .unknown, .intent:
            if filled >= size {
                next = .filled
            } else if filled > .zero, next != .unknown || newFill {
                next = .partiallyFilled
            }
        default: break
        }
        return next
    }

    package func settle(
        positionId: Int64, won: Bool, day: String, equity: Micros
    ) async throws -> PositionAccounting.Applied? {
        try await mappingErrors {
            try await db.client.withTransaction(logger: db.logger) { conn in
                let rows = try await conn.query(
                    "SELECT \(unescaped: PositionPostgresRepository.columns) FROM positions WHERE id = \(positionId) FOR UPDATE",
                    logger: db.logger)
                guard let p = try await PositionPostgresRepository.decode(rows).first, p.status == .open else {
                    return nil
                }
                let applied = PositionAccounting.settle(p, won: won)
                let s = applied.position
                try await conn.query(
                    """
                    UPDATE positions SET size_micros = 0, cost_micros = 0, realized_pnl_micros = \(s.realizedPnl.raw),
                        mark_price_micros = \(s.markPrice?.raw), status = 'settled', closed_at = now(), updated_at = now()
                    WHERE id = \(positionId)
                    """, logger: db.logger)
                try await conn.query(
                    """
                    INSERT INTO daily_pnl (day, mode, start_equity_micros, end_equity_micros, realized_pnl_micros)
                    VALUES (\(day)::date, \(p.mode.rawValue), \(equity.raw), \(equity.raw), \(applied.realized.raw))
                    ON CONFLICT (day, mode) DO UPDATE SET
                        realized_pnl_micros = daily_pnl.realized_pnl_micros + EXCLUDED.realized_pnl_micros, updated_at = now()
                    """, logger: db.logger)
                return applied
            }
        }
    }

    package func pendingApprovals() async throws -> [CopyOrder] {
        try await OrderPostgresRepository.decode(
            db.client.query(
                "SELECT \(unescaped: OrderPostgresRepository.columns) FROM copy_orders WHERE status = 'pending_approval' ORDER BY id",
                logger: db.logger))
    }
}
