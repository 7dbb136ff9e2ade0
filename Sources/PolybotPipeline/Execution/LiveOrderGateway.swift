import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket

/// What happened to a placement.
package enum PlacementOutcome: Sendable {
    /// The CLOB accepted the order (resting or matched).
    case placed(CopyOrder)
    /// This signal already has its order; nothing was sent.
    case alreadyPlaced(CopyOrder)
    /// The CLOB refused it, with its message.
    case rejected(CopyOrder, String)
    /// No answer and the order could not be found yet: it stays `unknown` until a lookup resolves it.
    case unknown(CopyOrder)

    /// The order record.
    package var order: CopyOrder {
        switch self {
        case .placed(let o), .alreadyPlaced(let o), .rejected(let o, _), .unknown(let o): o
        }
    }
}

/// Places CLOB V2 orders at most once per signal, whatever crashes and timeouts happen:
/// 1. the signed order's identity (salt, timestamp, digest = the CLOB's order id) is persisted as an `intent`
///    **before** anything is sent, under a unique idempotency key (one entry per signal is also a database rule);
/// 2. a request that times out leaves the order `unknown` and is resolved by looking the digest up on the CLOB;
/// 3. only an order that the CLOB provably never received is sent again — rebuilt from the stored salt and timestamp,
///    so it is byte-identical (RFC 6979 signatures are deterministic) and the CLOB would refuse a duplicate anyway.
package struct LiveOrderGateway: Sendable {
    let store: PolybotStore
    let clob: ClobClient
    let builder: OrderBuilder
    let apiKey: String
    let logger: Logger
    let now: @Sendable () -> Date

    /// Creates the gateway.
    package init(store: PolybotStore, clob: ClobClient, builder: OrderBuilder, apiKey: String, logger: Logger,
                 now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clob = clob
        self.builder = builder
        self.apiKey = apiKey
        self.logger = logger
        self.now = now
    }

    /// The order request of an approved intent.
    package struct Request: Sendable {
        package var intent: OrderIntent
        package var signalId: Int64
        package var tickSize: TickSize
        package var negRisk: Bool
        package var minimumSize: Micros?
        package var orderType: OrderType
        /// GTD lifetime in seconds (≥ 61).
        package var lifetimeSeconds: Int64

        /// Creates a request.
        package init(intent: OrderIntent, signalId: Int64, tickSize: TickSize, negRisk: Bool, minimumSize: Micros?,
                     orderType: OrderType = .gtd, lifetimeSeconds: Int64 = 300) {
            self.intent = intent
            self.signalId = signalId
            self.tickSize = tickSize
            self.negRisk = negRisk
            self.minimumSize = minimumSize
            self.orderType = orderType
            self.lifetimeSeconds = lifetimeSeconds
        }
    }

    /// Places (or resumes placing) the entry order of a signal.
    ///
    /// - Throws: store errors and ``OrderBuildError`` (nothing is persisted or sent when the order cannot be built).
    package func place(_ r: Request) async throws -> PlacementOutcome {
        let key = "entry:\(r.signalId)"
        if let existing = try await store.orders.get(idempotencyKey: key) { return try await resume(existing, r) }
        let wall = now()
        let timestampMs = UInt64(wall.timeIntervalSince1970 * 1000)
        let seconds = Int64(wall.timeIntervalSince1970)
        let signed = try sign(r, salt: OrderBuilder.randomSalt(), timestampMs: timestampMs, now: seconds)
        let intent = CopyOrder(
            idempotencyKey: key, signalId: r.signalId, purpose: .entry, mode: .live, salt: String(signed.order.salt),
            conditionId: r.intent.conditionId, asset: r.intent.asset, side: r.intent.side, orderType: r.orderType, price: r.intent.price,
            size: r.intent.shares, makerAmount: signed.order.makerAmount, takerAmount: signed.order.takerAmount,
            expiration: signed.order.expiration, status: .intent, orderDigest: HexCoding.encode(signed.digest),
            orderTimestampMs: Int64(timestampMs))
        let stored: CopyOrder
        do {
            stored = try await store.orders.create(intent)
        } catch StoreError.duplicate {
            // Another attempt for the same signal got there first: never a second order.
            guard let existing = try await store.orders.get(idempotencyKey: key) else { throw StoreError.notFound(key) }
            return .alreadyPlaced(existing)
        }
        return try await send(stored, signed)
    }

    private func sign(_ r: Request, salt: UInt64, timestampMs: UInt64, now: Int64) throws -> SignedOrderV2 {
        try builder.build(
            OrderRequest(tokenId: r.intent.asset, side: r.intent.side, price: r.intent.price, size: r.intent.shares, orderType: r.orderType,
                         tickSize: r.tickSize, negRisk: r.negRisk, minimumSize: r.minimumSize,
                         expiration: r.orderType == .gtd ? now + max(61, r.lifetimeSeconds) : nil),
            salt: salt, timestampMs: timestampMs, now: now)
    }

    /// An order already on record: done, or resolve it by lookup before anything is re-sent.
    private func resume(_ order: CopyOrder, _ r: Request) async throws -> PlacementOutcome {
        switch order.status {
        case .intent, .submitting, .unknown:
            guard let digest = order.orderDigest else { return .unknown(order) }
            if let found = try? await clob.order(id: digest) { return .alreadyPlaced(try await apply(found, to: order)) }
            // Provably not on the CLOB: send the identical order (same salt and timestamp → same digest and signature).
            guard let salt = UInt64(order.salt), let ts = order.orderTimestampMs else { return .unknown(order) }
            var request = r
            request.intent.price = order.price
            request.intent.shares = order.size
            let signed = try sign(request, salt: salt, timestampMs: UInt64(ts), now: Int64(ts / 1000))
            guard HexCoding.encode(signed.digest) == digest else { return .unknown(order) }
            return try await send(order, signed)
        default:
            return .alreadyPlaced(order)
        }
    }

    private func send(_ order: CopyOrder, _ signed: SignedOrderV2) async throws -> PlacementOutcome {
        var change = OrderUpdate(from: order)
        change.status = .submitting
        try await store.orders.update(id: order.id, change)
        let body = signed.postBody(owner: apiKey, orderType: order.orderType)
        let posted: Result<OrderPostResponse, PolymarketHTTPError>
        do { posted = .success(try await clob.postOrder(body: body)) } catch { posted = .failure(error) }
        switch posted {
        case .success(let response):
            guard response.accepted else {
                return try await reject(order, change, response.errorMsg.isEmpty ? "not accepted" : response.errorMsg)
            }
            change.exchangeOrderId = response.orderID
            let taken = Micros(decimal: order.side == .buy ? response.takingAmount : response.makingAmount) ?? .zero
            change.filledSize = taken
            change.status = taken >= order.size ? .filled : taken > .zero ? .partiallyFilled : .live
            try await store.orders.update(id: order.id, change)
            try await store.orders.appendEvent(OrderEvent(orderId: order.id, eventType: "PLACEMENT", status: response.status.uppercased(),
                                                          size: taken, price: order.price))
            return .placed(try await store.orders.get(id: order.id) ?? order)
        case .failure(.status(let code, let message)) where (400..<500).contains(code) && code != 425 && code != 429:
            return try await reject(order, change, message)
        case .failure(let error):
            // Timeout or transport failure: the order may or may not exist. Look it up before anything else.
            change.status = .unknown
            change.error = "\(error)"
            try await store.orders.update(id: order.id, change)
            logger.warning("order outcome unknown; looking it up", metadata: ["order.id": "\(order.id)", "order.error": "\(error)"])
            if let digest = order.orderDigest, let found = try? await clob.order(id: digest) {
                return .placed(try await apply(found, to: store.orders.get(id: order.id) ?? order))
            }
            return .unknown(try await store.orders.get(id: order.id) ?? order)
        }
    }

    private func reject(_ order: CopyOrder, _ change: OrderUpdate, _ message: String) async throws -> PlacementOutcome {
        var c = change
        c.status = .rejected
        c.error = message
        try await store.orders.update(id: order.id, c)
        return .rejected(try await store.orders.get(id: order.id) ?? order, message)
    }

    /// Records what the CLOB says about an order we could not hear back from.
    private func apply(_ found: ClobOpenOrder, to order: CopyOrder) async throws -> CopyOrder {
        var c = OrderUpdate(from: order)
        c.exchangeOrderId = found.id ?? order.orderDigest
        c.filledSize = found.size_matched?.micros ?? order.filledSize
        c.error = nil
        switch (found.status ?? "").uppercased() {
        case "MATCHED": c.status = c.filledSize >= order.size ? .filled : .partiallyFilled
        case "CANCELED", "CANCELLED": c.status = .cancelled
        default: c.status = c.filledSize > .zero ? .partiallyFilled : .live
        }
        try await store.orders.update(id: order.id, c)
        try await store.orders.appendEvent(OrderEvent(orderId: order.id, eventType: "LOOKUP", status: found.status ?? "", size: c.filledSize,
                                                      price: order.price))
        return try await store.orders.get(id: order.id) ?? order
    }
}
