import Foundation
import PolybotCore

/// A CLOB market-channel event (feeds notes §2.3).
public enum MarketChannelEvent: Sendable, Equatable {
    /// A full book snapshot.
    case book(OrderBook)
    /// Level updates: `size` is the new aggregate size at `price` (0 = level removed); BUY = bid, SELL = ask.
    case priceChange(market: String, timestampMs: Int64, changes: [PriceChange])
    /// The last trade (taker side and size).
    case lastTradePrice(
        market: String, assetId: String, price: Micros, side: TradeSide?, size: Micros?, timestampMs: Int64)
    /// The market's tick size changed.
    case tickSizeChange(market: String, assetId: String, old: TickSize?, new: TickSize, timestampMs: Int64)
    /// Best bid / ask (custom feature).
    case bestBidAsk(market: String, assetId: String, bestBid: Micros?, bestAsk: Micros?, timestampMs: Int64)
    /// Market resolved (custom feature).
    case marketResolved(market: String, winningAssetId: String, winningOutcome: String, timestampMs: Int64)
    /// A control frame (`PONG`) or an event type this client does not use.
    case ignored(String)

    /// One level change of a `price_change` event.
    public struct PriceChange: Sendable, Equatable {
        public var assetId: String
        public var price: Micros
        public var size: Micros
        public var side: TradeSide
        public var bestBid: Micros?
        public var bestAsk: Micros?
    }
}

/// Decodes CLOB market-channel frames (one object or an array of objects; `PONG` is a control frame).
public enum MarketChannelDecoder {
    private struct Wire: Decodable {
        struct Change: Decodable {
            var asset_id: String?
            var price: LenientDecimal?
            var size: LenientDecimal?
            var side: String?
            var best_bid: LenientDecimal?
            var best_ask: LenientDecimal?
        }

        var event_type: String?
        var market: String?
        var asset_id: String?
        var timestamp: LenientDecimal?
        var price_changes: [Change]?
        var changes: [Change]?  // pre-2025-09 shape
        var price: LenientDecimal?
        var side: String?
        var size: LenientDecimal?
        var old_tick_size: LenientDecimal?
        var new_tick_size: LenientDecimal?
        var best_bid: LenientDecimal?
        var best_ask: LenientDecimal?
        var winning_asset_id: String?
        var winning_outcome: String?
    }

    /// Decodes one frame.
    ///
    /// - Throws: ``FeedDecodeError`` for malformed JSON or an event with unusable fields.
    public static func decode(_ text: String) throws(FeedDecodeError) -> [MarketChannelEvent] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = trimmed.first, first == "{" || first == "[" else {
            return [.ignored(String(trimmed.prefix(32)))]
        }
        let data = Data(trimmed.utf8)
        if first == "[" {
            var out: [MarketChannelEvent] = []
            let books = try WireJSON.decode([AnyEvent].self, from: data)
            for e in books { out.append(try e.event()) }
            return out
        }
        return [try WireJSON.decode(AnyEvent.self, from: data).event()]
    }

    /// Decodes both the book fields and the event fields of one object.
    private struct AnyEvent: Decodable {
        let wire: Wire
        let book: WireBook?

        init(from decoder: any Decoder) throws {
            wire = try Wire(from: decoder)
            book = wire.event_type == "book" || wire.event_type == nil ? try? WireBook(from: decoder) : nil
        }

        func event() throws(FeedDecodeError) -> MarketChannelEvent {
            let w = wire
            let ts = w.timestamp?.int64 ?? 0
            switch w.event_type {
            case "book":
                guard let book else { throw .missingField("bids/asks") }
                return .book(try book.book())
            case "price_change":
                var out: [MarketChannelEvent.PriceChange] = []
                for c in w.price_changes ?? w.changes ?? [] {
                    guard let asset = c.asset_id ?? w.asset_id else { throw .missingField("price_changes.asset_id") }
                    guard let p = c.price?.micros else {
                        throw .invalidField("price_changes.price", c.price?.text ?? "nil")
                    }
                    guard let s = c.size?.micros else {
                        throw .invalidField("price_changes.size", c.size?.text ?? "nil")
                    }
                    guard let side = c.side.flatMap({ TradeSide(rawValue: $0.uppercased()) }) else {
                        throw .invalidField("price_changes.side", c.side ?? "nil")
                    }
                    out.append(
                        .init(
                            assetId: asset, price: p, size: s, side: side, bestBid: c.best_bid?.micros,
                            bestAsk: c.best_ask?.micros))
                }
                return .priceChange(market: w.market ?? "", timestampMs: ts, changes: out)
            case "last_trade_price":
                guard let asset = w.asset_id else { throw .missingField("asset_id") }
                guard let p = w.price?.micros else { throw .invalidField("price", w.price?.text ?? "nil") }
                return .lastTradePrice(
                    market: w.market ?? "", assetId: asset, price: p,
                    side: w.side.flatMap { TradeSide(rawValue: $0.uppercased()) }, size: w.size?.micros,
                    timestampMs: ts)
            case "tick_size_change":
                guard let asset = w.asset_id else { throw .missingField("asset_id") }
                guard let new = w.new_tick_size.flatMap({ TickSize(decimal: $0.text) }) else {
                    throw .invalidField("new_tick_size", w.new_tick_size?.text ?? "nil")
                }
                return .tickSizeChange(
                    market: w.market ?? "", assetId: asset,
                    old: w.old_tick_size.flatMap { TickSize(decimal: $0.text) }, new: new, timestampMs: ts)
            case "best_bid_ask":
                return .bestBidAsk(
                    market: w.market ?? "", assetId: w.asset_id ?? "", bestBid: w.best_bid?.micros,
                    bestAsk: w.best_ask?.micros, timestampMs: ts)
            case "market_resolved":
                guard let winner = w.winning_asset_id else { throw .missingField("winning_asset_id") }
                return .marketResolved(
                    market: w.market ?? "", winningAssetId: winner, winningOutcome: w.winning_outcome ?? "",
                    timestampMs: ts)
            case let other:
                return .ignored(other ?? "no event_type")
            }
        }
    }

    /// The initial subscription for a set of token ids.
    public static func subscribe(assetIds: [String]) -> String {
        "{\"assets_ids\":[\(quoted(assetIds))],\"type\":\"market\",\"custom_feature_enabled\":true}"
    }

    /// Adds (`subscribe: true`) or removes token ids on an open connection without reconnecting (feeds notes §2.2).
    public static func change(assetIds: [String], subscribe: Bool) -> String {
        let operation = subscribe ? "subscribe" : "unsubscribe"
        return "{\"assets_ids\":[\(quoted(assetIds))],\"operation\":\"\(operation)\",\"custom_feature_enabled\":true}"
    }

    private static func quoted(_ ids: [String]) -> String {
        ids.map { "\"\(JSONText.escape($0))\"" }.joined(separator: ",")
    }
}
