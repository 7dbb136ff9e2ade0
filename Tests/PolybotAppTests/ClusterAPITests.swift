import Foundation
import NIOHTTP1
import PolybotCore
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import Testing

/// Issue 31 on the dashboard's API: the operator merges and splits wallets (audited), the profile shows the linked
/// wallets with the evidence.
@Suite("Clusters over the HTTP API", .serialized)
struct ClusterAPITests {
    let whales = (1...3).map { Fixtures.address(0xC0 + $0) }

    @Test func anOperatorMergesAndSplitsWalletsAndEveryViewShowsTheCluster() async throws {
        let trades = Scenario.consensus(
            signals: 1, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 300)
        try await withDaemon(exchange: SimExchange(trades: trades)) { d in
            let token = try await d.login()
            let (a, b, c) = (whales[0], whales[1], whales[2])
            // Evidence the nightly job would have found: a funding link between b and c.
            try await d.store.walletLinks.record([
                WalletLink(b, c, since: 1_000, evidence: .funding(funder: Fixtures.address(0xF1), depth: 1))
            ])
            let merged = try await d.json(
                .POST, "/api/v1/clusters/merge", token: token,
                body: #"{"wallets":["\#(a.hex)","\#(b.hex)"],"reason":"same trader per their own post"}"#)
            #expect((merged["members"] as? [String]) == [a, b, c].sorted().map(\.hex))
            let links = try #require(merged["links"] as? [[String: Any]])
            #expect(Set(links.compactMap { $0["kind"] as? String }) == ["funding", "manual"])
            #expect(links.contains { $0["funder"] as? String == Fixtures.address(0xF1).hex })
            let (bad, _) = try await d.call(
                .POST, "/api/v1/clusters/merge", token: token, body: #"{"wallets":["\#(a.hex)","\#(a.hex)"]}"#)
            #expect(bad == 400)

            // The profile shows it.
            try await d.store.whales.upsert(Whale(address: c, label: "c"))
            let profile = try await d.json(.GET, "/api/v1/whales/\(c.hex)/profile", token: token)
            let cluster = try #require(profile["cluster"] as? [String: Any])
            #expect((cluster["members"] as? [String])?.count == 3)

            // A split takes c out from now on.
            let split = try await d.json(
                .POST, "/api/v1/clusters/split", token: token, body: #"{"wallet":"\#(c.hex)","reason":"different"}"#)
            #expect((split["members"] as? [String]) == [c.hex])
            let after = try await d.json(.GET, "/api/v1/whales/\(a.hex)/cluster", token: token)
            #expect((after["members"] as? [String]) == [a, b].sorted().map(\.hex))
            // The cluster's own score (one wallet over its members' trades) stands beside theirs.
            #expect((after["score"] as? [String: Any])?["walletClass"] != nil)
            let list = try await d.json(.GET, "/api/v1/clusters", token: token)
            #expect((list["items"] as? [[String: Any]])?.count == 1)

            let audit = try await d.store.audit.recent(limit: 20).map(\.action)
            #expect(audit.contains("cluster.merge") && audit.contains("cluster.split"))
        }
    }
}
