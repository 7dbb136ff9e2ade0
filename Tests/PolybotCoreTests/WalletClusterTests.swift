import Foundation
import PolybotCore
import PolybotTestSupport
import Testing

/// Issue 31's pure parts: funding links, point-in-time clusters, wash fills, one vote per cluster, the Poisson tail.
@Suite("Wallet clusters")
struct WalletClusterTests {
    let token = Fixtures.address(900)
    func a(_ n: Int) -> Address { Fixtures.address(n) }

    func pay(_ from: Int, _ to: Int, _ dollars: Int64, at t: Int64) -> FundingTransfer {
        FundingTransfer(time: t, token: token, from: a(from), to: a(to), amount: Micros(dollars * 1_000_000))
    }

    @Test func walletsOfOneFunderAreLinkedFromTheLaterFundingAndDustOrHubsLinkNothing() {
        var transfers = [pay(50, 1, 10_000, at: 100), pay(50, 2, 10_000, at: 200), pay(60, 3, 10_000, at: 50)]
        // Dust from the funder to wallet 3, which already had $10,000: not a first funder.
        transfers.append(pay(50, 3, 5, at: 300))
        // A hub funds wallet 4 and 60 others: no evidence.
        transfers +=
            (100..<161).map { pay(70, $0, 100, at: 10) } + [pay(70, 4, 10_000, at: 10), pay(70, 5, 10_000, at: 20)]
        // Depth 2: funder 61 is funded by 50, and funds wallet 6.
        transfers += [pay(50, 61, 50_000, at: 30), pay(61, 6, 10_000, at: 400)]
        var rules = FundingRules()
        rules.maxFunded = 50
        let links = FundingLinks.links(transfers: transfers, wallets: Set((1...6).map(a)), rules: rules)
        let clusters = WalletClusters(links: links)
        let end = clusters.view(at: .max)
        #expect(end.members(of: a(1)) == [a(1), a(2), a(6)].sorted())
        #expect(end.members(of: a(3)) == [a(3)] && end.members(of: a(4)) == [a(4)] && !end.linked(a(4), a(5)))
        // Point in time: 1 and 2 from 200 (the later funding), 6 from 400.
        #expect(!clusters.view(at: 199).linked(a(1), a(2)) && clusters.view(at: 200).linked(a(1), a(2)))
        #expect(!clusters.view(at: 399).linked(a(1), a(6)) && clusters.view(at: 400).linked(a(1), a(6)))
        // Depth 1 leaves 6 out; excluding the funder leaves everyone apart.
        rules.depth = 1
        #expect(
            !WalletClusters(links: FundingLinks.links(transfers: transfers, wallets: Set((1...6).map(a)), rules: rules))
                .view(at: .max).linked(a(1), a(6)))
        rules.excluded = [a(50)]
        #expect(FundingLinks.links(transfers: transfers, wallets: Set((1...6).map(a)), rules: rules).isEmpty)
    }

    @Test func aSplitTakesOneWalletOutAndLeavesTheOthersLinked() {
        let transfers = [pay(50, 1, 10_000, at: 100), pay(50, 2, 10_000, at: 200), pay(50, 3, 10_000, at: 300)]
        let links = FundingLinks.links(transfers: transfers, wallets: [a(1), a(2), a(3)], rules: FundingRules())
        // The earliest-funded wallet split out: 2 and 3 stay one trader.
        let clusters = WalletClusters(links: links, splits: [WalletSplit(wallet: a(1), since: 1_000, reason: "test")])
        #expect(clusters.view(at: 999).members(of: a(1)) == [a(1), a(2), a(3)])
        let after = clusters.view(at: 1_000)
        #expect(after.members(of: a(1)) == [a(1)] && after.members(of: a(2)) == [a(2), a(3)])
        // The timeline walked forward says the same.
        var walk = clusters
        walk.advance(to: 999)
        #expect(walk.view.linked(a(1), a(3)))
        walk.advance(to: 1_000)
        #expect(!walk.view.linked(a(1), a(3)) && walk.view.linked(a(2), a(3)))
    }

    func buy(_ w: Int, usdc: Int64 = 5_000, at t: Int64, tx: Int? = nil, asset: String = "101") -> Trade {
        Fixtures.trade(
            tx: tx ?? w * 1_000 + Int(t % 997), wallet: a(w), asset: asset, market: 9, side: .buy,
            size: Micros(usdc * 2_000_000), price: Micros(500_000), timestamp: t, outcome: "Yes")
    }

    @Test func aClusterCastsOneVoteWithItsCombinedStance() throws {
        var c = BasketConsensus(basketId: 1, members: Set((1...10).map(a)), rule: ConsensusRule())
        c.clusters = ClusterView(groups: [[a(1), a(2), a(3), a(4)]])
        var outcomes: [ConsensusOutcome] = []
        for (i, w) in [1, 2, 3, 4].enumerated() {
            outcomes += [c.add(buy(w, at: 100 + Int64(i)), now: 110, fees: .free, bestAsk: { _ in Micros(550_000) })]
                .compactMap { $0 }
        }
        // Four wallets of one trader: one vote, short of three.
        #expect(outcomes.last == .miss(.tooFewAgreeing(agreeing: 1, needed: 3)))
        _ = c.add(buy(5, at: 200), now: 200, fees: .free, bestAsk: { _ in Micros(550_000) })
        let fired = c.add(buy(6, at: 300), now: 300, fees: .free, bestAsk: { _ in Micros(550_000) })
        let signal = try #require(fired?.signal)
        #expect(signal.votes == [[a(1), a(2), a(3), a(4)], [a(5)], [a(6)]])
        #expect(signal.agreeing == (1...6).map(a) && signal.ratio == 1)
        // The cluster's stance is its members' sum: four $5,000 buys.
        #expect(signal.whaleNotional == Micros(30_000_000_000))
    }

    @Test func washFillsAreCounterFillsOfOneClusterInOneTransaction() {
        let view = ClusterView(groups: [[a(1), a(2)]])
        var sell = buy(2, at: 10, tx: 77)
        sell.side = .sell
        let washBuy = buy(1, at: 10, tx: 77)
        var otherSide = buy(2, at: 10, tx: 78, asset: "202")  // both buy the two sides: a mint between them
        let mintBuy = buy(1, at: 10, tx: 78)
        otherSide.outcome = "No"
        let outsider = buy(3, at: 10, tx: 79)
        var outsiderSell = buy(1, at: 10, tx: 79)
        outsiderSell.side = .sell
        let keys = WashTrades.keys([washBuy, sell, otherSide, mintBuy, outsider, outsiderSell]) { _ in view }
        #expect(keys == [washBuy.key, sell.key, otherSide.key, mintBuy.key])
    }

    @Test func thePoissonTailMatchesItsClosedForms() {
        for mean in [0.01, 0.5, 3.0, 40.0] {
            #expect(abs(CoTrading.poissonUpperTail(1, mean: mean) - (1 - exp(-mean))) < 1e-9)
            #expect(abs(CoTrading.poissonUpperTail(2, mean: mean) - (1 - exp(-mean) * (1 + mean))) < 1e-9)
        }
        #expect(CoTrading.poissonUpperTail(0, mean: 3) == 1 && CoTrading.poissonUpperTail(5, mean: 0) == 0)
    }

    @Test func busyIndependentWalletsAreNotLinkedButAPairThatFollowsWithinSecondsIs() {
        // Two wallets trading one token 200 times each at random over 6 hours co-occur often by chance; a third that
        // follows the first within 5 s on 6 distinct markets does not.
        var rng = SplitMix64(seed: 7)
        var trades: [Trade] = []
        for w in [1, 2] {
            for _ in 0..<200 { trades.append(buy(w, usdc: 50, at: 10_000 + Int64(rng.next() % 21_600))) }
        }
        for m in 0..<6 {
            let t = 50_000 + Int64(m) * 7_200
            trades.append(buy(1, at: t, asset: "m\(m)"))
            trades.append(buy(3, at: t + 5, asset: "m\(m)"))
        }
        var test = CoTrading(tracked: [a(1), a(2), a(3)])
        for t in trades.sorted(by: { $0.timestamp < $1.timestamp }) { test.add(t) }
        let links = test.links(at: 1)
        #expect(links.map { [$0.a, $0.b] } == [[a(1), a(3)].sorted()], "\(links)")
        #expect(test.pairCounts.contains { Set([$0.a, $0.b]) == Set([a(1), a(2)]) && $0.shared >= 5 })
    }
}
