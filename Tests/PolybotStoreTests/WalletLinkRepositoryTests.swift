import PolybotCore
import PolybotStore
import PolybotTestSupport
import Testing

@Suite("Wallet links round-trip through PostgreSQL")
struct WalletLinkRepositoryTests {
    @Test func linksKeepTheirEvidenceAndTheirFirstTime() async throws {
        try await withTestDatabase { store, _ in
            let (a, b, c) = (Fixtures.address(1), Fixtures.address(2), Fixtures.address(3))
            let links = [
                WalletLink(b, a, since: 100, evidence: .funding(funder: c, depth: 1)),
                WalletLink(a, c, since: 200, evidence: .coTrading(shared: 7, expected: 0.25, pValue: 1e-9)),
            ]
            #expect(try await store.walletLinks.record(links) == 2)
            // The same pair and kind again, later: the first record stands.
            #expect(
                try await store.walletLinks.record([
                    WalletLink(a, b, since: 500, evidence: .funding(funder: c, depth: 2))
                ]) == 0)
            var stored = try await store.walletLinks.all()
            #expect(stored == links)
            // Known earlier after all (a re-read found an older transfer): the earlier time and its evidence stand.
            #expect(
                try await store.walletLinks.record([
                    WalletLink(a, c, since: 150, evidence: .coTrading(shared: 6, expected: 0.2, pValue: 1e-8))
                ]) == 0)
            stored = try await store.walletLinks.all()
            #expect(
                stored[1] == WalletLink(a, c, since: 150, evidence: .coTrading(shared: 6, expected: 0.2, pValue: 1e-8)))
            #expect(stored[0].a == a && stored[0].b == b)
            #expect(WalletClusters(links: stored).view(at: 150).members(of: c) == [a, b, c])
        }
    }
}
