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
    private let notSent = Counter(label: "orders.not_sent", dimensions: [("reason", "trading_state")])
    private let unreadable = Counter(label: "orders.unparseable_amounts")
    private let venueWaits = Counter(label: "orders.venue_waits")
    private let feeErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "live_fees")])

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

    private func sign(
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
    private func signer(for r: ExecutionRequest) async throws -> (OrderBuilder, Bool) {
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

    private func resolve(_ order: CopyOrder, _ r: ExecutionRequest) async throws -> PlacementOutcome {
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
    private func send(
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
    private func deadline(_ order: CopyOrder, _ r: ExecutionRequest) -> Double {
        if order.orderType == .gtd, order.expiration > 0 { return Double(order.expiration - 60) }
        return Double(r.detectedAtMs) / 1000 + Double(r.lifetimeSeconds)
    }

    /// Waits while the venue cannot take a taker order and its validity allows; nil to send now, or the order's end
    /// (`expired`, never sent, with the reason) when the wait would outlast it.
    private func awaitVenue(
        _ order: CopyOrder, deadline: Double, backoff: inout Double, tried: Bool
    ) async throws
        -> PlacementOutcome?
    {
        let t = now().timeIntervalSince1970
        let wait: Double
        let why: String
        switch venue.gate(now: t) {
        case .open: return nil
        // A restart has no announced end, and what another order saw may be stale: an order not yet tried is sent at
        // once (a 425 proves it was not taken), then backs off.
        case .restarting where !tried && t <= deadline: return nil
        case .restarting(let since):
            wait = backoff
            backoff = min(backoff * 2, 8)
            why = "the matching engine has been restarting (HTTP 425) since \(Self.time(since))"
        case .postOnly(let until):
            wait = until - t
            why = "the venue accepts only post-only orders after a matching-engine restart until \(Self.time(until))"
        case .rateLimited(let until):
            wait = until - t
            why = "the signer is rate limited (HTTP 429) until \(Self.time(until))"
        }
        guard t + wait <= deadline else {
            let reason = "not sent: \(why); the order could be sent only until \(Self.time(deadline))"
            _ = try await store.orders.setStatus(
                id: order.id, from: [.intent, .submitting, .unknown], to: .expired, error: reason)
            logger.warning(
                "order not sent: the venue could not take it in time",
                metadata: ["order.id": "\(order.id)", "reason": "\(reason)"])
            return .rejected(try await store.orders.get(id: order.id) ?? order, reason)
        }
        venueWaits.increment()
        logger.info(
            "waiting for the venue", metadata: ["order.id": "\(order.id)", "why": "\(why)", "wait_s": "\(wait)"])
        // In slices, so a halt during the wait ends the order now rather than when the venue would have taken it.
        var left = max(0, wait)
        while left > 0, trading.decision(for: order.purpose) == .send {
            let slice = min(left, 0.25)
            try await sleep(.milliseconds(Int64(slice * 1000)))
            left -= slice
        }
        return nil
    }

    private static func time(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }

    /// The venue refused a taker order because its engine is in post-only mode.
    package static func isPostOnlyMode(_ message: String) -> Bool {
        let m = message.lowercased()
        return m.contains("post-only mode") || m.contains("post only mode")
    }

    /// The POST itself; the caller holds the lease. A refusal that proves the order was not taken (425 while the engine
    /// restarts, 429 with Retry-After, post-only mode) puts it back to `intent` and the identical order (same digest: the
    /// venue's order id, so it can never be taken twice) is sent again once the venue can take it, within its validity.
    private func post(
        _ order: CopyOrder, _ signed: SignedOrderV2, _ r: ExecutionRequest
    ) async throws
        -> PlacementOutcome
    {
        let deadline = deadline(order, r)
        var backoff = 1.0
        var tried = false
        // An order that may have reached the venue before (its POST had no answer, or a crash came in between).
        let everSent = order.status == .submitting || order.status == .unknown
        while true {
            if let stopped = try await lastStep(order, everSent: everSent) { return stopped }
            if let ended = try await awaitVenue(order, deadline: deadline, backoff: &backoff, tried: tried) {
                return ended
            }
            tried = true
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

    /// The last step: the trading state right before a POST. Nil to send; otherwise the order is not sent — refused
    /// (halted; reduce-only for an entry): it ends `cancelled` with the reason (e.g. `trading_halted`) and is never
    /// sent again; state not loaded yet: it goes back to `intent` for the next attempt.
    private func lastStep(_ order: CopyOrder, everSent: Bool) async throws -> PlacementOutcome? {
        switch trading.decision(for: order.purpose) {
        case .send:
            return nil
        case .wait:
            _ = try await store.orders.setStatus(
                id: order.id, from: [.submitting], to: everSent ? .unknown : .intent, error: nil)
            return .unknown(try await store.orders.get(id: order.id) ?? order)
        case .refuse(let reason):
            if everSent, let digest = order.orderDigest {
                // It may be on the venue although no lookup listed it: a cancel for its id first (harmless when the
                // venue never got it), then a lookup records what it matched before. Without answers it stays
                // `unknown` for the next look.
                let found: ClobOpenOrder?
                do {
                    _ = try await clob.cancel(orderId: digest)
                    found = try await lookUp(digest)
                } catch {
                    _ = try await store.orders.setStatus(
                        id: order.id, from: [.submitting, .intent], to: .unknown, error: "halt cancel failed: \(error)")
                    return .unknown(try await store.orders.get(id: order.id) ?? order)
                }
                if let found {
                    let current = try await store.orders.get(id: order.id) ?? order
                    let applied = try await apply(found, to: current)
                    // Still resting (the cancel did not take yet): the caller cancels it again; named once it ended.
                    if applied.status.isTerminal {
                        let text = "\(reason.rawValue): cancelled on the venue after the trading state changed"
                        _ = try await store.orders.setStatus(
                            id: order.id, from: [applied.status], to: applied.status, error: text)
                    }
                    return .alreadyPlaced(try await store.orders.get(id: order.id) ?? applied)
                }
            }
            notSent.increment()
            let text = "\(reason.rawValue): not sent; the trading state refused it right before the POST"
            _ = try await store.orders.setStatus(
                id: order.id, from: [.intent, .submitting, .unknown], to: .cancelled, error: text)
            logger.notice(
                "order not sent: trading state", metadata: ["order.id": "\(order.id)", "reason": "\(reason.rawValue)"])
            return .rejected(try await store.orders.get(id: order.id) ?? order, text)
        }
    }

    /// Cancels an order resting on the venue because the trading state no longer allows it (halt; reduce-only for an
    /// entry), and records what the venue then says about it: what filled before the cancel stays filled, the order's
    /// error names the reason. The cancel is sent whether or not the venue lists the order (a cancel of an unknown id is
    /// harmless; an order the lookup has not indexed yet must not keep resting).
    package func cancelResting(_ order: CopyOrder, because reason: DenialReason) async throws -> CopyOrder {
        let id = order.exchangeOrderId ?? order.orderDigest ?? ""
        _ = try await clob.cancel(orderId: id)
        let found = try await lookUp(id)
        let matched = found?.size_matched?.micros ?? order.venueMatched
        let trades =
            matched > order.filledSize ? await tradeFills(order, tradeIds: found?.associate_trades ?? []) : []
        // Ended only when the venue says so (or no longer lists it): an order it still shows resting (a delayed order
        // inside its taker delay, a cancel that did not take) stays open and is cancelled again on the next poll.
        let venueStatus = (found?.status ?? "CANCELED").uppercased()
        let stillResting = found != nil && (venueStatus == "LIVE" || venueStatus == "DELAYED")
        let applied = try await ledger.report(
            orderId: order.id, venueMatched: matched, trades: trades,
            status: stillResting ? nil : (matched >= order.size ? .filled : .cancelled),
            eventType: "CANCELLATION", venueStatus: venueStatus)
        guard !stillResting else {
            logger.warning(
                "the venue still shows the order resting after our cancel; cancelled again on the next poll",
                metadata: ["order.id": "\(order.id)", "reason": "\(reason.rawValue)"])
            return applied.order
        }
        let text = "\(reason.rawValue): cancelled on the venue after the trading state changed"
        _ = try await store.orders.setStatus(
            id: order.id, from: [applied.order.status], to: applied.order.status, error: text)
        return try await store.orders.get(id: order.id) ?? applied.order
    }

    /// One POST: its outcome, or nil when the venue provably did not take the order and it may be sent again.
    private func postOnce(
        _ order: CopyOrder, _ signed: SignedOrderV2, everSent: Bool
    ) async throws -> PlacementOutcome? {
        // `submitting` too: an order a crash left between this write and its POST is re-sent (identical) after its
        // lookup proved it absent; the caller holds the lease.
        guard
            try await store.orders.setStatus(
                id: order.id, from: [.intent, .unknown, .submitting], to: .submitting, error: nil)
        else {
            // Ended meanwhile (a halt resolved it, a lookup found it): never sent on a stale record.
            return .alreadyPlaced(try await store.orders.get(id: order.id) ?? order)
        }
        let body = signed.postBody(owner: apiKey, orderType: order.orderType)
        // The last step checks: nothing between the decision and here (queues, waits, the write above) may outlive a
        // halt — and the client checks once more after its rate-limit waits, right before the bytes leave.
        if let stopped = try await lastStep(order, everSent: everSent) { return stopped }
        willSend(order)
        let trading = self.trading
        let purpose = order.purpose
        let posted: Result<OrderPostResponse, PolymarketHTTPError>
        do {
            posted = .success(
                try await clob.postOrder(body: body, lastCheck: { trading.decision(for: purpose) == .send }))
        } catch { posted = .failure(error) }
        let t = now().timeIntervalSince1970
        func notTaken(_ why: String) async throws -> PlacementOutcome? {
            _ = try await store.orders.setStatus(id: order.id, from: [.submitting], to: .intent, error: why)
            return nil
        }
        switch posted {
        case .failure(.withheld):
            // Refused after the rate-limit waits: nothing left; the last step ends it (or sends it, if allowed again).
            _ = try await store.orders.setStatus(
                id: order.id, from: [.submitting], to: everSent ? .unknown : .intent, error: nil)
            return try await lastStep(order, everSent: everSent)
        case .failure(.status(425, let message)):
            venue.update { $0.sawRestart(now: t) }
            alarm("matching engine restarting (HTTP 425): order \(order.id) waits for it")
            return try await notTaken("matching engine restarting (HTTP 425): \(message)")
        case .failure(.rateLimited(let after?)):
            venue.update { $0.sawRateLimit(now: t, retryAfter: after) }
            return try await notTaken("rate limited (HTTP 429), retry after \(after) s")
        case .failure(.rateLimited(nil)):
            // Over capacity (the request costs more than the signer's burst): the venue refuses it for good.
            return try await reject(order, "HTTP 429 without Retry-After: over the signer's capacity; not retried")
        case .failure(.restricted(let r)) where r.mode == .postOnly:
            // 503 post_only_mode: the window ends when the venue says (retry_after_seconds / Retry-After).
            venue.update { $0.sawPostOnly(now: t, retryAfter: r.retryAfter) }
            return try await notTaken("venue in post-only mode (HTTP 503 post_only_mode): \(r.message)")
        case .failure(.restricted(let r)):
            // Cancel-only: no new orders for an unannounced time (hours at a cutover); the copy ends, named, unsent.
            let reason = "not sent: the venue is cancel-only (HTTP 503): \(r.message)"
            _ = try await store.orders.setStatus(
                id: order.id, from: [.intent, .submitting, .unknown], to: .expired, error: reason)
            alarm("venue cancel-only: order \(order.id) not sent")
            return .rejected(try await store.orders.get(id: order.id) ?? order, reason)
        case .failure(.status(let code, let message)) where (400..<500).contains(code) && Self.isPostOnlyMode(message):
            venue.update { $0.sawPostOnly(now: t) }
            return try await notTaken("venue in post-only mode: \(message)")
        case .success(let response) where !response.accepted && Self.isPostOnlyMode(response.errorMsg):
            venue.update { $0.sawPostOnly(now: t) }
            return try await notTaken("venue in post-only mode: \(response.errorMsg)")
        case .success(let response):
            venue.update { $0.sawTakerAccepted() }
            guard response.accepted else {
                if Self.isDuplicate(response.errorMsg) { return try await lookUpExisting(order) }
                return try await reject(order, response.errorMsg.isEmpty ? "not accepted" : response.errorMsg)
            }
            try await store.orders.markAccepted(
                id: order.id, exchangeOrderId: response.orderID.isEmpty ? order.orderDigest ?? "" : response.orderID)
            // Trade ids first: each is followed until the venue confirms it, whatever happens to this request next.
            if !response.tradeIDs.isEmpty {
                _ = try await store.orders.recordTrades(orderId: order.id, tradeIds: response.tradeIDs)
            }
            // makingAmount/takingAmount are what matched at once: USDC and shares for a BUY, the reverse for a SELL. The
            // venue sends "" when nothing matched (a resting order); anything else that is not a decimal is an alarm,
            // and the fill is then read from the order lookup rather than booked as zero.
            let sharesText = order.side == .buy ? response.takingAmount : response.makingAmount
            let usdcText = order.side == .buy ? response.makingAmount : response.takingAmount
            guard let shares = Self.amount(sharesText), let usdcOrNil = Self.amount(usdcText) else {
                unreadable.increment()
                let problem =
                    "order \(order.id): venue amounts not readable (making \"\(response.makingAmount)\", taking \"\(response.takingAmount)\"); fill taken from a lookup"
                logger.error(
                    "unreadable venue amounts",
                    metadata: [
                        "order.id": "\(order.id)", "making": "\(response.makingAmount)",
                        "taking": "\(response.takingAmount)",
                    ])
                alarm(problem)
                return try await lookUpExisting(store.orders.get(id: order.id) ?? order)
            }
            _ = usdcOrNil
            // The books are the trades: each matched trade is read from the venue (size, price, our side) and its
            // fee computed per trade; one that cannot be read yet stays pending (the tracker completes it), never
            // booked at our limit or at the answer's average.
            let trades = shares > .zero ? await tradeFills(order, tradeIds: response.tradeIDs) : []
            let filled = try await ledger.report(
                orderId: order.id, venueMatched: shares, trades: trades,
                // `delayed`: queued behind the market's matching delay, not a failure: what it matches comes later.
                status: (order.orderType == .fok || order.orderType == .fak)
                    && response.status.lowercased() != "delayed"
                    ? (shares >= order.size ? .filled : .cancelled) : nil,
                eventType: "PLACEMENT", venueStatus: response.status.uppercased())
            return .placed(filled.order)
        case .failure(.status(let code, let message)) where (400..<500).contains(code) && Self.isDuplicate(message):
            // "Duplicated" means the venue already has this very order (same digest): look it up, never reject it.
            return try await lookUpExisting(order)
        case .failure(.status(let code, let message)) where (400..<500).contains(code) && code != 425 && code != 429:
            return try await reject(order, message)
        case .failure(let error):
            // Timeout or transport failure: the order may or may not exist. Look it up before anything else.
            _ = try await store.orders.setStatus(
                id: order.id, from: [.intent, .submitting], to: .unknown, error: "\(error)")
            logger.warning(
                "order outcome unknown; looking it up",
                metadata: ["order.id": "\(order.id)", "order.error": "\(error)"])
            if let digest = order.orderDigest {
                do {
                    if let found = try await lookUp(digest) {
                        return .placed(try await apply(found, to: store.orders.get(id: order.id) ?? order))
                    }
                } catch {
                    // Still unknown: the tracker's next poll looks it up again; nothing is sent meanwhile.
                    logger.warning(
                        "lookup after an unknown outcome failed",
                        metadata: ["order.id": "\(order.id)", "error": "\(error)"])
                }
            }
            return .unknown(try await store.orders.get(id: order.id) ?? order)
        }
    }

    /// The venue says the order exists: read it and record what it says; unknown until a lookup answers.
    private func lookUpExisting(_ order: CopyOrder) async throws -> PlacementOutcome {
        let found: ClobOpenOrder?
        do { found = try await lookUp(order.orderDigest ?? order.exchangeOrderId ?? "") } catch { found = nil }
        if let found { return .alreadyPlaced(try await apply(found, to: order)) }
        _ = try await store.orders.setStatus(
            id: order.id, from: [.intent, .submitting], to: .unknown,
            error: "venue reports a duplicate; being looked up")
        return .unknown(try await store.orders.get(id: order.id) ?? order)
    }

    /// The venue's duplicate-order refusal ("order … is invalid. Duplicated.").
    package static func isDuplicate(_ message: String) -> Bool { message.lowercased().contains("duplicate") }

    /// A venue amount: "" is nothing (documented for resting orders), a decimal is itself, anything else is nil.
    package static func amount(_ text: String) -> Micros? { text.isEmpty ? .zero : Micros(decimal: text) }

    private func reject(_ order: CopyOrder, _ message: String) async throws -> PlacementOutcome {
        _ = try await store.orders.setStatus(
            id: order.id, from: [.intent, .submitting, .unknown], to: .rejected, error: message)
        return .rejected(try await store.orders.get(id: order.id) ?? order, message)
    }

    /// Records what the CLOB says about an order (lookup after a timeout, reconciliation, REST polling).
    package func apply(_ found: ClobOpenOrder, to order: CopyOrder) async throws -> CopyOrder {
        let matched = found.size_matched?.micros ?? .zero
        // A fill found here (after a timeout, or by polling) is booked from its trades as the venue recorded them
        // (size, price, our side; the taker fee per trade, makers pay none). Read before the order moves, so its
        // acceptance and its fill are recorded back to back.
        let trades = matched > order.filledSize ? await tradeFills(order, tradeIds: found.associate_trades ?? []) : []
        if order.exchangeOrderId == nil || !order.status.isTerminal {
            try await store.orders.markAccepted(id: order.id, exchangeOrderId: found.id ?? order.orderDigest ?? "")
        }
        let status: OrderStatus? =
            switch (found.status ?? "").uppercased() {
            case "CANCELED", "CANCELLED", "CANCELED_MARKET_RESOLVED": .cancelled
            case "MATCHED": matched >= order.size ? .filled : nil
            default: nil
            }
        return try await ledger.report(
            orderId: order.id, venueMatched: matched, trades: trades, status: status, eventType: "LOOKUP",
            venueStatus: found.status ?? ""
        ).order
    }

    /// An order's trades as the venue recorded them (`GET /data/trades?id=`), each with our size, price, side and fee.
    /// A trade that cannot be read yet (not listed, unreadable, the market's fee unknown) is returned with what is known
    /// — its id at least — so its row exists and stays pending; the failure is counted and raised, never guessed.
    package func tradeFills(_ order: CopyOrder, tradeIds: [String]) async -> [TradeFill] {
        var out: [TradeFill] = []
        for id in Set(tradeIds) where !id.isEmpty {
            do {
                guard let trade = try await clob.trade(id: id) else {
                    throw PolymarketHTTPError.invalidRequest("trade \(id) not listed yet")
                }
                out.append(try await tradeFill(trade, of: order))
            } catch {
                // Often only not listed yet: the tracker completes it (and raises it if it stays incomplete).
                feeErrors.increment()
                logger.warning(
                    "trade not read yet; pending in the books",
                    metadata: ["order.id": "\(order.id)", "trade.id": "\(id)", "error": "\(error)"])
                out.append(TradeFill(tradeId: id))
            }
        }
        return out
    }

    /// One venue trade record as a trade of `order`; throws when the fee of a taker trade cannot be known.
    package func tradeFill(_ trade: ClobTrade, of order: CopyOrder) async throws -> TradeFill {
        let ids = Set([order.exchangeOrderId, order.orderDigest].compactMap { $0 })
        return try await withTakerFee(VenueTrade.fill(trade, orderIds: ids), of: order)
    }

    /// A taker trade with its fee: the market's schedule on the trade's own size and price, floored to 0.00001.
    private func withTakerFee(_ trade: TradeFill, of order: CopyOrder) async throws -> TradeFill {
        guard trade.fee == nil, trade.traderSide == "TAKER", let size = trade.size, let price = trade.price else {
            return trade
        }
        var fill = trade
        let schedule = try await fees(order.conditionId)
        guard let fee = schedule.takerFee(shares: size, price: price) else {
            throw PolymarketHTTPError.invalidRequest("fee not computable at \(price)")
        }
        fill.fee = fee
        return fill
    }

    /// ``withTakerFee(_:of:)`` for a trade already read (the user channel): a fee that cannot be known is counted and
    /// raised, and the trade is booked without it — pending, completed by the tracker's next look at the trade.
    package func completingFee(_ trade: TradeFill, of order: CopyOrder) async -> TradeFill {
        do { return try await withTakerFee(trade, of: order) } catch {
            feeErrors.increment()
            alarm("order \(order.id): fee of trade \(trade.tradeId) unknown (\(error)); it stays pending")
            return trade
        }
    }
}

/// Why a live order was not signed.
package enum LiveOrderError: Error, CustomStringConvertible {
    case exchangeVersionUnreadable(conditionId: String, String)
    case unknownExchangeVersion(Int, conditionId: String)
    case unknownProtocolVersion(String, conditionId: String)
    case marketNotListed(conditionId: String)
    case noVersionSource

    package var description: String {
        switch self {
        case .exchangeVersionUnreadable(let c, let e):
            "market \(c): its exchange version could not be read (\(e)); nothing is signed without it"
        case .unknownExchangeVersion(let v, let c):
            "market \(c) is on exchange version \(v), which this build cannot sign for; not traded"
        case .unknownProtocolVersion(let v, let c):
            "market \(c) is on protocol version \"\(v)\", which this build cannot sign for; not traded"
        case .marketNotListed(let c):
            "market \(c) is not listed on Gamma, so its protocol version is unknown; not traded"
        case .noVersionSource:
            "no Gamma client is configured to read each market's protocol version; nothing live is signed"
        }
    }
}

/// Exchange versions per market (condition id), read once each from the CLOB's `/markets/{condition_id}`.
package final class MarketVersions: Sendable {
    private let known = Mutex<[String: Int?]>([:])
    private let read: @Sendable (String) async throws -> Int?

    /// A cache over a reader (the CLOB's market record's `version`).
    package init(read: @escaping @Sendable (String) async throws -> Int?) { self.read = read }

    /// The gateway's port over Gamma (the venue's documented source, feeds notes §6.5): each market's protocol
    /// `version`, read once — "v1" signs for the V2 exchanges, "v2" for ExchangeV3; a market Gamma does not list, or a
    /// version this build does not know, is never signed for (the error names it).
    package static func reading(_ gamma: GammaClient) -> @Sendable (String) async throws -> Int? {
        let versions = MarketVersions(read: { conditionId in
            guard
                let market = try await gamma.markets(conditionIds: [conditionId]).first(where: {
                    $0.conditionId.lowercased() == conditionId.lowercased()
                })
            else { throw LiveOrderError.marketNotListed(conditionId: conditionId) }
            guard let version = market.exchangeVersion else {
                throw LiveOrderError.unknownProtocolVersion(market.version, conditionId: conditionId)
            }
            return version
        })
        return { try await versions.version($0) }
    }

    /// The version of a market (nil: the CLOB's default).
    package func version(_ conditionId: String) async throws -> Int? {
        if let hit = known.withLock({ $0[conditionId] }) { return hit }
        let v = try await read(conditionId)
        known.withLock { $0[conditionId] = .some(v) }
        return v
    }
}
