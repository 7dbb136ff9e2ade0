import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// The venue's trades of our orders: each read, fee'd and booked once, and reconciled against what the venue lists.
extension OrderTracker {
    /// Follows the trade ids the venue returned with our matched orders (`GET /data/trades?id=`) until it reports each
    /// CONFIRMED or FAILED; records the settlement hash and whether we were taker or maker. A FAILED trade is counted
    /// and raised (its fill was booked from the order's answer and did not settle). Returns how many were resolved.
    package func resolveTrades(limit: Int = 50) async throws -> Int {
        var resolved = 0
        for trade in try await store.orders.unresolvedTrades(limit: limit) {
            let found: ClobTrade?
            do { found = try await clob.trade(id: trade.tradeId) } catch {
                logger.info(
                    "trade lookup failed; retried on the next poll",
                    metadata: ["trade.id": "\(trade.tradeId)", "error": "\(error)"])
                continue
            }
            try await store.orders.updateTrade(
                trade.tradeId, status: found?.status, transactionHash: found?.transaction_hash,
                traderSide: found?.trader_side)
            if !trade.isComplete, let found, let order = try await store.orders.get(id: trade.orderId) {
                // A trade whose size, price or fee the books still wait for: completed from the venue's record.
                if trade.polls >= 12 {
                    // Still not complete after a dozen looks: say so (the books miss it until it is).
                    events.publish(
                        .reconciliation(problems: [
                            "trade \(trade.tradeId) of order \(order.id) still incomplete after \(trade.polls) looks; pending in the books"
                        ]))
                }
                do {
                    let fill = try await gateway.tradeFill(found, of: order)
                    let booked = try await ledger.report(
                        orderId: order.id, venueMatched: .zero, trades: [fill], eventType: "TRADE_LOOKUP",
                        venueStatus: found.status ?? "")
                    await finished(booked.order, was: order)
                } catch {
                    logger.warning(
                        "trade not completed; retried on the next poll",
                        metadata: ["trade.id": "\(trade.tradeId)", "error": "\(error)"])
                }
            }
            let status = (found?.status ?? "").uppercased()
            if status == "FAILED" {
                failedTrades.increment()
                events.publish(
                    .reconciliation(problems: [
                        "trade \(trade.tradeId) of order \(trade.orderId) FAILED on chain; its booked fill did not settle"
                    ]))
            }
            if status == "FAILED" || status == "CONFIRMED" { resolved += 1 }
        }
        return resolved
    }

    /// Reconciliation of the books against the venue: our trades as `GET /data/trades` lists them since `after`
    /// (Unix seconds), compared with our trade rows. A trade of one of our orders that we never recorded is recorded and
    /// booked; a row whose size or price differs from the venue's is corrected and the difference booked. Each is raised
    /// (alert) and written to the audit log. Returns what was found.
    @discardableResult
    package func reconcileTrades(after: Int64) async throws -> [String] {
        var problems: [String] = []
        for trade in try await clob.trades(after: after) {
            guard let tradeId = trade.id, !tradeId.isEmpty else { continue }
            var orders: [CopyOrder] = []
            for id in [trade.taker_order_id].compactMap({ $0 }) + (trade.maker_orders ?? []).compactMap(\.order_id) {
                if let o = try await store.orders.get(exchangeOrderId: id), !orders.contains(where: { $0.id == o.id }) {
                    orders.append(o)
                }
            }
            for order in orders {
                do {
                    if let problem = try await reconcile(trade, id: tradeId, of: order) { problems.append(problem) }
                } catch {
                    // One trade that cannot be read (its fee unknown) does not stop the others.
                    logger.warning(
                        "trade not reconciled; tried again next time",
                        metadata: ["trade.id": "\(tradeId)", "order.id": "\(order.id)", "error": "\(error)"])
                }
            }
        }
        if !problems.isEmpty { events.publish(.reconciliation(problems: problems)) }
        return problems
    }

    /// One venue trade of one of our orders against our row of it; the problem found, if any.
    func reconcile(_ trade: ClobTrade, id tradeId: String, of order: CopyOrder) async throws -> String? {
        if (trade.status ?? "").uppercased() == "FAILED" { return nil }  // never settled: not in the books (flagged)
        guard order.booksFromTrades else { return nil }  // booked before trade rows existed: left as it was
        do {
            let fill = try await gateway.tradeFill(trade, of: order)
            let ours = try await store.orders.trades(orderId: order.id).first { $0.tradeId == tradeId }
            let problem: String?
            var corrects = false
            if ours == nil {
                problem = "trade \(tradeId) of order \(order.id) was missing from our books; recorded from the venue"
            } else if let ours, ours.isComplete, ours.size != fill.size || ours.price != fill.price {
                corrects = true
                problem =
                    "trade \(tradeId) of order \(order.id): our \(ours.size.map { "\($0)" } ?? "?") @ \(ours.price.map { "\($0)" } ?? "?") differed from the venue's \(fill.size.map { "\($0)" } ?? "?") @ \(fill.price.map { "\($0)" } ?? "?"); corrected"
            } else {
                problem = nil
            }
            guard ours == nil || !(ours?.isComplete ?? false) || corrects else { return nil }
            let booked = try await ledger.report(
                orderId: order.id, venueMatched: .zero, trades: [fill], eventType: "TRADE_RECONCILED",
                venueStatus: trade.status ?? "", corrects: corrects)
            await finished(booked.order, was: order)
            if let problem {
                tradeCorrections.increment()
                logger.error("books corrected from the venue's trades", metadata: ["problem": "\(problem)"])
                do {
                    try await store.audit.append(
                        actor: "system", action: "trades.reconciled", target: "order \(order.id)",
                        details: #"{"trade_id":\#(jsonString(tradeId)),"problem":\#(jsonString(problem))}"#)
                } catch {
                    logger.error("trade correction not audited", metadata: ["error": "\(error)"])
                }
            }
            return problem
        }
    }

    /// ``reconcileTrades(after:)`` over the last hour, for the timer: a failure is logged and tried again next time.
    func reconcileRecentTrades(hours: Int64) async {
        do { try await reconcileTrades(after: now() - hours * 3_600) } catch {
            logger.warning("trade reconciliation failed; tried again next time", metadata: ["error": "\(error)"])
        }
    }
}
