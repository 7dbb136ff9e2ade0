import PolybotCore
import PolybotStore
import Polymarket

/// Reads the venue's trade records (REST `GET /data/trades` and the user channel's `trade` events, which carry the same
/// fields) as trades of one of our orders. A taker's share of a trade is its `size` at its `price`; a maker's is the
/// `matched_amount` of our order among `maker_orders`, at that maker order's price, and a maker pays no fee. A taker's
/// fee is left nil here: it is the market's schedule on this trade's size and price (``FeeSchedule/takerFee``),
/// per trade, floored to 0.00001 — never applied to an average.
package enum VenueTrade {
    /// A REST trade record.
    package static func fill(_ t: ClobTrade, orderIds: Set<String>) -> TradeFill {
        let makers = (t.maker_orders ?? []).filter { $0.order_id.map(orderIds.contains) ?? false }
        return fill(
            id: t.id ?? "", traderSide: t.trader_side, size: t.size?.micros, price: t.price?.micros,
            ours: makers.map { ($0.matched_amount?.micros, $0.price?.micros) }, status: t.status,
            hash: t.transaction_hash)
    }

    /// A user-channel trade event.
    package static func fill(_ e: TradeStatusEvent, orderIds: Set<String>) -> TradeFill {
        let makers = e.makerOrders.filter { orderIds.contains($0.orderId) }
        return fill(
            id: e.tradeId, traderSide: e.traderSide, size: e.size, price: e.price,
            ours: makers.map { ($0.matchedAmount, $0.price) }, status: e.status, hash: e.transactionHash)
    }

    private static func fill(
        id: String, traderSide: String?, size: Micros?, price: Micros?, ours: [(Micros?, Micros?)], status: String?,
        hash: String?
    ) -> TradeFill {
        let side = traderSide?.uppercased()
        if side == "MAKER", !ours.isEmpty {
            // Our maker orders in this trade: their matched amounts, each at its own price.
            var shares = Micros.zero
            var cost = Micros.zero
            for (amount, p) in ours {
                guard let amount, let p else {
                    return TradeFill(tradeId: id, traderSide: side, status: status, transactionHash: hash)
                }
                shares += amount
                cost += amount.multiplied(by: p)
            }
            let average = PositionAccounting.average(cost: cost, size: shares)
            return TradeFill(
                tradeId: id, size: shares, price: average, cost: cost, fee: .zero, traderSide: side, status: status,
                transactionHash: hash)
        }
        guard side == "TAKER" || side == "MAKER" else {
            // Which side we were is not said: the size is ours, but not whether a fee is due; the fee stays unknown.
            return TradeFill(
                tradeId: id, size: size, price: price, traderSide: nil, status: status, transactionHash: hash)
        }
        return TradeFill(
            tradeId: id, size: size, price: price, fee: side == "MAKER" ? .zero : nil, traderSide: side, status: status,
            transactionHash: hash)
    }
}
