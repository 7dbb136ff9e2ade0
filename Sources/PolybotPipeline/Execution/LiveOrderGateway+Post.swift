import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import Synchronization

/// One POST of a signed order and what the venue's answer means for it.
extension LiveOrderGateway {
    /// One POST: its outcome, or nil when the venue provably did not take the order and it may be sent again.
    func postOnce(
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
    func lookUpExisting(_ order: CopyOrder) async throws -> PlacementOutcome {
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

    func reject(_ order: CopyOrder, _ message: String) async throws -> PlacementOutcome {
        _ = try await store.orders.setStatus(
            id: order.id, from: [.intent, .submitting, .unknown], to: .rejected, error: message)
        return .rejected(try await store.orders.get(id: order.id) ?? order, message)
    }
}
