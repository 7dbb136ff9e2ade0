import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 31 on generated worlds (``SybilWorld``): a ring of 8 wallets funded by one address that copy their leader
/// within seconds, beside independent wallets that merely agree. The ring is one cluster, votes once, and its signals
/// disappear from replay and backtest; the independents' remain.
@Suite("Independent votes on generated sybil worlds")
struct IndependentVotesTests {
    static let seeds: [UInt64] = Array(1...8)

    /// Link precision and recall against the planted ring (every pair of ring wallets is a true link).
    static func score(_ view: ClusterView, world: SybilWorld) -> (truePairs: Int, falsePairs: Int, missed: Int) {
        let ring = Set(world.ring)
        let wallets = world.ring + world.independents + world.busy
        var (tp, fp, fn) = (0, 0, 0)
        for (i, a) in wallets.enumerated() {
            for b in wallets[(i + 1)...] {
                let truth = ring.contains(a) && ring.contains(b)
                let linked = view.linked(a, b)
                if truth && linked { tp += 1 } else if linked { fp += 1 } else if truth { fn += 1 }
            }
        }
        return (tp, fp, fn)
    }

    /// A smaller exchange: 20 or 40 customers besides the independents it funds (a hub of 6 addresses would be
    /// indistinguishable from one trader's wallets, and is).
    @Test(arguments: [20, 40])
    func aSmallHubLinksNobody(customers: Int) {
        for seed in Self.seeds.prefix(4) {
            var o = SybilWorld.Options(seed: seed)
            o.hubCustomers = customers
            let world = SybilWorld(options: o)
            let tracked = Set(world.ring + world.independents + world.busy)
            let e = ClusterEvidence.build(
                rows: world.trades(), transfers: world.transfers(), tracked: tracked, funding: FundingDefaults.rules())
            let s = Self.score(e.clusters.view(at: .max), world: world)
            #expect(s.falsePairs == 0 && s.missed == 0, "seed \(seed), \(customers) customers: \(s)")
        }
    }

    @Test func theRingIsOneClusterAndTheIndependentsStayApart() {
        var funding = (tp: 0, fp: 0, fn: 0)
        var coTrading = (tp: 0, fp: 0, fn: 0)
        var reference = (tp: 0, fp: 0, fn: 0)
        for seed in Self.seeds {
            let world = SybilWorld(options: .init(seed: seed))
            let trades = world.trades()
            let tracked = Set(world.ring + world.independents + world.busy)
            let both = ClusterEvidence.build(
                rows: trades, transfers: world.transfers(), tracked: tracked, funding: FundingDefaults.rules())
            let s = Self.score(both.clusters.view(at: .max), world: world)
            funding = (funding.tp + s.truePairs, funding.fp + s.falsePairs, funding.fn + s.missed)
            #expect(s.falsePairs == 0 && s.missed == 0, "seed \(seed): \(s)")
            // The ring's funding links are known before its first trade.
            let first = trades.first { tracked.contains($0.wallet) }!.timestamp
            #expect(Self.score(both.clusters.view(at: first), world: world).missed == 0, "seed \(seed)")
            // The wash fills between ring wallets are found, and only they.
            #expect(both.wash.count == 2 * world.options.washFills, "seed \(seed): \(both.wash.count)")
            #expect(trades.filter { both.wash.contains($0.key) }.allSatisfy { world.ring.contains($0.wallet) })

            // Trades alone: the co-trading test, and the plain count threshold it is measured against.
            let alone = ClusterEvidence.build(
                rows: trades, transfers: [], tracked: tracked, funding: FundingDefaults.rules())
            let c = Self.score(alone.clusters.view(at: .max), world: world)
            coTrading = (coTrading.tp + c.truePairs, coTrading.fp + c.falsePairs, coTrading.fn + c.missed)
            var plain = CoTrading(tracked: tracked)
            for t in trades { plain.add(t) }
            let naive = WalletClusters(
                links: plain.pairCounts.filter { $0.shared >= CoTradingRules().minShared }.map {
                    WalletLink($0.a, $0.b, since: 0, evidence: .manual(reason: "count ≥ 5"))
                })
            let r = Self.score(naive.view(at: .max), world: world)
            reference = (reference.tp + r.truePairs, reference.fp + r.falsePairs, reference.fn + r.missed)
        }
        func line(_ name: String, _ x: (tp: Int, fp: Int, fn: Int)) -> String {
            let precision = x.tp + x.fp == 0 ? 1 : Double(x.tp) / Double(x.tp + x.fp)
            let recall = Double(x.tp) / Double(x.tp + x.fn)
            return String(
                format: "%@: precision %.3f, recall %.3f (%d true, %d false, %d missed pairs)", name,
                precision, recall, x.tp, x.fp, x.fn)
        }
        print("links over \(Self.seeds.count) worlds — " + line("funding + co-trading", funding))
        print("links over \(Self.seeds.count) worlds — " + line("co-trading alone", coTrading))
        print("links over \(Self.seeds.count) worlds — " + line("reference: ≥ 5 co-trades in 60 s", reference))
        #expect(coTrading.fp == 0, "co-trading linked independent wallets")
        #expect(coTrading.tp > 0, "co-trading found nothing: the check is empty")
    }
}

extension IndependentVotesTests {
    static func config() throws -> AppConfiguration {
        try AppConfiguration(
            source: ConfigurationSource(environment: ["POLYBOT_FIXED_ORDER_USDC": "50"], file: nil))
    }

    /// The world's files plus its transfers file, in one temporary folder.
    static func withFiles<T>(
        _ world: SybilWorld, _ body: (_ trades: String, _ markets: String, _ transfers: String) async throws -> T
    ) async throws -> T {
        try await withWorldFiles(trades: world.trades(), resolutionRows: world.resolutionRows()) { trades, markets in
            let transfers = URL(fileURLWithPath: trades).deletingLastPathComponent().appendingPathComponent(
                "transfers.csv"
            ).path
            try world.transferRows().joined(separator: "\n").write(toFile: transfers, atomically: true, encoding: .utf8)
            return try await body(trades, markets, transfers)
        }
    }

    @Test func aReplayCountsTheRingOnceAndKeepsTheIndependentsSignals() async throws {
        let world = SybilWorld(options: .init(seed: 3))
        let ringMarkets = Set(world.ringMarkets.map(\.conditionId))
        let ring = Set(world.ring.map(\.hex))
        let report = try await Self.withFiles(world) { trades, markets, transfers in
            let options = try ReplayCommand.options(
                trades: trades, markets: markets, speed: "max",
                wallets: [(world.ring + world.independents).map(\.hex).joined(separator: ",")],

                basketSize: 12, minMembers: 2, minNotional: "1000", timeZone: "UTC", transfers: transfers)
            return try await withThrowawayCluster {
                try await ReplayCommand.run(
                    config: try Self.config(), options: options, logger: Logger(label: "test.replay.sybil"))
            }
        }
        print(
            "replay, sybil world 3: \(report.signals.count) signals, \(report.fundingLinks) funding links, \(report.coTradingLinks) co-trading links, \(report.washFills) wash fills"
        )
        #expect(report.basketClusters == [world.ring.map(\.hex).sorted()])
        #expect(report.washFills == 2 * world.options.washFills)
        // The ring alone never fires: 8 wallets, one vote, and --min-members 2.
        #expect(report.signals.allSatisfy { !ringMarkets.contains($0.market) }, "\(report.signals.map(\.market))")
        #expect(report.signals.allSatisfy { s in s.agreeing >= 2 && s.clusters.count == s.agreeing })
        #expect(report.signals.allSatisfy { s in s.clusters.allSatisfy { $0.count == 1 && !ring.contains($0[0]) } })
        // Independent wallets that agree still fire.
        #expect(report.signals.count >= 3, "\(report.signals.count) signals")
        let json = try JSONSerialization.jsonObject(with: Data(ReplayCommand.json(report).utf8)) as? [String: Any]
        #expect((json?["signals"] as? [Any])?.count == report.signals.count)
    }

    /// The backtest's pure path on the same world: with the clusters, every copy the ring alone made is gone and the
    /// independents' copies are the same; counting wallets, the ring's copies are there (the check is not empty).
    @Test func theBacktestDropsTheRingsCopiesAndKeepsTheRest() throws {
        let config = try Self.config()
        var ringCopies = 0
        for seed in Self.seeds.prefix(4) {
            let world = SybilWorld(options: .init(seed: seed))
            let trades = world.trades()
            let tracked = Set(world.ring + world.independents)
            let evidence = ClusterEvidence.build(
                rows: trades, transfers: world.transfers(), tracked: tracked, funding: FundingDefaults.rules())
            let rows = evidence.removingWash(trades)
            let history = PaperEngine.history(rows, fees: .venue2026)
            let rules = BacktestCommand.copyRules(config, whaleMinNotional: Micros(1_000_000_000))
            var simulation = CopySimulation(
                trades: rows, markets: BacktestCommand.simulationMarkets(history, resolutions: world.resolutions),
                rules: rules, participationBps: config.tapeParticipationBps)
            let schedule = [CopySimulation.Membership(time: 0, members: tracked)]
            let counted = simulation.run(schedule: schedule, minMembers: 2)
            simulation.clusters = evidence.clusters
            let voted = simulation.run(schedule: schedule, minMembers: 2)
            let ringMarkets = Set(world.ringMarkets.map(\.conditionId))
            ringCopies += counted.filter { ringMarkets.contains($0.market) }.count
            #expect(voted.allSatisfy { !ringMarkets.contains($0.market) }, "seed \(seed)")
            let kept = counted.filter { !ringMarkets.contains($0.market) }.map { (c: CopyPosition) in c.market }
            #expect(voted.map { (c: CopyPosition) in c.market } == kept, "seed \(seed)")
            #expect(!voted.isEmpty, "seed \(seed): the independents copied nothing")
        }
        #expect(ringCopies > 0, "counting wallets, the ring never fired: the check is empty")
    }
}

extension IndependentVotesTests {
    /// `polybot backtest` itself on a sybil world (walk-forward through the pipeline, then the verdict's pure path):
    /// with the transfers, no signal is the ring's alone; every signal has at least two votes.
    @Test func theWalkForwardBacktestFiresNothingOnTheRingAlone() async throws {
        var o = SybilWorld.Options(seed: 5)
        // A long enough history for the walk-forward to find informed wallets: the ring is skilled too.
        o.markets = 90
        o.ringMarkets = 30
        o.ringSkill = 0.9
        o.independentSkill = 0.85
        let world = SybilWorld(options: o)
        let ringMarkets = Set(world.ringMarkets.map(\.conditionId))
        let report = try await Self.withFiles(world) { trades, markets, transfers in
            let options = try BacktestCommand.options(
                trades: trades, markets: markets, from: nil, to: nil, rescoreEvery: "1d", basket: "markout:18",
                minMembers: 2, minNotional: "1000", fees: "2026", baselines: false, seed: 1, transfers: transfers)
            return try await withThrowawayCluster {
                try await BacktestCommand.run(
                    config: try Self.config(), options: options, logger: Logger(label: "test.backtest.sybil"))
            }
        }
        // The ring was in the walk-forward's basket (counting wallets, its 8 members would have agreed).
        let ring = Set(world.ring.map(\.hex))
        let ringInBasket = report.rescorings.map { Set($0.basket).intersection(ring).count }.max() ?? 0
        print("ring wallets in the basket at most: \(ringInBasket)")
        #expect(ringInBasket >= 2, "the ring was never in the basket: the check is empty")
        let inRing = report.signals.filter { ringMarkets.contains($0.market) }
        print(
            "backtest, sybil world 5: \(report.signals.count) signals (\(inRing.count) in the ring's markets), walk-forward copies \(report.main.signals)"
        )
        #expect(inRing.isEmpty, "\(inRing.map(\.clusters))")
        #expect(report.signals.allSatisfy { $0.agreeing >= 2 && $0.clusters.count == $0.agreeing })
        #expect(!report.signals.isEmpty, "the walk-forward copied nothing: the check is empty")
    }
}

extension IndependentVotesTests {
    @Test func theTransfersFileIsReadWhateverItsLineEndsCaseAndTimeFormatAndABadRowStopsIt() throws {
        let text =
            "block_time,token,from,to,amount\r\n"
            + "1767225600,0xC011A7E12A19F7B1F670D46F03B03F3342E82DFB,0x00000000000000000000000000000000000000AA,"
            + "0x00000000000000000000000000000000000000bb,1500.5\r\n"
            + "1767225601.0,0xc011a7e12a19f7b1f670d46f03b03f3342e82dfb,0x00000000000000000000000000000000000000aa,"
            + "0x00000000000000000000000000000000000000cc,20000\r\n"
        let rows = try TransferFileReader.parse(text)
        #expect(rows.count == 2 && rows[0].amount == Micros(1_500_500_000) && rows[1].time == 1_767_225_601)
        #expect(rows[0].from.hex == "0x00000000000000000000000000000000000000aa")
        #expect(throws: FeedDecodeError.self) {
            try TransferFileReader.parse("block_time,token,from,to,amount\n1,0xabc,0x1,0x2,5\n")
        }
        #expect(throws: FeedDecodeError.self) { try TransferFileReader.parse("time,token,from,to,amount\n") }
    }
}

extension IndependentVotesTests {
    /// Wash fills between linked wallets leave volume and edge: each ring wallet's score over the cleaned trades has
    /// exactly its wash notional less volume, and its trade count the wash fills fewer.
    @Test func washFillsLeaveVolumeAndEdge() {
        let world = SybilWorld(options: .init(seed: 6))
        let trades = world.trades()
        let evidence = ClusterEvidence.build(
            rows: trades, transfers: world.transfers(), tracked: Set(world.ring + world.independents),
            funding: FundingDefaults.rules())
        let clean = evidence.removingWash(trades)
        let end = (trades.last?.timestamp ?? 0) + 86_400
        let before = Dictionary(
            uniqueKeysWithValues: WalletScoring.scoreAll(trades: trades, resolutions: world.resolutions, now: end).map {
                ($0.score.wallet, $0.score)
            })
        let after = Dictionary(
            uniqueKeysWithValues: WalletScoring.scoreAll(trades: clean, resolutions: world.resolutions, now: end).map {
                ($0.score.wallet, $0.score)
            })
        var washed = 0
        for w in world.ring {
            let mine = trades.filter { $0.wallet == w && evidence.wash.contains($0.key) }
            guard !mine.isEmpty, let b = before[w], let a = after[w] else { continue }
            washed += 1
            #expect(b.volume - a.volume == Micros.sum(mine.map(\.notional)), "\(w)")
            #expect(b.trades - a.trades == mine.count)
        }
        #expect(washed >= 2, "no ring wallet had a wash fill: the check is empty")
        // The independents' scores do not change.
        for w in world.independents { #expect(before[w]?.volume == after[w]?.volume) }
    }
}
