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
    package init(id: Int64 = 0, orderId: Int64, eventType: String, status: String, size: Micros? = nil,
                 price: Micros? = nil, payload: String = "{}") {
        self.id = id
        self.orderId = orderId
        self.eventType = eventType
        self.status = status
        self.size = size
        self.price = price
        self.payload = payload
    }
}

/// The mutable part of an order, applied by ``OrderRepository/update(id:_:)``.
package struct OrderUpdate: Sendable {
    package var status: OrderStatus
    package var exchangeOrderId: String?
    package var filledSize: Micros
    package var averageFillPrice: Micros?
    package var fee: Micros
    package var error: String?

    /// Takes the current values of an order as the starting point.
    package init(from order: CopyOrder) {
        status = order.status
        exchangeOrderId = order.exchangeOrderId
        filledSize = order.filledSize
        averageFillPrice = order.averageFillPrice
        fee = order.fee
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
    /// Applies a state change.
    func update(id: Int64, _ change: OrderUpdate) async throws
    /// Orders that are not terminal, oldest first.
    func open() async throws -> [CopyOrder]
    /// Appends an event to an order's history.
    @discardableResult func appendEvent(_ event: OrderEvent) async throws -> OrderEvent
    /// An order's events, oldest first.
    func events(orderId: Int64) async throws -> [OrderEvent]
}
