import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import Synchronization

/// What the venue says about an order, booked as the venue's trades (the books are the venue's).
extension LiveOrderGateway {
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
    func withTakerFee(_ trade: TradeFill, of order: CopyOrder) async throws -> TradeFill {
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
