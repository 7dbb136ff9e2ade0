import Foundation
import Hummingbird
import NIOCore
import PolybotCore
import PolybotStore

/// The whale table behind `GET /api/v1/whales`, kept in memory (wallets, latest scores, sparklines, baskets) and
/// rebuilt at most every `maxAge` or after a change, so sorting and paging 10,000 wallets costs microseconds.
actor WhaleDirectory {
    /// The rows and, per sort key, their order (ascending, ties by address), computed once per rebuild.
    struct Snapshot: Sendable {
        var rows: [WhaleDTO] = []
        var orders: [String: [Int]] = [:]
        /// Each row's JSON, encoded once per rebuild (a page is a concatenation).
        var encoded: [String] = []
    }
    private let store: PolybotStore
    private let maxAge: Duration
    private var rows: [WhaleDTO] = []
    private var snapshot = Snapshot()
    private var builtAt: ContinuousClock.Instant?

    /// Why 30 s: scores change nightly and every change made through the API invalidates at once; a rebuild of
    /// 10,000 wallets costs real CPU that requests should not pay for often.
    init(store: PolybotStore, maxAge: Duration = .seconds(30)) {
        self.store = store
        self.maxAge = maxAge
    }

    func all() async throws -> [WhaleDTO] { try await current().rows }

    /// The current snapshot. A stale one is rebuilt: callers wait only for the first build (or after an explicit
    /// invalidation by a change); otherwise they get the previous snapshot while a background rebuild runs, so a
    /// rebuild never stalls requests.
    func current() async throws -> Snapshot {
        if let builtAt, ContinuousClock.now - builtAt < maxAge { return snapshot }
        if builtAt != nil, !forced {
            if !rebuilding {
                rebuilding = true
                Task { try? await self.rebuild() }
            }
            return snapshot
        }
        try await rebuild()
        return snapshot
    }

    private var rebuilding = false
    private var forced = false

    private func rebuild() async throws {
        defer { rebuilding = false }
        let built = try await Self.build(store: store)
        snapshot = built
        rows = built.rows
        builtAt = .now
        forced = false
    }

    /// Loads and sorts, off the actor's critical path (nonisolated: the CPU work does not block readers).
    nonisolated static func build(store: PolybotStore) async throws -> Snapshot {
        let whales = try await store.whales.all()
        let scores = try await store.scores.latestAll()
        let sparks = try await store.scores.sparklines(points: 12)
        var memberOf: [Address: [Int64]] = [:]
        for b in try await store.baskets.list() {
            for m in try await store.baskets.members(basketId: b.id) { memberOf[m.wallet, default: []].append(b.id) }
        }
        let rows = whales.map { w in
            WhaleDTO(
                address: w.address.hex, label: w.label, tags: w.tags, listStatus: w.listStatus.rawValue,
                tracked: w.tracked,
                source: w.source.rawValue, addedAt: w.addedAt, score: scores[w.address].map(ScoreDTO.init),
                sparkline: sparks[w.address] ?? [], baskets: memberOf[w.address] ?? [])
        }
        var orders: [String: [Int]] = [:]
        for (key, less) in WhalesController.sortKeys {
            orders[key] = rows.indices.sorted { a, b in
                if less(rows[a], rows[b]) { return true }
                if less(rows[b], rows[a]) { return false }
                return rows[a].address < rows[b].address
            }
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let encoded = rows.map { String(decoding: (try? e.encode($0)) ?? Data("{}".utf8), as: UTF8.self) }
        return Snapshot(rows: rows, orders: orders, encoded: encoded)
    }

    /// A change: the next read waits for a fresh snapshot.
    func invalidate() {
        builtAt = nil
        forced = true
    }
}

/// Whales: list (filter, sort, paginate), detail with score history and the features behind the class, add,
/// remove, tag and label, allow/deny.
struct WhalesController {
    let env: APIEnvironment
    let directory: WhaleDirectory

    static let sortKeys: [String: @Sendable (WhaleDTO, WhaleDTO) -> Bool] = [
        "lowerBound": { ($0.score?.winRateLowerBound ?? -1) < ($1.score?.winRateLowerBound ?? -1) },
        "shrunkWinRate": { ($0.score?.shrunkWinRate ?? -1) < ($1.score?.shrunkWinRate ?? -1) },
        "sharpe": { ($0.score?.sharpe ?? -.infinity) < ($1.score?.sharpe ?? -.infinity) },
        "kelly": { ($0.score?.kelly ?? -1) < ($1.score?.kelly ?? -1) },
        "pnl": {
            (Micros(decimal: $0.score?.realizedPnl ?? "") ?? Micros(.min))
                < (Micros(decimal: $1.score?.realizedPnl ?? "") ?? Micros(.min))
        },
        "closedPositions": { ($0.score?.closedPositions ?? -1) < ($1.score?.closedPositions ?? -1) },
        "address": { $0.address < $1.address },
        "addedAt": { $0.addedAt < $1.addedAt },
    ]

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/whales") { request, _ -> Response in
            let limit = try request.int("limit", default: 50, in: 1...500)
            let offset = try request.int("offset", default: 0, in: 0...10_000_000)
            let sort = request.uri.queryParameters.get("sort") ?? "lowerBound"
            guard let less = Self.sortKeys[sort] else {
                throw APIError.badRequest("sort must be one of \(Self.sortKeys.keys.sorted().joined(separator: ", "))")
            }
            let descending = (request.uri.queryParameters.get("order") ?? "desc") != "asc"
            let klass = request.uri.queryParameters.get("class")
            if let klass, WalletClass(rawValue: klass) == nil {
                throw APIError.badRequest(
                    "class must be one of \(WalletClass.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let list = request.uri.queryParameters.get("list")
            if let list, ListStatus(rawValue: list) == nil {
                throw APIError.badRequest("list must be allow, deny or neutral")
            }
            let tag = request.uri.queryParameters.get("tag")
            let q = request.uri.queryParameters.get("q")?.lowercased()
            let snap = try await directory.current()
            let filtered = klass != nil || list != nil || tag != nil || q != nil
            func matches(_ w: WhaleDTO) -> Bool {
                (klass == nil || w.score?.walletClass == klass) && (list == nil || w.listStatus == list)
                    && (tag == nil || w.tags.contains(tag!))
                    && (q == nil || w.address.hasPrefix(q!) || w.label.lowercased().contains(q!))
            }
            // Walk the precomputed order (descending = backwards; ties stay by address) and keep one page.
            let order = snap.orders[sort] ?? Array(snap.rows.indices)
            var page: [Int] = []
            var seen = 0
            var total = filtered ? 0 : snap.rows.count
            for i in 0..<order.count {
                let index = order[descending ? order.count - 1 - i : i]
                guard !filtered || matches(snap.rows[index]) else { continue }
                if filtered { total += 1 }
                if seen >= offset && page.count < limit { page.append(index) }
                seen += 1
                if !filtered && page.count == limit { break }
            }
            let next = offset + page.count < total ? "\"\(offset + page.count)\"" : "null"
            let body =
                "{\"items\":[" + page.map { snap.encoded[$0] }.joined(separator: ",")
                + "],\"next\":\(next),\"total\":\(total)}"
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/api/v1/whales/:address") { request, context -> Response in
            let address = try context.parameters.address("address")
            guard let w = try await directory.all().first(where: { $0.address == address.hex }) else {
                throw APIError.notFound("not tracked: \(address.hex)")
            }
            let limit = try request.int("history", default: 30, in: 1...365)
            struct Detail: Encodable {
                var whale: WhaleDTO
                var history: [ScoreDTO]
                var recentTrades: [TradeDTO]
            }
            let history = try await env.store.scores.history(address, limit: limit).map(ScoreDTO.init)
            let trades = try await env.store.trades.page(
                wallet: address, market: nil, side: nil, minNotional: nil, beforeId: nil, limit: 20)
            return try jsonResponse(
                Detail(whale: w, history: history, recentTrades: trades.map { TradeDTO(id: $0.id, $0.trade) }))
        }
        router.post("/api/v1/whales") { request, context -> Response in
            struct Body: Decodable {
                var address: String
                var label: String?
                var tags: [String]?
                var notes: String?
            }
            let body = try await request.json(Body.self, context: context)
            guard let a = Address(body.address.lowercased()) else {
                throw APIError.badRequest("address must be a 0x-prefixed 20-byte address")
            }
            let tags = try Self.validTags(body.tags ?? [])
            if try await env.store.whales.get(a) != nil { throw APIError.conflict("already tracked: \(a.hex)") }
            try await env.store.whales.upsert(
                Whale(
                    address: a, label: String((body.label ?? "").prefix(100)), tags: tags, source: .manual,
                    notes: String((body.notes ?? "").prefix(1_000)), addedAt: env.now()))
            try await env.audit(context.role, "whale.add", a.hex)
            await directory.invalidate()
            guard let w = try await directory.all().first(where: { $0.address == a.hex }) else {
                throw APIError.notFound(a.hex)
            }
            return try jsonResponse(w, status: .created)
        }
        router.patch("/api/v1/whales/:address") { request, context -> Response in
            let a = try context.parameters.address("address")
            struct Body: Decodable {
                var label: String?
                var tags: [String]?
                var listStatus: String?
                var tracked: Bool?
                var notes: String?
            }
            let body = try await request.json(Body.self, context: context)
            guard var w = try await env.store.whales.get(a) else { throw APIError.notFound("not tracked: \(a.hex)") }
            if let l = body.label { w.label = String(l.prefix(100)) }
            if let t = body.tags { w.tags = try Self.validTags(t) }
            if let s = body.listStatus {
                guard let v = ListStatus(rawValue: s) else {
                    throw APIError.badRequest("listStatus must be allow, deny or neutral")
                }
                w.listStatus = v
            }
            if let t = body.tracked { w.tracked = t }
            if let n = body.notes { w.notes = String(n.prefix(1_000)) }
            try await env.store.whales.upsert(w)
            var details: [String: String] = [:]
            if let s = body.listStatus { details["listStatus"] = s }
            if let t = body.tags { details["tags"] = t.joined(separator: ",") }
            try await env.audit(context.role, "whale.update", a.hex, details)
            if body.listStatus != nil, let control = env.control {
                // Allow/deny lists take effect on the next trade.
                let lists = try await env.store.whales.lists()
                await control.whaleListsChanged(allow: lists.allow, deny: lists.deny)
            }
            await directory.invalidate()
            guard let dto = try await directory.all().first(where: { $0.address == a.hex }) else {
                throw APIError.notFound(a.hex)
            }
            return try jsonResponse(dto)
        }
        router.delete("/api/v1/whales/:address") { _, context -> Response in
            let a = try context.parameters.address("address")
            guard try await env.store.whales.delete(a) else { throw APIError.notFound("not tracked: \(a.hex)") }
            try await env.audit(context.role, "whale.remove", a.hex)
            await directory.invalidate()
            await env.control?.basketsChanged()
            return Response(status: .noContent)
        }
    }

    static func validTags(_ tags: [String]) throws -> [String] {
        guard tags.count <= 20 else { throw APIError.badRequest("at most 20 tags") }
        for t in tags where t.isEmpty || t.count > 40 || t.contains(",") {
            throw APIError.badRequest("a tag is 1–40 characters without commas: \"\(t)\"")
        }
        return Array(Set(tags)).sorted()
    }
}
