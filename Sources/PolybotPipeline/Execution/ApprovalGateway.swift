import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket

/// Approve mode: an approved intent is persisted as a `pending_approval` order with a deadline and waits for an
/// operator. Approving executes that same row — signed and sent by the live gateway when approve mode was started
/// with live credentials (`POLYBOT_APPROVE_LIVE=true`), otherwise filled by the paper book walk; rejecting or letting it
/// expire ends it with the reason. The row is the only order the signal can ever have (one entry per signal).
package struct ApprovalGateway: OrderGateway {
    /// Where approved entries go.
    package enum Inner: Sendable {
        case paper(PaperOrderGateway)
        case live(LiveOrderGateway)
    }

    let store: PolybotStore
    let inner: Inner
    let books: @Sendable (String) async throws -> OrderBook
    let timeToLive: Duration
    let now: @Sendable () -> Date
    /// The risk manager's re-check of a queued order (kill switch, every cap, a fresh book).
    let recheck: @Sendable (CopyOrder, OrderBook?) async throws -> RiskDecision

    /// Creates the gateway.
    package init(
        store: PolybotStore, inner: Inner, books: @escaping @Sendable (String) async throws -> OrderBook,
        timeToLive: Duration,
        now: @escaping @Sendable () -> Date = { SystemPipelineClock().date() },
        recheck: @escaping @Sendable (CopyOrder, OrderBook?) async throws -> RiskDecision
    ) {
        self.recheck = recheck
        self.store = store
        self.inner = inner
        self.books = books
        self.timeToLive = timeToLive
        self.now = now
    }

    package func place(_ r: ExecutionRequest) async throws -> PlacementOutcome {
        if let existing = try await store.orders.get(idempotencyKey: r.idempotencyKey) {
            return existing.status == .pendingApproval ? .pendingApproval(existing) : .alreadyPlaced(existing)
        }
        let expires = Int64(now().timeIntervalSince1970) + timeToLive.components.seconds
        let order = CopyOrder(
            idempotencyKey: r.idempotencyKey, signalId: r.signalId, purpose: r.purpose, mode: .approve, salt: "0",
            conditionId: r.intent.conditionId, asset: r.intent.asset, side: r.intent.side, orderType: r.orderType,
            price: r.intent.price,
            size: r.intent.shares, status: .pendingApproval, eventSlug: r.intent.eventSlug, outcome: r.outcome,
            whalePrice: r.intent.whalePrice, approvalExpiresAt: expires)
        do {
            return .pendingApproval(try await store.orders.create(order))
        } catch StoreError.duplicate {
            guard let existing = try await store.orders.get(idempotencyKey: r.idempotencyKey) else {
                throw StoreError.notFound(r.idempotencyKey)
            }
            return .alreadyPlaced(existing)
        }
    }

    /// The operator approved a queued order: the risk rules run again now (trading state, caps with everything else
    /// in flight, a fresh book); only when they approve is it executed, at the price and size that were queued.
    ///
    /// - Throws: ``ApprovalError`` when the order is not waiting any more (decided twice, expired) or risk denies it
    ///   (nothing is sent; the order stays queued until its deadline).
    package func approve(orderId: Int64, actor: String) async throws -> PlacementOutcome {
        guard let order = try await store.orders.get(id: orderId), order.status == .pendingApproval else {
            throw ApprovalError.notPending(orderId)
        }
        if let expires = order.approvalExpiresAt, expires <= Int64(now().timeIntervalSince1970) {
            _ = try await store.orders.setStatus(
                id: orderId, from: [.pendingApproval], to: .expired, error: "approval window passed")
            throw ApprovalError.expired(orderId)
        }
        let book: OrderBook?
        do { book = try await books(order.asset) } catch { book = nil }
        if case .denied(let reason, let context) = try await recheck(order, book) {
            throw ApprovalError.denied(orderId, reason, context)
        }
        try await store.audit.append(actor: actor, action: "order.approve", target: "order:\(orderId)", details: "{}")
        let request = ExecutionRequest(
            resuming: order, book: book, detectedAtMs: Int64(now().timeIntervalSince1970 * 1000))
        switch inner {
        case .paper(let paper):
            guard try await store.orders.setStatus(id: orderId, from: [.pendingApproval], to: .intent, error: nil)
            else {
                throw ApprovalError.notPending(orderId)
            }
            return try await paper.place(request)
        case .live(let live):
            return try await live.placeApproved(order, request)
        }
    }

    /// The operator rejected a queued order.
    package func reject(orderId: Int64, actor: String, reason: String) async throws {
        guard
            try await store.orders.setStatus(
                id: orderId, from: [.pendingApproval], to: .rejected, error: "rejected by \(actor): \(reason)")
        else { throw ApprovalError.notPending(orderId) }
        try await store.audit.append(actor: actor, action: "order.reject", target: "order:\(orderId)", details: "{}")
    }

    /// Ends every queued order whose deadline passed; returns them.
    package func expireDue() async throws -> [CopyOrder] {
        let nowSeconds = Int64(now().timeIntervalSince1970)
        var expired: [CopyOrder] = []
        for o in try await store.execution.pendingApprovals() where (o.approvalExpiresAt ?? .max) <= nowSeconds {
            if try await store.orders.setStatus(
                id: o.id, from: [.pendingApproval], to: .expired, error: "approval window passed")
            {
                expired.append(o)
            }
        }
        return expired
    }
}

/// Why an approval decision was refused.
package enum ApprovalError: Error, Equatable, CustomStringConvertible {
    case notPending(Int64)
    case expired(Int64)
    /// The risk re-check denied it: nothing was sent.
    case denied(Int64, DenialReason, [String: String])

    package var description: String {
        switch self {
        case .notPending(let id): "order \(id) is not waiting for approval"
        case .expired(let id): "order \(id) expired before it was approved"
        case .denied(let id, let reason, let context):
            "order \(id) denied by risk: \(reason.rawValue)"
                + (context.isEmpty
                    ? ""
                    : " (" + context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                        + ")")
        }
    }
}
