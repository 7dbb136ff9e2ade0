import Foundation
import Hummingbird
import PolybotCore
import PolybotStore

/// Paged history, newest first: whale trades, signals, orders, positions, daily PnL, risk decisions.
/// Cursor pages use `?before=<id>&limit=N`; the response's `next` is the cursor of the following page.
struct ActivityController {
    let env: APIEnvironment

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/trades") { request, _ -> Response in
            let limit = try request.int("limit", default: 50, in: 1...500)
            let side = try request.uri.queryParameters.get("side").map { text -> TradeSide in
                guard let s = TradeSide(rawValue: text.uppercased()) else {
                    throw APIError.badRequest("side must be BUY or SELL")
                }
                return s
            }
            let minNotional = try request.uri.queryParameters.get("minNotional").map { text -> Micros in
                guard let m = Micros(decimal: text), m >= .zero else {
                    throw APIError.badRequest("minNotional must be a decimal ≥ 0")
                }
                return m
            }
            let market = request.uri.queryParameters.get("market").map { $0.lowercased() }
            if let market, !(market.hasPrefix("0x") && market.count == 66) {
                throw APIError.badRequest("market must be a condition id")
            }
            let rows = try await env.store.trades.page(
                wallet: try request.address("wallet"), market: market, side: side,
                minNotional: minNotional, beforeId: try request.cursor(), limit: limit)
            return try jsonResponse(
                Page(
                    items: rows.map { TradeDTO(id: $0.id, $0.trade) },
                    next: rows.count == limit ? rows.last.map { "\($0.id)" } : nil))
        }
        router.get("/api/v1/signals") { request, _ -> Response in
            let limit = try request.int("limit", default: 50, in: 1...500)
            let rows = try await env.store.activity.signals(
                status: request.uri.queryParameters.get("status"), beforeId: try request.cursor(),
                limit: limit)
            return try jsonResponse(
                Page(items: rows.map(SignalDTO.init), next: rows.count == limit ? rows.last.map { "\($0.id)" } : nil))
        }
        router.get("/api/v1/orders") { request, _ -> Response in
            let limit = try request.int("limit", default: 50, in: 1...500)
            let statuses = try request.uri.queryParameters.get("status").map { text -> [OrderStatus] in
                try text.split(separator: ",").map {
                    guard let s = OrderStatus(rawValue: String($0)) else {
                        throw APIError.badRequest("unknown order status \($0)")
                    }
                    return s
                }
            }
            let rows = try await env.store.orders.list(statuses: statuses, limit: limit, beforeId: try request.cursor())
            return try jsonResponse(
                Page(items: rows.map(OrderDTO.init), next: rows.count == limit ? rows.last.map { "\($0.id)" } : nil))
        }
        router.get("/api/v1/orders/:id") { _, context -> Response in
            let id = try context.parameters.id()
            guard let o = try await env.store.orders.get(id: id) else { throw APIError.notFound("no order \(id)") }
            struct Detail: Encodable {
                var order: OrderDTO
                var events: [Event]
            }
            struct Event: Encodable {
                var type: String
                var status: String
                var size: String?
                var price: String?
                var payload: String
            }
            let events = try await env.store.orders.events(orderId: id).map {
                Event(
                    type: $0.eventType, status: $0.status, size: $0.size.map { "\($0)" },
                    price: $0.price.map { "\($0)" }, payload: $0.payload)
            }
            return try jsonResponse(Detail(order: OrderDTO(o), events: events))
        }
        router.get("/api/v1/positions") { request, _ -> Response in
            let limit = try request.int("limit", default: 100, in: 1...1_000)
            let statuses = try request.uri.queryParameters.get("status").map { text -> [PositionStatus] in
                try text.split(separator: ",").map {
                    guard let s = PositionStatus(rawValue: String($0)) else {
                        throw APIError.badRequest("status must be open, closed or settled")
                    }
                    return s
                }
            }
            let rows = try await env.store.positions.list(mode: env.mode, statuses: statuses, limit: limit)
            return try jsonResponse(Page(items: rows.map(PositionDTO.init), next: nil))
        }
        router.get("/api/v1/pnl/daily") { request, _ -> Response in
            let days = try request.int("days", default: 30, in: 1...3_650)
            let now = env.now()
            let rows = try await env.store.dailyPnl.range(
                mode: env.mode, from: utcDay(now - Int64(days - 1) * 86_400), to: utcDay(now))
            return try jsonResponse(Page(items: rows.map(DailyPnlDTO.init), next: nil))
        }
        router.get("/api/v1/risk/decisions") { request, _ -> Response in
            let limit = try request.int("limit", default: 50, in: 1...500)
            let rows = try await env.store.activity.decisions(
                deniedOnly: request.uri.queryParameters.get("denied") == "true",
                beforeId: try request.cursor(), limit: limit)
            return try jsonResponse(
                Page(items: rows.map(DecisionDTO.init), next: rows.count == limit ? rows.last.map { "\($0.id)" } : nil))
        }
    }

}
