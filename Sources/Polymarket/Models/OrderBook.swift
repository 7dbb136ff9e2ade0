import Foundation
import PolybotCore

/// One price level.
public struct BookLevel: Sendable, Hashable, Codable {
    public var price: Micros
    public var size: Micros

    /// Creates a level.
    public init(price: Micros, size: Micros) {
        self.price = price
        self.size = size
    }
}

/// An order book snapshot (`GET /book`, `POST /books`, market-channel `book`), levels sorted best first.
public struct OrderBook: Sendable, Hashable {
    public var market: String
    public var assetId: String
    /// Server time in ms (0 when absent or unparseable).
    public var timestampMs: Int64
    public var hash: String
    /// Bids, highest price first.
    public var bids: [BookLevel]
    /// Asks, lowest price first.
    public var asks: [BookLevel]
    public var tickSize: TickSize?
    public var minOrderSize: Micros?
    public var negRisk: Bool?
    public var lastTradePrice: Micros?

    /// Creates a book, sorting the levels best first (the venue sends them worst first).
    public init(
        market: String, assetId: String, timestampMs: Int64, hash: String, bids: [BookLevel], asks: [BookLevel],
        tickSize: TickSize? = nil, minOrderSize: Micros? = nil, negRisk: Bool? = nil, lastTradePrice: Micros? = nil
    ) {
        self.market = market
        self.assetId = assetId
        self.timestampMs = timestampMs
        self.hash = hash
        self.bids = bids.sorted { $0.price > $1.price }
        self.asks = asks.sorted { $0.price < $1.price }
        self.tickSize = tickSize
        self.minOrderSize = minOrderSize
        self.negRisk = negRisk
        self.lastTradePrice = lastTradePrice
    }

    /// Best bid, if any.
    public var bestBid: Micros? { bids.first?.price }
    /// Best ask, if any.
    public var bestAsk: Micros? { asks.first?.price }
    /// (bid + ask) / 2 when both sides exist.
    public var midpoint: Micros? {
        guard let b = bestBid, let a = bestAsk else { return nil }
        return Micros((b.raw + a.raw) / 2)
    }
}

/// The wire form shared by REST and WebSocket books.
struct WireBook: Decodable {
    struct Level: Decodable {
        var price: LenientDecimal
        var size: LenientDecimal
    }

    var market: String?
    var asset_id: String?
    var timestamp: LenientDecimal?
    var hash: String?
    var bids: [Level]?
    var asks: [Level]?
    var tick_size: LenientDecimal?
    var min_order_size: LenientDecimal?
    var neg_risk: LenientBool?
    var last_trade_price: LenientDecimal?

    func book() throws(FeedDecodeError) -> OrderBook {
        guard let asset = asset_id else { throw .missingField("asset_id") }
        func levels(_ l: [Level]?, _ name: String) throws(FeedDecodeError) -> [BookLevel] {
            var out: [BookLevel] = []
            for level in l ?? [] {
                guard let p = level.price.micros, p.raw >= 0, p <= .one else {
                    throw .invalidField("\(name).price", level.price.text)
                }
                guard let s = level.size.micros, s.raw >= 0 else {
                    throw .invalidField("\(name).size", level.size.text)
                }
                out.append(BookLevel(price: p, size: s))
            }
            return out
        }
        return OrderBook(
            market: market ?? "", assetId: asset, timestampMs: timestamp?.int64 ?? 0, hash: hash ?? "",
            bids: try levels(bids, "bids"), asks: try levels(asks, "asks"),
            tickSize: tick_size.flatMap { TickSize(decimal: $0.text) }, minOrderSize: min_order_size?.micros,
            negRisk: neg_risk?.value, lastTradePrice: last_trade_price?.micros)
    }
}

extension OrderBook {
    /// Decodes a REST `/book` body.
    ///
    /// - Throws: ``FeedDecodeError``.
    public static func decode(_ data: Data) throws(FeedDecodeError) -> OrderBook {
        try WireJSON.decode(WireBook.self, from: data).book()
    }

    /// Decodes a `POST /books` body (an array of books).
    public static func decodeArray(_ data: Data) throws(FeedDecodeError) -> [OrderBook] {
        var out: [OrderBook] = []
        for b in try WireJSON.decode([WireBook].self, from: data) { out.append(try b.book()) }
        return out
    }
}
