import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import Synchronization

/// Places CLOB V2 orders at most once per idempotency key (one entry per signal), whatever crashes and timeouts happen:
/// 1. the signed order's identity (salt, timestamp, digest = the CLOB's order id) is persisted as an `intent`
///    **before** anything is sent, under a unique idempotency key (one entry per signal is also a database rule);
/// 2. a request that times out leaves the order `unknown` and is resolved by looking the digest up on the CLOB;
/// 3. only an order that the CLOB provably never received is sent again — rebuilt from the stored salt and timestamp,
///    so it is byte-identical (RFC 6979 signatures are deterministic) and the CLOB would refuse a duplicate anyway.
/// Fills reported by the CLOB go through the ``FillLedger`` (order, position and PnL in one transaction).
package struct LiveOrderGateway: OrderGateway {
    let store: PolybotStore
    let clob: ClobClient
    let builder: OrderBuilder
    let apiKey: String
    let ledger: FillLedger
    /// The market's (condition id's) taker fee schedule: what matched on arrival (we took liquidity) pays.
    let fees: @Sendable (String) async throws -> FeeSchedule
    let logger: Logger
    let now: @Sendable () -> Date
    /// Called once the order is persisted and signed, right before the POST (latency measurement).
    let willSend: @Sendable (CopyOrder) -> Void
    /// Leases on orders being sent or resolved (shared with the order tracker).
    package let inFlight: InFlightOrders
    /// Raised when the venue reports an amount that cannot be read (the fill is then taken from a lookup, never guessed).
    let alarm: @Sendable (String) -> Void
    /// What the matching engine allows now (restart, post-only window, Retry-After), shared by every placement.
    package let venue: VenueStatus
    /// Waits between attempts while the venue cannot take an order.
    let sleep: @Sendable (Duration) async throws -> Void
    /// The other keys Polybot holds (an owner key beside a session key): orders are looked up under each.
    let otherKeys: [ClobClient]
    /// A market's exchange version (nil: the CLOB's default, the builder's domain); nil port: every market is.
    let marketVersion: (@Sendable (String) async throws -> Int?)?
    /// The trading state, read right before every POST (the last step checks).
    package let trading: TradingGate
    let notSent = Counter(label: "orders.not_sent", dimensions: [("reason", "trading_state")])
    let unreadable = Counter(label: "orders.unparseable_amounts")
    let venueWaits = Counter(label: "orders.venue_waits")
    let feeErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "live_fees")])

    /// Creates the gateway.
    package init(
        store: PolybotStore, clob: ClobClient, builder: OrderBuilder, apiKey: String, ledger: FillLedger,
        fees: @escaping @Sendable (String) async throws -> FeeSchedule, logger: Logger,
        now: @escaping @Sendable () -> Date = { SystemPipelineClock().date() },
        willSend: @escaping @Sendable (CopyOrder) -> Void = { _ in },
        inFlight: InFlightOrders = InFlightOrders(), alarm: @escaping @Sendable (String) -> Void = { _ in },
        venue: VenueStatus = VenueStatus(), otherKeys: [ClobClient] = [],
        marketVersion: (@Sendable (String) async throws -> Int?)? = nil, trading: TradingGate = TradingGate(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await SystemPipelineClock().sleep(for: $0) }
    ) {
        self.trading = trading
        self.venue = venue
        self.sleep = sleep
        self.otherKeys = otherKeys
        self.marketVersion = marketVersion
        self.inFlight = inFlight
        self.alarm = alarm
        self.store = store
        self.clob = clob
        self.builder = builder
        self.apiKey = apiKey
        self.ledger = ledger
        self.fees = fees
        self.logger = logger
        self.now = now
        self.willSend = willSend
    }

    /// Places (or resumes placing) an order.
    ///
    /// - Throws: store errors and ``OrderBuildError`` (nothing is persisted or sent when the order cannot be built).
    package func place(_ r: ExecutionRequest) async throws -> PlacementOutcome {
        let key = r.idempotencyKey
        if let existing = try await store.orders.get(idempotencyKey: key) { return try await resume(existing, r) }
        let wall = now()
        let timestampMs = UInt64(wall.timeIntervalSince1970 * 1000)
        let seconds = Int64(wall.timeIntervalSince1970)
        let signed = try await sign(
            r, price: r.intent.price, shares: r.intent.shares, salt: OrderBuilder.randomSalt(),
            timestampMs: timestampMs,
            now: seconds)
        let intent = CopyOrder(
            idempotencyKey: key, signalId: r.signalId, purpose: r.purpose, mode: .live, salt: String(signed.order.salt),
            conditionId: r.intent.conditionId, asset: r.intent.asset, side: r.intent.side, orderType: r.orderType,
            price: r.intent.price,
            size: r.intent.shares, makerAmount: signed.order.makerAmount, takerAmount: signed.order.takerAmount,
            expiration: signed.order.expiration, status: .intent, orderDigest: HexCoding.encode(signed.digest),
            orderTimestampMs: Int64(timestampMs), eventSlug: r.intent.eventSlug, outcome: r.outcome,
            whalePrice: r.intent.whalePrice)
        let stored: CopyOrder
        do {
            stored = try await store.orders.create(intent)
        } catch StoreError.duplicate {
            // Another attempt for the same key got there first: never a second order.
            guard let existing = try await store.orders.get(idempotencyKey: key) else { throw StoreError.notFound(key) }
            return .alreadyPlaced(existing)
        }
        return try await send(stored, signed, r)
    }

    func sign(
        _ r: ExecutionRequest, price: Micros, shares: Micros, salt: UInt64, timestampMs: UInt64, now: Int64
    ) async throws
        -> SignedOrderV2
    {
        let (signer, negRisk) = try await signer(for: r)
        return try signer.build(
            OrderRequest(
                tokenId: r.intent.asset, side: r.intent.side, price: price, size: shares, orderType: r.orderType,
                tickSize: r.tickSize, negRisk: negRisk, minimumSize: r.minimumSize,
                expiration: r.orderType == .gtd ? now + max(61, r.lifetimeSeconds) : nil),
            salt: salt, timestampMs: timestampMs, now: now)
    }

    /// The builder for the request's market: the CLOB's default domain, or the market's own exchange version (V3: one
    /// exchange for every market, so its orders are never signed for a separate neg-risk exchange). A version this build
    /// does not know, or one that cannot be read, signs nothing.
    func signer(for r: ExecutionRequest) async throws -> (OrderBuilder, Bool) {
        guard let marketVersion else { return (builder, r.negRisk) }
        let version: Int?
        do { version = try await marketVersion(r.intent.conditionId) } catch {
            throw LiveOrderError.exchangeVersionUnreadable(conditionId: r.intent.conditionId, "\(error)")
        }
        guard let version, String(version) != builder.domain.version else { return (builder, r.negRisk) }
        guard let domain = ExchangeDomain.forVersion(version, chainId: builder.domain.chainId) else {
            throw LiveOrderError.unknownExchangeVersion(version, conditionId: r.intent.conditionId)
        }
        return (builder.with(domain: domain), domain.exchange == domain.negRiskExchange ? false : r.negRisk)
    }

    /// Signs and sends an order an operator approved from the queue (the queue row becomes the order).
    package func placeApproved(_ order: CopyOrder, _ r: ExecutionRequest) async throws -> PlacementOutcome {
        let wall = now()
        let timestampMs = UInt64(wall.timeIntervalSince1970 * 1000)
        let signed = try await sign(
            r, price: order.price, shares: order.size, salt: OrderBuilder.randomSalt(), timestampMs: timestampMs,
            now: Int64(wall.timeIntervalSince1970))
        guard
            try await store.orders.markSigned(
                id: order.id, salt: String(signed.order.salt), makerAmount: signed.order.makerAmount,
                takerAmount: signed.order.takerAmount,
                expiration: signed.order.expiration, digest: HexCoding.encode(signed.digest),
                timestampMs: Int64(timestampMs))
        else { return .alreadyPlaced(try await store.orders.get(id: order.id) ?? order) }
        guard let stored = try await store.orders.get(id: order.id) else {
            throw StoreError.notFound("order \(order.id)")
        }
        return try await send(stored, signed, r)
    }

    /// An order already on record: done, or resolve it by lookup before anything is re-sent. An order whose lease is
    /// held (its POST is in flight) is left alone: nothing is looked up, re-sent or recorded for it.
    package func resume(_ order: CopyOrder, _ r: ExecutionRequest) async throws -> PlacementOutcome {
        switch order.status {
        case .intent, .submitting, .unknown:
            guard inFlight.acquire(order.id) else { return .alreadyPlaced(order) }
            defer { inFlight.release(order.id) }
            // Re-read under the lease: the request that held it may have finished the order meanwhile.
            guard let current = try await store.orders.get(id: order.id) else { return .unknown(order) }
            guard [.intent, .submitting, .unknown].contains(current.status) else { return .alreadyPlaced(current) }
            return try await resolve(current, r)
        default:
            return .alreadyPlaced(order)
        }
    }

    func resolve(_ order: CopyOrder, _ r: ExecutionRequest) async throws -> PlacementOutcome {
        guard let digest = order.orderDigest else { return .unknown(order) }
        let lookup: ClobOpenOrder?
        do { lookup = try await lookUp(digest) } catch {
            // The CLOB did not answer: we cannot prove anything, so nothing is sent.
            logger.warning(
                "order lookup failed; nothing sent, looked up again on the next poll",
                metadata: ["order.id": "\(order.id)", "error": "\(error)"])
            return .unknown(order)
        }
        if let found = lookup {
            let applied = try await apply(found, to: order)
            if applied.status == .live || applied.status == .partiallyFilled,
                case .refuse(let reason) = trading.decision(for: applied.purpose)
            {
                return .alreadyPlaced(try await cancelResting(applied, because: reason))
            }
            return .alreadyPlaced(applied)
        }
        // Provably not on the CLOB. A GTD order past its expiry would be refused: it ends expired, never re-sent.
        if order.orderType == .gtd, order.expiration > 0, order.expiration - 60 <= Int64(now().timeIntervalSince1970) {
            _ = try await store.orders.setStatus(
                id: order.id, from: [.intent, .submitting, .unknown], to: .expired,
                error: "never reached the CLOB and expired before it could be re-sent")
            return .rejected(try await store.orders.get(id: order.id) ?? order, "expired before it was sent")
        }
        // Send the identical order (same salt and timestamp → same digest and signature).
        guard let salt = UInt64(order.salt), let ts = order.orderTimestampMs else { return .unknown(order) }
        let signed = try await sign(
            r, price: order.price, shares: order.size, salt: salt, timestampMs: UInt64(ts), now: Int64(ts / 1000))
        guard HexCoding.encode(signed.digest) == digest else { return .unknown(order) }
        return try await post(order, signed, r)
    }

    /// Looks an order up under the trading key, then under every other key Polybot holds (an order placed before a
    /// switch to a session key is listed under the key that placed it).
    package func lookUp(_ id: String) async throws(PolymarketHTTPError) -> ClobOpenOrder? {
        if let found = try await clob.order(id: id) { return found }
        for other in otherKeys {
            if let found = try await other.order(id: id) { return found }
        }
        return nil
    }

    /// Sends under the order's lease (taken here; a held lease means another request is sending it).
    func send(
        _ order: CopyOrder, _ signed: SignedOrderV2, _ r: ExecutionRequest
    ) async throws
        -> PlacementOutcome
    {
        guard inFlight.acquire(order.id) else { return .alreadyPlaced(order) }
        defer { inFlight.release(order.id) }
        return try await post(order, signed, r)
    }

    /// The last moment (Unix seconds) the order may still be sent: a GTD order while the venue accepts its expiry
    /// (at least a minute ahead), any other while its request is valid.
    func deadline(_ order: CopyOrder, _ r: ExecutionRequest) -> Double {
        if order.orderType == .gtd, order.expiration > 0 { return Double(order.expiration - 60) }
        return Double(r.detectedAtMs) / 1000 + Double(r.lifetimeSeconds)
    }

    /// Waits while the venue cannot take a taker order and its validity allows (``VenueWait`` decides); nil to send
    /// now, or the order's end (`expired`, never sent, with the reason) when the wait would outlast it.
    func awaitVenue(_ order: CopyOrder, _ wait: inout VenueWait) async throws -> PlacementOutcome? {
        let t = now().timeIntervalSince1970
        switch wait.next(venue.gate(now: t), now: t) {
        case .send:
            return nil
        case .expire(let reason):
            _ = try await store.orders.setStatus(
                id: order.id, from: [.intent, .submitting, .unknown], to: .expired, error: reason)
            logger.warning(
                "order not sent: the venue could not take it in time",
                metadata: ["order.id": "\(order.id)", "reason": "\(reason)"])
            return .rejected(try await store.orders.get(id: order.id) ?? order, reason)
        case .wait(let seconds, let why):
            venueWaits.increment()
            logger.info(
                "waiting for the venue", metadata: ["order.id": "\(order.id)", "why": "\(why)", "wait_s": "\(seconds)"])
            // In slices, so a halt during the wait ends the order now rather than when the venue would have taken it.
            var left = seconds
            while left > 0, trading.decision(for: order.purpose) == .send {
                let slice = min(left, 0.25)
                try await sleep(.milliseconds(Int64(slice * 1000)))
                left -= slice
            }
            return nil
        }
    }

    /// The venue refused a taker order because its engine is in post-only mode.
    package static func isPostOnlyMode(_ message: String) -> Bool {
        let m = message.lowercased()
        return m.contains("post-only mode") || m.contains("post only mode")
    }

    /// The POST itself; the caller holds the lease. A refusal that proves the order was not taken (425 while the engine
    /// restarts, 429 with Retry-After, post-only mode) puts it back to `intent` and the identical order (same digest: the
    /// venue's order id, so it can never be taken twice) is sent again once the venue can take it, within its validity.
    func post(
        _ order: CopyOrder, _ signed: SignedOrderV2, _ r: ExecutionRequest
    ) async throws
        -> PlacementOutcome
    {
        var wait = VenueWait(deadline: deadline(order, r))
        // An order that may have reached the venue before (its POST had no answer, or a crash came in between).
        let everSent = order.status == .submitting || order.status == .unknown
        while true {
            if let stopped = try await lastStep(order, everSent: everSent) { return stopped }
            if let ended = try await awaitVenue(order, &wait) { return ended }
            wait.posting()
            guard let outcome = try await postOnce(order, signed, everSent: everSent) else { continue }
            // A halt that came while the POST was in flight: whatever rests on the venue now is cancelled at once.
            let placed = outcome.order
            if placed.status == .live || placed.status == .partiallyFilled,
                case .refuse(let reason) = trading.decision(for: placed.purpose)
            {
                return .placed(try await cancelResting(placed, because: reason))
            }
            return outcome
        }
    }
}
