import Foundation
import Hummingbird
import PolybotCore
import PolybotStore

/// Who is one trader (issue 31): the clusters as known now with their evidence, a wallet's cluster with the cluster's
/// own score, and the operator's audited merge and split. The consensus stage reads the same links (reloaded with the baskets).
struct ClustersController {
    let env: APIEnvironment

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/clusters") { _, _ -> Response in
            let clusters = try await env.store.walletLinks.clusters()
            let now = env.now()
            let view = clusters.view(at: now)
            let items = view.groups.map { members in
                ClusterDTO(wallet: members[0], view: view, clusters: clusters, at: now)
            }
            return try jsonResponse(Page(items: items, next: nil))
        }
        router.get("/api/v1/whales/:address/cluster") { _, context -> Response in
            let wallet = try context.parameters.address("address")
            let clusters = try await env.store.walletLinks.clusters()
            let now = env.now()
            var dto = ClusterDTO(wallet: wallet, view: clusters.view(at: now), clusters: clusters, at: now)
            dto.score = try await clusterScore(dto.members.compactMap { Address($0) }, view: clusters.view(at: now))
            return try jsonResponse(dto)
        }
        router.post("/api/v1/clusters/merge") { request, context -> Response in
            struct Body: Decodable {
                var wallets: [String]
                var reason: String?
            }
            let body = try await request.json(Body.self, context: context)
            let wallets = try body.wallets.map { text -> Address in
                guard let a = Address(text) else { throw APIError.badRequest("wallets: \(text) is not an address") }
                return a
            }
            guard Set(wallets).count == 2 else { throw APIError.badRequest("wallets: two different addresses") }
            let reason = body.reason ?? ""
            guard reason.count <= 500 else { throw APIError.badRequest("reason: at most 500 characters") }
            let now = env.now()
            try await env.store.walletLinks.record([
                WalletLink(wallets[0], wallets[1], since: now, evidence: .manual(reason: reason))
            ])
            try await env.audit(
                context.role, "cluster.merge", "wallet:\(wallets[0].hex)",
                ["with": wallets[1].hex, "reason": reason])
            let clusters = try await env.store.walletLinks.clusters()
            return try jsonResponse(
                ClusterDTO(wallet: wallets[0], view: clusters.view(at: now), clusters: clusters, at: now))
        }
        router.post("/api/v1/clusters/split") { request, context -> Response in
            struct Body: Decodable {
                var wallet: String
                var reason: String?
            }
            let body = try await request.json(Body.self, context: context)
            guard let wallet = Address(body.wallet) else { throw APIError.badRequest("wallet: not an address") }
            let reason = body.reason ?? ""
            guard reason.count <= 500 else { throw APIError.badRequest("reason: at most 500 characters") }
            let now = env.now()
            try await env.store.walletLinks.split(WalletSplit(wallet: wallet, since: now, reason: reason))
            try await env.audit(context.role, "cluster.split", "wallet:\(wallet.hex)", ["reason": reason])
            let clusters = try await env.store.walletLinks.clusters()
            return try jsonResponse(
                ClusterDTO(wallet: wallet, view: clusters.view(at: now), clusters: clusters, at: now))
        }
    }
}

extension ClustersController {
    /// A cluster scored as one wallet over its members' trades (without the wash fills between them), as of now; nil
    /// for a wallet alone. Scored alone, its q-value is its own p-value: there is no population to adjust over.
    func clusterScore(_ members: [Address], view: ClusterView) async throws -> ScoreDTO? {
        guard members.count > 1, let representative = members.min() else { return nil }
        let byWallet = try await env.store.trades.trades(wallets: members)
        let trades = members.flatMap { byWallet[$0] ?? [] }.sorted { $0.timestamp < $1.timestamp }
        let wash = WashTrades.keys(trades) { _ in view }
        let merged = trades.filter { !wash.contains($0.key) }.map { t -> Trade in
            var t = t
            t.wallet = representative
            return t
        }
        let markets = Set(merged.map(\.conditionId)).sorted()
        let result = WalletScoring.score(
            wallet: representative, trades: merged, resolutions: try await env.store.markets.resolutions(of: markets),
            now: env.now())
        return ScoreDTO(result.score)
    }
}

/// A wallet's cluster as known at a time: its members and the links (with their evidence) that hold it together.
struct ClusterDTO: Encodable, Sendable {
    var wallet: String
    /// The cluster's representative (its lowest address).
    var cluster: String
    var members: [String]
    var links: [WalletLinkDTO]
    var splits: [WalletSplitDTO]
    var asOf: Int64
    /// The cluster scored as one wallet over its members' trades (``ClustersController/clusterScore(_:view:)``), on
    /// the cluster endpoint and the profile; nil for a wallet alone.
    var score: ScoreDTO?

    init(wallet: Address, view: ClusterView, clusters: WalletClusters, at time: Int64) {
        self.wallet = wallet.hex
        cluster = view.cluster(of: wallet).hex
        let members = view.members(of: wallet)
        self.members = members.map(\.hex)
        links = clusters.evidence(for: wallet, at: time).map(WalletLinkDTO.init)
        let set = Set(members)
        splits = clusters.splits.filter { $0.since <= time && set.contains($0.wallet) }.map(WalletSplitDTO.init)
        asOf = time
    }
}

/// One link with its evidence, flattened for the dashboard.
struct WalletLinkDTO: Encodable, Sendable {
    var a: String
    var b: String
    /// `funding`, `co_trading` or `manual`.
    var kind: String
    var since: Int64
    var funder: String?
    var depth: Int?
    var shared: Int?
    var expected: Double?
    var pValue: Double?
    var reason: String?

    init(_ l: WalletLink) {
        a = l.a.hex
        b = l.b.hex
        kind = l.kind
        since = l.since
        switch l.evidence {
        case .funding(let f, let d):
            funder = f.hex
            depth = d
        case .coTrading(let n, let e, let p):
            shared = n
            expected = e
            pValue = p
        case .manual(let r): reason = r
        }
    }
}

/// An operator's split.
struct WalletSplitDTO: Encodable, Sendable {
    var wallet: String
    var since: Int64
    var reason: String

    init(_ s: WalletSplit) {
        wallet = s.wallet.hex
        since = s.since
        reason = s.reason
    }
}
