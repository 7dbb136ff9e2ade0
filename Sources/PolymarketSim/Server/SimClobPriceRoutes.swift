import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOFoundationCompat
import PolybotCore
import Polymarket

/// CLOB public pricing endpoints in the venue's shapes (`/price`, `/prices`, `/midpoints`, `/spread(s)`,
/// `/last-trade-price(s)`, `/prices-history`), read from the synthetic books and the published trades.
///
/// `side=BUY` answers the best bid and `side=SELL` the best ask: the price on that side of the book, as the venue's
/// reference documents it.
enum SimClobPriceRoutes {
    static func add(to group: RouterGroup<BasicWebSocketRequestContext>, exchange: SimExchange) {
        group.get("/price") { request, _ -> Response in
            guard let token = request.query("token_id"),
                let side = request.query("side").flatMap({ TradeSide(rawValue: $0.uppercased()) })
            else { return SimServer.error("Invalid payload", status: .badRequest) }
            guard let book = await exchange.book(token: token), let price = best(book, side) else {
                return SimServer.error("No orderbook exists for the requested token id", status: .notFound)
            }
            return SimServer.json("{\"price\":\"\(price)\"}")
        }
        group.post("/prices") { request, _ -> Response in
            guard let items = try await bookParams(request) else {
                return SimServer.error("Invalid payload", status: .badRequest)
            }
            var byToken: [String: [String]] = [:]
            var order: [String] = []
            for (token, sideText) in items {
                guard let side = sideText.flatMap({ TradeSide(rawValue: $0.uppercased()) }),
                    let book = await exchange.book(token: token), let price = best(book, side)
                else { continue }
                if byToken[token] == nil { order.append(token) }
                byToken[token, default: []].append("\"\(side.rawValue)\":\"\(price)\"")
            }
            let entries = order.map { "\"\($0)\":{\(byToken[$0]!.joined(separator: ","))}" }
            return SimServer.json("{" + entries.joined(separator: ",") + "}")
        }
        group.post("/midpoints") { request, _ -> Response in
            guard let items = try await bookParams(request) else {
                return SimServer.error("Invalid payload", status: .badRequest)
            }
            var entries: [String] = []
            for (token, _) in items {
                if let mid = await exchange.book(token: token)?.midpoint { entries.append("\"\(token)\":\"\(mid)\"") }
            }
            return SimServer.json("{" + entries.joined(separator: ",") + "}")
        }
        group.get("/spread") { request, _ -> Response in
            guard let token = request.query("token_id"), let book = await exchange.book(token: token),
                let spread = spread(book)
            else { return SimServer.error("No orderbook exists for the requested token id", status: .notFound) }
            return SimServer.json("{\"spread\":\"\(spread)\"}")
        }
        group.post("/spreads") { request, _ -> Response in
            guard let items = try await bookParams(request) else {
                return SimServer.error("Invalid payload", status: .badRequest)
            }
            var entries: [String] = []
            for (token, _) in items {
                if let book = await exchange.book(token: token), let s = spread(book) {
                    entries.append("\"\(token)\":\"\(s)\"")
                }
            }
            return SimServer.json("{" + entries.joined(separator: ",") + "}")
        }
        group.get("/last-trade-price") { request, _ -> Response in
            guard let token = request.query("token_id"), await exchange.market(token: token) != nil else {
                return SimServer.error("market not found", status: .notFound)
            }
            guard let last = await exchange.lastTrade(token: token) else {
                return SimServer.json("{\"price\":\"0.5\",\"side\":\"\"}")
            }
            return SimServer.json("{\"price\":\"\(last.price)\",\"side\":\"\(last.side.rawValue)\"}")
        }
        group.post("/last-trades-prices") { request, _ -> Response in
            guard let items = try await bookParams(request) else {
                return SimServer.error("Invalid payload", status: .badRequest)
            }
            var entries: [String] = []
            for (token, _) in items {
                guard let last = await exchange.lastTrade(token: token) else { continue }
                entries.append(
                    "{\"token_id\":\"\(token)\",\"price\":\"\(last.price)\",\"side\":\"\(last.side.rawValue)\"}")
            }
            return SimServer.json("[" + entries.joined(separator: ",") + "]")
        }
        // `market` is a token id; either `interval` (1h, 6h, 1d, 1w, 1m, max) or both `startTs` and `endTs`.
        group.get("/prices-history") { request, _ -> Response in
            guard let token = request.query("market"), await exchange.market(token: token) != nil else {
                return SimServer.error("market not found", status: .badRequest)
            }
            let fidelityMinutes = request.query("fidelity").flatMap(Int64.init) ?? 1
            let now = await exchange.simNow
            let start: Int64
            let end: Int64
            if let s = request.query("startTs").flatMap(Int64.init), let e = request.query("endTs").flatMap(Int64.init)
            {
                (start, end) = (s, e)
            } else if let interval = request.query("interval"), let span = intervalSeconds(interval) {
                (start, end) = (span == .max ? 0 : now - span, now)
            } else {
                return SimServer.error("startTs and endTs or interval are required", status: .badRequest)
            }
            let points = await exchange.priceHistory(
                token: token, start: start, end: end, bucketSeconds: max(1, fidelityMinutes) * 60)
            let rows = points.map { "{\"t\":\($0.time),\"p\":\(Double($0.price.raw) / 1e6)}" }
            return SimServer.json("{\"history\":[\(rows.joined(separator: ","))]}")
        }
    }

    private static func best(_ book: OrderBook, _ side: TradeSide) -> Micros? {
        side == .buy ? book.bids.first?.price : book.asks.first?.price
    }

    private static func spread(_ book: OrderBook) -> Micros? {
        guard let bid = book.bids.first?.price, let ask = book.asks.first?.price else { return nil }
        return ask - bid
    }

    private static func intervalSeconds(_ text: String) -> Int64? {
        switch text {
        case "1h": 3_600
        case "6h": 21_600
        case "1d": 86_400
        case "1w": 604_800
        case "1m": 2_592_000
        case "max", "all": .max
        default: nil
        }
    }

    /// `[{"token_id": …, "side": …}]` (at most 500 entries), or nil when the body is not that.
    private static func bookParams(_ request: Request) async throws -> [(String, String?)]? {
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let array = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [[String: Any]],
            array.count <= 500
        else { return nil }
        var out: [(String, String?)] = []
        for item in array {
            guard let token = item["token_id"] as? String else { return nil }
            out.append((token, item["side"] as? String))
        }
        return out
    }
}

extension SimExchange {
    /// The last published trade's price and side on a token.
    func lastTrade(token: String) -> (price: Micros, side: TradeSide)? {
        var i = published - 1
        while i >= 0 {
            let t = timeline[i]
            if t.asset == token { return (t.price, t.side) }
            i -= 1
        }
        return nil
    }

    /// The last published trade price of a token in each `bucketSeconds` bucket of [start, end].
    func priceHistory(token: String, start: Int64, end: Int64, bucketSeconds: Int64) -> [(time: Int64, price: Micros)] {
        var out: [(time: Int64, price: Micros)] = []
        for t in timeline.prefix(published) where t.asset == token && t.timestamp >= start && t.timestamp <= end {
            let bucket = t.timestamp - t.timestamp % bucketSeconds
            if let last = out.last, last.time == bucket {
                out[out.count - 1].price = t.price
            } else {
                out.append((bucket, t.price))
            }
        }
        return out
    }
}
