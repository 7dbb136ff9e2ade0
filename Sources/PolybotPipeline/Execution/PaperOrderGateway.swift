import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket

/// Paper execution: everything real except the order. The order is persisted first (same at-most-once key as live),
/// then filled — in replay and backtests from the recorded tape (``TapeFills``: the prints after the copy delay,
/// within the limit, a share of each) — otherwise by walking the real book as it stands at detection time + the copy
/// delay, up to our limit price, with
/// partial fills and the market's taker fee on every level taken (its schedule from the venue; a market whose fee is not
/// known is not filled). What a GTD order could not take at once is not left resting (no queue position can
/// be simulated honestly): the remainder ends `expired` and the fill is what the book gave. The copy-delay cost
/// (our average price against the whales') is stored on the order's event.
package struct PaperOrderGateway: OrderGateway {
    let store: PolybotStore
    let market: MarketPorts
    let ledger: FillLedger
    let copyDelay: Duration
    let logger: Logger
    /// The trading state, read after the copy delay, right before the book is walked (the last step checks).
    let trading: TradingGate

    /// Creates the gateway.
    ///
    /// - Parameters:
    ///   - market: books at a market time (the CLOB's `/book` once that time has come; the history in replay) and fees.
    ///   - copyDelay: how long after detection a real order would reach the book.
    package init(
        store: PolybotStore, market: MarketPorts, ledger: FillLedger, copyDelay: Duration, logger: Logger,
        trading: TradingGate = TradingGate()
    ) {
        self.trading = trading
        self.store = store
        self.market = market
        self.ledger = ledger
        self.copyDelay = copyDelay
        self.logger = logger
    }

    package func place(_ r: ExecutionRequest) async throws -> PlacementOutcome {
        if let existing = try await store.orders.get(idempotencyKey: r.idempotencyKey) {
            return existing.status == .intent ? try await fill(existing, r) : .alreadyPlaced(existing)
        }
        let order = CopyOrder(
            idempotencyKey: r.idempotencyKey, signalId: r.signalId, purpose: r.purpose, mode: .paper,
            salt: String(OrderBuilder.randomSalt()),
            conditionId: r.intent.conditionId, asset: r.intent.asset, side: r.intent.side, orderType: r.orderType,
            price: r.intent.price,
            size: r.intent.shares, status: .intent, eventSlug: r.intent.eventSlug, outcome: r.outcome,
            whalePrice: r.intent.whalePrice)
        let stored: CopyOrder
        do {
            stored = try await store.orders.create(order)
        } catch StoreError.duplicate {
            guard let existing = try await store.orders.get(idempotencyKey: r.idempotencyKey) else {
                throw StoreError.notFound(r.idempotencyKey)
            }
            return .alreadyPlaced(existing)
        }
        return try await fill(stored, r)
    }

    private func fill(_ order: CopyOrder, _ r: ExecutionRequest) async throws -> PlacementOutcome {
        // The book as a real order would find it: detection time + the copy delay (market time).
        let due = r.detectedAtMs + copyDelay.wholeMilliseconds
        var book: OrderBook?
        if market.tape == nil {
            do { book = try await market.bookAt(order.asset, due) } catch {
                return try await reject(order, "no book: \(error)")
            }
        }
        if case .refuse(let reason) = trading.decision(for: order.purpose) {
            let text = "\(reason.rawValue): not filled; the trading state refused it after the copy delay"
            _ = try await store.orders.setStatus(id: order.id, from: [.intent], to: .cancelled, error: text)
            return .rejected(try await store.orders.get(id: order.id) ?? order, text)
        }
        let fees: FeeSchedule
        do { fees = try await market.fees(order.conditionId) } catch {
            return try await reject(order, "fee schedule unknown: \(error)")
        }
        let whalePrice = order.whalePrice ?? order.price
        let taken: (fills: [PaperLevel], shares: Micros, notional: Micros, fee: Micros, remaining: Micros)
        let payload: String
        let shortfall: String
        if let tape = market.tape, book == nil {
            // Replay and backtest: the prints after the copy delay, within the limit, a share of each (``TapeFills``).
            let f = await tape(
                TapeFills.Order(
                    token: order.asset, side: order.side, shares: order.size, limit: order.price, dueMs: due,
                    detectedMs: r.detectedAtMs, lifetimeSeconds: r.lifetimeSeconds, fees: fees))
            if f.shortfall == .feeNotComputable { return try await reject(order, "fee not computable on the tape") }
            taken = (f.fills, f.filledShares, f.notional, f.fee, f.remaining)
            shortfall = f.shortfall?.rawValue ?? ""
            payload = """
                {"source":"tape","prints":\(f.fills.count),"last_fill_at":\(f.lastFillAt.map(String.init) ?? "null"),"shortfall":"\(shortfall)","copy_delay_cost":"\(f.copyDelayCost(side: order.side, whalePrice: whalePrice))","fee":"\(f.fee)","fee_rate":"\(fees.rate)","fee_exponent":\(fees.exponent)}
                """
        } else if let book {
            let side = order.side == .buy ? book.asks : book.bids
            guard
                let walk = PaperFill.walk(
                    levels: side.map { PaperLevel(price: $0.price, size: $0.size) }, side: order.side,
                    shares: order.size, limit: order.price, fees: fees, whalePrice: whalePrice)
            else { return try await reject(order, "fee not computable on this book") }
            taken = (walk.fills, walk.filledShares, walk.notional, walk.fee, walk.remaining)
            shortfall = walk.remaining > .zero ? "no_liquidity_within_limit" : ""
            payload = """
                {"source":"book","book_ts":\(book.timestampMs),"levels":\(walk.fills.count),"copy_delay_cost":"\(walk.copyDelayCost)","best":"\(side.first.map { "\($0.price)" } ?? "")","fee":"\(walk.fee)","fee_rate":"\(fees.rate)","fee_exponent":\(fees.exponent)}
                """
        } else {
            return try await reject(order, "no book")
        }
        try await store.orders.markAccepted(id: order.id, exchangeOrderId: "paper-\(order.id)")
        let average =
            taken.shares > .zero
            ? Micros(Int64((Int128(taken.notional.raw) * Int128(Micros.scale)) / Int128(taken.shares.raw))) : nil
        try await store.orders.appendEvent(
            OrderEvent(
                orderId: order.id, eventType: "PAPER_BOOK",
                status: taken.shares > .zero ? "MATCHED" : "NO_LIQUIDITY",
                size: taken.shares, price: average, payload: payload))
        let final: OrderStatus = taken.remaining == .zero ? .filled : .expired
        // The paper fill is this order's one trade: its shares, cost and taker fee, booked like a venue trade.
        let trade = TradeFill(
            tradeId: "paper-\(order.id)", size: taken.shares, price: average, cost: taken.notional,
            fee: taken.fee, traderSide: "TAKER", status: "CONFIRMED")
        let applied = try await ledger.report(
            orderId: order.id, venueMatched: taken.shares, trades: taken.shares > .zero ? [trade] : [],
            status: final, eventType: "PAPER_FILL", venueStatus: taken.remaining == .zero ? "MATCHED" : "PARTIAL")
        guard taken.remaining > .zero else { return .placed(applied.order) }
        // What was not filled says why on the order (the tape's shortfall, or the book's), for the reports.
        let why = "not filled: \(shortfall) (limit \(order.price))"
        var update = OrderUpdate(from: applied.order)
        update.error = taken.shares == .zero ? why : "\(taken.remaining) shares \(why)"
        try await store.orders.update(id: order.id, update)
        let order = try await store.orders.get(id: order.id) ?? applied.order
        return taken.shares == .zero ? .rejected(order, why) : .placed(order)
    }

    private func reject(_ order: CopyOrder, _ reason: String) async throws -> PlacementOutcome {
        _ = try await store.orders.setStatus(id: order.id, from: [.intent], to: .rejected, error: reason)
        return .rejected(try await store.orders.get(id: order.id) ?? order, reason)
    }
}
