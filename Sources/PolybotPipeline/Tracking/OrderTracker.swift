import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Follows our live orders to the end: the CLOB user channel (PLACEMENT / UPDATE / CANCELLATION, and our trades'
/// MATCHED → MINED → CONFIRMED or FAILED) with REST polling as the fallback, so a dropped socket loses nothing.
/// Fills are cumulative (`size_matched`) and go through the ``FillLedger``; an `unknown` order is resolved by
/// looking it up before anything is re-sent; the unfilled remainder of a GTD order is cancelled at its expiry.
package actor OrderTracker: Service {
    let store: PolybotStore
    let clob: ClobClient
    let gateway: LiveOrderGateway
    let ledger: FillLedger
    let books: @Sendable (String) async throws -> OrderBook
    let userFeed: UserChannelFeed?
    let pollInterval: Duration
    let events: PipelineEvents
    let logger: Logger
    let now: @Sendable () -> Int64
    let failedTrades = Counter(label: "orders.trades_failed")
    let cancels = Counter(label: "orders.expired_cancels")
    let haltCancels = Counter(label: "orders.halt_cancels")
    let tradeCorrections = Counter(label: "orders.trade_corrections")
    var legacyRaised: Set<Int64> = []
    /// When this tracker first saw trading halted (cancel-all is repeated on every poll for 5 minutes after).
    var haltSeenAt: Int64?
    let statusErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "order_tracker")])
    let reservations: ReservationHooks

    /// Creates the tracker.
    package init(
        store: PolybotStore, clob: ClobClient, gateway: LiveOrderGateway, ledger: FillLedger,
        books: @escaping @Sendable (String) async throws -> OrderBook, userFeed: UserChannelFeed?,
        pollInterval: Duration = .seconds(5),
        events: PipelineEvents, reservations: ReservationHooks = .none, logger: Logger,
        now: @escaping @Sendable () -> Int64 = { SystemPipelineClock().now() }
    ) {
        self.reservations = reservations
        self.store = store
        self.clob = clob
        self.gateway = gateway
        self.ledger = ledger
        self.books = books
        self.userFeed = userFeed
        self.pollInterval = pollInterval
        self.events = events
        self.logger = logger
        self.now = now
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if let feed = self.userFeed {
                    group.addTask {
                        await feed.run(
                            connected: { _ in await self.poll() },
                            emit: { event in
                                if case .success(let e) = event { await self.handle(e) }
                            })
                    }
                }
                group.addTask {
                    var polls = 0
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.pollInterval)  // clock-edge: live venue polling (wall time)
                        if Task.isCancelled { break }
                        await self.poll()
                        polls += 1
                        // The first poll looks a day back, then every 12th (a minute at the default 5 s) the last hour:
                        // our trades on the venue against the books.
                        if polls == 1 || polls % 12 == 0 {
                            await self.reconcileRecentTrades(hours: polls == 1 ? 24 : 1)
                        }
                    }
                }
            }
        }
    }

    /// Cancels our resting orders on the CLOB (the kill switch: all of them; reduce-only and the daily loss stop:
    /// entries only) and records what the CLOB then says about each. Returns how many were cancelled. When the trading
    /// state refuses the order (halt; reduce-only for an entry), orders whose outcome is not known (`intent`,
    /// `submitting`, `unknown`) are resolved too: a cancel is sent for their signed order hash, they are looked up, and
    /// what filled is recorded; one the venue does not list ends `cancelled` and is never sent. An order whose POST is in
    /// flight is left to that POST, which re-checks the trading state when it answers and cancels what rests.
    @discardableResult
    package func cancelResting(entriesOnly: Bool) async -> Int {
        let open: [CopyOrder]
        do { open = try await store.orders.open() } catch {
            // The database is down: cancel everything the CLOB holds for us, which needs no records.
            logger.error(
                "open orders unreadable; cancelling all resting orders on the CLOB", metadata: ["error": "\(error)"])
            do {
                _ = try await clob.cancelAll()
                haltCancels.increment()
            } catch {
                logger.critical(
                    "cancel-all failed: resting orders may still be working", metadata: ["error": "\(error)"])
                events.publish(.reconciliation(problems: ["halt could not cancel resting orders: \(error)"]))
            }
            return 0
        }
        var cancelled = 0
        for order in open where order.orderDigest != nil {
            if entriesOnly && order.purpose != .entry { continue }
            // Why it goes: the trading state's refusal, or (state still active) the daily loss stop.
            let refusal: DenialReason? =
                if case .refuse(let r) = gateway.trading.decision(for: order.purpose) { r } else { nil }
            do {
                switch order.status {
                case .live, .partiallyFilled:
                    // An order that filled before the cancel reached it ends filled, not cancelled.
                    let ended = try await gateway.cancelResting(order, because: refusal ?? .dailyLossStop)
                    cancelled += 1
                    haltCancels.increment()
                    await finished(ended, was: order)
                case .intent, .submitting, .unknown:
                    guard let refusal else { continue }
                    if let ended = try await resolveRefused(order, because: refusal) {
                        haltCancels.increment()
                        await finished(ended, was: order)
                    }
                default:
                    continue
                }
            } catch {
                logger.error("resting order not cancelled", metadata: ["order.id": "\(order.id)", "error": "\(error)"])
                events.publish(.reconciliation(problems: ["order \(order.id) could not be cancelled: \(error)"]))
            }
        }
        if !entriesOnly, gateway.trading.current == .halted {
            // The kill switch's backstop: whatever our records missed (a POST whose answer never came), cancel-all under
            // every key Polybot holds.
            for error in await cancelAllUnderEveryKey() {
                logger.critical("halt cancel-all failed", metadata: ["error": "\(error)"])
                events.publish(.reconciliation(problems: ["halt cancel-all failed: \(error)"]))
            }
        }
        logger.notice(
            "resting orders cancelled", metadata: ["count": "\(cancelled)", "entries.only": "\(entriesOnly)"])
        return cancelled
    }

    /// An order whose outcome is not known, when the trading state refuses it: a cancel for its signed order hash (the
    /// venue's order id; harmless when the venue never got it), then a lookup. Found: what it says is recorded and the
    /// order ends there. Not listed: it ends `cancelled`, never to be sent. Nil when its lease is held (its POST is in
    /// flight and re-checks the state when it answers) or it finished meanwhile.
    func resolveRefused(_ order: CopyOrder, because reason: DenialReason) async throws -> CopyOrder? {
        guard gateway.inFlight.acquire(order.id) else { return nil }
        defer { gateway.inFlight.release(order.id) }
        guard let current = try await store.orders.get(id: order.id),
            [.intent, .submitting, .unknown].contains(current.status), let digest = current.orderDigest
        else { return nil }
        _ = try await clob.cancel(orderId: digest)
        let text: String
        if let found = try await gateway.lookUp(digest) {
            let applied = try await gateway.apply(found, to: current)
            guard applied.status.isTerminal else {
                // Still resting after our cancel: cancelled again on the next poll (the state refuses it).
                return applied
            }
            text = "\(reason.rawValue): looked up and cancelled on the venue after the trading state changed"
            _ = try await store.orders.setStatus(id: order.id, from: [applied.status], to: applied.status, error: text)
        } else {
            text = "\(reason.rawValue): not on the venue when the trading state changed; never sent"
            _ = try await store.orders.setStatus(
                id: order.id, from: [.intent, .submitting, .unknown], to: .cancelled, error: text)
        }
        logger.notice(
            "order of unknown outcome resolved for the trading state",
            metadata: ["order.id": "\(order.id)", "reason": "\(text)"])
        return try await store.orders.get(id: order.id)
    }

    /// One user-channel event.
    package func handle(_ event: UserChannelEvent) async {
        do {
            switch event {
            case .order(let e):
                guard let order = try await store.orders.get(exchangeOrderId: e.orderId) else { return }
                let cancelled = e.type.uppercased() == "CANCELLATION"
                let applied = try await ledger.report(
                    orderId: order.id, venueMatched: e.sizeMatched ?? order.venueMatched,
                    status: cancelled
                        ? (order.expiration > 0 && order.expiration <= now() ? .expired : .cancelled) : nil,
                    eventType: e.type.uppercased(), venueStatus: e.status ?? "")
                await finished(applied.order, was: order)
            case .trade(let e):
                for id in [e.takerOrderId] + e.makerOrderIds {
                    guard let order = try await store.orders.get(exchangeOrderId: id) else { continue }
                    try await store.orders.appendEvent(
                        OrderEvent(
                            orderId: order.id, eventType: "TRADE", status: e.status, size: e.size,
                            price: e.price, payload: #"{"trade_id":\#(jsonString(e.tradeId))}"#))
                    // The trade as the venue booked it: recorded once whichever path sees it first (this frame can
                    // come before the POST's own answer).
                    let ids = Set([order.exchangeOrderId, order.orderDigest].compactMap { $0 })
                    let fill = await gateway.completingFee(VenueTrade.fill(e, orderIds: ids), of: order)
                    let booked = try await ledger.report(
                        orderId: order.id, venueMatched: .zero, trades: [fill], eventType: "TRADE",
                        venueStatus: e.status)
                    await finished(booked.order, was: order)
                    if e.status.uppercased() == "FAILED" {
                        failedTrades.increment()
                        logger.error(
                            "trade failed on chain; the order is re-read from the CLOB",
                            metadata: ["order.id": "\(order.id)", "trade.id": "\(e.tradeId)"])
                        events.publish(
                            .reconciliation(problems: ["trade \(e.tradeId) of order \(order.id) FAILED on chain"]))
                    }
                    await refresh(order)
                }
            case .ignored:
                return
            }
        } catch {
            logger.error("user-channel event not applied; REST polling will catch up", metadata: ["error": "\(error)"])
        }
    }

    /// Resolves, refreshes and expires every live order that is not finished; an order whose POST is in flight is
    /// skipped (its lease is held). Throws when the open orders cannot be read.
    ///
    /// - Returns: how many orders were skipped because another task holds their lease (it is resolving them now).
    @discardableResult
    package func pollOnce() async throws -> Int {
        let open = try await store.orders.open()
        var skipped = 0
        for order in open where order.orderDigest != nil && order.status != .pendingApproval {
            if gateway.inFlight.contains(order.id) {
                skipped += 1
                continue
            }
            await refresh(order)
        }
        _ = try await resolveTrades()
        return skipped
    }

    /// `DELETE /cancel-all` under the trading key and every other key Polybot holds; the failures, one per key.
    func cancelAllUnderEveryKey() async -> [PolymarketHTTPError] {
        var failures: [PolymarketHTTPError] = []
        for key in [clob] + gateway.otherKeys {
            do { _ = try await key.cancelAll() } catch { failures.append(error) }
        }
        return failures
    }

    /// ``pollOnce()`` for the timer: a failed read is logged and retried on the next tick. While halted (for the
    /// first 5 minutes), cancel-all is repeated under every key: an order whose POST timed out and that the venue
    /// listed only later cannot keep resting.
    func poll() async {
        if gateway.trading.current == .halted {
            let t = now()
            let since = haltSeenAt ?? t
            haltSeenAt = since
            if t - since <= 300 {
                for error in await cancelAllUnderEveryKey() {
                    logger.warning("halt cancel-all failed; tried on the next poll", metadata: ["error": "\(error)"])
                }
            }
        } else {
            haltSeenAt = nil
        }
        do { try await pollOnce() } catch {
            logger.warning("open orders unreadable; retried on the next poll", metadata: ["error": "\(error)"])
        }
    }

    func refresh(_ order: CopyOrder) async {
        do {
            switch order.status {
            case .intent, .submitting, .unknown:
                // The book only supplies the tick size and neg-risk flag of a re-signed resend, and a resend must
                // reproduce the stored digest or nothing is sent: without a book the order is still looked up.
                let book: OrderBook?
                do { book = try await books(order.asset) } catch {
                    book = nil
                    logger.info(
                        "book unreadable; order looked up without it", metadata: ["order.id": "\(order.id)"])
                }
                let request = ExecutionRequest(resuming: order, book: book, detectedAtMs: now() * 1000)
                let outcome = try await gateway.resume(order, request)
                await finished(outcome.order, was: order)
            case .live, .partiallyFilled:
                let id = order.exchangeOrderId ?? order.orderDigest ?? ""
                if case .refuse(let reason) = gateway.trading.decision(for: order.purpose) {
                    // Still resting although the trading state refuses it (a cancel that failed at the halt): again.
                    let ended = try await gateway.cancelResting(order, because: reason)
                    haltCancels.increment()
                    await finished(ended, was: order)
                } else if order.expiration > 0, order.expiration <= now() {
                    // GTD expiry: the CLOB also expires it, but a cancel makes sure no late fill lands on a stale price.
                    do { _ = try await clob.cancel(orderId: id) } catch {
                        // Already expired on the CLOB, or not answering: what it says about the order decides below.
                        logger.info("expiry cancel failed", metadata: ["order.id": "\(order.id)", "error": "\(error)"])
                    }
                    cancels.increment()
                    // The fills come from the CLOB, never from our last known figure: an unreadable answer leaves the
                    // order as it is until the next poll. Only an order the CLOB no longer knows keeps our figure.
                    let found = try await clob.order(id: id)
                    let filled: Micros
                    if let found {
                        guard let matched = found.size_matched?.micros else {
                            throw TrackerError.unreadable("size_matched of order \(order.id)")
                        }
                        filled = matched
                    } else {
                        filled = order.venueMatched
                    }
                    let trades =
                        filled > order.filledSize
                        ? await gateway.tradeFills(order, tradeIds: found?.associate_trades ?? []) : []
                    let applied = try await ledger.report(
                        orderId: order.id, venueMatched: filled, trades: trades,
                        status: .expired, eventType: "EXPIRY", venueStatus: found?.status ?? "EXPIRED")
                    await finished(applied.order, was: order)
                } else if let found = try await clob.order(id: id) {
                    let updated = try await gateway.apply(found, to: order)
                    await finished(updated, was: order)
                }
            default:
                return
            }
        } catch {
            logger.warning(
                "order refresh failed; retried on the next poll",
                metadata: ["order.id": "\(order.id)", "error": "\(error)"])
        }
    }

    func finished(_ order: CopyOrder, was: CopyOrder) async {
        if !order.booksFromTrades, order.hasPendingTrades, legacyRaised.insert(order.id).inserted {
            // Booked before the books came from trades (migration 0010): what the venue matched since is not booked.
            events.publish(
                .reconciliation(problems: [
                    "order \(order.id) predates the trade books: the venue reports \(order.venueMatched) matched, the books hold \(order.filledSize); book the difference by hand"
                ]))
        }
        guard order.status != was.status || order.filledSize != was.filledSize else { return }
        await reservations.orderUpdated(order)
        events.publish(.order(order))
        if let id = order.signalId, order.purpose == .entry {
            do { try await store.signals.setStatus(id: id, order.signalStatus, reason: order.error ?? "") } catch {
                // The order row is right; the signal's status follows it at the next change or restart's check.
                statusErrors.increment()
                logger.error(
                    "signal status not updated after its order moved",
                    metadata: ["signal.id": "\(id)", "order.id": "\(order.id)", "error": "\(error)"])
            }
        }
    }
}

/// What the tracker refuses to guess.
enum TrackerError: Error, CustomStringConvertible {
    case unreadable(String)

    var description: String {
        switch self {
        case .unreadable(let what): "unreadable venue answer: \(what)"
        }
    }
}
