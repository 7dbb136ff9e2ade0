import Foundation
import Hummingbird
import HummingbirdWebSocket
import PolybotCore
import Polymarket

/// Gamma `/markets` and `/events` over the catalog, with the JSON-in-string fields of the real API.
enum SimGammaRoutes {
    static func add(to group: RouterGroup<BasicWebSocketRequestContext>, exchange: SimExchange) {
        group.get("/markets") { request, _ -> Response in
            let all = await exchange.sortedMarkets()
            let ids = Set((request.query("condition_ids") ?? "").split(separator: ",").map { $0.lowercased() })
            // Repeated keys (the Rust client) or one comma-separated value.
            let tokens = Set(
                request.uri.queryParameters.getAll("clob_token_ids").flatMap { $0.split(separator: ",") }.map(
                    String.init))
            let closed = request.query("closed").map { $0 == "true" }
            let limit = Int(request.query("limit") ?? "100") ?? 100
            let offset = Int(request.query("offset") ?? "0") ?? 0
            let prices = await exchange.lastPrices(tokens: all.flatMap(\.tokens))
            let versions = await exchange.exchangeVersions()
            let rows = all.filter { m in
                (ids.isEmpty || ids.contains(m.conditionId)) && (tokens.isEmpty || !tokens.isDisjoint(with: m.tokens))
                    && (closed == nil || closed == (m.winner != nil))
            }.dropFirst(offset).prefix(limit).map {
                SimJSON.gammaMarket($0, lastPrices: prices, exchangeVersion: versions[$0.conditionId] ?? 2)
            }
            return SimServer.json("[" + rows.joined(separator: ",") + "]")
        }
        group.get("/events") { request, _ -> Response in
            let all = await exchange.sortedMarkets()
            let prices = await exchange.lastPrices(tokens: all.flatMap(\.tokens))
            let versions = await exchange.exchangeVersions()
            var events: [String: [HistoryMarket]] = [:]
            var order: [String] = []
            for m in all {
                if events[m.eventSlug] == nil { order.append(m.eventSlug) }
                events[m.eventSlug, default: []].append(m)
            }
            let limit = Int(request.query("limit") ?? "50") ?? 50
            let offset = Int(request.query("offset") ?? "0") ?? 0
            let rows = order.dropFirst(offset).prefix(limit).enumerated().map { i, slug -> String in
                let ms = events[slug] ?? []
                let closed = ms.allSatisfy { $0.winner != nil }
                return
                    "{\"id\":\"\(900_000 + offset + i)\",\"slug\":\(SimJSON.string(slug)),\"title\":\(SimJSON.string(slug)),"
                    + "\"negRisk\":\(ms.count > 1),\"closed\":\(closed),\"markets\":["
                    + ms.map {
                        SimJSON.gammaMarket($0, lastPrices: prices, exchangeVersion: versions[$0.conditionId] ?? 2)
                    }.joined(separator: ",") + "]}"
            }
            return SimServer.json("[" + rows.joined(separator: ",") + "]")
        }
    }
}

extension SimExchange {
    /// Markets in Gamma id order, as they look at the current sim time (a resolution shows once its time passed).
    public func sortedMarkets() -> [HistoryMarket] {
        markets.keys.compactMap { currentMarket($0) }.sorted { $0.gammaId < $1.gammaId }
    }
}
