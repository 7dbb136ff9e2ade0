import Foundation
import Hummingbird
import Logging
import PolybotCore
import PolybotStore

/// The operator's levers: the approval queue, the trading state (kill switch), cooldown locks, the configuration view.
struct ControlController {
    let env: APIEnvironment

    func control() throws -> any TradingControl {
        guard let c = env.control else { throw APIError.unavailable("the trading pipeline is not running") }
        return c
    }

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/approvals") { _, _ -> Response in
            try jsonResponse(
                Page(items: try await env.store.execution.pendingApprovals().map(OrderDTO.init), next: nil))
        }
        router.post("/api/v1/approvals/:id/approve") { _, context -> Response in
            let id = try context.parameters.id()
            do {
                let order = try await control().approve(orderId: id, actor: context.role?.rawValue ?? "operator")
                return try jsonResponse(OrderDTO(order))
            } catch let refused as OperatorRefusal {
                throw APIError.conflict(refused.description)
            }
        }
        router.post("/api/v1/approvals/:id/reject") { request, context -> Response in
            let id = try context.parameters.id()
            struct Body: Decodable { var reason: String? }
            let body =
                request.headers[.contentLength].map { $0 != "0" } ?? false
                ? try await request.json(Body.self, context: context) : Body()
            do {
                let order = try await control().reject(
                    orderId: id, actor: context.role?.rawValue ?? "operator",
                    reason: String((body.reason ?? "").prefix(500)))
                return try jsonResponse(OrderDTO(order))
            } catch let refused as OperatorRefusal {
                throw APIError.conflict(refused.description)
            } catch StoreError.notFound {
                throw APIError.notFound("no order \(id)")
            }
        }
        router.get("/api/v1/trading-state") { _, _ -> Response in
            struct State: Encodable {
                var state: String
                var reason: String
            }
            if let status = env.status {
                return try jsonResponse(State(state: await status.riskState().tradingState.rawValue, reason: ""))
            }
            let s = try await env.store.execution.tradingState(mode: env.mode)
            return try jsonResponse(State(state: s?.state.rawValue ?? "active", reason: s?.reason ?? ""))
        }
        // Halt and reduce-only take effect at once, in memory, even with the database down (`persisted: false` until it
        // is back); resuming needs the database and a clean reconciliation (503 / 409 otherwise).
        router.put("/api/v1/trading-state") { request, context -> Response in
            struct Body: Decodable {
                var state: String
                var reason: String?
            }
            let body = try await request.json(Body.self, context: context)
            guard let s = TradingState(rawValue: body.state), s != .reconciling else {
                throw APIError.badRequest("state must be active, reduce_only or halted")
            }
            let reason = String((body.reason ?? "").prefix(500))
            let persisted: Bool
            do {
                persisted = try await control().setTradingState(
                    s, reason: reason, actor: context.role?.rawValue ?? "operator")
            } catch let refused as OperatorRefusal {
                throw APIError.conflict(refused.description)
            } catch let e as APIError {
                throw e
            } catch {
                context.logger.error("trading state not resumed: not persisted", metadata: ["error": "\(error)"])
                throw APIError.unavailable("cannot resume while the database is unavailable; trading stays as it is")
            }
            struct State: Encodable {
                var state: String
                var reason: String
                var persisted: Bool
            }
            return try jsonResponse(State(state: s.rawValue, reason: reason, persisted: persisted))
        }
        router.get("/api/v1/cooldowns") { _, _ -> Response in
            let locks = try await env.store.execution.cooldowns(activeAt: env.now())
            return try jsonResponse(Page(items: locks.map(CooldownDTO.init), next: nil))
        }
        router.post("/api/v1/cooldowns") { request, context -> Response in
            struct Body: Decodable {
                var scope: String
                var value: String
                var minutes: Int
                var reason: String?
            }
            let body = try await request.json(Body.self, context: context)
            guard (1...43_200).contains(body.minutes) else {
                throw APIError.badRequest("minutes must be 1–43200 (30 days)")
            }
            let scope: Cooldown.Scope
            switch body.scope {
            case "market":
                guard body.value.hasPrefix("0x"), body.value.count == 66 else {
                    throw APIError.badRequest("a market is a condition id")
                }
                scope = .market(body.value.lowercased())
            case "wallet":
                guard let a = Address(body.value.lowercased()) else {
                    throw APIError.badRequest("a wallet is a 0x address")
                }
                scope = .wallet(a)
            case "basket":
                guard let b = Int64(body.value), b > 0 else { throw APIError.badRequest("a basket is its id") }
                scope = .basket(b)
            default: throw APIError.badRequest("scope must be market, wallet or basket")
            }
            let lock = Cooldown(
                scope: scope, until: env.now() + Int64(body.minutes) * 60,
                reason: String((body.reason ?? "operator").prefix(200)))
            try await control().addCooldown(lock)
            try await env.audit(
                context.role, "cooldown.add", "\(body.scope):\(body.value)", ["minutes": "\(body.minutes)"])
            return try jsonResponse(CooldownDTO(lock), status: .created)
        }
        router.get("/api/v1/config") { _, _ -> Response in
            try jsonResponse(Page(items: env.configView(), next: nil))
        }
        router.get("/api/v1/audit") { request, _ -> Response in
            let limit = try request.int("limit", default: 50, in: 1...500)
            struct Entry: Encodable, Sendable {
                var actor: String
                var action: String
                var target: String
                var details: String
            }
            return try jsonResponse(
                Page(
                    items: try await env.store.audit.recent(limit: limit).map {
                        Entry(actor: $0.actor, action: $0.action, target: $0.target, details: $0.details)
                    }, next: nil))
        }
    }
}

/// A cooldown lock.
struct CooldownDTO: Encodable, Sendable {
    var scope: String
    var value: String
    var until: Int64
    var reason: String

    init(_ c: Cooldown) {
        switch c.scope {
        case .market(let m): (scope, value) = ("market", m)
        case .wallet(let w): (scope, value) = ("wallet", w.hex)
        case .basket(let b): (scope, value) = ("basket", "\(b)")
        }
        until = c.until
        reason = c.reason
    }
}
