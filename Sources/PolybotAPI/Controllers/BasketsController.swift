import Foundation
import Hummingbird
import PolybotCore
import PolybotStore

/// Baskets: CRUD and members. Changes reach the consensus stage on its next trade.
struct BasketsController {
    let env: APIEnvironment
    let directory: WhaleDirectory

    struct BasketDTO: Codable, Sendable {
        var id: Int64
        var name: String
        var category: String
        var description: String
        var windowHours: Int
        var minMembers: Int
        var consensusRatio: Double
        var minUpside: String
        var enabled: Bool
        var members: [Member]
        struct Member: Codable, Sendable {
            var wallet: String
            var weightBps: Int
            var membership: String
        }
    }

    /// Fields a create or update may set.
    struct Body: Decodable {
        var name: String?
        var category: String?
        var description: String?
        var windowHours: Int?
        var minMembers: Int?
        var consensusRatio: Double?
        var minUpside: String?
        var enabled: Bool?

        func apply(to b: inout Basket) throws {
            if let n = name {
                let t = n.trimmingCharacters(in: .whitespaces)
                guard (1...100).contains(t.count) else { throw APIError.badRequest("name must be 1–100 characters") }
                b.name = t
            }
            if let c = category { b.category = String(c.prefix(100)) }
            if let d = description { b.description = String(d.prefix(1_000)) }
            if let w = windowHours {
                guard (1...168).contains(w) else {
                    throw APIError.badRequest("windowHours must be 1–168 (24–48 by design)")
                }
                b.windowHours = w
            }
            if let m = minMembers {
                guard (1...1_000).contains(m) else { throw APIError.badRequest("minMembers must be 1–1000") }
                b.minMembers = m
            }
            if let r = consensusRatio {
                guard r > 0.5, r <= 1 else { throw APIError.badRequest("consensusRatio must be in (0.5, 1]") }
                b.consensusRatioBps = Int((r * 10_000).rounded())
            }
            if let u = minUpside {
                guard let v = Micros(decimal: u), v >= .zero, v <= .one else {
                    throw APIError.badRequest("minUpside must be a price in [0, 1]")
                }
                b.minUpside = v
            }
            if let e = enabled { b.enabled = e }
        }
    }

    func dto(_ b: Basket) async throws -> BasketDTO {
        let members = try await env.store.baskets.members(basketId: b.id)
        return BasketDTO(
            id: b.id, name: b.name, category: b.category, description: b.description, windowHours: b.windowHours,
            minMembers: b.minMembers, consensusRatio: Double(b.consensusRatioBps) / 10_000, minUpside: "\(b.minUpside)",
            enabled: b.enabled,
            members: members.map {
                .init(wallet: $0.wallet.hex, weightBps: $0.weightBps, membership: $0.membership.rawValue)
            })
    }

    func changed() async {
        await directory.invalidate()
        await env.control?.basketsChanged()
    }

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/baskets") { _, _ -> Response in
            var out: [BasketDTO] = []
            for b in try await env.store.baskets.list() { out.append(try await dto(b)) }
            return try jsonResponse(Page(items: out, next: nil))
        }
        router.get("/api/v1/baskets/:id") { _, context -> Response in
            let id = try context.parameters.id()
            guard let b = try await env.store.baskets.get(id: id) else { throw APIError.notFound("no basket \(id)") }
            return try jsonResponse(try await dto(b))
        }
        router.post("/api/v1/baskets") { request, context -> Response in
            let body = try await request.json(Body.self, context: context)
            guard body.name != nil else { throw APIError.badRequest("missing field name") }
            var b = Basket(name: "")
            try body.apply(to: &b)
            if try await env.store.baskets.get(name: b.name) != nil {
                throw APIError.conflict("a basket named \(b.name) exists")
            }
            let created = try await env.store.baskets.create(b)
            try await env.audit(context.role, "basket.create", "basket:\(created.id)", ["name": created.name])
            await changed()
            return try jsonResponse(try await dto(created), status: .created)
        }
        router.patch("/api/v1/baskets/:id") { request, context -> Response in
            let id = try context.parameters.id()
            let body = try await request.json(Body.self, context: context)
            guard var b = try await env.store.baskets.get(id: id) else { throw APIError.notFound("no basket \(id)") }
            try body.apply(to: &b)
            do { try await env.store.baskets.update(b) } catch StoreError.duplicate {
                throw APIError.conflict("a basket named \(b.name) exists")
            }
            try await env.audit(context.role, "basket.update", "basket:\(id)")
            await changed()
            return try jsonResponse(try await dto(b))
        }
        router.delete("/api/v1/baskets/:id") { _, context -> Response in
            let id = try context.parameters.id()
            guard try await env.store.baskets.delete(id: id) else { throw APIError.notFound("no basket \(id)") }
            try await env.audit(context.role, "basket.delete", "basket:\(id)")
            await changed()
            return Response(status: .noContent)
        }
        router.put("/api/v1/baskets/:id/members/:address") { request, context -> Response in
            let id = try context.parameters.id()
            let a = try context.parameters.address("address")
            guard let b = try await env.store.baskets.get(id: id) else { throw APIError.notFound("no basket \(id)") }
            struct MemberBody: Decodable { var weightBps: Int? }
            let body =
                request.headers[.contentLength].map { $0 != "0" } ?? false
                ? try await request.json(MemberBody.self, context: context)
                : MemberBody(weightBps: nil)
            let weight = body.weightBps ?? 10_000
            guard (0...100_000).contains(weight) else { throw APIError.badRequest("weightBps must be 0–100000") }
            // A member must be tracked: add the wallet if it is not yet.
            if try await env.store.whales.get(a) == nil {
                try await env.store.whales.upsert(Whale(address: a, source: .manual, addedAt: env.now()))
            }
            try await env.store.baskets.upsertMember(
                basketId: id, BasketMember(wallet: a, weightBps: weight, membership: .manual))
            try await env.audit(context.role, "basket.member.add", "basket:\(id)", ["wallet": a.hex])
            await changed()
            return try jsonResponse(try await dto(b))
        }
        router.delete("/api/v1/baskets/:id/members/:address") { _, context -> Response in
            let id = try context.parameters.id()
            let a = try context.parameters.address("address")
            guard try await env.store.baskets.removeMember(basketId: id, wallet: a) else {
                throw APIError.notFound("\(a.hex) is not in basket \(id)")
            }
            try await env.audit(context.role, "basket.member.remove", "basket:\(id)", ["wallet": a.hex])
            await changed()
            return Response(status: .noContent)
        }
    }
}
