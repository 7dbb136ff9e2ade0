import Foundation
import PolybotCore
import Polymarket

/// The user channel's order and trade events as JSON.
extension SimExchange {
    // MARK: - Event JSON

    func orderEvent(_ o: SimOrder, type: String) -> String {
        "{\"event_type\":\"order\",\"id\":\"\(o.id)\",\"asset_id\":\"\(o.tokenId)\",\"market\":\"\(o.market)\",\"owner\":\"\(o.apiKey)\","
            + "\"order_owner\":\"\(o.apiKey)\",\"side\":\"\(o.side.rawValue)\",\"price\":\"\(o.price)\",\"original_size\":\"\(o.originalSize)\","
            + "\"size_matched\":\"\(o.matched)\",\"status\":\"\(o.status)\",\"type\":\"\(type)\",\"order_type\":\"\(o.orderType.rawValue)\","
            + "\"associate_trades\":[\(o.trades.map { "\"\($0)\"" }.joined(separator: ","))],\"timestamp\":\"\(o.createdAt)\"}"
    }

    func tradeEvent(_ f: SimFill, status: String) -> String {
        "{\"event_type\":\"trade\",\"type\":\"TRADE\",\"id\":\"\(f.id)\",\"taker_order_id\":\"\(f.orderId)\",\"asset_id\":\"\(f.tokenId)\","
            + "\"market\":\"\(f.market)\",\"side\":\"\(f.side.rawValue)\",\"size\":\"\(f.size)\",\"price\":\"\(f.price)\","
            + "\"status\":\"\(status)\",\"owner\":\"\(f.apiKey)\",\"trade_owner\":\"\(f.apiKey)\",\"maker_orders\":[],"
            + "\"transaction_hash\":\"\(f.transactionHash)\",\"trader_side\":\"\(f.taker ? "TAKER" : "MAKER")\",\"fee_rate_bps\":\"\(f.feeRateBps)\",\"matchtime\":\"\(f.matchTime)\","
            + "\"timestamp\":\"\(f.matchTime)\"}"
    }

    func orderJSON(_ o: SimOrder) -> String {
        "{\"id\":\"\(o.id)\",\"status\":\"\(o.status)\",\"owner\":\"\(o.apiKey)\",\"maker_address\":\"\(o.maker)\",\"market\":\"\(o.market)\","
            + "\"asset_id\":\"\(o.tokenId)\",\"side\":\"\(o.side.rawValue)\",\"original_size\":\"\(o.originalSize)\","
            + "\"size_matched\":\"\(o.matched)\",\"price\":\"\(o.price)\",\"associate_trades\":[\(o.trades.map { "\"\($0)\"" }.joined(separator: ","))],"
            + "\"outcome\":\"\",\"created_at\":\(o.createdAt),\"expiration\":\"\(o.expiration)\",\"order_type\":\"\(o.orderType.rawValue)\"}"
    }

    func fillJSON(_ f: SimFill) -> String {
        "{\"id\":\"\(f.id)\",\"taker_order_id\":\"\(f.orderId)\",\"market\":\"\(f.market)\",\"asset_id\":\"\(f.tokenId)\","
            + "\"side\":\"\(f.side.rawValue)\",\"size\":\"\(f.size)\",\"fee_rate_bps\":\"\(f.feeRateBps)\",\"price\":\"\(f.price)\",\"status\":\"CONFIRMED\","
            + "\"match_time\":\"\(f.matchTime)\",\"last_update\":\"\(f.matchTime)\",\"outcome\":\"\",\"owner\":\"\(f.apiKey)\","
            + "\"maker_address\":\"\",\"maker_orders\":[],\"transaction_hash\":\"\(f.transactionHash)\",\"trader_side\":\"\(f.taker ? "TAKER" : "MAKER")\"}"
    }
}
