import Foundation
import PolybotCore
import Polymarket

/// An order the risk manager approved, on its way to a gateway (paper, approve or live).
package struct ExecutionRequest: Sendable {
    /// What to trade (price is our limit, within the slippage cap).
    package var intent: OrderIntent
    /// The signal it copies (nil for exits that no signal caused, e.g. take-profit).
    package var signalId: Int64?
    /// Entry or exit.
    package var purpose: OrderPurpose
    /// The key that makes placement at-most-once (`entry:<signal>` for entries).
    package var idempotencyKey: String
    package var tickSize: TickSize
    package var negRisk: Bool
    package var minimumSize: Micros?
    package var orderType: OrderType
    /// GTD lifetime in seconds (≥ 61).
    package var lifetimeSeconds: Int64
    /// Outcome label (stored with the order and its position).
    package var outcome: String
    /// When the whale trade that caused it was detected, pipeline-clock ms (paper fills walk the book at this time + the
    /// copy delay).
    package var detectedAtMs: Int64

    /// Creates a request; the idempotency key defaults to `entry:<signal>`.
    package init(
        intent: OrderIntent, signalId: Int64?, purpose: OrderPurpose = .entry, idempotencyKey: String? = nil,
        tickSize: TickSize, negRisk: Bool, minimumSize: Micros?, orderType: OrderType = .gtd,
        lifetimeSeconds: Int64 = 300,
        outcome: String = "", detectedAtMs: Int64
    ) {
        self.intent = intent
        self.signalId = signalId
        self.purpose = purpose
        self.idempotencyKey = idempotencyKey ?? "entry:\(signalId ?? 0)"
        self.tickSize = tickSize
        self.negRisk = negRisk
        self.minimumSize = minimumSize
        self.orderType = orderType
        self.lifetimeSeconds = lifetimeSeconds
        self.outcome = outcome
        self.detectedAtMs = detectedAtMs
    }
}

extension ExecutionRequest {
    /// The request of an order already on record (approved from the queue, or resumed after a crash), with the
    /// market's terms from a fresh book (defaults when there is none: the venue then refuses what does not fit).
    package init(resuming order: CopyOrder, book: OrderBook?, detectedAtMs: Int64) {
        self.init(
            intent: OrderIntent(
                signalKey: order.idempotencyKey, basketId: nil, conditionId: order.conditionId,
                eventSlug: order.eventSlug,
                asset: order.asset, side: order.side, price: order.price, shares: order.size,
                whalePrice: order.whalePrice ?? order.price, wallets: []),
            signalId: order.signalId, purpose: order.purpose, idempotencyKey: order.idempotencyKey,
            tickSize: book?.tickSize ?? .hundredth,
            negRisk: book?.negRisk ?? false, minimumSize: book?.minOrderSize, orderType: order.orderType,
            outcome: order.outcome,
            detectedAtMs: detectedAtMs)
    }
}

/// What happened to a placement.
package enum PlacementOutcome: Sendable {
    /// The venue (or the paper book walk) took the order (resting or matched).
    case placed(CopyOrder)
    /// This key already has its order; nothing was sent.
    case alreadyPlaced(CopyOrder)
    /// The venue refused it, with its message.
    case rejected(CopyOrder, String)
    /// No answer and the order could not be found yet: it stays `unknown` until a lookup resolves it.
    case unknown(CopyOrder)
    /// Waiting in the approval queue.
    case pendingApproval(CopyOrder)

    /// The order record.
    package var order: CopyOrder {
        switch self {
        case .placed(let o), .alreadyPlaced(let o), .rejected(let o, _), .unknown(let o), .pendingApproval(let o): o
        }
    }
}

/// The executor's port: one adapter per run mode.
package protocol OrderGateway: Sendable {
    /// Places (or resumes placing) an order at most once per idempotency key.
    func place(_ request: ExecutionRequest) async throws -> PlacementOutcome
}
