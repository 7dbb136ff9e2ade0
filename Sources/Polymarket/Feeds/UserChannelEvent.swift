import Foundation
import PolybotCore

/// A CLOB user-channel event (feeds notes §2.4): our orders and our trades.
public enum UserChannelEvent: Sendable, Equatable {
    /// An order placement, update or cancellation.
    case order(OrderUpdateEvent)
    /// A trade of ours, re-sent on every status change (MATCHED → MINED → CONFIRMED, or FAILED).
    case trade(TradeStatusEvent)
    /// A control frame or unknown event.
    case ignored(String)
}

/// `event_type: "order"`.
public struct OrderUpdateEvent: Sendable, Equatable {
    public var orderId: String
    public var assetId: String
    public var market: String
    /// PLACEMENT, UPDATE or CANCELLATION.
    public var type: String
    public var side: TradeSide?
    public var price: Micros?
    public var originalSize: Micros?
    public var sizeMatched: Micros?
    public var status: String?
    public var timestamp: Int64
}

/// `event_type: "trade"`.
public struct TradeStatusEvent: Sendable, Equatable {
    public var tradeId: String
    public var takerOrderId: String
    /// Our order ids among the makers of this trade.
    public var makerOrderIds: [String]
    public var assetId: String
    public var market: String
    public var side: TradeSide?
    public var price: Micros?
    public var size: Micros?
    /// MATCHED, MINED, CONFIRMED, RETRYING or FAILED.
    public var status: String
    public var transactionHash: String?
    public var timestamp: Int64
    /// `TAKER` or `MAKER`: which side of the trade the event's owner was.
    public var traderSide: String? = nil
    /// The maker orders of the trade with what each matched and at which price.
    public var makerOrders: [MakerFill] = []

    /// One maker order of a trade.
    public struct MakerFill: Sendable, Equatable {
        public var orderId: String
        public var matchedAmount: Micros?
        public var price: Micros?
    }
}

/// Decodes user-channel frames.
public enum UserChannelDecoder {
    private struct Wire: Decodable {
        struct Maker: Decodable {
            var order_id: String?
            var matched_amount: LenientDecimal?
            var price: LenientDecimal?
        }
        var event_type: String?
        var id: String?
        var asset_id: String?
        var market: String?
        var type: String?
        var side: String?
        var price: LenientDecimal?
        var original_size: LenientDecimal?
        var size_matched: LenientDecimal?
        var size: LenientDecimal?
        var status: String?
        var timestamp: LenientDecimal?
        var taker_order_id: String?
        var maker_orders: [Maker]?
        var transaction_hash: String?
        var trader_side: String?
    }

    /// Decodes one frame (object or array).
    ///
    /// - Throws: ``FeedDecodeError``.
    public static func decode(_ text: String) throws(FeedDecodeError) -> [UserChannelEvent] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = trimmed.first, first == "{" || first == "[" else {
            return [.ignored(String(trimmed.prefix(32)))]
        }
        let data = Data(trimmed.utf8)
        let wires =
            first == "[" ? try WireJSON.decode([Wire].self, from: data) : [try WireJSON.decode(Wire.self, from: data)]
        var out: [UserChannelEvent] = []
        for w in wires { out.append(try event(w)) }
        return out
    }

    private static func event(_ w: Wire) throws(FeedDecodeError) -> UserChannelEvent {
        let ts = w.timestamp?.int64 ?? 0
        switch w.event_type {
        case "order":
            guard let id = w.id else { throw .missingField("id") }
            return .order(
                OrderUpdateEvent(
                    orderId: id, assetId: w.asset_id ?? "", market: w.market ?? "", type: w.type ?? "",
                    side: w.side.flatMap { TradeSide(rawValue: $0.uppercased()) }, price: w.price?.micros,
                    originalSize: w.original_size?.micros, sizeMatched: w.size_matched?.micros, status: w.status,
                    timestamp: ts))
        case "trade":
            guard let id = w.id else { throw .missingField("id") }
            guard let status = w.status else { throw .missingField("status") }
            return .trade(
                TradeStatusEvent(
                    tradeId: id, takerOrderId: w.taker_order_id ?? "",
                    makerOrderIds: (w.maker_orders ?? []).compactMap(\.order_id),
                    assetId: w.asset_id ?? "", market: w.market ?? "",
                    side: w.side.flatMap { TradeSide(rawValue: $0.uppercased()) },
                    price: w.price?.micros, size: w.size?.micros, status: status.uppercased(),
                    transactionHash: w.transaction_hash,
                    timestamp: ts, traderSide: w.trader_side?.uppercased(),
                    makerOrders: (w.maker_orders ?? []).compactMap { m in
                        m.order_id.map {
                            TradeStatusEvent.MakerFill(
                                orderId: $0, matchedAmount: m.matched_amount?.micros, price: m.price?.micros)
                        }
                    }))
        case let other:
            return .ignored(other ?? "no event_type")
        }
    }

    /// The authenticated subscription for a set of markets (condition ids).
    public static func subscribe(credentials: ApiCredentials, markets: [String]) -> String {
        let ids = markets.map { "\"\(JSONText.escape($0))\"" }.joined(separator: ",")
        return
            "{\"auth\":{\"apiKey\":\"\(JSONText.escape(credentials.apiKey))\",\"secret\":\"\(JSONText.escape(credentials.secret))\","
            + "\"passphrase\":\"\(JSONText.escape(credentials.passphrase))\"},\"markets\":[\(ids)],\"type\":\"user\"}"
    }
}
