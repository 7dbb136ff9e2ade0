import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import Synchronization

/// The last step before the venue: the trading state, read right before every POST, and what a halt does to an
/// order already resting there.
extension LiveOrderGateway {
    /// The last step: the trading state right before a POST. Nil to send; otherwise the order is not sent — refused
    /// (halted; reduce-only for an entry): it ends `cancelled` with the reason (e.g. `trading_halted`) and is never
    /// sent again; state not loaded yet: it goes back to `intent` for the next attempt.
    func lastStep(_ order: CopyOrder, everSent: Bool) async throws -> PlacementOutcome? {
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
}
