import PolybotCore

/// One entry of an order's history (placement, update, fill, cancellation…).
package struct OrderEvent: Hashable, Sendable {
    /// Database id (0 before insertion).
    package var id: Int64
    /// The order.
    package var orderId: Int64
    /// Event kind, e.g. `PLACEMENT`, `TRADE`, `CANCELLATION`.
    package var eventType: String
    /// The status it reports, e.g. `MATCHED`.
    package var status: String
    /// Size the event concerns, if any.
    package var size: Micros?
    /// Price the event concerns, if any.
    package var price: Micros?
    /// The raw payload, JSON text.
    package var payload: String

    /// Creates an event.
    package init(
        id: Int64 = 0, orderId: Int64, eventType: String, status: String, size: Micros? = nil,
        price: Micros? = nil, payload: String = "{}"
    ) {
        self.id = id
        self.orderId = orderId
        self.eventType = eventType
        self.status = status
        self.size = size
        self.price = price
        self.payload = payload
    }
}

/// The mutable non-fill part of an order, applied by ``OrderRepository/update(id:_:)``. Fills are never written
/// here: they go through ``ExecutionRepository/applyFill(_:)`` only, so no writer can undo another's fill.
package struct OrderUpdate: Sendable {
    package var status: OrderStatus
    package var exchangeOrderId: String?
    package var error: String?

    /// Takes the current values of an order as the starting point.
    package init(from order: CopyOrder) {
        status = order.status
        exchangeOrderId = order.exchangeOrderId
        error = order.error
    }
}

/// Persistence of our orders and their event history.
package protocol OrderRepository: Sendable {
    /// Persists an intent before anything is sent. Throws ``StoreError/duplicate(constraint:)`` when the
    /// idempotency key, or an entry order for the same signal, exists already.
    func create(_ order: CopyOrder) async throws -> CopyOrder
    /// The order with this id.
    func get(id: Int64) async throws -> CopyOrder?
    /// The order with this idempotency key.
    func get(idempotencyKey: String) async throws -> CopyOrder?
    /// The order the exchange knows by this id (its order id is the signed order's digest).
    func get(exchangeOrderId: String) async throws -> CopyOrder?
    /// Applies a state change.
    func update(id: Int64, _ change: OrderUpdate) async throws
    /// Orders that are not terminal, oldest first.
    func open() async throws -> [CopyOrder]
    /// Orders whose idempotency key starts with `prefix` (an exit's attempts), oldest first.
    func orders(keyPrefix prefix: String) async throws -> [CopyOrder]
    /// Appends an event to an order's history.
    @discardableResult func appendEvent(_ event: OrderEvent) async throws -> OrderEvent
    /// An order's events, oldest first.
    func events(orderId: Int64) async throws -> [OrderEvent]
    /// Orders newest first, optionally only in some states, paged by id.
    func list(statuses: [OrderStatus]?, limit: Int, beforeId: Int64?) async throws -> [CopyOrder]
    /// Creation times (Unix seconds) of orders sent since a time (for the order-rate limit after a restart).
    func placedSince(_ seconds: Int64) async throws -> [Int64]
    /// Stores the signed identity of an approved queue entry and moves it from `pending_approval` to `intent`;
    /// false when it was not pending any more (approved twice, rejected or expired meanwhile).
    func markSigned(
        id: Int64, salt: String, makerAmount: Int64, takerAmount: Int64, expiration: Int64, digest: String,
        timestampMs: Int64
    ) async throws -> Bool
    /// The CLOB accepted the order: records its id and moves it to `live` unless something (a fill report) moved it on
    /// already.
    func markAccepted(id: Int64, exchangeOrderId: String) async throws
    /// Moves an order to `to` only if it is in one of `from` (compare-and-set); true when it moved.
    func setStatus(id: Int64, from: [OrderStatus], to: OrderStatus, error: String?) async throws -> Bool
    /// Records the trade ids an order matched, each once; how many were new.
    func recordTrades(orderId: Int64, tradeIds: [String]) async throws -> Int
    /// Trades whose final status is not known yet, oldest first.
    func unresolvedTrades(limit: Int) async throws -> [OrderTrade]
    /// Every trade of an order.
    func trades(orderId: Int64) async throws -> [OrderTrade]
    /// What one lookup said about a trade (nil status: not listed yet); CONFIRMED and FAILED resolve it.
    func updateTrade(_ id: String, status: String?, transactionHash: String?, traderSide: String?) async throws
    /// The shares of a token our live books hold from orders (bought − sold, as booked).
    func bookedShares(asset: String) async throws -> Micros
}
